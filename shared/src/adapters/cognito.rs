//! Cognito user pool, the [`IdentityProvider`]: credentials only. Who a user is (role, business, status) lives in the
//! table; Cognito checks passwords and issues tokens. Users are created by the portal with
//! Cognito's own email suppressed, because the portal sends its own set-password link.

use anyhow::{Context as _, anyhow};
use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::SdkError;
use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
use aws_sdk_cognitoidentityprovider::operation::admin_initiate_auth::AdminInitiateAuthError;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, MessageActionType};
use secrecy::{ExposeSecret as _, SecretString};

use crate::domain::ids::UserId;
use crate::ports::{CreateUserError, IdentityProvider, LoginError, Refreshed, Tokens};

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

    /// Checks an email and password and returns the user's tokens.
    #[tracing::instrument(name = "Authenticate with Cognito", skip_all)]
    async fn login(&self, email: &str, password: &SecretString) -> Result<Tokens, LoginError> {
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
        // A challenge (such as NEW_PASSWORD_REQUIRED) is not a session: the portal sets
        // every password itself, so a user in a challenge state cannot log in.
        let result = out.authentication_result.ok_or(LoginError::InvalidCredentials)?;
        let token = |t: Option<String>| t.map(SecretString::from).context("Cognito returned no token");
        Ok(Tokens {
            access_token: token(result.access_token)?,
            id_token: token(result.id_token)?,
            refresh_token: token(result.refresh_token)?,
            expires_in: result.expires_in,
        })
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
