//! Pending Approvals: an admin approves or rejects Create Account Requests. Approval creates
//! the Cognito user, the account and its business (and, for an invited partner, its link to
//! the customer) and emails a set-password link; all table writes are one transaction that
//! holds only while the request is still pending, so a double click or two admins at once
//! give one account and one email.
//!
//! Four calls: the caller's session, the request, the Cognito user, the transaction. A
//! retried approval finds the Cognito user of the first attempt (one more call). A partner is
//! linked only while the invitation it signed up through is still pending at the generation
//! of its link: a customer that revoked (or resent) the invitation since blocks the approval,
//! which then answers 409 `invitation_withdrawn`, and the admin rejects the request.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::json;

use super::outbox;
use super::{App, AppError, Caller, audit, now};
use crate::domain::account::{AccountKind, Role, UserStatus};
use crate::domain::fields::{FieldErrors, Text};
use crate::domain::ids::{BusinessId, RequestId};
use crate::domain::records::{Business, EmailKind, PartnerLink, RequestStatus, SignUpRequest, User};
use crate::domain::token::TokenPurpose;
use crate::ports::CreateUserError;
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{Conflict, MAX_PAGE, Page, WriteError};

/// How many requests are pending (one read of a counter that the writes keep).
pub async fn count_pending(app: &App, caller: &Caller) -> Result<u64, AppError> {
    caller.require(Role::Admin)?;
    Ok(app.store.count_pending_requests().await?)
}

pub async fn list(
    app: &App,
    caller: &Caller,
    status: RequestStatus,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Page<SignUpRequest>, AppError> {
    caller.require(Role::Admin)?;
    Ok(app.store.list_requests(status, cursor, limit.clamp(1, MAX_PAGE)).await??)
}

async fn pending_request(app: &App, caller: &Caller, id: &str) -> Result<SignUpRequest, AppError> {
    caller.require(Role::Admin)?;
    let id = RequestId::parse(id).ok_or(AppError::NotFound("request"))?;
    app.store.get_request(&id).await?.ok_or(AppError::NotFound("request"))
}

fn already(request: &SignUpRequest, wanted: RequestStatus) -> Result<SignUpRequest, AppError> {
    if request.status == wanted {
        Ok(request.clone())
    } else {
        Err(AppError::conflict("already_decided", format!("This request was already {}.", request.status.as_str())))
    }
}

#[tracing::instrument(name = "Approve sign-up request", skip_all, fields(request_id = %id))]
pub async fn approve(app: &App, caller: &Caller, id: &str) -> Result<SignUpRequest, AppError> {
    let request = pending_request(app, caller, id).await?;
    if request.status != RequestStatus::Pending {
        return already(&request, RequestStatus::Approved);
    }
    let user_id = match app.identity.create_user(&request.email).await {
        Ok(user_id) => user_id,
        // Retrying cannot help: the request can only be rejected (it was stored before its
        // address was checked against what Cognito accepts).
        Err(CreateUserError::Refused) => {
            return Err(AppError::conflict(
                "email_not_accepted",
                "This request's email address cannot be used for an account (the identity provider refuses it); \
                 reject the request with a reason so that the applicant can sign up with another address.",
            ));
        }
        Err(CreateUserError::Unexpected(e)) => return Err(e.into()),
    };
    let decided = now();
    let business = Business {
        business_id: BusinessId::new(),
        kind: request.kind,
        name: request.business_name.clone(),
        website: request.business_website.clone(),
        phone: request.phone.clone(),
        created_at: decided,
        primary_user: Some(user_id.clone()),
        managed_by: None,
    };
    let user = User {
        user_id: user_id.clone(),
        email: request.email.clone(),
        business_id: business.business_id.clone(),
        role: request.kind.role(),
        status: UserStatus::PendingPassword,
        first_name: request.first_name.clone(),
        last_name: request.last_name.clone(),
        sessions_valid_after_ms: 0,
        credentials_changed_at_ms: 0,
        created_at: decided,
        active_business: None,
    };
    let link = match (&request.invited_by, request.kind) {
        (Some(invited), AccountKind::Partner) => {
            // The customer's name as the partner signed up (a request stored before it was
            // kept there reads it).
            let customer_name = if invited.customer_name.is_empty() {
                app.store.get_business(&invited.customer_id).await?.map(|c| c.name).unwrap_or_default()
            } else {
                invited.customer_name.clone()
            };
            Some(PartnerLink {
                customer_id: invited.customer_id.clone(),
                customer_name,
                partner_id: business.business_id.clone(),
                partner_name: business.name.clone(),
                partner_type: invited.partner_type,
                invitation_id: Some(invited.invitation_id.clone()),
                linked_at: decided,
                managed: false,
            })
        }
        _ => None,
    };
    let mut approved = request.clone();
    approved.status = RequestStatus::Approved;
    approved.decided_by = Some(caller.user.user_id.clone());
    approved.decided_at = Some(decided);
    approved.user_id = Some(user_id.clone());
    let email = outbox::message(
        app,
        &request.email,
        EmailKind::Approved,
        json!({"first_name": request.first_name, "business_name": request.business_name}),
        Some(outbox::password_link(app, TokenPurpose::SetPassword, &user, Some(&business.name))?),
    )?;
    let audit = audit::event(
        &business.business_id,
        &caller.user,
        Some(&user),
        "request_approved",
        json!({"request_id": request.request_id, "kind": request.kind}),
    );
    let mut audits = vec![audit];
    if let Some(link) = &link {
        audits.push(audit::event(
            &link.customer_id,
            &caller.user,
            Some(&user),
            "partner_linked",
            json!({
            "partner_business": link.partner_id, "partner_name": link.partner_name, "partner_type": link.partner_type,
            "invitation_id": link.invitation_id}),
        ));
    }
    match app.store.approve_request(&approved, &user, &business, link.as_ref(), &email, &audits).await {
        Ok(()) => {
            tracing::info!(user_id = %user_id, "Sign-up request approved");
            Ok(approved)
        }
        Err(WriteError::Conflict(Conflict::AlreadyDecided)) => {
            // Decided meanwhile (a double click, another admin): report what happened.
            let current = app.store.get_request(&request.request_id).await?.ok_or(AppError::NotFound("request"))?;
            already(&current, RequestStatus::Approved)
        }
        Err(WriteError::Conflict(Conflict::InvitationChanged)) => Err(AppError::conflict(
            "invitation_withdrawn",
            "The customer withdrew or resent the invitation this partner signed up through, so the partner cannot \
             be linked through it; reject this request with a reason (the partner can sign up again from the \
             customer's current invitation).",
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RejectForm {
    pub reason: Option<String>,
}

#[tracing::instrument(name = "Reject sign-up request", skip_all, fields(request_id = %id))]
pub async fn reject(app: &App, caller: &Caller, id: &str, form: &RejectForm) -> Result<SignUpRequest, AppError> {
    let request = pending_request(app, caller, id).await?;
    let reason = Text::parse(form.reason.as_deref(), 2000)
        .map_err(|e| FieldErrors::single("reason", e.to_string()))?
        .to_string();
    if request.status != RequestStatus::Pending {
        return already(&request, RequestStatus::Rejected);
    }
    let mut rejected = request.clone();
    rejected.status = RequestStatus::Rejected;
    rejected.decided_by = Some(caller.user.user_id.clone());
    rejected.decided_at = Some(now());
    rejected.reason = Some(reason.clone());
    let email = outbox::message(
        app,
        &request.email,
        EmailKind::Rejected,
        json!({"first_name": request.first_name, "business_name": request.business_name, "reason": reason}),
        None,
    )?;
    let audit = audit::event(
        &caller.user.business_id,
        &caller.user,
        None,
        "request_rejected",
        json!({"request_id": request.request_id, "email": request.email, "reason": rejected.reason}),
    );
    match app.store.reject_request(&rejected, &email, &audit).await {
        Ok(()) => {
            tracing::info!("Sign-up request rejected");
            Ok(rejected)
        }
        Err(WriteError::Conflict(Conflict::AlreadyDecided)) => {
            let current = app.store.get_request(&request.request_id).await?.ok_or(AppError::NotFound("request"))?;
            already(&current, RequestStatus::Rejected)
        }
        Err(e) => Err(e.into()),
    }
}

/// The names of the businesses that invited the partners of a page of sign-up requests, for
/// the "who invited it" column. A request keeps its inviter's name from the sign-up; only a
/// request stored before it did costs a read (one per distinct inviter).
///
/// # Errors
/// `Unavailable` when a business cannot be read.
pub async fn inviter_names(app: &App, requests: &[SignUpRequest]) -> Result<HashMap<BusinessId, String>, AppError> {
    let mut names = HashMap::new();
    for invited in requests.iter().filter_map(|r| r.invited_by.as_ref()).filter(|i| !i.customer_name.is_empty()) {
        names.insert(invited.customer_id.clone(), invited.customer_name.clone());
    }
    let mut ids: Vec<&BusinessId> = requests
        .iter()
        .filter_map(|r| r.invited_by.as_ref().map(|i| &i.customer_id))
        .filter(|id| !names.contains_key(*id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        if let Some(business) = app.store.get_business(id).await? {
            names.insert(id.clone(), business.name);
        }
    }
    Ok(names)
}
