//! Link tokens, impersonation sessions, the outbox and rate-limit windows.

use anyhow::bail;
use async_trait::async_trait;

use super::MemoryStore;
use super::state::{OutboxEntry, State, check, now_secs, page};
use crate::domain::account::UserStatus;
use crate::domain::ids::{OutboxId, UserId};
use crate::domain::limits::Hit;
use crate::domain::records::{AuditEvent, Impersonation, OutboxMessage, OutboxStatus, StoredToken};
use crate::domain::token::{TokenHash, TokenPurpose};
use crate::ports::{
    Conflict, Impersonations, LinkTokens, Listing, Outbox, PasswordChange, RateLimits, TokenClaim, WriteError,
};

fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

impl State {
    pub(super) fn queued(&self, message: &OutboxMessage) -> bool {
        self.outbox.contains_key(&message.outbox_id)
    }

    /// Queues a message and stores its link's token, as the table's transaction does.
    pub(super) fn queue(&mut self, message: &OutboxMessage) {
        self.outbox.insert(message.outbox_id.clone(), OutboxEntry { message: message.clone(), lease_until: None });
        if let Some((hash, token)) = message.link.as_ref().and_then(|link| link.stored_token()) {
            self.tokens.insert(hash, token);
        }
    }

    /// The redeem condition: the token exists, is of `purpose`, unused and unexpired.
    pub(super) fn token_usable(&self, hash: &TokenHash, purpose: TokenPurpose) -> bool {
        self.tokens.get(hash).is_some_and(|t| t.purpose == purpose && !t.used && t.expires_at > now_secs())
    }

    pub(super) fn use_token(&mut self, hash: &TokenHash) -> Option<StoredToken> {
        let token = self.tokens.get_mut(hash)?;
        token.used = true;
        Some(token.clone())
    }
}

#[async_trait]
impl LinkTokens for MemoryStore {
    async fn put_token(&self, hash: &TokenHash, token: &StoredToken) -> anyhow::Result<()> {
        let mut s = self.state().await;
        if s.tokens.contains_key(hash) {
            bail!("a link token with this hash exists already");
        }
        s.tokens.insert(hash.clone(), token.clone());
        Ok(())
    }

    async fn get_token(&self, hash: &TokenHash) -> anyhow::Result<Option<StoredToken>> {
        Ok(self.state().await.tokens.get(hash).cloned())
    }

    async fn claim_token(
        &self,
        hash: &TokenHash,
        purpose: TokenPurpose,
        claim: &TokenClaim,
        user: &UserId,
        minted_at_ms: i64,
        hit: &Hit,
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let free = s.token_usable(hash, purpose) && s.tokens.get(hash).is_some_and(|t| !t.is_claimed(now_ms()));
        let account_ok = s
            .users
            .get(user)
            .is_some_and(|u| u.status != UserStatus::Locked && u.credentials_changed_at_ms < minted_at_ms);
        let hits = std::slice::from_ref(hit);
        let outcome = check([
            (!free, Conflict::LinkUsed),
            (!account_ok, Conflict::CredentialsChanged),
            (s.blocked(hits), Conflict::RateLimited),
        ]);
        if outcome.is_ok() {
            if let Some(token) = s.tokens.get_mut(hash) {
                token.lease_until_ms = claim.until_ms;
                token.claim = Some(claim.id.clone());
            }
            s.apply(hits);
        }
        self.record("claim_token", &outcome);
        outcome
    }

    async fn release_token(&self, hash: &TokenHash, claim_id: &str) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = match s.tokens.get_mut(hash).filter(|t| !t.used && t.claim.as_deref() == Some(claim_id)) {
            Some(token) => {
                token.lease_until_ms = 0;
                Ok(())
            }
            None => Err(WriteError::Conflict(Conflict::AlreadyReleased)),
        };
        self.record("release_token", &outcome);
        outcome
    }

    async fn complete_password_change(
        &self,
        hash: &TokenHash,
        claim_id: &str,
        change: &PasswordChange,
        notice: Option<&OutboxMessage>,
        audit: &AuditEvent,
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let held = s.tokens.get(hash).is_some_and(|t| !t.used && t.claim.as_deref() == Some(claim_id));
        let unlocked = s.users.get(&change.user_id).is_some_and(|u| u.status != UserStatus::Locked);
        let outcome = check([
            (!held, Conflict::LinkUsed),
            (!unlocked, Conflict::UserLocked),
            (notice.is_some_and(|m| s.queued(m)) || s.audits_exist(std::slice::from_ref(audit)), Conflict::Duplicate),
        ]);
        if outcome.is_ok() {
            if let Some(token) = s.tokens.get_mut(hash) {
                token.used = true;
                token.lease_until_ms = 0;
            }
            if let Some(user) = s.users.get_mut(&change.user_id) {
                user.status = UserStatus::Active;
                user.credentials_changed_at_ms = change.at_ms;
                if change.end_sessions {
                    user.sessions_valid_after_ms = change.at_ms;
                }
            }
            if let Some(notice) = notice {
                s.queue(notice);
            }
            s.audit.push(audit.clone());
        }
        drop(s);
        self.answer("complete_password_change", outcome)
    }
}

#[async_trait]
impl Impersonations for MemoryStore {
    async fn start_impersonation(
        &self,
        hash: &TokenHash,
        session: &Impersonation,
        audits: &[AuditEvent],
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = check([(s.impersonations.contains_key(hash) || s.audits_exist(audits), Conflict::Duplicate)]);
        if outcome.is_ok() {
            s.impersonations.insert(hash.clone(), session.clone());
            s.audit.extend(audits.iter().cloned());
        }
        self.record("start_impersonation", &outcome);
        outcome
    }

    async fn get_impersonation(&self, hash: &TokenHash) -> anyhow::Result<Option<Impersonation>> {
        Ok(self.state().await.impersonations.get(hash).cloned())
    }

    async fn end_impersonation(&self, hash: &TokenHash) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = match s.impersonations.get_mut(hash).filter(|session| !session.ended) {
            Some(session) => {
                session.ended = true;
                Ok(())
            }
            None => Err(WriteError::Conflict(Conflict::AlreadyEnded)),
        };
        self.record("end_impersonation", &outcome);
        outcome
    }
}

fn due_key(entry: &OutboxEntry) -> String {
    format!("{:012}#{}", entry.message.next_attempt_at, entry.message.outbox_id)
}

#[async_trait]
impl Outbox for MemoryStore {
    async fn put_outbox(&self, message: &OutboxMessage) -> anyhow::Result<()> {
        self.state().await.queue(message);
        Ok(())
    }

    async fn get_outbox(&self, id: &OutboxId) -> anyhow::Result<Option<OutboxMessage>> {
        Ok(self.state().await.outbox.get(id).map(|e| e.message.clone()))
    }

    async fn claim_outbox(&self, id: &OutboxId, lease_secs: i64) -> anyhow::Result<Option<OutboxMessage>> {
        let mut s = self.state().await;
        let now = now_secs();
        let claimable = s.outbox.get_mut(id).filter(|e| {
            e.message.status == OutboxStatus::Pending
                && e.message.next_attempt_at <= now
                && e.lease_until.is_none_or(|until| until < now)
        });
        Ok(claimable.map(|entry| {
            entry.lease_until = Some(now + lease_secs);
            entry.message.clone()
        }))
    }

    async fn mark_outbox_sent(&self, id: &OutboxId) -> anyhow::Result<()> {
        let mut s = self.state().await;
        let Some(entry) = s.outbox.get_mut(id) else { bail!("no queued email {id}") };
        entry.message.status = OutboxStatus::Sent;
        entry.message.link_nonce = None;
        entry.lease_until = None;
        Ok(())
    }

    async fn mark_outbox_failed(
        &self,
        message: &OutboxMessage,
        error: &str,
        next_attempt_at: i64,
        dead: bool,
    ) -> anyhow::Result<()> {
        let mut s = self.state().await;
        let Some(entry) = s.outbox.get_mut(&message.outbox_id) else { bail!("no queued email {}", message.outbox_id) };
        entry.message.status = if dead { OutboxStatus::Dead } else { OutboxStatus::Pending };
        entry.message.attempts = message.attempts + 1;
        entry.message.next_attempt_at = next_attempt_at;
        entry.message.last_error = Some(error.to_owned());
        entry.lease_until = None;
        Ok(())
    }

    async fn due_outbox(&self, limit: i32) -> anyhow::Result<Vec<OutboxId>> {
        let s = self.state().await;
        let now = now_secs();
        let mut due: Vec<&OutboxEntry> = s
            .outbox
            .values()
            .filter(|e| e.message.status == OutboxStatus::Pending && e.message.next_attempt_at <= now)
            .collect();
        due.sort_by_key(|e| due_key(e));
        Ok(due
            .into_iter()
            .take(usize::try_from(limit.max(0)).unwrap_or(0))
            .map(|e| e.message.outbox_id.clone())
            .collect())
    }

    async fn list_outbox(&self, status: OutboxStatus, cursor: Option<&str>, limit: i32) -> Listing<OutboxMessage> {
        let s = self.state().await;
        let dead = status == OutboxStatus::Dead;
        let mut items: Vec<(String, OutboxMessage)> = s
            .outbox
            .values()
            .filter(|e| {
                if dead { e.message.status == OutboxStatus::Dead } else { e.message.status == OutboxStatus::Pending }
            })
            .map(|e| (due_key(e), e.message.clone()))
            .collect();
        // Dead ones most recently given up first, as the table's index is read.
        items.sort_by(|a, b| if dead { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) });
        Ok(page(if dead { "outbox/dead" } else { "outbox/pending" }, items, dead, cursor, limit))
    }
}

#[async_trait]
impl RateLimits for MemoryStore {
    async fn count_and_queue(&self, hits: &[Hit], emails: &[&OutboxMessage]) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = check([
            (s.blocked(hits), Conflict::RateLimited),
            (emails.iter().any(|m| s.queued(m)), Conflict::Duplicate),
        ]);
        if outcome.is_ok() {
            s.apply(hits);
            for email in emails {
                s.queue(email);
            }
        }
        self.record("count_and_queue", &outcome);
        outcome
    }
}
