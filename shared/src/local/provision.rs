//! Creates the stack's resources in the emulator from their definitions in `template.yaml`
//! (compiled in), so the table, user pool, client and sender identity used locally are the
//! ones deployed: one source of truth.

use anyhow::{Context as _, anyhow};
use aws_config::SdkConfig;
use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, PreventUserExistenceErrorTypes, TimeUnitsType, TokenValidityUnitsType,
};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use serde_yaml_ng::Value;

use crate::app::App;
use crate::domain::account::{Role, UserStatus};
use crate::domain::ids::BusinessId;
use crate::domain::records::User;
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{Conflict, WriteError};

/// The template the stack is deployed from.
pub const TEMPLATE: &str = include_str!("../../../template.yaml");

/// Names of what was created.
#[derive(Debug, Clone)]
pub struct Resources {
    pub table_name: String,
    pub user_pool_id: String,
    pub user_pool_client_id: String,
}

fn properties<'a>(template: &'a Value, logical_id: &str) -> anyhow::Result<&'a Value> {
    template
        .get("Resources")
        .and_then(|r| r.get(logical_id))
        .and_then(|r| r.get("Properties"))
        .with_context(|| format!("template.yaml has no Resources.{logical_id}.Properties"))
}

fn text<'a>(value: &'a Value, key: &str) -> anyhow::Result<&'a str> {
    value.get(key).and_then(Value::as_str).with_context(|| format!("template.yaml: {key} is missing or not a string"))
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value.get(key).and_then(Value::as_sequence).map(Vec::as_slice).unwrap_or_default()
}

fn key_schema(value: &Value) -> anyhow::Result<Vec<KeySchemaElement>> {
    list(value, "KeySchema")
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(text(k, "AttributeName")?)
                .key_type(KeyType::from(text(k, "KeyType")?))
                .build()
                .context("Failed to build a key schema")
        })
        .collect()
}

/// Creates the table, the user pool and its client, and the sender identity.
pub async fn provision(
    sdk: &SdkConfig,
    mail_sdk: &SdkConfig,
    endpoint: &str,
    name: &str,
    email_from: &str,
) -> anyhow::Result<Resources> {
    let template: Value = serde_yaml_ng::from_str(TEMPLATE).context("template.yaml does not parse")?;
    let table_name = format!("{name}-table");
    create_table(sdk, properties(&template, "PortalTable")?, &table_name).await?;
    let (user_pool_id, user_pool_client_id) = create_user_pool(
        sdk,
        endpoint,
        properties(&template, "UserPool")?,
        properties(&template, "UserPoolClient")?,
        name,
    )
    .await?;
    let ses = aws_sdk_sesv2::Client::new(mail_sdk);
    if let Err(e) = ses.create_email_identity().email_identity(email_from).send().await
        && !format!("{e:?}").contains("AlreadyExists")
    {
        return Err(anyhow!(e).context("Failed to create the SES identity"));
    }
    Ok(Resources { table_name, user_pool_id, user_pool_client_id })
}

async fn create_table(sdk: &SdkConfig, props: &Value, table_name: &str) -> anyhow::Result<()> {
    let dynamo = aws_sdk_dynamodb::Client::new(sdk);
    let definitions = list(props, "AttributeDefinitions")
        .iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(text(a, "AttributeName")?)
                .attribute_type(ScalarAttributeType::from(text(a, "AttributeType")?))
                .build()
                .context("Failed to build an attribute definition")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let indexes = list(props, "GlobalSecondaryIndexes")
        .iter()
        .map(|i| {
            let projection = i.get("Projection").context("an index has no Projection")?;
            GlobalSecondaryIndex::builder()
                .index_name(text(i, "IndexName")?)
                .set_key_schema(Some(key_schema(i)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(text(projection, "ProjectionType")?))
                        .build(),
                )
                .build()
                .context("Failed to build an index")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    dynamo
        .create_table()
        .table_name(table_name)
        .billing_mode(BillingMode::from(text(props, "BillingMode")?))
        .set_attribute_definitions(Some(definitions))
        .set_key_schema(Some(key_schema(props)?))
        .set_global_secondary_indexes((!indexes.is_empty()).then_some(indexes))
        .send()
        .await
        .context("Failed to create the table")?;
    if let Some(ttl) = props.get("TimeToLiveSpecification") {
        dynamo
            .update_time_to_live()
            .table_name(table_name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(text(ttl, "AttributeName")?)
                    .enabled(ttl.get("Enabled").and_then(Value::as_bool).unwrap_or(false))
                    .build()
                    .context("Failed to build the TTL specification")?,
            )
            .send()
            .await
            .context("Failed to enable TTL")?;
    }
    Ok(())
}

async fn create_user_pool(
    sdk: &SdkConfig,
    endpoint: &str,
    pool: &Value,
    client: &Value,
    name: &str,
) -> anyhow::Result<(String, String)> {
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(sdk);
    // CreateUserPool is sent as plain JSON rather than through the SDK: the SDK leaves out
    // booleans that are false, and the emulator then applies defaults of its own
    // (uppercase, digit and symbol required), which the deployed pool does not have. The
    // emulator also caps passwords at 99 characters unless told otherwise (Cognito: 256).
    let policy =
        pool.get("Policies").and_then(|p| p.get("PasswordPolicy")).context("UserPool has no PasswordPolicy")?;
    let flag = |key: &str| policy.get(key).and_then(Value::as_bool).unwrap_or(false);
    let body = serde_json::json!({
        "PoolName": format!("{name}-users"),
        "UsernameAttributes": list(pool, "UsernameAttributes").iter().filter_map(Value::as_str).collect::<Vec<_>>(),
        "UsernameConfiguration": {"CaseSensitive": pool.get("UsernameConfiguration")
            .and_then(|u| u.get("CaseSensitive")).and_then(Value::as_bool).unwrap_or(false)},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": pool.get("AdminCreateUserConfig")
            .and_then(|c| c.get("AllowAdminCreateUserOnly")).and_then(Value::as_bool).unwrap_or(true)},
        "Policies": {"PasswordPolicy": {
            "MinimumLength": policy.get("MinimumLength").and_then(Value::as_i64).unwrap_or(12),
            "MaximumLength": 257,
            "RequireLowercase": flag("RequireLowercase"),
            "RequireUppercase": flag("RequireUppercase"),
            "RequireNumbers": flag("RequireNumbers"),
            "RequireSymbols": flag("RequireSymbols"),
        }},
        "MfaConfiguration": pool.get("MfaConfiguration").and_then(Value::as_str).unwrap_or("OFF"),
    });
    let created: serde_json::Value = reqwest::Client::new()
        .post(endpoint)
        .header("x-amz-target", "AWSCognitoIdentityProviderService.CreateUserPool")
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=test/20260101/{}/cognito-idp/aws4_request", super::REGION),
        )
        .body(body.to_string())
        .send()
        .await
        .context("Failed to create the user pool")?
        .error_for_status()
        .context("The emulator refused to create the user pool")?
        .json()
        .await
        .context("The emulator's answer to CreateUserPool is not JSON")?;
    let pool_id = created["UserPool"]["Id"].as_str().map(str::to_owned).context("The new user pool has no id")?;
    let number = |key: &str| client.get(key).and_then(Value::as_i64).map(|n| n as i32);
    let units = client.get("TokenValidityUnits");
    let unit = |key: &str| units.and_then(|u| u.get(key)).and_then(Value::as_str).map(TimeUnitsType::from);
    let created = cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(format!("{name}-client"))
        .generate_secret(client.get("GenerateSecret").and_then(Value::as_bool).unwrap_or(false))
        .set_explicit_auth_flows(Some(
            list(client, "ExplicitAuthFlows")
                .iter()
                .filter_map(Value::as_str)
                .map(ExplicitAuthFlowsType::from)
                .collect(),
        ))
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::from(text(
            client,
            "PreventUserExistenceErrors",
        )?))
        .set_access_token_validity(number("AccessTokenValidity"))
        .set_id_token_validity(number("IdTokenValidity"))
        .set_refresh_token_validity(number("RefreshTokenValidity"))
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .set_access_token(unit("AccessToken"))
                .set_id_token(unit("IdToken"))
                .set_refresh_token(unit("RefreshToken"))
                .build(),
        )
        .send()
        .await
        .context("Failed to create the user pool client")?;
    let client_id = created.user_pool_client.and_then(|c| c.client_id).context("The new client has no id")?;
    Ok((pool_id, client_id))
}

/// The business every admin belongs to (admins act on no business of their own).
pub fn operators() -> BusinessId {
    BusinessId::parse("operators").expect("a valid id")
}

/// Creates an active admin with a password (local use only: deployed, `portal-admin`
/// creates admins that set their own password from an emailed link).
pub async fn seed_admin(app: &App, email: &str, password: &str) -> anyhow::Result<()> {
    let user_id = app.identity.create_user(email).await?;
    app.identity.set_password(email, password).await?;
    let user = User {
        user_id,
        email: email.to_owned(),
        business_id: operators(),
        role: Role::Admin,
        status: UserStatus::Active,
        first_name: "Portal".into(),
        last_name: "Admin".into(),
        sessions_valid_after_ms: 0,
        // Its password was just set: links minted before now would not work.
        credentials_changed_at_ms: i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
            .unwrap_or(i64::MAX),
        created_at: time::OffsetDateTime::now_utc(),
        active_business: None,
    };
    match app.store.create_user(&user, None).await {
        Ok(()) => app.store.register_admin(&user).await,
        // Seeded by an earlier start.
        Err(WriteError::Conflict(Conflict::EmailTaken)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
