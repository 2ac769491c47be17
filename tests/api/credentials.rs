//! Hardening of sign-up, approval, passwords, sessions and locking (issue 10): a revoked
//! invitation links nobody, a password change kills older links and ends older sessions to
//! the millisecond, a stranger's failed logins never lock the owner out, and what the fault
//! table (`faults.rs`) does not see: a retried lock refuses the customer's old session, and
//! a customer created locked stays disabled whichever call failed.

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client as Cognito;
use portal::local::aws_calls::Fault;
use portal_tests::{PASSWORD, TestApp, clear_of_window_edge, sign_up_body, spawn_app, unique_domain};
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "amber lantern quietly folds";

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).expect("a token in the link").to_owned()
}

/// Whether Cognito lets `email` log in (`Enabled`), read straight from the emulator.
async fn cognito_enabled(app: &TestApp, email: &str) -> bool {
    let sdk = portal::local::sdk_config(&app.stack.endpoint).await;
    let user = Cognito::new(&sdk)
        .admin_get_user()
        .user_pool_id(&app.stack.app.config.user_pool_id)
        .username(email)
        .send()
        .await
        .expect("the Cognito user exists");
    user.enabled
}

/// Every audit event of `action` about `email`, as admins read the trail.
async fn audit_events(app: &TestApp, action: &str, email: &str) -> usize {
    let admin = app.admin_token().await;
    let all = app.get_json("/admin/audit?limit=100", &admin).await;
    all["items"].as_array().unwrap().iter().filter(|e| e["action"] == action && e["subject"]["email"] == email).count()
}

/// A login answer's access and refresh tokens.
async fn signed_in(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let session = app.login(email, password).await.expect("the login succeeds");
    (session["access_token"].as_str().unwrap().to_owned(), session["refresh_token"].as_str().unwrap().to_owned())
}

// ---- item 1: a revoked invitation links nobody --------------------------------------------

#[tokio::test]
async fn an_invitation_revoked_after_the_partner_signed_up_blocks_the_approval() {
    // Arrange: the partner signs up through the link, then the customer revokes it
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let partner = format!("pat@{}", unique_domain());
    let invited: Value = app
        .post_json(
            "/partners/invitations",
            Some(&customer),
            &json!({"business_name": "Pat Resellers", "email": partner, "partner_type": "reseller"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let link = app.wait_for_email(&partner, "invites you").await.link_to("/signup?invitation=");
    let mut body = sign_up_body(&partner, "Pat Resellers");
    body["invitation"] = json!(link.split("invitation=").nth(1).unwrap());
    assert_eq!(app.post_json("/signup", None, &body).await.status(), 202);
    let invitation_id = invited["invitation_id"].as_str().expect("the invitation's id");
    let revoked = app.send("DELETE", &format!("/partners/invitations/{invitation_id}"), Some(&customer), None).await;
    assert_eq!(revoked.status(), 200);

    // Act
    let admin = app.admin_token().await;
    let id = app.pending_request_id(&admin, &partner).await.unwrap();
    let approve = app.post_json(&format!("/admin/approvals/{id}/approve"), Some(&admin), &json!({})).await;

    // Assert: refused with a reason; no link, the invitation still revoked; rejecting works
    assert_eq!(approve.status(), 409);
    assert_eq!(approve.json::<Value>().await.unwrap()["error"], "invitation_withdrawn");
    let partners = app.get_json("/partners", &customer).await;
    assert!(partners["items"].as_array().unwrap().is_empty(), "{partners}");
    let invitations = app.get_json("/partners/invitations", &customer).await;
    assert_eq!(invitations["items"][0]["status"], "revoked");
    let reject = app
        .post_json(&format!("/admin/approvals/{id}/reject"), Some(&admin), &json!({"reason": "Invitation withdrawn."}))
        .await;
    assert_eq!(reject.status(), 200);
}

// ---- item 2: a password change kills older links ------------------------------------------

#[tokio::test]
async fn of_two_reset_links_the_older_dies_when_the_newer_is_used() {
    // Arrange: two reset links
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;
    for _ in 0..2 {
        app.post_json("/auth/forgot-password", None, &json!({"email": email})).await;
    }
    app.outbox_drained().await;
    let resets: Vec<String> = app
        .emails_to(&email)
        .await
        .iter()
        .filter(|e| e.subject.contains("Reset your"))
        .map(|e| token_of(&e.link_to("/auth/reset-password")))
        .collect();
    assert_eq!(resets.len(), 2);
    let reset = |token: &str, password: &str| {
        let body = json!({"token": token, "password": password, "confirm_password": password});
        let app = &app;
        async move { app.post_json("/auth/reset-password", None, &body).await }
    };

    // Act: the newer first, then the older
    let newer = reset(&resets[1], NEW_PASSWORD).await;
    let older = reset(&resets[0], "some other long passphrase").await;

    // Assert
    assert_eq!(newer.status(), 200);
    assert_eq!(older.status(), 410);
    let body: Value = older.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("password was changed"), "{body}");
    assert!(app.login(&email, NEW_PASSWORD).await.is_ok());
}

// ---- item 3: sessions after a reset --------------------------------------------------------

#[tokio::test]
async fn a_reset_right_after_a_login_ends_that_login_and_its_refreshes_to_the_millisecond() {
    // Arrange: a login, and its refresh, within the same second as the reset
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;
    app.post_json("/auth/forgot-password", None, &json!({"email": email})).await;
    let link = app.wait_for_email(&email, "Reset your Partner Portal password").await.link_to("/auth/reset-password");
    let (access, refresh) = signed_in(&app, &email, PASSWORD).await;
    let refreshed: Value =
        app.post_json("/auth/refresh", None, &json!({"refresh_token": refresh})).await.json().await.unwrap();
    let refreshed_access = refreshed["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/partners", Some(&refreshed_access)).await.status(), 200);

    // Act: no pause (whole-second `iat` cannot tell these apart)
    let body = json!({"token": token_of(&link), "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD});
    assert_eq!(app.post_json("/auth/reset-password", None, &body).await.status(), 200);

    // Assert: both tokens of the login, and the refresh token, are refused; a new login works
    assert_eq!(app.get("/partners", Some(&access)).await.status(), 401);
    assert_eq!(app.get("/partners", Some(&refreshed_access)).await.status(), 401);
    assert_eq!(app.post_json("/auth/refresh", None, &json!({"refresh_token": refresh})).await.status(), 401);
    let (fresh, _) = signed_in(&app, &email, NEW_PASSWORD).await;
    assert_eq!(app.get("/partners", Some(&fresh)).await.status(), 200);
    app.wait_for_email(&email, "password was changed").await;
}

#[tokio::test]
async fn an_access_token_of_a_login_the_portal_never_recorded_is_refused() {
    // A valid Cognito token obtained around the portal (straight from Cognito) has a login id
    // the portal never recorded.
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;
    let sdk = portal::local::sdk_config(&app.stack.endpoint).await;
    let around = Cognito::new(&sdk)
        .admin_initiate_auth()
        .user_pool_id(&app.stack.app.config.user_pool_id)
        .client_id(&app.stack.app.config.user_pool_client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", &email)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    let token = around.authentication_result.unwrap().access_token.unwrap();

    assert_eq!(app.get("/partners", Some(&token)).await.status(), 401);
}

// ---- item 7: lockout by strangers ----------------------------------------------------------

/// A POST of `body` to `path` as API Gateway delivers it from `source_ip`.
fn event_from(path: &str, body: &Value, source_ip: &str) -> lambda_http::Request {
    let event = json!({
        "version": "2.0", "routeKey": format!("POST {path}"), "rawPath": path, "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                                    "userAgent": "test"}, "requestId": "r1", "routeKey": format!("POST {path}"),
                           "stage": "$default", "timeEpoch": 0, "accountId": "1", "apiId": "x"},
        "body": body.to_string(), "isBase64Encoded": false,
    });
    lambda_http::request::from_str(&event.to_string()).expect("a valid event")
}

async fn login_from(app: &TestApp, email: &str, password: &str, source_ip: &str) -> u16 {
    let body = json!({"email": email, "password": password});
    let answer = portal::http::sessions::login(&app.stack.app, event_from("/auth/login", &body, source_ip)).await;
    answer.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_stranger_guessing_a_password_is_blocked_at_its_address_and_the_owner_still_logs_in() {
    // Arrange
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;
    clear_of_window_edge(Duration::from_secs(60)).await;
    let mut guesses = Vec::new();
    for _ in 0..10 {
        guesses.push(login_from(&app, &email, "not the password at all", "203.0.113.66").await);
    }

    // Act
    let stranger = login_from(&app, &email, PASSWORD, "203.0.113.66").await;
    let owner = login_from(&app, &email, PASSWORD, "198.51.100.20").await;

    // Assert
    assert!(guesses.iter().all(|s| *s == 401), "{guesses:?}");
    assert_eq!(stranger, 429, "the stranger's address is blocked for this account");
    assert_eq!(owner, 200, "the owner is never locked out");
}

#[tokio::test]
async fn successful_logins_never_count_towards_a_limit() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;

    let statuses: Vec<u16> = {
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(login_from(&app, &email, PASSWORD, "198.51.100.20").await);
        }
        statuses
    };

    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

// ---- item 8: a retry finishes the job, whichever call failed -------------------------------

/// Makes the `k`-th AWS call of the next request fail with `fault` (every attempt of it).
async fn fails_at(app: &TestApp, k: usize, fault: Fault) {
    app.stack.aws.set_latency(std::time::Duration::ZERO);
    app.stack.aws.reset();
    app.stack.aws.fail_call(k, fault);
}

#[tokio::test]
async fn a_lock_that_fails_at_any_call_is_complete_once_retried() {
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("owner@{}", unique_domain()), "Globex").await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    // The lock's calls: the session, the link, the business, the user, disable and sign out
    // (together), the transaction.
    for k in 1..=7 {
        // Arrange: an active customer with a password and a live login
        let email = format!("bill{k}@{}", unique_domain());
        let body = json!({"business_name": "Initech", "first_name": "Bill", "last_name": "Lumbergh",
                          "email": email, "status": "activated"});
        let created: Value = app.post_json("/partner/customers", Some(&partner), &body).await.json().await.unwrap();
        let business = created["business_id"].as_str().unwrap().to_owned();
        let link =
            app.wait_for_email(&email, "created your Partner Portal account").await.link_to("/auth/set-password");
        let set = json!({"token": token_of(&link), "password": PASSWORD, "confirm_password": PASSWORD});
        assert_eq!(app.post_json("/auth/set-password", None, &set).await.status(), 200);
        let (access, _) = signed_in(&app, &email, PASSWORD).await;
        let path = format!("/partner/customers/{business}");

        // Act: the lock fails at its k-th call, then is sent again
        fails_at(&app, k, Fault::ServerError).await;
        let first = app.send("PATCH", &path, Some(&partner), Some(&json!({"status": "locked"}))).await;
        app.stack.aws.reset();
        let retried = app.send("PATCH", &path, Some(&partner), Some(&json!({"status": "locked"}))).await;

        // Assert: 503 first, then done: disabled, signed out, refused, audited once
        assert_eq!(first.status(), 503, "k = {k}");
        assert_eq!(retried.status(), 200, "k = {k}");
        assert!(!cognito_enabled(&app, &email).await, "k = {k}: Cognito user still enabled");
        assert!(app.login(&email, PASSWORD).await.is_err(), "k = {k}");
        assert_eq!(app.get("/business/profile", Some(&access)).await.status(), 401, "k = {k}");
        assert_eq!(audit_events(&app, "customer_status_changed", &email).await, 1, "k = {k}");
    }
}

#[tokio::test]
async fn creating_a_locked_customer_that_fails_at_any_call_leaves_one_disabled_customer_once_retried() {
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("owner@{}", unique_domain()), "Globex").await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    // The create's calls: the session, the partner and the Cognito user (together), the
    // transaction, disabling the user. A lost answer of the transaction too.
    let faults = (1..=5).map(|k| (k, Fault::ServerError)).chain([(4, Fault::LostAnswer)]);
    for (n, (k, fault)) in faults.enumerate() {
        let email = format!("bill{n}@{}", unique_domain());
        let body = json!({"business_name": "Initech", "first_name": "Bill", "last_name": "Lumbergh",
                          "email": email, "status": "locked"});

        fails_at(&app, k, fault).await;
        let first = app.post_json("/partner/customers", Some(&partner), &body).await;
        app.stack.aws.reset();
        let retried = app.post_json("/partner/customers", Some(&partner), &body).await;

        assert_eq!(first.status(), 503, "k = {k} ({fault:?})");
        assert_eq!(retried.status(), 201, "k = {k} ({fault:?})");
        assert!(!cognito_enabled(&app, &email).await, "k = {k} ({fault:?})");
        assert_eq!(audit_events(&app, "customer_created", &email).await, 1, "k = {k} ({fault:?})");
    }
    let listed = app.get_json("/partner/customers?limit=100", &partner).await;
    let initechs = listed["items"].as_array().unwrap().iter().filter(|c| c["business_name"] == "Initech").count();
    assert_eq!(initechs, 6, "one customer per address: {listed}");
}

// ---- item 12: names, domains, the "account exists" notice ---------------------------------

#[tokio::test]
async fn names_with_bidi_or_zero_width_characters_and_full_width_free_mail_are_field_errors() {
    let app = spawn_app().await;
    let mut body = sign_up_body("ada@ｇｍａｉｌ.com", "Acme\u{202E}gnp.exe");
    body["first_name"] = json!("A\u{200B}da");

    let response = app.post_json("/signup", None, &body).await;

    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert!(body["fields"]["business_name"].as_str().unwrap().contains("invisible formatting characters"), "{body}");
    assert!(body["fields"]["first_name"].as_str().unwrap().contains("invisible formatting characters"), "{body}");
    assert!(body["fields"]["email"].as_str().unwrap().contains("free email providers such as gmail.com"), "{body}");
}

#[tokio::test]
async fn the_account_exists_notice_links_to_forgot_password() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;

    assert_eq!(app.post_json("/signup", None, &sign_up_body(&email, "Acme")).await.status(), 202);

    let notice = app.wait_for_email(&email, "Someone tried to sign up").await;
    assert!(notice.links.iter().any(|l| l == &format!("{}/forgot-password", app.base)), "{:?}", notice.links);
    assert!(!notice.links.iter().any(|l| l.contains("reset-password")));
}
