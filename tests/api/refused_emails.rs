//! Addresses that pass an email syntax check but that the identity provider refuses as a
//! username (`a/b@corp.example`): refused at the door with a message the person can act on,
//! and never a 503 that no retry can fix (issue 10, item 13).

use portal::domain::account::AccountKind;
use portal::domain::ids::RequestId;
use portal::domain::records::{EmailKind, OutboxMessage, RequestStatus, SignUpRequest};
use portal::ports::calls::*;
use portal_tests::{TestApp, sign_up_body, spawn_app, unique_domain};
use serde_json::{Value, json};

const REFUSED: &str = "a/b@corp.example";

async fn assert_email_field_error(response: reqwest::Response) {
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "validation_failed");
    let message = body["fields"]["email"].as_str().unwrap_or_default();
    assert!(message.contains("before the @"), "{body}");
}

#[tokio::test]
async fn signing_up_with_an_address_the_identity_provider_refuses_is_a_422_on_the_email() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.post_json("/signup", None, &sign_up_body(REFUSED, "Corp")).await;

    // Assert: refused, and nothing waits for an admin
    assert_email_field_error(response).await;
    let admin = app.admin_token().await;
    let pending: Value = app.get_json("/admin/approvals/count", &admin).await;
    assert_eq!(pending["pending"], 0);
}

#[tokio::test]
async fn an_address_longer_than_a_cognito_username_is_refused_at_sign_up() {
    // Arrange: 129 characters; Cognito usernames stop at 128
    let app = spawn_app().await;
    let email = format!("a@{}.{}.com", "x".repeat(60), "y".repeat(62));
    assert_eq!(email.len(), 129);

    // Act
    let response = app.post_json("/signup", None, &sign_up_body(&email, "Corp")).await;

    // Assert
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert!(body["fields"]["email"].as_str().unwrap_or_default().contains("128"), "{body}");
}

#[tokio::test]
async fn a_partner_creating_a_customer_with_such_an_address_gets_a_422_not_a_503() {
    // Arrange
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("owner@{}", unique_domain()), "Client").await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    let body = json!({"business_name": "Corp", "first_name": "Bill", "last_name": "Lumbergh", "email": REFUSED,
                      "status": "activated"});

    // Act
    let response = app.post_json("/partner/customers", Some(&partner), &body).await;

    // Assert
    assert_email_field_error(response).await;
    let customers: Value = app.get_json("/partner/customers", &partner).await;
    assert!(customers["items"].as_array().unwrap().iter().all(|c| c["business_name"] != "Corp"), "{customers}");
}

/// A request stored before addresses were checked against what Cognito accepts.
async fn legacy_request(app: &TestApp) -> SignUpRequest {
    let request = SignUpRequest {
        request_id: RequestId::new(),
        kind: AccountKind::Customer,
        business_name: "Corp".into(),
        business_website: "https://corp.example/".into(),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: REFUSED.into(),
        phone: None,
        status: RequestStatus::Pending,
        created_at: time::OffsetDateTime::now_utc(),
        invited_by: None,
        decided_by: None,
        decided_at: None,
        reason: None,
        user_id: None,
    };
    let received = OutboxMessage::new(REFUSED, EmailKind::SignUpReceived, json!({"first_name": "Ada"}), None);
    app.stack.app.store.create_signup_request(&request, None, &received, &[]).await.unwrap();
    request
}

#[tokio::test]
async fn approving_a_request_whose_address_cognito_refuses_is_a_409_and_it_can_still_be_rejected() {
    // Arrange
    let app = spawn_app().await;
    let request = legacy_request(&app).await;
    let admin = app.admin_token().await;
    let approve = format!("/admin/approvals/{}/approve", request.request_id);

    // Act: approve twice (a retry must not turn into a 503 either)
    let first = app.post_json(&approve, Some(&admin), &json!({})).await;
    let again = app.post_json(&approve, Some(&admin), &json!({})).await;

    // Assert: a conflict that tells the admin what to do, and the request still pending
    for response in [first, again] {
        assert_eq!(response.status(), 409);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "email_not_accepted");
        assert!(body["message"].as_str().unwrap_or_default().contains("reject the request"), "{body}");
    }
    let listed: Value = app.get_json("/admin/approvals?status=pending", &admin).await;
    assert!(listed["items"].as_array().unwrap().iter().any(|i| i["request_id"] == request.request_id.as_ref()));

    // Act: the admin rejects it instead
    let rejected = app
        .post_json(
            &format!("/admin/approvals/{}/reject", request.request_id),
            Some(&admin),
            &json!({"reason": "Please sign up with an address without a slash."}),
        )
        .await;

    // Assert
    assert_eq!(rejected.status(), 200);
    let body: Value = rejected.json().await.unwrap();
    assert_eq!(body["status"], "rejected");
}
