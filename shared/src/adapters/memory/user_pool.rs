//! A fake user pool: the identity provider (credentials, enabled or not, sessions ended) and
//! the verifier of the access tokens it issued, with failures on demand.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use anyhow::anyhow;
use async_trait::async_trait;
use secrecy::{ExposeSecret as _, SecretString};

use super::{Journal, step};
use crate::domain::ids::UserId;
use crate::domain::mfa::totp_at;
use crate::domain::session::SessionId;
use crate::ports::{
    CreateUserError, IdentityProvider, LoginError, MfaError, Refreshed, SignIn, TokenError, TokenVerifier, Tokens,
    VerifiedToken,
};

/// A user of the pool, as a test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolUser {
    pub user_id: UserId,
    pub password: Option<String>,
    pub enabled: bool,
    /// How many times every session of the user was ended.
    pub sign_outs: u32,
    /// The TOTP secret in use (TOTP is on), if any.
    pub totp: Option<String>,
    /// A TOTP secret being enrolled: in use once a code of it is checked.
    pub pending_totp: Option<String>,
}

#[derive(Debug, Default)]
pub struct FakeUserPool {
    users: Mutex<HashMap<String, PoolUser>>,
    issued: Mutex<HashMap<String, VerifiedToken>>,
    failing: Mutex<HashSet<&'static str>>,
    refused: Mutex<HashSet<String>>,
    /// Refresh token → its user's email, how many global sign-outs it had seen, and its
    /// login's session id.
    refresh_tokens: Mutex<HashMap<String, (String, u32, SessionId)>>,
    /// TOTP challenge sessions → their user's email (used once).
    mfa_sessions: Mutex<HashMap<String, String>>,
    journal: Journal,
}

impl FakeUserPool {
    /// A pool that records its calls in `journal`.
    pub fn new(journal: Journal) -> Self {
        Self { journal, ..Self::default() }
    }

    /// Every later call of `operation` (`create_user`, `set_password`, `login`,
    /// `sign_out_everywhere`, `set_enabled`, `verify`) fails, until [`Self::recover`].
    pub fn fail(&self, operation: &'static str) {
        self.failing.lock().expect("the pool's lock").insert(operation);
    }

    /// `create_user` refuses this address as a username from now on, as Cognito refuses some
    /// addresses that pass an email check.
    pub fn refuse_address(&self, email: &str) {
        self.refused.lock().expect("the pool's lock").insert(email.to_owned());
    }

    pub fn recover(&self, operation: &'static str) {
        self.failing.lock().expect("the pool's lock").remove(operation);
    }

    pub fn user(&self, email: &str) -> Option<PoolUser> {
        self.users.lock().expect("the pool's lock").get(email).cloned()
    }

    /// An access token of `user` that belongs to the login `session` (Cognito's
    /// `origin_jti`; `None` for a token that names no login).
    pub fn access_token(&self, user: &UserId, session: Option<&SessionId>) -> String {
        let token = format!("access-{}", uuid::Uuid::new_v4().simple());
        let verified = VerifiedToken { user_id: user.clone(), session: session.cloned() };
        self.issued.lock().expect("the pool's lock").insert(token.clone(), verified);
        token
    }

    /// The code the authenticator app of `email` shows now (RFC 6238 over its TOTP secret,
    /// or the one being enrolled).
    pub fn current_code(&self, email: &str) -> Option<String> {
        let user = self.user(email)?;
        let secret = user.pending_totp.or(user.totp)?;
        let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).ok()?;
        totp_at(&secret, now)
    }

    fn code_is_current(secret: &str, code: &str) -> bool {
        let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or_default();
        totp_at(secret, now).as_deref() == Some(code)
    }

    /// The tokens of a new login of `email`.
    fn issue(&self, email: &str, user: &PoolUser) -> Tokens {
        let session = SessionId::parse(&uuid::Uuid::new_v4().to_string()).expect("a UUID is a session id");
        let access = self.access_token(&user.user_id, Some(&session));
        let refresh = format!("refresh-{}", uuid::Uuid::new_v4().simple());
        self.refresh_tokens
            .lock()
            .expect("the pool's lock")
            .insert(refresh.clone(), (email.to_owned(), user.sign_outs, session.clone()));
        Tokens {
            access_token: SecretString::from(access),
            id_token: SecretString::from("id-token"),
            refresh_token: SecretString::from(refresh),
            expires_in: 3600,
            user_id: user.user_id.clone(),
            session,
        }
    }

    /// The email of the user an access token was issued to.
    fn holder(&self, access_token: &SecretString) -> Result<String, MfaError> {
        let verified = self.issued.lock().expect("the pool's lock").get(access_token.expose_secret()).cloned();
        let verified = verified.ok_or(MfaError::Expired)?;
        let users = self.users.lock().expect("the pool's lock");
        users
            .iter()
            .find(|(_, u)| u.user_id == verified.user_id)
            .map(|(email, _)| email.clone())
            .ok_or(MfaError::Expired)
    }

    /// Journals the call, then fails it if it is to fail.
    async fn call(&self, operation: &'static str, detail: &str) -> anyhow::Result<()> {
        step().await;
        let entry =
            if detail.is_empty() { format!("identity.{operation}") } else { format!("identity.{operation} {detail}") };
        if self.failing.lock().expect("the pool's lock").contains(operation) {
            self.journal.record(format!("{entry} -> failed"));
            return Err(anyhow!("the identity provider failed ({operation})"));
        }
        self.journal.record(entry);
        Ok(())
    }

    fn with_user<T>(&self, email: &str, change: impl FnOnce(&mut PoolUser) -> T) -> anyhow::Result<T> {
        let mut users = self.users.lock().expect("the pool's lock");
        let user = users.get_mut(email).ok_or_else(|| anyhow!("no user {email} in the pool"))?;
        Ok(change(user))
    }
}

#[async_trait]
impl IdentityProvider for FakeUserPool {
    async fn create_user(&self, email: &str) -> Result<UserId, CreateUserError> {
        self.call("create_user", "").await?;
        if self.refused.lock().expect("the pool's lock").contains(email) {
            return Err(CreateUserError::Refused);
        }
        let mut users = self.users.lock().expect("the pool's lock");
        let user = users.entry(email.to_owned()).or_insert_with(|| PoolUser {
            user_id: UserId::new(),
            password: None,
            enabled: true,
            sign_outs: 0,
            totp: None,
            pending_totp: None,
        });
        Ok(user.user_id.clone())
    }

    async fn set_password(&self, email: &str, password: &str) -> anyhow::Result<()> {
        self.call("set_password", "").await?;
        self.with_user(email, |user| user.password = Some(password.to_owned()))
    }

    async fn login(&self, email: &str, password: &SecretString) -> Result<SignIn, LoginError> {
        self.call("login", "").await?;
        let user = self.user(email).filter(|u| u.enabled && u.password.as_deref() == Some(password.expose_secret()));
        let user = user.ok_or(LoginError::InvalidCredentials)?;
        if user.totp.is_some() {
            let session = format!("mfa-{}", uuid::Uuid::new_v4().simple());
            self.mfa_sessions.lock().expect("the pool's lock").insert(session.clone(), email.to_owned());
            return Ok(SignIn::MfaCode { session: SecretString::from(session) });
        }
        Ok(SignIn::Tokens(self.issue(email, &user)))
    }

    /// As Cognito: the session must be this user's, and a wrong code leaves it usable.
    async fn answer_mfa(&self, email: &str, session: &SecretString, code: &str) -> Result<Tokens, MfaError> {
        self.call("answer_mfa", "").await?;
        let holder = self.mfa_sessions.lock().expect("the pool's lock").get(session.expose_secret()).cloned();
        if holder.as_deref() != Some(email) {
            return Err(MfaError::Expired);
        }
        let user = self.user(email).filter(|u| u.enabled).ok_or(MfaError::Expired)?;
        let secret = user.totp.clone().ok_or(MfaError::Expired)?;
        if !Self::code_is_current(&secret, code) {
            return Err(MfaError::WrongCode);
        }
        self.mfa_sessions.lock().expect("the pool's lock").remove(session.expose_secret());
        Ok(self.issue(email, &user))
    }

    async fn start_totp(&self, access_token: &SecretString) -> Result<SecretString, MfaError> {
        self.call("start_totp", "").await?;
        let email = self.holder(access_token)?;
        let secret =
            format!("{}", uuid::Uuid::new_v4().simple()).to_ascii_uppercase().replace(['0', '1', '8', '9'], "Q");
        self.with_user(&email, |user| user.pending_totp = Some(secret.clone()))?;
        Ok(SecretString::from(secret))
    }

    async fn enable_totp(&self, email: &str, access_token: &SecretString, code: &str) -> Result<(), MfaError> {
        self.call("enable_totp", "").await?;
        if self.holder(access_token)? != email {
            return Err(MfaError::Expired);
        }
        let pending = self.user(email).and_then(|u| u.pending_totp).ok_or(MfaError::Expired)?;
        if !Self::code_is_current(&pending, code) {
            return Err(MfaError::WrongCode);
        }
        self.with_user(email, |user| {
            user.totp = user.pending_totp.take();
        })?;
        Ok(())
    }

    async fn totp_enabled(&self, email: &str) -> anyhow::Result<bool> {
        self.call("totp_enabled", "").await?;
        Ok(self.user(email).is_some_and(|u| u.totp.is_some()))
    }

    /// A refresh token works until its user is disabled or signed out everywhere.
    async fn refresh(&self, refresh_token: &str) -> Result<Refreshed, LoginError> {
        self.call("refresh", "").await?;
        let issued = self.refresh_tokens.lock().expect("the pool's lock").get(refresh_token).cloned();
        let (email, sign_outs, session) = issued.ok_or(LoginError::InvalidCredentials)?;
        let user = self.user(&email).filter(|u| u.enabled && u.sign_outs == sign_outs);
        let user = user.ok_or(LoginError::InvalidCredentials)?;
        let access = self.access_token(&user.user_id, Some(&session));
        Ok(Refreshed { access_token: SecretString::from(access), expires_in: 3600 })
    }

    async fn sign_out_everywhere(&self, email: &str) -> anyhow::Result<()> {
        self.call("sign_out_everywhere", "").await?;
        self.with_user(email, |user| user.sign_outs += 1)
    }

    async fn set_enabled(&self, email: &str, enabled: bool) -> anyhow::Result<()> {
        self.call("set_enabled", if enabled { "true" } else { "false" }).await?;
        self.with_user(email, |user| user.enabled = enabled)
    }
}

#[async_trait]
impl TokenVerifier for FakeUserPool {
    /// A read: not journaled.
    async fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        step().await;
        if self.failing.lock().expect("the pool's lock").contains("verify") {
            return Err(TokenError::Unexpected(anyhow!("the identity provider failed (verify)")));
        }
        self.issued.lock().expect("the pool's lock").get(token).cloned().ok_or(TokenError::Invalid)
    }
}
