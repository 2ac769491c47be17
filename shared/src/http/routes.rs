//! The route table: every HTTP operation of the portal, which Lambda function serves it and
//! who may call it. One source for the local router, `template.yaml` and `infra/openapi.yaml`
//! (the contract test in `tests/api/contract.rs` fails when they drift apart).

/// Who may call a route. Authorization is enforced in the handler (deny by default); this
/// column documents the intent and tells the local router and the template whether the route
/// sits behind the JWT authorizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token needed (pages, sign-up, login, link redemption).
    Public,
    /// A verified Cognito access token; the handler then checks role and status.
    SignedIn,
}

/// One HTTP operation.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The OpenAPI `operationId`.
    pub operation_id: &'static str,
    pub method: &'static str,
    /// API Gateway path template, `{name}` for a path parameter.
    pub path: &'static str,
    /// The Lambda binary (and `functions/<name>` package) that serves it.
    pub function: &'static str,
    pub access: Access,
}

const fn route(
    operation_id: &'static str,
    method: &'static str,
    path: &'static str,
    function: &'static str,
    access: Access,
) -> Route {
    Route { operation_id, method, path, function, access }
}

use Access::{Public, SignedIn};

/// Every HTTP operation, in the order the README walks through them.
pub const ROUTES: &[Route] = &[
    route("health", "GET", "/health", "health", Public),
    route("signUpPage", "GET", "/signup", "sign-up", Public),
    route("signUp", "POST", "/signup", "sign-up", Public),
    route("login", "POST", "/auth/login", "login", Public),
    // Two-step sign-in (issue 10, item 14): the login's second step, and TOTP on an account.
    route("loginMfa", "POST", "/auth/login/mfa", "login-mfa", Public),
    route("forgotPassword", "POST", "/auth/forgot-password", "forgot-password", Public),
    route("setPasswordPage", "GET", "/auth/set-password", "set-password", Public),
    route("setPassword", "POST", "/auth/set-password", "set-password", Public),
    route("resetPasswordPage", "GET", "/auth/reset-password", "reset-password", Public),
    route("resetPassword", "POST", "/auth/reset-password", "reset-password", Public),
    route("invitePartner", "POST", "/partners/invitations", "invite-partner", SignedIn),
    route("listPartners", "GET", "/partners", "list-partners", SignedIn),
    route("countPendingApprovals", "GET", "/admin/approvals/count", "list-approvals", SignedIn),
    route("listApprovals", "GET", "/admin/approvals", "list-approvals", SignedIn),
    route("approveRequest", "POST", "/admin/approvals/{request_id}/approve", "approve", SignedIn),
    route("rejectRequest", "POST", "/admin/approvals/{request_id}/reject", "reject", SignedIn),
    // Partner dashboard (issue 3).
    route("listCustomers", "GET", "/partner/customers", "list-customers", SignedIn),
    route("setActiveBusiness", "PUT", "/partner/active-business", "set-active-business", SignedIn),
    route("getBusinessProfile", "GET", "/business/profile", "business-profile", SignedIn),
    route("updateBusinessProfile", "PUT", "/business/profile", "business-profile", SignedIn),
    route("listBusinessProducts", "GET", "/business/products", "business-products", SignedIn),
    route("setProductNote", "PUT", "/business/products/{product_id}/note", "set-product-note", SignedIn),
    route("setProductPriority", "PUT", "/business/products/{product_id}/priority", "set-product-priority", SignedIn),
    route("requestProduct", "POST", "/business/products/{product_id}/request", "request-product", SignedIn),
    route("listProductRequests", "GET", "/business/product-requests", "product-requests", SignedIn),
    route("requestQuote", "POST", "/business/product-requests/{product_id}/quote", "request-quote", SignedIn),
    route("listHealthChecks", "GET", "/business/health-checks", "health-checks", SignedIn),
    route(
        "upsertHealthCheck",
        "PUT",
        "/admin/businesses/{business_id}/health-checks/{kind}",
        "upsert-health-check",
        SignedIn,
    ),
    route("listCatalog", "GET", "/catalog", "catalog", SignedIn),
    route("upsertProduct", "PUT", "/admin/catalog/{product_id}", "upsert-product", SignedIn),
    route("createCustomer", "POST", "/partner/customers", "create-customer", SignedIn),
    route("updateCustomer", "PATCH", "/partner/customers/{business_id}", "update-customer", SignedIn),
    route("activatePage", "GET", "/auth/activate", "activate-account", Public),
    route("activateAccount", "POST", "/auth/activate", "activate-account", Public),
    route(
        "startImpersonation",
        "POST",
        "/partner/customers/{business_id}/impersonation",
        "start-impersonation",
        SignedIn,
    ),
    route("endImpersonation", "DELETE", "/partner/impersonation", "end-impersonation", SignedIn),
    route("listInvitations", "GET", "/partners/invitations", "list-invitations", SignedIn),
    route("resendInvitation", "POST", "/partners/invitations/{invitation_id}/resend", "resend-invitation", SignedIn),
    route("revokeInvitation", "DELETE", "/partners/invitations/{invitation_id}", "revoke-invitation", SignedIn),
    route("listAuditEvents", "GET", "/business/audit", "list-audit", SignedIn),
    route("listAllAuditEvents", "GET", "/admin/audit", "list-audit", SignedIn),
    route("listOutbox", "GET", "/admin/outbox", "list-outbox", SignedIn),
    // The web console (issue 8). Refresh and logout are public routes: the session's
    // refresh token (cookie or body) is what they check, and an expired access token must
    // not stop a logout.
    route("refreshSession", "POST", "/auth/refresh", "refresh-session", Public),
    route("logout", "POST", "/auth/logout", "logout", Public),
    route("listBusinesses", "GET", "/admin/businesses", "list-businesses", SignedIn),
    route("getBusiness", "GET", "/admin/businesses/{business_id}", "get-business", SignedIn),
    route("getCustomer", "GET", "/partner/customers/{business_id}", "get-customer", SignedIn),
    route("getAccountMfa", "GET", "/account/mfa", "account-mfa", SignedIn),
    route("startMfaSetup", "POST", "/account/mfa/setup", "account-mfa", SignedIn),
    route("enableMfa", "PUT", "/account/mfa", "account-mfa", SignedIn),
];

/// Functions that also have a Lambda function URL, because email links land on them.
pub const FUNCTION_URL_FUNCTIONS: &[&str] = &["sign-up", "set-password", "reset-password", "activate-account"];

/// Functions with no HTTP route (scheduled or event-driven).
pub const BACKGROUND_FUNCTIONS: &[&str] = &["outbox-relay"];

/// An AWS service (or the user pool's keys) that a function's App can be wired to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// The DynamoDB table (the store). Every function that builds an App holds it.
    Table,
    /// The Cognito user pool's admin API (the identity provider).
    Identity,
    /// SES (the mailer): only the outbox relay sends; requests queue their emails.
    Mail,
    /// The user pool's JWKS (the access-token verifier), fetched at cold start.
    Tokens,
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Table => "DynamoDB (Table)",
            Self::Identity => "Cognito (Identity)",
            Self::Mail => "SES (Mail)",
            Self::Tokens => "the user pool's keys (Tokens)",
        })
    }
}

use Service::{Identity, Mail, Table, Tokens};

/// The services each function uses, and so the only adapters its binary builds and links
/// (`crate::wiring`; its `main.rs` names the same ones, and the local stack wires each
/// function's handler from this row). `health` uses none: it builds no App at all.
pub const FUNCTIONS: &[(&str, &[Service])] = &[
    ("health", &[]),
    ("sign-up", &[Table]),
    ("login", &[Table, Identity]),
    ("login-mfa", &[Table, Identity]),
    ("account-mfa", &[Table, Identity, Tokens]),
    ("refresh-session", &[Table, Identity, Tokens]),
    ("logout", &[Table, Identity, Tokens]),
    ("forgot-password", &[Table]),
    ("set-password", &[Table, Identity]),
    ("reset-password", &[Table, Identity]),
    ("activate-account", &[Table, Identity]),
    ("invite-partner", &[Table, Tokens]),
    ("list-partners", &[Table, Tokens]),
    ("list-invitations", &[Table, Tokens]),
    ("resend-invitation", &[Table, Tokens]),
    ("revoke-invitation", &[Table, Tokens]),
    ("list-approvals", &[Table, Tokens]),
    ("approve", &[Table, Identity, Tokens]),
    ("reject", &[Table, Tokens]),
    ("upsert-health-check", &[Table, Tokens]),
    ("upsert-product", &[Table, Tokens]),
    ("list-outbox", &[Table, Tokens]),
    ("list-businesses", &[Table, Tokens]),
    ("get-business", &[Table, Tokens]),
    ("create-customer", &[Table, Identity, Tokens]),
    ("get-customer", &[Table, Tokens]),
    ("update-customer", &[Table, Identity, Tokens]),
    ("start-impersonation", &[Table, Tokens]),
    ("end-impersonation", &[Table, Tokens]),
    ("list-customers", &[Table, Tokens]),
    ("set-active-business", &[Table, Tokens]),
    ("business-profile", &[Table, Tokens]),
    ("business-products", &[Table, Tokens]),
    ("set-product-note", &[Table, Tokens]),
    ("set-product-priority", &[Table, Tokens]),
    ("request-product", &[Table, Tokens]),
    ("product-requests", &[Table, Tokens]),
    ("request-quote", &[Table, Tokens]),
    ("health-checks", &[Table, Tokens]),
    ("catalog", &[Table, Tokens]),
    ("list-audit", &[Table, Tokens]),
    ("outbox-relay", &[Table, Mail]),
];

/// The services of a function, `None` for a name that has no row.
pub fn services_of(function: &str) -> Option<&'static [Service]> {
    FUNCTIONS.iter().find(|(name, _)| *name == function).map(|(_, services)| *services)
}

/// Finds the route for a method and a concrete path, with the path parameters it binds.
pub fn match_route(method: &str, path: &str) -> Option<(&'static Route, Vec<(String, String)>)> {
    let method = if method.eq_ignore_ascii_case("HEAD") { "GET" } else { method };
    ROUTES
        .iter()
        .filter(|r| r.method.eq_ignore_ascii_case(method))
        .find_map(|r| bind_path(r.path, path).map(|params| (r, params)))
}

/// Whether some route exists for this path under any method (for 405 versus 404).
pub fn path_is_routed(path: &str) -> bool {
    ROUTES.iter().any(|r| bind_path(r.path, path).is_some())
}

fn bind_path(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    let mut want = template.trim_end_matches('/').split('/');
    let mut have = path.trim_end_matches('/').split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(h)) if w.starts_with('{') && w.ends_with('}') && !h.is_empty() => {
                params.push((w[1..w.len() - 1].to_owned(), h.to_owned()));
            }
            (Some(w), Some(h)) if w == h => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_concrete_path_binds_its_parameters() {
        let (route, params) = match_route("POST", "/admin/approvals/abc/approve").unwrap();
        assert_eq!(route.operation_id, "approveRequest");
        assert_eq!(params, vec![("request_id".to_owned(), "abc".to_owned())]);
    }

    #[test]
    fn head_is_served_by_the_get_route_and_unknown_paths_match_nothing() {
        assert_eq!(match_route("HEAD", "/auth/set-password").unwrap().0.operation_id, "setPasswordPage");
        assert!(match_route("GET", "/admin/approvals/abc/approve").is_none());
        assert!(path_is_routed("/admin/approvals/abc/approve"));
        assert!(match_route("GET", "/nowhere").is_none());
    }

    #[test]
    fn every_function_of_a_route_has_one_row_and_every_app_holds_the_table() {
        let mut names: Vec<_> = FUNCTIONS.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FUNCTIONS.len(), "one row per function");
        for function in ROUTES.iter().map(|r| r.function).chain(BACKGROUND_FUNCTIONS.iter().copied()) {
            assert!(services_of(function).is_some(), "{function} has a row");
        }
        for (name, services) in FUNCTIONS {
            assert!(services.is_empty() || services.contains(&Table), "{name}: an App always holds the table");
        }
    }

    #[test]
    fn every_operation_id_is_unique() {
        let mut ids: Vec<_> = ROUTES.iter().map(|r| r.operation_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ROUTES.len());
    }
}
