//! The HTTP edge. [`routes`] is the table of every operation and the function serving it;
//! [`edge`] reads requests and writes answers (and is the one place where errors become
//! HTTP); the handlers are grouped by workflow area, one `pub async fn` per Lambda function,
//! named like its binary:
//! - [`onboarding`]: health, sign-up, forgot password, the email-link pages;
//! - [`sessions`]: login, refresh, logout (and the console's refresh-token cookie);
//! - [`partners`]: a customer's partners and invitations;
//! - [`dashboard`]: the pages customers and partners share (profile, products, requests,
//!   quotes, health checks, catalog, audit trail);
//! - [`customers`]: customers a partner manages, and "Log in as customer";
//! - [`admin`]: approvals, health-check editing, catalog maintenance, dead-lettered emails,
//!   the business directory.
//!
//! [`pages`] are the HTML pages email links open. Handler modules import [`edge`] and never
//! each other's handlers; [`dispatch`] (the local
//! router's way in) is the only place that knows them all.

pub mod admin;
pub mod customers;
pub mod dashboard;
pub mod edge;
pub mod onboarding;
pub mod pages;
pub mod partners;
pub mod routes;
pub mod sessions;

use lambda_http::Request;

use crate::app::{App, AppError};
use edge::{Answer, error_response};

/// Runs the handler of `function`, as the Lambda function of that name would.
pub async fn dispatch(function: &str, app: &App, req: Request) -> Answer {
    match function {
        "health" => onboarding::health(req).await,
        "sign-up" => onboarding::sign_up(app, req).await,
        "login" => sessions::login(app, req).await,
        "login-mfa" => sessions::login_mfa(app, req).await,
        "account-mfa" => sessions::account_mfa(app, req).await,
        "refresh-session" => sessions::refresh_session(app, req).await,
        "logout" => sessions::logout(app, req).await,
        "forgot-password" => onboarding::forgot_password(app, req).await,
        "set-password" => onboarding::set_password(app, req).await,
        "reset-password" => onboarding::reset_password(app, req).await,
        "activate-account" => onboarding::activate_account(app, req).await,
        "invite-partner" => partners::invite_partner(app, req).await,
        "list-partners" => partners::list_partners(app, req).await,
        "list-invitations" => partners::list_invitations(app, req).await,
        "resend-invitation" => partners::resend_invitation(app, req).await,
        "revoke-invitation" => partners::revoke_invitation(app, req).await,
        "list-approvals" => admin::list_approvals(app, req).await,
        "approve" => admin::approve(app, req).await,
        "reject" => admin::reject(app, req).await,
        "upsert-health-check" => admin::upsert_health_check(app, req).await,
        "upsert-product" => admin::upsert_product(app, req).await,
        "list-outbox" => admin::list_outbox(app, req).await,
        "list-businesses" => admin::list_businesses(app, req).await,
        "get-business" => admin::get_business(app, req).await,
        "create-customer" => customers::create_customer(app, req).await,
        "get-customer" => customers::get_customer(app, req).await,
        "update-customer" => customers::update_customer(app, req).await,
        "start-impersonation" => customers::start_impersonation(app, req).await,
        "end-impersonation" => customers::end_impersonation(app, req).await,
        "list-customers" => dashboard::list_customers(app, req).await,
        "set-active-business" => dashboard::set_active_business(app, req).await,
        "business-profile" => dashboard::business_profile(app, req).await,
        "business-products" => dashboard::business_products(app, req).await,
        "set-product-note" => dashboard::set_product_note(app, req).await,
        "set-product-priority" => dashboard::set_product_priority(app, req).await,
        "request-product" => dashboard::request_product(app, req).await,
        "product-requests" => dashboard::product_requests(app, req).await,
        "request-quote" => dashboard::request_quote(app, req).await,
        "health-checks" => dashboard::health_checks(app, req).await,
        "catalog" => dashboard::catalog(app, req).await,
        "list-audit" => dashboard::list_audit(app, req).await,
        other => Ok(error_response(&AppError::BadRequest(format!("no function named {other}")))),
    }
}
