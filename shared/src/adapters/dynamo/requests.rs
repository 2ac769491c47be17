//! Sign-up requests ("Create Account Requests") and their decisions. A request holds its
//! email through a marker; deciding it is one transaction that holds only while the
//! request is still pending.

use async_trait::async_trait;

use super::attrs::{record, record_with, s};
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, audit, keys, outbox, partners, profiles, tokens, users};
use crate::domain::ids::RequestId;
use crate::domain::records::{
    AuditEvent, Business, EmailOwner, InvitationStatus, OutboxMessage, PartnerLink, RequestStatus, SignUpRequest, User,
};
use crate::domain::token::{TokenHash, TokenPurpose};
use crate::ports::{Conflict, Listing, SignUpRequests, WriteError};

/// The request as decided, replacing the pending one only while it is still pending.
fn decide(request: &SignUpRequest) -> anyhow::Result<Write> {
    let item = record_with(&keys::request(&request.request_id), request, keys::request_index(request))?;
    Ok(Write::put(item).when("#status = :pending", Conflict::AlreadyDecided).bind(":pending", s("pending")))
}

#[async_trait]
impl SignUpRequests for DynamoStore {
    async fn create_signup_request(
        &self,
        request: &SignUpRequest,
        invitation_token: Option<&TokenHash>,
        outbox: &OutboxMessage,
    ) -> Result<(), WriteError> {
        let owner = EmailOwner::Request { request_id: request.request_id.clone() };
        let mut writes = vec![
            users::claim_email(&request.email, &owner)?,
            Write::put_new(
                record_with(&keys::request(&request.request_id), request, keys::request_index(request))?,
                Conflict::Duplicate,
            ),
        ];
        writes.extend(outbox::queue(outbox)?);
        if let Some(hash) = invitation_token {
            writes.push(tokens::redeem(hash, TokenPurpose::Invitation)?);
        }
        self.transact(writes, "Failed to store the sign-up request").await
    }

    async fn get_request(&self, id: &RequestId) -> anyhow::Result<Option<SignUpRequest>> {
        self.get(&keys::request(id), "Failed to read a sign-up request").await
    }

    async fn list_requests(&self, status: RequestStatus, cursor: Option<&str>, limit: i32) -> Listing<SignUpRequest> {
        let query = Query::index(keys::requests_with(status));
        self.page(&query, cursor, limit, "Failed to list sign-up requests").await
    }

    /// A COUNT query over the status index, page by page.
    async fn count_requests(&self, status: RequestStatus) -> anyhow::Result<u64> {
        self.count(&Query::index(keys::requests_with(status)), "Failed to count sign-up requests").await
    }

    /// One transaction; the request is put back only while the stored one is pending.
    async fn approve_request(
        &self,
        request: &SignUpRequest,
        user: &User,
        business: &Business,
        link: Option<&PartnerLink>,
        outbox: &OutboxMessage,
        audits: &[AuditEvent],
    ) -> Result<(), WriteError> {
        let owner = EmailOwner::user(user);
        let mut writes = vec![
            decide(request)?,
            users::new_user(user)?,
            profiles::new_business(business)?,
            Write::put(record(&keys::email(&request.email), &owner)?)
                .when("#request_id = :rid", Conflict::EmailNotHeld)
                .bind(":rid", s(request.request_id.as_ref())),
        ];
        writes.extend(outbox::queue(outbox)?);
        for event in audits {
            writes.push(audit::record_event(event)?);
        }
        if let Some(link) = link {
            writes.extend(partners::link(link)?);
            if let Some(invitation_id) = &link.invitation_id {
                writes.push(partners::set_invitation_status(
                    &link.customer_id,
                    invitation_id,
                    InvitationStatus::Accepted,
                )?);
                writes.push(partners::free_address(&link.customer_id, &request.email));
            }
        }
        self.transact(writes, "Failed to store the approval").await
    }

    async fn reject_request(
        &self,
        request: &SignUpRequest,
        outbox: &OutboxMessage,
        audit: &AuditEvent,
    ) -> Result<(), WriteError> {
        let mut writes = vec![
            decide(request)?,
            Write::delete(&keys::email(&request.email))
                .when("#request_id = :rid", Conflict::EmailNotHeld)
                .bind(":rid", s(request.request_id.as_ref())),
            audit::record_event(audit)?,
        ];
        writes.extend(outbox::queue(outbox)?);
        self.transact(writes, "Failed to store the rejection").await
    }
}
