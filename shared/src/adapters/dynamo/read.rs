//! How the store reads: one item by key (GetItem, strongly consistent), several items by key
//! in one round trip (BatchGetItem, strongly consistent), or a [`Query`] of one partition of
//! the table or of GSI1, a page at a time or all of it. Never Scan.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use aws_sdk_dynamodb::types::KeysAndAttributes;
use serde::de::DeserializeOwned;

use super::DynamoStore;
use super::attrs::{Item, from_item, s};
use super::cursor;
use super::keys::{GSI1, Key};
use crate::ports::{BadCursor, MAX_PAGE, Page};

enum Sort {
    All,
    Prefix(String),
    UpTo(String),
}

/// A query of one partition.
pub(super) struct Query {
    index: Option<&'static str>,
    partition: String,
    sort: Sort,
    forward: bool,
    consistent: bool,
}

impl Query {
    /// Items of a partition of the table.
    pub fn table(partition: impl Into<String>) -> Self {
        Self { index: None, partition: partition.into(), sort: Sort::All, forward: true, consistent: false }
    }

    /// Items of a partition of GSI1.
    pub fn index(partition: impl Into<String>) -> Self {
        Self { index: Some(GSI1), ..Self::table(partition) }
    }

    /// Only items whose sort key starts with `prefix` (every item for an empty one).
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.sort = if prefix.is_empty() { Sort::All } else { Sort::Prefix(prefix.to_owned()) };
        self
    }

    /// Only items whose sort key is at most `last`.
    pub fn up_to(mut self, last: String) -> Self {
        self.sort = Sort::UpTo(last);
        self
    }

    /// In descending sort-key order.
    pub fn newest_first(mut self) -> Self {
        self.forward = false;
        self
    }

    /// Strongly consistent (table partitions only).
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    fn key_names(&self) -> (&'static str, &'static str) {
        if self.index.is_some() { ("GSI1PK", "GSI1SK") } else { ("PK", "SK") }
    }

    /// Whether a page may start after `start`: its sort key lies within the query's key
    /// condition (DynamoDB refuses a start key outside it, which a cursor of another search of
    /// the same partition would be).
    fn admits(&self, start: &Item) -> bool {
        let sort = start.get(self.key_names().1).and_then(|v| v.as_s().ok());
        match (&self.sort, sort) {
            (Sort::All, _) => true,
            (Sort::Prefix(prefix), Some(sort)) => sort.starts_with(prefix.as_str()),
            (Sort::UpTo(last), Some(sort)) => sort <= last,
            (_, None) => false,
        }
    }

    fn key_of(&self, item: &Item) -> Item {
        let names: &[&str] = if self.index.is_some() { &["PK", "SK", "GSI1PK", "GSI1SK"] } else { &["PK", "SK"] };
        names.iter().filter_map(|k| item.get(*k).map(|v| ((*k).to_owned(), v.clone()))).collect()
    }
}

impl DynamoStore {
    /// One item, or `None`.
    pub(super) async fn get<T: DeserializeOwned>(&self, key: &Key, what: &'static str) -> anyhow::Result<Option<T>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.item()))
            .consistent_read(true)
            .send()
            .await
            .context(what)?;
        out.item.map(from_item).transpose()
    }

    /// The items of `keys` (at most 100), each `None` when there is none, in one
    /// BatchGetItem. Keys DynamoDB leaves unprocessed (throttling) are asked again.
    pub(super) async fn get_many(&self, keys: &[Key], what: &'static str) -> anyhow::Result<Vec<Option<Item>>> {
        if keys.len() > 100 {
            bail!("{what}: a batch read takes at most 100 keys");
        }
        let mut found: HashMap<(String, String), Item> = HashMap::new();
        // DynamoDB refuses a batch that names a key twice.
        let mut pending: Vec<Item> =
            keys.iter().enumerate().filter(|(at, key)| !keys[..*at].contains(key)).map(|(_, key)| key.item()).collect();
        let mut round = 0u32;
        while !pending.is_empty() {
            let wanted = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .context("Failed to build a batch read")?;
            let out = self.client.batch_get_item().request_items(&self.table, wanted).send().await.context(what)?;
            for item in out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default() {
                let part = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                found.insert((part("PK"), part("SK")), item);
            }
            pending = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).map(|k| k.keys).unwrap_or_default();
            round += 1;
            anyhow::ensure!(round <= 5 || pending.is_empty(), "{what}: keys left unprocessed after 5 rounds");
            if !pending.is_empty() {
                tokio::time::sleep(Duration::from_millis(20 * u64::from(round))).await;
            }
        }
        Ok(keys.iter().map(|key| found.get(&(key.pk.clone(), key.sk.clone())).cloned()).collect())
    }

    fn query(&self, query: &Query) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let (pk, sk) = query.key_names();
        let request = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(query.index.map(str::to_owned))
            .expression_attribute_names("#pk", pk)
            .expression_attribute_values(":pk", s(&query.partition))
            .scan_index_forward(query.forward)
            .set_consistent_read(query.consistent.then_some(true));
        // DynamoDB refuses an empty begins_with prefix: a whole partition is just `#pk = :pk`.
        match &query.sort {
            Sort::All => request.key_condition_expression("#pk = :pk"),
            Sort::Prefix(prefix) => request
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :sort)")
                .expression_attribute_names("#sk", sk)
                .expression_attribute_values(":sort", s(prefix)),
            Sort::UpTo(last) => request
                .key_condition_expression("#pk = :pk AND #sk <= :sort")
                .expression_attribute_names("#sk", sk)
                .expression_attribute_values(":sort", s(last)),
        }
    }

    /// A page of at most `limit` items after `cursor`, and the cursor of the next page.
    /// `Err(BadCursor)` for a cursor that is not one of this partition's.
    pub(super) async fn page<T: DeserializeOwned>(
        &self,
        query: &Query,
        cursor: Option<&str>,
        limit: i32,
        what: &'static str,
    ) -> anyhow::Result<Result<Page<T>, BadCursor>> {
        let mut start = match cursor.map(|c| cursor::decode(c, query.key_names().0, &query.partition)).transpose() {
            Ok(start) if start.as_ref().is_none_or(|start| query.admits(start)) => start,
            Ok(_) | Err(_) => return Ok(Err(BadCursor)),
        };
        let want = usize::try_from(limit.max(1)).unwrap_or(1);
        let mut items: Vec<(Item, T)> = Vec::new();
        loop {
            let out = self
                .query(query)
                .set_exclusive_start_key(start.take())
                .limit(limit.max(1))
                .send()
                .await
                .context(what)?;
            for item in out.items.unwrap_or_default() {
                items.push((query.key_of(&item), from_item(item)?));
            }
            match out.last_evaluated_key {
                // DynamoDB's 1 MB page left the page short: read on.
                Some(last) if items.len() < want => start = Some(last),
                last => {
                    let more = last.is_some() || items.len() > want;
                    items.truncate(want);
                    let next_cursor = if more { items.last().map(|(key, _)| cursor::encode(key)) } else { None };
                    return Ok(Ok(Page { items: items.into_iter().map(|(_, item)| item).collect(), next_cursor }));
                }
            }
        }
    }

    /// The first `limit` items (for lists where the first page is what is wanted).
    pub(super) async fn first<T: DeserializeOwned>(
        &self,
        query: &Query,
        limit: i32,
        what: &'static str,
    ) -> anyhow::Result<Vec<T>> {
        let page = self.page(query, None, limit, what).await?.map_err(|_| anyhow!("{what}: no cursor was given"))?;
        Ok(page.items)
    }

    /// Every item (for bounded lists: the catalog, one customer's products).
    pub(super) async fn all<T: DeserializeOwned>(&self, query: &Query, what: &'static str) -> anyhow::Result<Vec<T>> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page: Page<T> = self
                .page(query, cursor.as_deref(), MAX_PAGE, what)
                .await?
                .map_err(|_| anyhow!("{what}: our own cursor was refused"))?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(items),
            }
        }
    }
}
