//! Login sessions: one item per refresh token a login handed out, keyed by its SHA-256, so a
//! refresh or a logout can tell a live session from an unknown, expired or ended one without
//! asking Cognito.

use async_trait::async_trait;

use super::attrs::{n, record_with};
use super::write::Write;
use super::{DynamoStore, keys};
use crate::domain::session::{SessionKey, StoredSession};
use crate::ports::{Conflict, Sessions, WriteError};

/// Kept a day past its expiry, then deleted by TTL.
const TTL_GRACE_SECS: i64 = 86_400;

#[async_trait]
impl Sessions for DynamoStore {
    async fn put_session(&self, key: &SessionKey, session: &StoredSession) -> Result<(), WriteError> {
        let item = record_with(&keys::session(key), session, [("ttl", n(session.expires_at + TTL_GRACE_SECS))])?;
        self.write(Write::put_new(item, Conflict::Duplicate), "Failed to record a session").await.map(|_| ())
    }

    async fn get_session(&self, key: &SessionKey) -> anyhow::Result<Option<StoredSession>> {
        self.get(&keys::session(key), "Failed to read a session").await
    }

    async fn end_session(&self, key: &SessionKey) -> Result<(), WriteError> {
        let end = Write::flip(&keys::session(key), "ended", true, Conflict::AlreadyEnded);
        self.write(end, "Failed to end a session").await.map(|_| ())
    }
}
