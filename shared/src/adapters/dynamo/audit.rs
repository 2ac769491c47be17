//! The audit trail: events in their business's partition, and all of them on the index
//! (for admins), newest first. Written in the transaction of the change they record where
//! there is one.

use async_trait::async_trait;

use super::attrs::record_with;
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, keys};
use crate::domain::ids::BusinessId;
use crate::domain::records::AuditEvent;
use crate::ports::{AuditTrail, Conflict, Listing};

fn event_item(event: &AuditEvent) -> anyhow::Result<super::attrs::Item> {
    let (key, index) = keys::audit(event);
    record_with(&key, event, index)
}

/// Records an event (in the transaction of the change it records).
pub(super) fn record_event(event: &AuditEvent) -> anyhow::Result<Write> {
    Ok(Write::put_new(event_item(event)?, Conflict::Duplicate))
}

#[async_trait]
impl AuditTrail for DynamoStore {
    async fn put_audit(&self, event: &AuditEvent) -> anyhow::Result<()> {
        self.write(Write::put(event_item(event)?), "Failed to record an audit event").await?;
        Ok(())
    }

    async fn list_audit(&self, business: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<AuditEvent> {
        let query = Query::table(keys::business(business)).prefix(keys::AUDIT_PREFIX).newest_first();
        self.page(&query, cursor, limit, "Failed to read the audit trail").await
    }

    async fn list_all_audit(&self, cursor: Option<&str>, limit: i32) -> Listing<AuditEvent> {
        let query = Query::index(keys::AUDIT_ALL).newest_first();
        self.page(&query, cursor, limit, "Failed to read the audit trail").await
    }
}
