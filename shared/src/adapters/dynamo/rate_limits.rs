//! Rate-limit counters: one item per limit, key and fixed window, counted with an atomic
//! `ADD` and deleted by TTL after the next window. A step reads its counters with its other
//! reads ([`super::lookups`]) and counts them in the write it makes anyway ([`hit`]).

use async_trait::async_trait;

use super::attrs::{Item, n};
use super::expr::Expr;
use super::write::Write;
use super::{DynamoStore, keys, outbox};
use crate::domain::limits::{Counter, Hit};
use crate::domain::records::OutboxMessage;
use crate::ports::{Conflict, RateLimits, WriteError};

/// The item of a counter.
pub(super) fn counter_key(counter: &Counter) -> keys::Key {
    keys::rate_window(&counter.bucket, counter.window_start)
}

/// A counter's count as stored (0 for none).
pub(super) fn count_of(item: Option<&Item>) -> i64 {
    item.and_then(|item| item.get("hits")).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// One more on a counter; with a bound, only while the counter is below it (`RateLimited`).
pub(super) fn hit(hit: &Hit) -> Write {
    let mut expr = Expr::default();
    expr.add("hits", n(1)).set("ttl", n(hit.counter.expires_at()));
    let write = Write::update(&counter_key(&hit.counter), expr);
    match hit.below {
        Some(max) => {
            write.when("attribute_not_exists(#hits) OR #hits < :max", Conflict::RateLimited).bind(":max", n(max))
        }
        None => write,
    }
}

#[async_trait]
impl RateLimits for DynamoStore {
    /// One UpdateItem for a single counter, else one transaction.
    async fn count_and_queue(&self, hits: &[Hit], emails: &[&OutboxMessage]) -> Result<(), WriteError> {
        let mut writes: Vec<Write> = hits.iter().map(hit).collect();
        for email in emails {
            writes.extend(outbox::queue(email)?);
        }
        match writes.len() {
            0 => Ok(()),
            1 => self.write(writes.remove(0), "Failed to count an attempt").await.map(drop),
            _ => self.transact(writes, "Failed to count an attempt and queue its email").await,
        }
    }
}
