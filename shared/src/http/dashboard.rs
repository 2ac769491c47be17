//! Handlers of the partner dashboard (customer list, active business, business profile,
//! products, product requests, quotes, health checks, catalog), one per Lambda function and
//! named like its binary. Errors become responses in [`super::edge`].

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Error, Request, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::edge::{caller, error_response, json_response, limit, path_param, query, read_body};
use super::handlers::respond;
use crate::app::dashboard::{self, ActiveBusinessForm, HealthCheckForm, ProfileView};
use crate::app::dashboard_products::{self, BusinessProduct, NoteForm, PriorityForm, QuoteForm, Requested};
use crate::app::{App, AppError, catalog};
use crate::domain::catalog::{Actor, HealthCheck, Product, ProductEvent, ProductState, Suggestion};
use crate::domain::profile::ProfileForm;

type Answer = Result<Response<Body>, Error>;

/// Dispatches to the dashboard handler of `function`.
pub async fn dispatch(function: &str, app: &App, req: Request) -> Answer {
    match function {
        "list-customers" => list_customers(app, req).await,
        "set-active-business" => set_active_business(app, req).await,
        "business-profile" => business_profile(app, req).await,
        "business-products" => business_products(app, req).await,
        "set-product-note" => set_product_note(app, req).await,
        "set-product-priority" => set_product_priority(app, req).await,
        "request-product" => request_product(app, req).await,
        "product-requests" => product_requests(app, req).await,
        "request-quote" => request_quote(app, req).await,
        "health-checks" => health_checks(app, req).await,
        "upsert-health-check" => upsert_health_check(app, req).await,
        "catalog" => catalog(app, req).await,
        "upsert-product" => upsert_product(app, req).await,
        other => Ok(error_response(&AppError::BadRequest(format!("no function named {other}")))),
    }
}

fn ok(body: &Value) -> Result<Response<Body>, AppError> {
    Ok(json_response(StatusCode::OK, body))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn page_json(items: Vec<Value>, next_cursor: Option<String>) -> Value {
    json!({"items": items, "next_cursor": next_cursor})
}

fn param(req: &Request, name: &str) -> String {
    path_param(req, name).unwrap_or_default()
}

// ---- customers and the active business ------------------------------------------------------

pub async fn list_customers(app: &App, req: Request) -> Answer {
    respond("list-customers", &req, async {
        let caller = caller(app, &req).await?;
        let customers = dashboard::list_customers(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        let active = customers.active;
        let items = customers
            .page
            .items
            .iter()
            .map(|l| {
                json!({"business_id": l.customer_id, "business_name": l.customer_name, "partner_type": l.partner_type,
                       "linked_at": rfc3339(l.linked_at), "active": active.as_ref() == Some(&l.customer_id),
                       "managed": l.managed})
            })
            .collect();
        let mut body = page_json(items, customers.page.next_cursor);
        body["active_business_id"] = json!(active);
        ok(&body)
    })
    .await
}

pub async fn set_active_business(app: &App, req: Request) -> Answer {
    respond("set-active-business", &req, async {
        let caller = caller(app, &req).await?;
        let form: ActiveBusinessForm = read_body(&req)?;
        let link = dashboard::set_active_business(app, &caller, &form).await?;
        ok(&json!({"business_id": link.customer_id, "business_name": link.customer_name, "active": true}))
    })
    .await
}

// ---- business profile -----------------------------------------------------------------------

fn profile_json(view: &ProfileView) -> Value {
    let p = &view.profile;
    json!({
        "business_id": p.business_id, "name": p.name, "website": p.website, "phone": p.phone,
        "address": p.address, "industry": p.industry, "employee_count": p.employee_count, "contacts": p.contacts,
        "version": p.version, "updated_at": p.updated_at.map(rfc3339),
        "my_partner": {
            "partners": view.partners.iter().map(|l| json!({"business_id": l.partner_id, "business_name": l.partner_name,
                "partner_type": l.partner_type, "linked_at": rfc3339(l.linked_at)})).collect::<Vec<_>>(),
            "invitations": view.invitations.iter().map(|i| json!({"invitation_id": i.invitation_id,
                "business_name": i.business_name, "email": i.email, "partner_type": i.partner_type,
                "created_at": rfc3339(i.created_at)})).collect::<Vec<_>>(),
        },
    })
}

pub async fn business_profile(app: &App, req: Request) -> Answer {
    respond("business-profile", &req, async {
        let caller = caller(app, &req).await?;
        let view = match *req.method() {
            Method::GET | Method::HEAD => dashboard::get_profile(app, &caller).await?,
            Method::PUT => {
                let form: ProfileForm = read_body(&req)?;
                dashboard::update_profile(app, &caller, &form).await?
            }
            _ => return Err(AppError::BadRequest("This method is not supported on this path.".into())),
        };
        ok(&profile_json(&view))
    })
    .await
}

// ---- products -------------------------------------------------------------------------------

fn actor_json(a: &Actor) -> Value {
    json!({"user_id": a.user_id, "name": a.name, "role": a.role})
}

fn business_product_json(e: &BusinessProduct) -> Value {
    let (p, s) = (&e.product, &e.state);
    json!({
        "product_id": p.product_id, "name": p.name, "section": p.section,
        "note": s.note, "note_by": s.note_by.as_ref().map(actor_json), "note_at": s.note_at.map(rfc3339),
        "priority": s.priority, "no_suggestion": s.no_suggestion, "requested": s.requested(),
    })
}

pub async fn business_products(app: &App, req: Request) -> Answer {
    respond("business-products", &req, async {
        let caller = caller(app, &req).await?;
        let products = dashboard_products::list(app, &caller).await?;
        ok(&json!({
            "potential_upgrades": products.potential_upgrades.iter().map(business_product_json).collect::<Vec<_>>(),
            "all_products": products.all_products.iter().map(business_product_json).collect::<Vec<_>>(),
        }))
    })
    .await
}

pub async fn set_product_note(app: &App, req: Request) -> Answer {
    respond("set-product-note", &req, async {
        let caller = caller(app, &req).await?;
        let form: NoteForm = read_body(&req)?;
        let id = param(&req, "product_id");
        let note = dashboard_products::set_note(app, &caller, &id, &form).await?;
        ok(&json!({"product_id": id, "note": note}))
    })
    .await
}

pub async fn set_product_priority(app: &App, req: Request) -> Answer {
    respond("set-product-priority", &req, async {
        let caller = caller(app, &req).await?;
        let form: PriorityForm = read_body(&req)?;
        let id = param(&req, "product_id");
        let body = match dashboard_products::set_priority(app, &caller, &id, &form).await? {
            Suggestion::Priority(p) => json!({"product_id": id, "priority": p, "no_suggestion": false}),
            Suggestion::NoSuggestion => json!({"product_id": id, "priority": null, "no_suggestion": true}),
        };
        ok(&body)
    })
    .await
}

pub async fn request_product(app: &App, req: Request) -> Answer {
    respond("request-product", &req, async {
        let caller = caller(app, &req).await?;
        let id = param(&req, "product_id");
        let (state, outcome) = dashboard_products::request(app, &caller, &id).await?;
        let status = if outcome == Requested::Now { StatusCode::CREATED } else { StatusCode::OK };
        Ok(json_response(
            status,
            &json!({"product_id": id, "requested": true, "requested_at": state.requested_at.map(rfc3339),
                    "requested_by": state.requested_by.as_ref().map(actor_json)}),
        ))
    })
    .await
}

fn event_json(e: &ProductEvent) -> Value {
    json!({"action": e.action, "priority": e.priority, "by": actor_json(&e.by), "at": rfc3339(e.at)})
}

fn request_json(product: Option<&Product>, s: &ProductState) -> Value {
    json!({
        "product_id": s.product_id, "name": product.map(|p| &p.name), "section": product.map(|p| &p.section),
        "requested": s.requested(), "requested_by": s.requested_by.as_ref().map(actor_json),
        "requested_at": s.requested_at.map(rfc3339), "priority": s.priority, "no_suggestion": s.no_suggestion,
        "quote": s.quote_id.as_ref().map(|id| json!({"quote_id": id, "status": s.quote_status,
            "requested_at": s.quote_at.map(rfc3339)})),
        "history": s.history.iter().map(event_json).collect::<Vec<_>>(),
    })
}

pub async fn product_requests(app: &App, req: Request) -> Answer {
    respond("product-requests", &req, async {
        let caller = caller(app, &req).await?;
        let page =
            dashboard_products::list_requests(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        let items = page.items.iter().map(|r| request_json(r.product.as_ref(), &r.state)).collect();
        ok(&page_json(items, page.next_cursor))
    })
    .await
}

pub async fn request_quote(app: &App, req: Request) -> Answer {
    respond("request-quote", &req, async {
        let caller = caller(app, &req).await?;
        let form: QuoteForm = read_body(&req)?;
        let quote = dashboard_products::request_quote(app, &caller, &param(&req, "product_id"), &form).await?;
        Ok(json_response(
            StatusCode::CREATED,
            &json!({"quote_id": quote.quote_id, "product_id": quote.product_id, "status": quote.status,
                    "message": quote.message, "requested_by": actor_json(&quote.by),
                    "created_at": rfc3339(quote.created_at)}),
        ))
    })
    .await
}

// ---- health checks --------------------------------------------------------------------------

fn health_json(h: &HealthCheck) -> Value {
    json!({"business_id": h.business_id, "kind": h.kind, "score": h.score, "status": h.status,
           "findings": h.findings, "checked_on": h.checked_on, "updated_at": rfc3339(h.updated_at)})
}

pub async fn health_checks(app: &App, req: Request) -> Answer {
    respond("health-checks", &req, async {
        let caller = caller(app, &req).await?;
        let page = dashboard::list_health_checks(
            app,
            &caller,
            query(&req, "business_id").as_deref(),
            query(&req, "cursor").as_deref(),
            limit(&req)?,
        )
        .await?;
        ok(&page_json(page.items.iter().map(health_json).collect(), page.next_cursor))
    })
    .await
}

pub async fn upsert_health_check(app: &App, req: Request) -> Answer {
    respond("upsert-health-check", &req, async {
        let caller = caller(app, &req).await?;
        let form: HealthCheckForm = read_body(&req)?;
        let check =
            dashboard::upsert_health_check(app, &caller, &param(&req, "business_id"), &param(&req, "kind"), &form)
                .await?;
        ok(&health_json(&check))
    })
    .await
}

// ---- catalog --------------------------------------------------------------------------------

fn product_json(p: &Product) -> Value {
    json!({"product_id": p.product_id, "name": p.name, "section": p.section, "description": p.description,
           "position": p.position, "retired": p.retired})
}

pub async fn catalog(app: &App, req: Request) -> Answer {
    respond("catalog", &req, async {
        let caller = caller(app, &req).await?;
        let page = catalog::list(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        ok(&page_json(page.items.iter().map(product_json).collect(), page.next_cursor))
    })
    .await
}

pub async fn upsert_product(app: &App, req: Request) -> Answer {
    respond("upsert-product", &req, async {
        let caller = caller(app, &req).await?;
        let form: catalog::ProductForm = read_body(&req)?;
        let (product, created) = catalog::upsert(app, &caller, &param(&req, "product_id"), &form).await?;
        let status = if created { StatusCode::CREATED } else { StatusCode::OK };
        Ok(json_response(status, &product_json(&product)))
    })
    .await
}
