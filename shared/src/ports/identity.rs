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

    /// Checks an email and password and returns the user's tokens.
    async fn login(&self, email: &str, password: &SecretString) -> Result<Tokens, LoginError>;

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
