//! A fake user pool: the identity provider (credentials, enabled or not, sessions ended) and
//! the verifier of the access tokens it issued, with failures on demand.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use anyhow::anyhow;
use async_trait::async_trait;
use secrecy::{ExposeSecret as _, SecretString};

use super::{Journal, step};
use crate::domain::ids::UserId;
use crate::domain::session::SessionId;
use crate::ports::{
    CreateUserError, IdentityProvider, LoginError, Refreshed, TokenError, TokenVerifier, Tokens, VerifiedToken,
};

/// A user of the pool, as a test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolUser {
    pub user_id: UserId,
    pub password: Option<String>,
    pub enabled: bool,
    /// How many times every session of the user was ended.
    pub sign_outs: u32,
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
        });
        Ok(user.user_id.clone())
    }

    async fn set_password(&self, email: &str, password: &str) -> anyhow::Result<()> {
        self.call("set_password", "").await?;
        self.with_user(email, |user| user.password = Some(password.to_owned()))
    }

    async fn login(&self, email: &str, password: &SecretString) -> Result<Tokens, LoginError> {
        self.call("login", "").await?;
        let user = self.user(email).filter(|u| u.enabled && u.password.as_deref() == Some(password.expose_secret()));
        let user = user.ok_or(LoginError::InvalidCredentials)?;
        let session = SessionId::parse(&uuid::Uuid::new_v4().to_string()).expect("a UUID is a session id");
        let access = self.access_token(&user.user_id, Some(&session));
        let refresh = format!("refresh-{}", uuid::Uuid::new_v4().simple());
        self.refresh_tokens
            .lock()
            .expect("the pool's lock")
            .insert(refresh.clone(), (email.to_owned(), user.sign_outs, session.clone()));
        Ok(Tokens {
            access_token: SecretString::from(access),
            id_token: SecretString::from("id-token"),
            refresh_token: SecretString::from(refresh),
            expires_in: 3600,
            user_id: user.user_id,
            session,
        })
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
