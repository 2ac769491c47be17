//! Page cursors: the key of the last item of a page, opaque to the client (URL-safe base64
//! of its JSON), and accepted back only for the partition it came from.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::attrs::{Item, s};
use crate::ports::BadCursor;

const KEY_ATTRIBUTES: [&str; 4] = ["PK", "SK", "GSI1PK", "GSI1SK"];

/// The cursor of the page that starts after the item with this key.
pub(super) fn encode(key: &Item) -> String {
    let plain: HashMap<&str, &str> = key
        .iter()
        .filter(|(k, _)| KEY_ATTRIBUTES.contains(&k.as_str()))
        .filter_map(|(k, v)| v.as_s().ok().map(|v| (k.as_str(), v.as_str())))
        .collect();
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&plain).unwrap_or_default())
}

/// The start key a cursor stands for. A cursor is accepted only for the partition it came
/// from (`pk_name` holds `partition`), so a crafted cursor can't steer a query anywhere
/// else (and can't make DynamoDB fail with a 500).
pub(super) fn decode(cursor: &str, pk_name: &str, partition: &str) -> Result<Item, BadCursor> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| BadCursor)?;
    let plain: HashMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| BadCursor)?;
    if plain.get(pk_name).map(String::as_str) != Some(partition)
        || plain.keys().any(|k| !KEY_ATTRIBUTES.contains(&k.as_str()))
        || !plain.contains_key("PK")
        || !plain.contains_key("SK")
    {
        return Err(BadCursor);
    }
    Ok(plain.into_iter().map(|(k, v)| (k, s(v))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_only_within_its_partition() {
        let key = Item::from([("PK".to_owned(), s("BUS#a")), ("SK".to_owned(), s("PARTNER#b"))]);
        let cursor = encode(&key);
        assert_eq!(decode(&cursor, "PK", "BUS#a").unwrap(), key);
        assert!(decode(&cursor, "PK", "BUS#other").is_err());
        assert!(decode("not-a-cursor", "PK", "BUS#a").is_err());
    }

    #[test]
    fn a_cursor_of_the_index_names_its_index_partition() {
        let key = Item::from([
            ("PK".to_owned(), s("REQ#1")),
            ("SK".to_owned(), s("REQ")),
            ("GSI1PK".to_owned(), s("REQ#pending")),
            ("GSI1SK".to_owned(), s("2026-01-01T00:00:00Z#1")),
            ("email".to_owned(), s("not part of a key")),
        ]);
        let cursor = encode(&key);
        assert_eq!(decode(&cursor, "GSI1PK", "REQ#pending").unwrap().len(), 4);
        assert!(decode(&cursor, "GSI1PK", "REQ#approved").is_err());
    }
}
