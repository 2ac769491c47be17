//! A customer invites partners: a new partner signs up through the invitation and is
//! approved; a partner that already has an account is linked at once and told by email.

use portal_tests::{PASSWORD, spawn_app, unique_domain};
use serde_json::{Value, json};

#[tokio::test]
async fn a_new_partner_signs_up_through_the_invitation_and_a_second_customer_links_it_at_once() {
    // Arrange: two customers
    let app = spawn_app().await;
    let globex = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let initech = app.onboard_customer(&format!("bill@{}", unique_domain()), "Initech").await;
    let partner_email = format!("pat@{}", unique_domain());

    // Act: Globex invites a partner nobody knows yet
    let invited = app
        .post_json(
            "/partners/invitations",
            Some(&globex),
            &json!({"business_name": "Pat's Reselling", "email": partner_email, "partner_type": "reseller"}),
        )
        .await;
    assert_eq!(invited.status(), 201);
    assert_eq!(invited.json::<Value>().await.unwrap()["status"], "sent");

    // The partner clicks "Sign Up Now" and finds the form pre-filled.
    let invitation = app.wait_for_email(&partner_email, "invites you").await;
    assert_eq!(invitation.subject, "A customer invites you to the Partner Portal");
    assert!(invitation.text.contains("Globex has invited Pat's Reselling"));
    assert!(invitation.html.contains("Sign Up Now"));
    let link = invitation.link_to("/signup?invitation=");
    let page = app.get(&link, None).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&partner_email) && html.contains("Sign Up Now"));
    let token = link.split("invitation=").nth(1).unwrap();
    let signed_up = app
        .post_form(
            "/signup",
            &[
                ("invitation", token),
                ("business_name", "Pat's Reselling"),
                ("business_website", "pats-reselling.example"),
                ("first_name", "Pat"),
                ("last_name", "Doe"),
                ("email", &partner_email),
                ("privacy_policy", "on"),
                ("terms", "on"),
            ],
        )
        .await;
    assert_eq!(signed_up.status(), 202);
    assert!(signed_up.text().await.unwrap().contains("will be approved by an admin"));

    // The invitation link is used up.
    assert_eq!(app.get(&link, None).await.status(), 410);

    // The admin approves the partner request; the partner sets a password and logs in.
    let admin = app.admin_token().await;
    let listed: Value = app.get("/admin/approvals", Some(&admin)).await.json().await.unwrap();
    let request = listed["items"].as_array().unwrap().iter().find(|i| i["email"] == partner_email.as_str()).unwrap();
    assert_eq!(request["kind"], "partner");
    let id = request["request_id"].as_str().unwrap();
    assert_eq!(app.post_json(&format!("/admin/approvals/{id}/approve"), Some(&admin), &json!({})).await.status(), 200);
    app.set_password_from_email(&partner_email).await.unwrap();
    let partner = app.token(&partner_email, PASSWORD).await;

    // Globex sees its partner.
    let partners: Value = app.get("/partners", Some(&globex)).await.json().await.unwrap();
    assert_eq!(partners["items"][0]["business_name"], "Pat's Reselling");
    assert_eq!(partners["items"][0]["partner_type"], "reseller");

    // Act: Initech invites the same partner, who already has an account
    let linked = app
        .post_json(
            "/partners/invitations",
            Some(&initech),
            &json!({"business_name": "Pat's", "email": partner_email, "partner_type": "managed"}),
        )
        .await;

    // Assert: linked at once, told by email, no second account or invitation
    assert_eq!(linked.status(), 201);
    let linked: Value = linked.json().await.unwrap();
    assert_eq!(linked["status"], "linked");
    let notice = app.wait_for_email(&partner_email, "has also invited you").await;
    assert!(notice.text.contains("Another customer, Initech,"), "{}", notice.text);
    assert!(notice.links.iter().any(|l| l.ends_with("/login")));
    assert_eq!(app.emails_to(&partner_email).await.iter().filter(|e| e.subject.contains("invites you")).count(), 1);
    let partners: Value = app.get("/partners", Some(&initech)).await.json().await.unwrap();
    assert_eq!(partners["items"][0]["partner_type"], "managed");
    // Both links are in the customers' audit trails.
    for customer in [&globex, &initech] {
        let trail: Value = app.get("/business/audit", Some(customer)).await.json().await.unwrap();
        let linked = trail["items"].as_array().unwrap().iter().find(|e| e["action"] == "partner_linked").cloned();
        assert_eq!(linked.expect("a partner_linked event")["subject"]["email"], partner_email.as_str());
    }
    // The same click again answers as the first did; another invitation of a linked partner
    // is refused.
    let same = app
        .post_json(
            "/partners/invitations",
            Some(&initech),
            &json!({"business_name": "Pat's", "email": partner_email, "partner_type": "managed"}),
        )
        .await;
    assert_eq!(same.status(), 200);
    assert_eq!(same.json::<Value>().await.unwrap(), linked);
    let again = app
        .post_json(
            "/partners/invitations",
            Some(&initech),
            &json!({"business_name": "Pat's", "email": partner_email, "partner_type": "reseller"}),
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["error"], "already_linked");
    assert_eq!(app.emails_to(&partner_email).await.iter().filter(|e| e.subject.contains("also invited")).count(), 1);
    // A partner may not invite partners.
    let by_partner = app
        .post_json(
            "/partners/invitations",
            Some(&partner),
            &json!({"business_name": "X", "email": format!("x@{}", unique_domain()), "partner_type": "managed"}),
        )
        .await;
    assert_eq!(by_partner.status(), 403);
}

#[tokio::test]
async fn an_invitation_needs_a_business_email_and_a_known_partner_type() {
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;

    let response = app
        .post_json(
            "/partners/invitations",
            Some(&customer),
            &json!({"business_name": "", "email": "pat@hotmail.com", "partner_type": "distributor"}),
        )
        .await;

    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    for field in ["business_name", "email", "partner_type"] {
        assert!(body["fields"][field].is_string(), "{field}: {body}");
    }
    assert_eq!(app.post_json("/partners/invitations", None, &json!({})).await.status(), 401);
}

#[tokio::test]
async fn a_partner_sign_up_must_use_the_invited_address_and_a_forged_invitation_is_refused() {
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let partner_email = format!("pat@{}", unique_domain());
    app.post_json(
        "/partners/invitations",
        Some(&customer),
        &json!({"business_name": "Pat's", "email": partner_email, "partner_type": "professional"}),
    )
    .await;
    let link = app.wait_for_email(&partner_email, "invites you").await.link_to("/signup?invitation=");
    let token = link.split("invitation=").nth(1).unwrap().to_owned();
    let mut body = portal_tests::sign_up_body(&format!("other@{}", unique_domain()), "Pat's");

    body["invitation"] = json!(token);
    let other_address = app.post_json("/signup", None, &body).await;
    body["invitation"] = json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let forged = app.post_json("/signup", None, &body).await;

    assert_eq!(other_address.status(), 422);
    assert!(other_address.json::<Value>().await.unwrap()["fields"]["email"].as_str().unwrap().contains("invitation"));
    assert_eq!(forged.status(), 422);
    assert!(forged.json::<Value>().await.unwrap()["fields"]["invitation"].is_string());
    assert_eq!(app.get(&link, None).await.status(), 200, "the invitation still works");
}
