//! Partner-managed customers: create with a status, activate, edit, lock and unlock, "log in
//! as customer" with its audit trail, and a customer's management of its invitations.

use portal::domain::records::Impersonation;
use portal::domain::token::LinkToken;
use portal::ports::calls::*;
use portal_tests::{PASSWORD, TestApp, spawn_app, unique_domain};
use serde_json::{Value, json};

/// A partner account, created through a customer's invitation; returns its token.
async fn new_partner(app: &TestApp, name: &str) -> String {
    let customer = app.onboard_customer(&format!("owner@{}", unique_domain()), &format!("{name} client")).await;
    app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), name).await
}

async fn create(app: &TestApp, partner: &str, email: &str, status: &str) -> reqwest::Response {
    let body = json!({"business_name": "Initech", "first_name": "Bill", "last_name": "Lumbergh", "email": email, "status": status});
    app.post_json("/partner/customers", Some(partner), &body).await
}

async fn patch(app: &TestApp, token: &str, business_id: &str, body: &Value) -> reqwest::Response {
    app.http
        .patch(app.url(&format!("/partner/customers/{business_id}")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Creates an activated customer that has set its password; returns (business id, email).
async fn active_customer(app: &TestApp, partner: &str) -> (String, String) {
    let email = format!("bill@{}", unique_domain());
    let created: Value = create(app, partner, &email, "activated").await.json().await.unwrap();
    let mail = app.wait_for_email(&email, "created your Partner Portal account").await;
    assert!(mail.html.contains("Set Password"));
    let link = mail.link_to("/auth/set-password");
    let token = link.split("token=").nth(1).unwrap();
    let set = app
        .post_form("/auth/set-password", &[("token", token), ("password", PASSWORD), ("confirm_password", PASSWORD)])
        .await;
    assert_eq!(set.status(), 200);
    (created["business_id"].as_str().unwrap().to_owned(), email)
}

async fn impersonate(app: &TestApp, partner: &str, business_id: &str) -> reqwest::Response {
    app.post_json(&format!("/partner/customers/{business_id}/impersonation"), Some(partner), &json!({})).await
}

fn as_customer(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    partner: &str,
    session: &str,
) -> reqwest::RequestBuilder {
    app.http.request(method, app.url(path)).bearer_auth(partner).header("x-impersonation-token", session)
}

#[tokio::test]
async fn a_partner_creates_a_pending_customer_who_activates_from_the_email_and_logs_in() {
    // Arrange
    let app = spawn_app().await;
    let partner = new_partner(&app, "Pat Resellers").await;
    let email = format!("bill@{}", unique_domain());

    // Act
    let created = create(&app, &partner, &email, "pending_activation").await;

    // Assert: created, in the partner's trail, not yet able to log in
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["status"], "pending_activation");
    assert!(app.login(&email, PASSWORD).await.is_err());
    let mail = app.wait_for_email(&email, "created your Partner Portal account").await;
    assert!(mail.text.contains("Pat Resellers created a Partner Portal account"), "{}", mail.text);
    assert!(mail.html.contains("Activate Account"));
    let link = mail.link_to("/auth/activate");
    let page = app.get(&link, None).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Activate Account"));
    let token = link.split("token=").nth(1).unwrap();
    let activated = app
        .post_form("/auth/activate", &[("token", token), ("password", PASSWORD), ("confirm_password", PASSWORD)])
        .await;
    assert_eq!(activated.status(), 200);
    let session = app.login(&email, PASSWORD).await.unwrap();
    assert_eq!(session["landing"], "/business/profile");
    // The same address again is a 409, never a second account.
    let again = create(&app, &partner, &email, "activated").await;
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["error"], "email_taken");
    let audit: Value =
        app.get("/business/audit", Some(session["access_token"].as_str().unwrap())).await.json().await.unwrap();
    assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "customer_created"));
}

#[tokio::test]
async fn creating_a_customer_validates_every_field_and_is_for_partners_only() {
    let app = spawn_app().await;
    let partner = new_partner(&app, "Pat Resellers").await;
    let customer = app.onboard_customer(&format!("c@{}", unique_domain()), "Globex").await;

    let invalid = app
        .post_json("/partner/customers", Some(&partner), &json!({"email": "bill@gmail.com", "status": "enabled"}))
        .await;
    let by_customer = create(&app, &customer, &format!("x@{}", unique_domain()), "activated").await;
    let by_admin = create(&app, &app.admin_token().await, &format!("x@{}", unique_domain()), "activated").await;

    assert_eq!(invalid.status(), 422);
    let body: Value = invalid.json().await.unwrap();
    for field in ["business_name", "first_name", "last_name", "email", "status"] {
        assert!(body["fields"][field].is_string(), "{field}: {body}");
    }
    assert_eq!(by_customer.status(), 403);
    assert_eq!(by_admin.status(), 403);
}

#[tokio::test]
async fn locking_a_customer_refuses_its_old_token_and_its_login_and_activating_restores_access() {
    // Arrange
    let app = spawn_app().await;
    let partner = new_partner(&app, "Pat Resellers").await;
    let (business_id, email) = active_customer(&app, &partner).await;
    let old_token = app.token(&email, PASSWORD).await;
    assert_eq!(app.get("/partners", Some(&old_token)).await.status(), 200);

    // Act
    let locked = patch(&app, &partner, &business_id, &json!({"status": "locked", "first_name": "William"})).await;

    // Assert
    assert_eq!(locked.status(), 200);
    let locked: Value = locked.json().await.unwrap();
    assert_eq!(locked["status"], "locked");
    assert_eq!(locked["first_name"], "William");
    assert_eq!(app.get("/partners", Some(&old_token)).await.status(), 401);
    assert!(app.login(&email, PASSWORD).await.is_err());

    // Act: unlock
    let unlocked =
        patch(&app, &partner, &business_id, &json!({"status": "activated", "business_name": "Initech Ltd"})).await;

    // Assert
    assert_eq!(unlocked.status(), 200);
    let fresh = app.token(&email, PASSWORD).await;
    assert_eq!(app.get("/partners", Some(&fresh)).await.status(), 200);
    // A rename reaches the profile (raising its version, so a stale profile edit gets 409)
    // and the partner's customer list.
    let profile: Value = app.get("/business/profile", Some(&fresh)).await.json().await.unwrap();
    assert_eq!(profile["name"], "Initech Ltd");
    assert_eq!(profile["version"], 1);
    let customers: Value = app.get("/partner/customers", Some(&partner)).await.json().await.unwrap();
    assert!(customers["items"].as_array().unwrap().iter().any(|c| c["business_name"] == "Initech Ltd"), "{customers}");
    let trail: Value = app.get("/business/audit", Some(&fresh)).await.json().await.unwrap();
    let changes: Vec<&Value> =
        trail["items"].as_array().unwrap().iter().filter(|e| e["action"] == "customer_status_changed").collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["detail"]["to"], "activated");
    assert_eq!(changes[1]["detail"]["to"], "locked");
    assert_eq!(patch(&app, &partner, &business_id, &json!({"status": "pending_activation"})).await.status(), 422);
}

#[tokio::test]
async fn a_locked_new_customer_exists_but_gets_no_email_and_cannot_log_in() {
    let app = spawn_app().await;
    let partner = new_partner(&app, "Pat Resellers").await;
    let email = format!("bill@{}", unique_domain());

    let created = create(&app, &partner, &email, "locked").await;

    assert_eq!(created.status(), 201);
    assert_eq!(created.json::<Value>().await.unwrap()["status"], "locked");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(app.emails_to(&email).await.is_empty());
    let forgot = app.post_json("/auth/forgot-password", None, &json!({"email": email})).await;
    assert_eq!(forgot.status(), 202);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(app.emails_to(&email).await.is_empty(), "a locked account gets no reset link");
}

#[tokio::test]
async fn only_the_managing_partner_may_edit_or_impersonate_a_customer() {
    let app = spawn_app().await;
    let owner = new_partner(&app, "Pat Resellers").await;
    let other = new_partner(&app, "Other Partner").await;
    let (business_id, email) = active_customer(&app, &owner).await;
    let customer = app.token(&email, PASSWORD).await;
    let admin = app.admin_token().await;

    assert_eq!(patch(&app, &other, &business_id, &json!({"status": "locked"})).await.status(), 404);
    assert_eq!(impersonate(&app, &other, &business_id).await.status(), 404);
    assert_eq!(impersonate(&app, &owner, "no-such-business").await.status(), 404);
    assert_eq!(patch(&app, &customer, &business_id, &json!({"status": "locked"})).await.status(), 403);
    assert_eq!(impersonate(&app, &admin, &business_id).await.status(), 403);
    assert_eq!(impersonate(&app, &customer, &business_id).await.status(), 403);
    assert_eq!(impersonate(&app, &owner, &business_id).await.status(), 201);
}

#[tokio::test]
async fn a_partner_logs_in_as_its_customer_and_every_request_is_audited_until_it_ends() {
    // Arrange
    let app = spawn_app().await;
    let partner = new_partner(&app, "Pat Resellers").await;
    let (business_id, email) = active_customer(&app, &partner).await;

    // Act: start, then act as the customer
    let started = impersonate(&app, &partner, &business_id).await;
    assert_eq!(started.status(), 201);
    let started: Value = started.json().await.unwrap();
    assert_eq!(started["header"], "X-Impersonation-Token");
    let session = started["impersonation_token"].as_str().unwrap().to_owned();
    let as_them = as_customer(&app, reqwest::Method::GET, "/partners", &partner, &session).send().await.unwrap();
    let invite = as_customer(&app, reqwest::Method::POST, "/partners/invitations", &partner, &session)
        .json(&json!({"business_name": "Acme", "email": format!("a@{}", unique_domain()), "partner_type": "reseller"}))
        .send()
        .await
        .unwrap();
    let chain = as_customer(
        &app,
        reqwest::Method::POST,
        &format!("/partner/customers/{business_id}/impersonation"),
        &partner,
        &session,
    )
    .send()
    .await
    .unwrap();

    let profile =
        as_customer(&app, reqwest::Method::GET, "/business/profile", &partner, &session).send().await.unwrap();

    // Assert: the customer's permissions, every answer marked, no chains
    assert_eq!(profile.status(), 200);
    assert_eq!(profile.headers()["x-impersonation"], "active");
    assert!(profile.text().await.unwrap().contains(&business_id), "the customer's own profile");
    assert_eq!(as_them.status(), 200);
    assert_eq!(as_them.headers()["x-impersonation"], "active");
    assert_eq!(invite.status(), 201, "a customer may invite partners");
    assert_eq!(invite.headers()["x-impersonation"], "active");
    assert_eq!(chain.status(), 403);

    // The customer sees who acted on its account.
    let customer = app.token(&email, PASSWORD).await;
    let trail: Value = app.get("/business/audit", Some(&customer)).await.json().await.unwrap();
    let acted: Vec<&Value> =
        trail["items"].as_array().unwrap().iter().filter(|e| e["action"] == "impersonated_request").collect();
    assert!(acted.len() >= 2, "{trail}");
    for event in &acted {
        assert!(event["actor"]["email"].as_str().unwrap().starts_with("pat@"));
        assert_eq!(event["subject"]["email"], email.as_str());
    }
    assert!(acted.iter().any(|e| e["detail"]["path"] == "/partners/invitations" && e["detail"]["method"] == "POST"));
    assert!(trail["items"].as_array().unwrap().iter().any(|e| e["action"] == "impersonation_started"));

    // Act: end it
    let ended = app
        .http
        .delete(app.url("/partner/impersonation"))
        .bearer_auth(&partner)
        .header("x-impersonation-token", &session)
        .send()
        .await
        .unwrap();
    let after = as_customer(&app, reqwest::Method::GET, "/partners", &partner, &session).send().await.unwrap();

    // Assert
    assert_eq!(ended.status(), 200);
    assert_eq!(after.status(), 401);
    assert_eq!(after.json::<Value>().await.unwrap()["error"], "impersonation_invalid");
    // Without the header the partner is itself again.
    assert_eq!(app.get("/partners", Some(&partner)).await.status(), 403);
}

#[tokio::test]
async fn an_expired_or_foreign_session_and_a_locked_customer_are_refused() {
    let app = spawn_app().await;
    let partner = new_partner(&app, "Pat Resellers").await;
    let other = new_partner(&app, "Other Partner").await;
    let (business_id, _) = active_customer(&app, &partner).await;
    let started: Value = impersonate(&app, &partner, &business_id).await.json().await.unwrap();
    let session = started["impersonation_token"].as_str().unwrap().to_owned();
    let stored =
        app.stack.app.store.get_impersonation(&LinkToken::parse(&session).unwrap().hash()).await.unwrap().unwrap();
    // A session of the same partner whose 30 minutes are over.
    let expired = LinkToken::generate();
    let old = Impersonation { expires_at: time::OffsetDateTime::now_utc().unix_timestamp() - 1, ..stored };
    app.stack.app.store.start_impersonation(&expired.hash(), &old, &[]).await.unwrap();

    let past = as_customer(&app, reqwest::Method::GET, "/partners", &partner, expired.expose()).send().await.unwrap();
    let foreign = as_customer(&app, reqwest::Method::GET, "/partners", &other, &session).send().await.unwrap();
    let garbage = as_customer(&app, reqwest::Method::GET, "/partners", &partner, "not-a-token").send().await.unwrap();
    patch(&app, &partner, &business_id, &json!({"status": "locked"})).await;
    let while_locked = as_customer(&app, reqwest::Method::GET, "/partners", &partner, &session).send().await.unwrap();
    let start_locked = impersonate(&app, &partner, &business_id).await;

    assert_eq!(past.status(), 401);
    assert_eq!(foreign.status(), 401);
    assert_eq!(garbage.status(), 401);
    assert_eq!(while_locked.status(), 401);
    assert_eq!(start_locked.status(), 409);
    assert_eq!(start_locked.json::<Value>().await.unwrap()["error"], "customer_locked");
}

#[tokio::test]
async fn a_resent_invitation_replaces_the_old_link_and_a_revoked_one_shows_the_revoked_page() {
    // Arrange
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let other_customer = app.onboard_customer(&format!("bill@{}", unique_domain()), "Initech").await;
    let email = format!("pat@{}", unique_domain());
    let invited: Value = app
        .post_json(
            "/partners/invitations",
            Some(&customer),
            &json!({"business_name": "Pat", "email": email, "partner_type": "reseller"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = invited["invitation_id"].as_str().unwrap().to_owned();
    let first_link = app.wait_for_email(&email, "invites you").await.link_to("/signup?invitation=");

    // Act: resend
    let resent = app.post_json(&format!("/partners/invitations/{id}/resend"), Some(&customer), &json!({})).await;

    // Assert: a second email whose link works; the first link no longer does
    assert_eq!(resent.status(), 200);
    let emails = app.emails_to(&email).await;
    let invitations: Vec<_> = emails.iter().filter(|e| e.subject.contains("invites you")).collect();
    assert_eq!(invitations.len(), 2);
    let second_link = invitations[1].link_to("/signup?invitation=");
    assert_ne!(first_link, second_link);
    let old = app.get(&first_link, None).await;
    assert_eq!(old.status(), 410);
    assert!(old.text().await.unwrap().contains("replaced by a newer one"));
    assert_eq!(app.get(&second_link, None).await.status(), 200);

    // Act: resend again at once (a double click, or a retry whose answer was lost)
    let again = app.post_json(&format!("/partners/invitations/{id}/resend"), Some(&customer), &json!({})).await;

    // Assert: taken for the resend's repeat: answered alike, nothing more sent, the link kept
    assert_eq!(again.status(), 200);
    let emails = app.emails_to(&email).await;
    assert_eq!(emails.iter().filter(|e| e.subject.contains("invites you")).count(), 2);
    assert_eq!(app.get(&second_link, None).await.status(), 200);
    let listed: Value = app.get("/partners/invitations", Some(&customer)).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["status"], "pending");

    // Act: another customer can't touch it; the owner revokes it
    let foreign = app
        .http
        .delete(app.url(&format!("/partners/invitations/{id}")))
        .bearer_auth(&other_customer)
        .send()
        .await
        .unwrap();
    let revoked =
        app.http.delete(app.url(&format!("/partners/invitations/{id}"))).bearer_auth(&customer).send().await.unwrap();

    // Assert
    assert_eq!(foreign.status(), 404);
    assert_eq!(revoked.status(), 200);
    let page = app.get(&second_link, None).await;
    assert_eq!(page.status(), 410);
    assert!(page.text().await.unwrap().contains("withdrawn"));
    let listed: Value = app.get("/partners/invitations", Some(&customer)).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["status"], "revoked");
    let resend_revoked =
        app.post_json(&format!("/partners/invitations/{id}/resend"), Some(&customer), &json!({})).await;
    assert_eq!(resend_revoked.status(), 409);
    let unknown = app.post_json("/partners/invitations/no-such-id/resend", Some(&customer), &json!({})).await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn admins_read_every_trail_and_a_business_only_its_own() {
    let app = spawn_app().await;
    let email = format!("hank@{}", unique_domain());
    let customer = app.onboard_customer(&email, "Globex").await;
    let other = app.onboard_customer(&format!("bill@{}", unique_domain()), "Initech").await;
    let admin = app.admin_token().await;

    let all: Value = app.get("/admin/audit", Some(&admin)).await.json().await.unwrap();
    let own: Value = app.get("/business/audit", Some(&customer)).await.json().await.unwrap();
    let others: Value = app.get("/business/audit", Some(&other)).await.json().await.unwrap();

    let approvals = all["items"].as_array().unwrap().iter().filter(|e| e["action"] == "request_approved").count();
    assert_eq!(approvals, 2);
    // Newest first: the person set a password after the admin approved the request.
    let own = own["items"].as_array().unwrap();
    let actions: Vec<&str> = own.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["password_set", "request_approved"]);
    assert!(own.iter().all(|e| e["subject"]["email"] == email.as_str()));
    assert_eq!(own[1]["actor"]["email"], app.admin_email.as_str());
    assert_eq!(own[0]["actor"]["email"], email.as_str());
    assert!(others["items"].as_array().unwrap().iter().all(|e| e["subject"]["email"] != email.as_str()));
    assert_eq!(app.get("/admin/audit", Some(&customer)).await.status(), 403);
    assert_eq!(app.get("/business/audit", None).await.status(), 401);
}
