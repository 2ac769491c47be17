//! Rate-limit counters: one item per limit, key and fixed window, counted with an atomic
//! `ADD` and deleted by TTL after the next window: on their own ([`RateLimits`]), or as the
//! quotas a write takes from in its own transaction ([`take`]).

use anyhow::Context as _;
use async_trait::async_trait;

use super::attrs::{n, now_secs};
use super::expr::Expr;
use super::write::Write;
use super::{DynamoStore, keys};
use crate::ports::{Conflict, Quota, RateLimits};

#[async_trait]
impl RateLimits for DynamoStore {
    async fn hit_rate_limit(&self, bucket: &str, window_secs: i64) -> anyhow::Result<i64> {
        let now = now_secs();
        let window = now - now.rem_euclid(window_secs);
        let mut expr = Expr::default();
        expr.add("hits", n(1)).set("ttl", n(window + 2 * window_secs));
        let item = self
            .write(Write::update(&keys::rate_window(bucket, window), expr), "Failed to count a rate-limited request")
            .await?;
        item.get("hits")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .context("Rate limit counter has no hits")
    }
}

/// Takes one from a quota, in the transaction of the write it limits: counts a hit in the
/// current window only while the window has fewer than `max` (`RateLimited` otherwise, and
/// then the whole transaction writes nothing).
pub(super) fn take(quota: &Quota) -> Write {
    let now = now_secs();
    let window_secs = quota.window_secs.max(1);
    let window = now - now.rem_euclid(window_secs);
    let mut expr = Expr::default();
    expr.add("hits", n(1)).set("ttl", n(window + 2 * window_secs));
    Write::update(&keys::rate_window(&quota.bucket, window), expr)
        .when("attribute_not_exists(#hits) OR #hits < :max", Conflict::RateLimited)
        .bind(":max", n(quota.max))
}
