//! Reads of several items of different families in one round trip (one BatchGetItem,
//! strongly consistent): what a step needs before it acts, read together.

use async_trait::async_trait;

use super::attrs::{Item, from_item};
use super::{DynamoStore, keys, rate_limits};
use crate::domain::ids::BusinessId;
use crate::ports::{Found, Lookups, Wanted};

/// Reads an optional item into its record.
fn record<T: serde::de::DeserializeOwned>(item: Option<Item>) -> anyhow::Result<Option<T>> {
    item.map(from_item).transpose()
}

#[async_trait]
impl Lookups for DynamoStore {
    async fn look_up(&self, wanted: &Wanted<'_>) -> anyhow::Result<Found> {
        let mut wanted_keys = Vec::new();
        let mut slot = |key: Option<keys::Key>| {
            key.map(|key| {
                wanted_keys.push(key);
                wanted_keys.len() - 1
            })
        };
        let email = slot(wanted.email.map(keys::email));
        let user = slot(wanted.user.map(keys::user));
        let business = slot(wanted.business.map(keys::profile));
        let token = slot(wanted.token.map(keys::link_token));
        let login = slot(wanted.login.map(keys::login));
        let link = slot(wanted.link.map(|(partner, customer)| keys::customer_of(partner, customer)));
        let counters: Vec<usize> =
            wanted.counters.iter().filter_map(|c| slot(Some(rate_limits::counter_key(c)))).collect();
        if wanted_keys.is_empty() {
            return Ok(Found::default());
        }
        let mut items = self.get_many(&wanted_keys, "Failed to read what the step needs").await?;
        let mut take = |at: Option<usize>| at.and_then(|at| items[at].take());
        let marker = take(email);
        let marker_id = |name: &str| {
            marker.as_ref().and_then(|m| m.get(name)).and_then(|v| v.as_s().ok()).and_then(|id| BusinessId::parse(id))
        };
        let (owner_business, owner_active) = (marker_id("business_id"), marker_id("active_business"));
        let counts: Vec<Option<Item>> = counters.iter().map(|at| take(Some(*at))).collect();
        Ok(Found {
            email_owner: record(marker)?,
            owner_business,
            owner_active,
            user: record(take(user))?,
            business: record(take(business))?,
            token: record(take(token))?,
            login: record(take(login))?,
            link: record(take(link))?,
            counters: counts.iter().map(|item| rate_limits::count_of(item.as_ref())).collect(),
        })
    }
}
