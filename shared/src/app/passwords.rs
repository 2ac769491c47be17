//! Passwords from email links: the first password after approval (set-password, 72 hours)
//! and a forgotten one (reset-password, 1 hour). Opening a link only reads; the form's POST
//! redeems the token with one conditional write, so a link works once even when two
//! submissions race. Admins never choose a password: they can only make the portal send a
//! link.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use super::outbox;
use super::{App, AppError, Limit, LinkProblem, enforce_limits, now};
use crate::domain::account::UserStatus;
use crate::domain::email::normalize_login_email;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::UserId;
use crate::domain::password::{NewPassword, PasswordError};
use crate::domain::records::{EmailKind, StoredToken, User};
use crate::domain::token::{LinkToken, TokenHash, TokenPurpose};
use crate::ports::{Conflict, WriteError};

const REDEMPTIONS_PER_ADDRESS: Limit = Limit { name: "redeem-ip", max: 30, window_secs: 900 };
const FORGOT_PER_ADDRESS: Limit = Limit { name: "forgot-ip", max: 20, window_secs: 900 };
const FORGOT_PER_ACCOUNT: Limit = Limit { name: "forgot-email", max: 5, window_secs: 3600 };

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
pub async fn usable_token(app: &App, hash: &TokenHash, purpose: TokenPurpose) -> Result<StoredToken, AppError> {
    let stored = app.store.get_token(hash).await?.ok_or(AppError::Link(LinkProblem::Unknown))?;
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

/// Whom a password link is for, as its page shows it.
pub async fn open_link(app: &App, purpose: TokenPurpose, raw: Option<&str>) -> Result<User, AppError> {
    let token = raw.and_then(LinkToken::parse).ok_or(AppError::Link(LinkProblem::Unknown))?;
    let stored = usable_token(app, &token.hash(), purpose).await?;
    let user_id = UserId::parse(&stored.subject).ok_or(AppError::Link(LinkProblem::Unknown))?;
    app.store.get_user(&user_id).await?.ok_or(AppError::Link(LinkProblem::Unknown))
}

fn password_errors(e: PasswordError) -> FieldErrors {
    let field = if e == PasswordError::Mismatch { "confirm_password" } else { "password" };
    FieldErrors::single(field, e.to_string())
}

/// Sets a password through a link of `purpose` (set-password or reset-password).
#[tracing::instrument(name = "Set a password from an email link", skip_all, fields(purpose = ?purpose))]
pub async fn redeem_password_link(
    app: &App,
    purpose: TokenPurpose,
    form: &PasswordForm,
    client_ip: &str,
) -> Result<User, AppError> {
    enforce_limits(app, &[(REDEMPTIONS_PER_ADDRESS, client_ip)]).await?;
    let user = open_link(app, purpose, form.token.as_deref()).await?;
    if user.status == UserStatus::Locked {
        return Err(AppError::Forbidden);
    }
    let business = app.store.get_business(&user.business_id).await?;
    let context: Vec<&str> = [Some(user.email.as_str()), Some(user.first_name.as_str()), Some(user.last_name.as_str())]
        .into_iter()
        .flatten()
        .chain(business.as_ref().map(|b| b.name.as_str()))
        .collect();
    // Checked before the token is used, so a refused password leaves the link working.
    let password = NewPassword::parse(
        form.password.as_ref().map(ExposeSecret::expose_secret).unwrap_or_default(),
        form.confirm_password.as_ref().map(ExposeSecret::expose_secret).unwrap_or_default(),
        &context,
    )
    .map_err(password_errors)?;
    let hash = form
        .token
        .as_deref()
        .and_then(LinkToken::parse)
        .map(|t| t.hash())
        .ok_or(AppError::Link(LinkProblem::Unknown))?;
    match app.store.redeem_token(&hash, purpose).await {
        Ok(_) => {}
        // Lost a race with another submission, or expired in between: say which.
        Err(WriteError::Conflict(Conflict::LinkUsed)) => {
            return Err(usable_token(app, &hash, purpose).await.err().unwrap_or(AppError::Link(LinkProblem::Used)));
        }
        Err(e) => return Err(e.into()),
    }
    if let Err(e) = app.identity.set_password(&user.email, password.expose()).await {
        // Give the link back so the person can simply try again.
        if let Err(release) = app.store.release_token(&hash).await {
            tracing::error!(error = ?release, "Could not release a link token after a failed password change");
        }
        return Err(AppError::Unavailable(e));
    }
    match app.store.activate_user(&user.user_id).await {
        Ok(()) | Err(WriteError::Conflict(Conflict::UserLocked)) => {}
        Err(e) => return Err(e.into()),
    }
    if purpose == TokenPurpose::ResetPassword {
        end_other_sessions(app, &user).await?;
    }
    tracing::info!(user_id = %user.user_id, "Password set");
    Ok(user)
}

/// After a reset: every earlier access token is refused, Cognito ends the refresh tokens,
/// and the person is told by email.
async fn end_other_sessions(app: &App, user: &User) -> Result<(), AppError> {
    app.store.revoke_tokens_before(&user.user_id, now().unix_timestamp()).await?;
    app.identity.sign_out_everywhere(&user.email).await?;
    let notice =
        outbox::message(app, &user.email, EmailKind::PasswordChanged, json!({"first_name": user.first_name}), None)?;
    app.store.put_outbox(&notice).await?;
    Ok(())
}

/// Forgot password: a known, unlocked user gets a reset link; every other address gets the
/// same answer and no email.
#[tracing::instrument(name = "Forgot password", skip_all)]
pub async fn forgot_password(app: &App, raw_email: Option<&str>, client_ip: &str) -> Result<(), AppError> {
    let email = normalize_login_email(raw_email.unwrap_or_default())
        .ok_or_else(|| FieldErrors::single("email", "Enter the email address you log in with."))?;
    enforce_limits(app, &[(FORGOT_PER_ADDRESS, client_ip), (FORGOT_PER_ACCOUNT, &email)]).await?;
    let Some(user) = app.store.user_by_email(&email).await? else {
        return Ok(());
    };
    if user.status == UserStatus::Locked {
        return Ok(());
    }
    let link = outbox::link(app, TokenPurpose::ResetPassword, user.user_id.as_ref())?;
    let message = outbox::message(
        app,
        &user.email,
        EmailKind::ResetPassword,
        json!({"first_name": user.first_name}),
        Some(link),
    )?;
    app.store.put_outbox(&message).await?;
    Ok(())
}
