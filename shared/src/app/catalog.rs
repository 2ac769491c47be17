//! The product catalog: the Zscaler product families and their products, shipped as data
//! (`shared/data/catalog.json`, loaded by the local stack at start and by
//! `portal-admin seed-catalog` in a deployed stack), read by every signed-in user, and
//! maintained by admins (add, rename, move, retire). The product views read it from the
//! function's memory ([`CatalogCache`]), at most once a minute.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{App, AppError, Caller};
use crate::domain::account::Role;
use crate::domain::catalog::{Note, Product, ProductId};
use crate::domain::fields::{FieldErrors, Text};
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{MAX_PAGE, Page};

/// The most products the catalog holds: every customer's product views read all of it, and
/// the API documents at most this many per list.
pub const MAX_PRODUCTS: usize = 100;

/// How long a function keeps the catalog in memory before reading it again.
pub const CATALOG_TTL: Duration = Duration::from_secs(60);

/// What time it is, for the cache (a test gives its own clock).
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// The whole catalog as a function keeps it between requests: read at most once per
/// time-to-live, so that a product view reads only the customer's own items. The catalog
/// is tens of products that admins rarely change: a function that changes it forgets its
/// copy at once; the others show the change within the time-to-live.
pub struct CatalogCache {
    ttl: Duration,
    clock: Clock,
    kept: Mutex<Option<(Instant, Arc<Vec<Product>>)>>,
}

impl CatalogCache {
    /// A cache that keeps the catalog for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self::with_clock(ttl, Arc::new(Instant::now))
    }

    /// A cache that reads the time from `clock`.
    pub fn with_clock(ttl: Duration, clock: Clock) -> Self {
        Self { ttl, clock, kept: Mutex::new(None) }
    }

    /// The kept catalog if it is younger than the time-to-live, else what `load` reads
    /// (then kept). A failed read keeps nothing.
    ///
    /// # Errors
    /// When `load` fails.
    pub async fn get_or_load(
        &self,
        load: impl Future<Output = anyhow::Result<Vec<Product>>>,
    ) -> anyhow::Result<Arc<Vec<Product>>> {
        let now = (self.clock)();
        if let Some((read_at, products)) = self.kept.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
            && now.saturating_duration_since(*read_at) < self.ttl
        {
            return Ok(products.clone());
        }
        let products = Arc::new(load.await?);
        *self.kept.lock().unwrap_or_else(PoisonError::into_inner) = Some((now, products.clone()));
        Ok(products)
    }

    /// Forgets the kept catalog (this function changed it).
    pub fn forget(&self) {
        *self.kept.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

impl Default for CatalogCache {
    fn default() -> Self {
        Self::new(CATALOG_TTL)
    }
}

/// The whole catalog (retired products included), from this function's memory when it was
/// read less than [`CATALOG_TTL`] ago.
///
/// # Errors
/// `Unavailable` when the catalog has to be read and cannot be.
pub async fn all_products(app: &App) -> Result<Arc<Vec<Product>>, AppError> {
    Ok(app.catalog.get_or_load(app.store.all_products()).await?)
}

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
    app.catalog.forget();
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
    app.catalog.forget();
    tracing::info!(created, retired = product.retired, "Product saved");
    Ok((product, created))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    use super::*;

    /// A clock that stands still until the test moves it.
    fn manual_clock() -> (Clock, Arc<AtomicU64>) {
        let start = Instant::now();
        let elapsed_secs = Arc::new(AtomicU64::new(0));
        let at = elapsed_secs.clone();
        (Arc::new(move || start + Duration::from_secs(at.load(Ordering::SeqCst))), elapsed_secs)
    }

    #[tokio::test]
    async fn the_catalog_is_read_once_a_minute_and_again_once_forgotten() {
        // Arrange
        let (clock, elapsed) = manual_clock();
        let cache = CatalogCache::with_clock(CATALOG_TTL, clock);
        let reads = AtomicUsize::new(0);
        let load = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            shipped_products()
        };

        // Act and assert: within the minute, from memory; at the minute, read again
        cache.get_or_load(load()).await.unwrap();
        elapsed.store(59, Ordering::SeqCst);
        cache.get_or_load(load()).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        elapsed.store(60, Ordering::SeqCst);
        let products = cache.get_or_load(load()).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        assert_eq!(products.len(), shipped_products().unwrap().len());
        cache.forget();
        cache.get_or_load(load()).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failed_read_keeps_nothing() {
        let (clock, _) = manual_clock();
        let cache = CatalogCache::with_clock(CATALOG_TTL, clock);
        assert!(cache.get_or_load(async { anyhow::bail!("the table is away") }).await.is_err());
        let products = cache.get_or_load(async { shipped_products() }).await.unwrap();
        assert!(!products.is_empty());
    }

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
