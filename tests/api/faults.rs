//! The fault table (issue 10): every workflow step that writes, failed at each of its AWS
//! calls in turn, then sent again. For each step the harness
//! 1. runs it once on fresh state and counts its calls (N, asserted, so a changed step
//!    shows here);
//! 2. for every k in 1..=N, on fresh state, fails every attempt of the k-th call with a 5xx,
//!    sends the request, then sends it again without a fault; and once more with the answer
//!    of the step's last write lost (the change happened, the caller saw a 5xx);
//! 3. checks each cell: the first answer is 503 or the step's success, the retry is the
//!    success (or, when the change already happened, the documented answer of a repeat),
//!    and the end state is exactly the clean run's: the table items the step added, changed
//!    or removed (normalised: ids, times and tokens masked, each case's own addresses and ids
//!    named), the emails each person received by subject, and their Cognito accounts.
//!
//! Every step prints its rows (`cargo test -p portal-tests --test api faults --
//! --nocapture`) and fails listing every bad cell at once.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use portal::local::aws_calls::Fault;
use portal_tests::{PASSWORD, TestApp, sign_up_body, spawn_app, unique_domain};
use serde_json::{Value, json};

/// One request of a step, on state prepared for it.
struct Case {
    method: &'static str,
    path: String,
    token: Option<String>,
    body: Option<Value>,
    /// The people whose emails and Cognito accounts the step may change: (address, role).
    people: Vec<(String, &'static str)>,
    /// Values of this case only (addresses, ids), named in the fingerprint: (value, name).
    names: Vec<(String, &'static str)>,
}

impl Case {
    fn new(method: &'static str, path: impl Into<String>, token: Option<&str>, body: Option<Value>) -> Self {
        Self { method, path: path.into(), token: token.map(str::to_owned), body, people: Vec::new(), names: Vec::new() }
    }

    /// `address` is the step's `role`: its emails and Cognito account are compared.
    fn person(mut self, address: &str, role: &'static str) -> Self {
        self.people.push((address.to_owned(), role));
        self.names.push((address.to_owned(), role));
        self
    }

    /// `value` stands for `name` wherever it appears in the table.
    fn named(mut self, value: &str, name: &'static str) -> Self {
        self.names.push((value.to_owned(), name));
        self
    }
}

/// What a step is expected to do.
struct Step {
    name: &'static str,
    /// Its AWS calls in a clean run.
    calls: usize,
    /// Its answer in a clean run.
    success: u16,
    /// The answers of a repeat once the change has happened.
    repeat: &'static [u16],
    /// A repeat is a second request by design: after a lost answer, the end state is that
    /// of two clean runs (forgot password: each request sends a link).
    repeat_acts_again: bool,
}

impl Fingerprint {
    /// What two clean runs leave: every new item and email twice.
    fn twice(&self) -> Self {
        let doubled = |lines: &[String], new: fn(&String) -> bool| {
            let mut twice: Vec<String> = lines.iter().chain(lines.iter().filter(|l| new(l))).cloned().collect();
            twice.sort();
            twice
        };
        Self {
            table: doubled(&self.table, |l| l.starts_with("new ")),
            emails: doubled(&self.emails, |_| true),
            accounts: self.accounts.clone(),
        }
    }
}

/// What a person and an operator see after a step: the table's changes, the emails each
/// person received, their Cognito accounts; each sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    table: Vec<String>,
    emails: Vec<String>,
    accounts: Vec<String>,
}

impl Fingerprint {
    /// The lines of `self` missing from `clean` (+) and the lines of `clean` missing here (-).
    fn difference(&self, clean: &Fingerprint) -> String {
        let mut out = Vec::new();
        for (mine, theirs) in
            [(&self.table, &clean.table), (&self.emails, &clean.emails), (&self.accounts, &clean.accounts)]
        {
            out.extend(multiset_minus(mine, theirs).into_iter().map(|l| format!("+ {l}")));
            out.extend(multiset_minus(theirs, mine).into_iter().map(|l| format!("- {l}")));
        }
        out.join("\n      ")
    }
}

fn multiset_minus<'a>(a: &'a [String], b: &[String]) -> Vec<&'a String> {
    let mut left: Vec<&String> = b.iter().collect();
    a.iter()
        .filter(|line| match left.iter().position(|l| l == line) {
            Some(i) => {
                left.swap_remove(i);
                false
            }
            None => true,
        })
        .collect()
}

type Items = HashMap<(String, String), HashMap<String, AttributeValue>>;

/// What the table and the people's mailboxes held before a request.
struct Before {
    items: Items,
    emails: HashMap<String, usize>,
}

/// Reads the stack's state with clients the recorder does not see.
struct Inspector<'a> {
    app: &'a TestApp,
    dynamo: aws_sdk_dynamodb::Client,
    cognito: aws_sdk_cognitoidentityprovider::Client,
}

impl<'a> Inspector<'a> {
    async fn new(app: &'a TestApp) -> Self {
        let sdk = portal::local::sdk_config(&app.stack.endpoint).await;
        Self {
            app,
            dynamo: aws_sdk_dynamodb::Client::new(&sdk),
            cognito: aws_sdk_cognitoidentityprovider::Client::new(&sdk),
        }
    }

    async fn items(&self) -> Items {
        let mut items = Items::new();
        let mut start = None;
        loop {
            let page = self
                .dynamo
                .scan()
                .table_name(&self.app.stack.app.config.table_name)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("the table can be scanned");
            for item in page.items.unwrap_or_default() {
                let key = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                items.insert((key("PK"), key("SK")), item);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    async fn before(&self, case: &Case) -> Before {
        let mut emails = HashMap::new();
        for (address, _) in &case.people {
            emails.insert(address.clone(), self.app.emails_to(address).await.len());
        }
        Before { items: self.items().await, emails }
    }

    async fn account(&self, address: &str) -> String {
        let user = self
            .cognito
            .admin_get_user()
            .user_pool_id(&self.app.stack.app.config.user_pool_id)
            .username(address)
            .send()
            .await;
        match user {
            Ok(user) => format!(
                "{:?}, {}",
                user.user_status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                if user.enabled { "enabled" } else { "disabled" }
            ),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_user_not_found_exception()) => "no account".into(),
            Err(e) => panic!("Cognito answers: {e:?}"),
        }
    }

    async fn fingerprint(&self, case: &Case, before: &Before) -> Fingerprint {
        let names = Names::new(&case.names);
        let mut emails = Vec::new();
        let mut accounts = Vec::new();
        for (address, role) in &case.people {
            let received = self.app.emails_to(address).await;
            let seen = before.emails.get(address).copied().unwrap_or(0);
            emails.extend(received.iter().skip(seen).map(|e| format!("{role}: {}", names.text(&e.subject))));
            accounts.push(format!("{role}: {}", self.account(address).await));
        }
        let after = self.items().await;
        let mut table = Vec::new();
        for (key, item) in &after {
            match before.items.get(key) {
                None => table.extend(describe_change(&names, key, None, item)),
                Some(old) if old != item => table.extend(describe_change(&names, key, Some(old), item)),
                Some(_) => {}
            }
        }
        for key in before.items.keys().filter(|k| !after.contains_key(*k)) {
            table.push(format!("removed {}", names.key(key)));
        }
        table.sort();
        emails.sort();
        accounts.sort();
        Fingerprint { table, emails, accounts }
    }
}

/// Masks what differs from one run to the next (ids, times, tokens) and names each case's
/// own values.
struct Names {
    names: Vec<(String, &'static str)>,
}

impl Names {
    fn new(names: &[(String, &'static str)]) -> Self {
        let mut names: Vec<(String, &'static str)> =
            names.iter().flat_map(|(v, n)| [(v.clone(), *n), (v.to_lowercase(), *n)]).collect();
        names.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        Self { names }
    }

    fn text(&self, raw: &str) -> String {
        let mut named = raw.to_owned();
        for (value, name) in &self.names {
            named = named.replace(value.as_str(), &format!("<{name}>"));
        }
        // Runs of word characters: long ones are ids, hashes or tokens; digits are times,
        // counters in keys or generated numbers.
        let mut out = String::new();
        let mut run = String::new();
        let flush = |run: &mut String, out: &mut String| {
            if run.len() >= 16 {
                out.push_str("<id>");
            } else {
                let mut digits = false;
                for c in run.chars() {
                    if c.is_ascii_digit() {
                        if !digits {
                            out.push('0');
                        }
                        digits = true;
                    } else {
                        out.push(c);
                        digits = false;
                    }
                }
            }
            run.clear();
        };
        for c in named.chars() {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                run.push(c);
            } else {
                flush(&mut run, &mut out);
                out.push(c);
            }
        }
        flush(&mut run, &mut out);
        out
    }

    fn key(&self, (pk, sk): &(String, String)) -> String {
        format!("{} / {}", self.text(pk), self.text(sk))
    }

    fn value(&self, value: &AttributeValue) -> String {
        match value {
            AttributeValue::S(s) => format!("{:?}", self.text(s)),
            AttributeValue::N(n) => self.text(n),
            AttributeValue::Bool(b) => b.to_string(),
            AttributeValue::Null(_) => "null".into(),
            AttributeValue::L(list) => {
                format!("[{}]", list.iter().map(|v| self.value(v)).collect::<Vec<_>>().join(", "))
            }
            AttributeValue::M(map) => {
                let sorted: BTreeMap<&String, String> = map.iter().map(|(k, v)| (k, self.value(v))).collect();
                format!("{{{}}}", sorted.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", "))
            }
            AttributeValue::Ss(set) => {
                let mut set: Vec<String> = set.iter().map(|s| self.text(s)).collect();
                set.sort();
                format!("{set:?}")
            }
            other => format!("{other:?}"),
        }
    }
}

/// A number as a change: `+d` from its old value (0 when new); large numbers are times.
fn number_change(old: Option<&AttributeValue>, new: &str) -> Option<String> {
    let new: i128 = new.parse().ok()?;
    if new.abs() >= 1_000_000 {
        return None;
    }
    let old: i128 = old.and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0);
    Some(format!("{:+}", new - old))
}

/// One item the step added (`old` is `None`) or changed: its key and the attributes that
/// differ (`None` when only masked times and ids did). A rate-limit window shows only that
/// it counted: a retry is one more attempt, and a window may roll over meanwhile.
fn describe_change(
    names: &Names,
    key: &(String, String),
    old: Option<&HashMap<String, AttributeValue>>,
    new: &HashMap<String, AttributeValue>,
) -> Option<String> {
    let old_value = |name: &str| old.and_then(|o| o.get(name));
    if key.0.starts_with("RATE#") {
        return Some(format!("counted {}", names.key(key)));
    }
    let mut attributes: BTreeMap<&String, String> = BTreeMap::new();
    for (name, value) in new {
        if old_value(name) == Some(value) {
            continue;
        }
        let counted = match value {
            AttributeValue::N(n) => number_change(old_value(name), n),
            _ => None,
        };
        // A time or id rewritten with another one, seen through the mask, did not change.
        let masked_same = old_value(name).is_some_and(|old| names.value(old) == names.value(value));
        match counted {
            Some(change) => attributes.insert(name, change),
            None if masked_same => continue,
            None => attributes.insert(name, names.value(value)),
        };
    }
    for name in old.into_iter().flat_map(HashMap::keys).filter(|n| !new.contains_key(*n)) {
        attributes.insert(name, "(removed)".into());
    }
    if old.is_some() && attributes.is_empty() {
        return None;
    }
    let verb = if old.is_some() { "changed" } else { "new" };
    let shown: Vec<String> = attributes.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    Some(format!("{verb} {} {{{}}}", names.key(key), shown.join(", ")))
}

async fn send(app: &TestApp, case: &Case) -> u16 {
    app.send(case.method, &case.path, case.token.as_deref(), case.body.as_ref()).await.status().as_u16()
}

/// The operations that change something: the last of them is the one whose answer is lost.
fn writes(label: &str) -> bool {
    ["TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]
        .iter()
        .any(|op| label == format!("dynamodb:{op}"))
        || (label.starts_with("cognito-idp:Admin") && !label.ends_with("GetUser") && !label.ends_with("InitiateAuth"))
}

/// One row of the table.
struct Cell {
    fault: String,
    first: u16,
    retry: u16,
    problems: Vec<String>,
}

/// Runs the step's table: a clean run, then each fault, each on state `prepare(n)` makes
/// fresh (`n` numbers the cases, for fresh addresses); prints it and fails on every bad cell.
async fn fault_table<F, Fut>(app: &TestApp, step: Step, prepare: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Case>,
{
    let started = Instant::now();
    let inspector = Inspector::new(app).await;
    app.stack.aws.set_latency(Duration::ZERO);

    // 1. A clean run, after a first one that creates what every later run only changes
    // (counters, the customer's first items).
    let warm_up = prepare(0).await;
    assert_eq!(send(app, &warm_up).await, step.success, "{}: the first run", step.name);
    let case = prepare(1).await;
    let before = inspector.before(&case).await;
    app.stack.aws.reset();
    let status = send(app, &case).await;
    let calls: Vec<String> = app.stack.aws.calls().iter().map(|c| c.label()).collect();
    let clean = inspector.fingerprint(&case, &before).await;
    let mut bad = Vec::new();
    if status != step.success {
        bad.push(format!("clean run answered {status}, want {}", step.success));
    }
    if calls.len() != step.calls {
        bad.push(format!("clean run made {} calls, want {}: {calls:?}", calls.len(), step.calls));
    }
    assert!(bad.is_empty(), "{}: {}", step.name, bad.join("; "));

    // 2. Each fault.
    let lost = calls.iter().rposition(|l| writes(l)).map(|i| i + 1).expect("the step writes");
    let faults = (1..=calls.len()).map(|k| (k, Fault::ServerError)).chain([(lost, Fault::LostAnswer)]);
    let mut cells = Vec::new();
    for (n, (k, fault)) in faults.enumerate() {
        let case = prepare(n + 2).await;
        let before = inspector.before(&case).await;
        app.stack.aws.reset();
        app.stack.aws.fail_call(k, fault);
        let first = send(app, &case).await;
        let failed = app.stack.aws.calls().get(k - 1).map(|c| c.label()).unwrap_or_else(|| "(not made)".into());
        app.stack.aws.reset();
        let retry = send(app, &case).await;
        let end = inspector.fingerprint(&case, &before).await;

        let mut problems = Vec::new();
        if first != 503 && first != step.success {
            problems.push(format!("first answer {first}, want 503 or {}", step.success));
        }
        let happened = first == step.success || fault == Fault::LostAnswer;
        if retry != step.success && !(happened && step.repeat.contains(&retry)) {
            problems.push(format!("retry answered {retry}, want {}", step.success));
        }
        let expected = if step.repeat_acts_again && happened { clean.twice() } else { clean.clone() };
        if end != expected {
            problems.push(format!("end state differs from the clean run's:\n      {}", end.difference(&expected)));
        }
        let how = if fault == Fault::LostAnswer { "answer lost" } else { "fails" };
        cells.push(Cell { fault: format!("k={k} {failed} {how}"), first, retry, problems });
    }

    // 3. The table.
    let mut out = format!("\n{} ({} calls: {}), clean run {status}\n", step.name, calls.len(), calls.join(", "));
    for cell in &cells {
        let verdict = if cell.problems.is_empty() { "OK" } else { "FAIL" };
        out.push_str(&format!(
            "  {:<20} {:<55} {:>4} {:>4}  {verdict}\n",
            step.name, cell.fault, cell.first, cell.retry
        ));
    }
    out.push_str(&format!("  ({:.1} s)", started.elapsed().as_secs_f64()));
    println!("{out}");
    let failures: Vec<String> = cells
        .iter()
        .filter(|c| !c.problems.is_empty())
        .map(|c| format!("{} {}: {}", step.name, c.fault, c.problems.join("; ")))
        .collect();
    assert!(failures.is_empty(), "{} bad cells:\n{}", failures.len(), failures.join("\n"));
}

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).expect("a token in the link").to_owned()
}

/// The path of a link to the portal (`/auth/set-password`), without host and query.
fn path_of(link: &str) -> String {
    let url = url::Url::parse(link).expect("a link");
    url.path().to_owned()
}

fn invite_body(email: &str) -> Value {
    json!({"business_name": "Pat Resellers", "email": email, "partner_type": "reseller"})
}

fn created_customer_body(email: &str, status: &str) -> Value {
    json!({"business_name": "Initech", "first_name": "Bill", "last_name": "Lumbergh", "email": email, "status": status})
}

/// A pending sign-up request's id.
async fn signed_up(app: &TestApp, admin: &str, email: &str) -> String {
    assert_eq!(app.post_json("/signup", None, &sign_up_body(email, "Acme")).await.status(), 202);
    app.pending_request_id(admin, email).await.expect("the request is pending")
}

/// An active customer and a partner linked to it (by invitation): their tokens and the
/// customer's address and business id.
struct Pair {
    customer: String,
    customer_email: String,
    customer_id: String,
    partner: String,
    partner_email: String,
}

async fn customer_and_partner(app: &TestApp) -> Pair {
    let customer_email = format!("hank@{}", unique_domain());
    let customer = app.onboard_customer(&customer_email, "Globex").await;
    let partner_email = format!("pat@{}", unique_domain());
    let partner = app.onboard_partner(&customer, &partner_email, "Pat Resellers").await;
    let customer_id = app.own_business_id(&customer).await;
    Pair { customer, customer_email, customer_id, partner, partner_email }
}

/// A customer the partner created (`activated`), its address and business id.
async fn created_customer(app: &TestApp, partner: &str, n: usize) -> (String, String) {
    let email = format!("bill{n}@{}", unique_domain());
    let created = app.post_json("/partner/customers", Some(partner), &created_customer_body(&email, "activated")).await;
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.expect("JSON");
    (email, body["business_id"].as_str().expect("a business id").to_owned())
}

/// Products of the catalog, one per case of a step that changes a product.
const PRODUCTS: [&str; 10] = [
    "zia-business",
    "zpa-business",
    "zdx-standard",
    "dlp-standard",
    "cloud-ips",
    "zdx-advanced",
    "casb-inline",
    "zia-transformation",
    "dns-security",
    "cloud-sandbox",
];

// ---- onboarding ------------------------------------------------------------------------

#[tokio::test]
async fn a_sign_up_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let app = &app;
    let step = Step { name: "sign-up", calls: 2, success: 202, repeat: &[], repeat_acts_again: false };
    fault_table(app, step, |_| async move {
        let email = format!("ada@{}", unique_domain());
        Case::new("POST", "/signup", None, Some(sign_up_body(&email, "Acme"))).person(&email, "applicant")
    })
    .await;
}

#[tokio::test]
async fn an_approval_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let admin = &app.admin_token().await;
    let app = &app;
    let step = Step { name: "approve", calls: 4, success: 200, repeat: &[409], repeat_acts_again: false };
    fault_table(app, step, |_| async move {
        let email = format!("ada@{}", unique_domain());
        let id = signed_up(app, admin, &email).await;
        Case::new("POST", format!("/admin/approvals/{id}/approve"), Some(admin.as_str()), Some(json!({})))
            .person(&email, "applicant")
            .named(&id, "request")
    })
    .await;
}

#[tokio::test]
async fn a_rejection_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let admin = &app.admin_token().await;
    let app = &app;
    let step = Step { name: "reject", calls: 3, success: 200, repeat: &[409], repeat_acts_again: false };
    fault_table(app, step, |_| async move {
        let email = format!("ada@{}", unique_domain());
        let id = signed_up(app, admin, &email).await;
        let body = json!({"reason": "We could not verify the business."});
        Case::new("POST", format!("/admin/approvals/{id}/reject"), Some(admin.as_str()), Some(body))
            .person(&email, "applicant")
            .named(&id, "request")
    })
    .await;
}

#[tokio::test]
async fn setting_a_password_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let admin = &app.admin_token().await;
    let app = &app;
    let step = Step { name: "set password", calls: 4, success: 200, repeat: &[410], repeat_acts_again: false };
    fault_table(app, step, |_| async move {
        let email = format!("ada@{}", unique_domain());
        let id = signed_up(app, admin, &email).await;
        app.post_json(&format!("/admin/approvals/{id}/approve"), Some(admin.as_str()), &json!({})).await;
        let link = app.wait_for_email(&email, "set your password").await.link_to("/auth/set-password");
        let body = json!({"token": token_of(&link), "password": PASSWORD, "confirm_password": PASSWORD});
        Case::new("POST", "/auth/set-password", None, Some(body)).person(&email, "customer")
    })
    .await;
}

#[tokio::test]
async fn asking_for_a_reset_link_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let app = &app;
    let step = Step { name: "forgot password", calls: 3, success: 202, repeat: &[], repeat_acts_again: true };
    fault_table(app, step, |_| async move {
        let email = format!("ada@{}", unique_domain());
        app.onboard_customer(&email, "Acme").await;
        Case::new("POST", "/auth/forgot-password", None, Some(json!({"email": email}))).person(&email, "customer")
    })
    .await;
}

#[tokio::test]
async fn a_reset_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let app = &app;
    let step = Step { name: "reset password", calls: 5, success: 200, repeat: &[410], repeat_acts_again: false };
    fault_table(app, step, |_| async move {
        let email = format!("ada@{}", unique_domain());
        app.onboard_customer(&email, "Acme").await;
        app.post_json("/auth/forgot-password", None, &json!({"email": email})).await;
        let link =
            app.wait_for_email(&email, "Reset your Partner Portal password").await.link_to("/auth/reset-password");
        let password = "amber lantern quietly folds";
        let body = json!({"token": token_of(&link), "password": password, "confirm_password": password});
        Case::new("POST", "/auth/reset-password", None, Some(body)).person(&email, "customer")
    })
    .await;
}

#[tokio::test]
async fn activating_a_created_customer_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let pair = &customer_and_partner(&app).await;
    let app = &app;
    let step = Step { name: "activate", calls: 4, success: 200, repeat: &[410], repeat_acts_again: false };
    fault_table(app, step, |n| async move {
        let (email, business) = created_customer(app, &pair.partner, n).await;
        let link = app.wait_for_email(&email, "created your Partner Portal account").await;
        let link = link.links.iter().find(|l| l.contains("token=")).expect("a link with a token").clone();
        let body = json!({"token": token_of(&link), "password": PASSWORD, "confirm_password": PASSWORD});
        Case::new("POST", path_of(&link), None, Some(body)).person(&email, "customer").named(&business, "business")
    })
    .await;
}

// ---- partners and invitations --------------------------------------------------------------

#[tokio::test]
async fn an_invitation_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let customer_email = &format!("hank@{}", unique_domain());
    let customer = &app.onboard_customer(customer_email, "Globex").await;
    let app = &app;
    let step = Step { name: "invite", calls: 3, success: 201, repeat: &[200], repeat_acts_again: false };
    fault_table(app, step, |_| async move {
        let email = format!("pat@{}", unique_domain());
        Case::new("POST", "/partners/invitations", Some(customer.as_str()), Some(invite_body(&email)))
            .person(&email, "invitee")
            .person(customer_email, "customer")
    })
    .await;
}

/// A pending invitation of a fresh address: its id and the address.
async fn invited(app: &TestApp, customer: &str) -> (String, String) {
    let email = format!("pat@{}", unique_domain());
    let response = app.post_json("/partners/invitations", Some(customer), &invite_body(&email)).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("JSON");
    (body["invitation_id"].as_str().expect("an invitation id").to_owned(), email)
}

#[tokio::test]
async fn a_resend_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let customer = &app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let app = &app;
    let step = Step { name: "resend", calls: 3, success: 200, repeat: &[], repeat_acts_again: false };
    fault_table(app, step, |_| async move {
        let (id, email) = invited(app, customer).await;
        Case::new("POST", format!("/partners/invitations/{id}/resend"), Some(customer.as_str()), None)
            .person(&email, "invitee")
            .named(&id, "invitation")
    })
    .await;
}

#[tokio::test]
async fn a_revocation_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let customer = &app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let app = &app;
    let step = Step { name: "revoke", calls: 3, success: 200, repeat: &[], repeat_acts_again: false };
    fault_table(app, step, |_| async move {
        let (id, email) = invited(app, customer).await;
        Case::new("DELETE", format!("/partners/invitations/{id}"), Some(customer.as_str()), None)
            .person(&email, "invitee")
            .named(&id, "invitation")
    })
    .await;
}

// ---- the partner dashboard -----------------------------------------------------------------

#[tokio::test]
async fn switching_business_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let pair = &customer_and_partner(&app).await;
    let other_email = format!("bill@{}", unique_domain());
    let other = app.onboard_customer(&other_email, "Initech").await;
    app.link_partner(&other, &pair.partner_email).await;
    let other_id = &app.own_business_id(&other).await;
    let app = &app;
    let step = Step { name: "switch business", calls: 2, success: 200, repeat: &[], repeat_acts_again: false };
    fault_table(app, step, |_| async move {
        // Fresh state: the partner works on the first customer, and switches to the other.
        app.make_active(&pair.partner, &pair.customer_id).await;
        Case::new(
            "PUT",
            "/partner/active-business",
            Some(pair.partner.as_str()),
            Some(json!({"business_id": other_id})),
        )
        .named(&pair.customer_id, "first customer")
        .named(other_id, "other customer")
    })
    .await;
}

/// A partner working on a customer, for the product steps.
async fn working_pair(app: &TestApp) -> Pair {
    let pair = customer_and_partner(app).await;
    app.make_active(&pair.partner, &pair.customer_id).await;
    pair
}

#[tokio::test]
async fn setting_a_priority_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let pair = &working_pair(&app).await;
    let app = &app;
    let step = Step { name: "set priority", calls: 2, success: 200, repeat: &[], repeat_acts_again: false };
    fault_table(app, step, |n| async move {
        let path = format!("/business/products/{}/priority", PRODUCTS[n]);
        Case::new("PUT", path, Some(pair.partner.as_str()), Some(json!({"priority": 2})))
            .named(PRODUCTS[n], "product")
            .named(&pair.customer_id, "customer")
    })
    .await;
}

#[tokio::test]
async fn setting_a_note_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let pair = &working_pair(&app).await;
    let app = &app;
    let step = Step { name: "set note", calls: 2, success: 200, repeat: &[], repeat_acts_again: false };
    fault_table(app, step, |n| async move {
        let path = format!("/business/products/{}/note", PRODUCTS[n]);
        Case::new("PUT", path, Some(pair.partner.as_str()), Some(json!({"note": "Asked for a trial."})))
            .named(PRODUCTS[n], "product")
            .named(&pair.customer_id, "customer")
    })
    .await;
}

#[tokio::test]
async fn requesting_a_product_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let customer_email = &format!("hank@{}", unique_domain());
    let customer = &app.onboard_customer(customer_email, "Globex").await;
    let customer_id = &app.own_business_id(customer).await;
    let app = &app;
    let step = Step { name: "request product", calls: 2, success: 201, repeat: &[200], repeat_acts_again: false };
    fault_table(app, step, |n| async move {
        let path = format!("/business/products/{}/request", PRODUCTS[n]);
        Case::new("POST", path, Some(customer.as_str()), Some(json!({})))
            .named(PRODUCTS[n], "product")
            .named(customer_id, "customer")
    })
    .await;
}

#[tokio::test]
async fn requesting_a_quote_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let pair = &working_pair(&app).await;
    let app = &app;
    // The quote and its emails name the product and its section.
    let catalog = &app.get_json("/catalog?limit=100", &pair.customer).await["items"].as_array().expect("items").clone();
    let step = Step { name: "request quote", calls: 4, success: 201, repeat: &[200], repeat_acts_again: false };
    fault_table(app, step, |n| async move {
        let product = PRODUCTS[n];
        let requested = app
            .post_json(&format!("/business/products/{product}/request"), Some(pair.customer.as_str()), &json!({}))
            .await;
        assert_eq!(requested.status(), 201);
        let path = format!("/business/product-requests/{product}/quote");
        let listed = catalog.iter().find(|p| p["product_id"] == product).expect("the product is in the catalog");
        Case::new("POST", path, Some(pair.partner.as_str()), Some(json!({"message": "500 seats, three years."})))
            .person(&pair.customer_email, "customer")
            .person(&app.admin_email, "admin")
            .named(product, "product")
            .named(listed["name"].as_str().expect("a name"), "product name")
            .named(listed["section"].as_str().expect("a section"), "section")
            .named(&pair.customer_id, "customer")
    })
    .await;
}

// ---- managed customers ---------------------------------------------------------------------

#[tokio::test]
async fn creating_a_customer_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let pair = &customer_and_partner(&app).await;
    let app = &app;
    let step = Step { name: "create customer", calls: 4, success: 201, repeat: &[], repeat_acts_again: false };
    fault_table(app, step, |n| async move {
        let email = format!("bill{n}@{}", unique_domain());
        Case::new(
            "POST",
            "/partner/customers",
            Some(pair.partner.as_str()),
            Some(created_customer_body(&email, "activated")),
        )
        .person(&email, "customer")
    })
    .await;
}

#[tokio::test]
async fn a_lock_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let pair = &customer_and_partner(&app).await;
    let app = &app;
    let step = Step { name: "lock", calls: 7, success: 200, repeat: &[], repeat_acts_again: false };
    fault_table(app, step, |n| async move {
        // An active customer with a password and a live login.
        let (email, business) = created_customer(app, &pair.partner, n).await;
        let link = app.wait_for_email(&email, "created your Partner Portal account").await;
        let link = link.links.iter().find(|l| l.contains("token=")).expect("a link with a token").clone();
        let body = json!({"token": token_of(&link), "password": PASSWORD, "confirm_password": PASSWORD});
        assert_eq!(app.post_json(&path_of(&link), None, &body).await.status(), 200);
        app.login(&email, PASSWORD).await.expect("the customer logs in");
        Case::new(
            "PATCH",
            format!("/partner/customers/{business}"),
            Some(pair.partner.as_str()),
            Some(json!({"status": "locked"})),
        )
        .person(&email, "customer")
        .named(&business, "business")
    })
    .await;
}

#[tokio::test]
async fn starting_an_impersonation_survives_a_fault_at_any_call() {
    let app = spawn_app().await;
    let pair = &customer_and_partner(&app).await;
    let app = &app;
    let step = Step { name: "start impersonation", calls: 5, success: 201, repeat: &[], repeat_acts_again: false };
    fault_table(app, step, |n| async move {
        let (email, business) = created_customer(app, &pair.partner, n).await;
        Case::new("POST", format!("/partner/customers/{business}/impersonation"), Some(pair.partner.as_str()), None)
            .person(&email, "customer")
            .named(&business, "business")
    })
    .await;
}
