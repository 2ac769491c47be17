//! Login with business email and password. Every failure (unknown address, wrong password,
//! an account not yet active or locked) gives the same answer.
//!
//! Rate limits count failures only, so that a stranger who knows an address cannot keep its
//! owner out: they block on (account, client address) and on the client address; the
//! account alone is only slowed down, more with each failure (`domain::limits::login_delay`),
//! and its owner's right password from their own address always gets through.
//!
//! Three calls, whether or not the address has an account and whether or not the password
//! is right: one read (the address's marker and the counters); the identity provider's
//! password check; one write (the login recorded, conditioned on the account; or the failure
//! counted). What the answer shows of the user (names, role, business name, a partner's
//! active customer) is the address's login card, kept on its marker
//! ([`crate::domain::records::LoginCard`]): the login's write checks it against the user,
//! the business and the link, so it is never shown stale. A card out of step (after a rename
//! or an edit of the names) costs that login a read and a second write, which renew it; a
//! partner's switch to a customer the card does not name costs a read of the link beside the
//! password check. An admin's login, and one whose marker has no card yet, read the user,
//! its business and its active customer's link beside the password check instead.
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
use crate::domain::records::{Business, EmailOwner, LoginCard, User};
use crate::domain::session::{LoginSession, RefreshToken, SessionId, StoredSession};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{CardUse, Conflict, Found, LoginError, MfaError, SignIn, Tokens, Wanted, WriteError};

/// Failed logins per (account, client address): that address is refused for that account.
const FAILURES_PER_ACCOUNT_AND_ADDRESS: Rule = Rule { name: "login-fail-acct-ip", max: 10, window_secs: 900 };
/// Failed logins per client address, whatever the accounts (password spraying).
const FAILURES_PER_ADDRESS: Rule = Rule { name: "login-fail-ip", max: 50, window_secs: 900 };

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
    let holder = Holder::of(&found);
    // Taken before Cognito is asked: a session end recorded after this instant ends this
    // login too, whichever finishes first.
    let started_ms = now_ms();
    let (answer, account) = tokio::join!(app.identity.login(&email, &password), read_beside(app, holder.as_ref()));
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
            // The holder of the address is the user (read beside the password check, or now).
            let holder = holder.as_ref().ok_or(AppError::InvalidCredentials)?;
            let user = match account.user.take() {
                Some(user) => Some(user),
                None => app.store.get_user(&holder.user).await?,
            };
            let user = user.filter(|u| u.user_id == holder.user && u.status == UserStatus::Active);
            let user = user.ok_or(AppError::InvalidCredentials)?;
            let held = Held { session: Some(session.expose_secret().to_owned()), tokens: None };
            return challenge(app, &user, &email, ChallengeKind::MfaCode, &held, started_ms, None).await;
        }
    };
    // The answer is the address's login card, checked in the login's write.
    if account.user.is_none()
        && let Some(holder) = holder.as_ref().filter(|h| h.user == tokens.user_id)
        && let Some((business, shown)) = holder.card_with(account.active_link.take())
    {
        let renewed = (Some(&shown) != holder.card.as_ref()).then_some(email.as_str());
        let card = CardUse { check: Some((&shown, business)), write: renewed.map(|email| (email, &shown)) };
        match record_login(app, &tokens, &holder.user, started_ms, None, card).await {
            Ok(()) => {
                tracing::info!(user_id = %holder.user, "Logged in");
                let user = SessionUser { user_id: holder.user.clone(), email, business_id: business.clone(), shown };
                return Ok(LoginStep::Session(Box::new(Session { tokens, user })));
            }
            // Out of step (a rename, a switch the marker missed, a lock): what the answer
            // shows is read, and written on the card anew.
            Err(WriteError::Conflict(Conflict::SessionsEnded | Conflict::StaleCard)) => {
                tracing::info!("A login card was out of step");
                account = account_of(app, holder).await?;
            }
            Err(e) => return Err(refused(e)),
        }
    }
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
    let session = finish_login(app, tokens, &user, read, started_ms, None, Some(&email)).await?;
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
/// A login that completes a challenge uses it up in the same write. With `card_of` (the
/// login's address), the address's login card becomes what the answer shows, in the same
/// write.
pub(super) async fn finish_login(
    app: &App,
    tokens: Tokens,
    user: &User,
    read: AlreadyRead,
    started_ms: i64,
    challenge: Option<&ChallengeKey>,
    card_of: Option<&str>,
) -> Result<Session, AppError> {
    let described = match card_of {
        // What the card gets is the description: described first (from what was read).
        Some(email) => {
            let described = session::describe_with(app, user, read.business, read.active_link).await?;
            let card = CardUse { check: None, write: Some((email, &described.shown)) };
            record_login(app, &tokens, &user.user_id, started_ms, challenge, card).await.map_err(refused)?;
            described
        }
        None => {
            let (recorded, described) = tokio::join!(
                record_login(app, &tokens, &user.user_id, started_ms, challenge, CardUse::default()),
                session::describe_with(app, user, read.business, read.active_link),
            );
            recorded.map_err(refused)?;
            described?
        }
    };
    tracing::info!(user_id = %user.user_id, "Logged in");
    Ok(Session { tokens, user: described })
}

/// Records the login of `tokens` by `user`, begun at `started_ms` (see
/// [`crate::ports::Sessions::start_login`]).
async fn record_login(
    app: &App,
    tokens: &Tokens,
    user: &UserId,
    started_ms: i64,
    challenge: Option<&ChallengeKey>,
    card: CardUse<'_>,
) -> Result<(), WriteError> {
    let refresh = RefreshToken::issued(SecretString::from(tokens.refresh_token.expose_secret().to_owned()));
    let login = LoginSession::new(user.clone(), started_ms, now());
    let mut stored = StoredSession::new(user.clone(), now());
    stored.origin = Some(tokens.session.clone());
    app.store.start_login(&tokens.session, &login, &refresh.key(), &stored, challenge, card).await
}

/// The answer to a login whose write was refused.
fn refused(e: WriteError) -> AppError {
    match e {
        // Locked, or its sessions ended (a reset, a lock), while the password was checked.
        WriteError::Conflict(Conflict::SessionsEnded) => AppError::InvalidCredentials,
        // Another request completed the same challenge first.
        WriteError::Conflict(Conflict::ChallengeUsed) => AppError::ChallengeEnded,
        e => e.into(),
    }
}

/// Who holds an address, as its marker records it: the user, its business, for a partner
/// its active customer, and what a login shows of them (markers written before they
/// recorded these have none).
struct Holder {
    user: UserId,
    business: Option<BusinessId>,
    active: Option<BusinessId>,
    card: Option<LoginCard>,
}

impl Holder {
    fn of(found: &Found) -> Option<Self> {
        match &found.email_owner {
            Some(EmailOwner::User { user_id, card, .. }) => Some(Self {
                user: user_id.clone(),
                business: found.owner_business.clone(),
                active: found.owner_active.clone(),
                card: card.clone(),
            }),
            _ => None,
        }
    }

    /// The card a login can answer from, and the business it names: a customer's or a
    /// partner's (an admin's login reads its user: it needs its TOTP enrolment).
    fn usable_card(&self) -> Option<(&BusinessId, &LoginCard)> {
        let (business, card) = (self.business.as_ref()?, self.card.as_ref()?);
        (card.role != Role::Admin && card.business_name.is_some()).then_some((business, card))
    }

    /// The active customer the marker records and the card does not name (a choice made
    /// since the card was written): its link is read beside the password check.
    fn unnamed_active(&self) -> Option<&BusinessId> {
        let (_, card) = self.usable_card()?;
        self.active.as_ref().filter(|active| card.active.as_ref().map(|(id, _)| id) != Some(*active))
    }

    /// What the login answers: the usable card, with the active customer of `link` when one
    /// was read.
    fn card_with(&self, link: Option<ActiveLink>) -> Option<(&BusinessId, LoginCard)> {
        let (business, card) = self.usable_card()?;
        let mut card = card.clone();
        if let Some(read) = link {
            card.active = read.link.map(|l| (l.customer_id, l.customer_name));
        }
        Some((business, card))
    }
}

/// What the login answer shows of the holder of the address, read while its password is
/// checked.
#[derive(Debug, Default)]
struct Account {
    user: Option<User>,
    business: Option<Business>,
    active_link: Option<ActiveLink>,
}

/// What a login reads while Cognito checks the password: nothing when the address's card
/// answers, but the link to an active customer the card does not name yet; the holder's
/// user, business and link otherwise. An address without an account reads nothing, as one
/// whose card answers.
async fn read_beside(app: &App, holder: Option<&Holder>) -> anyhow::Result<Account> {
    let Some(holder) = holder else {
        return Ok(Account::default());
    };
    if holder.usable_card().is_none() {
        return account_of(app, holder).await;
    }
    let (Some(partner), Some(customer)) = (holder.business.as_ref(), holder.unnamed_active()) else {
        return Ok(Account::default());
    };
    let found = app.store.look_up(&Wanted { link: Some((partner, customer)), ..Wanted::default() }).await?;
    let link = ActiveLink { partner: partner.clone(), customer: customer.clone(), link: found.link };
    Ok(Account { active_link: Some(link), ..Account::default() })
}

/// Reads the holder of the address: the user, its business and the link to its active
/// customer (those its marker records; else the user alone).
async fn account_of(app: &App, holder: &Holder) -> anyhow::Result<Account> {
    let (business, active) = (holder.business.as_ref(), holder.active.as_ref());
    let link = business.zip(active);
    let found = app.store.look_up(&Wanted { user: Some(&holder.user), business, link, ..Wanted::default() }).await?;
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
