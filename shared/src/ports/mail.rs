//! Sending email (SES).

use async_trait::async_trait;

/// A rendered email, ready to send.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Sends the portal's emails from its one configured address.
#[async_trait]
pub trait EmailSender: Send + Sync {
    /// Sends one email.
    ///
    /// # Errors
    /// When the message cannot be built (a malformed address) or the service refuses or
    /// fails; the outbox retries it.
    async fn send(&self, email: &Email) -> anyhow::Result<()>;
}
