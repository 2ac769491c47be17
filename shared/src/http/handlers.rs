//! One handler per Lambda function (named like the function's binary). Each reads the
//! request, calls its use case and writes the response; errors become responses in
//! [`super::edge`], so a handler never fails the invocation.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Error, Request, RequestExt, Response};
use serde_json::json;
use tracing::Instrument as _;

use super::edge::{
    bearer, client_ip, error_response, is_form, json_response, limit, link_problem_page, message_page, page_response,
    path_param, query, read_body,
};
use crate::app::approvals::{self, RejectForm};
use crate::app::login::{LoginForm, login as log_in};
use crate::app::partners::{self, InviteForm, InviteOutcome};
use crate::app::passwords::{self, PasswordForm};
use crate::app::signup::{self, SignUpForm};
use crate::app::{App, AppError, Caller, authenticate};
use crate::domain::fields::FieldErrors;
use crate::domain::records::{RequestStatus, SignUpRequest};
use crate::domain::token::TokenPurpose;
use crate::templates::render_page;

type Answer = Result<Response<Body>, Error>;

/// Runs a handler body inside a span carrying the request id, and turns its error into a
/// response.
async fn respond(
    function: &'static str,
    req: &Request,
    body: impl Future<Output = Result<Response<Body>, AppError>>,
) -> Answer {
    let request_id = req.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_else(|| {
        req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("local").to_owned()
    });
    let span =
        tracing::info_span!("Handle a request", function, request_id, method = %req.method(), path = req.uri().path());
    async {
        let response = body.await.unwrap_or_else(|e| error_response(&e));
        tracing::info!(status = response.status().as_u16(), "Answered");
        Ok(response)
    }
    .instrument(span)
    .await
}

async fn caller(app: &App, req: &Request) -> Result<Caller, AppError> {
    authenticate(app, bearer(req)).await
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
        other => Ok(error_response(&AppError::BadRequest(format!("no function named {other}")))),
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
        let session = log_in(app, form, &client_ip(&req)).await?;
        use secrecy::ExposeSecret as _;
        Ok(json_response(
            StatusCode::OK,
            &json!({
                "access_token": session.tokens.access_token.expose_secret(),
                "id_token": session.tokens.id_token.expose_secret(),
                "refresh_token": session.tokens.refresh_token.expose_secret(),
                "expires_in": session.tokens.expires_in,
                "landing": session.role.landing(),
            }),
        ))
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

pub async fn reset_password(app: &App, req: Request) -> Answer {
    respond("reset-password", &req, password_link(app, &req, TokenPurpose::ResetPassword)).await
}

fn password_page(purpose: TokenPurpose) -> (&'static str, &'static str) {
    match purpose {
        TokenPurpose::ResetPassword => ("Reset Password", "/auth/reset-password"),
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
        Ok(_) if html => Ok(message_page(
            StatusCode::OK,
            "Password set",
            "Your password has been set successfully. You can now log in with your business email and password.",
            "notice",
        )),
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

fn approval_json(r: &SignUpRequest) -> serde_json::Value {
    json!({
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
        let items: Vec<_> = page.items.iter().map(approval_json).collect();
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
