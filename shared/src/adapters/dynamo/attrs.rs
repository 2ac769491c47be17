//! Attribute values and records: how a domain record becomes an item and back.

use std::collections::HashMap;

use anyhow::Context as _;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An item, or the key of one, as the SDK takes it.
pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Any serialisable value as an attribute (a map for a struct, a list for a vector).
pub(super) fn value<T: Serialize + ?Sized>(v: &T) -> anyhow::Result<AttributeValue> {
    serde_dynamo::to_attribute_value(v).context("Failed to serialise a value")
}

/// A record serialised, with its key (a `&Key` of `keys`).
pub(super) fn record<T: Serialize>(key: impl Into<Item>, record: &T) -> anyhow::Result<Item> {
    let mut item: Item = serde_dynamo::to_item(record).context("Failed to serialise a record")?;
    item.extend(key.into());
    Ok(item)
}

/// A record serialised, with its key and extra attributes (index keys, `ttl`).
pub(super) fn record_with<T: Serialize>(
    key: impl Into<Item>,
    rec: &T,
    extra: impl IntoIterator<Item = (&'static str, AttributeValue)>,
) -> anyhow::Result<Item> {
    let mut item = record(key, rec)?;
    item.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
    Ok(item)
}

pub(super) fn from_item<T: DeserializeOwned>(item: Item) -> anyhow::Result<T> {
    serde_dynamo::from_item(item).context("Failed to read a stored record")
}

/// A time as stored in attributes and sort keys (RFC 3339, so text order is time order).
pub(super) fn time_text(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// An enum's serialised name (`pending`, `set_password`), as conditions compare it.
pub(super) fn name_of<T: Serialize>(v: &T) -> anyhow::Result<String> {
    serde_json::to_value(v)?.as_str().map(str::to_owned).context("a unit variant serialises to a string")
}

pub(super) fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}
