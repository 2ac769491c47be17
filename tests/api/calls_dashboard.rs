//! The AWS calls of each step of partners, the dashboard and quotes (issue 9), counted by the
//! local stack's recorder: exactly which calls (service:operation), grouped in the waves
//! they form (calls in flight together). A step that makes one call more, or makes two
//! calls one after another that could run together, fails here.

use std::future::Future;
use std::time::Duration;

use portal_tests::{ADMIN_PASSWORD, PASSWORD, TestApp, spawn_app, unique_domain};
use serde_json::{Value, json};

/// One measured step: its answer, and its calls wave by wave (each wave sorted).
struct Measured {
    status: u16,
    body: Value,
    waves: Vec<Vec<String>>,
}

impl Measured {
    fn calls(&self) -> usize {
        self.waves.iter().map(Vec::len).sum()
    }
}

/// Runs one request with the recorder reset, and reads what it called.
async fn measure(app: &TestApp, request: impl Future<Output = reqwest::Response>) -> Measured {
    app.stack.aws.reset();
    let response = request.await;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    let waves = app
        .stack
        .aws
        .waves()
        .into_iter()
        .map(|wave| {
            let mut labels: Vec<String> = wave.iter().map(|c| c.label()).collect();
            labels.sort();
            labels
        })
        .collect();
    Measured { status, body, waves }
}

fn waves(expected: &[&[&str]]) -> Vec<Vec<String>> {
    expected
        .iter()
        .map(|wave| {
            let mut labels: Vec<String> = wave.iter().map(|l| format!("dynamodb:{l}")).collect();
            labels.sort();
            labels
        })
        .collect()
}

/// The first call of every signed-in request: its user and its session, in one read.
const SIGNED_IN: &str = "BatchGetItem";

#[tokio::test]
async fn each_dashboard_step_makes_the_fewest_aws_calls_in_the_fewest_waves() {
    // Arrange: a customer with a partner that works on it, a second customer, three admins
    let app = spawn_app().await;
    app.stack.aws.set_latency(Duration::from_millis(15));
    let (globex_email, initech_email) = (format!("hank@{}", unique_domain()), format!("bill@{}", unique_domain()));
    let (globex, initech) =
        tokio::join!(app.onboard_customer(&globex_email, "Globex"), app.onboard_customer(&initech_email, "Initech"));
    let pat_email = format!("pat@{}", unique_domain());
    let pat = app.onboard_partner(&globex, &pat_email, "Pat Resellers").await;
    let globex_id = app.own_business_id(&globex).await;
    let mut admins = vec![app.admin_email.clone()];
    for n in 0..2 {
        let admin = format!("admin{n}@{}", unique_domain());
        portal::local::provision::seed_admin(&app.stack.relay, &admin, ADMIN_PASSWORD).await.expect("an admin");
        admins.push(admin);
    }
    let mut table: Vec<(&str, usize, usize, &str)> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut check =
        |step: &'static str, m: &Measured, expected_status: u16, expected: Vec<Vec<String>>, target: &'static str| {
            table.push((step, m.calls(), m.waves.len(), target));
            if m.status != expected_status {
                problems.push(format!("{step}: answered {} ({}), want {expected_status}", m.status, m.body));
            }
            if m.waves != expected {
                problems.push(format!("{step}: called {:?}, want {expected:?}", m.waves));
            }
        };

    // Act and assert, step by step
    let invite = json!({"business_name": "New Partner", "email": format!("new@{}", unique_domain()), "partner_type": "reseller"});
    let m = measure(&app, app.post_json("/partners/invitations", Some(&globex), &invite)).await;
    check(
        "invite a new partner",
        &m,
        201,
        waves(&[&[SIGNED_IN], &["BatchGetItem"], &["TransactWriteItems"]]),
        "3 calls",
    );

    let link = json!({"business_name": "Pat", "email": pat_email, "partner_type": "managed"});
    let m = measure(&app, app.post_json("/partners/invitations", Some(&initech), &link)).await;
    check(
        "link an existing partner",
        &m,
        201,
        waves(&[&[SIGNED_IN], &["BatchGetItem"], &["BatchGetItem"], &["TransactWriteItems"]]),
        "4 calls",
    );

    let m = measure(&app, app.get("/business/profile", Some(&globex))).await;
    check("business profile (customer)", &m, 200, waves(&[&[SIGNED_IN], &["GetItem", "Query", "Query"]]), "2 waves");

    let m = measure(&app, app.get("/partner/customers", Some(&pat))).await;
    check("list customers", &m, 200, waves(&[&[SIGNED_IN], &["Query"]]), "2 calls");

    let m =
        measure(&app, app.put_json("/partner/active-business", Some(&pat), &json!({"business_id": globex_id}))).await;
    check("switch business", &m, 200, waves(&[&[SIGNED_IN], &["TransactWriteItems"]]), "2 calls");

    // The choice is on the address's marker too: the next login reads the link to the
    // customer beside the password check, and writes it on the login card; the one after
    // answers from the card.
    let login = json!({"email": pat_email, "password": PASSWORD});
    let m = measure(&app, app.post_json("/auth/login", None, &login)).await;
    let mut beside_cognito = vec!["cognito-idp:AdminInitiateAuth".to_owned(), "dynamodb:BatchGetItem".to_owned()];
    beside_cognito.sort();
    let expected =
        vec![waves(&[&["BatchGetItem"]]).remove(0), beside_cognito, waves(&[&["TransactWriteItems"]]).remove(0)];
    check("login (partner, after a switch)", &m, 200, expected, "3 calls");
    assert_eq!(m.body["user"]["active_business"]["business_name"], "Globex", "{}", m.body);
    assert_eq!(m.body["user"]["active_business"]["business_id"], globex_id.as_str(), "{}", m.body);
    let m = measure(&app, app.post_json("/auth/login", None, &login)).await;
    let cognito = vec!["cognito-idp:AdminInitiateAuth".to_owned()];
    let expected = vec![waves(&[&["BatchGetItem"]]).remove(0), cognito, waves(&[&["TransactWriteItems"]]).remove(0)];
    check("login (partner, an active customer)", &m, 200, expected, "3 calls");
    assert_eq!(m.body["user"]["active_business"]["business_name"], "Globex", "{}", m.body);

    let m = measure(&app, app.get("/business/profile", Some(&pat))).await;
    check("business profile (partner)", &m, 200, waves(&[&[SIGNED_IN], &["GetItem", "GetItem"]]), "2 waves");
    assert!(m.body["my_partner"].is_null(), "a partner does not see the customer's partners: {}", m.body);

    // The first products view reads the catalog with the customer's products; the next
    // ones find it in the function's memory.
    let m = measure(&app, app.get("/business/products", Some(&globex))).await;
    check("business products (first)", &m, 200, waves(&[&[SIGNED_IN], &["Query", "Query"]]), "2 waves");
    let m = measure(&app, app.get("/business/products", Some(&globex))).await;
    check("business products (customer)", &m, 200, waves(&[&[SIGNED_IN], &["Query"]]), "2 waves");
    let m = measure(&app, app.get("/business/products", Some(&pat))).await;
    check("business products (partner)", &m, 200, waves(&[&[SIGNED_IN], &["GetItem", "Query"]]), "2 waves");

    let m =
        measure(&app, app.put_json("/business/products/zia-business/priority", Some(&pat), &json!({"priority": 1})))
            .await;
    check("set priority", &m, 200, waves(&[&[SIGNED_IN], &["TransactWriteItems"]]), "3 calls");

    for product in ["zia-business", "zpa-business", "zdx-standard", "dlp-standard", "cloud-ips"] {
        let m = measure(
            &app,
            app.put_json(&format!("/business/products/{product}/note"), Some(&pat), &json!({"note": "Seen."})),
        )
        .await;
        if product == "zia-business" {
            check("set note", &m, 200, waves(&[&[SIGNED_IN], &["TransactWriteItems"]]), "3 calls");
        } else {
            assert_eq!(m.status, 200, "{product}: {}", m.body);
        }
    }

    let m = measure(&app, app.post_json("/business/products/zdx-advanced/request", Some(&globex), &json!({}))).await;
    check("request product", &m, 201, waves(&[&[SIGNED_IN], &["TransactWriteItems"]]), "3 calls");

    // Products with only a note sort among the listed ones: still one read for a page.
    let m = measure(&app, app.get("/business/product-requests?limit=1", Some(&globex))).await;
    check("product requests page", &m, 200, waves(&[&[SIGNED_IN], &["Query"]]), "one read per page");
    assert_eq!(m.body["items"][0]["product_id"], "zdx-advanced", "{}", m.body);

    let m = measure(
        &app,
        app.post_json(
            "/business/product-requests/zdx-advanced/quote",
            Some(&pat),
            &json!({"message": "500 seats, three years."}),
        ),
    )
    .await;
    check(
        "request quote (3 admins)",
        &m,
        201,
        waves(&[&[SIGNED_IN], &["BatchGetItem", "Query"], &["TransactWriteItems"]]),
        "4 calls",
    );

    // Assert
    println!("\n{:<34} {:>5} {:>5}  target", "step", "calls", "waves");
    for (step, calls, waves, target) in &table {
        println!("{step:<34} {calls:>5} {waves:>5}  {target}");
    }
    assert!(problems.is_empty(), "calls as counted:\n{}", problems.join("\n"));
    // The one read of the admins' index found every admin's address.
    for admin in &admins {
        assert_eq!(app.emails_to(admin).await.iter().filter(|e| e.subject.contains("Quote requested")).count(), 1);
    }
}

#[tokio::test]
async fn a_catalog_change_shows_at_once_in_the_function_that_made_it() {
    // Arrange: the products view has read the catalog into memory
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let admin = app.admin_token().await;
    let name_of = |view: &Value, id: &str| {
        view["all_products"].as_array().unwrap().iter().find(|p| p["product_id"] == id).map(|p| p["name"].clone())
    };
    let before = app.get_json("/business/products", &customer).await;
    assert_eq!(name_of(&before, "casb-inline"), Some(json!("Inline CASB")), "{before}");

    // Act: an admin renames a product (the local stack serves every function from one
    // process, as one function instance would keep its own memory)
    let renamed = app
        .put_json(
            "/admin/catalog/casb-inline",
            Some(&admin),
            &json!({"name": "Inline Cloud Access Security Broker", "section": "Data Protection"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);

    // Assert: no stale name from memory
    let after = app.get_json("/business/products", &customer).await;
    assert_eq!(name_of(&after, "casb-inline"), Some(json!("Inline Cloud Access Security Broker")));
}
