//! SES (v2), the [`EmailSender`]. Each message is sent as SES `Simple` content: a subject and
//! both an HTML and a plain-text body, which SES assembles into a `multipart/alternative`
//! MIME message itself (SES templates are not used: messages are rendered in Rust from
//! templates compiled into the binary).

use anyhow::{Context as _, anyhow};
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

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

/// UTF-8 text for SES (names and business names are not ASCII-only).
fn utf8(data: &str) -> anyhow::Result<Content> {
    Content::builder().data(data).charset("UTF-8").build().context("Failed to build the message content")
}

#[async_trait]
impl EmailSender for Mailer {
    #[tracing::instrument(name = "Send an email", skip_all)]
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(Body::builder().text(utf8(&email.text)?).html(utf8(&email.html)?).build())
            .build();
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|e| anyhow!(e).context("SES refused or failed to send the email"))?;
        Ok(())
    }
}
