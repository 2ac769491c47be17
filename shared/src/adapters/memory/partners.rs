//! Partner links, invitations, the active business, and business profiles.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::MemoryStore;
use super::state::{check, page};
use crate::domain::ids::{BusinessId, InvitationId, UserId};
use crate::domain::profile::{ActiveBusiness, BusinessProfile, ProfileEdit};
use crate::domain::records::{AuditEvent, Business, Invitation, InvitationStatus, OutboxMessage, PartnerLink};
use crate::ports::{ActiveBusinesses, Conflict, Listing, Partners, Profiles, WriteError};

#[async_trait]
impl Partners for MemoryStore {
    async fn create_invitation(&self, invitation: &Invitation, outbox: &OutboxMessage) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let key = (invitation.customer_id.clone(), invitation.invitation_id.clone());
        let outcome = check([(s.invitations.contains_key(&key) || s.queued(outbox), Conflict::Duplicate)]);
        if outcome.is_ok() {
            s.invitations.insert(key, invitation.clone());
            s.queue(outbox);
        }
        self.record("create_invitation", &outcome);
        outcome
    }

    async fn link_existing_partner(
        &self,
        link: &PartnerLink,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audits: &[AuditEvent],
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let key = (invitation.customer_id.clone(), invitation.invitation_id.clone());
        let outcome = check([
            (s.link_exists(link), Conflict::AlreadyLinked),
            (s.invitations.contains_key(&key) || s.queued(outbox) || s.audits_exist(audits), Conflict::Duplicate),
        ]);
        if outcome.is_ok() {
            s.add_link(link);
            s.invitations.insert(key, invitation.clone());
            s.queue(outbox);
            s.audit.extend(audits.iter().cloned());
        }
        self.record("link_existing_partner", &outcome);
        outcome
    }

    async fn get_invitation(&self, customer: &BusinessId, id: &InvitationId) -> anyhow::Result<Option<Invitation>> {
        Ok(self.state().await.invitations.get(&(customer.clone(), id.clone())).cloned())
    }

    async fn list_invitations(&self, customer: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<Invitation> {
        let s = self.state().await;
        let items = s
            .invitations
            .iter()
            .filter(|((c, _), _)| c == customer)
            .map(|((_, id), invitation)| (id.to_string(), invitation.clone()))
            .collect();
        Ok(page(&format!("invitations/{customer}"), items, false, cursor, limit))
    }

    async fn resend_invitation(&self, invitation: &Invitation, outbox: &OutboxMessage) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let key = (invitation.customer_id.clone(), invitation.invitation_id.clone());
        let unchanged = s.invitations.get(&key).is_some_and(|stored| {
            stored.status == InvitationStatus::Pending && stored.generation + 1 == invitation.generation
        });
        let outcome = check([(!unchanged, Conflict::InvitationChanged), (s.queued(outbox), Conflict::Duplicate)]);
        if outcome.is_ok() {
            if let Some(stored) = s.invitations.get_mut(&key) {
                stored.generation = invitation.generation;
                stored.sent_at = invitation.sent_at;
            }
            s.queue(outbox);
        }
        self.record("resend_invitation", &outcome);
        outcome
    }

    async fn revoke_invitation(&self, customer: &BusinessId, id: &InvitationId) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let pending = s
            .invitations
            .get_mut(&(customer.clone(), id.clone()))
            .filter(|invitation| invitation.status == InvitationStatus::Pending);
        let outcome = match pending {
            Some(invitation) => {
                invitation.status = InvitationStatus::Revoked;
                Ok(())
            }
            None => Err(WriteError::Conflict(Conflict::InvitationNotPending)),
        };
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

#[async_trait]
impl ActiveBusinesses for MemoryStore {
    async fn get_active_business(&self, partner: &BusinessId, user: &UserId) -> anyhow::Result<Option<ActiveBusiness>> {
        Ok(self.state().await.active.get(&(partner.clone(), user.clone())).cloned())
    }

    async fn set_active_business(&self, partner: &BusinessId, active: &ActiveBusiness) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let linked = s.customer_side.contains_key(&(partner.clone(), active.business_id.clone()));
        let outcome = check([(!linked, Conflict::NotLinked)]);
        if outcome.is_ok() {
            s.active.insert((partner.clone(), active.user_id.clone()), active.clone());
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
