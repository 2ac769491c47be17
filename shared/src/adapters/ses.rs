//! SES (v2), the [`EmailSender`]. Each message is sent as raw MIME, built with `lettre`, so that it
//! carries both an HTML and a plain-text body (SES templates are not used: messages are
//! rendered in Rust from templates compiled into the binary).

use anyhow::{Context as _, anyhow};
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use lettre::message::{Mailbox, MultiPart};

use crate::ports::{Email, EmailSender};

/// Sends the portal's emails from one configured address.
#[derive(Clone)]
pub struct Mailer {
    client: Client,
    from: String,
}

impl Mailer {
    pub fn new(client: Client, from: impl Into<String>) -> Self {
        Self { client, from: from.into() }
    }
}

#[async_trait]
impl EmailSender for Mailer {
    #[tracing::instrument(name = "Send an email", skip_all)]
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        let from: Mailbox = self.from.parse().context("EMAIL_FROM is not an email address")?;
        let to: Mailbox = email.to.parse().context("The recipient is not an email address")?;
        let message = lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(&email.subject)
            .multipart(MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()))
            .context("Failed to build the MIME message")?;
        let raw = RawMessage::builder()
            .data(Blob::new(message.formatted()))
            .build()
            .context("Failed to build the raw message")?;
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await
            .map_err(|e| anyhow!(e).context("SES refused or failed to send the email"))?;
        Ok(())
    }
}
