//! Several items of different families read together, in memory. The fake's email markers
//! always know their user's business (the table's record it on markers written since they
//! did).

use async_trait::async_trait;

use super::MemoryStore;
use crate::domain::records::EmailOwner;
use crate::ports::{Found, Lookups, Wanted};

#[async_trait]
impl Lookups for MemoryStore {
    async fn look_up(&self, wanted: &Wanted<'_>) -> anyhow::Result<Found> {
        let s = self.state().await;
        let email_owner = wanted.email.and_then(|email| s.emails.get(email).cloned());
        let owner = match &email_owner {
            Some(EmailOwner::User { user_id, .. }) => s.users.get(user_id),
            _ => None,
        };
        let owner_business = owner.map(|u| u.business_id.clone());
        // The choice is on the user; the table's marker records it in the same write.
        let owner_active = owner.and_then(|u| u.active_business.clone());
        Ok(Found {
            email_owner,
            owner_business,
            owner_active,
            user: wanted.user.and_then(|id| s.users.get(id).cloned()),
            business: wanted.business.and_then(|id| s.businesses.get(id).map(|item| item.business.clone())),
            token: wanted.token.and_then(|hash| s.tokens.get(hash).cloned()),
            login: wanted.login.and_then(|id| s.logins.get(id).cloned()),
            link: wanted
                .link
                .and_then(|(partner, customer)| s.customer_side.get(&(partner.clone(), customer.clone())).cloned()),
            counters: wanted
                .counters
                .iter()
                .map(|c| s.rate_windows.get(&(c.bucket.clone(), c.window_start)).copied().unwrap_or(0))
                .collect(),
        })
    }
}
