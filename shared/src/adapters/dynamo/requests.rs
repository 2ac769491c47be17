//! Sign-up requests ("Create Account Requests") and their decisions. A request holds its
//! email through a marker; deciding it is one transaction that holds only while the
//! request is still pending. The count of pending requests is a counter item that the same
//! transactions keep, so Pending Approvals' badge is one read.

use async_trait::async_trait;

use super::attrs::{n, record_with, s};
use super::expr::Expr;
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, audit, keys, outbox, partners, profiles, rate_limits, tokens, users};
use crate::domain::ids::RequestId;
use crate::domain::limits::Hit;
use crate::domain::records::{
    AuditEvent, Business, EmailOwner, InvitationRef, OutboxMessage, PartnerLink, RequestStatus, SignUpRequest, User,
};
use crate::domain::token::{TokenHash, TokenPurpose};
use crate::ports::{Conflict, Listing, SignUpRequests, WriteError};

/// The request as decided, replacing the pending one only while it is still pending.
fn decide(request: &SignUpRequest) -> anyhow::Result<Write> {
    let item = record_with(&keys::request(&request.request_id), request, keys::request_index(request))?;
    Ok(Write::put(item).when("#status = :pending", Conflict::AlreadyDecided).bind(":pending", s("pending")))
}

/// One more (`+1`) or one fewer (`-1`) pending request.
fn count_pending(delta: i64) -> Write {
    let mut expr = Expr::default();
    expr.add("count", n(delta));
    Write::update(&keys::pending_requests(), expr)
}

/// The condition that an invitation is still pending at the generation a sign-up named (an
/// invitation stored before generations has none: generation 0).
fn invitation_unchanged(write: Write, invited: &InvitationRef) -> Write {
    let condition = if invited.generation == 0 {
        "#status = :pending AND (attribute_not_exists(#generation) OR #generation = :generation)"
    } else {
        "#status = :pending AND #generation = :generation"
    };
    write
        .when(condition, Conflict::InvitationChanged)
        .bind(":pending", s("pending"))
        .bind(":generation", n(i64::from(invited.generation)))
}

#[async_trait]
impl SignUpRequests for DynamoStore {
    async fn create_signup_request(
        &self,
        request: &SignUpRequest,
        invitation_token: Option<&TokenHash>,
        outbox: &OutboxMessage,
        hits: &[Hit],
    ) -> Result<(), WriteError> {
        let owner = EmailOwner::request(request);
        let mut writes = vec![
            users::claim_email(&request.email, &owner)?,
            Write::put_new(
                record_with(&keys::request(&request.request_id), request, keys::request_index(request))?,
                Conflict::Duplicate,
            ),
            count_pending(1),
        ];
        writes.extend(outbox::queue(outbox)?);
        writes.extend(hits.iter().map(rate_limits::hit));
        if let Some(hash) = invitation_token {
            writes.push(tokens::redeem(hash, TokenPurpose::Invitation)?);
        }
        if let Some(invited) = &request.invited_by {
            let check = Write::check(&keys::invitation(&invited.customer_id, &invited.invitation_id));
            writes.push(invitation_unchanged(check, invited));
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

    /// One GetItem of the counter (never below zero).
    async fn count_pending_requests(&self) -> anyhow::Result<u64> {
        #[derive(serde::Deserialize)]
        struct Counter {
            #[serde(default)]
            count: i64,
        }
        let counter: Option<Counter> =
            self.get(&keys::pending_requests(), "Failed to read the count of pending requests").await?;
        Ok(u64::try_from(counter.map_or(0, |c| c.count)).unwrap_or(0))
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
        let owner = EmailOwner::user(user, Some(&business.name));
        let marker = users::marker_item(&request.email, &owner)?;
        let mut writes = vec![
            decide(request)?,
            users::new_user(user)?,
            profiles::new_business(business)?,
            Write::put(marker)
                .when("#request_id = :rid", Conflict::EmailNotHeld)
                .bind(":rid", s(request.request_id.as_ref())),
            count_pending(-1),
        ];
        writes.extend(outbox::queue(outbox)?);
        for event in audits {
            writes.push(audit::record_event(event)?);
        }
        if let Some(link) = link {
            writes.extend(partners::link(link)?);
            if let (Some(invited), Some(_)) = (&request.invited_by, &link.invitation_id) {
                let mut expr = Expr::default();
                expr.set("status", s("accepted"));
                let accept = Write::update(&keys::invitation(&invited.customer_id, &invited.invitation_id), expr);
                writes.push(invitation_unchanged(accept, invited));
                // The address may be invited again once its partner is linked.
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
            count_pending(-1),
        ];
        writes.extend(outbox::queue(outbox)?);
        self.transact(writes, "Failed to store the rejection").await
    }
}
