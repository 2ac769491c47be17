//! The transactional outbox. A use case commits its state change and the email it causes in
//! one DynamoDB transaction; then the email is delivered here, at once by the same
//! invocation and, if that fails, by the scheduled `outbox-relay` with backoff until it
//! succeeds or is dead-lettered (status `dead`, logged at error level). So no email is lost
//! and none is sent for a change that did not happen.
//!
//! A link's token is minted at delivery: only its hash is stored, and the raw token exists
//! only in the email that carries it.

use anyhow::Context as _;
use serde_json::json;
use time::Duration;

use super::{App, now};
use crate::domain::ids::OutboxId;
use crate::domain::records::{EmailKind, LinkSpec, OutboxMessage, StoredToken};
use crate::domain::token::{LinkToken, TokenPurpose};
use crate::templates::render_email;

/// Attempts before a message is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 8;
/// How long one sender holds a message it is delivering.
const LEASE_SECS: i64 = 60;
/// The message of the error line logged when an email is dead-lettered: template.yaml's
/// `DeadLetteredEmailsFilter` counts these lines for the `DeadLetteredEmailsAlarm`.
pub const DEAD_LETTERED: &str = "An email could not be sent and is dead-lettered";

/// Builds a message; `params` are template values (never secrets).
pub fn message(
    app: &App,
    to: &str,
    kind: EmailKind,
    mut params: serde_json::Value,
    link: Option<LinkSpec>,
) -> OutboxMessage {
    if let Some(map) = params.as_object_mut() {
        map.entry("login_url").or_insert_with(|| json!(format!("{}/login", app.config.portal_url)));
    }
    OutboxMessage::new(to, kind, params, link)
}

/// The link of `purpose` for `subject`, landing on its configured page.
pub fn link(app: &App, purpose: TokenPurpose, subject: impl Into<String>) -> anyhow::Result<LinkSpec> {
    let c = &app.config;
    let page_url = match purpose {
        TokenPurpose::Invitation => c.link_page(&c.signup_url, "SIGNUP_URL")?,
        TokenPurpose::SetPassword => c.link_page(&c.set_password_url, "SET_PASSWORD_URL")?,
        TokenPurpose::ResetPassword => c.link_page(&c.reset_password_url, "RESET_PASSWORD_URL")?,
        TokenPurpose::Activation => c.link_page(&c.activate_url, "ACTIVATE_URL")?,
    };
    Ok(LinkSpec { purpose, subject: subject.into(), page_url })
}

fn link_url(page_url: &str, purpose: TokenPurpose, token: &LinkToken) -> String {
    let param = if purpose == TokenPurpose::Invitation { "invitation" } else { "token" };
    let sep = if page_url.contains('?') { '&' } else { '?' };
    format!("{page_url}{sep}{param}={}", token.expose())
}

/// Delivers one message if it is due and nobody else holds it. Failures are recorded on
/// the message for the relay to retry; they are not the caller's failure.
#[tracing::instrument(name = "Deliver a queued email", skip_all, fields(outbox_id = %id))]
pub async fn deliver(app: &App, id: &OutboxId) {
    let message = match app.store.claim_outbox(id, LEASE_SECS).await {
        Ok(Some(message)) => message,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = ?e, "Could not claim a queued email; the relay will retry");
            return;
        }
    };
    match send(app, &message).await {
        Ok(()) => {
            if let Err(e) = app.store.mark_outbox_sent(id).await {
                tracing::error!(error = ?e, "An email was sent but could not be marked sent");
            }
        }
        Err(e) => {
            let attempts = message.attempts + 1;
            let dead = attempts >= MAX_ATTEMPTS;
            let backoff = Duration::seconds(30 * 2_i64.pow(attempts.min(10)));
            if dead {
                tracing::error!(error = ?e, attempts, kind = ?message.kind, "{DEAD_LETTERED}");
            } else {
                tracing::warn!(error = ?e, attempts, "An email could not be sent; it will be retried");
            }
            let next = (now() + backoff).unix_timestamp();
            if let Err(e) = app.store.mark_outbox_failed(&message, &format!("{e:#}"), next, dead).await {
                tracing::error!(error = ?e, "Could not record a failed email");
            }
        }
    }
}

async fn send(app: &App, message: &OutboxMessage) -> anyhow::Result<()> {
    let mut params = message.params.clone();
    if let Some(spec) = &message.link {
        let token = LinkToken::generate();
        let stored = StoredToken {
            purpose: spec.purpose,
            subject: spec.subject.clone(),
            expires_at: (now() + spec.purpose.lifetime()).unix_timestamp(),
            used: false,
        };
        app.store.put_token(&token.hash(), &stored).await.context("Failed to store the link token")?;
        params["link"] = json!(link_url(&spec.page_url, spec.purpose, &token));
    }
    let email = render_email(message.kind, &message.to, &params)?;
    app.mailer.send(&email).await
}

/// Delivers every due message, oldest first; returns how many were attempted.
#[tracing::instrument(name = "Relay due emails", skip_all)]
pub async fn relay_due(app: &App) -> anyhow::Result<usize> {
    let mut attempted = 0;
    loop {
        let due = app.store.due_outbox(25).await?;
        if due.is_empty() {
            return Ok(attempted);
        }
        let batch = due.len();
        for id in &due {
            deliver(app, id).await;
        }
        attempted += batch;
        // Whatever is still due now failed again or is held by another sender.
        if batch < 25 || attempted >= 500 {
            return Ok(attempted);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_links_carry_the_invitation_parameter_and_others_a_token() {
        let token = LinkToken::generate();
        let url = link_url("https://p.test/signup", TokenPurpose::Invitation, &token);
        assert_eq!(url, format!("https://p.test/signup?invitation={}", token.expose()));
        let url = link_url("https://p.test/auth/set-password?x=1", TokenPurpose::SetPassword, &token);
        assert_eq!(url, format!("https://p.test/auth/set-password?x=1&token={}", token.expose()));
    }
}
