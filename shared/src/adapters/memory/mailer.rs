//! A mailer that keeps what it is asked to send, or fails on demand.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::bail;
use async_trait::async_trait;

use super::step;
use crate::ports::{Email, EmailSender};

#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<Email>>,
    failing: AtomicBool,
}

impl RecordingMailer {
    /// Every email sent so far, in order.
    pub fn sent(&self) -> Vec<Email> {
        self.sent.lock().expect("the mailer's lock").clone()
    }

    /// The emails sent to `to`.
    pub fn sent_to(&self, to: &str) -> Vec<Email> {
        self.sent().into_iter().filter(|e| e.to == to).collect()
    }

    /// From now on, every send fails (`true`) or works (`false`).
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

#[async_trait]
impl EmailSender for RecordingMailer {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        step().await;
        if self.failing.load(Ordering::SeqCst) {
            bail!("the mail service refused the email");
        }
        self.sent.lock().expect("the mailer's lock").push(email.clone());
        Ok(())
    }
}
