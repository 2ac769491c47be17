//! The product catalog: one partition, `CATALOG`, a product per item. Seeding adds only the
//! products that are missing, so products an admin changed are kept.

use async_trait::async_trait;

use super::attrs::record;
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, keys};
use crate::domain::catalog::{Product, ProductId};
use crate::ports::{Catalog, Conflict, Listing, WriteError};

/// A transaction holds at most 100 writes.
const MAX_TRANSACTION: usize = 100;

fn new_product(product: &Product) -> anyhow::Result<Write> {
    Ok(Write::put_new(record(&keys::product(&product.product_id), product)?, Conflict::Duplicate))
}

fn catalog() -> Query {
    Query::table(keys::CATALOG).prefix(keys::PRODUCT_PREFIX)
}

#[async_trait]
impl Catalog for DynamoStore {
    async fn get_product(&self, id: &ProductId) -> anyhow::Result<Option<Product>> {
        self.get(&keys::product(id), "Failed to read a product").await
    }

    async fn list_catalog(&self, cursor: Option<&str>, limit: i32) -> Listing<Product> {
        self.page(&catalog(), cursor, limit, "Failed to list the catalog").await
    }

    async fn all_products(&self) -> anyhow::Result<Vec<Product>> {
        self.all(&catalog(), "Failed to read the catalog").await
    }

    async fn put_product(&self, product: &Product) -> anyhow::Result<bool> {
        let write = Write::put(record(&keys::product(&product.product_id), product)?);
        let old = self.write(write, "Failed to store a product").await?;
        Ok(old.is_empty())
    }

    async fn seed_catalog(&self, products: &[Product]) -> anyhow::Result<usize> {
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
