//! The local stack (feature `local`): the AWS emulator ([`emulator`]), resources created
//! from `template.yaml` ([`provision`]), and a router that serves every function's handler at
//! the same paths as API Gateway and the function URLs ([`server`]). `dev-server` and the
//! integration tests both start it through [`Stack::start`].

pub mod aws_calls;
pub mod console;
pub mod emulator;
pub mod mail;
pub mod provision;
pub mod server;

use std::collections::HashMap;
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
    /// Every adapter, through the recorder (for tests that act on the stack directly).
    pub app: Arc<App>,
    /// Each function's App as its row of `http::routes::FUNCTIONS` wires it, through the
    /// recorder: what the router hands each request's handler.
    pub apps: Arc<HashMap<&'static str, Arc<App>>>,
    pub endpoint: String,
    pub mail_endpoint: String,
    pub addr: SocketAddr,
    /// Every AWS call the served requests make (not the background relay's).
    pub aws: aws_calls::Recorder,
    /// The same services without the recorder: the relay's, and the tests' own reads.
    pub relay: Arc<App>,
}

/// The app of the local stack: the real adapters, with SES on its own emulator and every
/// email it accepts kept in `sent` for the developer outbox.
fn local_app(config: Config, sdk: &SdkConfig, mail_sdk: &SdkConfig, sent: &mail::SentLog) -> App {
    let mut app = App::new(config, sdk);
    let ses = crate::adapters::ses::Mailer::new(aws_sdk_sesv2::Client::new(mail_sdk), EMAIL_FROM);
    // `held::Mailer` is a port with the feature `local`, so the recorder fits.
    app.mailer = Arc::new(mail::Recording::new(ses, sent.clone()));
    app
}

/// The plain HTTP client of every local SDK configuration.
pub fn plain_http() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_http()
}

/// SDK configuration pointing at the emulator, with dummy credentials.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "local"))
        // The SDK's standard retries, with short pauses: an injected fault then costs
        // milliseconds, not seconds.
        .retry_config(aws_config::retry::RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)))
        // The emulator speaks plain HTTP (it serves one request at a time, so its
        // transactions are isolated as DynamoDB's are: `moto_serial.py`).
        .http_client(plain_http())
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
            link_key: Some(crate::domain::token::LinkKey::generate()),
        };
        // Requests go through the recorder; the background relay does not, so that what a
        // test counts is what the request it sent did.
        let aws = aws_calls::Recorder::new();
        let sent = mail::SentLog::default();
        let app = Arc::new(local_app(config.clone(), &aws.wrap(&sdk), &aws.wrap(&mail_sdk), &sent));
        let apps: HashMap<&'static str, Arc<App>> = crate::http::routes::FUNCTIONS
            .iter()
            .filter_map(|(function, _)| crate::wiring::for_function(function, &app).map(|a| (*function, Arc::new(a))))
            .collect();
        let apps = Arc::new(apps);
        let relay = Arc::new(local_app(config, &sdk, &mail_sdk, &sent));
        if let Some((email, password)) = &options.admin {
            provision::seed_admin(&relay, email, password).await?;
        }
        crate::app::catalog::seed(&relay).await?;
        let console = options.console_dir.clone();
        tokio::spawn(server::serve(listener, app.clone(), apps.clone(), relay.clone(), sent, console));
        let relay_loop = relay.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(options.relay_every).await;
                if let Err(e) = crate::app::outbox::relay_due(&relay_loop).await {
                    tracing::warn!(error = ?e, "The local outbox relay failed; retrying");
                }
            }
        });
        Ok(Self {
            base_url,
            app,
            apps,
            endpoint: options.endpoint,
            mail_endpoint: options.mail_endpoint,
            addr,
            aws,
            relay,
        })
    }
}
