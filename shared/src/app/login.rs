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
//!
//! A right password does not always open a session: a user with TOTP on gets a challenge
//! for the code of its authenticator app, and an admin without TOTP (admins must have it)
//! gets an enrolment challenge with a new TOTP secret; either is completed by
//! [`super::mfa::complete_login`]. Such a login writes its challenge instead of a session.

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::session::{self, ActiveLink, SessionUser};
use super::{App, AppError, now, now_ms};
use crate::domain::account::{Role, UserStatus};
use crate::domain::email::normalize_login_email;
use crate::domain::ids::{BusinessId, UserId};
use crate::domain::limits::{Counter, Hit, Rule, login_delay};
use crate::domain::mfa::{
    CHALLENGE_LIFETIME, ChallengeKey, ChallengeKind, ChallengeToken, LoginChallenge, otpauth_uri,
};
use crate::domain::password::MAX_PASSWORD_CHARS;
use crate::domain::records::{Business, EmailOwner, User};
use crate::domain::session::{LoginSession, RefreshToken, SessionId, StoredSession};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{Conflict, LoginError, MfaError, SignIn, Tokens, Wanted, WriteError};

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

/// What a right password leads to.
#[derive(Debug)]
pub enum LoginStep {
    /// A recorded login (boxed: far larger than a challenge).
    Session(Box<Session>),
    /// A second step first: the code of an authenticator app, or an admin's enrolment.
    Challenge(Challenge),
}

/// A login waiting for its second step, as the client sees it.
#[derive(Debug)]
pub struct Challenge {
    pub kind: ChallengeKind,
    /// What the second step sends back (only its hash is stored).
    pub token: ChallengeToken,
    /// Seconds left to complete it.
    pub expires_in: i64,
    /// For an enrolment: the new TOTP secret, to put in an authenticator app.
    pub setup: Option<TotpSetup>,
}

/// A TOTP secret being enrolled: the key a person types, and the `otpauth://` address a QR
/// code carries.
#[derive(Debug)]
pub struct TotpSetup {
    pub secret: SecretString,
    pub uri: String,
}

impl TotpSetup {
    pub fn new(account: &str, secret: SecretString) -> Self {
        let uri = otpauth_uri(account, secret.expose_secret());
        Self { secret, uri }
    }
}

/// What the identity provider gave for a login waiting for its second step, sealed in its
/// challenge: its challenge session (a code), or the login's tokens (an enrolment).
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Held {
    pub session: Option<String>,
    pub tokens: Option<HeldTokens>,
}

#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct HeldTokens {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: String,
    pub expires_in: i32,
    pub user_id: UserId,
    pub session: SessionId,
}

impl HeldTokens {
    fn of(tokens: &Tokens) -> Self {
        Self {
            access_token: tokens.access_token.expose_secret().to_owned(),
            id_token: tokens.id_token.expose_secret().to_owned(),
            refresh_token: tokens.refresh_token.expose_secret().to_owned(),
            expires_in: tokens.expires_in,
            user_id: tokens.user_id.clone(),
            session: tokens.session.clone(),
        }
    }

    pub fn into_tokens(self) -> Tokens {
        Tokens {
            access_token: SecretString::from(self.access_token),
            id_token: SecretString::from(self.id_token),
            refresh_token: SecretString::from(self.refresh_token),
            expires_in: self.expires_in,
            user_id: self.user_id,
            session: self.session,
        }
    }
}

/// The failure counters of logins of `email` from `client_ip`: per (account, address), per
/// address, per account.
pub(super) fn failure_counters(email: &str, client_ip: &str, at: i64) -> [Counter; 3] {
    [
        FAILURES_PER_ACCOUNT_AND_ADDRESS.counter(&format!("{email}|{client_ip}"), at),
        FAILURES_PER_ADDRESS.counter(client_ip, at),
        FAILURES_PER_ACCOUNT.counter(email, at),
    ]
}

/// Refuses a login over its failure limits, and slows down one whose account failed lately.
pub(super) async fn hold_back(counts: &[i64]) -> Result<(), AppError> {
    for (rule, count) in [(FAILURES_PER_ACCOUNT_AND_ADDRESS, counts[0]), (FAILURES_PER_ADDRESS, counts[1])] {
        if rule.reached(count) {
            tracing::warn!(limit = rule.name, "Rate limit reached");
            return Err(AppError::RateLimited);
        }
    }
    let delay = login_delay(counts[2]);
    if !delay.is_zero() {
        tracing::info!(delay_ms = delay.as_millis(), "Login slowed down after failures of the account");
        tokio::time::sleep(delay).await;
    }
    Ok(())
}

#[tracing::instrument(name = "Log in", skip_all)]
pub async fn login(app: &App, form: LoginForm, client_ip: &str) -> Result<LoginStep, AppError> {
    let email = form.email.as_deref().and_then(normalize_login_email);
    let (Some(email), Some(password)) = (email, form.password) else {
        return Err(AppError::InvalidCredentials);
    };
    // No password of the portal is longer (set-password refuses it), and Cognito refuses an
    // over-long one with an error that is not "wrong password": answer as for one.
    if password.expose_secret().chars().count() > MAX_PASSWORD_CHARS {
        return Err(AppError::InvalidCredentials);
    }
    let counters = failure_counters(&email, client_ip, now().unix_timestamp());
    let found = app.store.look_up(&Wanted { email: Some(&email), counters: &counters, ..Wanted::default() }).await?;
    hold_back(&found.counters).await?;
    let holder = match &found.email_owner {
        Some(EmailOwner::User { user_id, .. }) => Some(Holder {
            user: user_id.clone(),
            business: found.owner_business.clone(),
            active: found.owner_active.clone(),
        }),
        _ => None,
    };
    // Taken before Cognito is asked: a session end recorded after this instant ends this
    // login too, whichever finishes first.
    let started_ms = now_ms();
    let (answer, account) = tokio::join!(app.identity.login(&email, &password), account_of(app, holder.as_ref()));
    let sign_in = match answer {
        Ok(sign_in) => sign_in,
        Err(LoginError::InvalidCredentials) => {
            count_failure(app, &counters).await?;
            return Err(AppError::InvalidCredentials);
        }
        Err(LoginError::Unexpected(e)) => return Err(AppError::Unavailable(e)),
    };
    let mut account = account?;
    let tokens = match sign_in {
        SignIn::Tokens(tokens) => tokens,
        SignIn::MfaCode { session } => {
            // The holder of the address, read beside the password check, is the user.
            let user = account.user.take().filter(|u| u.status == UserStatus::Active);
            let user = user.ok_or(AppError::InvalidCredentials)?;
            let held = Held { session: Some(session.expose_secret().to_owned()), tokens: None };
            return challenge(app, &user, &email, ChallengeKind::MfaCode, &held, started_ms, None).await;
        }
    };
    let user = match account.user.take().filter(|u| u.user_id == tokens.user_id) {
        Some(user) => user,
        None => app.store.get_user(&tokens.user_id).await?.ok_or(AppError::InvalidCredentials)?,
    };
    if user.status != UserStatus::Active {
        return Err(AppError::InvalidCredentials);
    }
    if user.role == Role::Admin {
        // Admins must have TOTP, and this one has none yet (else Cognito would have asked
        // for its code): no session until an authenticator app is enrolled.
        let secret = match app.identity.start_totp(&tokens.access_token).await {
            Ok(secret) => secret,
            Err(MfaError::Unexpected(e)) => return Err(AppError::Unavailable(e)),
            Err(e) => {
                return Err(AppError::Unavailable(anyhow::anyhow!(e).context("A fresh access token was refused")));
            }
        };
        let held = Held { session: None, tokens: Some(HeldTokens::of(&tokens)) };
        let setup = TotpSetup::new(&user.email, secret);
        return challenge(app, &user, &email, ChallengeKind::MfaSetup, &held, started_ms, Some(setup)).await;
    }
    let read = AlreadyRead { business: account.business.take(), active_link: account.active_link.take() };
    let session = finish_login(app, tokens, &user, read, started_ms, None).await?;
    Ok(LoginStep::Session(Box::new(session)))
}

/// Stores a login waiting for its second step, with what the identity provider gave for it
/// sealed by the challenge's token. `email` is the address as the login normalised it (the
/// identity provider's username, and the key of the failure counters the second step
/// counts on).
async fn challenge(
    app: &App,
    user: &User,
    email: &str,
    kind: ChallengeKind,
    held: &Held,
    started_ms: i64,
    setup: Option<TotpSetup>,
) -> Result<LoginStep, AppError> {
    let token = ChallengeToken::generate();
    let plain = serde_json::to_vec(held).context("Failed to encode a login challenge")?;
    let stored = LoginChallenge {
        user_id: user.user_id.clone(),
        email: email.to_owned(),
        kind,
        sealed: token.seal(&plain),
        auth_started_ms: started_ms,
        expires_at: (now() + CHALLENGE_LIFETIME).unix_timestamp(),
    };
    app.store.start_challenge(&token.key(), &stored).await?;
    tracing::info!(user_id = %user.user_id, kind = ?kind, "Login waits for its second step");
    Ok(LoginStep::Challenge(Challenge { kind, token, expires_in: CHALLENGE_LIFETIME.whole_seconds(), setup }))
}

/// What a login read of the user's business and its active customer beside the password
/// check (what is missing is read when the login is described).
#[derive(Debug, Default)]
pub(super) struct AlreadyRead {
    pub business: Option<Business>,
    pub active_link: Option<ActiveLink>,
}

/// Records a login whose credentials (and code) were checked, and describes who logged in.
/// A login that completes a challenge uses it up in the same write.
pub(super) async fn finish_login(
    app: &App,
    tokens: Tokens,
    user: &User,
    read: AlreadyRead,
    started_ms: i64,
    challenge: Option<&ChallengeKey>,
) -> Result<Session, AppError> {
    let session_id = tokens.session.clone();
    let refresh = RefreshToken::issued(SecretString::from(tokens.refresh_token.expose_secret().to_owned()));
    let login = LoginSession::new(user.user_id.clone(), started_ms, now());
    let mut stored = StoredSession::new(user.user_id.clone(), now());
    stored.origin = Some(session_id.clone());
    let refresh_key = refresh.key();
    let (recorded, described) = tokio::join!(
        app.store.start_login(&session_id, &login, &refresh_key, &stored, challenge),
        session::describe_with(app, user, read.business, read.active_link),
    );
    match recorded {
        Ok(()) => {}
        // Locked, or its sessions ended (a reset, a lock), while the password was checked.
        Err(WriteError::Conflict(Conflict::SessionsEnded)) => return Err(AppError::InvalidCredentials),
        // Another request completed the same challenge first.
        Err(WriteError::Conflict(Conflict::ChallengeUsed)) => return Err(AppError::ChallengeEnded),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(user_id = %user.user_id, "Logged in");
    Ok(Session { tokens, user: described? })
}

/// Who holds an address, as its marker records it: the user, its business and, for a
/// partner, its active customer (markers written before they recorded these have none).
struct Holder {
    user: UserId,
    business: Option<BusinessId>,
    active: Option<BusinessId>,
}

/// What the login answer shows of the holder of the address, read while its password is
/// checked.
#[derive(Debug, Default)]
struct Account {
    user: Option<User>,
    business: Option<Business>,
    active_link: Option<ActiveLink>,
}

/// Reads the holder of the address while its password is checked: the user, its business
/// and the link to its active customer (those its marker records; else the user alone). An
/// address without an account reads as much of nothing that exists, so that a login takes
/// the same calls whether or not the address has one.
async fn account_of(app: &App, holder: Option<&Holder>) -> anyhow::Result<Account> {
    let nobody = (UserId::parse(NOBODY).context("a decoy id")?, BusinessId::parse(NOBODY).context("a decoy id")?);
    let (user, business, active) = match holder {
        Some(h) => (&h.user, h.business.as_ref(), h.active.as_ref()),
        None => (&nobody.0, Some(&nobody.1), None),
    };
    let link = business.zip(active);
    let found = app.store.look_up(&Wanted { user: Some(user), business, link, ..Wanted::default() }).await?;
    if holder.is_none() {
        return Ok(Account::default());
    }
    let active_link = link.map(|(partner, customer)| ActiveLink {
        partner: partner.clone(),
        customer: customer.clone(),
        link: found.link,
    });
    Ok(Account { user: found.user, business: found.business, active_link })
}

/// Counts a failed login on each of its counters (the limits were checked on read).
pub(super) async fn count_failure(app: &App, counters: &[Counter; 3]) -> Result<(), AppError> {
    let hits: Vec<Hit> = counters.iter().cloned().map(Hit::count).collect();
    app.store.count_and_queue(&hits, &[]).await?;
    Ok(())
}
