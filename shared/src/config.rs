//! Configuration, read once per cold start from the environment that `template.yaml` sets
//! (or that the local stack sets to the same names).

use anyhow::{Context as _, bail};

use crate::domain::token::LinkKey;

/// Everything a function needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub user_pool_id: String,
    pub user_pool_client_id: String,
    /// Sender of every email; a verified SES identity.
    pub email_from: String,
    /// Origin of the web UI, for "log in" links in emails.
    pub portal_url: String,
    /// Pages email links land on. Configured, never taken from a request's Host header.
    pub signup_url: Option<String>,
    pub set_password_url: Option<String>,
    pub reset_password_url: Option<String>,
    pub activate_url: Option<String>,
    /// The AWS region (the issuer of Cognito tokens names it).
    pub region: String,
    /// Set only against an emulator: where the Cognito JWKS is served instead of the issuer.
    pub endpoint_url: Option<String>,
    /// The secret email-link tokens are derived from (`LINK_KEY`), for the functions that
    /// queue or send links.
    pub link_key: Option<LinkKey>,
}

fn required(name: &str) -> anyhow::Result<String> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value),
        _ => bail!("environment variable {name} must be set"),
    }
}

fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads the configuration.
    ///
    /// # Errors
    /// When a required variable (`TABLE_NAME`, `USER_POOL_ID`, `USER_POOL_CLIENT_ID`,
    /// `EMAIL_FROM`, `PORTAL_URL`, `AWS_REGION`) is missing.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            user_pool_id: required("USER_POOL_ID")?,
            user_pool_client_id: required("USER_POOL_CLIENT_ID")?,
            email_from: required("EMAIL_FROM")?,
            portal_url: required("PORTAL_URL")?,
            signup_url: optional("SIGNUP_URL"),
            set_password_url: optional("SET_PASSWORD_URL"),
            reset_password_url: optional("RESET_PASSWORD_URL"),
            activate_url: optional("ACTIVATE_URL"),
            region: optional("AWS_REGION")
                .or_else(|| optional("AWS_DEFAULT_REGION"))
                .context("environment variable AWS_REGION must be set")?,
            endpoint_url: optional("AWS_ENDPOINT_URL"),
            link_key: match optional("LINK_KEY") {
                None => None,
                Some(raw) => Some(LinkKey::parse(&raw).context("LINK_KEY must be at least 32 characters long")?),
            },
        })
    }

    /// The `iss` claim of this pool's tokens.
    pub fn issuer(&self) -> String {
        format!("https://cognito-idp.{}.amazonaws.com/{}", self.region, self.user_pool_id)
    }

    /// Where the pool's signing keys are published.
    pub fn jwks_url(&self) -> String {
        match &self.endpoint_url {
            Some(endpoint) => format!("{}/{}/.well-known/jwks.json", endpoint.trim_end_matches('/'), self.user_pool_id),
            None => format!("{}/.well-known/jwks.json", self.issuer()),
        }
    }

    /// The link key, or an error naming the missing variable.
    pub fn link_key(&self) -> anyhow::Result<&LinkKey> {
        self.link_key.as_ref().context("environment variable LINK_KEY must be set to send email links")
    }

    /// The configured page for a link, or an error naming the missing variable.
    pub fn link_page(&self, page: &Option<String>, name: &str) -> anyhow::Result<String> {
        page.clone().with_context(|| format!("environment variable {name} must be set to send this email"))
    }
}
