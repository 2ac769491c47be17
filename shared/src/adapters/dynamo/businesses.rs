//! The business directory admins search (see `infra/TABLE.md`, "Business directory"): every
//! business's `PROFILE` item carries GSI1 keys `BUSINESS` / `<lower-cased name>#<id>`, written
//! when the business is created and again whenever it is renamed, so a name-prefix search is
//! one Query on one GSI1 partition, never a Scan.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{BadCursor, Page, Store, business_pk, decode_cursor, from_item, key, s};
use crate::domain::ids::BusinessId;
use crate::domain::profile::BusinessProfile;
use crate::domain::records::Business;

/// The GSI1 partition of the directory.
const DIRECTORY: &str = "BUSINESS";

/// How a name sorts and is searched: trimmed, inner runs of whitespace made one space,
/// lower-cased (Unicode-aware), so "  ACME   Corp" and "acme corp" are the same key.
pub fn directory_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The GSI1 keys that put a business in the directory under `name`. Every write that
/// creates a `PROFILE` item or changes its `name` sets them.
pub(crate) fn directory_keys(name: &str, id: &BusinessId) -> [(&'static str, AttributeValue); 2] {
    [("GSI1PK", s(DIRECTORY)), ("GSI1SK", s(format!("{}#{id}", directory_name(name))))]
}

impl Store {
    /// Businesses whose name starts with `prefix` (case-insensitive; every business for an
    /// empty prefix), by name, a page at a time. A cursor is only accepted for the same
    /// prefix, so it can never steer the query outside its key range.
    pub async fn search_businesses(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<Business>, BadCursor>> {
        let prefix = directory_name(prefix);
        if cursor.is_some_and(|c| !cursor_within(c, &prefix)) {
            return Ok(Err(BadCursor));
        }
        self.query_page(Some("GSI1"), DIRECTORY, &prefix, cursor, limit, "Failed to search businesses").await
    }

    /// A business's record and its profile, read from the one `PROFILE` item.
    pub async fn get_business_record(&self, id: &BusinessId) -> anyhow::Result<Option<(Business, BusinessProfile)>> {
        use anyhow::Context as _;
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(business_pk(id), "PROFILE")))
            .consistent_read(true)
            .send()
            .await
            .context("Failed to read a business")?;
        match out.item {
            None => Ok(None),
            Some(item) => Ok(Some((from_item(item.clone())?, from_item(item)?))),
        }
    }
}

/// Whether a cursor is a directory cursor whose position lies under `prefix`: a cursor
/// of another search would make DynamoDB refuse the query ("outside query boundaries").
fn cursor_within(cursor: &str, prefix: &str) -> bool {
    decode_cursor(cursor, "GSI1PK", DIRECTORY)
        .is_ok_and(|start| start.get("GSI1SK").and_then(|v| v.as_s().ok()).is_some_and(|sort| sort.starts_with(prefix)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::encode_cursor;
    use super::*;

    #[test]
    fn directory_names_ignore_case_and_extra_whitespace() {
        assert_eq!(directory_name("  ACME   Corp "), "acme corp");
        assert_eq!(directory_name("Ürün Ltd"), "ürün ltd");
        assert_eq!(directory_name(""), "");
    }

    #[test]
    fn directory_keys_sort_by_name_then_id() {
        let id = BusinessId::parse("b-1").unwrap();
        let [(pk_name, pk), (sk_name, sk)] = directory_keys("Globex Corp", &id);
        assert_eq!((pk_name, pk.as_s().unwrap().as_str()), ("GSI1PK", "BUSINESS"));
        assert_eq!((sk_name, sk.as_s().unwrap().as_str()), ("GSI1SK", "globex corp#b-1"));
    }

    #[test]
    fn a_cursor_is_only_good_for_the_search_it_came_from() {
        let cursor = encode_cursor(&HashMap::from([
            ("PK".to_owned(), s("BUS#b-2")),
            ("SK".to_owned(), s("PROFILE")),
            ("GSI1PK".to_owned(), s(DIRECTORY)),
            ("GSI1SK".to_owned(), s("initech#b-2")),
        ]));
        assert!(cursor_within(&cursor, ""));
        assert!(cursor_within(&cursor, "ini"));
        assert!(!cursor_within(&cursor, "glob"));
        let audit = encode_cursor(&HashMap::from([
            ("PK".to_owned(), s("BUS#b-2")),
            ("SK".to_owned(), s("AUDIT#1")),
            ("GSI1PK".to_owned(), s("AUDIT")),
            ("GSI1SK".to_owned(), s("initech")),
        ]));
        assert!(!cursor_within(&audit, "ini"));
        assert!(!cursor_within("garbage", ""));
    }
}
