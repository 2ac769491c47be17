//! `make dev`: the whole system on this machine. Starts the AWS emulator (unless
//! `AWS_ENDPOINT_URL` points at one), creates the resources of `template.yaml` in it, seeds
//! an admin from `ADMIN_EMAIL` / `ADMIN_PASSWORD`, and serves every route and page at
//! `http://127.0.0.1:${PORT:-3000}`. Ctrl-C stops everything it started.

use std::path::{Path, PathBuf};
use std::time::Duration;

use portal::local::emulator::Moto;
use portal::local::{Stack, StackOptions};

const DEFAULT_ADMIN_EMAIL: &str = "admin@partner-portal.test";
const DEFAULT_ADMIN_PASSWORD: &str = "local admin passphrase 2026";

/// The built web console: `CONSOLE_DIR`, or `web/dist` of this checkout.
fn console_dir() -> PathBuf {
    match std::env::var_os("CONSOLE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist"),
    }
}

fn main() -> anyhow::Result<()> {
    // Unoptimised builds keep every AWS SDK future at full size: give the workers the stack
    // `.cargo/config.toml` gives `cargo run`, also when the binary is started directly (the
    // browser tests do).
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 * 1024 * 1024)
        .build()?
        .block_on(serve())
}

async fn serve() -> anyhow::Result<()> {
    portal::telemetry::init();
    let port: u16 = std::env::var("PORT").ok().map(|p| p.parse()).transpose()?.unwrap_or(3000);
    let mut emulators = Vec::new();
    let (endpoint, mail_endpoint) = match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.is_empty() => (url.clone(), url),
        _ => {
            eprintln!("Starting the AWS emulator (moto_server, one for DynamoDB and Cognito, one for SES)...");
            let (main, mail) = tokio::try_join!(Moto::start(), Moto::start())?;
            let urls = (main.url.clone(), mail.url.clone());
            emulators.extend([main, mail]);
            urls
        }
    };
    let admin_email = std::env::var("ADMIN_EMAIL").unwrap_or_else(|_| DEFAULT_ADMIN_EMAIL.to_owned());
    let admin_password = std::env::var("ADMIN_PASSWORD").unwrap_or_else(|_| DEFAULT_ADMIN_PASSWORD.to_owned());
    eprintln!("Creating the table, user pool and sender identity from template.yaml...");
    let stack = Stack::start(StackOptions {
        endpoint: endpoint.clone(),
        mail_endpoint,
        port,
        name: "portal-local".to_owned(),
        admin: Some((admin_email.clone(), admin_password.clone())),
        relay_every: Duration::from_secs(2),
        console_dir: Some(console_dir()),
    })
    .await?;
    eprintln!(
        "\nPartner portal running at {base}\n  Web console:   {base}/login\n  AWS emulator:  {endpoint}\n  Admin:         {admin_email} / {admin_password}\n  Sign-up page:  {base}/signup\n  Sent emails:   {base}/_dev/outbox (JSON: {base}/_dev/emails)\n  API:           {base}/... and {base}/api/...\nPress Ctrl-C to stop.",
        base = stack.base_url
    );
    // A function run by hand (`cargo lambda watch`) against this stack: its environment, and
    // the credentials Lambda would give it (the emulator takes any).
    let vars: Vec<String> =
        stack.app.config.to_vars().into_iter().map(|(name, value)| format!("{name}={value}")).collect();
    eprintln!(
        "\nTo run a function under `cargo lambda watch` against this stack, export:\n  {} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test",
        vars.join(" ")
    );
    tokio::signal::ctrl_c().await?;
    eprintln!("Stopping.");
    drop(emulators);
    Ok(())
}
