//! Partner links, invitations, the active business, and business profiles.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::MemoryStore;
use super::state::{State, check, now_secs, page};
use crate::domain::ids::{BusinessId, InvitationId, UserId};
use crate::domain::limits::Hit;
use crate::domain::profile::{ActiveBusiness, BusinessProfile, ProfileEdit};
use crate::domain::records::{
    AuditEvent, Business, EmailOwner, Invitation, InvitationStatus, OutboxMessage, PartnerLink,
};
use crate::domain::token::TokenPurpose;
use crate::ports::{ActiveBusinesses, Conflict, Invitee, Listing, Partners, Profiles, WriteError};

fn link_expiry(invitation: &Invitation) -> i64 {
    (invitation.sent_at.unwrap_or(invitation.created_at) + TokenPurpose::Invitation.lifetime()).unix_timestamp()
}

impl State {
    /// Whether another pending invitation whose link still works holds the address.
    fn held_by_another(&self, invitation: &Invitation) -> bool {
        self.pending
            .get(&(invitation.customer_id.clone(), invitation.email.clone()))
            .is_some_and(|(id, expires_at)| *id != invitation.invitation_id && *expires_at > now_secs())
    }

    fn hold(&mut self, invitation: &Invitation) {
        self.pending.insert(
            (invitation.customer_id.clone(), invitation.email.clone()),
            (invitation.invitation_id.clone(), link_expiry(invitation)),
        );
    }
}

/// Newest first, as invitation ids are time-ordered.
fn newest_first(s: &State, customer: &BusinessId) -> Vec<(String, Invitation)> {
    let mut items: Vec<(String, Invitation)> = s
        .invitations
        .iter()
        .filter(|((c, _), _)| c == customer)
        .map(|((_, id), invitation)| (id.to_string(), invitation.clone()))
        .collect();
    items.sort_by(|a, b| b.0.cmp(&a.0));
    items
}

#[async_trait]
impl Partners for MemoryStore {
    async fn invitee(&self, customer: &BusinessId, email: &str) -> anyhow::Result<Invitee> {
        let s = self.state().await;
        let account = match s.emails.get(email) {
            Some(EmailOwner::User { user_id, .. }) => s.users.get(user_id).map(|user| {
                let business = s.businesses.get(&user.business_id).map(|item| item.business.clone());
                (user.clone(), business)
            }),
            _ => None,
        };
        Ok(Invitee { customer: s.businesses.get(customer).map(|item| item.business.clone()), account })
    }

    async fn create_invitation(
        &self,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audit: &AuditEvent,
        quotas: &[Hit],
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let key = (invitation.customer_id.clone(), invitation.invitation_id.clone());
        let outcome = check([
            (s.held_by_another(invitation), Conflict::InvitationPending),
            (s.blocked(quotas), Conflict::RateLimited),
            (
                s.invitations.contains_key(&key) || s.queued(outbox) || s.audits_exist(std::slice::from_ref(audit)),
                Conflict::Duplicate,
            ),
        ]);
        if outcome.is_ok() {
            s.invitations.insert(key, invitation.clone());
            s.hold(invitation);
            s.queue(outbox);
            s.audit.push(audit.clone());
            s.apply(quotas);
        }
        self.record("create_invitation", &outcome);
        outcome
    }

    async fn pending_invitation(&self, customer: &BusinessId, email: &str) -> anyhow::Result<Option<InvitationId>> {
        Ok(self.state().await.pending.get(&(customer.clone(), email.to_owned())).map(|(id, _)| id.clone()))
    }

    async fn link_existing_partner(
        &self,
        link: &PartnerLink,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audits: &[AuditEvent],
        quotas: &[Hit],
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let key = (invitation.customer_id.clone(), invitation.invitation_id.clone());
        let outcome = check([
            (s.link_exists(link), Conflict::AlreadyLinked),
            (s.blocked(quotas), Conflict::RateLimited),
            (s.invitations.contains_key(&key) || s.queued(outbox) || s.audits_exist(audits), Conflict::Duplicate),
        ]);
        if outcome.is_ok() {
            s.add_link(link);
            s.invitations.insert(key, invitation.clone());
            s.pending.remove(&(invitation.customer_id.clone(), invitation.email.clone()));
            s.queue(outbox);
            s.audit.extend(audits.iter().cloned());
            s.apply(quotas);
        }
        self.record("link_existing_partner", &outcome);
        outcome
    }

    async fn get_invitation(&self, customer: &BusinessId, id: &InvitationId) -> anyhow::Result<Option<Invitation>> {
        Ok(self.state().await.invitations.get(&(customer.clone(), id.clone())).cloned())
    }

    async fn list_invitations(&self, customer: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<Invitation> {
        let s = self.state().await;
        Ok(page(&format!("invitations/{customer}"), newest_first(&s, customer), true, cursor, limit))
    }

    async fn pending_invitations(&self, customer: &BusinessId, limit: i32) -> anyhow::Result<Vec<Invitation>> {
        let s = self.state().await;
        Ok(newest_first(&s, customer)
            .into_iter()
            .take(usize::try_from(limit.max(0)).unwrap_or(0))
            .map(|(_, invitation)| invitation)
            .filter(|invitation| invitation.status == InvitationStatus::Pending)
            .collect())
    }

    async fn resend_invitation(
        &self,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audit: &AuditEvent,
        quotas: &[Hit],
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let key = (invitation.customer_id.clone(), invitation.invitation_id.clone());
        let unchanged = s.invitations.get(&key).is_some_and(|stored| {
            stored.status == InvitationStatus::Pending && stored.generation + 1 == invitation.generation
        });
        let outcome = check([
            (!unchanged, Conflict::InvitationChanged),
            (s.held_by_another(invitation), Conflict::InvitationPending),
            (s.blocked(quotas), Conflict::RateLimited),
            (s.queued(outbox) || s.audits_exist(std::slice::from_ref(audit)), Conflict::Duplicate),
        ]);
        if outcome.is_ok() {
            if let Some(stored) = s.invitations.get_mut(&key) {
                stored.generation = invitation.generation;
                stored.sent_at = invitation.sent_at;
            }
            s.hold(invitation);
            s.queue(outbox);
            s.audit.push(audit.clone());
            s.apply(quotas);
        }
        self.record("resend_invitation", &outcome);
        outcome
    }

    async fn revoke_invitation(&self, invitation: &Invitation, audit: &AuditEvent) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let key = (invitation.customer_id.clone(), invitation.invitation_id.clone());
        let pending = s.invitations.get(&key).is_some_and(|i| i.status == InvitationStatus::Pending);
        let outcome = check([(!pending, Conflict::InvitationNotPending)]);
        if outcome.is_ok() {
            if let Some(stored) = s.invitations.get_mut(&key) {
                stored.status = InvitationStatus::Revoked;
            }
            let address = (invitation.customer_id.clone(), invitation.email.clone());
            if s.pending.get(&address).is_some_and(|(id, _)| *id == invitation.invitation_id) {
                s.pending.remove(&address);
            }
            s.audit.push(audit.clone());
        }
        self.record("revoke_invitation", &outcome);
        outcome
    }

    async fn list_partners(&self, customer: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<PartnerLink> {
        let s = self.state().await;
        let items = s
            .partner_side
            .iter()
            .filter(|((c, _), _)| c == customer)
            .map(|((_, partner), link)| (partner.to_string(), link.clone()))
            .collect();
        Ok(page(&format!("partners/{customer}"), items, false, cursor, limit))
    }

    async fn list_customers(&self, partner: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<PartnerLink> {
        let s = self.state().await;
        let items = s
            .customer_side
            .iter()
            .filter(|((p, _), _)| p == partner)
            .map(|((_, customer), link)| (customer.to_string(), link.clone()))
            .collect();
        Ok(page(&format!("customers/{partner}"), items, false, cursor, limit))
    }

    async fn get_customer_link(
        &self,
        partner: &BusinessId,
        customer: &BusinessId,
    ) -> anyhow::Result<Option<PartnerLink>> {
        Ok(self.state().await.customer_side.get(&(partner.clone(), customer.clone())).cloned())
    }
}

/// The choice is kept on the user, as the table keeps it on the user's item.
#[async_trait]
impl ActiveBusinesses for MemoryStore {
    async fn get_active_business(&self, partner: &BusinessId, user: &UserId) -> anyhow::Result<Option<ActiveBusiness>> {
        Ok(self.state().await.active.get(&(partner.clone(), user.clone())).cloned())
    }

    async fn set_active_business(
        &self,
        partner: &BusinessId,
        email: &str,
        active: &ActiveBusiness,
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let linked = s.customer_side.contains_key(&(partner.clone(), active.business_id.clone()));
        let marked =
            matches!(s.emails.get(email), Some(EmailOwner::User { user_id, .. }) if *user_id == active.user_id);
        let missing = !s.users.contains_key(&active.user_id) || !marked;
        let outcome = check([(!linked, Conflict::NotLinked), (missing, Conflict::Missing)]);
        if outcome.is_ok() {
            s.active.insert((partner.clone(), active.user_id.clone()), active.clone());
            if let Some(user) = s.users.get_mut(&active.user_id) {
                user.active_business = Some(active.business_id.clone());
            }
        }
        self.record("set_active_business", &outcome);
        outcome
    }
}

#[async_trait]
impl Profiles for MemoryStore {
    async fn get_business(&self, id: &BusinessId) -> anyhow::Result<Option<Business>> {
        Ok(self.state().await.businesses.get(id).map(|item| item.business.clone()))
    }

    async fn get_profile(&self, business: &BusinessId) -> anyhow::Result<Option<BusinessProfile>> {
        Ok(self.state().await.businesses.get(business).map(|item| item.profile.clone()))
    }

    async fn update_profile(
        &self,
        business: &BusinessId,
        expected: u64,
        edit: &ProfileEdit,
        by: &UserId,
        partners: &[BusinessId],
    ) -> Result<(), WriteError> {
        let mut guard = self.state().await;
        let s = &mut *guard;
        let current = s.businesses.get(business).is_some_and(|item| item.profile.version == expected);
        let links_gone = partners.iter().any(|p| !s.customer_side.contains_key(&(p.clone(), business.clone())));
        let outcome = check([(!current, Conflict::VersionConflict), (links_gone, Conflict::PartnersChanged)]);
        if outcome.is_ok() {
            if let Some(item) = s.businesses.get_mut(business) {
                item.business.name.clone_from(&edit.name);
                item.business.website.clone_from(&edit.website);
                item.business.phone.clone_from(&edit.phone);
                let p = &mut item.profile;
                p.name.clone_from(&edit.name);
                p.website.clone_from(&edit.website);
                p.phone.clone_from(&edit.phone);
                p.address = edit.address.clone();
                p.industry.clone_from(&edit.industry);
                p.employee_count = edit.employee_count;
                p.contacts.clone_from(&edit.contacts);
                p.version = expected + 1;
                p.links_version = Some(p.version);
                p.updated_by = Some(by.clone());
                p.updated_at = Some(OffsetDateTime::now_utc());
            }
            for partner in partners {
                if let Some(link) = s.customer_side.get_mut(&(partner.clone(), business.clone())) {
                    link.customer_name.clone_from(&edit.name);
                }
            }
        }
        self.record("update_profile", &outcome);
        outcome
    }
}
