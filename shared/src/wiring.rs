//! Wiring: the [`App`] of one function, holding the adapters of exactly the services its row
//! of the function table ([`crate::http::routes::FUNCTIONS`]) lists.
//!
//! A Lambda binary links the code of an adapter only if it constructs it (the use cases reach
//! every port through `Arc<dyn ...>`), so a function that never calls SES or Cognito should
//! never build their clients. Each `main.rs` names its services with [`Wiring`]'s methods
//! (`.table()`, `.identity()`, `.mail()`, `.tokens()`), and [`Wiring::build`] refuses to start
//! when they differ from the function's row. The local stack builds every function's App from
//! the same row ([`for_function`]) and puts an [`Unwired`] stand-in where the row lists no
//! service, so the end-to-end tests fail when a handler reaches a service its function is not
//! wired to.

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::{anyhow, bail};
use async_trait::async_trait;
use aws_config::SdkConfig;
use secrecy::SecretString;

use crate::adapters::cognito::Identity;
use crate::adapters::dynamo::DynamoStore;
use crate::adapters::jwt::Verifier;
use crate::adapters::ses::Mailer;
use crate::app::App;
use crate::config::Config;
use crate::domain::ids::UserId;
use crate::http::routes::{self, Service};
use crate::ports::{
    CreateUserError, Email, EmailSender, IdentityProvider, LoginError, MfaError, Refreshed, SignIn, Store, TokenError,
    TokenVerifier, Tokens, VerifiedToken,
};

type Build<T> = fn(&Config, &SdkConfig) -> Arc<T>;

/// The services a function's `main` wires, checked against its row when built.
#[must_use = "nothing is wired until `build` runs"]
pub struct Wiring {
    function: &'static str,
    store: Option<Build<dyn Store>>,
    identity: Option<Build<dyn IdentityProvider>>,
    mailer: Option<Build<dyn EmailSender>>,
    tokens: Option<fn(&Config) -> Verifier>,
}

impl Wiring {
    /// Starts the wiring of the function named like its binary.
    pub fn new(function: &'static str) -> Self {
        Self { function, store: None, identity: None, mailer: None, tokens: None }
    }

    /// The table (DynamoDB). Every App holds it.
    pub fn table(mut self) -> Self {
        self.store = Some(|config, sdk| Arc::new(dynamo(config, sdk)));
        self
    }

    /// The identity provider (Cognito).
    pub fn identity(mut self) -> Self {
        self.identity = Some(|config, sdk| Arc::new(cognito(config, sdk)));
        self
    }

    /// The mailer (SES).
    pub fn mail(mut self) -> Self {
        self.mailer = Some(|config, sdk| Arc::new(Mailer::new(aws_sdk_sesv2::Client::new(sdk), &config.email_from)));
        self
    }

    /// The access-token verifier (the user pool's JWKS, fetched while the SDK loads).
    pub fn tokens(mut self) -> Self {
        self.tokens = Some(verifier);
        self
    }

    fn services(&self) -> BTreeSet<Service> {
        [
            (self.store.is_some(), Service::Table),
            (self.identity.is_some(), Service::Identity),
            (self.mailer.is_some(), Service::Mail),
            (self.tokens.is_some(), Service::Tokens),
        ]
        .into_iter()
        .filter_map(|(wired, service)| wired.then_some(service))
        .collect()
    }

    /// Reads the environment and the AWS configuration (region, credentials, and
    /// `AWS_ENDPOINT_URL` against the emulator) and meanwhile fetches the user pool's keys
    /// if the function verifies tokens, so that no request waits for them; then builds the
    /// wired adapters.
    ///
    /// # Errors
    /// When the wired services are not those of the function's row, when the table is not
    /// wired (every App holds it), or when a required variable is missing.
    pub async fn build(self) -> anyhow::Result<App> {
        let wired = self.services();
        let listed: BTreeSet<Service> = routes::services_of(self.function)
            .ok_or_else(|| anyhow!("shared/src/http/routes.rs has no row for the function {}", self.function))?
            .iter()
            .copied()
            .collect();
        if wired != listed {
            bail!(
                "the function {} wires {wired:?} but its row in shared/src/http/routes.rs lists {listed:?}",
                self.function
            );
        }
        let Some(store) = self.store else {
            bail!("the function {} wires no table: every App holds one", self.function);
        };
        let config = Config::from_env()?;
        let verifier = self.tokens.map(|build| build(&config));
        let prefetch = async {
            if let Some(verifier) = &verifier {
                verifier.prefetch().await;
            }
        };
        let (sdk, ()) = tokio::join!(aws_config::load_from_env(), prefetch);
        let unwired = |service| Arc::new(Unwired { function: self.function, service });
        Ok(App {
            store: store(&config, &sdk),
            identity: match self.identity {
                Some(build) => build(&config, &sdk),
                None => unwired(Service::Identity),
            },
            mailer: match self.mailer {
                Some(build) => build(&config, &sdk),
                None => unwired(Service::Mail),
            },
            verifier: match verifier {
                Some(verifier) => Arc::new(verifier),
                None => unwired(Service::Tokens),
            },
            catalog: Arc::default(),
            config,
        })
    }
}

fn dynamo(config: &Config, sdk: &SdkConfig) -> DynamoStore {
    DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.table_name)
}

fn cognito(config: &Config, sdk: &SdkConfig) -> Identity {
    Identity::new(aws_sdk_cognitoidentityprovider::Client::new(sdk), &config.user_pool_id, &config.user_pool_client_id)
}

fn verifier(config: &Config) -> Verifier {
    Verifier::new(config.jwks_url(), config.issuer(), config.user_pool_client_id.clone())
}

/// The App of `function` as its row wires it, taken from the adapters of `full`: each
/// service the row does not list is [`Unwired`]. `None` for a function that uses no service
/// (its handler takes no App) or that has no row.
pub fn for_function(function: &'static str, full: &App) -> Option<App> {
    let services = routes::services_of(function)?;
    let uses = |service| services.contains(&service);
    if !uses(Service::Table) {
        return None;
    }
    let unwired = |service| Arc::new(Unwired { function, service });
    Some(App {
        config: full.config.clone(),
        store: full.store.clone(),
        identity: if uses(Service::Identity) { full.identity.clone() } else { unwired(Service::Identity) },
        mailer: if uses(Service::Mail) { full.mailer.clone() } else { unwired(Service::Mail) },
        verifier: if uses(Service::Tokens) { full.verifier.clone() } else { unwired(Service::Tokens) },
        // One copy for every function of the process (deployed, each function keeps its own
        // and sees another's change within `CATALOG_TTL`).
        catalog: full.catalog.clone(),
    })
}

/// The stand-in for a service a function is not wired to: every call fails, naming the
/// function and the service, so that the mistake shows in the first test that reaches it.
#[derive(Debug, Clone, Copy)]
pub struct Unwired {
    pub function: &'static str,
    pub service: Service,
}

impl Unwired {
    fn error(&self) -> anyhow::Error {
        anyhow!(
            "the function {} is not wired to {} (its row in shared/src/http/routes.rs and its main.rs leave it out)",
            self.function,
            self.service
        )
    }
}

#[async_trait]
impl IdentityProvider for Unwired {
    async fn create_user(&self, _email: &str) -> Result<UserId, CreateUserError> {
        Err(CreateUserError::Unexpected(self.error()))
    }

    async fn set_password(&self, _email: &str, _password: &str) -> anyhow::Result<()> {
        Err(self.error())
    }

    async fn login(&self, _email: &str, _password: &SecretString) -> Result<SignIn, LoginError> {
        Err(LoginError::Unexpected(self.error()))
    }

    async fn answer_mfa(&self, _email: &str, _session: &SecretString, _code: &str) -> Result<Tokens, MfaError> {
        Err(MfaError::Unexpected(self.error()))
    }

    async fn start_totp(&self, _access_token: &SecretString) -> Result<SecretString, MfaError> {
        Err(MfaError::Unexpected(self.error()))
    }

    async fn enable_totp(&self, _email: &str, _access_token: &SecretString, _code: &str) -> Result<(), MfaError> {
        Err(MfaError::Unexpected(self.error()))
    }

    async fn totp_enabled(&self, _email: &str) -> anyhow::Result<bool> {
        Err(self.error())
    }

    async fn refresh(&self, _refresh_token: &str) -> Result<Refreshed, LoginError> {
        Err(LoginError::Unexpected(self.error()))
    }

    async fn sign_out_everywhere(&self, _email: &str) -> anyhow::Result<()> {
        Err(self.error())
    }

    async fn set_enabled(&self, _email: &str, _enabled: bool) -> anyhow::Result<()> {
        Err(self.error())
    }
}

#[async_trait]
impl EmailSender for Unwired {
    async fn send(&self, _email: &Email) -> anyhow::Result<()> {
        Err(self.error())
    }
}

#[async_trait]
impl TokenVerifier for Unwired {
    async fn verify(&self, _token: &str) -> Result<VerifiedToken, TokenError> {
        Err(TokenError::Unexpected(self.error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wiring_other_services_than_the_row_is_refused_before_anything_is_read() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();

        let missing = runtime.block_on(Wiring::new("login").table().build()).err().unwrap();
        let extra = runtime.block_on(Wiring::new("catalog").table().tokens().mail().build()).err().unwrap();
        let unknown = runtime.block_on(Wiring::new("no-such-function").table().build()).err().unwrap();

        assert!(missing.to_string().contains("login wires {Table} but its row"), "{missing}");
        assert!(extra.to_string().contains("catalog wires {Table, Mail, Tokens}"), "{extra}");
        assert!(unknown.to_string().contains("no row for the function no-such-function"), "{unknown}");
    }

    #[test]
    fn a_function_without_a_table_has_no_app() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();

        let error = runtime.block_on(Wiring::new("health").build()).err().unwrap();

        assert!(error.to_string().contains("wires no table"), "{error}");
    }

    #[tokio::test]
    async fn an_unwired_service_answers_an_error_naming_the_function_and_the_service() {
        let unwired = Unwired { function: "sign-up", service: Service::Identity };

        let error = unwired.set_password("jane@acme.com", "pw").await.unwrap_err();
        let verify = Unwired { function: "login", service: Service::Tokens }.verify("token").await;

        assert!(error.to_string().contains("sign-up is not wired to Cognito"), "{error}");
        assert!(matches!(verify, Err(TokenError::Unexpected(e)) if e.to_string().contains("login is not wired")));
    }
}
