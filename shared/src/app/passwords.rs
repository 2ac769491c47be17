//! Passwords from email links: the first password after approval (set-password, 72 hours),
//! a partner-created account's activation (72 hours) and a forgotten one (reset-password,
//! 1 hour). Opening a link only reads; the form's POST redeems it. Admins never choose a
//! password: they can only make the portal send a link.
//!
//! Redeeming a link (four calls for a first password):
//! 1. one read: the token (which carries what the password check needs of its account,
//!    see [`crate::domain::records::LinkAccount`]) and the per-address counter;
//! 2. a claim: one conditional write holds the token for this redemption (unused, unexpired,
//!    of this purpose, not held by another one), checks the account (not locked, password
//!    unchanged since the link was minted) and counts the redemption;
//! 3. the identity provider sets the password (a reset also signs the user out everywhere);
//! 4. one transaction: the token used (while still held by this claim), the account active
//!    with its new credential time (and, for a reset, every login before it ended), the
//!    "password changed" notice and the audit event.
//!
//! If the identity provider fails, the claim is released and the answer is a 503: the same
//! request then succeeds. If the last write's answer is lost after it committed, releasing
//! finds the token used by this claim, and the step reports success. Of two concurrent
//! submissions, one claim wins; the other is told the link is used.
//!
//! A password change kills every link minted before it (the claim's check), so an older
//! reset link, or a set-password link of an account that has since chosen a password, no
//! longer works.

use anyhow::Context as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use super::outbox;
use super::{App, AppError, LinkProblem, now, now_ms};
use crate::domain::account::UserStatus;
use crate::domain::email::normalize_login_email;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{BusinessId, UserId};
use crate::domain::limits::{Hit, Rule};
use crate::domain::password::{NewPassword, PasswordError};
use crate::domain::records::{AuditEvent, EmailKind, EmailOwner, LinkAccount, StoredToken};
use crate::domain::token::{LinkToken, TokenHash, TokenPurpose};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{Conflict, PasswordChange, TokenClaim, Wanted, WriteError};

/// Password-link redemptions per client address.
const REDEMPTIONS_PER_ADDRESS: Rule = Rule { name: "redeem-ip", max: 30, window_secs: 900 };
/// Forgot-password requests per client address (any accounts).
const FORGOT_PER_ADDRESS: Rule = Rule { name: "forgot-ip", max: 20, window_secs: 900 };
/// Forgot-password requests per (account, client address): a stranger's address is refused
/// for that account, its owner's is not.
const FORGOT_PER_ACCOUNT_AND_ADDRESS: Rule = Rule { name: "forgot-acct-ip", max: 5, window_secs: 3600 };
/// Reset emails per account and hour, whoever asks. Past it, the answer is the same and no
/// email is sent: the links already sent are in the owner's inbox, and any of them works, so
/// nobody is kept from resetting, and nobody can flood an inbox.
const RESET_EMAILS_PER_ACCOUNT: Rule = Rule { name: "reset-email", max: 5, window_secs: 3600 };

/// How long a redemption holds its link: longer than a function may run (15 s), so a live
/// holder never loses it, short enough that a holder that died frees it soon.
const CLAIM_LEASE_MS: i64 = 30_000;

/// What an address without an account reads instead of its user and business, so that
/// forgot-password does the same work for it (ids of ours are never these).
const NOBODY: &str = "nobody";

/// The password form as submitted (JSON or an HTML form).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub token: Option<String>,
    pub password: Option<SecretString>,
    pub confirm_password: Option<SecretString>,
}

/// A stored token that is of `purpose`, unused and not expired. DynamoDB's TTL deletes
/// expired items days late, so the expiry is checked here on every read.
///
/// # Errors
/// The [`LinkProblem`] that tells the person what is wrong with the link.
pub fn usable(stored: Option<StoredToken>, purpose: TokenPurpose) -> Result<StoredToken, AppError> {
    let stored = stored.ok_or(AppError::Link(LinkProblem::Unknown))?;
    if stored.purpose != purpose {
        return Err(AppError::Link(LinkProblem::Unknown));
    }
    if stored.used {
        return Err(AppError::Link(LinkProblem::Used));
    }
    if stored.expires_at <= now().unix_timestamp() {
        return Err(AppError::Link(LinkProblem::Expired));
    }
    Ok(stored)
}

/// The account of a usable password link: the one it carries, or for a link minted before
/// links carried it, the account as it is now (two more reads).
async fn account_of(app: &App, stored: &StoredToken) -> Result<(UserId, LinkAccount), AppError> {
    let user_id = UserId::parse(&stored.subject).ok_or(AppError::Link(LinkProblem::Unknown))?;
    if let Some(account) = &stored.account {
        return Ok((user_id, account.clone()));
    }
    let user = app.store.get_user(&user_id).await?.ok_or(AppError::Link(LinkProblem::Unknown))?;
    let business = app.store.get_business(&user.business_id).await?;
    Ok((user_id, LinkAccount::of(&user, business.as_ref().map(|b| b.name.as_str()))))
}

/// Whose a password link is, as its page shows it (the address); changes nothing.
pub async fn open_link(app: &App, purpose: TokenPurpose, raw: Option<&str>) -> Result<String, AppError> {
    let token = raw.and_then(LinkToken::parse).ok_or(AppError::Link(LinkProblem::Unknown))?;
    let stored = usable(app.store.get_token(&token.hash()).await?, purpose)?;
    Ok(account_of(app, &stored).await?.1.email)
}

fn password_errors(e: PasswordError) -> FieldErrors {
    let field = if e == PasswordError::Mismatch { "confirm_password" } else { "password" };
    FieldErrors::single(field, e.to_string())
}

/// Sets a password through a link of `purpose` (set-password, activation or reset).
///
/// # Errors
/// `Link` for a link that is unknown, used (or being used), expired, or dead since the
/// password changed; `Validation` for a refused password (the link keeps working);
/// `Forbidden` for a locked account; `RateLimited` past the per-address limit;
/// `Unavailable` when a dependency failed (the link keeps working).
#[tracing::instrument(name = "Set a password from an email link", skip_all, fields(purpose = ?purpose))]
pub async fn redeem_password_link(
    app: &App,
    purpose: TokenPurpose,
    form: &PasswordForm,
    client_ip: &str,
) -> Result<(), AppError> {
    let token = form.token.as_deref().and_then(LinkToken::parse).ok_or(AppError::Link(LinkProblem::Unknown))?;
    let hash = token.hash();
    let counter = REDEMPTIONS_PER_ADDRESS.counter(client_ip, now().unix_timestamp());
    let found = app
        .store
        .look_up(&Wanted { token: Some(&hash), counters: std::slice::from_ref(&counter), ..Wanted::default() })
        .await?;
    if REDEMPTIONS_PER_ADDRESS.reached(found.counters[0]) {
        tracing::warn!(limit = REDEMPTIONS_PER_ADDRESS.name, "Rate limit reached");
        return Err(AppError::RateLimited);
    }
    if found.token.is_none() {
        // A made-up token: counted, so that guessing is limited per address too.
        app.store.count_and_queue(&[Hit::count(counter)], &[]).await?;
        return Err(AppError::Link(LinkProblem::Unknown));
    }
    let stored = usable(found.token, purpose)?;
    if stored.is_claimed(now_ms()) {
        return Err(AppError::Link(LinkProblem::Used));
    }
    let (user_id, account) = account_of(app, &stored).await?;
    // Checked before the token is claimed, so a refused password leaves the link working.
    let password = NewPassword::parse(
        form.password.as_ref().map(ExposeSecret::expose_secret).unwrap_or_default(),
        form.confirm_password.as_ref().map(ExposeSecret::expose_secret).unwrap_or_default(),
        &account.password_context(),
    )
    .map_err(password_errors)?;
    let claim = TokenClaim { id: uuid::Uuid::new_v4().to_string(), until_ms: now_ms() + CLAIM_LEASE_MS };
    let hit = REDEMPTIONS_PER_ADDRESS.hit(counter);
    match app.store.claim_token(&hash, purpose, &claim, &user_id, stored.minted_at_ms, &hit).await {
        Ok(()) => {}
        Err(WriteError::Conflict(Conflict::RateLimited)) => return Err(AppError::RateLimited),
        // Lost a race with another submission, or expired in between.
        Err(WriteError::Conflict(Conflict::LinkUsed)) => return Err(AppError::Link(LinkProblem::Used)),
        Err(WriteError::Conflict(Conflict::CredentialsChanged)) => return Err(dead_link(app, &user_id).await),
        Err(e) => {
            // The claim may have been written with its answer lost: give it back, so that the
            // same request sent again is not told the link is in use.
            release(app, &hash, &claim.id).await;
            return Err(e.into());
        }
    }
    // A new password replaces an old one as a reset does: other sessions end, and the
    // person is told.
    let replaces = purpose == TokenPurpose::ResetPassword || account.had_password;
    let changed = async {
        if replaces {
            tokio::try_join!(
                app.identity.set_password(&account.email, password.expose()),
                app.identity.sign_out_everywhere(&account.email),
            )
            .map(drop)
        } else {
            app.identity.set_password(&account.email, password.expose()).await
        }
    };
    if let Err(e) = changed.await {
        // Give the link back so that the same request can simply be sent again.
        release(app, &hash, &claim.id).await;
        return Err(AppError::Unavailable(e));
    }
    let at = now_ms();
    let notice = if replaces {
        Some(outbox::message(
            app,
            &account.email,
            EmailKind::PasswordChanged,
            json!({"first_name": account.first_name}),
            None,
        )?)
    } else {
        None
    };
    let audit = password_audit(&user_id, &account, purpose, replaces);
    let change = PasswordChange { user_id: user_id.clone(), at_ms: at, end_sessions: replaces };
    match app.store.complete_password_change(&hash, &claim.id, &change, notice.as_ref(), &audit).await {
        Ok(()) => {}
        Err(WriteError::Conflict(Conflict::LinkUsed)) => return Err(AppError::Link(LinkProblem::Used)),
        Err(WriteError::Conflict(Conflict::UserLocked)) => {
            release(app, &hash, &claim.id).await;
            return Err(AppError::Forbidden);
        }
        Err(e) => {
            // The write may have committed with its answer lost: then the token is used by
            // this claim, and the password change is complete.
            if !completed_by(app, &hash, &claim.id).await {
                return Err(e.into());
            }
            tracing::warn!("The password change was recorded although its answer was lost");
        }
    }
    tracing::info!(user_id = %user_id, replaced = replaces, "Password set");
    Ok(())
}

/// Why a link's account check failed: the account is locked (`Forbidden`), or its password
/// changed after the link was sent.
async fn dead_link(app: &App, user_id: &UserId) -> AppError {
    match app.store.get_user(user_id).await {
        Ok(Some(user)) if user.status == UserStatus::Locked => AppError::Forbidden,
        Ok(Some(_)) => AppError::Link(LinkProblem::Superseded),
        Ok(None) => AppError::Link(LinkProblem::Unknown),
        Err(e) => AppError::Unavailable(e),
    }
}

/// Gives a claimed token back; a failure is logged (the lease frees it soon anyway), and a
/// claim that was never written has nothing to give back.
async fn release(app: &App, hash: &TokenHash, claim: &str) {
    match app.store.release_token(hash, claim).await {
        Ok(()) | Err(WriteError::Conflict(Conflict::AlreadyReleased)) => {}
        Err(e) => tracing::error!(error = ?e, "Could not release a link token after a failed password change"),
    }
}

/// Whether this claim's redemption was recorded (the token used by it): the answer of the
/// last write was lost, so release the token if it was not, and look.
async fn completed_by(app: &App, hash: &TokenHash, claim: &str) -> bool {
    match app.store.release_token(hash, claim).await {
        Ok(()) => false,
        Err(WriteError::Conflict(Conflict::AlreadyReleased)) => matches!(
            app.store.get_token(hash).await,
            Ok(Some(token)) if token.used && token.claim.as_deref() == Some(claim)
        ),
        Err(_) => false,
    }
}

/// The audit event of a password change, done by the account's own person.
fn password_audit(user: &UserId, account: &LinkAccount, purpose: TokenPurpose, replaced: bool) -> AuditEvent {
    let action = match purpose {
        TokenPurpose::ResetPassword => "password_reset",
        TokenPurpose::Activation => "account_activated",
        _ if replaced => "password_replaced",
        _ => "password_set",
    };
    AuditEvent {
        event_id: uuid::Uuid::new_v4().to_string(),
        business_id: account.business_id.clone(),
        actor: user.clone(),
        actor_email: account.email.clone(),
        subject: Some(user.clone()),
        subject_email: Some(account.email.clone()),
        action: action.to_owned(),
        detail: json!({"sessions_ended": replaced}),
        at: now(),
    }
}

/// Forgot password: a known, unlocked user gets a reset link; every other address gets the
/// same answer and no email. Known and unknown addresses make the same three calls (read
/// the address and the counters; read the account, or nothing that exists; count, and
/// queue the email if there is one), so neither the answer nor its timing tells them apart.
#[tracing::instrument(name = "Forgot password", skip_all)]
pub async fn forgot_password(app: &App, raw_email: Option<&str>, client_ip: &str) -> Result<(), AppError> {
    let email = normalize_login_email(raw_email.unwrap_or_default())
        .ok_or_else(|| FieldErrors::single("email", "Enter the email address you log in with."))?;
    let at = now().unix_timestamp();
    let counters = [
        FORGOT_PER_ADDRESS.counter(client_ip, at),
        FORGOT_PER_ACCOUNT_AND_ADDRESS.counter(&format!("{email}|{client_ip}"), at),
        RESET_EMAILS_PER_ACCOUNT.counter(&email, at),
    ];
    let found = app.store.look_up(&Wanted { email: Some(&email), counters: &counters, ..Wanted::default() }).await?;
    for (rule, count) in [(FORGOT_PER_ADDRESS, found.counters[0]), (FORGOT_PER_ACCOUNT_AND_ADDRESS, found.counters[1])]
    {
        if rule.reached(count) {
            tracing::warn!(limit = rule.name, "Rate limit reached");
            return Err(AppError::RateLimited);
        }
    }
    let nobody = (UserId::parse(NOBODY).context("a decoy user id")?, BusinessId::parse(NOBODY).context("a decoy id")?);
    let (user_id, business_id) = match &found.email_owner {
        Some(EmailOwner::User { user_id, .. }) => (user_id, found.owner_business.as_ref()),
        _ => (&nobody.0, Some(&nobody.1)),
    };
    let account =
        app.store.look_up(&Wanted { user: Some(user_id), business: business_id, ..Wanted::default() }).await?;
    let [per_address, per_pair, emails] = counters;
    let hits = [FORGOT_PER_ADDRESS.hit(per_address), FORGOT_PER_ACCOUNT_AND_ADDRESS.hit(per_pair), Hit::count(emails)];
    let message = match account.user {
        Some(user) if user.status != UserStatus::Locked && !RESET_EMAILS_PER_ACCOUNT.reached(found.counters[2]) => {
            let business_name = account.business.as_ref().map(|b| b.name.as_str());
            let link = outbox::password_link(app, TokenPurpose::ResetPassword, &user, business_name)?;
            Some(outbox::message(
                app,
                &user.email,
                EmailKind::ResetPassword,
                json!({"first_name": user.first_name}),
                Some(link),
            )?)
        }
        Some(_) => {
            tracing::info!("No reset email: the account is locked or was sent enough this hour");
            None
        }
        None => None,
    };
    let emails: Vec<_> = message.iter().collect();
    app.store.count_and_queue(&hits, &emails).await?;
    Ok(())
}
