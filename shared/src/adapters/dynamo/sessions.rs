//! Login sessions (see `infra/TABLE.md`, "Console sessions"): one item per refresh token
//! handed out, keyed by its SHA-256, so a refresh or a logout can tell a live session from an
//! unknown, expired or ended one without asking Cognito.

use super::{Store, WriteError, key, n, record_item, with};
use crate::domain::session::{SessionKey, StoredSession};

fn session_pk(key: &SessionKey) -> String {
    format!("SESSION#{}", key.as_ref())
}

fn key_of(session: &SessionKey) -> super::Item {
    key(session_pk(session), "SESSION")
}

impl Store {
    /// Records a new session; TTL tidies it away a day after it expires.
    pub async fn put_session(&self, key: &SessionKey, session: &StoredSession) -> anyhow::Result<()> {
        let item = with(record_item(session_pk(key), "SESSION", session)?, &[("ttl", n(session.expires_at + 86_400))]);
        self.put_one(item, true, "Failed to record a session").await
    }

    pub async fn get_session(&self, key: &SessionKey) -> anyhow::Result<Option<StoredSession>> {
        self.get(session_pk(key), "SESSION", "Failed to read a session").await
    }

    /// Ends a session (logout). `Conflict` when it had already ended or does not exist.
    pub async fn end_session(&self, key: &SessionKey) -> Result<(), WriteError> {
        self.flip_flag(key_of(key), "ended", true, "Failed to end a session").await
    }
}
