//! A function as Lambda runs it builds its SDK configuration from the environment Lambda
//! gives it (`portal::wiring::lambda_sdk_config`), not from the SDK's default chains: proven
//! here against the emulator's wire APIs, with the SDK's own default HTTPS client.

use portal::adapters::cognito::Identity;
use portal::adapters::dynamo::DynamoStore;
use portal::ports::calls::*;
use portal::wiring::lambda_sdk_config;
use portal_tests::spawn_app;

#[tokio::test]
async fn a_function_configured_from_lambdas_environment_reads_the_table_and_the_user_pool() {
    // Arrange: the stack's configuration, and the variables Lambda sets for the role
    let app = spawn_app().await;
    let config = app.stack.app.config.clone();
    let lambda = |name: &str| match name {
        "AWS_ACCESS_KEY_ID" => Some("AKIDLAMBDA".to_owned()),
        "AWS_SECRET_ACCESS_KEY" => Some("lambda-secret".to_owned()),
        "AWS_SESSION_TOKEN" => Some("lambda-session".to_owned()),
        _ => None,
    };

    // Act: the function's own clients, then one read of each service
    let sdk = lambda_sdk_config(&config, lambda).expect("Lambda's variables are enough");
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &config.table_name);
    let identity = Identity::new(
        aws_sdk_cognitoidentityprovider::Client::new(&sdk),
        &config.user_pool_id,
        &config.user_pool_client_id,
    );
    let admin = store.user_by_email(&app.admin_email).await;
    let totp = identity.totp_enabled(&app.admin_email).await;

    // Assert: the seeded admin, from the table and from the user pool
    let admin = admin.expect("the table answers").expect("the seeded admin");
    assert_eq!(admin.email, app.admin_email);
    assert!(!totp.expect("the user pool answers"), "the seeded admin has not enrolled TOTP yet");
}
