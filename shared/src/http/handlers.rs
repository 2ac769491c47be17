//! One handler per Lambda function (named like the function's binary). Each reads the
//! request, calls its use case and writes the response; errors become responses in
//! [`super::edge`], so a handler never fails the invocation.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Error, Request, RequestExt, Response};
use serde_json::json;
use tracing::Instrument as _;

use super::edge::{
    bearer, caller, client_ip, error_response, impersonation_token, is_form, json_response, limit, link_problem_page,
    message_page, page_response, path_param, query, read_body,
};
use crate::app::approvals::{self, RejectForm};
use crate::app::customers::{self, CreateCustomerForm, ManagedCustomer, ManagedStatus, UpdateCustomerForm};
use crate::app::login::{LoginForm, login as log_in};
use crate::app::partners::{self, InviteForm, InviteOutcome};
use crate::app::passwords::{self, PasswordForm};
use crate::app::signup::{self, SignUpForm};
use crate::app::{App, AppError, audit, authenticate};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::BusinessId;
use crate::domain::records::{RequestStatus, SignUpRequest};
use crate::domain::token::TokenPurpose;
use crate::templates::render_page;

type Answer = Result<Response<Body>, Error>;

/// Runs a handler body inside a span carrying the request id, and turns its error into a
/// response.
pub(crate) async fn respond(
    function: &'static str,
    req: &Request,
    body: impl Future<Output = Result<Response<Body>, AppError>>,
) -> Answer {
    let request_id = req.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_else(|| {
        req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("local").to_owned()
    });
    let span =
        tracing::info_span!("Handle a request", function, request_id, method = %req.method(), path = req.uri().path());
    let impersonated = impersonation_token(req).is_some();
    async {
        let mut response = body.await.unwrap_or_else(|e| error_response(&e));
        if impersonated && response.status().is_success() {
            // Every answer given under an impersonation says so.
            response.headers_mut().insert("x-impersonation", lambda_http::http::HeaderValue::from_static("active"));
        }
        tracing::info!(status = response.status().as_u16(), "Answered");
        Ok(response)
    }
    .instrument(span)
    .await
}

fn method_not_allowed() -> Result<Response<Body>, AppError> {
    Err(AppError::BadRequest("This method is not supported on this path.".into()))
}

fn page(name: &str, context: serde_json::Value, status: StatusCode) -> Result<Response<Body>, AppError> {
    Ok(page_response(status, render_page(name, context)?))
}

/// Dispatches to the handler of `function` (the local router's way in).
pub async fn dispatch(function: &str, app: &App, req: Request) -> Answer {
    match function {
        "health" => health(app, req).await,
        "sign-up" => sign_up(app, req).await,
        "login" => login(app, req).await,
        "forgot-password" => forgot_password(app, req).await,
        "set-password" => set_password(app, req).await,
        "reset-password" => reset_password(app, req).await,
        "invite-partner" => invite_partner(app, req).await,
        "list-partners" => list_partners(app, req).await,
        "list-approvals" => list_approvals(app, req).await,
        "approve" => approve(app, req).await,
        "reject" => reject(app, req).await,
        "create-customer" => create_customer(app, req).await,
        "update-customer" => update_customer(app, req).await,
        "activate-account" => activate_account(app, req).await,
        "start-impersonation" => start_impersonation(app, req).await,
        "end-impersonation" => end_impersonation(app, req).await,
        "list-invitations" => list_invitations(app, req).await,
        "resend-invitation" => resend_invitation(app, req).await,
        "revoke-invitation" => revoke_invitation(app, req).await,
        "list-audit" => list_audit(app, req).await,
        "refresh-session" | "logout" | "list-businesses" | "get-business" | "get-customer" => {
            super::console::dispatch(function, app, req).await
        }
        other => super::dashboard::dispatch(other, app, req).await,
    }
}

pub async fn health(_app: &App, req: Request) -> Answer {
    respond("health", &req, async { Ok(json_response(StatusCode::OK, &json!({"status": "ok"}))) }).await
}

// ---- sign-up ------------------------------------------------------------------------------

fn signup_action(app: &App) -> String {
    app.config.signup_url.clone().unwrap_or_else(|| "/signup".to_owned())
}

pub async fn sign_up(app: &App, req: Request) -> Answer {
    respond("sign-up", &req, async {
        let action = signup_action(app);
        if matches!(*req.method(), Method::GET | Method::HEAD) {
            return match query(&req, "invitation") {
                None => page("signup", json!({"action": action, "values": {}, "errors": {}}), StatusCode::OK),
                Some(token) => match signup::open_invitation(app, &token).await {
                    Ok(view) => page(
                        "signup",
                        json!({"action": action, "invitation": view, "errors": {},
                               "values": {"business_name": view.business_name, "email": view.email}}),
                        StatusCode::OK,
                    ),
                    Err(AppError::Link(problem)) => Ok(link_problem_page(problem)),
                    Err(e) => Err(e),
                },
            };
        }
        if *req.method() != Method::POST {
            return method_not_allowed();
        }
        let form: SignUpForm = read_body(&req)?;
        let html = is_form(&req);
        match signup::sign_up(app, &form, &client_ip(&req)).await {
            Ok(()) => {
                let message = "Your request has been received and will be approved by an admin.";
                if html {
                    Ok(message_page(StatusCode::ACCEPTED, "Thank you for signing up", message, "notice"))
                } else {
                    Ok(json_response(StatusCode::ACCEPTED, &json!({"status": "received", "message": message})))
                }
            }
            Err(AppError::Link(problem)) if html => Ok(link_problem_page(problem)),
            Err(AppError::Link(problem)) => {
                Err(AppError::Validation(FieldErrors::single("invitation", problem.to_string())))
            }
            Err(AppError::Validation(errors)) if html => {
                let invitation = match form.invitation.as_deref() {
                    Some(t) => signup::open_invitation(app, t).await.ok(),
                    None => None,
                };
                page(
                    "signup",
                    json!({"action": action, "invitation": invitation, "errors": errors, "values": {
                        "business_name": form.business_name, "business_website": form.business_website,
                        "first_name": form.first_name, "last_name": form.last_name, "email": form.email,
                        "phone": form.phone, "privacy_policy": form.privacy_policy, "terms": form.terms}}),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
            Err(e) => Err(e),
        }
    })
    .await
}

// ---- login and passwords ------------------------------------------------------------------

pub async fn login(app: &App, req: Request) -> Answer {
    respond("login", &req, async {
        let form: LoginForm = read_body(&req)?;
        let mode = super::console::session_mode(&req)?;
        let session = log_in(app, form, &client_ip(&req)).await?;
        super::console::login_answer(app, &req, session, mode).await
    })
    .await
}

pub async fn forgot_password(app: &App, req: Request) -> Answer {
    respond("forgot-password", &req, async {
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct Form {
            email: Option<String>,
        }
        let form: Form = read_body(&req)?;
        passwords::forgot_password(app, form.email.as_deref(), &client_ip(&req)).await?;
        Ok(json_response(
            StatusCode::ACCEPTED,
            &json!({"status": "received",
                    "message": "If an account exists for this address, we have sent a link to reset its password."}),
        ))
    })
    .await
}

pub async fn set_password(app: &App, req: Request) -> Answer {
    respond("set-password", &req, password_link(app, &req, TokenPurpose::SetPassword)).await
}

pub async fn activate_account(app: &App, req: Request) -> Answer {
    respond("activate-account", &req, password_link(app, &req, TokenPurpose::Activation)).await
}

pub async fn reset_password(app: &App, req: Request) -> Answer {
    respond("reset-password", &req, password_link(app, &req, TokenPurpose::ResetPassword)).await
}

fn password_page(purpose: TokenPurpose) -> (&'static str, &'static str) {
    match purpose {
        TokenPurpose::ResetPassword => ("Reset Password", "/auth/reset-password"),
        TokenPurpose::Activation => ("Activate Account", "/auth/activate"),
        _ => ("Set Password", "/auth/set-password"),
    }
}

/// GET shows the form for a usable link (and changes nothing); POST sets the password.
async fn password_link(app: &App, req: &Request, purpose: TokenPurpose) -> Result<Response<Body>, AppError> {
    let (title, action) = password_page(purpose);
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        let token = query(req, "token");
        return match passwords::open_link(app, purpose, token.as_deref()).await {
            Ok(user) => page(
                "password",
                json!({"title": title, "action": action, "token": token, "email": user.email, "errors": {}}),
                StatusCode::OK,
            ),
            Err(AppError::Link(problem)) => Ok(link_problem_page(problem)),
            Err(e) => Err(e),
        };
    }
    if *req.method() != Method::POST {
        return method_not_allowed();
    }
    let html = is_form(req);
    let form: PasswordForm = read_body(req)?;
    match passwords::redeem_password_link(app, purpose, &form, &client_ip(req)).await {
        Ok(_) if html => page(
            "message",
            json!({"title": "Password set", "tone": "notice",
                   "message": "Your password has been set successfully. You can now log in with your business email and password.",
                   "link": {"href": format!("{}/login", app.config.portal_url.trim_end_matches('/')), "text": "Login"}}),
            StatusCode::OK,
        ),
        Ok(_) => Ok(json_response(StatusCode::OK, &json!({"status": "password_set"}))),
        Err(AppError::Link(problem)) if html => Ok(link_problem_page(problem)),
        Err(AppError::Validation(errors)) if html => {
            let user = passwords::open_link(app, purpose, form.token.as_deref()).await?;
            page(
                "password",
                json!({"title": title, "action": action, "token": form.token, "email": user.email, "errors": errors}),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e),
    }
}

// ---- partners -----------------------------------------------------------------------------

pub async fn invite_partner(app: &App, req: Request) -> Answer {
    respond("invite-partner", &req, async {
        let caller = caller(app, &req).await?;
        let form: InviteForm = read_body(&req)?;
        let (id, outcome) = partners::invite(app, &caller, &form).await?;
        let status = if outcome == InviteOutcome::Linked { "linked" } else { "sent" };
        Ok(json_response(StatusCode::CREATED, &json!({"invitation_id": id, "status": status})))
    })
    .await
}

pub async fn list_partners(app: &App, req: Request) -> Answer {
    respond("list-partners", &req, async {
        let caller = caller(app, &req).await?;
        let page = partners::list(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        let items: Vec<_> = page
            .items
            .iter()
            .map(|l| {
                json!({"business_id": l.partner_id, "business_name": l.partner_name,
                            "partner_type": l.partner_type, "linked_at": rfc3339(l.linked_at)})
            })
            .collect();
        Ok(json_response(StatusCode::OK, &json!({"items": items, "next_cursor": page.next_cursor})))
    })
    .await
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

// ---- approvals ----------------------------------------------------------------------------

fn approval_json(r: &SignUpRequest, inviters: &std::collections::HashMap<BusinessId, String>) -> serde_json::Value {
    let inviter = r.invited_by.as_ref();
    json!({
        "invited_by_name": inviter.and_then(|i| inviters.get(&i.customer_id)),
        "partner_type": inviter.map(|i| i.partner_type),
        "request_id": r.request_id, "kind": r.kind, "business_name": r.business_name,
        "business_website": r.business_website, "first_name": r.first_name, "last_name": r.last_name,
        "email": r.email, "phone": r.phone, "status": r.status, "created_at": rfc3339(r.created_at),
        "invited_by": r.invited_by.as_ref().map(|i| i.customer_id.to_string()),
        "reason": r.reason,
    })
}

pub async fn list_approvals(app: &App, req: Request) -> Answer {
    respond("list-approvals", &req, async {
        let caller = caller(app, &req).await?;
        if req.uri().path().trim_end_matches('/').ends_with("/count") {
            let pending = approvals::count_pending(app, &caller).await?;
            return Ok(json_response(StatusCode::OK, &json!({"pending": pending})));
        }
        let status = match query(&req, "status") {
            None => RequestStatus::Pending,
            Some(s) => RequestStatus::parse(&s)
                .ok_or_else(|| AppError::BadRequest("status must be pending, approved or rejected.".into()))?,
        };
        let page = approvals::list(app, &caller, status, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        let inviters = super::console::inviter_names(app, &page.items).await?;
        let items: Vec<_> = page.items.iter().map(|r| approval_json(r, &inviters)).collect();
        Ok(json_response(StatusCode::OK, &json!({"items": items, "next_cursor": page.next_cursor})))
    })
    .await
}

pub async fn approve(app: &App, req: Request) -> Answer {
    respond("approve", &req, async {
        let caller = caller(app, &req).await?;
        let id = path_param(&req, "request_id").unwrap_or_default();
        let approved = approvals::approve(app, &caller, &id).await?;
        Ok(json_response(
            StatusCode::OK,
            &json!({"request_id": approved.request_id, "status": "approved", "user_id": approved.user_id}),
        ))
    })
    .await
}

pub async fn reject(app: &App, req: Request) -> Answer {
    respond("reject", &req, async {
        let caller = caller(app, &req).await?;
        let id = path_param(&req, "request_id").unwrap_or_default();
        let form: RejectForm = read_body(&req)?;
        let rejected = approvals::reject(app, &caller, &id, &form).await?;
        Ok(json_response(StatusCode::OK, &json!({"request_id": rejected.request_id, "status": "rejected"})))
    })
    .await
}

// ---- partner-managed customers, impersonation ------------------------------------------

fn customer_json(c: &ManagedCustomer) -> serde_json::Value {
    json!({
        "business_id": c.business.business_id, "business_name": c.business.name, "user_id": c.user.user_id,
        "first_name": c.user.first_name, "last_name": c.user.last_name, "email": c.user.email,
        "status": ManagedStatus::of(c.user.status), "created_at": rfc3339(c.business.created_at),
    })
}

pub async fn create_customer(app: &App, req: Request) -> Answer {
    respond("create-customer", &req, async {
        let caller = caller(app, &req).await?;
        let form: CreateCustomerForm = read_body(&req)?;
        let created = customers::create(app, &caller, &form).await?;
        Ok(json_response(StatusCode::CREATED, &customer_json(&created)))
    })
    .await
}

pub async fn update_customer(app: &App, req: Request) -> Answer {
    respond("update-customer", &req, async {
        let caller = caller(app, &req).await?;
        let form: UpdateCustomerForm = read_body(&req)?;
        let id = path_param(&req, "business_id").unwrap_or_default();
        let updated = customers::update(app, &caller, &id, &form).await?;
        Ok(json_response(StatusCode::OK, &customer_json(&updated)))
    })
    .await
}

pub async fn start_impersonation(app: &App, req: Request) -> Answer {
    respond("start-impersonation", &req, async {
        let caller = caller(app, &req).await?;
        let id = path_param(&req, "business_id").unwrap_or_default();
        let started = customers::start_impersonation(app, &caller, &id).await?;
        Ok(json_response(
            StatusCode::CREATED,
            &json!({
                "impersonation_token": started.token.expose(),
                "header": "X-Impersonation-Token",
                "expires_at": rfc3339(started.expires_at),
                "customer": customer_json(&started.customer),
            }),
        ))
    })
    .await
}

pub async fn end_impersonation(app: &App, req: Request) -> Answer {
    respond("end-impersonation", &req, async {
        // The partner itself, not the customer it acts as: ending needs no impersonation.
        let caller = authenticate(app, bearer(&req)).await?;
        customers::end_impersonation(app, &caller, impersonation_token(&req)).await?;
        Ok(json_response(StatusCode::OK, &json!({"status": "ended"})))
    })
    .await
}

// ---- invitation management --------------------------------------------------------------

pub async fn list_invitations(app: &App, req: Request) -> Answer {
    respond("list-invitations", &req, async {
        let caller = caller(app, &req).await?;
        let page = partners::list_invitations(app, &caller, query(&req, "cursor").as_deref(), limit(&req)?).await?;
        let items: Vec<_> = page
            .items
            .iter()
            .map(|i| {
                let sent = i.sent_at.unwrap_or(i.created_at);
                json!({"invitation_id": i.invitation_id, "business_name": i.business_name, "email": i.email,
                       "partner_type": i.partner_type, "status": partners::shown_status(i),
                       "created_at": rfc3339(i.created_at), "sent_at": rfc3339(sent),
                       "expires_at": rfc3339(sent + TokenPurpose::Invitation.lifetime())})
            })
            .collect();
        Ok(json_response(StatusCode::OK, &json!({"items": items, "next_cursor": page.next_cursor})))
    })
    .await
}

pub async fn resend_invitation(app: &App, req: Request) -> Answer {
    respond("resend-invitation", &req, async {
        let caller = caller(app, &req).await?;
        let id = path_param(&req, "invitation_id").unwrap_or_default();
        let invitation = partners::resend(app, &caller, &id).await?;
        Ok(json_response(StatusCode::OK, &json!({"invitation_id": invitation.invitation_id, "status": "sent"})))
    })
    .await
}

pub async fn revoke_invitation(app: &App, req: Request) -> Answer {
    respond("revoke-invitation", &req, async {
        let caller = caller(app, &req).await?;
        let id = path_param(&req, "invitation_id").unwrap_or_default();
        let invitation = partners::revoke(app, &caller, &id).await?;
        Ok(json_response(StatusCode::OK, &json!({"invitation_id": invitation.invitation_id, "status": "revoked"})))
    })
    .await
}

// ---- audit ------------------------------------------------------------------------------

pub async fn list_audit(app: &App, req: Request) -> Answer {
    respond("list-audit", &req, async {
        let caller = caller(app, &req).await?;
        let cursor = query(&req, "cursor");
        let page = if req.uri().path().starts_with("/admin/") {
            audit::list_all(app, &caller, cursor.as_deref(), limit(&req)?).await?
        } else {
            audit::list_own(app, &caller, cursor.as_deref(), limit(&req)?).await?
        };
        let items: Vec<_> = page
            .items
            .iter()
            .map(|e| {
                json!({"event_id": e.event_id, "business_id": e.business_id, "action": e.action,
                       "actor": {"user_id": e.actor, "email": e.actor_email},
                       "subject": e.subject.as_ref().map(|s| json!({"user_id": s, "email": e.subject_email})),
                       "detail": e.detail, "at": rfc3339(e.at)})
            })
            .collect();
        Ok(json_response(StatusCode::OK, &json!({"items": items, "next_cursor": page.next_cursor})))
    })
    .await
}
