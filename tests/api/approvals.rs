//! Pending Approvals: approve, reject, idempotency and races, and who may call them.

use portal_tests::{sign_up_body, spawn_app, unique_domain};
use serde_json::{Value, json};

#[tokio::test]
async fn approving_twice_or_concurrently_makes_one_account_and_sends_one_email() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let email = format!("ada@{}", unique_domain());
    app.post_json("/signup", None, &sign_up_body(&email, "Acme")).await;
    let id = app.pending_request_id(&admin, &email).await.unwrap();
    let path = format!("/admin/approvals/{id}/approve");

    // Act: two admins click at once, then one clicks again
    let empty = json!({});
    let (a, b) = tokio::join!(app.post_json(&path, Some(&admin), &empty), app.post_json(&path, Some(&admin), &empty));
    let again = app.post_json(&path, Some(&admin), &empty).await;

    // Assert
    assert_eq!(a.status(), 200);
    assert_eq!(b.status(), 200);
    assert_eq!(again.status(), 200);
    let users: Vec<Value> = vec![a.json().await.unwrap(), b.json().await.unwrap(), again.json().await.unwrap()];
    assert!(users.iter().all(|u| u["user_id"] == users[0]["user_id"] && u["status"] == "approved"));
    app.wait_for_email(&email, "set your password").await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let approvals = app.emails_to(&email).await.into_iter().filter(|e| e.subject.contains("approved")).count();
    assert_eq!(approvals, 1);
}

#[tokio::test]
async fn a_rejected_request_gets_a_notice_with_the_reason_and_cannot_then_be_approved() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let email = format!("ada@{}", unique_domain());
    app.post_json("/signup", None, &sign_up_body(&email, "Acme")).await;
    let id = app.pending_request_id(&admin, &email).await.unwrap();

    let no_reason = app.post_json(&format!("/admin/approvals/{id}/reject"), Some(&admin), &json!({})).await;
    let rejected = app
        .post_json(
            &format!("/admin/approvals/{id}/reject"),
            Some(&admin),
            &json!({"reason": "Not a business we serve"}),
        )
        .await;
    let approve = app.post_json(&format!("/admin/approvals/{id}/approve"), Some(&admin), &json!({})).await;

    assert_eq!(no_reason.status(), 422);
    assert_eq!(rejected.status(), 200);
    assert_eq!(approve.status(), 409);
    assert_eq!(approve.json::<Value>().await.unwrap()["error"], "already_decided");
    let notice = app.wait_for_email(&email, "was not approved").await;
    assert!(notice.text.contains("Not a business we serve"));
    let listed: Value = app.get("/admin/approvals?status=rejected", Some(&admin)).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["email"], email.as_str());
    // The address is free again for a new request.
    assert_eq!(app.post_json("/signup", None, &sign_up_body(&email, "Acme")).await.status(), 202);
    assert!(app.pending_request_id(&admin, &email).await.is_ok());
}

#[tokio::test]
async fn approvals_need_an_admin_token() {
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("ada@{}", unique_domain()), "Acme").await;

    let none = app.get("/admin/approvals/count", None).await;
    let forged = app.get("/admin/approvals/count", Some("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")).await;
    let as_customer = app.get("/admin/approvals/count", Some(&customer)).await;
    let approve_as_customer = app.post_json("/admin/approvals/abc/approve", Some(&customer), &json!({})).await;

    assert_eq!(none.status(), 401);
    assert_eq!(none.json::<Value>().await.unwrap()["error"], "unauthorized");
    assert_eq!(forged.status(), 401);
    assert_eq!(as_customer.status(), 403);
    assert_eq!(approve_as_customer.status(), 403);
}

#[tokio::test]
async fn the_pending_list_pages_with_a_cursor_and_refuses_a_forged_one() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let domain = unique_domain();
    for n in 0..3 {
        app.post_json("/signup", None, &sign_up_body(&format!("p{n}@{domain}"), "Acme")).await;
    }

    let first: Value = app.get("/admin/approvals?status=pending&limit=2", Some(&admin)).await.json().await.unwrap();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second: Value = app
        .get(&format!("/admin/approvals?status=pending&limit=2&cursor={cursor}"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let forged = app.get("/admin/approvals?cursor=eyJQSyI6IlVTRVIjeCJ9", Some(&admin)).await;
    let bad_limit = app.get("/admin/approvals?limit=1000", Some(&admin)).await;

    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(forged.status(), 400);
    assert_eq!(bad_limit.status(), 400);
}
