//! Concurrency on every write route (issue 10): four identical requests sent at once (a
//! quadruple click, a client that retries before the first answer) leave one result: one of
//! the thing made, one email of each kind, one audit event, one decision. Each request's AWS
//! calls are slowed by a few milliseconds so that the four interleave. The answers are the
//! route's success once and, for the others, the same success (the route is idempotent) or
//! the refusal `infra/openapi.yaml` documents for it; never a 5xx.
//!
//! One test per area, so that they run in parallel; the last test fails when a write route
//! of the route table has no race here.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use portal::http::routes::ROUTES;
use portal_tests::{PASSWORD, TestApp, sign_up_body, spawn_app, totp_now, unique_domain};
use serde_json::{Value, json};

/// A status and its JSON body (`null` for a page).
type Answer = (u16, Value);

/// How long each AWS call of the racing requests takes, so that their calls overlap.
const LATENCY: Duration = Duration::from_millis(5);

async fn answer_of(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Sends the request `send` makes four times at once; no answer may be a 5xx.
async fn four<F, Fut>(app: &TestApp, what: &str, send: F) -> Vec<Answer>
where
    F: Fn() -> Fut,
    Fut: Future<Output = reqwest::Response>,
{
    app.stack.aws.set_latency(LATENCY);
    let (a, b, c, d) = tokio::join!(send(), send(), send(), send());
    app.stack.aws.set_latency(Duration::ZERO);
    let mut answers = Vec::new();
    for response in [a, b, c, d] {
        answers.push(answer_of(response).await);
    }
    assert!(answers.iter().all(|(status, _)| *status < 500), "{what}: a 5xx among {answers:?}");
    answers
}

/// The answers' statuses, sorted.
fn statuses(answers: &[Answer]) -> Vec<u16> {
    let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    statuses.sort_unstable();
    statuses
}

/// The `error` codes of the answers with `status`.
fn errors(answers: &[Answer], status: u16) -> BTreeSet<String> {
    answers.iter().filter(|(s, _)| *s == status).map(|(_, b)| b["error"].as_str().unwrap_or("").to_owned()).collect()
}

/// Asserts that every answer is the same success with the same body.
fn all_same(what: &str, answers: &[Answer], status: u16) {
    assert!(answers.iter().all(|(s, b)| *s == status && *b == answers[0].1), "{what}: {answers:?}");
}

/// How many emails `to` received, by subject.
async fn subjects(app: &TestApp, to: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for email in app.emails_to(to).await {
        *counts.entry(email.subject).or_insert(0) += 1;
    }
    counts
}

/// Asserts that `to` received each of its emails once, and how many kinds.
async fn one_email_of_each_kind(app: &TestApp, to: &str, kinds: usize) {
    let counts = subjects(app, to).await;
    assert_eq!(counts.len(), kinds, "emails to {to}: {counts:?}");
    assert!(counts.values().all(|n| *n == 1), "emails to {to}: {counts:?}");
}

/// The audit events with `action` in a trail (`/business/audit` or `/admin/audit`).
async fn audit_events(app: &TestApp, trail: &str, token: &str, action: &str) -> Vec<Value> {
    let page = app.get_json(&format!("{trail}?limit=100"), token).await;
    page["items"].as_array().unwrap().iter().filter(|e| e["action"] == action).cloned().collect()
}

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).expect("a token in the link").to_owned()
}

// ---- sign-up, decisions, links -----------------------------------------------------------------

#[tokio::test]
async fn concurrent_sign_ups_decisions_and_link_redemptions_leave_one_result() {
    let app = spawn_app().await;
    let empty = json!({});
    let admin = app.admin_token().await;
    let pending = |email: String| {
        let (app, admin) = (&app, &admin);
        async move {
            let page = app.get_json("/admin/approvals?status=pending", admin).await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["email"] == email.as_str())
                .cloned()
                .collect::<Vec<_>>()
        }
    };

    // Sign-up, JSON: the same 202 four times, one request, one email
    let ada = format!("ada@{}", unique_domain());
    let body = sign_up_body(&ada, "Acme");
    let answers = four(&app, "sign-up", || app.post_json("/signup", None, &body)).await;
    all_same("sign-up", &answers, 202);
    assert_eq!(pending(ada.clone()).await.len(), 1, "one request for {ada}");
    one_email_of_each_kind(&app, &ada, 1).await;

    // Sign-up, form: the same page four times, one request
    let bea = format!("bea@{}", unique_domain());
    let form = [
        ("business_name", "Bea Labs"),
        ("business_website", "https://example.org"),
        ("first_name", "Bea"),
        ("last_name", "Smith"),
        ("email", bea.as_str()),
        ("phone", "+1 555 0100"),
        ("privacy_policy", "on"),
        ("terms", "on"),
    ];
    let answers = four(&app, "sign-up form", || app.post_form("/signup", &form)).await;
    assert_eq!(statuses(&answers), [202; 4], "{answers:?}");
    assert_eq!(pending(bea.clone()).await.len(), 1, "one request for {bea}");
    one_email_of_each_kind(&app, &bea, 1).await;

    // Approve four times at once: one approval, one set-password email, one audit event
    let ada_id = app.pending_request_id(&admin, &ada).await.unwrap();
    let path = format!("/admin/approvals/{ada_id}/approve");
    let answers = four(&app, "approve", || app.post_json(&path, Some(&admin), &empty)).await;
    let approved = answers.iter().filter(|(s, _)| *s == 200).count();
    assert!(approved >= 1, "{answers:?}");
    assert!(answers.iter().all(|(s, _)| matches!(s, 200 | 409)), "{answers:?}");
    assert!(errors(&answers, 409).iter().all(|e| e == "already_decided"), "{answers:?}");
    let approvals = audit_events(&app, "/admin/audit", &admin, "request_approved").await;
    assert_eq!(approvals.iter().filter(|e| e.to_string().contains(&ada_id)).count(), 1, "{approvals:?}");

    // Approve and reject racing: one decision, one email
    let cal = format!("cal@{}", unique_domain());
    assert_eq!(app.post_json("/signup", None, &sign_up_body(&cal, "Cal Co")).await.status(), 202);
    let cal_id = app.pending_request_id(&admin, &cal).await.unwrap();
    let (approve, reject) = (format!("/admin/approvals/{cal_id}/approve"), format!("/admin/approvals/{cal_id}/reject"));
    let reason = json!({"reason": "Not a business we serve."});
    app.stack.aws.set_latency(LATENCY);
    let (a, b, c, d) = tokio::join!(
        app.post_json(&approve, Some(&admin), &empty),
        app.post_json(&reject, Some(&admin), &reason),
        app.post_json(&approve, Some(&admin), &empty),
        app.post_json(&reject, Some(&admin), &reason),
    );
    app.stack.aws.set_latency(Duration::ZERO);
    let mut answers = Vec::new();
    for response in [a, b, c, d] {
        answers.push(answer_of(response).await);
    }
    assert!(answers.iter().all(|(s, _)| matches!(s, 200 | 409)), "{answers:?}");
    let decided: BTreeSet<&str> =
        answers.iter().filter(|(s, _)| *s == 200).map(|(_, b)| b["status"].as_str().unwrap()).collect();
    assert_eq!(decided.len(), 1, "one decision: {answers:?}");
    let cal_mail = subjects(&app, &cal).await;
    let approved_mail = cal_mail.keys().filter(|s| s.contains("set your password")).count();
    let rejected_mail = cal_mail.keys().filter(|s| s.contains("was not approved")).count();
    assert_eq!(approved_mail + rejected_mail, 1, "one decision's email: {cal_mail:?}");
    assert!(cal_mail.values().all(|n| *n == 1), "{cal_mail:?}");

    // Reject four times at once
    let bea_id = app.pending_request_id(&admin, &bea).await.unwrap();
    let path = format!("/admin/approvals/{bea_id}/reject");
    let answers = four(&app, "reject", || app.post_json(&path, Some(&admin), &reason)).await;
    assert!(answers.iter().any(|(s, _)| *s == 200), "{answers:?}");
    assert!(answers.iter().all(|(s, _)| matches!(s, 200 | 409)), "{answers:?}");
    let rejections = audit_events(&app, "/admin/audit", &admin, "request_rejected").await;
    assert_eq!(rejections.iter().filter(|e| e.to_string().contains(&bea_id)).count(), 1, "{rejections:?}");
    one_email_of_each_kind(&app, &bea, 2).await;

    // Set password with one link four times: one redemption wins, the others find it used
    let link = app.wait_for_email(&ada, "set your password").await.link_to("/auth/set-password");
    let set = json!({"token": token_of(&link), "password": PASSWORD, "confirm_password": PASSWORD});
    let answers = four(&app, "set password", || app.post_json("/auth/set-password", None, &set)).await;
    assert_eq!(statuses(&answers), [200, 410, 410, 410], "{answers:?}");
    assert!(app.login(&ada, PASSWORD).await.is_ok());

    // Forgot password four times at once: the same answer; each request is its own link, as
    // four clicks one after the other are (bounded by the limits per account and address)
    let forgot = json!({"email": ada});
    let answers = four(&app, "forgot password", || app.post_json("/auth/forgot-password", None, &forgot)).await;
    all_same("forgot password", &answers, 202);
    let resets: Vec<String> = app
        .emails_to(&ada)
        .await
        .into_iter()
        .filter(|e| e.subject.contains("Reset your"))
        .map(|e| token_of(&e.link_to("/auth/reset-password")))
        .collect();
    assert_eq!(resets.len(), 4, "one link per request");
    assert_eq!(resets.iter().collect::<BTreeSet<_>>().len(), 4, "four different links");

    // Reset password with one link four times at once: one redemption wins, and every other
    // link dies with the password change
    let new_password = "harbour velvet sunrise trombone";
    let reset = |token: &str| json!({"token": token, "password": new_password, "confirm_password": new_password});
    let first = reset(&resets[0]);
    let answers = four(&app, "reset password", || app.post_json("/auth/reset-password", None, &first)).await;
    assert_eq!(statuses(&answers), [200, 410, 410, 410], "{answers:?}");
    assert!(app.login(&ada, new_password).await.is_ok());
    for other in &resets[1..] {
        assert_eq!(app.post_json("/auth/reset-password", None, &reset(other)).await.status(), 410);
    }
    let mut mail = subjects(&app, &ada).await;
    assert_eq!(mail.remove("Reset your Partner Portal password"), Some(4));
    // Received, approved, changed: one of each.
    assert_eq!(mail.len(), 3, "{mail:?}");
    assert!(mail.values().all(|n| *n == 1), "one notice of the change: {mail:?}");
}

// ---- sessions ----------------------------------------------------------------------------------

/// The value of the refresh cookie a cookie login sets.
async fn cookie_session(app: &TestApp, email: &str) -> String {
    let login =
        app.post_json("/auth/login", None, &json!({"email": email, "password": PASSWORD, "session": "cookie"})).await;
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    cookie.split(';').next().unwrap().trim_start_matches("portal_refresh=").to_owned()
}

fn with_cookie(app: &TestApp, path: &str, cookie: &str) -> impl Future<Output = reqwest::Response> {
    let request = app.http.post(app.url(path)).header("cookie", format!("portal_refresh={cookie}")).json(&json!({}));
    async move { request.send().await.expect("the server answers") }
}

#[tokio::test]
async fn concurrent_logins_refreshes_and_logouts_answer_alike_and_end_every_session() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;

    // Login four times at once: four sessions (each login is its own, as four browsers'
    // are); a wrong password four times is four failures, each refused alike
    let login = json!({"email": email, "password": PASSWORD});
    let answers = four(&app, "login", || app.post_json("/auth/login", None, &login)).await;
    assert_eq!(statuses(&answers), [200; 4], "{answers:?}");
    let refreshes: BTreeSet<&str> = answers.iter().map(|(_, b)| b["refresh_token"].as_str().unwrap()).collect();
    assert_eq!(refreshes.len(), 4, "four sessions");
    let wrong = json!({"email": email, "password": "not the password at all"});
    let answers = four(&app, "wrong login", || app.post_json("/auth/login", None, &wrong)).await;
    all_same("wrong login", &answers, 401);

    // Refresh with one cookie four times at once (a reload in four tabs): a refresh token
    // is not single use (Cognito does not rotate it), so each gets a fresh access token of
    // the same session, and the session goes on
    let cookie = cookie_session(&app, &email).await;
    let answers = four(&app, "refresh", || with_cookie(&app, "/auth/refresh", &cookie)).await;
    assert_eq!(statuses(&answers), [200; 4], "{answers:?}");
    for (_, body) in &answers {
        let access = body["access_token"].as_str().unwrap();
        assert_eq!(app.get("/business/profile", Some(access)).await.status(), 200);
        assert!(body.get("refresh_token").is_none(), "a cookie session keeps its token out of bodies: {body}");
    }
    assert_eq!(with_cookie(&app, "/auth/refresh", &cookie).await.status(), 200);

    // Logout with that cookie four times at once: the same answer, every session ended
    let access = answers[0].1["access_token"].as_str().unwrap().to_owned();
    let answers = four(&app, "logout", || with_cookie(&app, "/auth/logout", &cookie)).await;
    all_same("logout", &answers, 200);
    assert_eq!(answers[0].1, json!({"status": "logged_out"}));
    assert_eq!(with_cookie(&app, "/auth/refresh", &cookie).await.status(), 401);
    assert_eq!(app.get("/business/profile", Some(&access)).await.status(), 401);
    assert!(app.login(&email, PASSWORD).await.is_ok(), "and one can log in again");
}

// ---- partner-managed customers -----------------------------------------------------------------

#[tokio::test]
async fn concurrent_customer_creations_activations_locks_and_impersonations_leave_one_result() {
    let app = spawn_app().await;
    let empty = json!({});
    let owner = app.onboard_customer(&format!("owner@{}", unique_domain()), "Globex").await;
    let partner = app.onboard_partner(&owner, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    let customer_events = |token: String, action: &'static str| {
        let app = &app;
        async move { audit_events(app, "/business/audit", &token, action).await }
    };

    // Create one customer four times at once: one customer, one email, one audit event
    let bill = format!("bill@{}", unique_domain());
    let body = json!({"business_name": "Initech", "first_name": "Bill", "last_name": "Lumbergh",
                      "email": bill, "status": "pending_activation"});
    let answers = four(&app, "create customer", || app.post_json("/partner/customers", Some(&partner), &body)).await;
    let created: BTreeSet<&str> =
        answers.iter().filter(|(s, _)| *s == 201).map(|(_, b)| b["business_id"].as_str().unwrap()).collect();
    assert_eq!(created.len(), 1, "{answers:?}");
    assert!(answers.iter().all(|(s, _)| matches!(s, 201 | 409)), "{answers:?}");
    assert!(errors(&answers, 409).iter().all(|e| e == "email_taken"), "{answers:?}");
    let business = created.into_iter().next().unwrap().to_owned();
    let listed = app.get_json("/partner/customers?limit=100", &partner).await;
    let initechs = listed["items"].as_array().unwrap().iter().filter(|c| c["business_name"] == "Initech").count();
    assert_eq!(initechs, 1, "{listed}");
    one_email_of_each_kind(&app, &bill, 1).await;

    // Activate with its link four times at once: one redemption wins
    let link = app.wait_for_email(&bill, "").await.link_to("/auth/activate");
    let activate = json!({"token": token_of(&link), "password": PASSWORD, "confirm_password": PASSWORD});
    let answers = four(&app, "activate", || app.post_json("/auth/activate", None, &activate)).await;
    assert_eq!(statuses(&answers), [200, 410, 410, 410], "{answers:?}");
    let bill_token = app.token(&bill, PASSWORD).await;
    assert_eq!(customer_events(bill_token.clone(), "customer_created").await.len(), 1);
    assert_eq!(customer_events(bill_token.clone(), "account_activated").await.len(), 1);

    // Lock four times at once: locked, one status change recorded; then unlock alike
    let path = format!("/partner/customers/{business}");
    for status in ["locked", "activated"] {
        let change = json!({"status": status});
        let answers = four(&app, status, || app.send("PATCH", &path, Some(&partner), Some(&change))).await;
        all_same(status, &answers, 200);
        assert_eq!(answers[0].1["status"], status, "{answers:?}");
    }
    let bill_token = app.token(&bill, PASSWORD).await;
    let changes = customer_events(bill_token, "customer_status_changed").await;
    assert_eq!(changes.len(), 2, "one lock and one unlock: {changes:?}");

    // Start impersonation four times at once: one session, audited once. The same start sent
    // again (a double click, a retry whose answer was lost) answers the session it started,
    // so no session exists whose token nobody received
    let start = format!("/partner/customers/{business}/impersonation");
    let started = four(&app, "start impersonation", || app.post_json(&start, Some(&partner), &empty)).await;
    assert_eq!(statuses(&started), [201; 4], "{started:?}");
    let sessions: BTreeSet<&str> = started.iter().map(|(_, b)| b["impersonation_token"].as_str().unwrap()).collect();
    assert_eq!(sessions.len(), 1, "{started:?}");
    let session = started[0].1["impersonation_token"].as_str().unwrap().to_owned();
    let bill_token = app.token(&bill, PASSWORD).await;
    assert_eq!(customer_events(bill_token.clone(), "impersonation_started").await.len(), 1);

    // End one four times at once: one end recorded, the session over
    let end = || {
        app.http
            .delete(app.url("/partner/impersonation"))
            .bearer_auth(&partner)
            .header("x-impersonation-token", &session)
            .send()
    };
    let answers = four(&app, "end impersonation", || async { end().await.unwrap() }).await;
    // The session's header is checked on every request before its handler: once one end is
    // stored, the others find the session ended (the documented 401), as a second click does.
    assert_eq!(statuses(&answers), [200, 401, 401, 401], "{answers:?}");
    assert_eq!(errors(&answers, 401), BTreeSet::from(["impersonation_invalid".to_owned()]));
    assert_eq!(customer_events(bill_token, "impersonation_ended").await.len(), 1);
    let after = app
        .http
        .get(app.url("/business/profile"))
        .bearer_auth(&partner)
        .header("x-impersonation-token", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    // Starting again after it ended (same token, same half hour) is a new session.
    let again = app.post_json(&start, Some(&partner), &empty).await;
    assert_eq!(again.status(), 201);
    let again: Value = again.json().await.unwrap();
    let other = again["impersonation_token"].as_str().unwrap();
    assert_ne!(other, session);
    let still = app
        .http
        .get(app.url("/business/profile"))
        .bearer_auth(&partner)
        .header("x-impersonation-token", other)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200);
}

// ---- invitations -------------------------------------------------------------------------------

#[tokio::test]
async fn concurrent_invitations_resends_and_revocations_leave_one_result() {
    let app = spawn_app().await;
    let empty = json!({});
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let invitation_events = |action: &'static str, id: String| {
        let (app, customer) = (&app, &customer);
        async move {
            let events = audit_events(app, "/business/audit", customer, action).await;
            events.into_iter().filter(|e| e["detail"]["invitation_id"] == id.as_str()).count()
        }
    };

    // Invite four times at once: one invitation (201), the others answered with it (200)
    let pat = format!("pat@{}", unique_domain());
    let body = json!({"business_name": "Pat Resellers", "email": pat, "partner_type": "reseller"});
    let answers = four(&app, "invite", || app.post_json("/partners/invitations", Some(&customer), &body)).await;
    assert_eq!(statuses(&answers), [200, 200, 200, 201], "{answers:?}");
    let id = answers[0].1["invitation_id"].as_str().unwrap().to_owned();
    assert!(answers.iter().all(|(_, b)| b["invitation_id"] == id.as_str()), "{answers:?}");
    one_email_of_each_kind(&app, &pat, 1).await;

    // Resend four times at once: one new link. The others are told it was just resent (409),
    // or, when they read the invitation after it was stored, are taken for its repeat: 200,
    // and nothing more sent.
    let resend = format!("/partners/invitations/{id}/resend");
    let answers = four(&app, "resend", || app.post_json(&resend, Some(&customer), &empty)).await;
    assert!(answers.iter().any(|(s, _)| *s == 200), "{answers:?}");
    assert!(answers.iter().all(|(s, _)| matches!(s, 200 | 409)), "{answers:?}");
    assert!(errors(&answers, 409).iter().all(|e| e == "resent_meanwhile"), "{answers:?}");
    let invitations: Vec<_> =
        app.emails_to(&pat).await.into_iter().filter(|e| e.subject.contains("invites you")).collect();
    assert_eq!(invitations.len(), 2, "the invitation and one resend, whichever answers 200: {answers:?}");
    assert_eq!(invitation_events("invitation_resent", id.clone()).await, 1);
    // Only the newest link works.
    let links: Vec<String> = invitations.iter().map(|e| e.link_to("/signup?invitation=")).collect();
    for (n, link) in links.iter().enumerate() {
        let expected = if n + 1 == links.len() { 200 } else { 410 };
        assert_eq!(app.get(link, None).await.status(), expected, "link {n} of {}", links.len());
    }

    // Revoke four times at once: revoked once
    let revoke = format!("/partners/invitations/{id}");
    let answers = four(&app, "revoke", || app.send("DELETE", &revoke, Some(&customer), None)).await;
    assert!(answers.iter().any(|(s, _)| *s == 200), "{answers:?}");
    assert!(answers.iter().all(|(s, _)| matches!(s, 200 | 409)), "{answers:?}");
    assert_eq!(invitation_events("invitation_revoked", id.clone()).await, 1);
    let listed = app.get_json("/partners/invitations", &customer).await;
    assert_eq!(listed["items"][0]["status"], "revoked", "{listed}");

    // Sign up from one invitation link four times at once: one request
    let ivy = format!("ivy@{}", unique_domain());
    let invited = app
        .post_json(
            "/partners/invitations",
            Some(&customer),
            &json!({"business_name": "Ivy Partners", "email": ivy, "partner_type": "managed"}),
        )
        .await;
    assert_eq!(invited.status(), 201);
    let link = app.wait_for_email(&ivy, "invites you").await.link_to("/signup?invitation=");
    let mut body = sign_up_body(&ivy, "Ivy Partners");
    body["invitation"] = json!(link.split("invitation=").nth(1).unwrap());
    let answers = four(&app, "invited sign-up", || app.post_json("/signup", None, &body)).await;
    // One request; the link is single use, so the others are told at its field (the
    // sign-up form's documented 422), as a second click after the first answer is.
    assert_eq!(statuses(&answers), [202, 422, 422, 422], "{answers:?}");
    for (_, refused) in answers.iter().filter(|(s, _)| *s == 422) {
        assert_eq!(refused["fields"]["invitation"], "This link has already been used.", "{refused}");
    }
    let admin = app.admin_token().await;
    let page = app.get_json("/admin/approvals?status=pending", &admin).await;
    let requests = page["items"].as_array().unwrap().iter().filter(|i| i["email"] == ivy.as_str()).count();
    assert_eq!(requests, 1, "{page}");
}

// ---- the partner dashboard ---------------------------------------------------------------------

#[tokio::test]
async fn concurrent_dashboard_writes_leave_one_result_and_the_last_write_wins() {
    let app = spawn_app().await;
    let empty = json!({});
    let customer_email = format!("hank@{}", unique_domain());
    let customer = app.onboard_customer(&customer_email, "Globex").await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    let business = app.own_business_id(&customer).await;

    // Make business active four times at once: the same answer
    let active = json!({"business_id": business});
    let answers =
        four(&app, "active business", || app.put_json("/partner/active-business", Some(&partner), &active)).await;
    all_same("active business", &answers, 200);
    assert_eq!(app.get_json("/business/profile", &partner).await["business_id"], business.as_str());

    // Edit the profile four times at once from one version: one edit, the others conflict
    let profile = app.get_json("/business/profile", &customer).await;
    let edit = json!({"version": profile["version"], "name": "Globex Corporation", "website": "https://example.org"});
    let answers = four(&app, "profile", || app.put_json("/business/profile", Some(&customer), &edit)).await;
    assert_eq!(statuses(&answers), [200, 409, 409, 409], "{answers:?}");
    assert_eq!(errors(&answers, 409), BTreeSet::from(["version_conflict".to_owned()]));
    assert_eq!(app.get_json("/business/profile", &customer).await["version"], profile["version"].as_u64().unwrap() + 1);

    // Request a product four times at once: one request (201), the others see it (200)
    let request = "/business/products/zdx-advanced/request";
    let answers = four(&app, "request product", || app.post_json(request, Some(&customer), &empty)).await;
    assert_eq!(statuses(&answers), [200, 200, 200, 201], "{answers:?}");
    let history = |view: Value, product: &str| -> Vec<Value> {
        let items = view["items"].as_array().unwrap();
        let item = items.iter().find(|i| i["product_id"] == product).unwrap_or_else(|| panic!("{product}: {view}"));
        item["history"].as_array().unwrap().clone()
    };
    let requested = history(app.get_json("/business/product-requests", &customer).await, "zdx-advanced");
    assert_eq!(requested.iter().filter(|e| e["action"] == "requested").count(), 1, "{requested:?}");

    // Request a quote four times at once: one quote, one email to each recipient
    let quote = "/business/product-requests/zdx-advanced/quote";
    let body = json!({"message": "500 seats"});
    let answers = four(&app, "quote", || app.post_json(quote, Some(&partner), &body)).await;
    assert_eq!(statuses(&answers), [200, 200, 200, 201], "{answers:?}");
    for to in [app.admin_email.as_str(), customer_email.as_str()] {
        let quotes = app.emails_to(to).await.into_iter().filter(|e| e.subject.contains("Quote requested")).count();
        assert_eq!(quotes, 1, "{to}");
    }

    // The same priority four times at once: one change in the history
    let priority = "/business/products/zia-business/priority";
    let two = json!({"priority": 2});
    let answers = four(&app, "priority", || app.put_json(priority, Some(&partner), &two)).await;
    all_same("priority", &answers, 200);
    let changes = history(app.get_json("/business/product-requests", &customer).await, "zia-business");
    assert_eq!(changes.len(), 1, "one change, recorded once: {changes:?}");

    // Four different priorities at once: each is a change, recorded once; the last wins
    app.stack.aws.set_latency(LATENCY);
    let set = |p: u8| {
        let (app, partner, body) = (&app, &partner, json!({"priority": p}));
        async move { app.put_json(priority, Some(partner), &body).await }
    };
    let (a, b, c, d) = tokio::join!(set(1), set(3), set(4), set(5));
    app.stack.aws.set_latency(Duration::ZERO);
    assert!([a, b, c, d].iter().all(|r| r.status() == 200));
    let changes = history(app.get_json("/business/product-requests", &customer).await, "zia-business");
    let mut set: Vec<u64> = changes.iter().skip(1).map(|e| e["priority"].as_u64().unwrap()).collect();
    set.sort_unstable();
    assert_eq!(set, [1, 3, 4, 5], "each change once: {changes:?}");
    let products = app.get_json("/business/products", &customer).await;
    // The history is in write order, and each write sets the priority with its event.
    let last = changes.last().unwrap();
    let now_set = products["potential_upgrades"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product_id"] == "zia-business")
        .unwrap_or_else(|| panic!("{products}"));
    assert_eq!(now_set["priority"], last["priority"], "the last change is the priority: {changes:?} {now_set}");

    // The same note four times at once, then four notes at once: the last write wins
    let note = "/business/products/zia-business/note";
    let renewal = json!({"note": "Renewal in May."});
    let answers = four(&app, "note", || app.put_json(note, Some(&partner), &renewal)).await;
    all_same("note", &answers, 200);
    app.stack.aws.set_latency(LATENCY);
    let write = |text: &'static str| {
        let (app, partner, body) = (&app, &partner, json!({"note": text}));
        async move { app.put_json(note, Some(partner), &body).await }
    };
    let (a, b, c, d) = tokio::join!(write("One."), write("Two."), write("Three."), write("Four."));
    app.stack.aws.set_latency(Duration::ZERO);
    assert!([a, b, c, d].iter().all(|r| r.status() == 200));
    let products = app.get_json("/business/products", &customer).await;
    let all: Vec<&Value> = ["potential_upgrades", "all_products"]
        .iter()
        .flat_map(|k| products[k].as_array().unwrap().iter())
        .filter(|p| p["product_id"] == "zia-business")
        .collect();
    assert_eq!(all.len(), 1, "{products}");
    assert!(["One.", "Two.", "Three.", "Four."].contains(&all[0]["note"].as_str().unwrap()), "{products}");
}

// ---- the admins' catalog and health checks -----------------------------------------------------

#[tokio::test]
async fn concurrent_admin_upserts_leave_one_product_and_one_health_check() {
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let business = app.own_business_id(&customer).await;
    let admin = app.admin_token().await;

    // Add one product four times at once: one 201, the others the same product (200)
    let product = json!({"name": "Matrix Inline", "section": "Tests"});
    let answers = four(&app, "product", || app.put_json("/admin/catalog/matrix-inline", Some(&admin), &product)).await;
    assert_eq!(statuses(&answers), [200, 200, 200, 201], "{answers:?}");
    let catalog = app.get_json("/catalog", &admin).await;
    let named = catalog["items"].as_array().unwrap().iter().filter(|p| p["product_id"] == "matrix-inline").count();
    assert_eq!(named, 1, "{catalog}");

    // One health check four times at once: the same answer, one check
    let check = json!({"score": 70, "status": "healthy", "checked_on": "2026-01-15", "findings": "Fine."});
    let path = format!("/admin/businesses/{business}/health-checks/cm360");
    let answers = four(&app, "health check", || app.put_json(&path, Some(&admin), &check)).await;
    assert_eq!(statuses(&answers), [200; 4], "{answers:?}");
    // The same check each time, only its write time differs: the last write wins.
    let mut saved: Vec<Value> = answers.into_iter().map(|(_, b)| b).collect();
    let times: Vec<String> =
        saved.iter_mut().map(|b| b.as_object_mut().unwrap().remove("updated_at").unwrap().to_string()).collect();
    assert!(saved.iter().all(|b| *b == saved[0]), "{saved:?}");
    let checks = app.get_json(&format!("/business/health-checks?business_id={business}"), &admin).await;
    assert_eq!(checks["items"].as_array().unwrap().len(), 1, "{checks}");
    let stored = checks["items"][0]["updated_at"].to_string();
    assert!(times.contains(&stored), "one of the four writes is the one stored: {stored} {times:?}");
}

#[tokio::test]
async fn concurrent_two_step_enrolments_and_second_steps_leave_one_result() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let token = app.onboard_customer(&email, "Acme").await;
    let empty = json!({});

    // Ask for a new key four times at once (four clicks of "Turn on two-step sign-in"):
    // each answer is a key, and TOTP stays off until a code of the key is checked
    let setups = four(&app, "start TOTP setup", || app.post_json("/account/mfa/setup", Some(&token), &empty)).await;
    assert_eq!(statuses(&setups), [200; 4], "{setups:?}");
    assert_eq!(app.get_json("/account/mfa", &token).await, json!({"totp_enabled": false}));

    // Turn it on four times at once with a code of the last key: on once; the others find it
    // on (409) or their code already used (422), never a 5xx
    let (_, last) = setups.last().unwrap();
    let secret = last["secret_code"].as_str().unwrap().to_owned();
    let code = json!({"code": totp_now(&secret).await});
    let enabled = four(&app, "enable TOTP", || app.put_json("/account/mfa", Some(&token), &code)).await;
    assert!(enabled.iter().any(|(status, _)| *status == 200), "{enabled:?}");
    assert!(enabled.iter().all(|(status, _)| matches!(status, 200 | 409 | 422)), "{enabled:?}");
    assert_eq!(app.get_json("/account/mfa", &token).await, json!({"totp_enabled": true}));

    // Send one login's second step four times at once: one session, the challenge ended for
    // the others
    let first = app.post_json("/auth/login", None, &json!({"email": email, "password": PASSWORD})).await;
    let challenge: Value = first.json().await.unwrap();
    assert_eq!(challenge["challenge"], "mfa_code", "{challenge}");
    let body = json!({"challenge_session": challenge["challenge_session"], "code": totp_now(&secret).await});
    let answers = four(&app, "second step", || app.post_json("/auth/login/mfa", None, &body)).await;
    assert_eq!(statuses(&answers), [200, 401, 401, 401], "{answers:?}");
    assert_eq!(errors(&answers, 401), BTreeSet::from(["challenge_ended".to_owned()]));
    let (_, session) = answers.iter().find(|(status, _)| *status == 200).unwrap();
    let access = session["access_token"].as_str().unwrap();
    assert_eq!(app.get("/business/profile", Some(access)).await.status(), 200);
}

// ---- the contract --------------------------------------------------------------------------------

/// Every write route, with the test above that races it.
const RACED: &[(&str, &str)] = &[
    ("signUp", "concurrent_sign_ups_decisions_and_link_redemptions_leave_one_result"),
    ("approveRequest", "concurrent_sign_ups_decisions_and_link_redemptions_leave_one_result"),
    ("rejectRequest", "concurrent_sign_ups_decisions_and_link_redemptions_leave_one_result"),
    ("setPassword", "concurrent_sign_ups_decisions_and_link_redemptions_leave_one_result"),
    ("forgotPassword", "concurrent_sign_ups_decisions_and_link_redemptions_leave_one_result"),
    ("resetPassword", "concurrent_sign_ups_decisions_and_link_redemptions_leave_one_result"),
    ("login", "concurrent_logins_refreshes_and_logouts_answer_alike_and_end_every_session"),
    ("refreshSession", "concurrent_logins_refreshes_and_logouts_answer_alike_and_end_every_session"),
    ("logout", "concurrent_logins_refreshes_and_logouts_answer_alike_and_end_every_session"),
    ("createCustomer", "concurrent_customer_creations_activations_locks_and_impersonations_leave_one_result"),
    ("activateAccount", "concurrent_customer_creations_activations_locks_and_impersonations_leave_one_result"),
    ("updateCustomer", "concurrent_customer_creations_activations_locks_and_impersonations_leave_one_result"),
    ("startImpersonation", "concurrent_customer_creations_activations_locks_and_impersonations_leave_one_result"),
    ("endImpersonation", "concurrent_customer_creations_activations_locks_and_impersonations_leave_one_result"),
    ("invitePartner", "concurrent_invitations_resends_and_revocations_leave_one_result"),
    ("resendInvitation", "concurrent_invitations_resends_and_revocations_leave_one_result"),
    ("revokeInvitation", "concurrent_invitations_resends_and_revocations_leave_one_result"),
    ("setActiveBusiness", "concurrent_dashboard_writes_leave_one_result_and_the_last_write_wins"),
    ("updateBusinessProfile", "concurrent_dashboard_writes_leave_one_result_and_the_last_write_wins"),
    ("requestProduct", "concurrent_dashboard_writes_leave_one_result_and_the_last_write_wins"),
    ("requestQuote", "concurrent_dashboard_writes_leave_one_result_and_the_last_write_wins"),
    ("setProductPriority", "concurrent_dashboard_writes_leave_one_result_and_the_last_write_wins"),
    ("setProductNote", "concurrent_dashboard_writes_leave_one_result_and_the_last_write_wins"),
    ("upsertProduct", "concurrent_admin_upserts_leave_one_product_and_one_health_check"),
    ("upsertHealthCheck", "concurrent_admin_upserts_leave_one_product_and_one_health_check"),
    ("startMfaSetup", "concurrent_two_step_enrolments_and_second_steps_leave_one_result"),
    ("enableMfa", "concurrent_two_step_enrolments_and_second_steps_leave_one_result"),
    ("loginMfa", "concurrent_two_step_enrolments_and_second_steps_leave_one_result"),
];

#[test]
fn every_write_route_of_the_route_table_is_raced_here() {
    let writes: BTreeSet<&str> = ROUTES.iter().filter(|r| r.method != "GET").map(|r| r.operation_id).collect();
    let raced: BTreeSet<&str> = RACED.iter().map(|(operation, _)| *operation).collect();
    let missing: Vec<_> = writes.difference(&raced).collect();
    let stale: Vec<_> = raced.difference(&writes).collect();
    assert!(missing.is_empty(), "write routes with no race test in tests/api/races.rs: {missing:?}");
    assert!(stale.is_empty(), "raced operations that are no longer write routes: {stale:?}");
    assert_eq!(raced.len(), RACED.len(), "each operation once");
}
