//! Two-step sign-in (TOTP) end to end, against the emulator's Cognito: an admin gets no
//! tokens until it enrols an authenticator app; later logins ask for its code; a wrong
//! code is refused (the emulator checks codes, RFC 6238, when started with
//! `MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP`, as the local stack starts it) and counted as
//! a failed login; a challenge opens one login, of its own user; customers and partners turn
//! TOTP on from their account. The AWS calls of each new step are counted.

use std::time::Duration;

use portal_tests::{ADMIN_PASSWORD, PASSWORD, TestApp, clear_of_window_edge, spawn_app, totp_now, unique_domain};
use serde_json::{Value, json};

/// The calls of one request, wave by wave, each wave's calls in name order.
async fn measure(
    app: &TestApp,
    request: impl Future<Output = reqwest::Response>,
) -> (reqwest::Response, Vec<Vec<String>>) {
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

fn waves(expected: &[&[&str]]) -> Vec<Vec<String>> {
    expected.iter().map(|wave| wave.iter().map(|label| (*label).to_owned()).collect()).collect()
}

async fn first_step(app: &TestApp, email: &str, password: &str) -> (u16, Value) {
    let response = app.post_json("/auth/login", None, &json!({"email": email, "password": password})).await;
    (response.status().as_u16(), response.json().await.expect("a JSON answer"))
}

async fn second_step(app: &TestApp, challenge: &Value, code: &str) -> (u16, Value) {
    let body = json!({"challenge_session": challenge["challenge_session"], "code": code});
    let response = app.post_json("/auth/login/mfa", None, &body).await;
    (response.status().as_u16(), response.json().await.expect("a JSON answer"))
}

/// A six-digit code that is not `right`.
fn other_than(right: &str) -> String {
    if right == "000000" { "111111".into() } else { "000000".into() }
}

#[tokio::test]
async fn an_admin_without_totp_gets_an_enrolment_challenge_and_no_tokens() {
    let app = spawn_app().await;

    let (status, body) = first_step(&app, &app.admin_email, ADMIN_PASSWORD).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["challenge"], "mfa_setup");
    for token in ["access_token", "id_token", "refresh_token"] {
        assert!(body.get(token).is_none(), "no {token} before the enrolment: {body}");
    }
    assert_eq!(body["challenge_session"].as_str().map(str::len), Some(43));
    let secret = body["totp"]["secret_code"].as_str().expect("a secret");
    let uri = body["totp"]["otpauth_uri"].as_str().expect("an otpauth URI");
    let account = app.admin_email.replace('@', "%40");
    assert!(uri.starts_with(&format!("otpauth://totp/Partner%20Portal:{account}?secret={secret}&")), "{uri}");
    assert!(uri.contains("issuer=Partner%20Portal"), "{uri}");
}

#[tokio::test]
async fn an_admin_enrols_at_its_first_login_and_every_later_login_asks_for_the_code() {
    // Arrange
    let app = spawn_app().await;
    let (_, setup) = first_step(&app, &app.admin_email, ADMIN_PASSWORD).await;
    let secret = setup["totp"]["secret_code"].as_str().unwrap().to_owned();

    // Act: the first code of the new secret completes the first login
    let (status, session) = second_step(&app, &setup, &totp_now(&secret).await).await;
    let (later_status, later) = first_step(&app, &app.admin_email, ADMIN_PASSWORD).await;

    // Assert
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["user"]["role"], "admin");
    let token = session["access_token"].as_str().expect("an access token");
    assert_eq!(app.get("/admin/approvals/count", Some(token)).await.status(), 200);
    assert_eq!(app.get_json("/account/mfa", token).await, json!({"totp_enabled": true}));
    assert_eq!(later_status, 200);
    assert_eq!(later["challenge"], "mfa_code");
    assert!(later.get("totp").is_none() && later.get("access_token").is_none(), "{later}");
    let (status, again) = second_step(&app, &later, &totp_now(&secret).await).await;
    assert_eq!(status, 200, "{again}");
    assert!(again["access_token"].is_string());
}

#[tokio::test]
async fn a_wrong_code_is_refused_counted_as_a_failed_login_and_the_limit_applies() {
    // Arrange: an enrolled admin at its second step
    let app = spawn_app().await;
    app.admin_token().await;
    clear_of_window_edge(Duration::from_secs(60)).await;
    let (_, challenge) = first_step(&app, &app.admin_email, ADMIN_PASSWORD).await;
    let right = app.authenticator_code(&app.admin_email, &challenge).await.unwrap();

    // Act
    let (status, refused) = second_step(&app, &challenge, &other_than(&right)).await;
    let (malformed, field) = second_step(&app, &challenge, "12a456").await;
    for _ in 0..9 {
        let right = app.authenticator_code(&app.admin_email, &challenge).await.unwrap();
        second_step(&app, &challenge, &other_than(&right)).await;
    }
    let right = app.authenticator_code(&app.admin_email, &challenge).await.unwrap();
    let (limited, _) = second_step(&app, &challenge, &right).await;

    // Assert: the emulator checked the code; ten failures from this address refuse it,
    // for the code as for the password
    assert_eq!((status, refused["error"].as_str()), (401, Some("mfa_code_incorrect")), "{refused}");
    assert_eq!((malformed, field["fields"]["code"].is_string()), (422, true), "{field}");
    assert_eq!(limited, 429);
    assert_eq!(first_step(&app, &app.admin_email, ADMIN_PASSWORD).await.0, 429);
}

#[tokio::test]
async fn a_challenge_opens_one_login_and_only_its_own_users() {
    // Arrange: a customer and the admin both at their second step
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let customer = app.onboard_customer(&email, "Acme").await;
    turn_totp_on(&app, &email, &customer).await;
    app.admin_token().await;
    let (_, admins) = first_step(&app, &app.admin_email, ADMIN_PASSWORD).await;
    let (_, customers) = first_step(&app, &email, PASSWORD).await;
    let code = app.authenticator_code(&email, &customers).await.unwrap();

    // Act: the customer's challenge, sent with the admin's address, then again
    let body = json!({"challenge_session": customers["challenge_session"], "code": code, "email": app.admin_email});
    let first = app.post_json("/auth/login/mfa", None, &body).await;
    let first_status = first.status().as_u16();
    let first: Value = first.json().await.unwrap();
    let (replayed, replay) = second_step(&app, &customers, &code).await;

    // Assert: the challenge alone names the login
    assert_eq!(first_status, 200, "{first}");
    assert_eq!(first["user"]["email"], email.as_str());
    assert_eq!((replayed, replay["error"].as_str()), (401, Some("challenge_ended")), "{replay}");
    let forged = json!({"challenge_session": "A".repeat(43), "code": code});
    assert_eq!(app.post_json("/auth/login/mfa", None, &forged).await.status(), 401);
    // The admin's own challenge still opens the admin's login, not the customer's.
    let (status, admin) =
        second_step(&app, &admins, &app.authenticator_code(&app.admin_email, &admins).await.unwrap()).await;
    assert_eq!((status, admin["user"]["role"].as_str()), (200, Some("admin")), "{admin}");
}

/// Turns TOTP on for a signed-in user from its account, as the Security section does.
async fn turn_totp_on(app: &TestApp, email: &str, token: &str) -> String {
    let setup = app.post_json("/account/mfa/setup", Some(token), &json!({})).await;
    assert_eq!(setup.status(), 200);
    let setup: Value = setup.json().await.unwrap();
    let secret = setup["secret_code"].as_str().unwrap().to_owned();
    app.authenticator.lock().unwrap().insert(email.to_owned(), secret.clone());
    let enabled = app.put_json("/account/mfa", Some(token), &json!({"code": totp_now(&secret).await})).await;
    assert_eq!(enabled.status(), 200);
    secret
}

#[tokio::test]
async fn a_customer_turns_totp_on_from_its_account_and_then_logs_in_with_a_code() {
    // Arrange
    let app = spawn_app().await;
    let email = format!("ada@{}", unique_domain());
    let token = app.onboard_customer(&email, "Acme").await;
    assert_eq!(app.get_json("/account/mfa", &token).await, json!({"totp_enabled": false}));

    // Act
    let setup: Value = app.post_json("/account/mfa/setup", Some(&token), &json!({})).await.json().await.unwrap();
    let secret = setup["secret_code"].as_str().unwrap().to_owned();
    let right = totp_now(&secret).await;
    let wrong = app.put_json("/account/mfa", Some(&token), &json!({"code": other_than(&right)})).await;
    let enabled = app.put_json("/account/mfa", Some(&token), &json!({"code": right})).await;

    // Assert
    assert_eq!(wrong.status(), 422);
    assert_eq!(enabled.status(), 200);
    assert_eq!(app.get_json("/account/mfa", &token).await, json!({"totp_enabled": true}));
    let again = app.post_json("/account/mfa/setup", Some(&token), &json!({})).await;
    assert_eq!(again.status(), 409, "a second secret needs TOTP off first");
    let twice = app.put_json("/account/mfa", Some(&token), &json!({"code": totp_now(&secret).await})).await;
    assert_eq!(twice.status(), 409);
    let (_, challenge) = first_step(&app, &email, PASSWORD).await;
    assert_eq!(challenge["challenge"], "mfa_code");
    let (status, session) = second_step(&app, &challenge, &totp_now(&secret).await).await;
    assert_eq!((status, session["user"]["email"].as_str()), (200, Some(email.as_str())));
}

#[tokio::test]
async fn the_new_steps_make_exactly_these_aws_calls() {
    let app = spawn_app().await;
    let admin = app.admin_email.clone();
    let credentials = json!({"email": admin, "password": ADMIN_PASSWORD});
    let login = || app.post_json("/auth/login", None, &credentials);

    let (answer, setup_login) = measure(&app, login()).await;
    let setup: Value = answer.json().await.unwrap();
    let secret = setup["totp"]["secret_code"].as_str().unwrap().to_owned();
    let code = totp_now(&secret).await;
    let body = json!({"challenge_session": setup["challenge_session"], "code": code});
    let (enrolled, enrolment) = measure(&app, app.post_json("/auth/login/mfa", None, &body)).await;
    let (answer, code_login) = measure(&app, login()).await;
    let challenge: Value = answer.json().await.unwrap();
    let body = json!({"challenge_session": challenge["challenge_session"], "code": totp_now(&secret).await});
    let (signed_in, code_step) = measure(&app, app.post_json("/auth/login/mfa", None, &body)).await;
    let fresh: Value = login().await.json().await.unwrap();
    let wrong = json!({"challenge_session": fresh["challenge_session"], "code": other_than(&totp_now(&secret).await)});
    let (refused, wrong_code) = measure(&app, app.post_json("/auth/login/mfa", None, &wrong)).await;
    let (used, used_challenge) = measure(&app, app.post_json("/auth/login/mfa", None, &body)).await;

    assert_eq!((enrolled.status().as_u16(), signed_in.status().as_u16()), (200, 200));
    assert_eq!((refused.status().as_u16(), used.status().as_u16()), (401, 401));
    for (step, shape) in [
        ("login, admin without TOTP", &setup_login),
        ("login mfa, enrolment", &enrolment),
        ("login, TOTP on", &code_login),
        ("login mfa, code", &code_step),
        ("login mfa, wrong code", &wrong_code),
        ("login mfa, used challenge", &used_challenge),
    ] {
        println!("{step:<28} {} waves: {shape:?}", shape.len());
    }
    const BATCH: &str = "dynamodb:BatchGetItem";
    let first = [&[BATCH][..], &["cognito-idp:AdminInitiateAuth", BATCH]];
    let expected: Vec<&[&str]> =
        first.iter().copied().chain([&["cognito-idp:AssociateSoftwareToken"][..], &["dynamodb:PutItem"]]).collect();
    assert_eq!(setup_login, waves(&expected));
    assert_eq!(code_login, waves(&[&[BATCH], &["cognito-idp:AdminInitiateAuth", BATCH], &["dynamodb:PutItem"]]));
    let read = [&["dynamodb:GetItem"][..], &[BATCH]];
    let write = &["dynamodb:TransactWriteItems"][..];
    let expected: Vec<&[&str]> = read
        .iter()
        .copied()
        .chain([&["cognito-idp:VerifySoftwareToken"][..], &["cognito-idp:AdminSetUserMFAPreference"], write])
        .collect();
    assert_eq!(enrolment, waves(&expected));
    let expected: Vec<&[&str]> =
        read.iter().copied().chain([&["cognito-idp:AdminRespondToAuthChallenge"][..], write]).collect();
    assert_eq!(code_step, waves(&expected));
    let expected: Vec<&[&str]> =
        read.iter().copied().chain([&["cognito-idp:AdminRespondToAuthChallenge"][..], write]).collect();
    assert_eq!(wrong_code, waves(&expected), "a wrong code is counted in one write, as a wrong password");
    assert_eq!(used_challenge, waves(&[&["dynamodb:GetItem"]]), "a used challenge costs one read");
}
