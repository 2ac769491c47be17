//! Partner-managed customers, impersonation sessions, invitation management and the audit
//! trail. Keys are in `infra/TABLE.md`.

use std::collections::HashMap;

use anyhow::Context as _;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::dashboard::Expr;
use super::{BadCursor, Item, Page, Store, WriteError, business_pk, email_pk, key, n, record_item, s, user_pk, with};
use crate::domain::account::UserStatus;
use crate::domain::ids::{BusinessId, InvitationId, UserId};
use crate::domain::records::{
    AuditEvent, Business, EmailOwner, Impersonation, Invitation, OutboxMessage, PartnerLink, User,
};
use crate::domain::token::TokenHash;

const AUDIT_ALL: &str = "AUDIT";

fn audit_sort(event: &AuditEvent) -> String {
    let millis = event.at.unix_timestamp_nanos() / 1_000_000;
    format!("AUDIT#{millis:015}#{}", event.event_id)
}

fn impersonation_pk(hash: &TokenHash) -> String {
    format!("IMP#{}", hash.as_ref())
}

fn status_name(status: UserStatus) -> anyhow::Result<String> {
    serde_json::to_value(status)?.as_str().map(str::to_owned).context("a status is a string")
}

impl Store {
    pub(super) fn audit_item(&self, event: &AuditEvent) -> anyhow::Result<Item> {
        let sort = audit_sort(event);
        Ok(with(
            record_item(business_pk(&event.business_id), &sort, event)?,
            &[("GSI1PK", s(AUDIT_ALL)), ("GSI1SK", s(sort.trim_start_matches("AUDIT#")))],
        ))
    }

    /// Records an audit event.
    pub async fn put_audit(&self, event: &AuditEvent) -> anyhow::Result<()> {
        self.put_one(self.audit_item(event)?, false, "Failed to record an audit event").await
    }

    /// A business's audit trail, newest first.
    pub async fn list_audit(
        &self,
        business: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<AuditEvent>, BadCursor>> {
        let partition = business_pk(business);
        self.query_page_in_order(None, &partition, "AUDIT#", cursor, limit, false, "Failed to read the audit trail")
            .await
    }

    /// Every business's audit trail, newest first (admins).
    pub async fn list_all_audit(
        &self,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<AuditEvent>, BadCursor>> {
        self.query_page_in_order(Some("GSI1"), AUDIT_ALL, "", cursor, limit, false, "Failed to read the audit trail")
            .await
    }

    /// Creates a customer account for a partner: the email claimed (conflict at 0 when it
    /// is taken), the user, the business, the partner links, the audit event and the email,
    /// all or nothing.
    pub async fn create_managed_customer(
        &self,
        user: &User,
        business: &Business,
        link: &PartnerLink,
        audit: &AuditEvent,
        outbox: Option<&OutboxMessage>,
    ) -> Result<(), WriteError> {
        let owner = EmailOwner::User { user_id: user.user_id.clone() };
        let mut items = vec![
            self.new_put(record_item(email_pk(&user.email), "EMAIL", &owner)?)?,
            self.new_put(record_item(user_pk(&user.user_id), "USER", user)?)?,
            self.new_put(with(
                record_item(business_pk(&business.business_id), "PROFILE", business)?,
                &super::businesses::directory_keys(&business.name, &business.business_id),
            ))?,
        ];
        items.extend(self.link_items(link)?);
        items.push(self.new_put(self.audit_item(audit)?)?);
        if let Some(outbox) = outbox {
            items.push(self.outbox_put(outbox)?);
        }
        self.transact(items, "Failed to create the customer").await
    }

    /// Sets a user's status; locking also refuses every access token issued until now.
    pub async fn set_user_status(
        &self,
        id: &UserId,
        status: UserStatus,
        revoke_before: Option<i64>,
    ) -> Result<(), WriteError> {
        let mut values = vec![(":s", s(status_name(status)?))];
        let update = match revoke_before {
            Some(t) => {
                values.push((":t", n(t)));
                "SET #status = :s, tokens_valid_after = :t"
            }
            None => "SET #status = :s",
        };
        self.update(
            key(user_pk(id), "USER"),
            update,
            Some("attribute_exists(PK)"),
            &[("#status", "status")],
            &values,
            "Failed to change a user's status",
        )
        .await
        .map(|_| ())
    }

    /// Changes a managed customer's contact on the user and, when `renamed`, its business
    /// name on the business and both sides of the partner link, in one transaction.
    pub async fn update_customer_details(
        &self,
        user: &User,
        business: &Business,
        link: &PartnerLink,
        renamed: bool,
    ) -> Result<(), WriteError> {
        let exists = Some("attribute_exists(PK)");
        let mut contact = Expr::default();
        contact.set("first_name", s(&user.first_name)).set("last_name", s(&user.last_name));
        let mut items = vec![self.update_item(key(user_pk(&user.user_id), "USER"), &contact, exists)?];
        if renamed {
            // A rename is a profile edit too: raising the version makes a concurrent edit of
            // the profile page fail its version check instead of silently undoing it.
            let mut profile = Expr::default();
            profile.set("name", s(&business.name)).increment("version");
            for (attr, value) in super::businesses::directory_keys(&business.name, &business.business_id) {
                profile.set(attr, value);
            }
            let mut link_name = Expr::default();
            link_name.set("customer_name", s(&business.name));
            let partner_side = key(business_pk(&link.partner_id), format!("CUSTOMER#{}", link.customer_id));
            let customer_side = key(business_pk(&link.customer_id), format!("PARTNER#{}", link.partner_id));
            items.push(self.update_item(key(business_pk(&business.business_id), "PROFILE"), &profile, exists)?);
            items.push(self.update_item(partner_side, &link_name, exists)?);
            items.push(self.update_item(customer_side, &link_name, exists)?);
        }
        self.transact(items, "Failed to update the customer").await
    }

    // ---- impersonation ---------------------------------------------------------------

    pub async fn put_impersonation(&self, hash: &TokenHash, session: &Impersonation) -> anyhow::Result<()> {
        let item =
            with(record_item(impersonation_pk(hash), "IMP", session)?, &[("ttl", n(session.expires_at + 86_400))]);
        self.put_one(item, true, "Failed to store an impersonation session").await
    }

    pub async fn get_impersonation(&self, hash: &TokenHash) -> anyhow::Result<Option<Impersonation>> {
        self.get(impersonation_pk(hash), "IMP", "Failed to read an impersonation session").await
    }

    /// Ends a session. Conflict when it had already ended.
    pub async fn end_impersonation(&self, hash: &TokenHash) -> Result<(), WriteError> {
        self.flip_flag(key(impersonation_pk(hash), "IMP"), "ended", true, "Failed to end an impersonation session")
            .await
    }

    // ---- invitations -----------------------------------------------------------------

    /// A customer's invitations, a page at a time.
    pub async fn list_invitations_page(
        &self,
        customer: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<Invitation>, BadCursor>> {
        self.query_page(None, &business_pk(customer), "INVITE#", cursor, limit, "Failed to list invitations").await
    }

    /// Sends a pending invitation again with a new link: the generation moves on, so links
    /// of the earlier one stop working. Conflict at 0: no longer pending, or resent
    /// meanwhile.
    pub async fn resend_invitation(&self, invitation: &Invitation, outbox: &OutboxMessage) -> Result<(), WriteError> {
        let sent_at = invitation
            .sent_at
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default();
        let values: HashMap<String, AttributeValue> = HashMap::from([
            (":pending".into(), s("pending")),
            (":old".into(), n(i64::from(invitation.generation) - 1)),
            (":new".into(), n(i64::from(invitation.generation))),
            (":sent".into(), s(sent_at)),
        ]);
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(business_pk(&invitation.customer_id), format!("INVITE#{}", invitation.invitation_id))))
            .update_expression("SET generation = :new, sent_at = :sent")
            .condition_expression(
                "#status = :pending AND (generation = :old OR (attribute_not_exists(generation) AND :old = :zero))",
            )
            .expression_attribute_names("#status", "status")
            .set_expression_attribute_values(Some({
                let mut v = values;
                v.insert(":zero".into(), n(0));
                v
            }))
            .build()
            .context("Failed to build an invitation update")?;
        let items = vec![TransactWriteItem::builder().update(update).build(), self.outbox_put(outbox)?];
        self.transact(items, "Failed to resend the invitation").await
    }

    /// Withdraws a pending invitation. Conflict when it is not pending.
    pub async fn revoke_invitation(&self, customer: &BusinessId, id: &InvitationId) -> Result<(), WriteError> {
        self.update(
            key(business_pk(customer), format!("INVITE#{id}")),
            "SET #status = :revoked",
            Some("#status = :pending"),
            &[("#status", "status")],
            &[(":revoked", s("revoked")), (":pending", s("pending"))],
            "Failed to revoke an invitation",
        )
        .await
        .map(|_| ())
    }
}
