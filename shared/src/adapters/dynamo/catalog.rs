//! The product catalog: one partition, `CATALOG`, a product per item. Seeding adds only the
//! products that are missing, so products an admin changed are kept.

use super::attrs::record;
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, keys};
use crate::domain::catalog::{Product, ProductId};
use crate::ports::{BadCursor, Conflict, Page, WriteError};

/// A transaction holds at most 100 writes.
const MAX_TRANSACTION: usize = 100;

fn new_product(product: &Product) -> anyhow::Result<Write> {
    Ok(Write::put_new(record(&keys::product(&product.product_id), product)?, Conflict::Duplicate))
}

fn catalog() -> Query {
    Query::table(keys::CATALOG).prefix(keys::PRODUCT_PREFIX)
}

impl DynamoStore {
    pub async fn get_product(&self, id: &ProductId) -> anyhow::Result<Option<Product>> {
        self.get(&keys::product(id), "Failed to read a product").await
    }

    /// The catalog, a page at a time, by product id.
    pub async fn list_catalog(
        &self,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<Product>, BadCursor>> {
        self.page(&catalog(), cursor, limit, "Failed to list the catalog").await
    }

    /// The whole catalog (tens of products), for views that merge it with a customer's state.
    pub async fn all_products(&self) -> anyhow::Result<Vec<Product>> {
        self.all(&catalog(), "Failed to read the catalog").await
    }

    /// Adds or replaces a product; `true` if it is new.
    pub async fn put_product(&self, product: &Product) -> anyhow::Result<bool> {
        let write = Write::put(record(&keys::product(&product.product_id), product)?);
        let old = self.write(write, "Failed to store a product").await?;
        Ok(old.is_empty())
    }

    /// Adds the products that are not in the catalog yet and leaves the others as they are
    /// (an admin may have renamed or retired them). Returns how many were added.
    pub async fn seed_catalog(&self, products: &[Product]) -> anyhow::Result<usize> {
        let puts = |chunk: &[Product]| chunk.iter().map(new_product).collect::<anyhow::Result<Vec<_>>>();
        // A fresh table takes the whole catalog in one transaction per 100 products.
        let mut all_new = true;
        for chunk in products.chunks(MAX_TRANSACTION) {
            match self.transact(puts(chunk)?, "Failed to seed the catalog").await {
                Ok(()) => {}
                Err(WriteError::Conflict(Conflict::Duplicate)) => all_new = false,
                Err(e) => return Err(e.into()),
            }
        }
        if all_new {
            return Ok(products.len());
        }
        let mut added = 0;
        for product in products {
            match self.write(new_product(product)?, "Failed to seed a product").await {
                Ok(_) => added += 1,
                Err(WriteError::Conflict(Conflict::Duplicate)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(added)
    }
}
