//! DynamoDB single-table store. Every item, key and access pattern is listed in
//! `infra/TABLE.md`; only GetItem, Query, conditional writes and transactions are used, never
//! Scan. Methods speak in domain records; no SDK type leaves this module.
//!
//! How it is built: `keys` holds every key, `attrs` turns records into items, `expr` builds
//! update expressions, `write` is the one way to write (alone or in a transaction, each
//! condition with the [`Conflict`](crate::ports::Conflict) it means), `read` the one way to
//! read (`lookups` reads what a step needs of several families in one round trip), and
//! `cursor` makes page cursors. Each remaining module implements the port
//! ([`crate::ports::store`]) of one family of items.

mod attrs;
mod audit;
mod businesses;
mod catalog;
mod cursor;
mod customers;
mod expr;
mod health;
mod impersonation;
mod keys;
mod lookups;
mod outbox;
mod partners;
mod products;
mod profiles;
mod rate_limits;
mod read;
mod requests;
mod sessions;
mod tokens;
mod users;
mod write;

use aws_sdk_dynamodb::Client;

/// The portal's table.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
}
