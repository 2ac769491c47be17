//! Sign-up: the form, its refusals, and the no-enumeration answer for a taken address.

use portal_tests::{sign_up_body, spawn_app, unique_domain};
use serde_json::Value;

#[tokio::test]
async fn a_customer_signs_up_is_approved_sets_a_password_and_lands_on_the_business_profile() {
    // Arrange
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());

    // Act: sign up, as the page does
    let page = app.get("/signup", None).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Create Account Request"));
    let response = app.post_json("/signup", None, &sign_up_body(&email, "Acme Widgets")).await;

    // Assert: the answer and the confirmation email
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Your request has been received and will be approved by an admin.");
    app.wait_for_email(&email, "We have received your Create Account Request").await;

    // Act: the admin sees it in Pending Approvals and approves it
    let admin = app.admin_token().await;
    let count: Value = app.get("/admin/approvals/count", Some(&admin)).await.json().await.unwrap();
    assert_eq!(count["pending"], 1);
    let id = app.pending_request_id(&admin, &email).await.unwrap();
    let approved = app.post_json(&format!("/admin/approvals/{id}/approve"), Some(&admin), &Value::Null).await;
    assert_eq!(approved.status(), 200);
    let count: Value = app.get("/admin/approvals/count", Some(&admin)).await.json().await.unwrap();
    assert_eq!(count["pending"], 0);

    // Act: the person follows the set-password link and logs in
    let email_message = app.wait_for_email(&email, "set your password").await;
    let link = email_message.link_to("/auth/set-password");
    assert_eq!(app.get(&email_message.link_to("/login"), None).await.status(), 200, "the login link leads somewhere");
    let page = app.get(&link, None).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("New Password") && html.contains("Confirm Password") && !html.contains("<script"));
    let token = link.split("token=").nth(1).unwrap();
    let done = app
        .post_form(
            "/auth/set-password",
            &[("token", token), ("password", portal_tests::PASSWORD), ("confirm_password", portal_tests::PASSWORD)],
        )
        .await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("Your password has been set successfully"));
    let session = app.login(&email, portal_tests::PASSWORD).await.unwrap();

    // Assert
    assert_eq!(session["landing"], "/business/profile");
    assert!(session["access_token"].as_str().is_some_and(|t| t.split('.').count() == 3));
    assert!(session["expires_in"].as_i64().unwrap() > 0);
    let subjects: Vec<String> = app.emails_to(&email).await.into_iter().map(|e| e.subject).collect();
    assert_eq!(
        subjects,
        vec![
            "We have received your Create Account Request",
            "Your Partner Portal account is approved: set your password"
        ]
    );
    // The developer's outbox page lists them, newest first, with their links.
    let outbox = app.http.get(format!("{}/_dev/outbox", app.base)).send().await.unwrap();
    assert_eq!(outbox.status(), 200);
    let page = outbox.text().await.unwrap();
    let approved = page.find("Your Partner Portal account is approved").expect("the approval email is listed");
    let received = page.find("We have received your Create Account Request").expect("the first email is listed");
    assert!(approved < received, "newest first");
    assert!(page.contains("token="), "its link is listed");
}

#[tokio::test]
async fn free_mail_disposable_mail_and_unticked_boxes_are_field_errors() {
    let app = spawn_app().await;
    for (email, words) in
        [("ada@gmail.com", "free email"), ("ada@outlook.com", "free email"), ("ada@mailinator.com", "disposable")]
    {
        let mut body = sign_up_body(email, "Acme");
        body["privacy_policy"] = Value::Bool(false);
        body["terms"] = Value::Bool(false);

        let response = app.post_json("/signup", None, &body).await;

        assert_eq!(response.status(), 422, "{email}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "validation_failed");
        assert!(body["fields"]["email"].as_str().unwrap().contains(words), "{email}: {body}");
        assert!(body["fields"]["privacy_policy"].is_string() && body["fields"]["terms"].is_string());
    }
    assert!(app.emails_to("ada@gmail.com").await.is_empty());
}

#[tokio::test]
async fn the_html_form_shows_field_errors_on_the_page_and_keeps_what_was_typed() {
    let app = spawn_app().await;

    let response = app
        .post_form("/signup", &[("business_name", "Acme & Sons"), ("email", "ada@yahoo.com"), ("privacy_policy", "on")])
        .await;

    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"value="Acme &#38; Sons""#), "what was typed, escaped: {html}");
    assert!(html.contains("free email providers such as yahoo.com"));
    assert!(html.contains("Please agree to the Terms and Conditions."));
}

#[tokio::test]
async fn signing_up_with_a_taken_address_answers_the_same_and_tells_the_owner_by_email() {
    // Arrange
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let first = app.post_json("/signup", None, &sign_up_body(&email, "Acme")).await;
    let first_status = first.status();
    let first_body: Value = first.json().await.unwrap();

    // Act
    let second = app.post_json("/signup", None, &sign_up_body(&email, "Other name")).await;

    // Assert: same answer, one request, and a notice to the owner
    assert_eq!(second.status(), first_status);
    assert_eq!(second.json::<Value>().await.unwrap(), first_body);
    let notice = app.wait_for_email(&email, "Someone tried to sign up").await;
    assert!(notice.text.contains("already waiting for an admin"));
    let admin = app.admin_token().await;
    let count: Value = app.get("/admin/approvals/count", Some(&admin)).await.json().await.unwrap();
    assert_eq!(count["pending"], 1);
}

#[tokio::test]
async fn malformed_bodies_are_400_with_a_message_never_500() {
    let app = spawn_app().await;
    for body in ["{not json", "[1,2]", "\"text\"", "{\"email\": 5}"] {
        let response = app
            .http
            .post(app.url("/signup"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["error"], "bad_request");
        assert!(answer["message"].as_str().unwrap().len() > 10);
    }
}
