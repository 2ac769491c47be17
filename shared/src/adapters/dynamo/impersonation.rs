//! Impersonation sessions ("log in as customer"), stored by the hash of their token.

use async_trait::async_trait;

use super::attrs::{n, record_with};
use super::write::Write;
use super::{DynamoStore, audit, keys};
use crate::domain::records::{AuditEvent, Impersonation};
use crate::domain::token::TokenHash;
use crate::ports::{Conflict, Impersonations, WriteError};

/// Kept a day past its expiry, then deleted by TTL (reads check `expires_at` themselves).
const TTL_GRACE_SECS: i64 = 86_400;

#[async_trait]
impl Impersonations for DynamoStore {
    /// One transaction: the session (new) and its audit events.
    async fn start_impersonation(
        &self,
        hash: &TokenHash,
        session: &Impersonation,
        audits: &[AuditEvent],
    ) -> Result<(), WriteError> {
        let item = record_with(&keys::impersonation(hash), session, [("ttl", n(session.expires_at + TTL_GRACE_SECS))])?;
        let mut writes = vec![Write::put_new(item, Conflict::Duplicate)];
        for event in audits {
            writes.push(audit::record_event(event)?);
        }
        self.transact(writes, "Failed to store an impersonation session").await
    }

    async fn get_impersonation(&self, hash: &TokenHash) -> anyhow::Result<Option<Impersonation>> {
        self.get(&keys::impersonation(hash), "Failed to read an impersonation session").await
    }

    async fn end_impersonation(&self, hash: &TokenHash) -> Result<(), WriteError> {
        let write = Write::flip(&keys::impersonation(hash), "ended", true, Conflict::AlreadyEnded);
        self.write(write, "Failed to end an impersonation session").await.map(drop)
    }
}
