//! Email-link passwords: GET-safe links, single use, expiry, forged tokens, password rules,
//! forgot/reset without enumeration, and the end of old sessions after a reset.

use portal::ports::calls::*;
use std::time::Duration;

use portal::domain::records::StoredToken;
use portal::domain::token::{LinkToken, TokenPurpose};
use portal_tests::{PASSWORD, clear_of_window_edge, sign_up_body, spawn_app, unique_domain};
use serde_json::{Value, json};

async fn approved_link(app: &portal_tests::TestApp, email: &str) -> String {
    app.post_json("/signup", None, &sign_up_body(email, "Acme")).await;
    let admin = app.admin_token().await;
    let id = app.pending_request_id(&admin, email).await.unwrap();
    app.post_json(&format!("/admin/approvals/{id}/approve"), Some(&admin), &json!({})).await;
    app.wait_for_email(email, "set your password").await.link_to("/auth/set-password")
}

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).unwrap().to_owned()
}

async fn set(app: &portal_tests::TestApp, token: &str, password: &str, confirm: &str) -> reqwest::Response {
    app.post_json(
        "/auth/set-password",
        None,
        &json!({"token": token, "password": password, "confirm_password": confirm}),
    )
    .await
}

#[tokio::test]
async fn head_and_get_twice_change_nothing_and_the_post_then_works_once() {
    let app = spawn_app().await;
    let link = approved_link(&app, &format!("ada@{}", unique_domain())).await;
    let token = token_of(&link);

    let head = app.http.head(&link).send().await.unwrap();
    let get1 = app.get(&link, None).await;
    let get2 = app.get(&link, None).await;
    let first = set(&app, &token, PASSWORD, PASSWORD).await;
    let second = set(&app, &token, PASSWORD, PASSWORD).await;
    let get_after = app.get(&link, None).await;

    assert_eq!(head.status(), 200);
    assert_eq!(get1.status(), 200);
    assert_eq!(get2.status(), 200);
    assert_eq!(first.status(), 200);
    assert_eq!(first.json::<Value>().await.unwrap()["status"], "password_set");
    assert_eq!(second.status(), 410);
    assert_eq!(second.json::<Value>().await.unwrap()["error"], "invalid_token");
    assert_eq!(get_after.status(), 410);
    assert!(get_after.text().await.unwrap().contains("already been used"));
}

#[tokio::test]
async fn two_concurrent_submissions_of_one_link_set_the_password_once() {
    let app = spawn_app().await;
    let token = token_of(&approved_link(&app, &format!("ada@{}", unique_domain())).await);

    let (a, b) = tokio::join!(set(&app, &token, PASSWORD, PASSWORD), set(&app, &token, PASSWORD, PASSWORD));

    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 410]);
}

#[tokio::test]
async fn mismatched_short_and_common_passwords_are_refused_and_leave_the_link_working() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let token = token_of(&approved_link(&app, &email).await);

    let mismatch = set(&app, &token, PASSWORD, "velvet trombone harbour sunset").await;
    let short = set(&app, &token, "short pass", "short pass").await;
    let common = set(&app, &token, "password1234", "password1234").await;
    let long = "x".repeat(129);
    let too_long = set(&app, &token, &long, &long).await;
    let good = set(&app, &token, PASSWORD, PASSWORD).await;

    let field = |v: &Value, f: &str| v["fields"][f].as_str().unwrap_or_default().to_owned();
    let mismatch: Value = mismatch.json().await.unwrap();
    assert!(field(&mismatch, "confirm_password").contains("do not match"));
    let short: Value = short.json().await.unwrap();
    assert!(field(&short, "password").contains("at least 12"));
    let common: Value = common.json().await.unwrap();
    assert!(field(&common, "password").contains("too common"));
    assert_eq!(too_long.status(), 422);
    assert_eq!(good.status(), 200);
    assert!(app.login(&email, PASSWORD).await.is_ok());
}

#[tokio::test]
async fn forged_and_expired_tokens_are_refused_with_a_page() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let link = approved_link(&app, &email).await;
    // A real set-password token for the same user whose 72 hours are over.
    let expired = LinkToken::generate();
    let subject = app.stack.app.store.user_by_email(&email).await.unwrap().unwrap().user_id.to_string();
    let stored = StoredToken {
        purpose: TokenPurpose::SetPassword,
        subject,
        expires_at: time::OffsetDateTime::now_utc().unix_timestamp() - 1,
        used: false,
        minted_at_ms: time::OffsetDateTime::now_utc().unix_timestamp() * 1000,
        account: None,
        lease_until_ms: 0,
        claim: None,
    };
    app.stack.app.store.put_token(&expired.hash(), &stored).await.unwrap();

    let forged = app.get("/auth/set-password?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", None).await;
    let garbage = app.get("/auth/set-password?token=<script>", None).await;
    let expired_page = app.get(&format!("/auth/set-password?token={}", expired.expose()), None).await;
    let expired_post = set(&app, expired.expose(), PASSWORD, PASSWORD).await;
    // A set-password token is no reset-password token.
    let wrong_purpose = app.get(&link.replace("set-password", "reset-password"), None).await;

    assert_eq!(forged.status(), 400);
    assert!(forged.text().await.unwrap().contains("not valid"));
    assert_eq!(garbage.status(), 400);
    assert_eq!(expired_page.status(), 410);
    assert!(expired_page.text().await.unwrap().contains("expired"));
    assert_eq!(expired_post.status(), 410);
    assert_eq!(wrong_purpose.status(), 400);
    // The real link still works.
    assert_eq!(set(&app, &token_of(&link), PASSWORD, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_known_and_unknown_addresses() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;
    let unknown = format!("nobody@{}", unique_domain());

    let known_answer = app.post_json("/auth/forgot-password", None, &json!({"email": email})).await;
    let unknown_answer = app.post_json("/auth/forgot-password", None, &json!({"email": unknown})).await;

    assert_eq!(known_answer.status(), 202);
    assert_eq!(unknown_answer.status(), 202);
    assert_eq!(known_answer.json::<Value>().await.unwrap(), unknown_answer.json::<Value>().await.unwrap());
    app.wait_for_email(&email, "Reset your Partner Portal password").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(app.emails_to(&unknown).await.is_empty());
}

#[tokio::test]
async fn a_reset_sets_the_new_password_tells_the_user_and_ends_old_sessions() {
    // Arrange
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let old_session = app.onboard_customer(&email, "Acme").await;
    assert_eq!(app.get("/partners", Some(&old_session)).await.status(), 200);
    // No pause: sessions end to the millisecond of the portal's clock, not by the whole
    // second of a token's `iat`.

    // Act
    app.post_json("/auth/forgot-password", None, &json!({"email": email})).await;
    let link = app.wait_for_email(&email, "Reset your Partner Portal password").await.link_to("/auth/reset-password");
    assert_eq!(app.get(&link, None).await.status(), 200);
    let new_password = "amber lantern quietly folds";
    let reset = app
        .post_form(
            "/auth/reset-password",
            &[("token", &token_of(&link)), ("password", new_password), ("confirm_password", new_password)],
        )
        .await;

    // Assert
    assert_eq!(reset.status(), 200);
    app.wait_for_email(&email, "password was changed").await;
    assert_eq!(app.get("/partners", Some(&old_session)).await.status(), 401);
    assert!(app.login(&email, PASSWORD).await.is_err());
    let fresh = app.token(&email, new_password).await;
    assert_eq!(app.get("/partners", Some(&fresh)).await.status(), 200);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_address_get_the_same_error() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;

    let wrong =
        app.post_json("/auth/login", None, &json!({"email": email, "password": "not the password at all"})).await;
    let unknown = app
        .post_json("/auth/login", None, &json!({"email": format!("x@{}", unique_domain()), "password": PASSWORD}))
        .await;
    let empty = app.post_json("/auth/login", None, &json!({})).await;

    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert_eq!(empty.status(), 401);
    let wrong: Value = wrong.json().await.unwrap();
    assert_eq!(wrong, unknown.json::<Value>().await.unwrap());
    assert_eq!(wrong["error"], "invalid_credentials");
}

#[tokio::test]
async fn repeated_logins_for_one_account_are_rate_limited() {
    let app = spawn_app().await;
    clear_of_window_edge(Duration::from_secs(60)).await;
    let email = format!("ada@{}", unique_domain());
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = app.post_json("/auth/login", None, &json!({"email": email, "password": "guess guess guess"})).await;
        statuses.push(r.status().as_u16());
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(statuses[10..], [429, 429]);
}
