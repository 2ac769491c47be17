//! The developer outbox's source: every email the emulator's SES accepted, as the local
//! stack's mailer handed it over (subject, text and HTML bodies). The emulator keeps only
//! one body of a `Simple` message, so the stack keeps its own copy of each message it sent.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::ports::{Email, EmailSender};

/// The emails sent so far, oldest first; clones share one log.
#[derive(Debug, Clone, Default)]
pub struct SentLog(Arc<Mutex<Vec<Email>>>);

impl SentLog {
    /// Every email sent so far, oldest first.
    pub fn all(&self) -> Vec<Email> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn push(&self, email: &Email) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(email.clone());
    }
}

/// A mailer that records each email its inner mailer sent successfully.
pub struct Recording<M> {
    inner: M,
    sent: SentLog,
}

impl<M> Recording<M> {
    pub fn new(inner: M, sent: SentLog) -> Self {
        Self { inner, sent }
    }
}

#[async_trait]
impl<M: EmailSender> EmailSender for Recording<M> {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        self.inner.send(email).await?;
        self.sent.push(email);
        Ok(())
    }
}
