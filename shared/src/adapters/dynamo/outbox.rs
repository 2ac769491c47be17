//! Queued emails (the transactional outbox). A message is written in the transaction of the
//! change that causes it, sits on the index under `OUTBOX#pending` by when it is due, and is
//! taken off the index once sent (or moved to `OUTBOX#dead`).

use async_trait::async_trait;

use super::attrs::{from_item, n, now_secs, record_with, s};
use super::expr::Expr;
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, keys, tokens};
use crate::domain::ids::OutboxId;
use crate::domain::records::{OutboxMessage, OutboxStatus};
use crate::ports::{Conflict, Listing, Outbox, WriteError};

/// How long a sent message is kept (then deleted by TTL).
const KEEP_SENT_SECS: i64 = 30 * 86_400;

fn pending_item(message: &OutboxMessage) -> anyhow::Result<super::attrs::Item> {
    let index = keys::outbox_index(keys::OUTBOX_PENDING, message.next_attempt_at, &message.outbox_id);
    record_with(&keys::outbox(&message.outbox_id), message, index)
}

/// Queues a new message, and stores the token of its link (in the transaction of the change
/// that causes it).
pub(super) fn queue(message: &OutboxMessage) -> anyhow::Result<Vec<Write>> {
    let mut writes = vec![Write::put_new(pending_item(message)?, Conflict::Duplicate)];
    if let Some((hash, token)) = message.link.as_ref().and_then(|link| link.stored_token()) {
        writes.push(tokens::new_token(&hash, &token)?);
    }
    Ok(writes)
}

#[async_trait]
impl Outbox for DynamoStore {
    async fn put_outbox(&self, message: &OutboxMessage) -> anyhow::Result<()> {
        let mut writes = queue(message)?;
        match writes.len() {
            1 => self.write(writes.remove(0), "Failed to queue an email").await.map(|_| ()),
            _ => self.transact(writes, "Failed to queue an email and its link").await,
        }
        .map_err(anyhow::Error::from)
    }

    async fn get_outbox(&self, id: &OutboxId) -> anyhow::Result<Option<OutboxMessage>> {
        self.get(&keys::outbox(id), "Failed to read an email").await
    }

    async fn claim_outbox(&self, id: &OutboxId, lease_secs: i64) -> anyhow::Result<Option<OutboxMessage>> {
        let now = now_secs();
        let mut expr = Expr::default();
        expr.set("lease_until", n(now + lease_secs));
        let claim = Write::update(&keys::outbox(id), expr)
            .when(
                "#status = :pending AND #next_attempt_at <= :now \
                 AND (attribute_not_exists(#lease_until) OR #lease_until < :now)",
                Conflict::NotClaimable,
            )
            .bind(":pending", s("pending"))
            .bind(":now", n(now));
        match self.write(claim, "Failed to claim an email").await {
            Ok(item) => Ok(Some(from_item(item)?)),
            Err(WriteError::Conflict(Conflict::NotClaimable)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn mark_outbox_sent(&self, id: &OutboxId) -> anyhow::Result<()> {
        let now = now_secs();
        let mut expr = Expr::default();
        expr.set("status", s("sent")).set("sent_at", n(now)).set("ttl", n(now + KEEP_SENT_SECS));
        // Without its nonce, nobody can derive the link's token again, the link key included.
        expr.remove("GSI1PK").remove("GSI1SK").remove("lease_until").remove("link_nonce");
        let write = Write::update(&keys::outbox(id), expr).when("attribute_exists(PK)", Conflict::Missing);
        self.write(write, "Failed to mark an email sent").await?;
        Ok(())
    }

    async fn mark_outbox_failed(
        &self,
        message: &OutboxMessage,
        error: &str,
        next_attempt_at: i64,
        dead: bool,
    ) -> anyhow::Result<()> {
        let (status, partition) = if dead { ("dead", keys::OUTBOX_DEAD) } else { ("pending", keys::OUTBOX_PENDING) };
        let mut expr = Expr::default();
        expr.set("status", s(status))
            .set("attempts", n(i64::from(message.attempts) + 1))
            .set("next_attempt_at", n(next_attempt_at))
            .set("last_error", s(error));
        for (attr, v) in keys::outbox_index(partition, next_attempt_at, &message.outbox_id) {
            expr.set(attr, v);
        }
        expr.remove("lease_until");
        let write =
            Write::update(&keys::outbox(&message.outbox_id), expr).when("attribute_exists(PK)", Conflict::Missing);
        self.write(write, "Failed to record a failed email").await?;
        Ok(())
    }

    async fn due_outbox(&self, limit: i32) -> anyhow::Result<Vec<OutboxId>> {
        let query = Query::index(keys::OUTBOX_PENDING).up_to(keys::outbox_due_by(now_secs()));
        let due: Vec<OutboxMessage> = self.first(&query, limit, "Failed to list due emails").await?;
        Ok(due.into_iter().map(|m| m.outbox_id).collect())
    }

    async fn list_outbox(&self, status: OutboxStatus, cursor: Option<&str>, limit: i32) -> Listing<OutboxMessage> {
        // Pending ones in the order they are due; dead ones most recently given up first.
        let query = match status {
            OutboxStatus::Dead => Query::index(keys::OUTBOX_DEAD).newest_first(),
            _ => Query::index(keys::OUTBOX_PENDING),
        };
        self.page(&query, cursor, limit, "Failed to list emails").await
    }
}
