//! Partner links (one item on each side, written together), a customer's invitations of
//! partners and the markers that hold an address for its pending invitation, and the customer
//! a partner user works on (its active business, on the user's item).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::attrs::{from_item, n, now_secs, record, s, time_text};
use super::expr::Expr;
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, audit, keys, outbox, rate_limits};
use crate::domain::ids::{BusinessId, InvitationId, UserId};
use crate::domain::limits::Hit;
use crate::domain::profile::ActiveBusiness;
use crate::domain::records::{
    AuditEvent, Business, EmailOwner, Invitation, InvitationStatus, OutboxMessage, PartnerLink, User,
};
use crate::domain::token::TokenPurpose;
use crate::ports::{ActiveBusinesses, Conflict, Invitee, Listing, Partners, WriteError};

/// Both sides of a new link, each only if it does not exist yet.
pub(super) fn link(link: &PartnerLink) -> anyhow::Result<[Write; 2]> {
    Ok([
        Write::put_new(record(&keys::partner_of(&link.customer_id, &link.partner_id), link)?, Conflict::AlreadyLinked),
        Write::put_new(record(&keys::customer_of(&link.partner_id, &link.customer_id), link)?, Conflict::AlreadyLinked),
    ])
}

/// Frees the address of the customer's pending invitation to `email` (accepted, linked):
/// a new invitation to it may then be sent. Nothing to free is fine.
pub(super) fn free_address(customer: &BusinessId, email: &str) -> Write {
    Write::delete(&keys::pending_invitation(customer, email))
}

/// What holds an address for a pending invitation: which one, and until when its link works
/// (a new invitation takes the address over after that).
#[derive(Debug, Serialize, Deserialize)]
struct PendingMarker {
    invitation_id: InvitationId,
    email: String,
    /// Unix seconds.
    expires_at: i64,
}

fn marker(invitation: &Invitation) -> PendingMarker {
    let sent = invitation.sent_at.unwrap_or(invitation.created_at);
    PendingMarker {
        invitation_id: invitation.invitation_id.clone(),
        email: invitation.email.clone(),
        expires_at: (sent + TokenPurpose::Invitation.lifetime()).unix_timestamp(),
    }
}

/// Holds the address for `invitation`, unless another pending invitation whose link still
/// works holds it (`InvitationPending`).
fn hold_address(invitation: &Invitation) -> anyhow::Result<Write> {
    let key = keys::pending_invitation(&invitation.customer_id, &invitation.email);
    Ok(Write::put(record(&key, &marker(invitation))?)
        .when("attribute_not_exists(PK) OR #invitation_id = :id OR #expires_at <= :now", Conflict::InvitationPending)
        .bind(":id", s(invitation.invitation_id.as_ref()))
        .bind(":now", n(now_secs())))
}

fn new_invitation(invitation: &Invitation) -> anyhow::Result<Write> {
    Ok(Write::put_new(
        record(&keys::invitation(&invitation.customer_id, &invitation.invitation_id), invitation)?,
        Conflict::Duplicate,
    ))
}

fn quotas(quotas: &[Hit]) -> impl Iterator<Item = Write> + '_ {
    quotas.iter().map(rate_limits::hit)
}

/// A partner user's choice of customer, as kept on its user item.
#[derive(Debug, Deserialize)]
struct ActiveOnUser {
    #[serde(default)]
    active_business: Option<BusinessId>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    active_business_at: Option<OffsetDateTime>,
}

impl DynamoStore {
    /// A user and its business, in one read when the business is known.
    async fn account(
        &self,
        user: &UserId,
        business: Option<&BusinessId>,
    ) -> anyhow::Result<Option<(User, Option<Business>)>> {
        let Some(business) = business else {
            let Some(user) = self.get::<User>(&keys::user(user), "Failed to read the invitee's account").await? else {
                return Ok(None);
            };
            let business = self.get(&keys::profile(&user.business_id), "Failed to read the invitee's business").await?;
            return Ok(Some((user, business)));
        };
        let [user, business]: [_; 2] = self
            .get_many(&[keys::user(user), keys::profile(business)], "Failed to read the invitee's account")
            .await?
            .try_into()
            .map_err(|_| anyhow::anyhow!("a batch read answers one entry per key"))?;
        let Some(user) = user.map(from_item::<User>).transpose()? else { return Ok(None) };
        Ok(Some((user, business.map(from_item).transpose()?)))
    }
}

#[async_trait]
impl Partners for DynamoStore {
    /// One BatchGetItem (the customer's business and the address's marker), and one more
    /// (the account and its business) when a user holds the address.
    async fn invitee(&self, customer: &BusinessId, email: &str) -> anyhow::Result<Invitee> {
        let [business, owner]: [_; 2] = self
            .get_many(&[keys::profile(customer), keys::email(email)], "Failed to read the invitation's parties")
            .await?
            .try_into()
            .map_err(|_| anyhow::anyhow!("a batch read answers one entry per key"))?;
        let customer = business.map(from_item::<Business>).transpose()?;
        let account = match owner.map(from_item::<EmailOwner>).transpose()? {
            Some(EmailOwner::User { user_id, business_id, .. }) => self.account(&user_id, business_id.as_ref()).await?,
            _ => None,
        };
        Ok(Invitee { customer, account })
    }

    async fn create_invitation(
        &self,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audit: &AuditEvent,
        quotas: &[Hit],
    ) -> Result<(), WriteError> {
        let mut writes = vec![new_invitation(invitation)?, hold_address(invitation)?, audit::record_event(audit)?];
        writes.extend(outbox::queue(outbox)?);
        writes.extend(self::quotas(quotas));
        self.transact(writes, "Failed to store the invitation").await
    }

    async fn pending_invitation(&self, customer: &BusinessId, email: &str) -> anyhow::Result<Option<InvitationId>> {
        let marker: Option<PendingMarker> =
            self.get(&keys::pending_invitation(customer, email), "Failed to read a pending invitation").await?;
        Ok(marker.map(|m| m.invitation_id))
    }

    async fn link_existing_partner(
        &self,
        link: &PartnerLink,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audits: &[AuditEvent],
        quotas: &[Hit],
    ) -> Result<(), WriteError> {
        let mut writes = Vec::from(self::link(link)?);
        writes.push(new_invitation(invitation)?);
        // A pending invitation to the address is moot once the partner is linked.
        writes.push(free_address(&invitation.customer_id, &invitation.email));
        writes.extend(outbox::queue(outbox)?);
        for event in audits {
            writes.push(audit::record_event(event)?);
        }
        writes.extend(self::quotas(quotas));
        self.transact(writes, "Failed to link the partner").await
    }

    async fn get_invitation(&self, customer: &BusinessId, id: &InvitationId) -> anyhow::Result<Option<Invitation>> {
        self.get(&keys::invitation(customer, id), "Failed to read an invitation").await
    }

    /// Invitation ids are time-ordered (UUID v7), so the key order is the order they were
    /// sent in.
    async fn list_invitations(&self, customer: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<Invitation> {
        let query = Query::table(keys::business(customer)).prefix(keys::INVITE_PREFIX).newest_first();
        self.page(&query, cursor, limit, "Failed to list invitations").await
    }

    async fn pending_invitations(&self, customer: &BusinessId, limit: i32) -> anyhow::Result<Vec<Invitation>> {
        let query = Query::table(keys::business(customer)).prefix(keys::INVITE_PREFIX).newest_first();
        let newest: Vec<Invitation> = self.first(&query, limit, "Failed to list invitations").await?;
        Ok(newest.into_iter().filter(|i| i.status == InvitationStatus::Pending).collect())
    }

    async fn resend_invitation(
        &self,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audit: &AuditEvent,
        quotas: &[Hit],
    ) -> Result<(), WriteError> {
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
        // The new link works for another 7 days: so does the hold on the address.
        let mut writes = vec![resent, hold_address(invitation)?, audit::record_event(audit)?];
        writes.extend(outbox::queue(outbox)?);
        writes.extend(self::quotas(quotas));
        self.transact(writes, "Failed to resend the invitation").await
    }

    /// The address is freed only if this invitation holds it: an expired one whose address
    /// a newer invitation took over is revoked without touching the newer one's hold.
    async fn revoke_invitation(&self, invitation: &Invitation, audit: &AuditEvent) -> Result<(), WriteError> {
        let key = keys::invitation(&invitation.customer_id, &invitation.invitation_id);
        let revoked = || {
            let mut expr = Expr::default();
            expr.set("status", s("revoked"));
            Write::update(&key, expr)
                .when("#status = :pending", Conflict::InvitationNotPending)
                .bind(":pending", s("pending"))
        };
        let free = Write::delete(&keys::pending_invitation(&invitation.customer_id, &invitation.email))
            .when("attribute_not_exists(PK) OR #invitation_id = :id", Conflict::InvitationPending)
            .bind(":id", s(invitation.invitation_id.as_ref()));
        let writes = vec![revoked(), free, audit::record_event(audit)?];
        match self.transact(writes, "Failed to revoke an invitation").await {
            Err(WriteError::Conflict(Conflict::InvitationPending)) => {
                self.transact(vec![revoked(), audit::record_event(audit)?], "Failed to revoke an invitation").await
            }
            outcome => outcome,
        }
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
    async fn get_active_business(
        &self,
        _partner: &BusinessId,
        user: &UserId,
    ) -> anyhow::Result<Option<ActiveBusiness>> {
        let stored: Option<ActiveOnUser> = self.get(&keys::user(user), "Failed to read the active business").await?;
        Ok(stored.and_then(|a| {
            Some(ActiveBusiness {
                user_id: user.clone(),
                business_id: a.active_business?,
                chosen_at: a.active_business_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
            })
        }))
    }

    /// One transaction: a condition check on the partner side of the link, and the choice
    /// on the user's item and on its address's marker (which a login reads first, so that it
    /// reads the link beside the user).
    async fn set_active_business(
        &self,
        partner: &BusinessId,
        email: &str,
        active: &ActiveBusiness,
    ) -> Result<(), WriteError> {
        let mut chosen = Expr::default();
        chosen
            .set("active_business", s(active.business_id.as_ref()))
            .set("active_business_at", s(time_text(active.chosen_at)));
        let mut on_marker = Expr::default();
        on_marker.set("active_business", s(active.business_id.as_ref()));
        let writes = vec![
            Write::check(&keys::customer_of(partner, &active.business_id))
                .when("attribute_exists(PK)", Conflict::NotLinked),
            Write::update(&keys::user(&active.user_id), chosen).when("attribute_exists(PK)", Conflict::Missing),
            Write::update(&keys::email(email), on_marker)
                .when("#user_id = :user", Conflict::Missing)
                .bind(":user", s(active.user_id.as_ref())),
        ];
        self.transact(writes, "Failed to set the active business").await
    }
}
