//! The identity provider (Cognito): credentials only. Who a user is (role, business,
//! status) lives in the store; the provider checks passwords, issues tokens, and can end a
//! user's sessions.

use async_trait::async_trait;
use secrecy::SecretString;

use crate::domain::ids::UserId;
use crate::domain::session::SessionId;

/// The tokens a successful login returns, and whose login they are.
#[derive(Debug)]
pub struct Tokens {
    pub access_token: SecretString,
    pub id_token: SecretString,
    pub refresh_token: SecretString,
    pub expires_in: i32,
    /// The user the provider authenticated (the access token's `sub`).
    pub user_id: UserId,
    /// The login's id (the access token's `origin_jti`), which its refreshed tokens keep.
    pub session: SessionId,
}

/// What a refresh returns: a new access token for the same session.
#[derive(Debug)]
pub struct Refreshed {
    pub access_token: SecretString,
    pub expires_in: i32,
}

/// Why a login did not return tokens.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown user, wrong password, disabled user or a user without a password yet: one
    /// case, so the answer never tells them apart.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What a right password leads to.
#[derive(Debug)]
pub enum SignIn {
    /// The user has no second factor: the login's tokens.
    Tokens(Tokens),
    /// The user has TOTP on: the provider's challenge session, to answer with a code.
    MfaCode { session: SecretString },
}

/// Why a TOTP code was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    /// Not the code of the user's authenticator app now.
    #[error("the authentication code is incorrect")]
    WrongCode,
    /// The provider's challenge session (or access token) no longer works: start again.
    #[error("the sign-in attempt has expired")]
    Expired,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a user was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// The provider refuses the email as a username: the input, not the service, is at
    /// fault, and retrying cannot help.
    #[error("the identity provider refuses this email address as a username")]
    Refused,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The users' credentials and sessions, by email address.
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// Creates the user of an email (verified, no password, no email from the provider) and
    /// returns its id. Idempotent: for an existing user, its id.
    ///
    /// # Errors
    /// [`CreateUserError::Refused`] when the provider refuses the email as a username.
    async fn create_user(&self, email: &str) -> Result<UserId, CreateUserError>;

    /// Sets a user's password (permanent: no change is forced at the next login).
    async fn set_password(&self, email: &str, password: &str) -> anyhow::Result<()>;

    /// Checks an email and password: the user's tokens, or the code its TOTP asks for.
    async fn login(&self, email: &str, password: &SecretString) -> Result<SignIn, LoginError>;

    /// Answers a login's TOTP challenge (`session` from [`SignIn::MfaCode`]) with a code.
    ///
    /// # Errors
    /// [`MfaError::WrongCode`] for a wrong code; [`MfaError::Expired`] when the session no
    /// longer works.
    async fn answer_mfa(&self, email: &str, session: &SecretString, code: &str) -> Result<Tokens, MfaError>;

    /// Starts enrolling an authenticator app for the user of `access_token`: a new TOTP
    /// secret (base32), not in use until [`Self::enable_totp`] checks a code of it.
    ///
    /// # Errors
    /// [`MfaError::Expired`] when the access token no longer works.
    async fn start_totp(&self, access_token: &SecretString) -> Result<SecretString, MfaError>;

    /// Checks a code of the secret [`Self::start_totp`] gave, then turns TOTP on (and
    /// preferred) for the user `email`: every later login asks for a code.
    ///
    /// # Errors
    /// [`MfaError::WrongCode`] for a wrong code; [`MfaError::Expired`] as above.
    async fn enable_totp(&self, email: &str, access_token: &SecretString, code: &str) -> Result<(), MfaError>;

    /// Whether the user `email` has TOTP on.
    async fn totp_enabled(&self, email: &str) -> anyhow::Result<bool>;

    /// Exchanges a refresh token for a new access token (the refresh token stays the same).
    ///
    /// # Errors
    /// [`LoginError::InvalidCredentials`] when the provider refuses the token (expired,
    /// revoked by a global sign-out, or of a disabled user).
    async fn refresh(&self, refresh_token: &str) -> Result<Refreshed, LoginError>;

    /// Ends every session of the user: its refresh tokens stop working at once.
    async fn sign_out_everywhere(&self, email: &str) -> anyhow::Result<()>;

    /// Disables (`enabled = false`) or enables a user's login.
    async fn set_enabled(&self, email: &str, enabled: bool) -> anyhow::Result<()>;
}
