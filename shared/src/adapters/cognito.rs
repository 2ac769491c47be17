//! Cognito user pool, the [`IdentityProvider`]: credentials only. Who a user is (role, business, status) lives in the
//! table; Cognito checks passwords and issues tokens. Users are created by the portal with
//! Cognito's own email suppressed, because the portal sends its own set-password link.

use anyhow::{Context as _, anyhow};
use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::SdkError;
use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
use aws_sdk_cognitoidentityprovider::operation::admin_initiate_auth::AdminInitiateAuthError;
use aws_sdk_cognitoidentityprovider::operation::admin_respond_to_auth_challenge::AdminRespondToAuthChallengeError;
use aws_sdk_cognitoidentityprovider::operation::associate_software_token::AssociateSoftwareTokenError;
use aws_sdk_cognitoidentityprovider::operation::verify_software_token::VerifySoftwareTokenError;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType, MessageActionType,
    SoftwareTokenMfaSettingsType, VerifySoftwareTokenResponseType,
};
use secrecy::{ExposeSecret as _, SecretString};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::ids::UserId;
use crate::domain::session::SessionId;
use crate::ports::{CreateUserError, IdentityProvider, LoginError, MfaError, Refreshed, SignIn, Tokens};

/// The portal's user pool and app client.
#[derive(Clone)]
pub struct Identity {
    client: Client,
    pool_id: String,
    client_id: String,
}

impl Identity {
    pub fn new(client: Client, pool_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self { client, pool_id: pool_id.into(), client_id: client_id.into() }
    }
}

/// Whose login an access token Cognito just issued is: its `sub` and `origin_jti`. The
/// token comes straight from Cognito's answer over TLS, so its claims are read without
/// checking its signature (every request's token is verified in full: `adapters::jwt`).
fn login_of(access_token: &str) -> anyhow::Result<(UserId, SessionId)> {
    #[derive(serde::Deserialize)]
    struct Claims {
        sub: String,
        origin_jti: String,
    }
    let payload = access_token.split('.').nth(1).context("The access token is not a JWT")?;
    let bytes =
        URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).context("The access token's payload is not base64")?;
    let claims: Claims = serde_json::from_slice(&bytes).context("The access token has no sub or origin_jti")?;
    let user_id = UserId::parse(&claims.sub).context("The access token's sub is not a user id")?;
    let session = SessionId::parse(&claims.origin_jti).context("The access token's origin_jti is not a session id")?;
    Ok((user_id, session))
}

/// The tokens of a completed login, and whose login they are.
fn tokens_of(result: AuthenticationResultType) -> anyhow::Result<Tokens> {
    let token = |t: Option<String>| t.map(SecretString::from).context("Cognito returned no token");
    let access_token = token(result.access_token)?;
    let (user_id, session) = login_of(access_token.expose_secret())?;
    Ok(Tokens {
        access_token,
        id_token: token(result.id_token)?,
        refresh_token: token(result.refresh_token)?,
        expires_in: result.expires_in,
        user_id,
        session,
    })
}

/// What the authenticator app is called in the user's Cognito settings.
const DEVICE_NAME: &str = "Partner Portal";

#[async_trait]
impl IdentityProvider for Identity {
    /// Creates the Cognito user of an email (verified, no password, no Cognito email) and
    /// returns its `sub`. Idempotent: when the user exists already (a retried approval), its
    /// `sub` is returned.
    #[tracing::instrument(name = "Create the Cognito user", skip_all)]
    async fn create_user(&self, email: &str) -> Result<UserId, CreateUserError> {
        let attribute = |name: &str, value: &str| {
            AttributeType::builder().name(name).value(value).build().context("Failed to build a user attribute")
        };
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(email)
            .message_action(MessageActionType::Suppress)
            .user_attributes(attribute("email", email)?)
            .user_attributes(attribute("email_verified", "true")?)
            .send()
            .await;
        let attributes = match created {
            Ok(out) => out.user.map(|u| u.attributes.unwrap_or_default()).unwrap_or_default(),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), AdminCreateUserError::UsernameExistsException(_)) => {
                self.client
                    .admin_get_user()
                    .user_pool_id(&self.pool_id)
                    .username(email)
                    .send()
                    .await
                    .context("Failed to read an existing Cognito user")?
                    .user_attributes
                    .unwrap_or_default()
            }
            Err(SdkError::ServiceError(e)) if matches!(e.err(), AdminCreateUserError::InvalidParameterException(_)) => {
                // Only the error code is logged: the message quotes the address.
                tracing::warn!(code = e.err().meta().code(), "Cognito refused an email as a username");
                return Err(CreateUserError::Refused);
            }
            Err(e) => return Err(anyhow!(e).context("Failed to create the Cognito user").into()),
        };
        Ok(attributes
            .iter()
            .find(|a| a.name() == "sub")
            .and_then(|a| a.value())
            .and_then(UserId::parse)
            .context("The Cognito user has no usable sub")?)
    }

    /// Sets a user's password (permanent: no change is forced at next login).
    #[tracing::instrument(name = "Set a Cognito password", skip_all)]
    async fn set_password(&self, email: &str, password: &str) -> anyhow::Result<()> {
        self.client
            .admin_set_user_password()
            .user_pool_id(&self.pool_id)
            .username(email)
            .password(password)
            .permanent(true)
            .send()
            .await
            .context("Failed to set the password in Cognito")?;
        Ok(())
    }

    /// Checks an email and password: the user's tokens, or Cognito's TOTP challenge.
    #[tracing::instrument(name = "Authenticate with Cognito", skip_all)]
    async fn login(&self, email: &str, password: &SecretString) -> Result<SignIn, LoginError> {
        let out = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", password.expose_secret())
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(SdkError::ServiceError(e))
                if matches!(
                    e.err(),
                    AdminInitiateAuthError::NotAuthorizedException(_)
                        | AdminInitiateAuthError::UserNotFoundException(_)
                        | AdminInitiateAuthError::UserNotConfirmedException(_)
                        | AdminInitiateAuthError::PasswordResetRequiredException(_)
                ) =>
            {
                return Err(LoginError::InvalidCredentials);
            }
            Err(e) => return Err(LoginError::Unexpected(anyhow!(e).context("Failed to authenticate with Cognito"))),
        };
        if let Some(result) = out.authentication_result {
            return Ok(SignIn::Tokens(tokens_of(result)?));
        }
        // TOTP is the pool's only second factor. Any other challenge (such as
        // NEW_PASSWORD_REQUIRED) is not a session: the portal sets every password itself, so a
        // user in such a state cannot log in.
        match (out.challenge_name, out.session) {
            (Some(ChallengeNameType::SoftwareTokenMfa), Some(session)) => {
                Ok(SignIn::MfaCode { session: SecretString::from(session) })
            }
            _ => Err(LoginError::InvalidCredentials),
        }
    }

    /// `AdminRespondToAuthChallenge` with the code.
    #[tracing::instrument(name = "Answer Cognito's TOTP challenge", skip_all)]
    async fn answer_mfa(&self, email: &str, session: &SecretString, code: &str) -> Result<Tokens, MfaError> {
        let out = self
            .client
            .admin_respond_to_auth_challenge()
            .user_pool_id(&self.pool_id)
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::SoftwareTokenMfa)
            .session(session.expose_secret())
            .challenge_responses("USERNAME", email)
            .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", code)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(SdkError::ServiceError(e)) => match e.err() {
                // A code already used once is refused as "expired": the person waits for the next.
                AdminRespondToAuthChallengeError::CodeMismatchException(_)
                | AdminRespondToAuthChallengeError::ExpiredCodeException(_) => return Err(MfaError::WrongCode),
                // An expired or used session, or a user disabled meanwhile.
                AdminRespondToAuthChallengeError::NotAuthorizedException(_)
                | AdminRespondToAuthChallengeError::ResourceNotFoundException(_)
                | AdminRespondToAuthChallengeError::UserNotFoundException(_) => return Err(MfaError::Expired),
                _ => {
                    return Err(anyhow!(SdkError::ServiceError(e))
                        .context("Failed to answer Cognito's challenge")
                        .into());
                }
            },
            Err(e) => return Err(anyhow!(e).context("Failed to answer Cognito's challenge").into()),
        };
        let result = out.authentication_result.ok_or(MfaError::Expired)?;
        Ok(tokens_of(result)?)
    }

    /// `AssociateSoftwareToken` with the user's access token (there is no Admin form; see
    /// the user pool's firewall in `template.yaml`).
    #[tracing::instrument(name = "Start a TOTP enrolment with Cognito", skip_all)]
    async fn start_totp(&self, access_token: &SecretString) -> Result<SecretString, MfaError> {
        let out = self.client.associate_software_token().access_token(access_token.expose_secret()).send().await;
        match out {
            Ok(out) => Ok(SecretString::from(out.secret_code.context("Cognito returned no TOTP secret")?)),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), AssociateSoftwareTokenError::NotAuthorizedException(_)) =>
            {
                Err(MfaError::Expired)
            }
            Err(e) => Err(anyhow!(e).context("Failed to start a TOTP enrolment").into()),
        }
    }

    /// `VerifySoftwareToken` with the user's access token, then `AdminSetUserMFAPreference`
    /// (TOTP enabled and preferred).
    #[tracing::instrument(name = "Turn TOTP on in Cognito", skip_all)]
    async fn enable_totp(&self, email: &str, access_token: &SecretString, code: &str) -> Result<(), MfaError> {
        let out = self
            .client
            .verify_software_token()
            .access_token(access_token.expose_secret())
            .user_code(code)
            .friendly_device_name(DEVICE_NAME)
            .send()
            .await;
        match out {
            Ok(out) if out.status == Some(VerifySoftwareTokenResponseType::Success) => {}
            Ok(_) => return Err(MfaError::WrongCode),
            Err(SdkError::ServiceError(e)) => match e.err() {
                // Cognito answers a wrong code with either, depending on the account's state.
                VerifySoftwareTokenError::CodeMismatchException(_)
                | VerifySoftwareTokenError::EnableSoftwareTokenMfaException(_) => return Err(MfaError::WrongCode),
                VerifySoftwareTokenError::NotAuthorizedException(_)
                | VerifySoftwareTokenError::ResourceNotFoundException(_)
                | VerifySoftwareTokenError::SoftwareTokenMfaNotFoundException(_) => return Err(MfaError::Expired),
                _ => return Err(anyhow!(SdkError::ServiceError(e)).context("Failed to check a TOTP code").into()),
            },
            Err(e) => return Err(anyhow!(e).context("Failed to check a TOTP code").into()),
        }
        let settings = SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build();
        self.client
            .admin_set_user_mfa_preference()
            .user_pool_id(&self.pool_id)
            .username(email)
            .software_token_mfa_settings(settings)
            .send()
            .await
            .context("Failed to turn TOTP on in Cognito")?;
        Ok(())
    }

    /// `AdminGetUser`: whether TOTP is among the user's MFA settings.
    #[tracing::instrument(name = "Read a user's MFA settings in Cognito", skip_all)]
    async fn totp_enabled(&self, email: &str) -> anyhow::Result<bool> {
        let user = self
            .client
            .admin_get_user()
            .user_pool_id(&self.pool_id)
            .username(email)
            .send()
            .await
            .context("Failed to read the Cognito user")?;
        Ok(user.user_mfa_setting_list.unwrap_or_default().iter().any(|m| m == "SOFTWARE_TOKEN_MFA"))
    }

    /// Exchanges a refresh token for a new access token (the refresh token stays the same).
    ///
    /// # Errors
    /// [`LoginError::InvalidCredentials`] when Cognito refuses the token (expired, revoked by
    /// a global sign-out, or of a disabled user).
    #[tracing::instrument(name = "Refresh a session with Cognito", skip_all)]
    async fn refresh(&self, refresh_token: &str) -> Result<Refreshed, LoginError> {
        let out = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh_token)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(SdkError::ServiceError(e))
                if matches!(
                    e.err(),
                    AdminInitiateAuthError::NotAuthorizedException(_)
                        | AdminInitiateAuthError::UserNotFoundException(_)
                ) =>
            {
                return Err(LoginError::InvalidCredentials);
            }
            Err(e) => {
                return Err(LoginError::Unexpected(anyhow!(e).context("Failed to refresh a session with Cognito")));
            }
        };
        let result = out.authentication_result.ok_or(LoginError::InvalidCredentials)?;
        let access_token = result.access_token.map(SecretString::from).context("Cognito returned no access token")?;
        Ok(Refreshed { access_token, expires_in: result.expires_in })
    }

    /// Ends every session of the user: its refresh tokens stop working at once.
    #[tracing::instrument(name = "Sign a user out everywhere", skip_all)]
    async fn sign_out_everywhere(&self, email: &str) -> anyhow::Result<()> {
        self.client
            .admin_user_global_sign_out()
            .user_pool_id(&self.pool_id)
            .username(email)
            .send()
            .await
            .context("Failed to sign the user out in Cognito")?;
        Ok(())
    }

    /// Disables (`enabled = false`) or enables a user's login.
    #[tracing::instrument(name = "Enable or disable a Cognito user", skip_all, fields(enabled))]
    async fn set_enabled(&self, email: &str, enabled: bool) -> anyhow::Result<()> {
        if enabled {
            self.client
                .admin_enable_user()
                .user_pool_id(&self.pool_id)
                .username(email)
                .send()
                .await
                .context("Failed to enable the Cognito user")?;
        } else {
            self.client
                .admin_disable_user()
                .user_pool_id(&self.pool_id)
                .username(email)
                .send()
                .await
                .context("Failed to disable the Cognito user")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_read_from_the_access_token_cognito_issued() {
        let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"5f1c-77","origin_jti":"0b6e1f3e-6a0c","token_use":"access"}"#);
        let (user, session) = login_of(&format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln")).unwrap();
        assert_eq!((user.as_ref(), session.as_ref()), ("5f1c-77", "0b6e1f3e-6a0c"));
        let without = URL_SAFE_NO_PAD.encode(r#"{"sub":"5f1c-77"}"#);
        assert!(login_of(&format!("h.{without}.s")).is_err(), "a token without origin_jti names no login");
        assert!(login_of("not a token").is_err());
    }
}
