//! SES (v2), the [`EmailSender`]. Each message is sent as SES `Simple` content: a subject and
//! both an HTML and a plain-text body, which SES assembles into a `multipart/alternative`
//! MIME message itself (SES templates are not used: messages are rendered in Rust from
//! templates compiled into the binary).
//!
//! A refusal is reported by its error code only ([`SendFailure`]): SES's messages quote
//! addresses ("Email address is not verified: …"), and what this returns is logged and kept
//! on the queued email (`last_error`), where no recipient's address belongs.

use anyhow::Context as _;
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{ProvideErrorMetadata as _, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
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

/// Why SES did not send an email: its error code (`MessageRejected`, `Throttling`...) or the
/// kind of transport failure, and nothing of its message.
#[derive(Debug, thiserror::Error)]
#[error("SES did not send the email: {code}")]
pub struct SendFailure {
    pub code: String,
}

impl SendFailure {
    fn of<R>(e: &SdkError<SendEmailError, R>) -> Self {
        let code = match e {
            SdkError::ServiceError(service) => service.err().code().unwrap_or("ServiceError"),
            SdkError::TimeoutError(_) => "Timeout",
            SdkError::DispatchFailure(_) => "DispatchFailure",
            SdkError::ResponseError(_) => "ResponseError",
            SdkError::ConstructionFailure(_) => "ConstructionFailure",
            _ => "Unknown",
        };
        Self { code: code.to_owned() }
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
            .map_err(|e| SendFailure::of(&e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sesv2::config::http::HttpResponse;
    use aws_sdk_sesv2::error::ErrorMetadata;
    use aws_sdk_sesv2::types::error::MessageRejected;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    #[test]
    fn a_refusal_is_reported_by_its_code_without_the_address_ses_quotes() {
        let text = "Email address is not verified. The following identities failed the check: bob@globex-corp.com";
        let meta = ErrorMetadata::builder().code("MessageRejected").message(text).build();
        let rejected = SendEmailError::MessageRejected(MessageRejected::builder().message(text).meta(meta).build());
        let raw = HttpResponse::new(400.try_into().unwrap(), SdkBody::empty());
        let error = SdkError::service_error(rejected, raw);

        let failure = anyhow::Error::from(SendFailure::of(&error));

        assert_eq!(format!("{failure:#}"), "SES did not send the email: MessageRejected");
        assert!(!format!("{failure:?}").contains('@'));
    }
}
