//! The local stack (feature `local`): the AWS emulator ([`emulator`]), resources created
//! from `template.yaml` ([`provision`]), and a router that serves every function's handler at
//! the same paths as API Gateway and the function URLs ([`server`]). `dev-server` and the
//! integration tests both start it through [`Stack::start`].

pub mod console;
pub mod emulator;
pub mod provision;
pub mod server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::app::App;
use crate::config::Config;

/// The region the emulator pretends to be.
pub const REGION: &str = "us-east-1";
/// The sender address of local emails (verified in the emulator at start).
pub const EMAIL_FROM: &str = "no-reply@partner-portal.test";

/// What to start.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// The emulator's base URL (DynamoDB and Cognito).
    pub endpoint: String,
    /// The emulator that takes the emails (SESv2). A second emulator keeps reading the sent
    /// emails fast: the emulator's only way to list them dumps every object it holds, and
    /// DynamoDB items soon outnumber the emails by far.
    pub mail_endpoint: String,
    /// Port to serve on; 0 picks a free one.
    pub port: u16,
    /// A prefix for the table and user pool names (one per test, so tests run in parallel).
    pub name: String,
    /// The first admin's email and password.
    pub admin: Option<(String, String)>,
    /// How often queued emails are retried.
    pub relay_every: Duration,
    /// The built web console (`web/dist`) to serve at `/`, if any.
    pub console_dir: Option<std::path::PathBuf>,
}

/// A running local stack.
pub struct Stack {
    pub base_url: String,
    pub app: Arc<App>,
    pub endpoint: String,
    pub mail_endpoint: String,
    pub addr: SocketAddr,
}

/// SDK configuration pointing at the emulator, with dummy credentials.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "local"))
        .load()
        .await
}

impl Stack {
    /// Creates the resources of `template.yaml` in the emulator, seeds the admin, and serves
    /// the router in the background.
    pub async fn start(options: StackOptions) -> anyhow::Result<Self> {
        let sdk = sdk_config(&options.endpoint).await;
        let mail_sdk = sdk_config(&options.mail_endpoint).await;
        let resources = provision::provision(&sdk, &mail_sdk, &options.endpoint, &options.name, EMAIL_FROM).await?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
            .await
            .with_context(|| format!("Failed to listen on port {}", options.port))?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let config = Config {
            table_name: resources.table_name,
            user_pool_id: resources.user_pool_id,
            user_pool_client_id: resources.user_pool_client_id,
            email_from: EMAIL_FROM.to_owned(),
            portal_url: base_url.clone(),
            signup_url: Some(format!("{base_url}/signup")),
            set_password_url: Some(format!("{base_url}/auth/set-password")),
            reset_password_url: Some(format!("{base_url}/auth/reset-password")),
            activate_url: Some(format!("{base_url}/auth/activate")),
            region: REGION.to_owned(),
            endpoint_url: Some(options.endpoint.clone()),
        };
        let mut app = App::new(config, &sdk);
        app.mailer = crate::adapters::ses::Mailer::new(aws_sdk_sesv2::Client::new(&mail_sdk), EMAIL_FROM);
        let app = Arc::new(app);
        if let Some((email, password)) = &options.admin {
            provision::seed_admin(&app, email, password).await?;
        }
        crate::app::catalog::seed(&app).await?;
        tokio::spawn(server::serve(listener, app.clone(), options.mail_endpoint.clone(), options.console_dir.clone()));
        let relay = app.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(options.relay_every).await;
                if let Err(e) = crate::app::outbox::relay_due(&relay).await {
                    tracing::warn!(error = ?e, "The local outbox relay failed; retrying");
                }
            }
        });
        Ok(Self { base_url, app, endpoint: options.endpoint, mail_endpoint: options.mail_endpoint, addr })
    }
}
