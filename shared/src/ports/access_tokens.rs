//! Verifying the access tokens that signed-in requests carry.

use async_trait::async_trait;

use crate::domain::ids::UserId;

/// What the portal reads from a verified access token.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub user_id: UserId,
    /// Unix seconds the token was issued at.
    pub issued_at: i64,
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
