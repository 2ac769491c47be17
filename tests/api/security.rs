//! Requirements of ../shared/SECURITY.md that no feature test covers on its way: raw tokens
//! never stored, link hosts from configuration, per-address rate limits, tokens of another
//! pool or of the wrong kind refused, roles never read from a body, and no email lost.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use portal::app::outbox::{self, MAX_ATTEMPTS};
use portal::domain::records::{EmailKind, OutboxStatus};
use portal::ports::calls::*;
use portal_tests::{TestApp, clear_of_window_edge, sign_up_body, spawn_app, unique_domain};
use serde_json::{Value, json};

/// Every string anywhere in the test's table (tests may Scan; the product never does).
async fn every_stored_string(app: &TestApp) -> Vec<String> {
    let sdk = portal::local::sdk_config(&app.stack.endpoint).await;
    let items = aws_sdk_dynamodb::Client::new(&sdk)
        .scan()
        .table_name(&app.stack.app.config.table_name)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    fn walk(value: &AttributeValue, out: &mut Vec<String>) {
        match value {
            AttributeValue::S(s) => out.push(s.clone()),
            AttributeValue::M(m) => m.values().for_each(|v| walk(v, out)),
            AttributeValue::L(l) => l.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for item in &items {
        for (k, v) in item {
            out.push(k.clone());
            walk(v, &mut out);
        }
    }
    out
}

#[tokio::test]
async fn the_raw_link_token_is_only_in_the_email_never_in_the_table() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.post_json("/signup", None, &sign_up_body(&email, "Acme")).await;
    let admin = app.admin_token().await;
    let id = app.pending_request_id(&admin, &email).await.unwrap();
    app.post_json(&format!("/admin/approvals/{id}/approve"), Some(&admin), &json!({})).await;
    let link = app.wait_for_email(&email, "set your password").await.link_to("/auth/set-password");
    let token = link.split("token=").nth(1).unwrap().to_owned();

    let stored = every_stored_string(&app).await;

    assert!(stored.iter().all(|s| !s.contains(&token)), "the raw token is stored");
    let hash = portal::domain::token::LinkToken::parse(&token).unwrap().hash();
    assert!(stored.iter().any(|s| s.contains(hash.as_ref())), "its hash is the key");
    // The token is derived from the link key, the message and a nonce; once the email is
    // sent the nonce is gone, so not even the link key can derive the token again.
    assert!(!stored.iter().any(|s| s == "link_nonce"), "a sent email keeps what its token derives from");
}

#[tokio::test]
async fn email_links_use_the_configured_host_whatever_host_the_request_names() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let customer = app.onboard_customer(&email, "Acme").await;

    app.http
        .post(app.url("/auth/forgot-password"))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    let partner = format!("pat@{}", unique_domain());
    app.http
        .post(app.url("/partners/invitations"))
        .bearer_auth(&customer)
        .header("host", "evil.example")
        .json(&json!({"business_name": "Pat", "email": partner, "partner_type": "reseller"}))
        .send()
        .await
        .unwrap();

    let reset = app.wait_for_email(&email, "Reset your").await;
    let invitation = app.wait_for_email(&partner, "invites you").await;
    for link in reset.links.iter().chain(&invitation.links) {
        assert!(link.starts_with(&app.base), "{link}");
        assert!(!link.contains("evil.example"));
    }
}

#[tokio::test]
async fn forgot_password_is_rate_limited_per_client_address_across_accounts() {
    let app = spawn_app().await;
    clear_of_window_edge(Duration::from_secs(60)).await;
    let domain = unique_domain();
    let mut statuses = Vec::new();
    for n in 0..22 {
        let r = app.post_json("/auth/forgot-password", None, &json!({"email": format!("u{n}@{domain}")})).await;
        statuses.push(r.status().as_u16());
    }
    assert!(statuses[..20].iter().all(|s| *s == 202), "{statuses:?}");
    assert_eq!(statuses[20..], [429, 429]);
}

#[tokio::test]
async fn a_token_of_another_user_pool_and_an_id_token_are_refused() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    let other_admin = other.admin_token().await;
    let id_token = app.login(&app.admin_email, portal_tests::ADMIN_PASSWORD).await.unwrap()["id_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Same emulator, same signing key: only `iss` and `client_id` tell them apart.
    let foreign = app.get("/admin/approvals/count", Some(&other_admin)).await;
    let wrong_kind = app.get("/admin/approvals/count", Some(&id_token)).await;
    let tampered = {
        let mut parts: Vec<String> = app.admin_token().await.split('.').map(str::to_owned).collect();
        parts[1].insert(3, 'x');
        app.get("/admin/approvals/count", Some(&parts.join("."))).await
    };

    assert_eq!(foreign.status(), 401);
    assert_eq!(wrong_kind.status(), 401);
    assert_eq!(tampered.status(), 401);
    assert_eq!(app.get("/admin/approvals/count", Some(&app.admin_token().await)).await.status(), 200);
}

#[tokio::test]
async fn a_role_or_kind_in_a_body_is_ignored() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let mut body = sign_up_body(&email, "Acme");
    body["kind"] = json!("partner");
    body["role"] = json!("admin");
    body["status"] = json!("approved");

    assert_eq!(app.post_json("/signup", None, &body).await.status(), 202);

    let admin = app.admin_token().await;
    let listed: Value = app.get("/admin/approvals", Some(&admin)).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["kind"], "customer");
    assert_eq!(listed["items"][0]["status"], "pending");
}

#[tokio::test]
async fn an_email_that_fails_to_send_is_kept_retried_and_finally_dead_lettered() {
    // Arrange: a stack whose sender address the email service refuses, and whose background
    // relay (which can send) stays out of the way while this test retries by hand
    let app = portal_tests::spawn_app_relaying_every(std::time::Duration::from_secs(3600)).await;
    let mut broken =
        portal::app::App::new(app.stack.app.config.clone(), &portal::local::sdk_config(&app.stack.endpoint).await);
    broken.mailer = std::sync::Arc::new(portal::adapters::ses::Mailer::new(
        aws_sdk_sesv2::Client::new(&portal::local::sdk_config(&app.stack.mail_endpoint).await),
        "unverified@nowhere.test",
    ));
    let to = format!("ada@{}", unique_domain());
    let message = outbox::message(
        &broken,
        &to,
        EmailKind::SignUpReceived,
        json!({"first_name": "Ada", "business_name": "Acme"}),
        None,
    )
    .unwrap();
    broken.store.put_outbox(&message).await.unwrap();

    // Act: first attempt fails
    outbox::deliver(&broken, &message.outbox_id).await;

    // Assert: still queued, with the attempt and its cause recorded
    let kept = broken.store.get_outbox(&message.outbox_id).await.unwrap().unwrap();
    assert_eq!(kept.status, OutboxStatus::Pending);
    assert_eq!(kept.attempts, 1);
    // Its cause by SES's error code alone: SES's messages quote addresses, which belong in
    // neither the table nor the logs.
    let last_error = kept.last_error.as_deref().unwrap_or_default();
    assert!(last_error.contains("SES"), "{last_error}");
    assert!(!last_error.contains('@') && !last_error.contains("nowhere.test"), "{last_error}");
    assert!(kept.next_attempt_at > time::OffsetDateTime::now_utc().unix_timestamp());

    // Act: a retry with a working sender delivers it
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    broken.store.mark_outbox_failed(&kept, "made due for the test", now, false).await.unwrap();
    outbox::relay_due(&app.stack.app).await.unwrap();
    app.wait_for_email(&to, "We have received your Create Account Request").await;
    assert_eq!(broken.store.get_outbox(&message.outbox_id).await.unwrap().unwrap().status, OutboxStatus::Sent);

    // Act: another message that never gets through is dead-lettered after the last attempt
    let doomed = outbox::message(&broken, &to, EmailKind::SignUpReceived, json!({}), None).unwrap();
    broken.store.put_outbox(&doomed).await.unwrap();
    for _ in 0..MAX_ATTEMPTS {
        let current = broken.store.get_outbox(&doomed.outbox_id).await.unwrap().unwrap();
        if current.status == OutboxStatus::Dead {
            break;
        }
        if current.attempts > 0 {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            broken.store.mark_outbox_failed(&current, "made due for the test", now, false).await.unwrap();
            // mark_outbox_failed counts an attempt too; that is fine for the count below.
        }
        outbox::deliver(&broken, &doomed.outbox_id).await;
    }
    let dead = broken.store.list_outbox(OutboxStatus::Dead, None, 10).await.unwrap().unwrap();
    assert!(dead.items.iter().any(|m| m.outbox_id == doomed.outbox_id));
}
