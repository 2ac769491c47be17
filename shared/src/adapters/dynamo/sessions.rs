//! Logins: one item by the login's Cognito session id (`origin_jti`), read with the user on
//! every signed-in request, and one by the SHA-256 of its refresh token, so a refresh or a
//! logout can tell a live session from an unknown, expired or ended one without asking
//! Cognito. Both are written in one transaction, conditioned on the user.

use async_trait::async_trait;

use aws_sdk_dynamodb::types::AttributeValue;

use super::attrs::{n, record_with, s};
use super::expr::Expr;
use super::write::Write;
use super::{DynamoStore, keys};
use crate::domain::ids::UserId;
use crate::domain::session::{LoginSession, SessionId, SessionKey, StoredSession};
use crate::ports::{Conflict, Sessions, WriteError};

/// Kept a day past its expiry, then deleted by TTL.
const TTL_GRACE_SECS: i64 = 86_400;

#[async_trait]
impl Sessions for DynamoStore {
    /// One transaction: both records (new) and a condition check on the user.
    async fn start_login(
        &self,
        id: &SessionId,
        login: &LoginSession,
        refresh: &SessionKey,
        session: &StoredSession,
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
        self.transact(writes, "Failed to record a login").await
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
