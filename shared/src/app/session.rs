//! Sessions after login: who is signed in (what the console shows in its header), a new
//! access token from the session's refresh token ("a working day without logging in
//! again"), and logout.
//!
//! Every login is recorded (`app::login`) by its Cognito session id, which every access
//! token of the login carries (refreshed ones too) and which every signed-in request checks
//! ([`super::authenticate`]), and by its refresh token's SHA-256 ([`StoredSession`]): a
//! refresh must name a live record before Cognito is asked, so unknown, expired and
//! logged-out tokens all get the same 401 `session_ended`, and the caller's account and
//! login are checked again on every refresh (a locked account, or one whose sessions were
//! ended, gets no new token).

use secrecy::{ExposeSecret as _, SecretString};

use super::{App, AppError, authenticate, enforce_limits, now, now_ms};
use crate::domain::account::Role;
use crate::domain::ids::{BusinessId, UserId};
use crate::domain::limits::Rule;
use crate::domain::records::{Business, LoginCard, PartnerLink, User};
use crate::domain::session::{RefreshToken, StoredSession};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{Conflict, LoginError, WriteError};

/// A console reloads or opens a tab with one refresh each, and refreshes once an hour: far
/// below this, even for an office behind one address.
const REFRESHES_PER_ADDRESS: Rule = Rule { name: "refresh-ip", max: 300, window_secs: 900 };

/// Who is signed in, as the console shows it.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user_id: UserId,
    pub email: String,
    pub business_id: BusinessId,
    /// The names and role, the business's name (none for admins) and, for a partner, the
    /// customer it works on ("Make Business Active") while still linked: what a login card
    /// keeps.
    pub shown: LoginCard,
}

impl SessionUser {
    pub fn new(user: &User, business_name: Option<&str>, active_business: Option<(BusinessId, String)>) -> Self {
        Self {
            user_id: user.user_id.clone(),
            email: user.email.clone(),
            business_id: user.business_id.clone(),
            shown: LoginCard::new(user, business_name, active_business),
        }
    }
}

/// Describes the signed-in user: its business's name and, for a partner, its active
/// customer.
pub async fn describe(app: &App, user: &User) -> Result<SessionUser, AppError> {
    if user.role == Role::Admin {
        return Ok(SessionUser::new(user, None, None));
    }
    let business = app.store.get_business(&user.business_id).await?;
    describe_with(app, user, business, None).await
}

/// The link of a partner to the customer it chose, as read beside its user (`link` absent:
/// the link ended).
#[derive(Debug)]
pub struct ActiveLink {
    pub partner: BusinessId,
    pub customer: BusinessId,
    pub link: Option<PartnerLink>,
}

/// Describes the signed-in user from its business and its active customer's link already
/// read, reading here what is missing: the business, and for a partner whose active customer
/// (which the user item holds) is not the one read, whether the partner is still linked to
/// it, and its name.
pub async fn describe_with(
    app: &App,
    user: &User,
    business: Option<Business>,
    active_link: Option<ActiveLink>,
) -> Result<SessionUser, AppError> {
    if user.role == Role::Admin {
        return Ok(SessionUser::new(user, None, None));
    }
    let business = match business.filter(|b| b.business_id == user.business_id) {
        Some(business) => Some(business),
        None => app.store.get_business(&user.business_id).await?,
    };
    let link = match user.active_business.as_ref().filter(|_| user.role == Role::Partner) {
        None => None,
        Some(active) => match active_link.filter(|read| read.customer == *active && read.partner == user.business_id) {
            Some(read) => read.link,
            None => app.store.get_customer_link(&user.business_id, active).await?,
        },
    };
    // A link that ended since the choice means there is no active business any more.
    let active_business = link.map(|l| (l.customer_id, l.customer_name));
    Ok(SessionUser::new(user, business.as_ref().map(|b| b.name.as_str()), active_business))
}

/// A new access token for a live session.
#[derive(Debug)]
pub struct Renewed {
    pub access_token: SecretString,
    pub expires_in: i32,
    pub user: User,
}

/// Exchanges a session's refresh token for a new access token.
///
/// # Errors
/// [`AppError::SessionEnded`] for a missing, unknown, expired or logged-out token, and when
/// the account is no longer active or its sessions were ended (password reset, lock,
/// logout elsewhere); `RateLimited` past the per-address limit.
#[tracing::instrument(name = "Refresh a session", skip_all)]
pub async fn refresh(app: &App, token: Option<&RefreshToken>, client_ip: &str) -> Result<Renewed, AppError> {
    enforce_limits(app, &[(REFRESHES_PER_ADDRESS, client_ip)]).await?;
    let token = token.ok_or(AppError::SessionEnded)?;
    let session = app.store.get_session(&token.key()).await?.filter(|s| s.is_live(now()));
    let session = session.ok_or(AppError::SessionEnded)?;
    let refreshed = match app.identity.refresh(token.expose()).await {
        Ok(refreshed) => refreshed,
        Err(LoginError::InvalidCredentials) => return Err(AppError::SessionEnded),
        Err(LoginError::Unexpected(e)) => return Err(AppError::Unavailable(e)),
    };
    // The same checks as every request: the account is active and its sessions were not
    // ended after this token was issued.
    let caller = match authenticate(app, Some(refreshed.access_token.expose_secret())).await {
        Ok(caller) => caller,
        Err(AppError::Unauthenticated) => return Err(AppError::SessionEnded),
        Err(e) => return Err(e),
    };
    if caller.user.user_id != session.user_id {
        tracing::warn!("A refresh token answered for another user than its session's");
        return Err(AppError::SessionEnded);
    }
    Ok(Renewed { access_token: refreshed.access_token, expires_in: refreshed.expires_in, user: caller.user })
}

/// Logs out: every session of the user ends, in the table (every login that began until
/// now is refused, and the refresh-token session of `token` is marked ended, in one write)
/// and in Cognito (global sign-out, which revokes every refresh token; the emulator has no
/// `RevokeToken`). The user is found from the access token, or else from the session;
/// without either there is nothing to end.
///
/// # Errors
/// Only `Unavailable` (a dependency failed): logging out twice, or with an unknown or
/// expired token, succeeds.
#[tracing::instrument(name = "Log out", skip_all)]
pub async fn logout(app: &App, bearer: Option<&str>, token: Option<&RefreshToken>) -> Result<(), AppError> {
    let signed_in = match bearer {
        None => None,
        Some(bearer) => match authenticate(app, Some(bearer)).await {
            Ok(caller) => Some(caller.user),
            Err(AppError::Unauthenticated) => None,
            Err(e) => return Err(e),
        },
    };
    let key = token.map(RefreshToken::key);
    let session: Option<StoredSession> = match &key {
        Some(key) => app.store.get_session(key).await?,
        None => None,
    };
    let user = match (signed_in, &session) {
        (Some(user), _) => Some(user),
        (None, Some(session)) => app.store.get_user(&session.user_id).await?,
        (None, None) => None,
    };
    let Some(user) = user else {
        tracing::info!("Logout without a known session");
        return Ok(());
    };
    // The table first: from this write on, every login until now is refused, whatever
    // Cognito does next.
    let refresh = key.as_ref().filter(|_| session.as_ref().is_some_and(|s| s.user_id == user.user_id));
    match app.store.end_sessions(&user.user_id, now_ms(), refresh).await {
        Ok(()) | Err(WriteError::Conflict(Conflict::Missing)) => {}
        Err(e) => return Err(e.into()),
    }
    app.identity.sign_out_everywhere(&user.email).await?;
    tracing::info!(user_id = %user.user_id, "Logged out everywhere");
    Ok(())
}
