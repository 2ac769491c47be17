//! The business directory and login sessions, in memory.

use async_trait::async_trait;

use super::state::{MemoryStore, check, page};
use crate::domain::ids::BusinessId;
use crate::domain::profile::{BusinessProfile, directory_name};
use crate::domain::records::Business;
use crate::domain::session::{SessionKey, StoredSession};
use crate::ports::{BusinessDirectory, Conflict, Listing, Sessions, WriteError};

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
    async fn put_session(&self, key: &SessionKey, session: &StoredSession) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = check([(s.sessions.contains_key(key), Conflict::Duplicate)]);
        if outcome.is_ok() {
            s.sessions.insert(key.clone(), session.clone());
        }
        self.record("put_session", &outcome);
        outcome
    }

    async fn get_session(&self, key: &SessionKey) -> anyhow::Result<Option<StoredSession>> {
        Ok(self.state().await.sessions.get(key).cloned())
    }

    async fn end_session(&self, key: &SessionKey) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let live = s.sessions.get_mut(key).filter(|session| !session.ended);
        let outcome = check([(live.is_none(), Conflict::AlreadyEnded)]);
        if let Some(session) = live {
            session.ended = true;
        }
        self.record("end_session", &outcome);
        outcome
    }
}
