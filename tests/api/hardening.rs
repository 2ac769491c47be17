//! Hardening of invitations, quotes and the dashboard (issue 10): mail abuse limited per
//! sender, recipient and client address; double clicks that make one invitation or quote
//! and one email; audit events in the transaction of the change they record; bounded items;
//! silent truncations gone; what a partner sees of a customer's profile; and authorization
//! decided before a body is read.

use portal::ports::calls::*;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use portal::domain::account::PartnerType;
use portal::domain::ids::InvitationId;
use portal::domain::records::{AuditEvent, EmailKind, Invitation, InvitationStatus, OutboxMessage};
use portal::http::routes::ROUTES;
use portal_tests::{TestApp, clear_of_window_edge, spawn_app, unique_domain};
use serde_json::{Value, json};

fn invite_body(email: &str) -> Value {
    json!({"business_name": "Pat Resellers", "email": email, "partner_type": "reseller"})
}

async fn status_and_body(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The customer's audit events with `action`.
async fn audit_events(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    let trail = app.get_json("/business/audit?limit=100", token).await;
    trail["items"].as_array().unwrap().iter().filter(|e| e["action"] == action).cloned().collect()
}

#[tokio::test]
async fn four_concurrent_identical_invitations_make_one_invitation_and_one_email() {
    // Arrange
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let partner = format!("pat@{}", unique_domain());
    let body = invite_body(&partner);

    // Act: a quadruple click
    let (a, b, c, d) = tokio::join!(
        app.post_json("/partners/invitations", Some(&customer), &body),
        app.post_json("/partners/invitations", Some(&customer), &body),
        app.post_json("/partners/invitations", Some(&customer), &body),
        app.post_json("/partners/invitations", Some(&customer), &body),
    );

    // Assert: one 201 and three 200, all naming the same invitation, "sent"
    let mut answers = Vec::new();
    for response in [a, b, c, d] {
        answers.push(status_and_body(response).await);
    }
    let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 201], "{answers:?}");
    let id = &answers[0].1["invitation_id"];
    assert!(answers.iter().all(|(_, body)| &body["invitation_id"] == id && body["status"] == "sent"), "{answers:?}");
    let listed = app.get_json("/partners/invitations", &customer).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(app.emails_to(&partner).await.len(), 1);
    // Once it is withdrawn, the address may be invited again.
    let revoked =
        app.send("DELETE", &format!("/partners/invitations/{}", id.as_str().unwrap()), Some(&customer), None).await;
    assert_eq!(revoked.status(), 200);
    let again = app.post_json("/partners/invitations", Some(&customer), &body).await;
    let (status, again) = status_and_body(again).await;
    assert_eq!(status, 201);
    assert_ne!(&again["invitation_id"], id);
}

#[tokio::test]
async fn invitation_emails_are_limited_per_recipient_and_per_customer_each_day() {
    // Arrange
    let app = spawn_app().await;
    clear_of_window_edge(Duration::from_secs(60)).await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let target = format!("pat@{}", unique_domain());

    // Act: invite one address, withdraw, invite again... four times
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (status, body) =
            status_and_body(app.post_json("/partners/invitations", Some(&customer), &invite_body(&target)).await).await;
        statuses.push(status);
        if status == 201 {
            let id = body["invitation_id"].as_str().unwrap();
            assert_eq!(
                app.send("DELETE", &format!("/partners/invitations/{id}"), Some(&customer), None).await.status(),
                200
            );
        }
    }

    // Assert: three emails a day to one address, then 429 and no email
    assert_eq!(statuses, [201, 201, 201, 429]);
    assert_eq!(app.emails_to(&target).await.len(), 3);

    // Act: twenty different addresses are fine for one customer (three were used above);
    // the next is refused
    let mut refused_at = None;
    for n in 0..20 {
        let to = format!("p{n}@{}", unique_domain());
        let response = app.post_json("/partners/invitations", Some(&customer), &invite_body(&to)).await;
        if response.status() == 429 {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"], "rate_limited");
            refused_at = Some(n);
            break;
        }
        assert_eq!(response.status(), 201);
    }

    // Assert
    assert_eq!(refused_at, Some(17), "20 invitation emails a day per customer");
}

#[tokio::test]
async fn four_concurrent_identical_quote_requests_make_one_quote_and_one_email_each() {
    // Arrange: a partner works on a customer that requested ZDX Advanced
    let app = spawn_app().await;
    let customer_email = format!("hank@{}", unique_domain());
    let customer = app.onboard_customer(&customer_email, "Globex").await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    app.make_active(&partner, &app.own_business_id(&customer).await).await;
    let requested = app.post_json("/business/products/zdx-advanced/request", Some(&customer), &json!({})).await;
    assert_eq!(requested.status(), 201);
    let path = "/business/product-requests/zdx-advanced/quote";
    let body = json!({"message": "500 seats"});

    // Act
    let (a, b, c, d) = tokio::join!(
        app.post_json(path, Some(&partner), &body),
        app.post_json(path, Some(&partner), &body),
        app.post_json(path, Some(&partner), &body),
        app.post_json(path, Some(&partner), &body),
    );

    // Assert: one quote (201), the others answered with it (200); one email per recipient
    let mut answers = Vec::new();
    for response in [a, b, c, d] {
        answers.push(status_and_body(response).await);
    }
    let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 201], "{answers:?}");
    let id = &answers[0].1["quote_id"];
    assert!(answers.iter().all(|(_, body)| &body["quote_id"] == id), "{answers:?}");
    for to in [app.admin_email.as_str(), customer_email.as_str()] {
        let quotes = app.emails_to(to).await.into_iter().filter(|e| e.subject.contains("Quote requested")).count();
        assert_eq!(quotes, 1, "{to}");
    }
    let page = app.get_json("/business/product-requests", &customer).await;
    let item = page["items"].as_array().unwrap().iter().find(|i| i["product_id"] == "zdx-advanced").unwrap();
    let quoted = item["history"].as_array().unwrap().iter().filter(|e| e["action"] == "quote_requested").count();
    assert_eq!(quoted, 1);
    assert_eq!(audit_events(&app, &customer, "quote_requested").await.len(), 1);
    // A later click while the quote is open answers the same quote and emails nobody.
    let (status, later) =
        status_and_body(app.post_json(path, Some(&partner), &json!({"message": "again"})).await).await;
    assert_eq!((status, &later["quote_id"]), (200, id));
    assert_eq!(
        app.emails_to(&customer_email).await.iter().filter(|e| e.subject.contains("Quote requested")).count(),
        1
    );
}

#[tokio::test]
async fn every_admin_route_refuses_a_non_admin_before_reading_its_body() {
    // Arrange: a customer and a partner, and a body that is not JSON at all
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    let admin_routes: Vec<_> = ROUTES.iter().filter(|r| r.path.starts_with("/admin/")).collect();
    assert!(admin_routes.len() >= 10, "{admin_routes:?}");

    // Act
    let mut problems = Vec::new();
    for route in &admin_routes {
        let path = route
            .path
            .replace("{request_id}", "r1")
            .replace("{business_id}", "b1")
            .replace("{kind}", "cm360")
            .replace("{product_id}", "p1");
        for (who, token) in [("customer", &customer), ("partner", &partner)] {
            let response = app
                .http
                .request(reqwest::Method::from_bytes(route.method.as_bytes()).unwrap(), app.url(&path))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body("{\"garbage\": [1, 2,, }")
                .send()
                .await
                .unwrap();
            if response.status() != 403 {
                problems.push(format!("{} {path} as {who}: {}", route.method, response.status()));
            }
        }
    }

    // Assert
    assert!(problems.is_empty(), "not refused before the body was read:\n{}", problems.join("\n"));
}

#[tokio::test]
async fn the_profile_shows_the_newest_pending_invitations_when_there_are_more_than_a_page() {
    // Arrange: 105 pending invitations sent one after another (written directly: the daily
    // limits keep a customer far below this in a day)
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let customer_id = app.own_business_id(&customer).await;
    let store = &app.stack.relay.store;
    let business =
        store.get_business(&portal::domain::ids::BusinessId::parse(&customer_id).unwrap()).await.unwrap().unwrap();
    let mut ids = Vec::new();
    for n in 0..105 {
        let invitation = Invitation {
            invitation_id: InvitationId::time_ordered(),
            customer_id: business.business_id.clone(),
            customer_name: business.name.clone(),
            invited_by: business.primary_user.clone().unwrap(),
            email: format!("p{n:03}@{}", unique_domain()),
            business_name: format!("Partner {n:03}"),
            partner_type: PartnerType::Reseller,
            status: InvitationStatus::Pending,
            created_at: time::OffsetDateTime::now_utc(),
            generation: 0,
            sent_at: Some(time::OffsetDateTime::now_utc()),
        };
        // Queued but not due: nothing is sent.
        let mut email = OutboxMessage::new(&invitation.email, EmailKind::PartnerInvitation, json!({}), None);
        email.next_attempt_at += 86_400;
        let audit = AuditEvent {
            event_id: uuid::Uuid::new_v4().to_string(),
            business_id: business.business_id.clone(),
            actor: invitation.invited_by.clone(),
            actor_email: "hank@example.com".into(),
            subject: None,
            subject_email: None,
            action: "partner_invited".into(),
            detail: json!({}),
            at: time::OffsetDateTime::now_utc(),
        };
        store.create_invitation(&invitation, &email, &audit, &[]).await.unwrap();
        ids.push(invitation.invitation_id.to_string());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }

    // Act
    let profile = app.get_json("/business/profile", &customer).await;
    let listing = app.get_json("/partners/invitations?limit=100", &customer).await;

    // Assert: the newest 100, newest first, in the profile and on the first page
    let newest: Vec<&str> = ids.iter().rev().take(100).map(String::as_str).collect();
    let shown: Vec<&str> = profile["my_partner"]["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["invitation_id"].as_str().unwrap())
        .collect();
    assert_eq!(shown, newest);
    let listed: Vec<&str> =
        listing["items"].as_array().unwrap().iter().map(|i| i["invitation_id"].as_str().unwrap()).collect();
    assert_eq!(listed, newest);
    assert!(listing["next_cursor"].is_string());
}

#[tokio::test]
async fn a_product_history_stays_bounded_however_often_the_priority_changes() {
    // Arrange
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    let customer_id = app.own_business_id(&customer).await;
    app.make_active(&partner, &customer_id).await;

    // Act: 130 priority changes
    for n in 0..130 {
        let set = app
            .put_json("/business/products/zpa-business/priority", Some(&partner), &json!({"priority": n % 5 + 1}))
            .await;
        assert_eq!(set.status(), 200);
    }

    // Assert: the item holds at most two chunks of 50 events, and the page the latest 50
    let sdk = portal::local::sdk_config(&app.stack.endpoint).await;
    let item = aws_sdk_dynamodb::Client::new(&sdk)
        .get_item()
        .table_name(&app.stack.app.config.table_name)
        .key("PK", AttributeValue::S(format!("BUS#{customer_id}")))
        .key("SK", AttributeValue::S("PRODUCT#zpa-business".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let length = |attr: &str| item.get(attr).and_then(|v| v.as_l().ok()).map_or(0, Vec::len);
    assert_eq!((length("history"), length("history_earlier")), (30, 50));
    let page = app.get_json("/business/product-requests", &customer).await;
    let history = page["items"][0]["history"].as_array().unwrap();
    assert_eq!(history.len(), 50);
    assert_eq!(history.last().unwrap()["priority"], 129 % 5 + 1);
    // The 81st change (index 80) set priority 80 % 5 + 1.
    assert_eq!(history.first().unwrap()["priority"], 1);
}

#[tokio::test]
async fn a_rename_reaches_every_partner_however_many_there_are() {
    // Arrange: a customer linked to 105 partners (written directly: more than a transaction
    // holds)
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let customer_id = portal::domain::ids::BusinessId::parse(&app.own_business_id(&customer).await).unwrap();
    let store = &app.stack.relay.store;
    let business = store.get_business(&customer_id).await.unwrap().unwrap();
    let mut partners = Vec::new();
    for n in 0..105 {
        let partner = portal::domain::ids::BusinessId::new();
        let link = portal::domain::records::PartnerLink {
            customer_id: customer_id.clone(),
            customer_name: business.name.clone(),
            partner_id: partner.clone(),
            partner_name: format!("Partner {n}"),
            partner_type: PartnerType::Reseller,
            invitation_id: None,
            linked_at: time::OffsetDateTime::now_utc(),
            managed: false,
        };
        let invitation = Invitation {
            invitation_id: InvitationId::time_ordered(),
            customer_id: customer_id.clone(),
            customer_name: business.name.clone(),
            invited_by: business.primary_user.clone().unwrap(),
            email: format!("p{n}@{}", unique_domain()),
            business_name: link.partner_name.clone(),
            partner_type: PartnerType::Reseller,
            status: InvitationStatus::Linked,
            created_at: time::OffsetDateTime::now_utc(),
            generation: 0,
            sent_at: None,
        };
        let mut email = OutboxMessage::new(&invitation.email, EmailKind::PartnerLinked, json!({}), None);
        email.next_attempt_at += 86_400;
        store.link_existing_partner(&link, &invitation, &email, &[], &[]).await.unwrap();
        partners.push(partner);
    }
    let edit =
        |version: u64, name: &str| json!({"version": version, "name": name, "website": "https://globex.example"});

    // Act
    let saved = app.put_json("/business/profile", Some(&customer), &edit(0, "Globex Corporation")).await;
    let stale = app.put_json("/business/profile", Some(&customer), &edit(0, "Globex Stale")).await;

    // Assert: every partner sees the new name; the version check stayed exact
    assert_eq!(saved.status(), 200);
    assert_eq!(stale.status(), 409);
    for partner in &partners {
        let link = store.get_customer_link(partner, &customer_id).await.unwrap().unwrap();
        assert_eq!(link.customer_name, "Globex Corporation", "partner {partner}");
    }
    let profile = store.get_profile(&customer_id).await.unwrap().unwrap();
    assert_eq!((profile.version, profile.links_behind()), (1, false));
}

#[tokio::test]
async fn a_partner_does_not_see_the_customers_other_partners_or_invitees() {
    // Arrange: a customer with a partner and a pending invitation
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    app.make_active(&partner, &app.own_business_id(&customer).await).await;
    let invitee = format!("other@{}", unique_domain());
    assert_eq!(app.post_json("/partners/invitations", Some(&customer), &invite_body(&invitee)).await.status(), 201);

    // Act
    let as_customer = app.get_json("/business/profile", &customer).await;
    let as_partner = app.get_json("/business/profile", &partner).await;

    // Assert
    assert_eq!(as_customer["my_partner"]["partners"].as_array().unwrap().len(), 1);
    assert_eq!(as_customer["my_partner"]["invitations"][0]["email"], invitee.as_str());
    assert!(as_partner["my_partner"].is_null(), "{as_partner}");
    assert!(!as_partner.to_string().contains(&invitee));
    assert_eq!(as_partner["name"], "Globex");
}
