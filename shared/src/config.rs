//! Configuration, read once per cold start from the environment that `template.yaml` sets
//! (or that the local stack sets to the same names).

use anyhow::Context as _;

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

fn required(var: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<String> {
    optional(var, name).with_context(|| format!("environment variable {name} must be set"))
}

fn optional(var: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    var(name).filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads the configuration from the process's environment.
    ///
    /// # Errors
    /// When a required variable (`TABLE_NAME`, `USER_POOL_ID`, `USER_POOL_CLIENT_ID`,
    /// `EMAIL_FROM`, `PORTAL_URL`, `AWS_REGION`) is missing.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the configuration from variables (`var` looks one up by name).
    ///
    /// # Errors
    /// As [`Config::from_env`].
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = &var;
        Ok(Self {
            table_name: required(var, "TABLE_NAME")?,
            user_pool_id: required(var, "USER_POOL_ID")?,
            user_pool_client_id: required(var, "USER_POOL_CLIENT_ID")?,
            email_from: required(var, "EMAIL_FROM")?,
            portal_url: required(var, "PORTAL_URL")?,
            signup_url: optional(var, "SIGNUP_URL"),
            set_password_url: optional(var, "SET_PASSWORD_URL"),
            reset_password_url: optional(var, "RESET_PASSWORD_URL"),
            activate_url: optional(var, "ACTIVATE_URL"),
            region: optional(var, "AWS_REGION")
                .or_else(|| optional(var, "AWS_DEFAULT_REGION"))
                .context("environment variable AWS_REGION must be set")?,
            endpoint_url: optional(var, "AWS_ENDPOINT_URL"),
            link_key: match optional(var, "LINK_KEY") {
                None => None,
                Some(raw) => Some(LinkKey::parse(&raw).context("LINK_KEY must be at least 32 characters long")?),
            },
        })
    }

    /// The variables [`Config::from_vars`] reads back as this configuration: what a function
    /// run by hand against this stack needs in its environment (`make dev` prints them).
    pub fn to_vars(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            ("TABLE_NAME", self.table_name.clone()),
            ("USER_POOL_ID", self.user_pool_id.clone()),
            ("USER_POOL_CLIENT_ID", self.user_pool_client_id.clone()),
            ("EMAIL_FROM", self.email_from.clone()),
            ("PORTAL_URL", self.portal_url.clone()),
            ("AWS_REGION", self.region.clone()),
        ];
        let optional = [
            ("SIGNUP_URL", &self.signup_url),
            ("SET_PASSWORD_URL", &self.set_password_url),
            ("RESET_PASSWORD_URL", &self.reset_password_url),
            ("ACTIVATE_URL", &self.activate_url),
            ("AWS_ENDPOINT_URL", &self.endpoint_url),
        ];
        vars.extend(optional.into_iter().filter_map(|(name, value)| Some((name, value.clone()?))));
        if let Some(key) = &self.link_key {
            vars.push(("LINK_KEY", key.expose().to_owned()));
        }
        vars
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variables_of_a_configuration_read_back_as_the_same_configuration() {
        let mut config = crate::app::tests::config();
        config.endpoint_url = Some("http://127.0.0.1:5000".into());
        let vars = config.to_vars();

        let read = Config::from_vars(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())).unwrap();
        let missing = Config::from_vars(|name| (name != "USER_POOL_ID").then(|| "x".repeat(40))).unwrap_err();

        assert_eq!(format!("{read:?}"), format!("{config:?}"));
        assert_eq!(read.link_key.map(|k| k.expose().to_owned()), config.link_key.map(|k| k.expose().to_owned()));
        assert!(missing.to_string().contains("USER_POOL_ID must be set"), "{missing}");
    }
}
