//! The integration-test harness. One AWS emulator serves the whole test binary (started
//! once, from a thread that lives as long as the process); every test gets its own table,
//! user pool and server on a free port, so tests run in parallel without seeing each
//! other. Tests talk HTTP to the server and read sent emails from the emulator, following
//! their links as a person would.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use portal::local::emulator::Moto;
use portal::local::{Stack, StackOptions};
use portal::ports::calls::*;
use serde::Deserialize;
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "correct horse battery staple 42";
pub const PASSWORD: &str = "velvet trombone harbour sunrise";

/// The emulators' URLs: one for DynamoDB and Cognito, one for SES.
fn emulator_urls() -> (String, String) {
    static URL: OnceLock<(String, String)> = OnceLock::new();
    URL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        // The emulator ends with the thread that started it (PR_SET_PDEATHSIG), so it is
        // started from a thread that never ends.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            match runtime.block_on(async { tokio::try_join!(Moto::start(), Moto::start()) }) {
                Ok((main, mail)) => {
                    tx.send(Ok((main.url.clone(), mail.url.clone()))).ok();
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    tx.send(Err(format!("{e:#}"))).ok();
                }
            }
        });
        rx.recv().expect("the emulator thread answers").unwrap_or_else(|e| panic!("cannot start the emulator: {e}"))
    })
    .clone()
}

/// An email the emulator's SES accepted.
#[derive(Debug, Clone, Deserialize)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub links: Vec<String>,
}

impl Email {
    /// The link to a page of the portal (not the login link).
    pub fn link_to(&self, path: &str) -> String {
        self.links.iter().find(|l| l.contains(path)).cloned().unwrap_or_else(|| panic!("no {path} link in {self:?}"))
    }
}

/// A running stack and a client for it.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub stack: Stack,
    pub admin_email: String,
    /// The TOTP secrets enrolled in this test's logins, by email: the person's
    /// authenticator app.
    pub authenticator: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

/// A unique business domain, so that every test's addresses are its own.
pub fn unique_domain() -> String {
    format!("acme-{}.com", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

/// A sign-up body with every field filled in.
pub fn sign_up_body(email: &str, business: &str) -> Value {
    json!({"business_name": business, "business_website": "https://example.org", "first_name": "Ada",
           "last_name": "Lovelace", "email": email, "phone": "+1 555 0100", "privacy_policy": true, "terms": true})
}

/// Waits, when a rate-limit window is about to roll over, until it has: the limits count in
/// fixed windows aligned to multiples of 15 minutes (hours and days are such multiples), and
/// a test that counts up to a limit across a roll-over would see its count start again.
/// Call it before the first counted request; `needed` is how long the counting takes at most.
pub async fn clear_of_window_edge(needed: Duration) {
    const EDGE_EVERY_SECS: u64 = 900;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("a clock after 1970");
    let left = Duration::from_secs(EDGE_EVERY_SECS) - Duration::from_millis((now.as_millis() % 900_000) as u64);
    if left <= needed {
        tokio::time::sleep(left + Duration::from_secs(1)).await;
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Duration::from_millis(500), None).await
}

/// A stack whose background relay retries due emails every `relay_every` (emails queued by
/// a request are relayed right after its answer either way).
pub async fn spawn_app_relaying_every(relay_every: Duration) -> TestApp {
    spawn_app_with(relay_every, None).await
}

/// A stack that also serves a built web console from `console_dir` (as `make dev` does).
pub async fn spawn_app_serving(console_dir: Option<std::path::PathBuf>) -> TestApp {
    spawn_app_with(Duration::from_millis(500), console_dir).await
}

async fn spawn_app_with(relay_every: Duration, console_dir: Option<std::path::PathBuf>) -> TestApp {
    portal::telemetry::init_for_tests();
    let (endpoint, mail_endpoint) = emulator_urls();
    let admin_email = format!("admin@{}", unique_domain());
    let stack = Stack::start(StackOptions {
        endpoint,
        mail_endpoint,
        port: 0,
        name: format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        admin: Some((admin_email.clone(), ADMIN_PASSWORD.to_owned())),
        relay_every,
        console_dir,
    })
    .await
    .expect("the local stack starts");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    TestApp { base: stack.base_url.clone(), http, stack, admin_email, authenticator: Default::default() }
}

/// The RFC 6238 code of `secret` now, at least two seconds before the code changes (the
/// emulator, like Cognito, accepts only the current 30-second step).
pub async fn totp_now(secret: &str) -> String {
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    if now() % 30 >= 28 {
        tokio::time::sleep(Duration::from_secs(30 - now() % 30)).await;
    }
    portal::domain::mfa::totp_at(secret, now()).expect("a base32 secret")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.base) }
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("the server answers")
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(self.url(path)).form(form).send().await.expect("the server answers")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("the server answers")
    }

    /// Every email sent to `to` so far, oldest first, once every email queued so far has left
    /// the outbox (requests only queue their emails; the relay sends them just after).
    pub async fn emails_to(&self, to: &str) -> Vec<Email> {
        self.outbox_drained().await;
        self.http
            .get(self.url("/_dev/emails"))
            .query(&[("to", to)])
            .send()
            .await
            .expect("the outbox answers")
            .json()
            .await
            .expect("the outbox is JSON")
    }

    /// Waits (up to 15 s) until no queued email is due: each was sent, or failed and waits
    /// for a later retry.
    pub async fn outbox_drained(&self) {
        let started = Instant::now();
        while !self.stack.relay.store.due_outbox(1).await.expect("the outbox can be read").is_empty() {
            assert!(started.elapsed() < Duration::from_secs(15), "queued emails were not sent within 15 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to 15 s) until `to` has received an email whose subject contains `subject`.
    pub async fn wait_for_email(&self, to: &str, subject: &str) -> Email {
        let started = Instant::now();
        loop {
            if let Some(email) = self.emails_to(to).await.into_iter().rev().find(|e| e.subject.contains(subject)) {
                return email;
            }
            assert!(started.elapsed() < Duration::from_secs(15), "no email {subject:?} to {to} within 15 s");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Logs in and returns the JSON answer with the tokens: when the login answers a
    /// challenge, the code of the account's authenticator app completes it (an admin's
    /// first login enrols one, as a person would).
    pub async fn login(&self, email: &str, password: &str) -> Result<Value> {
        let response = self.post_json("/auth/login", None, &json!({"email": email, "password": password})).await;
        let status = response.status();
        let body: Value = response.json().await?;
        if status != 200 {
            bail!("login answered {status}: {body}");
        }
        if body.get("challenge").is_none() {
            return Ok(body);
        }
        let code = self.authenticator_code(email, &body).await?;
        let challenge = body["challenge_session"].as_str().context("a challenge session")?;
        let response =
            self.post_json("/auth/login/mfa", None, &json!({"challenge_session": challenge, "code": code})).await;
        let status = response.status();
        let body: Value = response.json().await?;
        if status != 200 {
            bail!("the login's second step answered {status}: {body}");
        }
        Ok(body)
    }

    /// The code `email`'s authenticator app shows now; a login's `mfa_setup` challenge
    /// (`answer`) adds its secret to the app first.
    pub async fn authenticator_code(&self, email: &str, answer: &Value) -> Result<String> {
        if let Some(secret) = answer["totp"]["secret_code"].as_str() {
            self.authenticator.lock().expect("the authenticator").insert(email.to_owned(), secret.to_owned());
        }
        let secret = self.authenticator.lock().expect("the authenticator").get(email).cloned();
        Ok(totp_now(&secret.context("no authenticator app holds a secret of this account")?).await)
    }

    pub async fn token(&self, email: &str, password: &str) -> String {
        let body = self.login(email, password).await.expect("login succeeds");
        body["access_token"].as_str().expect("an access token").to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.token(&self.admin_email, ADMIN_PASSWORD).await
    }

    /// The id of the pending request of `email`.
    pub async fn pending_request_id(&self, admin: &str, email: &str) -> Result<String> {
        let body: Value = self.get("/admin/approvals?status=pending", Some(admin)).await.json().await?;
        body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| i["email"] == email)
            .and_then(|i| i["request_id"].as_str())
            .map(str::to_owned)
            .context("no pending request for that email")
    }

    /// Sets a password through the emailed set-password link, as a person would.
    pub async fn set_password_from_email(&self, email: &str) -> Result<()> {
        let link = self.wait_for_email(email, "set your password").await.link_to("/auth/set-password");
        let token = link.split("token=").nth(1).context("a token in the link")?.to_owned();
        let response = self
            .post_form(
                "/auth/set-password",
                &[("token", &token), ("password", PASSWORD), ("confirm_password", PASSWORD)],
            )
            .await;
        if response.status() != 200 {
            bail!("set-password answered {}", response.status());
        }
        Ok(())
    }

    /// Signs up `email` as a customer, approves it and sets its password; returns a token.
    pub async fn onboard_customer(&self, email: &str, business: &str) -> String {
        let response = self.post_json("/signup", None, &sign_up_body(email, business)).await;
        assert_eq!(response.status(), 202);
        let admin = self.admin_token().await;
        let id = self.pending_request_id(&admin, email).await.expect("the request is pending");
        let response =
            self.http.post(self.url(&format!("/admin/approvals/{id}/approve"))).bearer_auth(&admin).send().await;
        assert_eq!(response.expect("approve answers").status(), 200);
        self.set_password_from_email(email).await.expect("the password is set");
        self.token(email, PASSWORD).await
    }
}

/// Helpers of the partner dashboard tests.
impl TestApp {
    /// Sends `method path` with an optional token and JSON body.
    pub async fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut req = self.http.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("the server answers")
    }

    pub async fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        self.send("PUT", path, token, Some(body)).await
    }

    /// GETs `path` and returns its JSON body, asserting a 200.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let response = self.get(path, Some(token)).await;
        let status = response.status();
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// The customer invites `email` as its partner; the partner signs up through the
    /// invitation link, the admin approves it and it sets its password. Returns its token.
    pub async fn onboard_partner(&self, customer: &str, email: &str, business: &str) -> String {
        let invited = self
            .post_json(
                "/partners/invitations",
                Some(customer),
                &json!({"business_name": business, "email": email, "partner_type": "reseller"}),
            )
            .await;
        assert_eq!(invited.status(), 201);
        let link = self.wait_for_email(email, "invites you").await.link_to("/signup?invitation=");
        let token = link.split("invitation=").nth(1).expect("a token in the link").to_owned();
        let mut body = sign_up_body(email, business);
        body["invitation"] = json!(token);
        assert_eq!(self.post_json("/signup", None, &body).await.status(), 202);
        let admin = self.admin_token().await;
        let id = self.pending_request_id(&admin, email).await.expect("the request is pending");
        let approved = self.post_json(&format!("/admin/approvals/{id}/approve"), Some(&admin), &json!({})).await;
        assert_eq!(approved.status(), 200);
        self.set_password_from_email(email).await.expect("the password is set");
        self.token(email, PASSWORD).await
    }

    /// The customer invites a partner that already has an account: they are linked at once.
    pub async fn link_partner(&self, customer: &str, email: &str) {
        let linked = self
            .post_json(
                "/partners/invitations",
                Some(customer),
                &json!({"business_name": "Existing partner", "email": email, "partner_type": "managed"}),
            )
            .await;
        assert_eq!(linked.status(), 201);
        assert_eq!(linked.json::<Value>().await.expect("JSON")["status"], "linked");
    }

    /// The business id of the caller's own business, read from its profile (customers).
    pub async fn own_business_id(&self, customer: &str) -> String {
        let profile = self.get_json("/business/profile", customer).await;
        profile["business_id"].as_str().expect("a business id").to_owned()
    }

    /// Makes `business_id` the partner's active business.
    pub async fn make_active(&self, partner: &str, business_id: &str) {
        let response =
            self.put_json("/partner/active-business", Some(partner), &json!({"business_id": business_id})).await;
        assert_eq!(response.status(), 200);
    }
}
