//! Partner links (one item on each side, written together), a customer's invitations of
//! partners, and the customer a partner user works on (its active business).

use async_trait::async_trait;

use super::attrs::{n, record, s, time_text};
use super::expr::Expr;
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, audit, keys, outbox};
use crate::domain::ids::{BusinessId, InvitationId, UserId};
use crate::domain::profile::ActiveBusiness;
use crate::domain::records::{AuditEvent, Invitation, OutboxMessage, PartnerLink};
use crate::ports::{ActiveBusinesses, Conflict, Listing, Partners, WriteError};

/// Both sides of a new link, each only if it does not exist yet.
pub(super) fn link(link: &PartnerLink) -> anyhow::Result<[Write; 2]> {
    Ok([
        Write::put_new(record(&keys::partner_of(&link.customer_id, &link.partner_id), link)?, Conflict::AlreadyLinked),
        Write::put_new(record(&keys::customer_of(&link.partner_id, &link.customer_id), link)?, Conflict::AlreadyLinked),
    ])
}

fn new_invitation(invitation: &Invitation) -> anyhow::Result<Write> {
    Ok(Write::put_new(
        record(&keys::invitation(&invitation.customer_id, &invitation.invitation_id), invitation)?,
        Conflict::Duplicate,
    ))
}

#[async_trait]
impl Partners for DynamoStore {
    async fn create_invitation(&self, invitation: &Invitation, outbox: &OutboxMessage) -> Result<(), WriteError> {
        let mut writes = vec![new_invitation(invitation)?];
        writes.extend(outbox::queue(outbox)?);
        self.transact(writes, "Failed to store the invitation").await
    }

    async fn link_existing_partner(
        &self,
        link: &PartnerLink,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audits: &[AuditEvent],
    ) -> Result<(), WriteError> {
        let mut writes = Vec::from(self::link(link)?);
        writes.push(new_invitation(invitation)?);
        writes.extend(outbox::queue(outbox)?);
        for event in audits {
            writes.push(audit::record_event(event)?);
        }
        self.transact(writes, "Failed to link the partner").await
    }

    async fn get_invitation(&self, customer: &BusinessId, id: &InvitationId) -> anyhow::Result<Option<Invitation>> {
        self.get(&keys::invitation(customer, id), "Failed to read an invitation").await
    }

    async fn list_invitations(&self, customer: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<Invitation> {
        let query = Query::table(keys::business(customer)).prefix(keys::INVITE_PREFIX);
        self.page(&query, cursor, limit, "Failed to list invitations").await
    }

    async fn resend_invitation(&self, invitation: &Invitation, outbox: &OutboxMessage) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("generation", n(i64::from(invitation.generation)));
        expr.set("sent_at", s(invitation.sent_at.map(time_text).unwrap_or_default()));
        let resent = Write::update(&keys::invitation(&invitation.customer_id, &invitation.invitation_id), expr)
            .when(
                "#status = :pending AND (#generation = :old OR (attribute_not_exists(#generation) AND :old = :zero))",
                Conflict::InvitationChanged,
            )
            .bind(":pending", s("pending"))
            .bind(":old", n(i64::from(invitation.generation) - 1))
            .bind(":zero", n(0));
        let mut writes = vec![resent];
        writes.extend(outbox::queue(outbox)?);
        self.transact(writes, "Failed to resend the invitation").await
    }

    async fn revoke_invitation(&self, customer: &BusinessId, id: &InvitationId) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("status", s("revoked"));
        let write = Write::update(&keys::invitation(customer, id), expr)
            .when("#status = :pending", Conflict::InvitationNotPending)
            .bind(":pending", s("pending"));
        self.write(write, "Failed to revoke an invitation").await.map(drop)
    }

    async fn list_partners(&self, customer: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<PartnerLink> {
        let query = Query::table(keys::business(customer)).prefix(keys::PARTNER_PREFIX);
        self.page(&query, cursor, limit, "Failed to list partners").await
    }

    async fn list_customers(&self, partner: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<PartnerLink> {
        let query = Query::table(keys::business(partner)).prefix(keys::CUSTOMER_PREFIX);
        self.page(&query, cursor, limit, "Failed to list customers").await
    }

    async fn get_customer_link(
        &self,
        partner: &BusinessId,
        customer: &BusinessId,
    ) -> anyhow::Result<Option<PartnerLink>> {
        self.get(&keys::customer_of(partner, customer), "Failed to read a customer link").await
    }
}

#[async_trait]
impl ActiveBusinesses for DynamoStore {
    async fn get_active_business(&self, partner: &BusinessId, user: &UserId) -> anyhow::Result<Option<ActiveBusiness>> {
        self.get(&keys::active_business(partner, user), "Failed to read the active business").await
    }

    /// One transaction: a condition check on the partner side of the link and the put.
    async fn set_active_business(&self, partner: &BusinessId, active: &ActiveBusiness) -> Result<(), WriteError> {
        let writes = vec![
            Write::check(&keys::customer_of(partner, &active.business_id))
                .when("attribute_exists(PK)", Conflict::NotLinked),
            Write::put(record(&keys::active_business(partner, &active.user_id), active)?),
        ];
        self.transact(writes, "Failed to set the active business").await
    }
}
