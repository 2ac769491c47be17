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

fn version_number(version: u64) -> aws_sdk_dynamodb::types::AttributeValue {
    n(i64::try_from(version).unwrap_or(i64::MAX))
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
        expr.set("version", version_number(expected + 1));
        expr.set("updated_by", s(by.as_ref())).set("updated_at", s(time_text(OffsetDateTime::now_utc())));
        let version = name("version");
        let saved = if expected == 0 {
            Write::update(&keys::profile(business), expr)
                .when(format!("attribute_exists(PK) AND attribute_not_exists({version})"), Conflict::VersionConflict)
        } else {
            Write::update(&keys::profile(business), expr)
                .when(format!("{version} = :expected"), Conflict::VersionConflict)
                .bind(":expected", version_number(expected))
        };
        let mut writes = vec![saved];
        for partner in partners {
            writes.push(rename_on_link(&keys::customer_of(partner, business), &edit.name));
        }
        self.transact(writes, "Failed to save the business profile").await
    }
}
