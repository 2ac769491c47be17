//! The AWS calls of each onboarding and credentials step, counted end to end: the exact calls
//! (`service:Operation`) one request makes before it answers, grouped in the waves they form
//! (calls in flight together), for the happy path and the paths that matter (a taken
//! address, an unknown one, a retried approval). The background relay is not counted.
//!
//! Every test prints its step's row; `cargo test -p portal-tests --test api calls_onboarding
//! -- --nocapture` shows the table.

use std::time::Duration;

use portal::local::aws_calls::Fault;
use portal_tests::{PASSWORD, TestApp, sign_up_body, spawn_app, unique_domain};
use serde_json::{Value, json};

/// The calls of one request, wave by wave, each wave's calls in name order.
type Shape = Vec<Vec<String>>;

/// Runs `request` alone with the recorder reset, concurrent calls made to overlap, and
/// returns its answer and its calls.
async fn measure<T>(app: &TestApp, request: impl Future<Output = T>) -> (T, Shape) {
    app.stack.aws.set_latency(Duration::from_millis(15));
    app.stack.aws.reset();
    let answer = request.await;
    let shape = app
        .stack
        .aws
        .waves()
        .iter()
        .map(|wave| {
            let mut labels: Vec<String> = wave.iter().map(|call| call.label()).collect();
            labels.sort();
            labels
        })
        .collect();
    (answer, shape)
}

/// `[["dynamodb:GetItem"], ...]` from `&[&["dynamodb:GetItem"], ...]`.
fn waves(expected: &[&[&str]]) -> Shape {
    expected.iter().map(|wave| wave.iter().map(|label| (*label).to_owned()).collect()).collect()
}

fn report(step: &str, shape: &Shape) {
    let calls: usize = shape.iter().map(Vec::len).sum();
    println!(
        "| {step} | {calls} calls | {} waves | {} |",
        shape.len(),
        shape.iter().map(|w| w.join(" + ")).collect::<Vec<_>>().join(" → ")
    );
}

const BATCH_GET: &str = "dynamodb:BatchGetItem";
const GET: &str = "dynamodb:GetItem";
const TRANSACT: &str = "dynamodb:TransactWriteItems";

async fn sign_up(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_json("/signup", None, &sign_up_body(email, "Acme")).await
}

/// A pending request of `email`, and an admin's token.
async fn pending(app: &TestApp, email: &str) -> (String, String) {
    assert_eq!(sign_up(app, email).await.status(), 202);
    let admin = app.admin_token().await;
    let id = app.pending_request_id(&admin, email).await.unwrap();
    (admin, id)
}

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).expect("a token in the link").to_owned()
}

#[tokio::test]
async fn sign_up_reads_once_and_writes_once_whether_or_not_the_address_is_taken() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());

    let (new, new_shape) = measure(&app, sign_up(&app, &email)).await;
    let (repeated, repeated_shape) = measure(&app, sign_up(&app, &email)).await;
    let other_form = sign_up_body(&email, "Another business");
    let (taken, taken_shape) = measure(&app, app.post_json("/signup", None, &other_form)).await;

    let statuses = [new.status().as_u16(), repeated.status().as_u16(), taken.status().as_u16()];
    assert_eq!(statuses, [202, 202, 202]);
    report("sign-up", &new_shape);
    report("sign-up, the same form again", &repeated_shape);
    report("sign-up, taken address", &taken_shape);
    assert_eq!(new_shape, waves(&[&[BATCH_GET], &[TRANSACT]]));
    let counted: Shape = waves(&[&[BATCH_GET], &["dynamodb:UpdateItem"]]);
    assert_eq!(repeated_shape, counted, "a repeated form is read and counted in as many calls");
    assert_eq!(taken_shape, new_shape, "a taken address makes the same calls");
    app.wait_for_email(&email, "Someone tried to sign up").await;
    let notices = app.emails_to(&email).await.into_iter().filter(|e| e.subject.contains("Someone tried")).count();
    assert_eq!(notices, 1, "the repeated form told nobody");
}

#[tokio::test]
async fn sign_up_through_an_invitation_reads_the_invitation_too() {
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let partner = format!("pat@{}", unique_domain());
    let invited = app
        .post_json(
            "/partners/invitations",
            Some(&customer),
            &json!({"business_name": "Pat Resellers", "email": partner, "partner_type": "reseller"}),
        )
        .await;
    assert_eq!(invited.status(), 201);
    let link = app.wait_for_email(&partner, "invites you").await.link_to("/signup?invitation=");
    let mut body = sign_up_body(&partner, "Pat Resellers");
    body["invitation"] = json!(link.split("invitation=").nth(1).unwrap());

    let (answer, shape) = measure(&app, app.post_json("/signup", None, &body)).await;

    assert_eq!(answer.status(), 202);
    report("sign-up through an invitation", &shape);
    assert_eq!(shape, waves(&[&[BATCH_GET], &[GET], &[TRANSACT]]));
}

#[tokio::test]
async fn approving_takes_the_session_the_request_the_cognito_user_and_one_transaction() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let (admin, id) = pending(&app, &email).await;
    let path = format!("/admin/approvals/{id}/approve");

    let (answer, shape) = measure(&app, app.post_json(&path, Some(&admin), &json!({}))).await;

    assert_eq!(answer.status(), 200);
    report("approve", &shape);
    assert_eq!(shape, waves(&[&[BATCH_GET], &[GET], &["cognito-idp:AdminCreateUser"], &[TRANSACT]]));
}

#[tokio::test]
async fn an_approval_retried_after_its_transaction_failed_finds_the_cognito_user_and_succeeds() {
    // Arrange: the first attempt's transaction (its 4th call) fails
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let (admin, id) = pending(&app, &email).await;
    let path = format!("/admin/approvals/{id}/approve");
    app.stack.aws.reset();
    app.stack.aws.fail_call(4, Fault::ServerError);
    let failed = app.post_json(&path, Some(&admin), &json!({})).await;
    assert_eq!(failed.status(), 503);

    // Act
    let (retried, shape) = measure(&app, app.post_json(&path, Some(&admin), &json!({}))).await;

    // Assert: AdminCreateUser finds the user of the first attempt and AdminGetUser names it
    assert_eq!(retried.status(), 200);
    report("approve, retried", &shape);
    assert_eq!(
        shape,
        waves(&[&[BATCH_GET], &[GET], &["cognito-idp:AdminCreateUser"], &["cognito-idp:AdminGetUser"], &[TRANSACT]])
    );
    app.set_password_from_email(&email).await.unwrap();
    assert!(app.login(&email, PASSWORD).await.is_ok());
}

#[tokio::test]
async fn setting_a_first_password_takes_four_calls() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let (admin, id) = pending(&app, &email).await;
    app.post_json(&format!("/admin/approvals/{id}/approve"), Some(&admin), &json!({})).await;
    let token = token_of(&app.wait_for_email(&email, "set your password").await.link_to("/auth/set-password"));
    let body = json!({"token": token, "password": PASSWORD, "confirm_password": PASSWORD});

    let (answer, shape) = measure(&app, app.post_json("/auth/set-password", None, &body)).await;

    assert_eq!(answer.status(), 200);
    report("set password", &shape);
    assert_eq!(shape, waves(&[&[BATCH_GET], &[TRANSACT], &["cognito-idp:AdminSetUserPassword"], &[TRANSACT]]));
}

#[tokio::test]
async fn a_reset_also_signs_out_everywhere_beside_setting_the_password() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;
    app.post_json("/auth/forgot-password", None, &json!({"email": email})).await;
    let link = app.wait_for_email(&email, "Reset your Partner Portal password").await.link_to("/auth/reset-password");
    let new_password = "amber lantern quietly folds";
    let body = json!({"token": token_of(&link), "password": new_password, "confirm_password": new_password});

    let (answer, shape) = measure(&app, app.post_json("/auth/reset-password", None, &body)).await;

    assert_eq!(answer.status(), 200);
    report("reset password", &shape);
    assert_eq!(
        shape,
        waves(&[
            &[BATCH_GET],
            &[TRANSACT],
            &["cognito-idp:AdminSetUserPassword", "cognito-idp:AdminUserGlobalSignOut"],
            &[TRANSACT]
        ])
    );
}

#[tokio::test]
async fn login_takes_three_calls_whether_it_succeeds_the_password_is_wrong_or_the_address_is_unknown() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;
    let login = |email: String, password: &'static str| {
        let app = &app;
        async move { app.post_json("/auth/login", None, &json!({"email": email, "password": password})).await }
    };

    let (ok, ok_shape) = measure(&app, login(email.clone(), PASSWORD)).await;
    let (wrong, wrong_shape) = measure(&app, login(email.clone(), "not the password at all")).await;
    let (unknown, unknown_shape) = measure(&app, login(format!("nobody@{}", unique_domain()), PASSWORD)).await;

    assert_eq!([ok.status().as_u16(), wrong.status().as_u16(), unknown.status().as_u16()], [200, 401, 401]);
    report("login", &ok_shape);
    report("login, wrong password", &wrong_shape);
    report("login, unknown address", &unknown_shape);
    let expected = waves(&[&[BATCH_GET], &["cognito-idp:AdminInitiateAuth"], &[TRANSACT]]);
    assert_eq!(ok_shape, expected);
    assert_eq!(wrong_shape, expected, "a failure is counted in the same number of calls");
    assert_eq!(unknown_shape, expected, "an unknown address makes the same calls");
    let user = &ok.json::<Value>().await.unwrap()["user"];
    assert_eq!((user["first_name"].as_str(), user["business_name"].as_str()), (Some("Ada"), Some("Acme")), "{user}");
}

#[tokio::test]
async fn a_login_card_out_of_step_is_read_and_renewed_by_the_login_never_shown() {
    // Arrange: a customer who logged in once, then renamed its business
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let token = app.onboard_customer(&email, "Acme").await;
    let profile = app.get_json("/business/profile", &token).await;
    let mut edit = profile.clone();
    edit["name"] = json!("Acme Rockets");
    let saved = app.put_json("/business/profile", Some(&token), &edit).await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let body = json!({"email": email, "password": PASSWORD});
    let login = || app.post_json("/auth/login", None, &body);

    // Act
    let (renamed, renamed_shape) = measure(&app, login()).await;
    let (again, again_shape) = measure(&app, login()).await;

    // Assert: the card's check failed, so the login read the business and wrote the card
    // anew; the next login answers from the new card
    report("login after a rename", &renamed_shape);
    let (renamed, again) = (renamed.json::<Value>().await.unwrap(), again.json::<Value>().await.unwrap());
    assert_eq!(renamed["user"]["business_name"], "Acme Rockets", "{renamed}");
    assert_eq!(again["user"]["business_name"], "Acme Rockets", "{again}");
    assert_eq!(
        renamed_shape,
        waves(&[&[BATCH_GET], &["cognito-idp:AdminInitiateAuth"], &[TRANSACT], &[BATCH_GET], &[TRANSACT]])
    );
    assert_eq!(again_shape, waves(&[&[BATCH_GET], &["cognito-idp:AdminInitiateAuth"], &[TRANSACT]]));
}

#[tokio::test]
async fn forgot_password_makes_the_same_three_calls_for_known_and_unknown_addresses() {
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    app.onboard_customer(&email, "Acme").await;
    let forgot = |email: String| {
        let app = &app;
        async move { app.post_json("/auth/forgot-password", None, &json!({"email": email})).await }
    };

    let (known, known_shape) = measure(&app, forgot(email.clone())).await;
    let (unknown, unknown_shape) = measure(&app, forgot(format!("nobody@{}", unique_domain()))).await;

    assert_eq!((known.status().as_u16(), unknown.status().as_u16()), (202, 202));
    assert_eq!(known.json::<Value>().await.unwrap(), unknown.json::<Value>().await.unwrap());
    report("forgot password, known address", &known_shape);
    report("forgot password, unknown address", &unknown_shape);
    assert_eq!(known_shape, waves(&[&[BATCH_GET], &[BATCH_GET], &[TRANSACT]]));
    assert_eq!(unknown_shape, known_shape);
    app.wait_for_email(&email, "Reset your Partner Portal password").await;
}

#[tokio::test]
async fn creating_a_customer_asks_cognito_while_it_reads_the_partner() {
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("owner@{}", unique_domain()), "Globex").await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    let create = |status: &'static str| {
        let (app, partner) = (&app, &partner);
        let body = json!({"business_name": "Initech", "first_name": "Bill", "last_name": "Lumbergh",
                          "email": format!("bill@{}", unique_domain()), "status": status});
        async move { app.post_json("/partner/customers", Some(partner), &body).await }
    };

    let (active, active_shape) = measure(&app, create("activated")).await;
    let (locked, locked_shape) = measure(&app, create("locked")).await;

    assert_eq!((active.status().as_u16(), locked.status().as_u16()), (201, 201));
    report("create customer", &active_shape);
    report("create customer, locked", &locked_shape);
    let expected = waves(&[&[BATCH_GET], &["cognito-idp:AdminCreateUser", GET], &[TRANSACT]]);
    assert_eq!(active_shape, expected);
    let then_disabled: Shape = expected.into_iter().chain([vec!["cognito-idp:AdminDisableUser".to_owned()]]).collect();
    assert_eq!(locked_shape, then_disabled);
}

#[tokio::test]
async fn the_pending_approvals_count_is_one_read_however_many_requests_wait() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let domain = unique_domain();
    for n in 0..3 {
        assert_eq!(sign_up(&app, &format!("p{n}@{domain}")).await.status(), 202);
    }

    let (answer, shape) = measure(&app, app.get("/admin/approvals/count", Some(&admin))).await;

    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json::<Value>().await.unwrap()["pending"], 3);
    report("pending approvals count", &shape);
    assert_eq!(shape, waves(&[&[BATCH_GET], &[GET]]));
}
