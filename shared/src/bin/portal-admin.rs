//! Operations on a deployed stack, run with the stack's outputs in the environment
//! (`TABLE_NAME`, `USER_POOL_ID`, `USER_POOL_CLIENT_ID`, `EMAIL_FROM`, `PORTAL_URL`,
//! `SET_PASSWORD_URL`, `AWS_REGION`) and AWS credentials allowed to use them.
//!
//! `portal-admin create-admin EMAIL [FIRST LAST]` creates an admin and emails them a
//! set-password link: nobody, not even the operator, chooses an admin's password.
//!
//! `portal-admin seed-catalog` adds the shipped product catalog (`shared/data/catalog.json`)
//! to the table, leaving products that admins already changed as they are.

use anyhow::{Context as _, bail};
use portal::app::{App, outbox};
use portal::domain::account::{Role, UserStatus};
use portal::domain::email::normalize_login_email;
use portal::domain::ids::BusinessId;
use portal::domain::records::{EmailKind, User};
use portal::domain::token::TokenPurpose;
use portal::ports::calls::*;
use serde_json::json;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    portal::telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("seed-catalog") {
        let app = App::from_env().await?;
        let added = portal::app::catalog::seed(&app).await?;
        println!("Catalog seeded: {added} products added (existing products were left as they are).");
        return Ok(());
    }
    let (Some("create-admin"), Some(email)) = (args.first().map(String::as_str), args.get(1)) else {
        bail!("usage: portal-admin create-admin EMAIL [FIRST_NAME LAST_NAME]");
    };
    let email = normalize_login_email(email).context("EMAIL is not an email address")?;
    let app = App::from_env().await?;
    let user_id = app.identity.create_user(&email).await?;
    let user = User {
        user_id: user_id.clone(),
        email: email.clone(),
        business_id: BusinessId::parse("operators").context("operators id")?,
        role: Role::Admin,
        status: UserStatus::PendingPassword,
        first_name: args.get(2).cloned().unwrap_or_else(|| "Portal".into()),
        last_name: args.get(3).cloned().unwrap_or_else(|| "Admin".into()),
        sessions_valid_after_ms: 0,
        credentials_changed_at_ms: 0,
        created_at: time::OffsetDateTime::now_utc(),
        active_business: None,
    };
    app.store.create_user(&user, None).await.context("The email already has an account")?;
    app.store.register_admin(&user).await?;
    let link = outbox::password_link(&app, TokenPurpose::SetPassword, &user, None)?;
    let message = outbox::message(
        &app,
        &email,
        EmailKind::Approved,
        json!({"first_name": user.first_name, "business_name": "Portal administration"}),
        Some(link),
    )?;
    app.store.put_outbox(&message).await?;
    // No stream trigger to wait for on the command line: send it now (the relay would too).
    outbox::deliver(&app, &message.outbox_id).await;
    println!("Admin {email} created; a set-password link was emailed to them.");
    Ok(())
}
