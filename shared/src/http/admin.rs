//! Handlers only admins may use (the use cases check the role, and a handler that reads a
//! body checks it before, so that a stranger learns nothing from a 400): "Pending Approvals" (count,
//! list, approve, reject), writing a business's health checks, maintaining the catalog, and
//! the emails that could not be sent (`GET /admin/outbox?status=dead`), and the business
//! directory (search by name, one business's details).

use std::collections::HashMap;

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;

use super::dashboard::{HealthCheckView, ProductView};
use super::edge::{Answer, Listing, caller, json_response, limit, ok, path_param, query, read_body, respond};
use crate::app::approvals::{self, RejectForm};
use crate::app::dashboard::{self, HealthCheckForm};
use crate::app::{App, AppError, businesses, catalog, dead_letters};
use crate::domain::account::{AccountKind, PartnerType, Role, UserStatus};
use crate::domain::ids::{BusinessId, OutboxId, RequestId, UserId};
use crate::domain::profile::{Address, Contact};
use crate::domain::records::{Business, EmailKind, OutboxMessage, RequestStatus, SignUpRequest, User};

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
    /// The customer whose invitation the partner signed up through, its name, and the kind
    /// of partner it asked for.
    invited_by: Option<BusinessId>,
    invited_by_name: Option<String>,
    partner_type: Option<PartnerType>,
    reason: Option<String>,
}

impl ApprovalView {
    fn new(r: &SignUpRequest, inviters: &HashMap<BusinessId, String>) -> Self {
        let inviter = r.invited_by.as_ref();
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
            invited_by: inviter.map(|i| i.customer_id.clone()),
            invited_by_name: inviter.and_then(|i| inviters.get(&i.customer_id).cloned()),
            partner_type: inviter.map(|i| i.partner_type),
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
        let inviters = approvals::inviter_names(app, &page.items).await?;
        ok(&Listing::of(&page.items, page.next_cursor, |r| ApprovalView::new(r, &inviters)))
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
        caller.require(Role::Admin)?;
        let form: RejectForm = read_body(&req)?;
        let rejected = approvals::reject(app, &caller, &path_param(&req, "request_id"), &form).await?;
        ok(&Decision { request_id: rejected.request_id, status: RequestStatus::Rejected, user_id: None })
    })
    .await
}

pub async fn upsert_health_check(app: &App, req: Request) -> Answer {
    respond("upsert-health-check", &req, async {
        let caller = caller(app, &req).await?;
        caller.require(Role::Admin)?;
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
        caller.require(Role::Admin)?;
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

// ---- the business directory ---------------------------------------------------------------

/// A business in the directory's list.
#[derive(Debug, Serialize)]
struct BusinessSummary<'a> {
    business_id: &'a BusinessId,
    name: &'a str,
    kind: AccountKind,
    website: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    managed_by: Option<&'a BusinessId>,
}

impl<'a> From<&'a Business> for BusinessSummary<'a> {
    fn from(b: &'a Business) -> Self {
        Self {
            business_id: &b.business_id,
            name: &b.name,
            kind: b.kind,
            website: &b.website,
            created_at: b.created_at,
            managed_by: b.managed_by.as_ref(),
        }
    }
}

pub async fn list_businesses(app: &App, req: Request) -> Answer {
    respond("list-businesses", &req, async {
        let caller = caller(app, &req).await?;
        let (name, cursor) = (query(&req, "name"), query(&req, "cursor"));
        let page = businesses::search(app, &caller, name.as_deref(), cursor.as_deref(), limit(&req)?).await?;
        ok(&Listing::of(&page.items, page.next_cursor, BusinessSummary::from))
    })
    .await
}

/// Someone who signs in for a business.
#[derive(Debug, Serialize)]
struct UserSummary<'a> {
    user_id: &'a UserId,
    email: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    role: Role,
    status: UserStatus,
}

impl<'a> From<&'a User> for UserSummary<'a> {
    fn from(u: &'a User) -> Self {
        Self {
            user_id: &u.user_id,
            email: &u.email,
            first_name: &u.first_name,
            last_name: &u.last_name,
            role: u.role,
            status: u.status,
        }
    }
}

#[derive(Debug, Serialize)]
struct BusinessRef<'a> {
    business_id: &'a BusinessId,
    business_name: &'a str,
}

/// One business as an admin sees it: profile, people, health checks.
#[derive(Debug, Serialize)]
struct BusinessDetailsView<'a> {
    business_id: &'a BusinessId,
    name: &'a str,
    kind: AccountKind,
    website: &'a str,
    phone: Option<&'a str>,
    address: &'a Address,
    industry: Option<&'a str>,
    employee_count: Option<u32>,
    contacts: &'a [Contact],
    version: u64,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    updated_at: Option<OffsetDateTime>,
    managed_by: Option<BusinessRef<'a>>,
    users: Vec<UserSummary<'a>>,
    health_checks: Vec<HealthCheckView>,
}

pub async fn get_business(app: &App, req: Request) -> Answer {
    respond("get-business", &req, async {
        let caller = caller(app, &req).await?;
        let d = businesses::details(app, &caller, &path_param(&req, "business_id")).await?;
        ok(&BusinessDetailsView {
            business_id: &d.business.business_id,
            name: &d.profile.name,
            kind: d.business.kind,
            website: &d.profile.website,
            phone: d.profile.phone.as_deref(),
            address: &d.profile.address,
            industry: d.profile.industry.as_deref(),
            employee_count: d.profile.employee_count,
            contacts: &d.profile.contacts,
            version: d.profile.version,
            created_at: d.business.created_at,
            updated_at: d.profile.updated_at,
            managed_by: d
                .managed_by
                .as_ref()
                .map(|p| BusinessRef { business_id: &p.business_id, business_name: &p.name }),
            users: d.users.iter().map(UserSummary::from).collect(),
            health_checks: d.health_checks.iter().map(HealthCheckView::from).collect(),
        })
    })
    .await
}
