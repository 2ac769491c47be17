//! Handlers only admins may use (the use cases check the role): "Pending Approvals" (count,
//! list, approve, reject), writing a business's health checks, maintaining the catalog, and
//! the emails that could not be sent (`GET /admin/outbox?status=dead`).

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;

use super::dashboard::{HealthCheckView, ProductView};
use super::edge::{Answer, Listing, caller, json_response, limit, ok, path_param, query, read_body, respond};
use crate::app::approvals::{self, RejectForm};
use crate::app::dashboard::{self, HealthCheckForm};
use crate::app::{App, AppError, catalog, dead_letters};
use crate::domain::account::AccountKind;
use crate::domain::ids::{BusinessId, OutboxId, RequestId, UserId};
use crate::domain::records::{EmailKind, OutboxMessage, RequestStatus, SignUpRequest};

#[derive(Debug, Serialize)]
struct PendingCount {
    pending: u64,
}

/// A Create Account Request as the Pending Approvals list shows it.
#[derive(Debug, Serialize)]
struct ApprovalView {
    request_id: RequestId,
    kind: AccountKind,
    business_name: String,
    business_website: String,
    first_name: String,
    last_name: String,
    email: String,
    phone: Option<String>,
    status: RequestStatus,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    /// The customer whose invitation the partner signed up through.
    invited_by: Option<BusinessId>,
    reason: Option<String>,
}

impl From<&SignUpRequest> for ApprovalView {
    fn from(r: &SignUpRequest) -> Self {
        Self {
            request_id: r.request_id.clone(),
            kind: r.kind,
            business_name: r.business_name.clone(),
            business_website: r.business_website.clone(),
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            email: r.email.clone(),
            phone: r.phone.clone(),
            status: r.status,
            created_at: r.created_at,
            invited_by: r.invited_by.as_ref().map(|i| i.customer_id.clone()),
            reason: r.reason.clone(),
        }
    }
}

/// An admin's decision on a request.
#[derive(Debug, Serialize)]
struct Decision {
    request_id: RequestId,
    status: RequestStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<UserId>,
}

pub async fn list_approvals(app: &App, req: Request) -> Answer {
    respond("list-approvals", &req, async {
        let caller = caller(app, &req).await?;
        if req.uri().path().trim_end_matches('/').ends_with("/count") {
            return ok(&PendingCount { pending: approvals::count_pending(app, &caller).await? });
        }
        let status = match query(&req, "status") {
            None => RequestStatus::Pending,
            Some(s) => RequestStatus::parse(&s)
                .ok_or_else(|| AppError::BadRequest("status must be pending, approved or rejected.".into()))?,
        };
        let page = approvals::list(app, &caller, status, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        ok(&Listing::of(&page.items, page.next_cursor, ApprovalView::from))
    })
    .await
}

pub async fn approve(app: &App, req: Request) -> Answer {
    respond("approve", &req, async {
        let caller = caller(app, &req).await?;
        let approved = approvals::approve(app, &caller, &path_param(&req, "request_id")).await?;
        ok(&Decision { request_id: approved.request_id, status: RequestStatus::Approved, user_id: approved.user_id })
    })
    .await
}

pub async fn reject(app: &App, req: Request) -> Answer {
    respond("reject", &req, async {
        let caller = caller(app, &req).await?;
        let form: RejectForm = read_body(&req)?;
        let rejected = approvals::reject(app, &caller, &path_param(&req, "request_id"), &form).await?;
        ok(&Decision { request_id: rejected.request_id, status: RequestStatus::Rejected, user_id: None })
    })
    .await
}

pub async fn upsert_health_check(app: &App, req: Request) -> Answer {
    respond("upsert-health-check", &req, async {
        let caller = caller(app, &req).await?;
        let form: HealthCheckForm = read_body(&req)?;
        let (business, kind) = (path_param(&req, "business_id"), path_param(&req, "kind"));
        let check = dashboard::upsert_health_check(app, &caller, &business, &kind, &form).await?;
        ok(&HealthCheckView::from(&check))
    })
    .await
}

pub async fn upsert_product(app: &App, req: Request) -> Answer {
    respond("upsert-product", &req, async {
        let caller = caller(app, &req).await?;
        let form: catalog::ProductForm = read_body(&req)?;
        let (product, created) = catalog::upsert(app, &caller, &path_param(&req, "product_id"), &form).await?;
        let status = if created { StatusCode::CREATED } else { StatusCode::OK };
        Ok(json_response(status, &ProductView::from(&product)))
    })
    .await
}

/// One dead-lettered email as an admin sees it: to whom, which email, how often it was
/// tried and why the last try failed. Never its template values or link.
#[derive(Debug, Serialize)]
struct DeadLetterView {
    outbox_id: OutboxId,
    to: String,
    kind: EmailKind,
    status: &'static str,
    attempts: u32,
    last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl From<&OutboxMessage> for DeadLetterView {
    fn from(m: &OutboxMessage) -> Self {
        Self {
            outbox_id: m.outbox_id.clone(),
            to: m.to.clone(),
            kind: m.kind,
            status: "dead",
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            created_at: m.created_at,
        }
    }
}

pub async fn list_outbox(app: &App, req: Request) -> Answer {
    respond("list-outbox", &req, async {
        let caller = caller(app, &req).await?;
        match query(&req, "status").as_deref() {
            None | Some("dead") => {}
            Some(_) => return Err(AppError::BadRequest("status must be dead.".into())),
        }
        let page = dead_letters::list(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        ok(&Listing::of(&page.items, page.next_cursor, DeadLetterView::from))
    })
    .await
}
