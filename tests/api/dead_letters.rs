//! The admins' view of dead-lettered emails (`GET /admin/outbox?status=dead`): what the
//! outbox gave up on, newest first, a page at a time, for admins only.

use portal::domain::records::{EmailKind, OutboxMessage};
use portal::ports::calls::*;
use portal_tests::{TestApp, spawn_app, spawn_app_relaying_every, unique_domain};
use serde_json::{Value, json};

/// A stack whose background relay stays out of the way: it would otherwise claim and send an
/// email queued here before its failure is recorded, and leave it sent, not dead.
async fn quiet_stack() -> TestApp {
    spawn_app_relaying_every(std::time::Duration::from_secs(3600)).await
}

/// Queues an email to `to` and records its last attempt as failed: it is dead-lettered.
async fn dead_letter(app: &TestApp, to: &str) -> OutboxMessage {
    let store = &app.stack.app.store;
    let message = OutboxMessage::new(to, EmailKind::SignUpReceived, json!({"first_name": "Ada"}), None);
    store.put_outbox(&message).await.unwrap();
    let later = time::OffsetDateTime::now_utc().unix_timestamp() + 60;
    store.mark_outbox_failed(&message, "SES refused the recipient (MessageRejected)", later, true).await.unwrap();
    message
}

#[tokio::test]
async fn an_admin_sees_each_dead_lettered_email_with_its_last_error_and_nothing_of_its_content() {
    // Arrange
    let app = quiet_stack().await;
    let to = format!("ada@{}", unique_domain());
    let message = dead_letter(&app, &to).await;
    let admin = app.admin_token().await;

    // Act
    let response = app.get("/admin/outbox?status=dead", Some(&admin)).await;

    // Assert
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{body}");
    let item = &items[0];
    assert_eq!(item["outbox_id"], message.outbox_id.as_ref());
    assert_eq!(item["to"], to);
    assert_eq!(item["kind"], "sign_up_received");
    assert_eq!(item["status"], "dead");
    assert_eq!(item["attempts"], 1);
    assert_eq!(item["last_error"], "SES refused the recipient (MessageRejected)");
    assert!(item.get("params").is_none() && item.get("link").is_none(), "{item}");
    assert!(body["next_cursor"].is_null());
}

#[tokio::test]
async fn dead_letters_are_listed_newest_first_a_page_at_a_time() {
    // Arrange: three dead letters, one after the other
    let app = quiet_stack().await;
    let domain = unique_domain();
    let mut ids = Vec::new();
    for n in 0..3 {
        let message = dead_letter(&app, &format!("user{n}@{domain}")).await;
        ids.push(message.outbox_id.to_string());
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    let admin = app.admin_token().await;

    // Act
    let first: Value = app.get_json("/admin/outbox?status=dead&limit=2", &admin).await;
    let cursor = first["next_cursor"].as_str().expect("a second page").to_owned();
    let second: Value = app.get_json(&format!("/admin/outbox?status=dead&limit=2&cursor={cursor}"), &admin).await;

    // Assert
    let listed: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|i| i["outbox_id"].as_str().unwrap())
        .collect();
    let newest_first: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, newest_first);
    assert!(second["next_cursor"].is_null());
}

#[tokio::test]
async fn only_admins_see_dead_letters() {
    // Arrange
    let app = spawn_app().await;
    dead_letter(&app, &format!("ada@{}", unique_domain())).await;
    let customer = app.onboard_customer(&format!("owner@{}", unique_domain()), "Acme").await;

    // Act
    let anonymous = app.get("/admin/outbox?status=dead", None).await;
    let as_customer = app.get("/admin/outbox?status=dead", Some(&customer)).await;

    // Assert
    assert_eq!(anonymous.status(), 401);
    assert_eq!(as_customer.status(), 403);
    let body: Value = as_customer.json().await.unwrap();
    assert_eq!(body["error"], "forbidden");
}

#[tokio::test]
async fn an_unknown_status_or_a_foreign_cursor_is_a_400() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    // Act
    let pending = app.get("/admin/outbox?status=pending", Some(&admin)).await;
    let cursor = app.get("/admin/outbox?status=dead&cursor=bm90LW91cnM", Some(&admin)).await;
    let limit = app.get("/admin/outbox?status=dead&limit=0", Some(&admin)).await;

    // Assert
    for response in [pending, cursor, limit] {
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "bad_request", "{body}");
    }
}
