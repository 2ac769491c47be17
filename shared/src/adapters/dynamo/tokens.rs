//! Email-link tokens, stored by hash. A token is redeemed by one conditional write (unused,
//! unexpired, of this purpose), so of two concurrent redemptions exactly one wins.

use aws_sdk_dynamodb::types::AttributeValue;

use async_trait::async_trait;

use super::attrs::{from_item, n, name_of, now_secs, record_with, s};
use super::expr::Expr;
use super::write::Write;
use super::{DynamoStore, keys};
use crate::domain::records::StoredToken;
use crate::domain::token::{TokenHash, TokenPurpose};
use crate::ports::{Conflict, LinkTokens, WriteError};

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

#[async_trait]
impl LinkTokens for DynamoStore {
    async fn put_token(&self, hash: &TokenHash, token: &StoredToken) -> anyhow::Result<()> {
        self.write(new_token(hash, token)?, "Failed to store a link token").await?;
        Ok(())
    }

    async fn get_token(&self, hash: &TokenHash) -> anyhow::Result<Option<StoredToken>> {
        self.get(&keys::link_token(hash), "Failed to read a link token").await
    }

    /// One conditional UpdateItem (`unused AND expires_at > now AND this purpose`).
    async fn redeem_token(&self, hash: &TokenHash, purpose: TokenPurpose) -> Result<StoredToken, WriteError> {
        let item = self.write(redeem(hash, purpose)?, "Failed to redeem a link token").await?;
        Ok(from_item(item)?)
    }

    async fn release_token(&self, hash: &TokenHash) -> anyhow::Result<()> {
        self.write(
            Write::flip(&keys::link_token(hash), "used", false, Conflict::AlreadyReleased),
            "Failed to release a link token",
        )
        .await?;
        Ok(())
    }
}
