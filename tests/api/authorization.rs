//! The authorization matrix of the partner dashboard: every route, called by nobody, an
//! admin, a customer, a partner linked to it (and working on it), a partner not linked to it,
//! and a partner linked to it that works on another customer. No route lets a partner read
//! or write a customer it does not act on through a link.

use std::collections::BTreeSet;

use portal::http::routes::ROUTES;
use portal_tests::{spawn_app, unique_domain};
use serde_json::{Value, json};

/// The dashboard's functions (issue 3); every route they serve must have a row below.
const DASHBOARD_FUNCTIONS: &[&str] = &[
    "list-customers",
    "set-active-business",
    "business-profile",
    "business-products",
    "set-product-note",
    "set-product-priority",
    "request-product",
    "product-requests",
    "request-quote",
    "health-checks",
    "upsert-health-check",
    "catalog",
    "upsert-product",
];

/// The web console's signed-in functions (issue 8); their routes must have rows too.
const CONSOLE_FUNCTIONS: &[&str] = &["list-businesses", "get-business", "get-customer"];

/// Callers, in the order of each row's expected statuses.
const CALLERS: [&str; 6] = ["nobody", "admin", "customer", "linked", "unlinked", "other_active"];

struct Row {
    operation_id: &'static str,
    method: &'static str,
    /// `{A}` is replaced by customer A's business id.
    path: &'static str,
    /// `{caller}` in a string is replaced by the caller's name.
    body: Option<Value>,
    expected: [u16; 6],
}

fn row(
    operation_id: &'static str,
    method: &'static str,
    path: &'static str,
    body: Option<Value>,
    expected: [u16; 6],
) -> Row {
    Row { operation_id, method, path, body, expected }
}

#[tokio::test]
async fn every_dashboard_route_answers_each_kind_of_caller_as_the_matrix_says() {
    // Arrange: customers A and B; a partner working on A; a partner of B only, that chose
    // nothing; a partner of A and B that works on B.
    let app = spawn_app().await;
    let email = |name: &str| format!("{name}@{}", unique_domain());
    let (a_email, b_email, linked_email, unlinked_email, other_email) =
        (email("ann"), email("ben"), email("lin"), email("una"), email("oli"));
    let (a, b) = tokio::join!(app.onboard_customer(&a_email, "Alpha"), app.onboard_customer(&b_email, "Beta"));
    let (linked, unlinked, other) = tokio::join!(
        app.onboard_partner(&a, &linked_email, "Linked Partner"),
        app.onboard_partner(&b, &unlinked_email, "Unlinked Partner"),
        app.onboard_partner(&b, &other_email, "Other Partner"),
    );
    app.link_partner(&a, &other_email).await;
    let admin = app.admin_token().await;
    let (a_id, b_id) = tokio::join!(app.own_business_id(&a), app.own_business_id(&b));
    app.make_active(&linked, &a_id).await;
    app.make_active(&other, &b_id).await;
    // Both customers requested ZIA Business, so a quote is possible on either.
    for customer in [&a, &b] {
        let requested = app.post_json("/business/products/zia-business/request", Some(customer), &json!({})).await;
        assert_eq!(requested.status(), 201);
    }
    let tokens = [
        None,
        Some(admin.as_str()),
        Some(a.as_str()),
        Some(linked.as_str()),
        Some(unlinked.as_str()),
        Some(other.as_str()),
    ];
    let check = json!({"score": 70, "status": "healthy", "checked_on": "2026-01-15", "findings": "by {caller}"});
    let rows = vec![
        row("listCustomers", "GET", "/partner/customers", None, [401, 403, 403, 200, 200, 200]),
        row("getBusinessProfile", "GET", "/business/profile", None, [401, 403, 200, 200, 409, 200]),
        // An empty edit: authorization is decided before validation.
        row("updateBusinessProfile", "PUT", "/business/profile", Some(json!({})), [401, 403, 422, 422, 409, 422]),
        row("listBusinessProducts", "GET", "/business/products", None, [401, 403, 200, 200, 409, 200]),
        row(
            "setProductNote",
            "PUT",
            "/business/products/zia-business/note",
            Some(json!({"note": "note by {caller}"})),
            [401, 403, 403, 200, 409, 200],
        ),
        row(
            "setProductPriority",
            "PUT",
            "/business/products/zpa-business/priority",
            Some(json!({"priority": 2})),
            [401, 403, 403, 200, 409, 200],
        ),
        row("requestProduct", "POST", "/business/products/zdx-advanced/request", None, [401, 403, 201, 403, 403, 403]),
        row("listProductRequests", "GET", "/business/product-requests", None, [401, 403, 200, 200, 409, 200]),
        row(
            "requestQuote",
            "POST",
            "/business/product-requests/zia-business/quote",
            Some(json!({"message": "quote by {caller}"})),
            [401, 403, 403, 201, 409, 201],
        ),
        row("listHealthChecks", "GET", "/business/health-checks", None, [401, 400, 200, 200, 409, 200]),
        row("listHealthChecks", "GET", "/business/health-checks?business_id={A}", None, [401, 200, 200, 200, 409, 200]),
        row(
            "upsertHealthCheck",
            "PUT",
            "/admin/businesses/{A}/health-checks/cm360",
            Some(check),
            [401, 200, 403, 403, 403, 403],
        ),
        row("listCatalog", "GET", "/catalog", None, [401, 200, 200, 200, 200, 200]),
        row(
            "upsertProduct",
            "PUT",
            "/admin/catalog/matrix-product",
            Some(json!({"name": "Matrix {caller}", "section": "Tests"})),
            [401, 201, 403, 403, 403, 403],
        ),
        // The web console: the admins' directory, and a partner's managed customer (A was
        // not created by any partner, so no partner manages it).
        row("listBusinesses", "GET", "/admin/businesses?name=Al", None, [401, 200, 403, 403, 403, 403]),
        row("getBusiness", "GET", "/admin/businesses/{A}", None, [401, 200, 403, 403, 403, 403]),
        row("getCustomer", "GET", "/partner/customers/{A}", None, [401, 403, 403, 404, 404, 404]),
        row(
            "setActiveBusiness",
            "PUT",
            "/partner/active-business",
            Some(json!({"business_id": "00000000-0000-4000-8000-000000000000"})),
            [401, 403, 403, 404, 404, 404],
        ),
        // Last: it changes who works on what. Only partners linked to A may choose it.
        row(
            "setActiveBusiness",
            "PUT",
            "/partner/active-business",
            Some(json!({"business_id": "{A}"})),
            [401, 403, 403, 200, 404, 200],
        ),
    ];

    // Act
    let mut problems = Vec::new();
    let mut answers = Vec::new();
    for row in &rows {
        let path = row.path.replace("{A}", &a_id);
        for (i, caller) in CALLERS.iter().enumerate() {
            let body = row.body.as_ref().map(|b| {
                serde_json::from_str::<Value>(&b.to_string().replace("{caller}", caller).replace("{A}", &a_id)).unwrap()
            });
            let response = app.send(row.method, &path, tokens[i], body.as_ref()).await;
            let status = response.status().as_u16();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            if status != row.expected[i] {
                problems
                    .push(format!("{} {path} as {caller}: {status}, want {} ({answer})", row.method, row.expected[i]));
            }
            answers.push((row.operation_id, *caller, answer));
        }
    }

    // Assert: every status as the matrix says, and every dashboard route has a row
    assert!(problems.is_empty(), "the matrix does not hold:\n{}", problems.join("\n"));
    let covered: BTreeSet<&str> = rows.iter().map(|r| r.operation_id).collect();
    let dashboard: BTreeSet<&str> = ROUTES
        .iter()
        .filter(|r| DASHBOARD_FUNCTIONS.contains(&r.function) || CONSOLE_FUNCTIONS.contains(&r.function))
        .map(|r| r.operation_id)
        .collect();
    assert_eq!(covered, dashboard, "every dashboard and console route is in the matrix");
    let answer = |op: &str, caller: &str| {
        answers.iter().filter(|(o, c, _)| *o == op && *c == caller).map(|(_, _, a)| a.clone()).collect::<Vec<_>>()
    };
    // The admin's search found A, and only what it asked for.
    let found = answer("listBusinesses", "admin");
    let names: Vec<_> = found[0]["items"].as_array().unwrap().iter().map(|b| b["name"].clone()).collect();
    assert!(names.contains(&json!("Alpha")) && !names.contains(&json!("Beta")), "{names:?}");

    // What the partner working on B read was B's, never A's.
    assert_eq!(answer("getBusinessProfile", "other_active")[0]["business_id"], b_id.as_str());
    for health in answer("listHealthChecks", "other_active") {
        assert!(health["items"].as_array().unwrap().is_empty(), "B has no health check: {health}");
    }
    // And what each partner wrote landed on the customer it works on, only there.
    let note_on = |view: &Value| {
        view["all_products"].as_array().unwrap().iter().find(|p| p["product_id"] == "zia-business").unwrap()["note"]
            .clone()
    };
    assert_eq!(note_on(&app.get_json("/business/products", &a).await), "note by linked");
    assert_eq!(note_on(&app.get_json("/business/products", &b).await), "note by other_active");
    let a_requests = app.get_json("/business/product-requests", &a).await;
    let quoted_by: Vec<_> = a_requests["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["history"].as_array().unwrap().iter())
        .filter(|e| e["action"] == "quote_requested")
        .map(|e| e["by"]["name"].clone())
        .collect();
    assert_eq!(quoted_by.len(), 1, "only the linked partner asked for a quote on A: {a_requests}");
    // The last row moved the partner of A and B onto A.
    assert_eq!(app.get_json("/business/profile", &other).await["business_id"], a_id.as_str());
}
