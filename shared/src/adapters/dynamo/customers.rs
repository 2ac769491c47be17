//! Customers that a partner creates and manages: the account, its business, both sides of
//! the (managed) link and the audit event are written together, and so are later changes of
//! its details with theirs.

use async_trait::async_trait;

use super::attrs::s;
use super::expr::Expr;
use super::write::Write;
use super::{DynamoStore, audit, keys, outbox, partners, profiles, users};
use crate::domain::records::{AuditEvent, Business, EmailOwner, OutboxMessage, PartnerLink, User};
use crate::ports::{Conflict, ManagedCustomers, WriteError};

#[async_trait]
impl ManagedCustomers for DynamoStore {
    async fn create_managed_customer(
        &self,
        user: &User,
        business: &Business,
        link: &PartnerLink,
        audit: &AuditEvent,
        outbox: Option<&OutboxMessage>,
    ) -> Result<(), WriteError> {
        let owner = EmailOwner::user(user, Some(&business.name));
        let mut writes =
            vec![users::claim_email(&user.email, &owner)?, users::new_user(user)?, profiles::new_business(business)?];
        writes.extend(partners::link(link)?);
        writes.push(audit::record_event(audit)?);
        if let Some(outbox) = outbox {
            writes.extend(outbox::queue(outbox)?);
        }
        self.transact(writes, "Failed to create the customer").await
    }

    async fn update_customer_details(
        &self,
        user: &User,
        business: &Business,
        link: &PartnerLink,
        renamed: bool,
        audit: &AuditEvent,
    ) -> Result<(), WriteError> {
        let mut contact = Expr::default();
        contact.set("first_name", s(&user.first_name)).set("last_name", s(&user.last_name));
        let mut writes = vec![
            Write::update(&keys::user(&user.user_id), contact).when("attribute_exists(PK)", Conflict::Missing),
            audit::record_event(audit)?,
        ];
        if renamed {
            // A rename is a profile edit too: raising the version makes a concurrent edit of
            // the profile page fail its version check instead of silently undoing it.
            let mut profile = Expr::default();
            profiles::set_name(&mut profile, &business.name, &business.business_id);
            profile.increment("version");
            writes.push(
                Write::update(&keys::profile(&business.business_id), profile)
                    .when("attribute_exists(PK)", Conflict::Missing),
            );
            writes.push(profiles::rename_on_link(
                &keys::customer_of(&link.partner_id, &link.customer_id),
                &business.name,
            ));
            writes
                .push(profiles::rename_on_link(&keys::partner_of(&link.customer_id, &link.partner_id), &business.name));
        }
        self.transact(writes, "Failed to update the customer").await
    }
}
