//! Businesses and their profiles: one `PROFILE` item per business, read as a [`Business`]
//! (what every business has since sign-up) or as a [`BusinessProfile`] (with the sections
//! edited on the Business Profile page and the version that guards them).

use time::OffsetDateTime;

use async_trait::async_trait;

use super::attrs::{n, record_with, s, time_text, value};
use super::expr::{Expr, name};
use super::write::Write;
use super::{DynamoStore, keys};
use crate::domain::ids::{BusinessId, UserId};
use crate::domain::profile::{BusinessProfile, ProfileEdit};
use crate::domain::records::Business;
use crate::ports::{Conflict, Profiles, WriteError};

/// A business's item, in the admins' directory under its name.
fn business_item(business: &Business) -> anyhow::Result<super::attrs::Item> {
    let index = keys::directory_index(&business.name, &business.business_id);
    record_with(&keys::profile(&business.business_id), business, index)
}

/// A new business, only if its id is free.
pub(super) fn new_business(business: &Business) -> anyhow::Result<Write> {
    Ok(Write::put_new(business_item(business)?, Conflict::Duplicate))
}

/// A business, written whether or not it exists.
pub(super) fn put_business(business: &Business) -> anyhow::Result<Write> {
    Ok(Write::put(business_item(business)?))
}

/// Renames a business: its name and its place in the directory, in the same write.
pub(super) fn set_name(expr: &mut Expr, name: &str, id: &BusinessId) {
    expr.set("name", s(name));
    for (attr, v) in keys::directory_index(name, id) {
        expr.set(attr, v);
    }
}

/// Renames the customer on one side of a link, while the link exists (`PartnersChanged`
/// when it is gone).
pub(super) fn rename_on_link(key: &keys::Key, customer_name: &str) -> Write {
    let mut expr = Expr::default();
    expr.set("customer_name", s(customer_name));
    Write::update(key, expr).when("attribute_exists(PK)", Conflict::PartnersChanged)
}

/// How many partners' sides of the links a rename reaches in the transaction that saves the
/// profile (a transaction holds at most 100 writes).
const RENAMES_WITH_THE_PROFILE: usize = 99;

/// How many of the other links are renamed at once.
const RENAMES_AT_ONCE: usize = 16;

/// The name of profile version `version` on a partner's side of a link, recorded with that
/// version so that a late rename never overwrites a newer one.
fn name_at(expr: &mut Expr, customer_name: &str, version: u64) {
    expr.set("customer_name", s(customer_name)).set("name_version", version_number(version));
}

fn version_number(version: u64) -> aws_sdk_dynamodb::types::AttributeValue {
    n(i64::try_from(version).unwrap_or(i64::MAX))
}

impl DynamoStore {
    /// Gives the name of profile `version` to the links that did not fit in the saving
    /// transaction, a few at a time, each only while it exists and carries no newer name;
    /// then records on the profile that every link has it (unless someone saved since).
    /// A link that could not be renamed leaves the profile's `links_version` behind, and the
    /// next save renames every link again.
    async fn rename_after_save(&self, business: &BusinessId, name: &str, version: u64, partners: &[BusinessId]) {
        let mut failed = 0usize;
        for chunk in partners.chunks(RENAMES_AT_ONCE) {
            let mut renames = tokio::task::JoinSet::new();
            for partner in chunk {
                let mut expr = Expr::default();
                name_at(&mut expr, name, version);
                let write = Write::update(&keys::customer_of(partner, business), expr)
                    .when(
                        "attribute_exists(PK) AND (attribute_not_exists(#name_version) OR #name_version < :version)",
                        Conflict::PartnersChanged,
                    )
                    .bind(":version", version_number(version));
                let store = self.clone();
                renames.spawn(async move { store.write(write, "Failed to rename the customer on a link").await });
            }
            while let Some(done) = renames.join_next().await {
                match done {
                    // Gone, or renamed by a newer save: nothing to do.
                    Ok(Ok(_) | Err(WriteError::Conflict(_))) => {}
                    Ok(Err(WriteError::Unexpected(e))) => {
                        failed += 1;
                        tracing::warn!(error = ?e, "A partner's link kept the customer's old name; the next save renames it");
                    }
                    Err(e) => {
                        failed += 1;
                        tracing::warn!(error = ?e, "A rename of a partner's link did not finish");
                    }
                }
            }
        }
        if failed > 0 {
            return;
        }
        let mut expr = Expr::default();
        expr.set("links_version", version_number(version));
        let done = Write::update(&keys::profile(business), expr)
            .when("#version = :version", Conflict::VersionConflict)
            .bind(":version", version_number(version));
        match self.write(done, "Failed to record that every link has the name").await {
            Ok(_) | Err(WriteError::Conflict(_)) => {}
            Err(WriteError::Unexpected(e)) => {
                tracing::warn!(error = ?e, "Every link has the new name, but the profile could not say so");
            }
        }
    }
}

#[async_trait]
impl Profiles for DynamoStore {
    async fn get_business(&self, id: &BusinessId) -> anyhow::Result<Option<Business>> {
        self.get(&keys::profile(id), "Failed to read a business").await
    }

    async fn get_profile(&self, business: &BusinessId) -> anyhow::Result<Option<BusinessProfile>> {
        self.get(&keys::profile(business), "Failed to read a business profile").await
    }

    /// One transaction: the profile update conditioned on its version, and a conditioned
    /// update of each partner's side of the link.
    async fn update_profile(
        &self,
        business: &BusinessId,
        expected: u64,
        edit: &ProfileEdit,
        by: &UserId,
        partners: &[BusinessId],
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        // The directory follows the name (and an item written before it existed joins it on
        // its first save).
        set_name(&mut expr, &edit.name, business);
        expr.set("website", s(&edit.website));
        expr.set_opt("phone", edit.phone.as_ref())?;
        expr.set("address", value(&edit.address)?);
        expr.set_opt("industry", edit.industry.as_ref())?;
        expr.set_opt("employee_count", edit.employee_count.as_ref())?;
        expr.set("contacts", value(&edit.contacts)?);
        let version = expected + 1;
        let (with_profile, after) = partners.split_at(partners.len().min(RENAMES_WITH_THE_PROFILE));
        expr.set("version", version_number(version));
        // Every link has the name once this transaction holds, or once the renames after it
        // are done (until then the profile says the links are behind).
        expr.set("links_version", version_number(if after.is_empty() { version } else { expected }));
        expr.set("updated_by", s(by.as_ref())).set("updated_at", s(time_text(OffsetDateTime::now_utc())));
        let version_attr = name("version");
        let saved = if expected == 0 {
            Write::update(&keys::profile(business), expr).when(
                format!("attribute_exists(PK) AND attribute_not_exists({version_attr})"),
                Conflict::VersionConflict,
            )
        } else {
            Write::update(&keys::profile(business), expr)
                .when(format!("{version_attr} = :expected"), Conflict::VersionConflict)
                .bind(":expected", version_number(expected))
        };
        let mut writes = vec![saved];
        for partner in with_profile {
            let mut renamed = Expr::default();
            name_at(&mut renamed, &edit.name, version);
            writes.push(
                Write::update(&keys::customer_of(partner, business), renamed)
                    .when("attribute_exists(PK)", Conflict::PartnersChanged),
            );
        }
        self.transact(writes, "Failed to save the business profile").await?;
        if !after.is_empty() {
            self.rename_after_save(business, &edit.name, version, after).await;
        }
        Ok(())
    }
}
