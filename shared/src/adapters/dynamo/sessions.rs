//! Logins: one item by the login's Cognito session id (`origin_jti`), read with the user on
//! every signed-in request, and one by the SHA-256 of its refresh token, so a refresh or a
//! logout can tell a live session from an unknown, expired or ended one without asking
//! Cognito. Both are written in one transaction, conditioned on the user (and, for a login
//! that completes a TOTP challenge, with the challenge's deletion). A challenge item lives
//! five minutes; TTL removes it a day later, and every read checks `expires_at` itself.

use async_trait::async_trait;

use aws_sdk_dynamodb::types::AttributeValue;

use super::attrs::{n, record_with, s};
use super::expr::Expr;
use super::write::Write;
use super::{DynamoStore, keys};
use crate::domain::ids::UserId;
use crate::domain::mfa::{ChallengeKey, LoginChallenge};
use crate::domain::session::{LoginSession, SessionId, SessionKey, StoredSession};
use crate::ports::{Conflict, Sessions, WriteError};

/// Kept a day past its expiry, then deleted by TTL.
const TTL_GRACE_SECS: i64 = 86_400;

#[async_trait]
impl Sessions for DynamoStore {
    /// One transaction: both records (new), a condition check on the user, and the
    /// challenge's deletion (only if it is there).
    async fn start_login(
        &self,
        id: &SessionId,
        login: &LoginSession,
        refresh: &SessionKey,
        session: &StoredSession,
        challenge: Option<&ChallengeKey>,
    ) -> Result<(), WriteError> {
        let login_item = record_with(&keys::login(id), login, [("ttl", n(login.expires_at + TTL_GRACE_SECS))])?;
        let session_item =
            record_with(&keys::session(refresh), session, [("ttl", n(session.expires_at + TTL_GRACE_SECS))])?;
        let writes = vec![
            Write::put_new(login_item, Conflict::Duplicate),
            Write::put_new(session_item, Conflict::Duplicate),
            Write::check(&keys::user(&login.user_id))
                .when(
                    "#status = :active AND (attribute_not_exists(#sessions_valid_after_ms) \
                     OR #sessions_valid_after_ms < :started)",
                    Conflict::SessionsEnded,
                )
                .bind(":active", s("active"))
                .bind(":started", n(login.auth_started_ms)),
        ];
        let writes = writes.into_iter().chain(
            challenge
                .map(|key| Write::delete(&keys::challenge(key)).when("attribute_exists(PK)", Conflict::ChallengeUsed)),
        );
        self.transact(writes.collect(), "Failed to record a login").await
    }

    async fn start_challenge(&self, key: &ChallengeKey, challenge: &LoginChallenge) -> Result<(), WriteError> {
        let item = record_with(&keys::challenge(key), challenge, [("ttl", n(challenge.expires_at + TTL_GRACE_SECS))])?;
        self.write(Write::put_new(item, Conflict::Duplicate), "Failed to store a login challenge").await.map(drop)
    }

    async fn get_challenge(&self, key: &ChallengeKey) -> anyhow::Result<Option<LoginChallenge>> {
        self.get(&keys::challenge(key), "Failed to read a login challenge").await
    }

    async fn get_session(&self, key: &SessionKey) -> anyhow::Result<Option<StoredSession>> {
        self.get(&keys::session(key), "Failed to read a session").await
    }

    /// One write, or one transaction with the refresh-token session.
    async fn end_sessions(&self, user: &UserId, at_ms: i64, refresh: Option<&SessionKey>) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("sessions_valid_after_ms", n(at_ms));
        let mut writes = vec![Write::update(&keys::user(user), expr).when("attribute_exists(PK)", Conflict::Missing)];
        if let Some(refresh) = refresh {
            let mut ended = Expr::default();
            ended.set("ended", AttributeValue::Bool(true));
            writes.push(Write::update(&keys::session(refresh), ended).when("attribute_exists(PK)", Conflict::Missing));
        }
        match writes.len() {
            1 => self.write(writes.remove(0), "Failed to end the user's sessions").await.map(drop),
            _ => self.transact(writes, "Failed to end the user's sessions").await,
        }
    }
}
