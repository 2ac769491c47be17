//! The web console's API: cookie and token sessions (login, refresh, logout), the admins'
//! business directory, a partner's view of a managed customer, who invited a partner in
//! Pending Approvals, and the local server's `/api` prefix, console files and headers.

use portal::local::console::CONTENT_SECURITY_POLICY;
use portal_tests::{PASSWORD, TestApp, spawn_app, spawn_app_serving, unique_domain};
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY as CSP, SET_COOKIE};
use serde_json::{Value, json};

/// A browser-like client: it keeps cookies, and follows no redirect.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The `Set-Cookie` header of a response (there is at most one).
fn set_cookie(response: &reqwest::Response) -> Option<String> {
    response.headers().get(SET_COOKIE).map(|v| v.to_str().unwrap().to_owned())
}

/// The cookie's value in a `Set-Cookie` header.
fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim_start_matches("portal_refresh=").to_owned()
}

async fn cookie_login(app: &TestApp, client: &reqwest::Client, email: &str) -> reqwest::Response {
    client
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD, "session": "cookie"}))
        .send()
        .await
        .unwrap()
}

async fn refresh_with(app: &TestApp, client: &reqwest::Client, path: &str, body: &Value) -> reqwest::Response {
    client.post(app.url(path)).json(body).send().await.unwrap()
}

// ---- sessions --------------------------------------------------------------------------------

#[tokio::test]
async fn a_cookie_login_keeps_the_refresh_token_out_of_the_body_and_away_from_scripts() {
    // Arrange
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Globex").await;

    // Act
    let cookie = cookie_login(&app, &app.http, &email).await;
    let cookie_header = set_cookie(&cookie);
    let (status, body) = json_of(cookie).await;
    let token = app.post_json("/auth/login", None, &json!({"email": email, "password": PASSWORD})).await;
    let token_header = set_cookie(&token);
    let (_, token_body) = json_of(token).await;

    // Assert: the cookie carries the session, the body does not
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none(), "no refresh token in a cookie login's body: {body}");
    assert_eq!(body["session"], "cookie");
    assert_eq!(body["user"]["role"], "customer");
    assert_eq!(body["user"]["email"], email.as_str());
    assert_eq!(body["user"]["business_name"], "Globex");
    assert_eq!(body["user"]["active_business"], Value::Null);
    let cookie_header = cookie_header.expect("a cookie login sets a cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/auth", "Max-Age=2592000"] {
        assert!(cookie_header.contains(attribute), "{attribute} in {cookie_header}");
    }
    assert!(!cookie_header.contains("Secure"), "no Secure over plain http: {cookie_header}");
    assert!(cookie_value(&cookie_header).len() > 10);
    // An API client keeps getting the refresh token in the body, and no cookie.
    assert!(token_header.is_none());
    assert_eq!(token_body["session"], "token");
    assert!(token_body["refresh_token"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn login_refuses_an_unknown_session_kind_at_the_field() {
    let app = spawn_app().await;
    let answer =
        app.post_json("/auth/login", None, &json!({"email": "a@b.example", "password": "p", "session": "jar"})).await;
    let (status, body) = json_of(answer).await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"]["session"], "Choose cookie or token.");
}

#[tokio::test]
async fn the_console_stays_signed_in_with_its_cookie_on_json_requests_only() {
    // Arrange
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Globex").await;
    let console = browser();
    assert_eq!(cookie_login(&app, &console, &email).await.status(), 200);

    // Act
    let (status, refreshed) = json_of(refresh_with(&app, &console, "/api/auth/refresh", &json!({})).await).await;
    let form = console
        .post(app.url("/api/auth/refresh"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=b")
        .send()
        .await
        .unwrap();
    // The cookie is scoped to /api/auth: the same route at the root path never sees it.
    let (root_status, root_body) = json_of(refresh_with(&app, &console, "/auth/refresh", &json!({})).await).await;

    // Assert
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(refreshed["session"], "cookie");
    assert_eq!(refreshed["user"]["email"], email.as_str());
    assert!(refreshed.get("refresh_token").is_none());
    let access = refreshed["access_token"].as_str().unwrap();
    let profile = console.get(app.url("/api/business/profile")).bearer_auth(access).send().await.unwrap();
    assert_eq!(profile.status(), 200);
    assert_eq!(form.status(), 400, "a cross-site form cannot use the cookie");
    assert_eq!((root_status, root_body["error"].as_str()), (401, Some("session_ended")));
}

#[tokio::test]
async fn an_api_client_refreshes_with_the_token_in_the_body_and_anything_else_ends_the_session() {
    // Arrange
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Globex").await;
    let login = app.login(&email, PASSWORD).await.unwrap();
    let refresh_token = login["refresh_token"].as_str().unwrap();

    // Act
    let (status, refreshed) =
        json_of(app.post_json("/auth/refresh", None, &json!({"refresh_token": refresh_token})).await).await;
    let unknown = json_of(app.post_json("/auth/refresh", None, &json!({"refresh_token": "not-a-session"})).await).await;
    let malformed = json_of(app.post_json("/auth/refresh", None, &json!({"refresh_token": "a b;c"})).await).await;
    let nothing = json_of(app.post_json("/auth/refresh", None, &json!({})).await).await;
    let wrong_type = json_of(app.post_json("/auth/refresh", None, &json!({"refresh_token": 7})).await).await;
    let not_json = app
        .http
        .post(app.url("/auth/refresh"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    // A stale cookie sent by hand is refused, and removed.
    let stale = app
        .http
        .post(app.url("/api/auth/refresh"))
        .header("cookie", "portal_refresh=stale-token")
        .json(&json!({}))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(refreshed["session"], "token");
    assert_eq!(refreshed["user"]["role"], "customer");
    let access = refreshed["access_token"].as_str().unwrap();
    assert_eq!(app.get("/partners", Some(access)).await.status(), 200);
    for (status, body) in [unknown, malformed, nothing] {
        assert_eq!((status, body["error"].as_str()), (401, Some("session_ended")), "{body}");
        assert_eq!(body["message"], "Your session has ended; please log in again.");
    }
    assert_eq!(wrong_type.0, 400);
    assert_eq!(not_json.status(), 400);
    assert_eq!(stale.status(), 401);
    let removed = set_cookie(&stale).expect("the stale cookie is removed");
    assert!(removed.contains("Max-Age=0") && removed.contains("Path=/api/auth"), "{removed}");
}

#[tokio::test]
async fn logout_ends_every_session_of_the_account_and_removes_the_cookie() {
    // Arrange: a console session (cookie) and an API session (token) of the same person
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Globex").await;
    let cookie = set_cookie(&cookie_login(&app, &app.http, &email).await).unwrap();
    let console_token = cookie_value(&cookie);
    let api = app.login(&email, PASSWORD).await.unwrap();
    let (api_access, api_refresh) = (api["access_token"].as_str().unwrap(), api["refresh_token"].as_str().unwrap());
    // No pause: sessions end to the millisecond, whatever second the tokens were issued in.

    // Act: the console logs out with its cookie alone (its access token may have expired)
    let logout = app
        .http
        .post(app.url("/api/auth/logout"))
        .header("cookie", format!("portal_refresh={console_token}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let removed = set_cookie(&logout);
    let (status, body) = json_of(logout).await;

    // Assert
    assert_eq!((status, body), (200, json!({"status": "logged_out"})));
    assert!(removed.is_some_and(|c| c.contains("Max-Age=0")));
    let console_again = app
        .http
        .post(app.url("/api/auth/refresh"))
        .header("cookie", format!("portal_refresh={console_token}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(console_again.status(), 401, "the console's session ended");
    let api_again = app.post_json("/auth/refresh", None, &json!({"refresh_token": api_refresh})).await;
    assert_eq!(api_again.status(), 401, "and the other session of the account too");
    assert_eq!(app.get("/partners", Some(api_access)).await.status(), 401, "older access tokens are refused");
    // Logging out again, or with nothing, changes nothing; logging in works.
    assert_eq!(app.post_json("/auth/logout", None, &json!({})).await.status(), 200);
    let fresh = app.token(&email, PASSWORD).await;
    assert_eq!(app.get("/partners", Some(&fresh)).await.status(), 200);
}

#[tokio::test]
async fn a_password_reset_ends_the_console_session() {
    // Arrange
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Globex").await;
    let console = browser();
    assert_eq!(cookie_login(&app, &console, &email).await.status(), 200);

    // Act: a reset from another device
    app.post_json("/auth/forgot-password", None, &json!({"email": email})).await;
    let link = app.wait_for_email(&email, "Reset your Partner Portal password").await.link_to("/auth/reset-password");
    let token = link.split("token=").nth(1).unwrap();
    let new_password = "amber lantern quietly folds";
    let reset = app
        .post_form(
            "/auth/reset-password",
            &[("token", token), ("password", new_password), ("confirm_password", new_password)],
        )
        .await;
    assert_eq!(reset.status(), 200);

    // Assert
    let (status, body) = json_of(refresh_with(&app, &console, "/api/auth/refresh", &json!({})).await).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("session_ended")));
}

// ---- the business directory ------------------------------------------------------------------

/// A tag no other test's business name starts with.
fn unique_tag() -> String {
    let letters: String =
        uuid::Uuid::new_v4().simple().to_string().chars().filter(char::is_ascii_alphabetic).take(6).collect();
    format!("Zq{letters}")
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn admins_find_businesses_by_the_start_of_their_name_in_any_case_a_page_at_a_time() {
    // Arrange
    let app = spawn_app().await;
    let tag = unique_tag();
    let (beta, alpha, gamma) =
        (format!("{tag} beta"), format!("{tag} Alpha"), format!("{}  Gamma", tag.to_uppercase()));
    let mails: Vec<String> = ["b", "a", "g"].iter().map(|n| format!("{n}@{}", unique_domain())).collect();
    tokio::join!(
        app.onboard_customer(&mails[0], &beta),
        app.onboard_customer(&mails[1], &alpha),
        app.onboard_customer(&mails[2], &gamma),
    );
    let admin = app.admin_token().await;
    let lower = tag.to_lowercase();

    // Act
    let all = app.get_json(&format!("/admin/businesses?name={lower}"), &admin).await;
    let upper = app.get_json(&format!("/admin/businesses?name={}", tag.to_uppercase()), &admin).await;
    let narrow = app.get_json(&format!("/admin/businesses?name={lower}%20b"), &admin).await;
    let first = app.get_json(&format!("/admin/businesses?name={lower}&limit=2"), &admin).await;
    let cursor = first["next_cursor"].as_str().expect("a second page").to_owned();
    let second = app.get_json(&format!("/admin/businesses?name={lower}&limit=2&cursor={cursor}"), &admin).await;
    let other_search = app.get(&format!("/admin/businesses?name=globex&cursor={cursor}"), Some(&admin)).await;
    let too_long = app.get(&format!("/admin/businesses?name={}", "a".repeat(121)), Some(&admin)).await;
    let bad_limit = app.get("/admin/businesses?limit=0", Some(&admin)).await;
    let everyone = app.get_json("/admin/businesses?limit=100", &admin).await;

    // Assert: sorted by name, whatever the case and spacing
    assert_eq!(names(&all), vec![alpha.clone(), beta.clone(), gamma.clone()]);
    assert_eq!(names(&upper), names(&all));
    assert_eq!(names(&narrow), vec![beta.clone()]);
    assert_eq!(names(&first), vec![alpha, beta]);
    assert_eq!(names(&second), vec![gamma]);
    assert_eq!(second["next_cursor"], Value::Null);
    let item = &all["items"][0];
    assert_eq!(item["kind"], "customer");
    assert!(item["business_id"].as_str().is_some() && item["created_at"].as_str().is_some());
    assert_eq!(other_search.status(), 400, "a cursor is good for its own search only");
    assert_eq!(too_long.status(), 400);
    assert_eq!(bad_limit.status(), 400);
    assert!(names(&everyone).len() >= 3);
}

#[tokio::test]
async fn a_renamed_business_is_found_under_its_new_name_only() {
    // Arrange
    let app = spawn_app().await;
    let (old, new) = (unique_tag(), unique_tag());
    let customer = app.onboard_customer(&format!("ada@{}", unique_domain()), &format!("{old} Ltd")).await;
    let admin = app.admin_token().await;

    // Act
    let saved = app
        .put_json(
            "/business/profile",
            Some(&customer),
            &json!({"version": 0, "name": format!("{new} Ltd"), "website": "https://example.org"}),
        )
        .await;
    assert_eq!(saved.status(), 200);

    // Assert
    assert!(names(&app.get_json(&format!("/admin/businesses?name={old}"), &admin).await).is_empty());
    assert_eq!(
        names(&app.get_json(&format!("/admin/businesses?name={new}"), &admin).await),
        vec![format!("{new} Ltd")]
    );
}

#[tokio::test]
async fn admins_read_a_business_with_its_people_its_manager_and_its_health_checks() {
    // Arrange: a customer with a health check, and a customer a partner created
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let customer = app.onboard_customer(&email, "Globex").await;
    let customer_id = app.own_business_id(&customer).await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    let managed_email = format!("bill@{}", unique_domain());
    let created = app
        .post_json(
            "/partner/customers",
            Some(&partner),
            &json!({"business_name": "Initech", "first_name": "Bill", "last_name": "Lumbergh",
                    "email": managed_email, "status": "locked"}),
        )
        .await;
    let (status, created) = json_of(created).await;
    assert_eq!(status, 201, "{created}");
    let managed_id = created["business_id"].as_str().unwrap();
    let admin = app.admin_token().await;
    let check = json!({"score": 82, "status": "needs_attention", "findings": "SSL inspection is off.", "checked_on": "2026-03-02"});
    let written =
        app.put_json(&format!("/admin/businesses/{customer_id}/health-checks/zscaler"), Some(&admin), &check).await;
    assert_eq!(written.status(), 200);

    // Act
    let globex = app.get_json(&format!("/admin/businesses/{customer_id}"), &admin).await;
    let initech = app.get_json(&format!("/admin/businesses/{managed_id}"), &admin).await;
    let unknown = app.get("/admin/businesses/00000000-0000-4000-8000-000000000000", Some(&admin)).await;
    let not_an_id = app.get("/admin/businesses/a%23b", Some(&admin)).await;

    // Assert
    assert_eq!(globex["name"], "Globex");
    assert_eq!(globex["kind"], "customer");
    assert_eq!(globex["managed_by"], Value::Null);
    assert_eq!(globex["users"][0]["email"], email.as_str());
    assert_eq!(globex["users"][0]["status"], "active");
    assert_eq!(globex["health_checks"][0]["kind"], "zscaler");
    assert_eq!(globex["health_checks"][0]["score"], 82);
    assert_eq!(initech["managed_by"]["business_name"], "Pat Resellers");
    assert_eq!(initech["users"][0]["status"], "locked");
    assert_eq!(initech["health_checks"], json!([]));
    assert_eq!(unknown.status(), 404);
    assert_eq!(not_an_id.status(), 404);
}

// ---- partners and approvals ------------------------------------------------------------------

#[tokio::test]
async fn a_partner_reads_the_customers_it_manages_and_no_other() {
    // Arrange
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("ada@{}", unique_domain()), "Globex").await;
    let invited_id = app.own_business_id(&customer).await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    let email = format!("bill@{}", unique_domain());
    let created = app
        .post_json(
            "/partner/customers",
            Some(&partner),
            &json!({"business_name": "Initech", "first_name": "Bill", "last_name": "Lumbergh",
                    "email": email, "status": "pending_activation"}),
        )
        .await;
    let managed_id = created.json::<Value>().await.unwrap()["business_id"].as_str().unwrap().to_owned();

    // Act
    let managed = app.get_json(&format!("/partner/customers/{managed_id}"), &partner).await;
    let invited = app.get(&format!("/partner/customers/{invited_id}"), Some(&partner)).await;
    let list = app.get_json("/partner/customers", &partner).await;

    // Assert
    assert_eq!(managed["business_name"], "Initech");
    assert_eq!(managed["email"], email.as_str());
    assert_eq!(managed["status"], "pending_activation");
    assert_eq!(invited.status(), 404, "a customer that invited the partner is not its to manage");
    let flag = |id: &str| {
        list["items"].as_array().unwrap().iter().find(|c| c["business_id"] == id).unwrap()["managed"].clone()
    };
    assert_eq!(flag(&managed_id), true);
    assert_eq!(flag(&invited_id), false);
}

#[tokio::test]
async fn pending_approvals_name_the_customer_that_invited_a_partner() {
    // Arrange: Globex invites a partner, who signs up through the link
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("ada@{}", unique_domain()), "Globex").await;
    let partner_email = format!("pat@{}", unique_domain());
    let invited = app
        .post_json(
            "/partners/invitations",
            Some(&customer),
            &json!({"business_name": "Pat Resellers", "email": partner_email, "partner_type": "professional"}),
        )
        .await;
    assert_eq!(invited.status(), 201);
    let link = app.wait_for_email(&partner_email, "invites you").await.link_to("/signup?invitation=");
    let mut body = portal_tests::sign_up_body(&partner_email, "Pat Resellers");
    body["invitation"] = json!(link.split("invitation=").nth(1).unwrap());
    assert_eq!(app.post_json("/signup", None, &body).await.status(), 202);

    // Act
    let admin = app.admin_token().await;
    let pending = app.get_json("/admin/approvals?status=pending", &admin).await;

    // Assert
    let request = pending["items"].as_array().unwrap().iter().find(|r| r["email"] == partner_email.as_str()).unwrap();
    assert_eq!(request["kind"], "partner");
    assert_eq!(request["invited_by_name"], "Globex");
    assert_eq!(request["partner_type"], "professional");
}

// ---- the local server: /api and the console --------------------------------------------------

/// A stand-in for `web/dist`.
fn console_files() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("console-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Console</title>").unwrap();
    std::fs::write(dir.join("config.json"), r#"{"apiBase":"/api"}"#).unwrap();
    std::fs::write(dir.join("assets/index-1a2b3c.js"), "export {};").unwrap();
    dir
}

#[tokio::test]
async fn the_local_server_serves_the_api_under_api_and_the_console_everywhere_else() {
    // Arrange
    let dir = console_files();
    let app = spawn_app_serving(Some(dir.clone())).await;
    let get = |path: &str| app.http.get(app.url(path)).send();

    // Act
    let login_page = get("/login").await.unwrap();
    let deep_route = get("/businesses/some-id").await.unwrap();
    let asset = get("/assets/index-1a2b3c.js").await.unwrap();
    let config = get("/config.json").await.unwrap();
    let missing_asset = get("/assets/gone-123.js").await.unwrap();
    let missing_file = get("/favicon.png").await.unwrap();
    let traversal = get("/assets/..%2F..%2Fetc%2Fpasswd").await.unwrap();
    let signup = get("/signup").await.unwrap();
    let api_health = get("/api/health").await.unwrap();
    let api_unknown = get("/api/nowhere").await.unwrap();
    let api_route_by_get = get("/auth/login").await.unwrap();

    // Assert: console routes get index.html with the distribution's headers
    for page in [&login_page, &deep_route] {
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()[CSP], CONTENT_SECURITY_POLICY);
        assert_eq!(page.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        assert_eq!(page.headers()["x-frame-options"], "DENY");
    }
    assert!(login_page.text().await.unwrap().contains("<title>Console</title>"));
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(asset.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(config.headers()[CACHE_CONTROL], "no-store");
    assert_eq!(config.json::<Value>().await.unwrap()["apiBase"], "/api");
    assert_eq!(missing_asset.status(), 404);
    assert_eq!(missing_file.status(), 404);
    assert_ne!(traversal.status(), 200);
    // Server pages and API routes keep their paths and win.
    assert!(signup.text().await.unwrap().contains("Sign Up"));
    assert_eq!(api_health.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    assert_eq!(api_unknown.status(), 404);
    assert_eq!(api_route_by_get.status(), 405);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_local_console_sends_the_distributions_content_security_policy() {
    let template = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let declared = template
        .lines()
        .find_map(|l| l.trim().strip_prefix("ContentSecurityPolicy: "))
        .expect("template.yaml declares the console's ContentSecurityPolicy");
    assert_eq!(declared.trim_matches('"'), CONTENT_SECURITY_POLICY);
}
