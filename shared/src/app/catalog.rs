//! The product catalog: the Zscaler product families and their products, shipped as data
//! (`shared/data/catalog.json`, loaded by the local stack at start and by
//! `portal-admin seed-catalog` in a deployed stack), read by every signed-in user, and
//! maintained by admins (add, rename, move, retire).

use serde::Deserialize;

use super::{App, AppError, Caller};
use crate::domain::account::Role;
use crate::domain::catalog::{Note, Product, ProductId};
use crate::domain::fields::{FieldErrors, Text};
use crate::ports::{MAX_PAGE, Page};

/// The most products the catalog holds: every customer's product views read all of it, and
/// the API documents at most this many per list.
pub const MAX_PRODUCTS: usize = 100;

/// The catalog as shipped.
pub const SHIPPED_CATALOG: &str = include_str!("../../data/catalog.json");

#[derive(Deserialize)]
struct ShippedCatalog {
    sections: Vec<ShippedSection>,
}

#[derive(Deserialize)]
struct ShippedSection {
    name: String,
    products: Vec<ShippedProduct>,
}

#[derive(Deserialize)]
struct ShippedProduct {
    product_id: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
}

/// The shipped catalog as products, in display order (sections, then products).
///
/// # Errors
/// When the data file is malformed: a defect, caught by a unit test.
pub fn shipped_products() -> anyhow::Result<Vec<Product>> {
    let catalog: ShippedCatalog = serde_json::from_str(SHIPPED_CATALOG)?;
    let mut products = Vec::new();
    for (s, section) in catalog.sections.into_iter().enumerate() {
        for (p, product) in section.products.into_iter().enumerate() {
            let product_id = ProductId::parse(&product.product_id)
                .ok_or_else(|| anyhow::anyhow!("catalog.json: bad product id {:?}", product.product_id))?;
            products.push(Product {
                product_id,
                name: product.name,
                section: section.name.clone(),
                description: product.description,
                position: u32::try_from(s * 100 + p)?,
                retired: false,
            });
        }
    }
    Ok(products)
}

/// Adds the shipped products that the table does not have yet; products an admin changed
/// are left alone. Returns how many were added.
#[tracing::instrument(name = "Seed the catalog", skip_all)]
pub async fn seed(app: &App) -> anyhow::Result<usize> {
    let added = app.store.seed_catalog(&shipped_products()?).await?;
    tracing::info!(added, "Catalog seeded");
    Ok(added)
}

/// One page of the catalog. Retired products are listed for admins only.
pub async fn list(app: &App, caller: &Caller, cursor: Option<&str>, limit: i32) -> Result<Page<Product>, AppError> {
    let mut page = app.store.list_catalog(cursor, limit.clamp(1, MAX_PAGE)).await??;
    if caller.user.role != Role::Admin {
        page.items.retain(|p| !p.retired);
    }
    Ok(page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    pub name: Option<String>,
    pub section: Option<String>,
    pub description: Option<String>,
    pub position: Option<u32>,
    pub retired: Option<bool>,
}

/// Adds a product or changes one (rename, move to another section, retire with
/// `retired: true`, bring back with `false`). Admins only. `true` when it is new.
///
/// # Errors
/// `NotFound` for a product id that could not be one; `Validation` for the fields.
#[tracing::instrument(name = "Add or change a product", skip_all, fields(product_id = %product_id))]
pub async fn upsert(
    app: &App,
    caller: &Caller,
    product_id: &str,
    form: &ProductForm,
) -> Result<(Product, bool), AppError> {
    caller.require(Role::Admin)?;
    let product_id = ProductId::parse(product_id).ok_or_else(|| {
        AppError::Validation(FieldErrors::single(
            "product_id",
            "Use 1 to 64 lowercase letters, digits and dashes, such as zia-business.",
        ))
    })?;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", Text::parse(form.name.as_deref(), 120));
    let section = errors.check("section", Text::parse(form.section.as_deref(), 80));
    let description = errors.check("description", Note::parse_optional(form.description.as_deref(), 1000)).flatten();
    let (Some(name), Some(section)) = (name, section) else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let existing = app.store.get_product(&product_id).await?;
    if existing.is_none() && app.store.all_products().await?.len() >= MAX_PRODUCTS {
        return Err(AppError::conflict(
            "catalog_full",
            format!(
                "The catalog holds at most {MAX_PRODUCTS} products; retire and reuse one, or change an existing one."
            ),
        ));
    }
    let product = Product {
        position: form.position.or(existing.as_ref().map(|p| p.position)).unwrap_or(9_999),
        retired: form.retired.or(existing.as_ref().map(|p| p.retired)).unwrap_or(false),
        product_id,
        name: name.to_string(),
        section: section.to_string(),
        description: description.map(|d| d.as_ref().to_owned()),
    };
    let created = app.store.put_product(&product).await?;
    tracing::info!(created, retired = product.retired, "Product saved");
    Ok((product, created))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_shipped_catalog_has_the_zscaler_families_and_unique_ids() {
        let products = shipped_products().unwrap();
        let ids: HashSet<_> = products.iter().map(|p| p.product_id.clone()).collect();
        assert_eq!(ids.len(), products.len(), "product ids are unique");
        assert!(products.len() <= 100, "one seeding transaction");
        let sections: HashSet<_> = products.iter().map(|p| p.section.as_str()).collect();
        for family in ["Internet Access", "Private Access", "Digital Experience", "Data Protection"] {
            assert!(sections.contains(family), "{family}");
        }
        assert!(products.windows(2).all(|w| w[0].position < w[1].position));
    }
}
