//! Handlers of the dashboard that customers and partners share: a partner's customer list and
//! its active business ("Make Business Active"), the Business Profile, products (Licensing
//! Expert notes, Potential Upgrades priorities, requests), the "Zscaler Products Request" page
//! and quotes, health checks (read), the catalog (read) and the audit trail.

use lambda_http::Request;
use lambda_http::http::{Method, StatusCode};
use serde::Serialize;
use time::OffsetDateTime;

use super::edge::{
    Answer, Listing, caller, client_ip, json_response, limit, method_not_allowed, ok, path_param, query, read_body,
    respond,
};
use super::partners::PartnerView;
use crate::app::dashboard::{self, ActiveBusinessForm, ProfileView};
use crate::app::dashboard_products::{self, BusinessProduct, NoteForm, PriorityForm, QuoteForm, Quoted, Requested};
use crate::app::{App, audit, catalog};
use crate::domain::account::{PartnerType, Role};
use crate::domain::catalog::{
    Actor, HealthCheck, HealthCheckKind, HealthStatus, Note, Priority, Product, ProductAction, ProductEvent, ProductId,
    ProductState, QuoteId, QuoteStatus, Suggestion,
};
use crate::domain::ids::{BusinessId, InvitationId, UserId};
use crate::domain::profile::{Address, Contact};
use crate::domain::records::{AuditEvent, Invitation, PartnerLink};

// ---- customers and the active business ------------------------------------------------------

/// One customer of the partner's customer list.
#[derive(Debug, Serialize)]
struct CustomerItem {
    business_id: BusinessId,
    business_name: String,
    partner_type: PartnerType,
    #[serde(with = "time::serde::rfc3339")]
    linked_at: OffsetDateTime,
    active: bool,
    /// The partner created this customer and manages its account (edit, status, "Log in as
    /// customer").
    managed: bool,
}

#[derive(Debug, Serialize)]
struct CustomerList {
    #[serde(flatten)]
    page: Listing<CustomerItem>,
    active_business_id: Option<BusinessId>,
}

#[derive(Debug, Serialize)]
struct ActiveBusinessView {
    business_id: BusinessId,
    active: bool,
}

pub async fn list_customers(app: &App, req: Request) -> Answer {
    respond("list-customers", &req, async {
        let caller = caller(app, &req).await?;
        let customers = dashboard::list_customers(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        let active = customers.active;
        let page = Listing::of(&customers.page.items, customers.page.next_cursor, |l: &PartnerLink| CustomerItem {
            business_id: l.customer_id.clone(),
            business_name: l.customer_name.clone(),
            partner_type: l.partner_type,
            linked_at: l.linked_at,
            active: active.as_ref() == Some(&l.customer_id),
            managed: l.managed,
        });
        ok(&CustomerList { page, active_business_id: active })
    })
    .await
}

pub async fn set_active_business(app: &App, req: Request) -> Answer {
    respond("set-active-business", &req, async {
        let caller = caller(app, &req).await?;
        caller.require(Role::Partner)?;
        let form: ActiveBusinessForm = read_body(&req)?;
        let chosen = dashboard::set_active_business(app, &caller, &form).await?;
        ok(&ActiveBusinessView { business_id: chosen.business_id, active: true })
    })
    .await
}

// ---- business profile -----------------------------------------------------------------------

/// An invitation as the profile's "My Partner" section lists it.
#[derive(Debug, Serialize)]
struct ProfileInvitation {
    invitation_id: InvitationId,
    business_name: String,
    email: String,
    partner_type: PartnerType,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

#[derive(Debug, Serialize)]
struct MyPartner {
    partners: Vec<PartnerView>,
    invitations: Vec<ProfileInvitation>,
}

/// The Business Profile page. `my_partner` is the customer's own: `null` when a partner
/// reads it (a partner does not see the customer's other partners or whom it invited).
#[derive(Debug, Serialize)]
struct ProfileAnswer {
    business_id: BusinessId,
    name: String,
    website: String,
    phone: Option<String>,
    address: Address,
    industry: Option<String>,
    employee_count: Option<u32>,
    contacts: Vec<Contact>,
    version: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    updated_at: Option<OffsetDateTime>,
    my_partner: Option<MyPartner>,
}

impl From<ProfileView> for ProfileAnswer {
    fn from(view: ProfileView) -> Self {
        let p = view.profile;
        Self {
            business_id: p.business_id,
            name: p.name,
            website: p.website,
            phone: p.phone,
            address: p.address,
            industry: p.industry,
            employee_count: p.employee_count,
            contacts: p.contacts,
            version: p.version,
            updated_at: p.updated_at,
            my_partner: view.my_partner.map(|mine| MyPartner {
                partners: mine.partners.iter().map(PartnerView::from).collect(),
                invitations: mine
                    .invitations
                    .iter()
                    .map(|i: &Invitation| ProfileInvitation {
                        invitation_id: i.invitation_id.clone(),
                        business_name: i.business_name.clone(),
                        email: i.email.clone(),
                        partner_type: i.partner_type,
                        created_at: i.created_at,
                    })
                    .collect(),
            }),
        }
    }
}

pub async fn business_profile(app: &App, req: Request) -> Answer {
    respond("business-profile", &req, async {
        let caller = caller(app, &req).await?;
        let view = match *req.method() {
            Method::GET | Method::HEAD => dashboard::get_profile(app, &caller).await?,
            Method::PUT => {
                dashboard::require_business_caller(&caller)?;
                dashboard::update_profile(app, &caller, &read_body(&req)?).await?
            }
            _ => return method_not_allowed(),
        };
        ok(&ProfileAnswer::from(view))
    })
    .await
}

// ---- products -------------------------------------------------------------------------------

/// Who did something, as shown next to it.
#[derive(Debug, Serialize)]
struct ActorView {
    user_id: UserId,
    name: String,
    role: Role,
}

impl From<&Actor> for ActorView {
    fn from(a: &Actor) -> Self {
        Self { user_id: a.user_id.clone(), name: a.name.clone(), role: a.role }
    }
}

/// A product of the business, with the partner's note and priority.
#[derive(Debug, Serialize)]
struct BusinessProductView {
    product_id: ProductId,
    name: String,
    section: String,
    note: Option<Note>,
    note_by: Option<ActorView>,
    #[serde(with = "time::serde::rfc3339::option")]
    note_at: Option<OffsetDateTime>,
    priority: Option<Priority>,
    no_suggestion: bool,
    requested: bool,
}

impl From<&BusinessProduct> for BusinessProductView {
    fn from(e: &BusinessProduct) -> Self {
        let (p, s) = (&e.product, &e.state);
        Self {
            product_id: p.product_id.clone(),
            name: p.name.clone(),
            section: p.section.clone(),
            note: s.note.clone(),
            note_by: s.note_by.as_ref().map(ActorView::from),
            note_at: s.note_at,
            priority: s.priority,
            no_suggestion: s.no_suggestion,
            requested: s.requested(),
        }
    }
}

/// "Potential Upgrades" (products with a priority) and "All Products" (the rest).
#[derive(Debug, Serialize)]
struct BusinessProductsAnswer {
    potential_upgrades: Vec<BusinessProductView>,
    all_products: Vec<BusinessProductView>,
}

#[derive(Debug, Serialize)]
struct NoteSaved {
    product_id: String,
    note: Option<Note>,
}

#[derive(Debug, Serialize)]
struct PrioritySaved {
    product_id: String,
    priority: Option<Priority>,
    no_suggestion: bool,
}

#[derive(Debug, Serialize)]
struct ProductRequested {
    product_id: String,
    requested: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    requested_at: Option<OffsetDateTime>,
    requested_by: Option<ActorView>,
}

pub async fn business_products(app: &App, req: Request) -> Answer {
    respond("business-products", &req, async {
        let caller = caller(app, &req).await?;
        let products = dashboard_products::list(app, &caller).await?;
        ok(&BusinessProductsAnswer {
            potential_upgrades: products.potential_upgrades.iter().map(BusinessProductView::from).collect(),
            all_products: products.all_products.iter().map(BusinessProductView::from).collect(),
        })
    })
    .await
}

pub async fn set_product_note(app: &App, req: Request) -> Answer {
    respond("set-product-note", &req, async {
        let caller = caller(app, &req).await?;
        caller.require(Role::Partner)?;
        let form: NoteForm = read_body(&req)?;
        let product_id = path_param(&req, "product_id");
        let note = dashboard_products::set_note(app, &caller, &product_id, &form).await?;
        ok(&NoteSaved { product_id, note })
    })
    .await
}

pub async fn set_product_priority(app: &App, req: Request) -> Answer {
    respond("set-product-priority", &req, async {
        let caller = caller(app, &req).await?;
        caller.require(Role::Partner)?;
        let form: PriorityForm = read_body(&req)?;
        let product_id = path_param(&req, "product_id");
        let priority = match dashboard_products::set_priority(app, &caller, &product_id, &form).await? {
            Suggestion::Priority(p) => Some(p),
            Suggestion::NoSuggestion => None,
        };
        ok(&PrioritySaved { product_id, priority, no_suggestion: priority.is_none() })
    })
    .await
}

pub async fn request_product(app: &App, req: Request) -> Answer {
    respond("request-product", &req, async {
        let caller = caller(app, &req).await?;
        let product_id = path_param(&req, "product_id");
        let (state, outcome) = dashboard_products::request(app, &caller, &product_id).await?;
        let status = if outcome == Requested::Now { StatusCode::CREATED } else { StatusCode::OK };
        Ok(json_response(
            status,
            &ProductRequested {
                product_id,
                requested: true,
                requested_at: state.requested_at,
                requested_by: state.requested_by.as_ref().map(ActorView::from),
            },
        ))
    })
    .await
}

// ---- the "Zscaler Products Request" page and quotes -----------------------------------------

/// The most events of a product's history an answer carries: the latest ones.
pub const MAX_HISTORY: usize = 50;

#[derive(Debug, Serialize)]
struct EventView {
    action: ProductAction,
    priority: Option<Priority>,
    by: ActorView,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
}

impl From<&ProductEvent> for EventView {
    fn from(e: &ProductEvent) -> Self {
        Self { action: e.action, priority: e.priority, by: ActorView::from(&e.by), at: e.at }
    }
}

#[derive(Debug, Serialize)]
struct QuoteSummary {
    quote_id: QuoteId,
    status: Option<QuoteStatus>,
    #[serde(with = "time::serde::rfc3339::option")]
    requested_at: Option<OffsetDateTime>,
}

/// One row of the "Zscaler Products Request" page: who did what, and its quote.
#[derive(Debug, Serialize)]
struct ProductRequestView {
    product_id: Option<ProductId>,
    name: Option<String>,
    section: Option<String>,
    requested: bool,
    requested_by: Option<ActorView>,
    #[serde(with = "time::serde::rfc3339::option")]
    requested_at: Option<OffsetDateTime>,
    priority: Option<Priority>,
    no_suggestion: bool,
    quote: Option<QuoteSummary>,
    history: Vec<EventView>,
}

impl ProductRequestView {
    fn new(product: Option<&Product>, s: &ProductState) -> Self {
        Self {
            product_id: s.product_id.clone(),
            name: product.map(|p| p.name.clone()),
            section: product.map(|p| p.section.clone()),
            requested: s.requested(),
            requested_by: s.requested_by.as_ref().map(ActorView::from),
            requested_at: s.requested_at,
            priority: s.priority,
            no_suggestion: s.no_suggestion,
            quote: s.quote_id.as_ref().map(|id| QuoteSummary {
                quote_id: id.clone(),
                status: s.quote_status,
                requested_at: s.quote_at,
            }),
            // The latest MAX_HISTORY events, oldest first (infra/openapi.yaml documents the bound).
            history: s.latest_history(MAX_HISTORY).into_iter().map(EventView::from).collect(),
        }
    }
}

/// A quote request, as stored and emailed.
#[derive(Debug, Serialize)]
struct QuoteView {
    quote_id: QuoteId,
    product_id: ProductId,
    status: QuoteStatus,
    message: Option<Note>,
    requested_by: ActorView,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

pub async fn product_requests(app: &App, req: Request) -> Answer {
    respond("product-requests", &req, async {
        let caller = caller(app, &req).await?;
        let page =
            dashboard_products::list_requests(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        ok(&Listing::of(&page.items, page.next_cursor, |r| ProductRequestView::new(r.product.as_ref(), &r.state)))
    })
    .await
}

pub async fn request_quote(app: &App, req: Request) -> Answer {
    respond("request-quote", &req, async {
        let caller = caller(app, &req).await?;
        caller.require(Role::Partner)?;
        let form: QuoteForm = read_body(&req)?;
        let product = path_param(&req, "product_id");
        let (quote, quoted) =
            dashboard_products::request_quote(app, &caller, &product, &form, &client_ip(&req)).await?;
        // A quote on the product that is still open answers 200 with that one (a second
        // click emails nobody); a new one is 201.
        let status = if quoted == Quoted::Now { StatusCode::CREATED } else { StatusCode::OK };
        Ok(json_response(
            status,
            &QuoteView {
                quote_id: quote.quote_id,
                product_id: quote.product_id,
                status: quote.status,
                message: quote.message,
                requested_by: ActorView::from(&quote.by),
                created_at: quote.created_at,
            },
        ))
    })
    .await
}

// ---- health checks --------------------------------------------------------------------------

/// A "CM360 Health Check" or "Zscaler Health Check".
#[derive(Debug, Serialize)]
pub(super) struct HealthCheckView {
    business_id: BusinessId,
    kind: HealthCheckKind,
    score: crate::domain::catalog::Score,
    status: HealthStatus,
    findings: Option<Note>,
    checked_on: crate::domain::catalog::CheckDate,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl From<&HealthCheck> for HealthCheckView {
    fn from(h: &HealthCheck) -> Self {
        Self {
            business_id: h.business_id.clone(),
            kind: h.kind,
            score: h.score,
            status: h.status,
            findings: h.findings.clone(),
            checked_on: h.checked_on.clone(),
            updated_at: h.updated_at,
        }
    }
}

pub async fn health_checks(app: &App, req: Request) -> Answer {
    respond("health-checks", &req, async {
        let caller = caller(app, &req).await?;
        let (business, cursor) = (query(&req, "business_id"), query(&req, "cursor"));
        let page =
            dashboard::list_health_checks(app, &caller, business.as_deref(), cursor.as_deref(), limit(&req)?).await?;
        ok(&Listing::of(&page.items, page.next_cursor, HealthCheckView::from))
    })
    .await
}

// ---- catalog --------------------------------------------------------------------------------

/// A product of the catalog.
#[derive(Debug, Serialize)]
pub(super) struct ProductView {
    product_id: ProductId,
    name: String,
    section: String,
    description: Option<String>,
    position: u32,
    retired: bool,
}

impl From<&Product> for ProductView {
    fn from(p: &Product) -> Self {
        Self {
            product_id: p.product_id.clone(),
            name: p.name.clone(),
            section: p.section.clone(),
            description: p.description.clone(),
            position: p.position,
            retired: p.retired,
        }
    }
}

pub async fn catalog(app: &App, req: Request) -> Answer {
    respond("catalog", &req, async {
        let caller = caller(app, &req).await?;
        let page = catalog::list(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        ok(&Listing::of(&page.items, page.next_cursor, ProductView::from))
    })
    .await
}

// ---- audit ----------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct PersonView {
    user_id: UserId,
    email: Option<String>,
}

/// One event of an audit trail: who (actor) did what to whom (subject), when.
#[derive(Debug, Serialize)]
struct AuditView {
    event_id: String,
    business_id: BusinessId,
    action: String,
    actor: PersonView,
    subject: Option<PersonView>,
    detail: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
}

impl From<&AuditEvent> for AuditView {
    fn from(e: &AuditEvent) -> Self {
        Self {
            event_id: e.event_id.clone(),
            business_id: e.business_id.clone(),
            action: e.action.clone(),
            actor: PersonView { user_id: e.actor.clone(), email: Some(e.actor_email.clone()) },
            subject: e.subject.as_ref().map(|s| PersonView { user_id: s.clone(), email: e.subject_email.clone() }),
            detail: e.detail.clone(),
            at: e.at,
        }
    }
}

/// The caller's own business's trail (`/business/audit`), or everyone's for an admin
/// (`/admin/audit`): one function serves both.
pub async fn list_audit(app: &App, req: Request) -> Answer {
    respond("list-audit", &req, async {
        let caller = caller(app, &req).await?;
        let (cursor, limit) = (query(&req, "cursor"), limit(&req)?);
        let page = if req.uri().path().starts_with("/admin/") {
            audit::list_all(app, &caller, cursor.as_deref(), limit).await?
        } else {
            audit::list_own(app, &caller, cursor.as_deref(), limit).await?
        };
        ok(&Listing::of(&page.items, page.next_cursor, AuditView::from))
    })
    .await
}
