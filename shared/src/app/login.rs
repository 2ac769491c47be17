//! Login with business email and password. Every failure (unknown address, wrong password,
//! an account not yet active or locked) gives the same answer.
//!
//! Rate limits count failures only, so that a stranger who knows an address cannot keep its
//! owner out: they block on (account, client address) and on the client address; the
//! account alone is only slowed down, more with each failure (`domain::limits::login_delay`),
//! and its owner's right password from their own address always gets through.
//!
//! Three waves, whether or not the address has an account: one read (the address's marker
//! and the counters); the identity provider's password check, with the read of the user,
//! its business and its active customer beside it; one write (the login recorded,
//! conditioned on the account; or the failure counted).

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::session::{self, SessionUser};
use super::{App, AppError, now, now_ms};
use crate::domain::account::UserStatus;
use crate::domain::email::normalize_login_email;
use crate::domain::ids::{BusinessId, UserId};
use crate::domain::limits::{Counter, Hit, Rule, login_delay};
use crate::domain::password::MAX_PASSWORD_CHARS;
use crate::domain::records::EmailOwner;
use crate::domain::session::{LoginSession, RefreshToken, StoredSession};
use crate::ports::{Conflict, Found, LoginError, Tokens, Wanted, WriteError};

/// Failed logins per (account, client address): that address is refused for that account.
const FAILURES_PER_ACCOUNT_AND_ADDRESS: Rule = Rule { name: "login-fail-acct-ip", max: 10, window_secs: 900 };
/// Failed logins per client address, whatever the accounts (password spraying).
const FAILURES_PER_ADDRESS: Rule = Rule { name: "login-fail-ip", max: 50, window_secs: 900 };
/// What an address without an account reads instead of a user and business (ids of ours
/// are never this).
const NOBODY: &str = "nobody";

/// Failed logins per account from every address: never refused, only slowed down.
const FAILURES_PER_ACCOUNT: Rule = Rule { name: "login-fail-acct", max: i64::MAX, window_secs: 900 };

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub email: Option<String>,
    pub password: Option<SecretString>,
}

/// A recorded login: the tokens, and who logged in as the console shows it.
#[derive(Debug)]
pub struct Session {
    pub tokens: Tokens,
    pub user: SessionUser,
}

#[tracing::instrument(name = "Log in", skip_all)]
pub async fn login(app: &App, form: LoginForm, client_ip: &str) -> Result<Session, AppError> {
    let email = form.email.as_deref().and_then(normalize_login_email);
    let (Some(email), Some(password)) = (email, form.password) else {
        return Err(AppError::InvalidCredentials);
    };
    // No password of the portal is longer (set-password refuses it), and Cognito refuses an
    // over-long one with an error that is not "wrong password": answer as for one.
    if password.expose_secret().chars().count() > MAX_PASSWORD_CHARS {
        return Err(AppError::InvalidCredentials);
    }
    let at = now().unix_timestamp();
    let counters = [
        FAILURES_PER_ACCOUNT_AND_ADDRESS.counter(&format!("{email}|{client_ip}"), at),
        FAILURES_PER_ADDRESS.counter(client_ip, at),
        FAILURES_PER_ACCOUNT.counter(&email, at),
    ];
    let found = app.store.look_up(&Wanted { email: Some(&email), counters: &counters, ..Wanted::default() }).await?;
    for (rule, count) in
        [(FAILURES_PER_ACCOUNT_AND_ADDRESS, found.counters[0]), (FAILURES_PER_ADDRESS, found.counters[1])]
    {
        if rule.reached(count) {
            tracing::warn!(limit = rule.name, "Rate limit reached");
            return Err(AppError::RateLimited);
        }
    }
    let delay = login_delay(found.counters[2]);
    if !delay.is_zero() {
        tracing::info!(delay_ms = delay.as_millis(), "Login slowed down after failures of the account");
        tokio::time::sleep(delay).await;
    }
    let holder = match &found.email_owner {
        Some(EmailOwner::User { user_id, .. }) => Some((user_id.clone(), found.owner_business.clone())),
        _ => None,
    };
    // Taken before Cognito is asked: a session end recorded after this instant ends this
    // login too, whichever finishes first.
    let started_ms = now_ms();
    let (answer, account) = tokio::join!(app.identity.login(&email, &password), account_of(app, holder.as_ref()));
    let tokens = match answer {
        Ok(tokens) => tokens,
        Err(LoginError::InvalidCredentials) => {
            count_failure(app, &counters).await?;
            return Err(AppError::InvalidCredentials);
        }
        Err(LoginError::Unexpected(e)) => return Err(AppError::Unavailable(e)),
    };
    let mut account = account?;
    let session_id = tokens.session.clone();
    let user = match account.user.take().filter(|u| u.user_id == tokens.user_id) {
        Some(user) => user,
        None => app.store.get_user(&tokens.user_id).await?.ok_or(AppError::InvalidCredentials)?,
    };
    if user.status != UserStatus::Active {
        return Err(AppError::InvalidCredentials);
    }
    let refresh = RefreshToken::issued(SecretString::from(tokens.refresh_token.expose_secret().to_owned()));
    let login = LoginSession::new(user.user_id.clone(), started_ms, now());
    let mut stored = StoredSession::new(user.user_id.clone(), now());
    stored.origin = Some(session_id.clone());
    let refresh_key = refresh.key();
    let (recorded, described) = tokio::join!(
        app.store.start_login(&session_id, &login, &refresh_key, &stored),
        session::describe_with(app, &user, account.business.take()),
    );
    match recorded {
        Ok(()) => {}
        // Locked, or its sessions ended (a reset, a lock), while the password was checked.
        Err(WriteError::Conflict(Conflict::SessionsEnded)) => return Err(AppError::InvalidCredentials),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(user_id = %user.user_id, "Logged in");
    Ok(Session { tokens, user: described? })
}

/// What the login answer shows of the holder of the address, read while its password is
/// checked: the user, its business and its active customer (for a marker that records the
/// business; else the user alone). An address without an account reads as much of nothing
/// that exists, so that a login takes the same calls whether or not the address has one.
async fn account_of(app: &App, holder: Option<&(UserId, Option<BusinessId>)>) -> anyhow::Result<Found> {
    let nobody = (UserId::parse(NOBODY).context("a decoy id")?, BusinessId::parse(NOBODY).context("a decoy id")?);
    let (user, business) = match holder {
        Some((user, business)) => (user, business.as_ref()),
        None => (&nobody.0, Some(&nobody.1)),
    };
    let found = app.store.look_up(&Wanted { user: Some(user), business, ..Wanted::default() }).await?;
    Ok(if holder.is_some() { found } else { Found::default() })
}

/// Counts a failed login on each of its counters (the limits were checked on read).
async fn count_failure(app: &App, counters: &[Counter; 3]) -> Result<(), AppError> {
    let hits: Vec<Hit> = counters.iter().cloned().map(Hit::count).collect();
    app.store.count_and_queue(&hits, &[]).await?;
    Ok(())
}
