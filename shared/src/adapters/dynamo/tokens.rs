//! Email-link tokens, stored by hash. An invitation token is redeemed by one conditional
//! write in the sign-up's transaction (unused, unexpired, of this purpose). A password link
//! is redeemed in two writes around the identity provider's call: a claim that holds the
//! token for one redemption (with the account's credential check and the per-address
//! count), and the completion that marks it used with the account's change, so of two
//! concurrent redemptions exactly one sets the password, and a failure in between gives the
//! link back.

use aws_sdk_dynamodb::types::AttributeValue;

use async_trait::async_trait;

use super::attrs::{n, name_of, now_secs, record_with, s};
use super::expr::Expr;
use super::write::Write;
use super::{DynamoStore, audit, keys, outbox, rate_limits};
use crate::domain::ids::UserId;
use crate::domain::limits::Hit;
use crate::domain::records::{AuditEvent, OutboxMessage, StoredToken};
use crate::domain::token::{TokenHash, TokenPurpose};
use crate::ports::{Conflict, LinkTokens, PasswordChange, TokenClaim, WriteError};

/// Kept a day past its expiry, then deleted by TTL (which is lazy: reads check `expires_at`).
const TTL_GRACE_SECS: i64 = 86_400;

/// Uses a token: only if it exists, is of `purpose`, unused and unexpired.
pub(super) fn redeem(hash: &TokenHash, purpose: TokenPurpose) -> anyhow::Result<Write> {
    let now = now_secs();
    let mut expr = Expr::default();
    expr.set("used", AttributeValue::Bool(true)).set("used_at", n(now));
    Ok(Write::update(&keys::link_token(hash), expr)
        .when(
            "attribute_exists(PK) AND #purpose = :purpose AND #used = :unused AND #expires_at > :now",
            Conflict::LinkUsed,
        )
        .bind(":purpose", s(name_of(&purpose)?))
        .bind(":unused", AttributeValue::Bool(false))
        .bind(":now", n(now)))
}

/// Stores a new token (kept until a day past its expiry).
pub(super) fn new_token(hash: &TokenHash, token: &StoredToken) -> anyhow::Result<Write> {
    let item = record_with(&keys::link_token(hash), token, [("ttl", n(token.expires_at + TTL_GRACE_SECS))])?;
    Ok(Write::put_new(item, Conflict::Duplicate))
}

fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

#[async_trait]
impl LinkTokens for DynamoStore {
    async fn put_token(&self, hash: &TokenHash, token: &StoredToken) -> anyhow::Result<()> {
        self.write(new_token(hash, token)?, "Failed to store a link token").await?;
        Ok(())
    }

    async fn get_token(&self, hash: &TokenHash) -> anyhow::Result<Option<StoredToken>> {
        self.get(&keys::link_token(hash), "Failed to read a link token").await
    }

    /// One transaction: the token held (conditioned on being usable and free), a condition
    /// check on the account, and the counter.
    async fn claim_token(
        &self,
        hash: &TokenHash,
        purpose: TokenPurpose,
        claim: &TokenClaim,
        user: &UserId,
        minted_at_ms: i64,
        hit: &Hit,
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("lease_until_ms", n(claim.until_ms)).set("claim", s(&claim.id));
        let held = Write::update(&keys::link_token(hash), expr)
            .when(
                "attribute_exists(PK) AND #purpose = :purpose AND #used = :unused AND #expires_at > :now \
                 AND (attribute_not_exists(#lease_until_ms) OR #lease_until_ms < :now_ms)",
                Conflict::LinkUsed,
            )
            .bind(":purpose", s(name_of(&purpose)?))
            .bind(":unused", AttributeValue::Bool(false))
            .bind(":now", n(now_secs()))
            .bind(":now_ms", n(now_ms()));
        let account = Write::check(&keys::user(user))
            .when(
                "attribute_exists(PK) AND #status <> :locked \
                 AND (attribute_not_exists(#credentials_changed_at_ms) OR #credentials_changed_at_ms < :minted)",
                Conflict::CredentialsChanged,
            )
            .bind(":locked", s("locked"))
            .bind(":minted", n(minted_at_ms));
        self.transact(vec![held, account, rate_limits::hit(hit)], "Failed to claim a link token").await
    }

    async fn release_token(&self, hash: &TokenHash, claim_id: &str) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("lease_until_ms", n(0));
        let write = Write::update(&keys::link_token(hash), expr)
            .when("#claim = :claim AND #used = :unused", Conflict::AlreadyReleased)
            .bind(":claim", s(claim_id))
            .bind(":unused", AttributeValue::Bool(false));
        self.write(write, "Failed to release a link token").await.map(drop)
    }

    /// One transaction: the token used, the user changed, the notice and the audit event.
    async fn complete_password_change(
        &self,
        hash: &TokenHash,
        claim_id: &str,
        change: &PasswordChange,
        notice: Option<&OutboxMessage>,
        audit: &AuditEvent,
    ) -> Result<(), WriteError> {
        let mut used = Expr::default();
        used.set("used", AttributeValue::Bool(true)).set("used_at", n(now_secs())).set("lease_until_ms", n(0));
        let token = Write::update(&keys::link_token(hash), used)
            .when("#claim = :claim AND #used = :unused", Conflict::LinkUsed)
            .bind(":claim", s(claim_id))
            .bind(":unused", AttributeValue::Bool(false));
        let mut changed = Expr::default();
        changed.set("status", s("active")).set("credentials_changed_at_ms", n(change.at_ms));
        if change.end_sessions {
            changed.set("sessions_valid_after_ms", n(change.at_ms));
        }
        let user = Write::update(&keys::user(&change.user_id), changed)
            .when("attribute_exists(PK) AND #status <> :locked", Conflict::UserLocked)
            .bind(":locked", s("locked"));
        let mut writes = vec![token, user, audit::record_event(audit)?];
        if let Some(notice) = notice {
            writes.extend(outbox::queue(notice)?);
        }
        self.transact(writes, "Failed to record the password change").await
    }
}
