//! Handlers of onboarding and access: the health check, sign-up (page and form), forgot
//! password, and the pages that email links open (set password, reset password,
//! activate account). Pages answer HTML; API clients get JSON.

use lambda_http::Request;
use lambda_http::http::{Method, StatusCode};

use super::edge::{
    Answer, Outcome, Reply, client_ip, is_form, json_response, link_problem_page, message_page, method_not_allowed, ok,
    page, query, read_body, respond,
};
use super::pages::{MessagePage, PageLink, PasswordPage, SignUpPage};
use crate::app::passwords::{self, PasswordForm};
use crate::app::signup::{self, SignUpForm};
use crate::app::{App, AppError};
use crate::domain::fields::FieldErrors;
use crate::domain::token::TokenPurpose;

const SIGN_UP_RECEIVED: &str = "Your request has been received and will be approved by an admin.";
const RESET_MAIL_SENT: &str = "If an account exists for this address, we have sent a link to reset its password.";

/// Uses no service, so it takes no App (the `health` function builds none).
pub async fn health(req: Request) -> Answer {
    respond("health", &req, async { ok(&Outcome::status("ok")) }).await
}

// ---- sign-up ------------------------------------------------------------------------------

fn signup_action(app: &App) -> String {
    app.config.signup_url.clone().unwrap_or_else(|| "/signup".to_owned())
}

pub async fn sign_up(app: &App, req: Request) -> Answer {
    respond("sign-up", &req, async {
        if matches!(*req.method(), Method::GET | Method::HEAD) {
            return sign_up_page(app, &req).await;
        }
        if *req.method() != Method::POST {
            return method_not_allowed();
        }
        let action = signup_action(app);
        let form: SignUpForm = read_body(&req)?;
        let html = is_form(&req);
        match signup::sign_up(app, &form, &client_ip(&req)).await {
            Ok(()) if html => {
                Ok(message_page(StatusCode::ACCEPTED, "Thank you for signing up", SIGN_UP_RECEIVED, "notice"))
            }
            Ok(()) => Ok(json_response(
                StatusCode::ACCEPTED,
                &Outcome { status: "received", message: Some(SIGN_UP_RECEIVED) },
            )),
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
                    &SignUpPage::new(&action, invitation.as_ref(), Some(&form), &errors),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
            Err(e) => Err(e),
        }
    })
    .await
}

/// The sign-up form, pre-filled when opened from an invitation link (which it only reads).
async fn sign_up_page(app: &App, req: &Request) -> Reply {
    let action = signup_action(app);
    let no_errors = FieldErrors::new();
    match query(req, "invitation") {
        None => page(&SignUpPage::new(&action, None, None, &no_errors), StatusCode::OK),
        Some(token) => match signup::open_invitation(app, &token).await {
            Ok(view) => page(&SignUpPage::new(&action, Some(&view), None, &no_errors), StatusCode::OK),
            Err(AppError::Link(problem)) => Ok(link_problem_page(problem)),
            Err(e) => Err(e),
        },
    }
}

// ---- login and passwords ------------------------------------------------------------------

pub async fn forgot_password(app: &App, req: Request) -> Answer {
    respond("forgot-password", &req, async {
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct Form {
            email: Option<String>,
        }
        let form: Form = read_body(&req)?;
        passwords::forgot_password(app, form.email.as_deref(), &client_ip(&req)).await?;
        Ok(json_response(StatusCode::ACCEPTED, &Outcome { status: "received", message: Some(RESET_MAIL_SENT) }))
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
async fn password_link(app: &App, req: &Request, purpose: TokenPurpose) -> Reply {
    let (title, action) = password_page(purpose);
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        let token = query(req, "token");
        return match passwords::open_link(app, purpose, token.as_deref()).await {
            Ok(email) => page(
                &PasswordPage {
                    title,
                    action,
                    token: token.as_deref().unwrap_or_default(),
                    email: &email,
                    errors: &FieldErrors::new(),
                },
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
            &MessagePage {
                title: "Password set",
                tone: "notice",
                message: "Your password has been set successfully. You can now log in with your business email and password.",
                link: Some(PageLink {
                    href: format!("{}/login", app.config.portal_url.trim_end_matches('/')),
                    text: "Login",
                }),
            },
            StatusCode::OK,
        ),
        Ok(_) => ok(&Outcome::status("password_set")),
        Err(AppError::Link(problem)) if html => Ok(link_problem_page(problem)),
        Err(AppError::Validation(errors)) if html => {
            let email = passwords::open_link(app, purpose, form.token.as_deref()).await?;
            page(
                &PasswordPage {
                    title,
                    action,
                    token: form.token.as_deref().unwrap_or_default(),
                    email: &email,
                    errors: &errors,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e),
    }
}
