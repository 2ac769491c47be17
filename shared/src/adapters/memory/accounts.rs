//! Sign-up requests, users and their email markers, admins, and managed customers.

use async_trait::async_trait;

use super::MemoryStore;
use super::state::{BusinessItem, State, check, page, time_key};
use crate::domain::account::UserStatus;
use crate::domain::ids::{RequestId, UserId};
use crate::domain::limits::Hit;
use crate::domain::records::{
    AuditEvent, Business, EmailOwner, InvitationRef, InvitationStatus, OutboxMessage, PartnerLink, RequestStatus,
    SignUpRequest, User,
};
use crate::domain::token::{TokenHash, TokenPurpose};
use crate::ports::{Accounts, Admins, Conflict, Listing, ManagedCustomers, SignUpRequests, WriteError};

impl State {
    fn email_held_by(&self, email: &str, request: &RequestId) -> bool {
        matches!(self.emails.get(email), Some(EmailOwner::Request { request_id, .. }) if request_id == request)
    }

    fn still_pending(&self, request: &RequestId) -> bool {
        self.requests.get(request).is_some_and(|r| r.status == RequestStatus::Pending)
    }

    /// Whether the invitation a sign-up named is still pending at the generation it named.
    fn invitation_unchanged(&self, invited: &InvitationRef) -> bool {
        self.invitations
            .get(&(invited.customer_id.clone(), invited.invitation_id.clone()))
            .is_some_and(|i| i.status == InvitationStatus::Pending && i.generation == invited.generation)
    }

    pub(super) fn audits_exist(&self, events: &[AuditEvent]) -> bool {
        events.iter().any(|e| self.audit.iter().any(|a| a.event_id == e.event_id && a.business_id == e.business_id))
    }

    pub(super) fn link_exists(&self, link: &PartnerLink) -> bool {
        self.partner_side.contains_key(&(link.customer_id.clone(), link.partner_id.clone()))
            || self.customer_side.contains_key(&(link.partner_id.clone(), link.customer_id.clone()))
    }

    pub(super) fn add_link(&mut self, link: &PartnerLink) {
        self.partner_side.insert((link.customer_id.clone(), link.partner_id.clone()), link.clone());
        self.customer_side.insert((link.partner_id.clone(), link.customer_id.clone()), link.clone());
    }

    fn add_account(&mut self, user: &User, business: Option<&Business>) {
        self.emails.insert(user.email.clone(), EmailOwner::user(user, business.map(|b| b.name.as_str())));
        self.users.insert(user.user_id.clone(), user.clone());
        if let Some(business) = business {
            self.businesses.insert(business.business_id.clone(), BusinessItem::new(business));
        }
    }
}

#[async_trait]
impl SignUpRequests for MemoryStore {
    async fn create_signup_request(
        &self,
        request: &SignUpRequest,
        invitation_token: Option<&TokenHash>,
        outbox: &OutboxMessage,
        hits: &[Hit],
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = check([
            (s.blocked(hits), Conflict::RateLimited),
            (s.emails.contains_key(&request.email), Conflict::EmailTaken),
            (s.requests.contains_key(&request.request_id), Conflict::Duplicate),
            (s.queued(outbox), Conflict::Duplicate),
            (invitation_token.is_some_and(|h| !s.token_usable(h, TokenPurpose::Invitation)), Conflict::LinkUsed),
            (request.invited_by.as_ref().is_some_and(|i| !s.invitation_unchanged(i)), Conflict::InvitationChanged),
        ]);
        if outcome.is_ok() {
            let owner = EmailOwner::request(request);
            s.emails.insert(request.email.clone(), owner);
            s.requests.insert(request.request_id.clone(), request.clone());
            s.queue(outbox);
            s.apply(hits);
            if let Some(hash) = invitation_token {
                s.use_token(hash);
            }
        }
        self.record("create_signup_request", &outcome);
        outcome
    }

    async fn get_request(&self, id: &RequestId) -> anyhow::Result<Option<SignUpRequest>> {
        Ok(self.state().await.requests.get(id).cloned())
    }

    async fn list_requests(&self, status: RequestStatus, cursor: Option<&str>, limit: i32) -> Listing<SignUpRequest> {
        let s = self.state().await;
        let mut items: Vec<(String, SignUpRequest)> = s
            .requests
            .values()
            .filter(|r| r.status == status)
            .map(|r| (time_key(r.created_at, r.request_id.as_ref()), r.clone()))
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(page(&format!("requests/{}", status.as_str()), items, false, cursor, limit))
    }

    async fn count_pending_requests(&self) -> anyhow::Result<u64> {
        let s = self.state().await;
        Ok(s.requests.values().filter(|r| r.status == RequestStatus::Pending).count() as u64)
    }

    async fn approve_request(
        &self,
        request: &SignUpRequest,
        user: &User,
        business: &Business,
        link: Option<&PartnerLink>,
        outbox: &OutboxMessage,
        audits: &[AuditEvent],
    ) -> Result<(), WriteError> {
        self.injected_failure("approve_request")?;
        let mut s = self.state().await;
        let invited = request.invited_by.as_ref().filter(|_| link.is_some_and(|l| l.invitation_id.is_some()));
        let invitation = invited.map(|i| (i.customer_id.clone(), i.invitation_id.clone()));
        let outcome = check([
            (!s.still_pending(&request.request_id), Conflict::AlreadyDecided),
            (s.users.contains_key(&user.user_id), Conflict::UserExists),
            (s.businesses.contains_key(&business.business_id), Conflict::Duplicate),
            (!s.email_held_by(&request.email, &request.request_id), Conflict::EmailNotHeld),
            (s.queued(outbox) || s.audits_exist(audits), Conflict::Duplicate),
            (link.is_some_and(|l| s.link_exists(l)), Conflict::AlreadyLinked),
            (invited.is_some_and(|i| !s.invitation_unchanged(i)), Conflict::InvitationChanged),
        ]);
        if outcome.is_ok() {
            s.requests.insert(request.request_id.clone(), request.clone());
            s.add_account(user, Some(business));
            s.queue(outbox);
            s.audit.extend(audits.iter().cloned());
            if let Some(link) = link {
                s.add_link(link);
            }
            if let Some(invitation) = invitation.and_then(|key| s.invitations.get_mut(&key)) {
                invitation.status = InvitationStatus::Accepted;
            }
            if let Some(link) = link {
                s.pending.remove(&(link.customer_id.clone(), request.email.clone()));
            }
        }
        drop(s);
        self.answer("approve_request", outcome)
    }

    async fn reject_request(
        &self,
        request: &SignUpRequest,
        outbox: &OutboxMessage,
        audit: &AuditEvent,
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = check([
            (!s.still_pending(&request.request_id), Conflict::AlreadyDecided),
            (!s.email_held_by(&request.email, &request.request_id), Conflict::EmailNotHeld),
            (s.queued(outbox) || s.audits_exist(std::slice::from_ref(audit)), Conflict::Duplicate),
        ]);
        if outcome.is_ok() {
            s.requests.insert(request.request_id.clone(), request.clone());
            s.emails.remove(&request.email);
            s.queue(outbox);
            s.audit.push(audit.clone());
        }
        self.record("reject_request", &outcome);
        outcome
    }
}

#[async_trait]
impl Accounts for MemoryStore {
    async fn email_owner(&self, email: &str) -> anyhow::Result<Option<EmailOwner>> {
        Ok(self.state().await.emails.get(email).cloned())
    }

    async fn get_user(&self, id: &UserId) -> anyhow::Result<Option<User>> {
        Ok(self.state().await.users.get(id).cloned())
    }

    async fn create_user(&self, user: &User, business: Option<&Business>) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = check([
            (s.emails.contains_key(&user.email), Conflict::EmailTaken),
            (s.users.contains_key(&user.user_id), Conflict::UserExists),
        ]);
        if outcome.is_ok() {
            s.add_account(user, business);
        }
        self.record("create_user", &outcome);
        outcome
    }

    async fn set_user_status(
        &self,
        id: &UserId,
        from: UserStatus,
        status: UserStatus,
        end_sessions_at_ms: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<(), WriteError> {
        self.injected_failure("set_user_status")?;
        let mut s = self.state().await;
        let outcome = check([
            (s.users.get(id).is_none_or(|u| u.status != from), Conflict::StatusChanged),
            (s.audits_exist(std::slice::from_ref(audit)), Conflict::Duplicate),
        ]);
        if outcome.is_ok() {
            if let Some(user) = s.users.get_mut(id) {
                user.status = status;
                if let Some(at) = end_sessions_at_ms {
                    user.sessions_valid_after_ms = at;
                }
            }
            s.audit.push(audit.clone());
        }
        self.record(&format!("set_user_status {status:?}"), &outcome);
        outcome
    }
}

#[async_trait]
impl Admins for MemoryStore {
    async fn register_admin(&self, user: &User) -> anyhow::Result<()> {
        self.state().await.admins.insert(user.user_id.clone());
        Ok(())
    }

    async fn admin_addresses(&self, limit: i32) -> anyhow::Result<Vec<String>> {
        let s = self.state().await;
        let limit = usize::try_from(limit.max(0)).unwrap_or(0);
        Ok(s.admins.iter().filter_map(|id| s.users.get(id).map(|u| u.email.clone())).take(limit).collect())
    }
}

#[async_trait]
impl ManagedCustomers for MemoryStore {
    async fn create_managed_customer(
        &self,
        user: &User,
        business: &Business,
        link: &PartnerLink,
        audit: &AuditEvent,
        outbox: Option<&OutboxMessage>,
    ) -> Result<(), WriteError> {
        self.injected_failure("create_managed_customer")?;
        let mut s = self.state().await;
        let outcome = check([
            (s.emails.contains_key(&user.email), Conflict::EmailTaken),
            (s.users.contains_key(&user.user_id), Conflict::UserExists),
            (s.businesses.contains_key(&business.business_id), Conflict::Duplicate),
            (s.link_exists(link), Conflict::AlreadyLinked),
            (s.audits_exist(std::slice::from_ref(audit)) || outbox.is_some_and(|m| s.queued(m)), Conflict::Duplicate),
        ]);
        if outcome.is_ok() {
            s.add_account(user, Some(business));
            s.add_link(link);
            s.audit.push(audit.clone());
            if let Some(outbox) = outbox {
                s.queue(outbox);
            }
        }
        drop(s);
        self.answer("create_managed_customer", outcome)
    }

    async fn update_customer_details(
        &self,
        user: &User,
        business: &Business,
        link: &PartnerLink,
        renamed: bool,
        audit: &AuditEvent,
    ) -> Result<(), WriteError> {
        let mut guard = self.state().await;
        let s = &mut *guard;
        let sides =
            [(link.partner_id.clone(), link.customer_id.clone()), (link.customer_id.clone(), link.partner_id.clone())];
        let outcome = check([
            (!s.users.contains_key(&user.user_id), Conflict::Missing),
            (renamed && !s.businesses.contains_key(&business.business_id), Conflict::Missing),
            (
                renamed && (!s.customer_side.contains_key(&sides[0]) || !s.partner_side.contains_key(&sides[1])),
                Conflict::PartnersChanged,
            ),
            (s.audits_exist(std::slice::from_ref(audit)), Conflict::Duplicate),
        ]);
        if outcome.is_ok() {
            s.audit.push(audit.clone());
            if let Some(stored) = s.users.get_mut(&user.user_id) {
                stored.first_name.clone_from(&user.first_name);
                stored.last_name.clone_from(&user.last_name);
            }
            if renamed {
                if let Some(item) = s.businesses.get_mut(&business.business_id) {
                    item.business.name.clone_from(&business.name);
                    item.profile.name.clone_from(&business.name);
                    item.profile.version += 1;
                }
                for side in
                    [s.customer_side.get_mut(&sides[0]), s.partner_side.get_mut(&sides[1])].into_iter().flatten()
                {
                    side.customer_name.clone_from(&business.name);
                }
            }
        }
        self.record("update_customer_details", &outcome);
        outcome
    }
}
