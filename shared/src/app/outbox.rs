//! The transactional outbox. A use case commits its state change and the email it causes in
//! one DynamoDB transaction, and answers: it never waits for SES. The `outbox-relay` function
//! delivers the email: at once, triggered by the table's stream when the message is written
//! (locally, by the local router right after the answer), and again on its schedule with
//! backoff until it succeeds or is dead-lettered (status `dead`, logged at error level). So
//! no email is lost, none is sent for a change that did not happen, and the person's answer
//! does not depend on the mail service.
//!
//! A link's token is minted with the message ([`message`]): its hash, what it grants and
//! until when are written in the same transaction, and the raw token is derived again only
//! by the relay, to put it in the email (see [`crate::domain::token`]).

use anyhow::Context as _;
use serde_json::json;
use time::Duration;

use super::{App, now};
use crate::domain::ids::OutboxId;
use crate::domain::records::{EmailKind, LinkAccount, LinkSpec, OutboxMessage, StoredToken, User};
use crate::domain::token::{LinkToken, TokenPurpose, link_nonce};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::templates::render_email;

/// Attempts before a message is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 8;
/// How long one sender holds a message it is delivering.
const LEASE_SECS: i64 = 60;
/// The message of the error line logged when an email is dead-lettered: template.yaml's
/// `DeadLetteredEmailsFilter` counts these lines for the `DeadLetteredEmailsAlarm`.
pub const DEAD_LETTERED: &str = "An email could not be sent and is dead-lettered";

/// Builds a message; `params` are template values (never secrets). A link's token is
/// minted here: the message then carries the token's hash and the nonce it derives from, and
/// the store writes the hash with the message, in the caller's transaction.
///
/// # Errors
/// When the message has a link and no link key is configured.
pub fn message(
    app: &App,
    to: &str,
    kind: EmailKind,
    mut params: serde_json::Value,
    link: Option<LinkSpec>,
) -> anyhow::Result<OutboxMessage> {
    if let Some(map) = params.as_object_mut() {
        map.entry("login_url").or_insert_with(|| json!(format!("{}/login", app.config.portal_url)));
    }
    let mut message = OutboxMessage::new(to, kind, params, link);
    if let Some(spec) = message.link.as_mut() {
        let nonce = link_nonce();
        let token = LinkToken::derive(app.config.link_key()?, message.outbox_id.as_ref(), &nonce);
        let minted = now();
        spec.token_hash = Some(token.hash());
        spec.expires_at = (minted + spec.purpose.lifetime()).unix_timestamp();
        spec.minted_at_ms = i64::try_from(minted.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
        message.link_nonce = Some(nonce);
    }
    Ok(message)
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
    Ok(LinkSpec {
        purpose,
        subject: subject.into(),
        page_url,
        token_hash: None,
        expires_at: 0,
        minted_at_ms: 0,
        account: None,
    })
}

/// A password link (set, reset, activate) for `user`, carrying what its redemption needs of
/// the account as it is now (see [`LinkAccount`]), so redeeming it reads only the token.
pub fn password_link(
    app: &App,
    purpose: TokenPurpose,
    user: &User,
    business_name: Option<&str>,
) -> anyhow::Result<LinkSpec> {
    let mut spec = link(app, purpose, user.user_id.as_ref())?;
    spec.account = Some(LinkAccount::of(user, business_name));
    Ok(spec)
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
        let token = link_token(app, message, spec).await?;
        params["link"] = json!(link_url(&spec.page_url, spec.purpose, &token));
    }
    let email = render_email(message.kind, &message.to, &params)?;
    app.mailer.send(&email).await
}

/// The raw token of a message's link: derived again from the link key, the message and its
/// nonce. A message queued before tokens were minted with their message has neither hash nor
/// nonce: its token is minted now, as it used to be.
async fn link_token(app: &App, message: &OutboxMessage, spec: &LinkSpec) -> anyhow::Result<LinkToken> {
    match (&spec.token_hash, &message.link_nonce) {
        (Some(hash), Some(nonce)) => {
            let token = LinkToken::derive(app.config.link_key()?, message.outbox_id.as_ref(), nonce);
            anyhow::ensure!(token.hash() == *hash, "The link key does not derive this message's token");
            Ok(token)
        }
        (Some(_), None) => anyhow::bail!("The message's link can no longer be derived (its nonce is gone)"),
        (None, _) => {
            let token = LinkToken::generate();
            let stored = StoredToken {
                purpose: spec.purpose,
                subject: spec.subject.clone(),
                expires_at: (now() + spec.purpose.lifetime()).unix_timestamp(),
                used: false,
                minted_at_ms: 0,
                account: None,
                lease_until_ms: 0,
                claim: None,
            };
            app.store.put_token(&token.hash(), &stored).await.context("Failed to store the link token")?;
            Ok(token)
        }
    }
}

/// Delivers the messages a table stream event names (new outbox items), or, for any other
/// event (the schedule), every due message. Returns how many were attempted.
///
/// # Errors
/// When the due messages cannot be listed.
pub async fn relay_event(app: &App, event: &serde_json::Value) -> anyhow::Result<usize> {
    let Some(ids) = streamed_outbox_ids(event) else {
        return relay_due(app).await;
    };
    for id in &ids {
        deliver(app, id).await;
    }
    Ok(ids.len())
}

/// The outbox items a DynamoDB stream event names (its records carry keys only); `None` for
/// an event that is not a stream's.
fn streamed_outbox_ids(event: &serde_json::Value) -> Option<Vec<OutboxId>> {
    let records = event.get("Records")?.as_array()?;
    Some(
        records
            .iter()
            .filter_map(|r| r.pointer("/dynamodb/Keys/PK/S").and_then(|pk| pk.as_str()))
            .filter_map(|pk| pk.strip_prefix("OUTBOX#"))
            .filter_map(OutboxId::parse)
            .collect(),
    )
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
    fn a_stream_event_names_the_new_outbox_items_and_nothing_else() {
        let id = OutboxId::new();
        let event = json!({"Records": [
            {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": format!("OUTBOX#{id}")}, "SK": {"S": "OUTBOX"}}}},
            {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "USER#x"}, "SK": {"S": "USER"}}}},
            {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "OUTBOX#not an id!"}, "SK": {"S": "OUTBOX"}}}}
        ]});
        assert_eq!(streamed_outbox_ids(&event), Some(vec![id]));
        assert_eq!(streamed_outbox_ids(&json!({"source": "aws.events"})), None, "the schedule relays what is due");
    }

    #[test]
    fn invitation_links_carry_the_invitation_parameter_and_others_a_token() {
        let token = LinkToken::generate();
        let url = link_url("https://p.test/signup", TokenPurpose::Invitation, &token);
        assert_eq!(url, format!("https://p.test/signup?invitation={}", token.expose()));
        let url = link_url("https://p.test/auth/set-password?x=1", TokenPurpose::SetPassword, &token);
        assert_eq!(url, format!("https://p.test/auth/set-password?x=1&token={}", token.expose()));
    }
}
