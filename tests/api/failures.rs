//! Dependencies that fail: the client gets a clear 503 with a generic body, never a 500
//! or a half-written state.

use lambda_http::Body;
use portal::app::App;
use portal::http::onboarding;
use portal_tests::spawn_app;
use serde_json::{Value, json};

fn event(path: &str, body: &Value) -> lambda_http::Request {
    let event = json!({
        "version": "2.0", "routeKey": format!("POST {path}"), "rawPath": path, "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9",
                                    "userAgent": "test"}, "requestId": "r1", "routeKey": format!("POST {path}"),
                           "stage": "$default", "timeEpoch": 0, "accountId": "1", "apiId": "x"},
        "body": body.to_string(), "isBase64Encoded": false,
    });
    lambda_http::request::from_str(&event.to_string()).expect("a valid event")
}

fn body_json(response: &lambda_http::Response<Body>) -> Value {
    match response.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        other => panic!("unexpected body {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_table_gives_a_503_with_a_generic_message() {
    // Arrange: the same handlers, pointed at a table that does not exist
    let app = spawn_app().await;
    let mut config = app.stack.app.config.clone();
    config.table_name = "no-such-table".into();
    let broken = App::new(config, &portal::local::sdk_config(&app.stack.endpoint).await);

    // Act
    let forgot =
        onboarding::forgot_password(&broken, event("/auth/forgot-password", &json!({"email": "a@acme-x.com"})))
            .await
            .unwrap();
    let signup = onboarding::sign_up(&broken, event("/signup", &portal_tests::sign_up_body("a@acme-x.com", "Acme")))
        .await
        .unwrap();

    // Assert
    for response in [&forgot, &signup] {
        assert_eq!(response.status(), 503);
        let body = body_json(response);
        assert_eq!(body["error"], "service_unavailable");
        assert!(!body["message"].as_str().unwrap().contains("no-such-table"));
    }
}

#[tokio::test]
async fn an_unreachable_identity_provider_gives_a_503_on_login() {
    let app = spawn_app().await;
    let mut config = app.stack.app.config.clone();
    config.endpoint_url = Some("http://127.0.0.1:9".into());
    let sdk = portal::local::sdk_config("http://127.0.0.1:9").await;
    let broken = App::new(config, &sdk);

    let login = portal::http::sessions::login(
        &broken,
        event("/auth/login", &json!({"email": "a@acme-x.com", "password": "p"})),
    )
    .await
    .unwrap();

    assert_eq!(login.status(), 503);
    assert_eq!(body_json(&login)["error"], "service_unavailable");
}
