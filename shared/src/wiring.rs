//! Wiring: the [`App`] of one function, holding the adapters of exactly the services its row
//! of the function table ([`crate::http::routes::FUNCTIONS`]) lists.
//!
//! A Lambda binary links the code of an adapter only if it constructs it, so a function that
//! never calls SES or Cognito never builds their clients. Each `main.rs` names its services
//! with [`Wiring`]'s methods (`.table()`, `.identity()`, `.mail()`, `.tokens()`), and
//! [`Wiring::build`] refuses to start when they differ from the function's row. The local
//! stack builds every function's App from the same row ([`for_function`]) and puts an
//! [`Unwired`] stand-in where the row lists no service, so the end-to-end tests fail when a
//! handler reaches a service its function is not wired to. The App holds the adapters
//! themselves, not trait objects ([`crate::adapters::held`]), so each binary links only the
//! adapter methods and SDK operations its code calls.

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::{anyhow, bail};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::config::SharedCredentialsProvider;

use crate::adapters::cognito::Identity;
use crate::adapters::dynamo::DynamoStore;
use crate::adapters::held;
pub use crate::adapters::held::{Port, Unwired};
use crate::adapters::jwt::Verifier;
use crate::adapters::ses::Mailer;
use crate::app::App;
use crate::config::Config;
use crate::http::routes::{self, Service};

type Build<T> = fn(&Config, &SdkConfig) -> Arc<T>;

/// The services a function's `main` wires, checked against its row when built.
#[must_use = "nothing is wired until `build` runs"]
pub struct Wiring {
    function: &'static str,
    store: Option<Build<held::Store>>,
    identity: Option<Build<held::Identity>>,
    mailer: Option<Build<held::Mailer>>,
    tokens: Option<fn(&Config) -> Verifier>,
}

impl Wiring {
    /// Starts the wiring of the function named like its binary.
    pub fn new(function: &'static str) -> Self {
        Self { function, store: None, identity: None, mailer: None, tokens: None }
    }

    /// The table (DynamoDB). Every App holds it.
    pub fn table(mut self) -> Self {
        self.store = Some(|config, sdk| held::store(dynamo(config, sdk)));
        self
    }

    /// The identity provider (Cognito).
    pub fn identity(mut self) -> Self {
        self.identity = Some(|config, sdk| held::identity(cognito(config, sdk)));
        self
    }

    /// The mailer (SES).
    pub fn mail(mut self) -> Self {
        self.mailer =
            Some(|config, sdk| held::mailer(Mailer::new(aws_sdk_sesv2::Client::new(sdk), &config.email_from)));
        self
    }

    /// The access-token verifier (the user pool's JWKS, fetched at init).
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

    /// Reads the environment (the stack's names, and the region, credentials and, against
    /// the emulator, `AWS_ENDPOINT_URL` the SDK configuration is built from:
    /// [`lambda_sdk_config`]), fetches the user pool's keys if the function verifies tokens,
    /// so that no request waits for them, and builds the wired adapters.
    ///
    /// # Errors
    /// When the wired services are not those of the function's row, when the table is not
    /// wired (every App holds it), or when a required variable (credentials included) is
    /// missing.
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
        let sdk = lambda_sdk_config(&config, |name| std::env::var(name).ok())?;
        let verifier = self.tokens.map(|build| build(&config));
        let unwired = |service| Unwired { function: self.function, service };
        // The clients are built while the keys' fetch waits on the network (polled first,
        // it has sent its request when the clients' construction runs).
        let (_, (store, identity, mailer)) = tokio::join!(
            async {
                if let Some(verifier) = &verifier {
                    verifier.prefetch().await;
                }
            },
            async {
                let identity = match self.identity {
                    Some(build) => build(&config, &sdk),
                    None => held::unwired_identity(unwired(Service::Identity)),
                };
                let mailer = match self.mailer {
                    Some(build) => build(&config, &sdk),
                    None => held::unwired_mailer(unwired(Service::Mail)),
                };
                (store(&config, &sdk), identity, mailer)
            },
        );
        Ok(App {
            store,
            identity,
            mailer,
            verifier: match verifier {
                Some(verifier) => held::verifier(verifier),
                None => held::unwired_verifier(unwired(Service::Tokens)),
            },
            catalog: Arc::default(),
            config,
        })
    }
}

/// The SDK configuration of a Lambda function, from what Lambda puts in its environment
/// (`var` reads it): the execution role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, fixed for the life of the process), and the
/// region and, against an emulator, the endpoint of `config`. The SDK clients add their
/// defaults (retries, timeouts, the HTTPS client).
///
/// Not `aws_config::load_from_env`: its default chains (profile files, IMDS, the container
/// endpoint, STS web identity and role assumption) find nothing more in Lambda, cost init
/// time, and are compiled into every binary whatever they find (0.7 MB of each function).
///
/// # Errors
/// When the credentials are missing: Lambda always sets them; a function run by hand
/// (`cargo lambda watch`) needs them exported.
pub fn lambda_sdk_config(config: &Config, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<SdkConfig> {
    let var = |name| var(name).filter(|v| !v.is_empty());
    let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) else {
        bail!(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set: Lambda sets them for the function's role; \
             export them to run a function by hand"
        );
    };
    let credentials = Credentials::new(key, secret, var("AWS_SESSION_TOKEN"), None, "environment");
    let mut sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(config.region.clone()))
        .credentials_provider(SharedCredentialsProvider::new(credentials));
    if let Some(endpoint) = &config.endpoint_url {
        sdk = sdk.endpoint_url(endpoint);
    }
    Ok(sdk.build())
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
    let unwired = |service| Unwired { function, service };
    Some(App {
        config: full.config.clone(),
        store: full.store.clone(),
        identity: if uses(Service::Identity) {
            full.identity.clone()
        } else {
            held::unwired_identity(unwired(Service::Identity))
        },
        mailer: if uses(Service::Mail) { full.mailer.clone() } else { held::unwired_mailer(unwired(Service::Mail)) },
        verifier: if uses(Service::Tokens) {
            full.verifier.clone()
        } else {
            held::unwired_verifier(unwired(Service::Tokens))
        },
        // One copy for every function of the process (deployed, each function keeps its own
        // and sees another's change within `CATALOG_TTL`).
        catalog: full.catalog.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{IdentityProvider as _, TokenError, TokenVerifier as _};

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
    async fn a_function_takes_its_region_endpoint_and_credentials_from_the_environment_lambda_gives_it() {
        use aws_sdk_dynamodb::config::ProvideCredentials as _;
        let config = crate::app::tests::config();
        fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
            move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        }
        const LAMBDA: &[(&str, &str)] =
            &[("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret"), ("AWS_SESSION_TOKEN", "tok")];

        let sdk = lambda_sdk_config(&config, env(LAMBDA)).unwrap();
        let credentials = sdk.credentials_provider().unwrap().provide_credentials().await.unwrap();
        let mut emulated = config.clone();
        emulated.endpoint_url = Some("http://127.0.0.1:5000".into());
        let against_emulator = lambda_sdk_config(&emulated, env(LAMBDA)).unwrap();
        let missing = lambda_sdk_config(&config, env(&[("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")])).unwrap_err();
        let empty = lambda_sdk_config(&config, env(&[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "s")]));

        assert_eq!(sdk.region().map(ToString::to_string).as_deref(), Some("us-east-1"));
        assert_eq!(sdk.endpoint_url(), None);
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.session_token(), Some("tok"));
        assert_eq!(against_emulator.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert!(missing.to_string().contains("AWS_SECRET_ACCESS_KEY must be set"), "{missing}");
        assert!(empty.is_err());
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
