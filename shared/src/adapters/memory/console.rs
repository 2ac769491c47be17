//! The business directory and logins, in memory.

use async_trait::async_trait;

use super::state::{MemoryStore, check, page};
use crate::domain::account::UserStatus;
use crate::domain::ids::{BusinessId, UserId};
use crate::domain::mfa::{ChallengeKey, LoginChallenge};
use crate::domain::profile::{BusinessProfile, directory_name};
use crate::domain::records::{Business, EmailOwner};
use crate::domain::session::{LoginSession, SessionId, SessionKey, StoredSession};
use crate::ports::{BusinessDirectory, CardUse, Conflict, Listing, Sessions, WriteError};

#[async_trait]
impl BusinessDirectory for MemoryStore {
    async fn search_businesses(&self, prefix: &str, cursor: Option<&str>, limit: i32) -> Listing<Business> {
        let prefix = directory_name(prefix);
        let s = self.state().await;
        let mut found: Vec<(String, Business)> = s
            .businesses
            .values()
            .map(|item| (format!("{}#{}", directory_name(&item.business.name), item.business.business_id), item))
            .filter(|(key, _)| key.starts_with(&prefix))
            .map(|(key, item)| (key, item.business.clone()))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        // A cursor of another search names another listing.
        Ok(page(&format!("directory/{prefix}"), found, false, cursor, limit))
    }

    async fn get_business_record(&self, id: &BusinessId) -> anyhow::Result<Option<(Business, BusinessProfile)>> {
        Ok(self.state().await.businesses.get(id).map(|item| (item.business.clone(), item.profile.clone())))
    }
}

#[async_trait]
impl Sessions for MemoryStore {
    async fn start_login(
        &self,
        id: &SessionId,
        login: &LoginSession,
        refresh: &SessionKey,
        session: &StoredSession,
        challenge: Option<&ChallengeKey>,
        card: CardUse<'_>,
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let user = s.users.get(&login.user_id);
        let admitted = user.is_some_and(|user| {
            let shown = card.check.is_none_or(|(shown, business)| {
                (&user.business_id, &user.first_name, &user.last_name, user.role, user.active_business.as_ref())
                    == (
                        business,
                        &shown.first_name,
                        &shown.last_name,
                        shown.role,
                        shown.active.as_ref().map(|(id, _)| id),
                    )
            });
            user.status == UserStatus::Active && user.sessions_valid_after_ms < login.auth_started_ms && shown
        });
        let in_step = card.check.is_none_or(|(shown, business)| {
            let named = shown
                .business_name
                .as_ref()
                .is_none_or(|name| s.businesses.get(business).is_some_and(|b| b.business.name == *name));
            let active = shown.active.as_ref().is_none_or(|(customer, name)| {
                s.customer_side.get(&(business.clone(), customer.clone())).is_some_and(|l| l.customer_name == *name)
            });
            named && active
        });
        let marked = card.write.is_none_or(|(email, _)| {
            matches!(s.emails.get(email), Some(EmailOwner::User { user_id, .. }) if *user_id == login.user_id)
        });
        let outcome = check([
            (s.logins.contains_key(id) || s.sessions.contains_key(refresh), Conflict::Duplicate),
            (!admitted, Conflict::SessionsEnded),
            (!in_step, Conflict::StaleCard),
            (!marked, Conflict::Missing),
            (challenge.is_some_and(|key| !s.challenges.contains_key(key)), Conflict::ChallengeUsed),
        ]);
        if outcome.is_ok() {
            if let Some(key) = challenge {
                s.challenges.remove(key);
            }
            if let Some((email, shown)) = card.write
                && let Some(EmailOwner::User { card, .. }) = s.emails.get_mut(email)
            {
                *card = Some(shown.clone());
            }
            s.logins.insert(id.clone(), login.clone());
            s.sessions.insert(refresh.clone(), session.clone());
        }
        self.record("start_login", &outcome);
        outcome
    }

    async fn start_challenge(&self, key: &ChallengeKey, challenge: &LoginChallenge) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = check([(s.challenges.contains_key(key), Conflict::Duplicate)]);
        if outcome.is_ok() {
            s.challenges.insert(key.clone(), challenge.clone());
        }
        self.record("start_challenge", &outcome);
        outcome
    }

    async fn get_challenge(&self, key: &ChallengeKey) -> anyhow::Result<Option<LoginChallenge>> {
        Ok(self.state().await.challenges.get(key).cloned())
    }

    async fn get_session(&self, key: &SessionKey) -> anyhow::Result<Option<StoredSession>> {
        Ok(self.state().await.sessions.get(key).cloned())
    }

    async fn end_sessions(&self, user: &UserId, at_ms: i64, refresh: Option<&SessionKey>) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = check([
            (!s.users.contains_key(user), Conflict::Missing),
            (refresh.is_some_and(|key| !s.sessions.contains_key(key)), Conflict::Missing),
        ]);
        if outcome.is_ok() {
            if let Some(user) = s.users.get_mut(user) {
                user.sessions_valid_after_ms = at_ms;
            }
            if let Some(session) = refresh.and_then(|key| s.sessions.get_mut(key)) {
                session.ended = true;
            }
        }
        self.record("end_sessions", &outcome);
        outcome
    }
}
