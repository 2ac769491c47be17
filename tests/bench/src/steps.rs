//! Every workflow step of the README's walk, sent through HTTP to a local stack, with the AWS
//! calls it made and the sequential waves they formed (the stack's recorder, with a latency
//! per call so that concurrent calls overlap). The background relay's calls are not the
//! request's and are not counted; what one email costs the relay is measured apart
//! ([`relay_one_email`]).

use std::future::Future;
use std::time::Duration;

use anyhow::{Context as _, bail};
use portal::app::outbox;
use portal::domain::records::EmailKind;
use portal::local::aws_calls::Call;
use portal::ports::calls::*;
use portal_tests::{PASSWORD, TestApp, sign_up_body, unique_domain};
use serde_json::{Value, json};

/// One request and what it cost.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: &'static str,
    pub function: &'static str,
    pub status: u16,
    pub waves: Vec<Vec<Call>>,
    /// Whether the step is part of one onboarding flow (sign-up to first login, the partner's
    /// invitation included).
    pub in_flow: bool,
}

impl Step {
    pub fn calls(&self) -> usize {
        self.waves.iter().map(Vec::len).sum()
    }
}

/// The steps measured, and how many emails the onboarding flow's steps queued.
pub struct Walk {
    pub steps: Vec<Step>,
    pub flow_emails: u32,
    /// What the relay does to send one email.
    pub relay: Vec<Vec<Call>>,
}

struct Walker<'a> {
    app: &'a TestApp,
    steps: Vec<Step>,
}

impl Walker<'_> {
    /// Sends one request with the recorder reset before it, and keeps its calls.
    async fn step(
        &mut self,
        name: &'static str,
        function: &'static str,
        in_flow: bool,
        request: impl Future<Output = reqwest::Response>,
    ) -> anyhow::Result<Value> {
        // Emails queued by the previous step are sent first, so that nothing of it is in flight.
        self.app.outbox_drained().await;
        self.app.stack.aws.reset();
        let response = request.await;
        let status = response.status().as_u16();
        let waves = self.app.stack.aws.waves();
        let text = response.text().await.unwrap_or_default();
        if status >= 400 {
            bail!("{name} answered {status}: {text}");
        }
        self.steps.push(Step { name, function, status, waves, in_flow });
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn token_after(link: &str, marker: &str) -> anyhow::Result<String> {
    Ok(link.split(marker).nth(1).with_context(|| format!("no {marker} in {link}"))?.to_owned())
}

async fn emails_sent(app: &TestApp) -> anyhow::Result<u32> {
    app.outbox_drained().await;
    let all: Vec<Value> = app.http.get(app.url("/_dev/emails")).send().await?.json().await?;
    Ok(u32::try_from(all.len())?)
}

/// Walks every step on `app` (a fresh stack).
pub async fn walk(app: &TestApp) -> anyhow::Result<Walk> {
    app.stack.aws.set_latency(Duration::from_millis(15));
    let admin = app.admin_token().await;
    let mut w = Walker { app, steps: Vec::new() };
    let customer = format!("hank@{}", unique_domain());
    let partner = format!("pat@{}", unique_domain());
    let emails_before = emails_sent(app).await?;

    // The onboarding flow: a customer signs up, is approved, sets a password and logs in.
    w.step("sign-up", "sign-up", true, app.post_json("/signup", None, &sign_up_body(&customer, "Globex"))).await?;
    let id = app.pending_request_id(&admin, &customer).await?;
    let approve = format!("/admin/approvals/{id}/approve");
    w.step("approve", "approve", true, app.post_json(&approve, Some(&admin), &json!({}))).await?;
    let link = app.wait_for_email(&customer, "set your password").await.link_to("/auth/set-password");
    let token = token_after(&link, "token=")?;
    let form = [("token", token.as_str()), ("password", PASSWORD), ("confirm_password", PASSWORD)];
    w.step("set password", "set-password", true, app.post_form("/auth/set-password", &form)).await?;
    let login = json!({"email": customer, "password": PASSWORD});
    let body = w.step("login", "login", true, app.post_json("/auth/login", None, &login)).await?;
    let hank = body["access_token"].as_str().context("an access token")?.to_owned();

    // It invites its partner, who signs up through the link, is approved, sets a password and logs in.
    let invitation = json!({"business_name": "Pat Resellers", "email": partner, "partner_type": "reseller"});
    w.step(
        "invite a new partner",
        "invite-partner",
        true,
        app.post_json("/partners/invitations", Some(&hank), &invitation),
    )
    .await?;
    let link = app.wait_for_email(&partner, "invites you").await.link_to("/signup?invitation=");
    let mut body = sign_up_body(&partner, "Pat Resellers");
    body["invitation"] = json!(token_after(&link, "invitation=")?);
    w.step("sign-up through an invitation", "sign-up", true, app.post_json("/signup", None, &body)).await?;
    let id = app.pending_request_id(&admin, &partner).await?;
    let approve = format!("/admin/approvals/{id}/approve");
    w.step("approve (the partner)", "approve", true, app.post_json(&approve, Some(&admin), &json!({}))).await?;
    let link = app.wait_for_email(&partner, "set your password").await.link_to("/auth/set-password");
    let token = token_after(&link, "token=")?;
    let form = [("token", token.as_str()), ("password", PASSWORD), ("confirm_password", PASSWORD)];
    w.step("set password (the partner)", "set-password", true, app.post_form("/auth/set-password", &form)).await?;
    let login = json!({"email": partner, "password": PASSWORD});
    let body = w.step("login (the partner)", "login", true, app.post_json("/auth/login", None, &login)).await?;
    let pat = body["access_token"].as_str().context("an access token")?.to_owned();
    let flow_emails = emails_sent(app).await? - emails_before;

    // Forgot password, for an address with an account and for one without.
    let known = json!({"email": customer});
    w.step(
        "forgot password (known address)",
        "forgot-password",
        false,
        app.post_json("/auth/forgot-password", None, &known),
    )
    .await?;
    let unknown = json!({"email": format!("nobody@{}", unique_domain())});
    w.step(
        "forgot password (unknown address)",
        "forgot-password",
        false,
        app.post_json("/auth/forgot-password", None, &unknown),
    )
    .await?;

    // Another customer invites the same partner, who is linked at once.
    let other = app.onboard_customer(&format!("olga@{}", unique_domain()), "Initrode").await;
    let existing = json!({"business_name": "Pat Resellers", "email": partner, "partner_type": "managed"});
    w.step(
        "link an existing partner",
        "invite-partner",
        false,
        app.post_json("/partners/invitations", Some(&other), &existing),
    )
    .await?;

    // The partner dashboard.
    let globex = app.own_business_id(&hank).await;
    w.step("list customers", "list-customers", false, app.get("/partner/customers", Some(&pat))).await?;
    let active = json!({"business_id": globex});
    w.step(
        "switch business",
        "set-active-business",
        false,
        app.put_json("/partner/active-business", Some(&pat), &active),
    )
    .await?;
    // The next login reads the link the switch made and keeps it on the login card; the
    // one after answers from the card.
    w.step("login (the partner, after a switch)", "login", false, app.post_json("/auth/login", None, &login)).await?;
    w.step("login (the partner, an active customer)", "login", false, app.post_json("/auth/login", None, &login))
        .await?;
    w.step("business profile (GET)", "business-profile", false, app.get("/business/profile", Some(&hank))).await?;
    w.step("business products", "business-products", false, app.get("/business/products", Some(&hank))).await?;
    let priority = json!({"priority": 1});
    let path = "/business/products/zpa-business/priority";
    w.step("set priority", "set-product-priority", false, app.put_json(path, Some(&pat), &priority)).await?;
    let note = json!({"note": "500 seats; Transformation adds inline DLP."});
    let path = "/business/products/zia-business/note";
    w.step("set note", "set-product-note", false, app.put_json(path, Some(&pat), &note)).await?;
    let path = "/business/products/zdx-advanced/request";
    w.step("request product", "request-product", false, app.post_json(path, Some(&hank), &json!({}))).await?;
    let quote = json!({"message": "Please quote 500 seats for three years."});
    let path = "/business/product-requests/zdx-advanced/quote";
    w.step("request quote", "request-quote", false, app.post_json(path, Some(&pat), &quote)).await?;
    let created = json!({"business_name": "Initech", "first_name": "Bill", "last_name": "Lumbergh",
                         "email": format!("bill@{}", unique_domain()), "status": "activated"});
    w.step("create customer", "create-customer", false, app.post_json("/partner/customers", Some(&pat), &created))
        .await?;

    let relay = relay_one_email(app).await?;
    Ok(Walk { steps: w.steps, flow_emails, relay })
}

/// What the relay does to send one queued email (the work a stream-triggered
/// `outbox-relay` invocation does per new outbox item).
async fn relay_one_email(app: &TestApp) -> anyhow::Result<Vec<Vec<Call>>> {
    let to = format!("ada@{}", unique_domain());
    let params = json!({"first_name": "Ada", "business_name": "Acme"});
    let message = outbox::message(&app.stack.app, &to, EmailKind::SignUpReceived, params, None)?;
    app.outbox_drained().await;
    app.stack.app.store.put_outbox(&message).await?;
    app.stack.aws.reset();
    outbox::deliver(&app.stack.app, &message.outbox_id).await;
    let waves = app.stack.aws.waves();
    if !waves.iter().flatten().any(|c| c.service == "sesv2") {
        bail!("the relay did not send the email (the background relay may have taken it): {waves:?}");
    }
    Ok(waves)
}
