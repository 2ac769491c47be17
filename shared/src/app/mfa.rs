//! The second step of a login (the code of an authenticator app, or an admin's enrolment),
//! and TOTP on a signed-in account ("Security" on the account screen).
//!
//! The second step names its login only by the challenge token the first step answered:
//! the stored challenge says whose login it is, and only that token opens what Cognito gave
//! for it (`domain::mfa`), so a challenge never completes another user's login. A wrong code
//! is a failed login: it is counted on the same counters as a wrong password, and the same
//! limits refuse further tries. The login is recorded as a password-only login is, with the
//! time its password was checked, and the same write uses the challenge up.
//!
//! Waves of the second step: the challenge; the counters and the user; Cognito (the code,
//! or the enrolment's code and the MFA preference); the login recorded beside the read of
//! the user's business.

use secrecy::SecretString;
use serde::Deserialize;

use super::login::{AlreadyRead, Held, Session, TotpSetup, count_failure, failure_counters, finish_login, hold_back};
use super::{App, AppError, Caller, enforce_limits, now};
use crate::domain::account::UserStatus;
use crate::domain::fields::FieldErrors;
use crate::domain::limits::Rule;
use crate::domain::mfa::{ChallengeKind, ChallengeToken, TotpCode};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{MfaError, Wanted};

/// Enrolment steps (a new secret, a code checked) per user: a person needs a few; more is
/// someone guessing codes with a stolen access token.
const ENROLMENT_STEPS_PER_USER: Rule = Rule { name: "mfa-enrol-user", max: 20, window_secs: 900 };

const CODE_HINT: &str = "Enter the 6-digit code from your authenticator app.";

/// The second step of a login.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MfaForm {
    /// The `challenge_session` the login answered.
    pub challenge_session: Option<String>,
    pub code: Option<String>,
}

/// Completes a login with the code of the user's authenticator app, or an admin's
/// enrolment with the first code of the secret its login answered.
///
/// # Errors
/// `Validation` (field `code`) for anything but six digits; `ChallengeEnded` for an
/// unknown, used or expired challenge; `WrongMfaCode` for a wrong code (counted as a failed
/// login); `RateLimited` past the login limits; `InvalidCredentials` when the account was
/// locked or its sessions ended meanwhile.
#[tracing::instrument(name = "Complete a login with its TOTP code", skip_all)]
pub async fn complete_login(app: &App, form: MfaForm, client_ip: &str) -> Result<Session, AppError> {
    let code = form.code.as_deref().and_then(TotpCode::parse).ok_or_else(|| FieldErrors::single("code", CODE_HINT))?;
    let token = form.challenge_session.as_deref().and_then(ChallengeToken::parse).ok_or(AppError::ChallengeEnded)?;
    let key = token.key();
    let challenge = app.store.get_challenge(&key).await?.filter(|c| c.is_live(now().unix_timestamp()));
    let challenge = challenge.ok_or(AppError::ChallengeEnded)?;
    let held: Held = token
        .open(&challenge.sealed)
        .and_then(|plain| serde_json::from_slice(&plain).ok())
        .ok_or(AppError::ChallengeEnded)?;
    let counters = failure_counters(&challenge.email, client_ip, now().unix_timestamp());
    let found =
        app.store.look_up(&Wanted { user: Some(&challenge.user_id), counters: &counters, ..Wanted::default() }).await?;
    hold_back(&found.counters).await?;
    let user = found.user.filter(|u| u.status == UserStatus::Active).ok_or(AppError::InvalidCredentials)?;
    let answer = match (challenge.kind, held) {
        (ChallengeKind::MfaCode, Held { session: Some(session), .. }) => {
            app.identity.answer_mfa(&challenge.email, &SecretString::from(session), code.as_ref()).await
        }
        (ChallengeKind::MfaSetup, Held { tokens: Some(tokens), .. }) => {
            let tokens = tokens.into_tokens();
            app.identity.enable_totp(&challenge.email, &tokens.access_token, code.as_ref()).await.map(|()| tokens)
        }
        _ => return Err(AppError::Unavailable(anyhow::anyhow!("A login challenge holds nothing for its kind"))),
    };
    let tokens = match answer {
        Ok(tokens) => tokens,
        Err(MfaError::WrongCode) => {
            count_failure(app, &counters).await?;
            return Err(AppError::WrongMfaCode);
        }
        Err(MfaError::Expired) => return Err(AppError::ChallengeEnded),
        Err(MfaError::Unexpected(e)) => return Err(AppError::Unavailable(e)),
    };
    if tokens.user_id != challenge.user_id {
        tracing::warn!("The identity provider answered a challenge with another user's tokens");
        return Err(AppError::ChallengeEnded);
    }
    if challenge.kind == ChallengeKind::MfaSetup {
        tracing::info!(user_id = %user.user_id, "TOTP turned on at the first login");
    }
    finish_login(app, tokens, &user, AlreadyRead::default(), challenge.auth_started_ms, Some(&key), None).await
}

/// Whether the signed-in user has TOTP on.
#[tracing::instrument(name = "Read the account's TOTP setting", skip_all)]
pub async fn totp_status(app: &App, caller: &Caller) -> Result<bool, AppError> {
    let user = own_account(caller)?;
    Ok(app.identity.totp_enabled(&user.email).await?)
}

/// Starts enrolling an authenticator app on the signed-in account: a new secret.
///
/// # Errors
/// `Conflict` (`totp_already_on`) when TOTP is on already (a secret is replaced only by
/// turning it off first, which only support can do); `Forbidden` while impersonating.
#[tracing::instrument(name = "Start a TOTP enrolment", skip_all)]
pub async fn start_enrolment(app: &App, caller: &Caller, access_token: &str) -> Result<TotpSetup, AppError> {
    let user = own_account(caller)?;
    let key = user.user_id.to_string();
    enforce_limits(app, &[(ENROLMENT_STEPS_PER_USER, &key)]).await?;
    if app.identity.totp_enabled(&user.email).await? {
        return Err(already_on());
    }
    let secret =
        app.identity.start_totp(&SecretString::from(access_token.to_owned())).await.map_err(enrolment_error)?;
    Ok(TotpSetup::new(&user.email, secret))
}

/// The code of an enrolment.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EnableForm {
    pub code: Option<String>,
}

/// Turns TOTP on for the signed-in account with a code of the secret
/// [`start_enrolment`] gave: every later login asks for a code.
///
/// # Errors
/// `Validation` (field `code`) for anything but six digits, and for a wrong code;
/// `Conflict` (`totp_already_on`) when TOTP is on already; `Forbidden` as above.
#[tracing::instrument(name = "Turn TOTP on", skip_all)]
pub async fn enable(app: &App, caller: &Caller, access_token: &str, form: EnableForm) -> Result<(), AppError> {
    let user = own_account(caller)?;
    let code = form.code.as_deref().and_then(TotpCode::parse).ok_or_else(|| FieldErrors::single("code", CODE_HINT))?;
    let key = user.user_id.to_string();
    enforce_limits(app, &[(ENROLMENT_STEPS_PER_USER, &key)]).await?;
    // Checking a code would make a secret associated meanwhile (outside the portal) the
    // account's: refused while TOTP is on, as a new secret is.
    if app.identity.totp_enabled(&user.email).await? {
        return Err(already_on());
    }
    let access = SecretString::from(access_token.to_owned());
    match app.identity.enable_totp(&user.email, &access, code.as_ref()).await {
        Ok(()) => {
            tracing::info!(user_id = %user.user_id, "TOTP turned on");
            Ok(())
        }
        Err(MfaError::WrongCode) => Err(FieldErrors::single(
            "code",
            "That code is not the one your authenticator app shows now. Check the key and try the next code.",
        )
        .into()),
        Err(e) => Err(enrolment_error(e)),
    }
}

/// The account whose TOTP a request changes: the signed-in user's own, never a customer's
/// that a partner is acting as (its access token is the partner's).
fn own_account(caller: &Caller) -> Result<&crate::domain::records::User, AppError> {
    if caller.actor.is_some() {
        return Err(AppError::Forbidden);
    }
    Ok(&caller.user)
}

fn already_on() -> AppError {
    AppError::conflict("totp_already_on", "Two-step sign-in is already on for this account.")
}

fn enrolment_error(e: MfaError) -> AppError {
    match e {
        // The access token was verified a moment ago: Cognito refusing it is an outage,
        // or a sign-out in between, which the next request answers with a 401.
        MfaError::Expired => AppError::SessionEnded,
        MfaError::WrongCode => AppError::Unavailable(anyhow::anyhow!("Cognito refused a code it was not asked about")),
        MfaError::Unexpected(e) => AppError::Unavailable(e.context("Failed to enrol an authenticator app")),
    }
}
