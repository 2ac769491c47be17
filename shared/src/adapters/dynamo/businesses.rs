//! The business directory admins search: every business's `PROFILE` item is also on GSI1
//! under `BUSINESS` / `<directory name>#<id>` (set by every write that creates it or changes
//! its name, see `profiles.rs`), so a name-prefix search is one Query of one GSI1 partition,
//! never a Scan.

use anyhow::Context as _;
use async_trait::async_trait;

use super::read::Query;
use super::{DynamoStore, keys};
use crate::domain::ids::BusinessId;
use crate::domain::profile::{BusinessProfile, directory_name};
use crate::domain::records::Business;
use crate::ports::{BusinessDirectory, Listing};

#[async_trait]
impl BusinessDirectory for DynamoStore {
    async fn search_businesses(&self, prefix: &str, cursor: Option<&str>, limit: i32) -> Listing<Business> {
        let query = Query::index(keys::DIRECTORY).prefix(&directory_name(prefix));
        self.page(&query, cursor, limit, "Failed to search businesses").await
    }

    /// One GetItem: the item is read as plain data, then as both records.
    async fn get_business_record(&self, id: &BusinessId) -> anyhow::Result<Option<(Business, BusinessProfile)>> {
        let item: Option<serde_json::Value> = self.get(&keys::profile(id), "Failed to read a business").await?;
        item.map(|item| {
            let business = serde_json::from_value(item.clone()).context("Failed to read a stored business")?;
            let profile = serde_json::from_value(item).context("Failed to read a stored business profile")?;
            Ok((business, profile))
        })
        .transpose()
    }
}
