//! Verifying the access tokens that signed-in requests carry.

use async_trait::async_trait;

use crate::domain::ids::UserId;
use crate::domain::session::SessionId;

/// What the portal reads from a verified access token.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub user_id: UserId,
    /// The login the token belongs to (Cognito's `origin_jti`, kept by refreshed tokens).
    /// A token without one belongs to no recorded login and is refused.
    pub session: Option<SessionId>,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Malformed, badly signed, expired, or for another pool, client or use.
    #[error("the access token is not valid")]
    Invalid,
    /// The keys could not be fetched.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Checks a bearer token and says whose it is.
#[async_trait]
pub trait TokenVerifier: Send + Sync {
    /// # Errors
    /// [`TokenError::Invalid`] for any token that is not a current access token of the
    /// portal's user pool and client; [`TokenError::Unexpected`] when that cannot be checked.
    async fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError>;
}
