//! Use cases: one module per workflow step. They speak in domain types and call the ports
//! ([`crate::ports`]) that [`App`] holds; no SDK type appears here. Each step returns
//! [`AppError`], which the HTTP edge turns into a status in one place.

pub mod approvals;
pub mod audit;
pub mod businesses;
pub mod catalog;
pub mod customers;
pub mod dashboard;
pub mod dashboard_products;
pub mod dead_letters;
pub mod login;
pub mod mfa;
pub mod outbox;
pub mod partners;
pub mod passwords;
pub mod session;
pub mod signup;

use std::sync::Arc;

use aws_config::SdkConfig;
use time::OffsetDateTime;

use crate::adapters::cognito::Identity;
use crate::adapters::dynamo::DynamoStore;
use crate::adapters::held;
use crate::adapters::jwt::Verifier;
use crate::adapters::ses::Mailer;
use crate::config::Config;
use crate::domain::account::{Role, UserStatus};
use crate::domain::fields::FieldErrors;
use crate::domain::limits::{Hit, Rule};
use crate::domain::records::User;
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{BadCursor, Conflict, TokenError, Wanted, WriteError};

/// Everything a handler needs, built once per cold start and shared by every invocation:
/// the configuration, the ports the use cases call (the adapters themselves outside the unit
/// tests: [`held`]), and what the function keeps in memory between invocations (the catalog).
pub struct App {
    pub config: Config,
    pub store: Arc<held::Store>,
    pub identity: Arc<held::Identity>,
    pub mailer: Arc<held::Mailer>,
    pub verifier: Arc<held::Verifier>,
    pub catalog: Arc<catalog::CatalogCache>,
}

impl App {
    /// Every adapter (DynamoDB, Cognito, SES, the pool's JWKS), with the SDK clients built
    /// from the shared AWS configuration: for the tools and tests that act on a whole stack.
    /// A Lambda function builds only the adapters it uses (`crate::wiring`), so that it links
    /// no other client.
    pub fn new(config: Config, sdk: &SdkConfig) -> Self {
        let verifier = Verifier::new(config.jwks_url(), config.issuer(), config.user_pool_client_id.clone());
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &config.table_name);
        let identity = Identity::new(
            aws_sdk_cognitoidentityprovider::Client::new(sdk),
            &config.user_pool_id,
            &config.user_pool_client_id,
        );
        let mailer = Mailer::new(aws_sdk_sesv2::Client::new(sdk), &config.email_from);
        Self {
            config,
            store: held::store(store),
            identity: held::identity(identity),
            mailer: held::mailer(mailer),
            verifier: held::verifier(verifier),
            catalog: Arc::default(),
        }
    }

    /// Every adapter, from the environment and the AWS configuration (region, credentials,
    /// and `AWS_ENDPOINT_URL` against the emulator): for the operator's tool (`portal-admin`).
    ///
    /// # Errors
    /// When a required variable is missing.
    pub async fn from_env() -> anyhow::Result<Self> {
        let config = Config::from_env()?;
        let sdk = aws_config::load_from_env().await;
        Ok(Self::new(config, &sdk))
    }
}

/// What is wrong with an email link, in the words the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkProblem {
    #[error("This link is not valid. Please use the latest link we emailed you.")]
    Unknown,
    #[error("This link has already been used.")]
    Used,
    #[error("This link has expired. Please ask for a new one.")]
    Expired,
    #[error("This invitation was withdrawn by the customer who sent it.")]
    Revoked,
    #[error("This link was replaced by a newer one. Please use the latest link we emailed you.")]
    Replaced,
    #[error(
        "This link no longer works because the account's password was changed after it was sent. \
         If you need a new password, use \"Don't remember your password?\" on the login page."
    )]
    Superseded,
}

/// The outcome of every use case that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("some fields are not valid")]
    Validation(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in with a valid access token")]
    Unauthenticated,
    #[error("the email address or password is incorrect")]
    InvalidCredentials,
    /// The second step of a login with a code that is not the authenticator app's.
    #[error("the authentication code is incorrect")]
    WrongMfaCode,
    /// The second step of a login with an unknown, used or expired challenge.
    #[error("this sign-in attempt has expired or was already used; please log in again")]
    ChallengeEnded,
    /// A refresh or logout without a live session: never logged in, expired, logged out,
    /// or ended by a password reset or a lock.
    #[error("your session has ended; please log in again")]
    SessionEnded,
    #[error("this action is not allowed for your account")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{0}")]
    Link(LinkProblem),
    #[error("this impersonation session has ended or expired; start a new one")]
    ImpersonationInvalid,
    #[error("too many attempts; wait a few minutes and try again")]
    RateLimited,
    /// A dependency (DynamoDB, Cognito, SES, the JWKS) failed.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[from] anyhow::Error),
}

impl AppError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict { code, message: message.into() }
    }
}

impl From<WriteError> for AppError {
    fn from(e: WriteError) -> Self {
        match e {
            // A limit reached between a step's read and its write.
            WriteError::Conflict(Conflict::RateLimited) => Self::RateLimited,
            WriteError::Conflict(conflict) => {
                Self::Unavailable(anyhow::anyhow!("unexpected write conflict: {conflict}"))
            }
            WriteError::Unexpected(e) => Self::Unavailable(e),
        }
    }
}

impl From<BadCursor> for AppError {
    fn from(_: BadCursor) -> Self {
        Self::BadRequest("The cursor is not valid; start again without it.".into())
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

/// The signed-in user a request acts for: verified token, then the stored account.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Whose permissions apply: the token's user, or the customer being impersonated.
    pub user: User,
    /// The partner acting as `user` during an impersonation ("log in as customer").
    pub actor: Option<User>,
}

impl Caller {
    /// Refuses the call unless the caller has `role`.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        if self.user.role == role { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// Turns a verified access token into a caller. The token's login (its `origin_jti`) must
/// be one the portal recorded, for this user, begun after the user's sessions were last
/// ended (a password change, a lock, a logout: compared in milliseconds of the portal's own
/// clock, never the token's whole-second `iat`), and the account must be active. The user
/// and the login are read together, in one round trip.
pub async fn authenticate(app: &App, bearer: Option<&str>) -> Result<Caller, AppError> {
    let token = bearer.ok_or(AppError::Unauthenticated)?;
    let verified = match app.verifier.verify(token).await {
        Ok(v) => v,
        Err(TokenError::Invalid) => return Err(AppError::Unauthenticated),
        Err(TokenError::Unexpected(e)) => return Err(AppError::Unavailable(e)),
    };
    let session = verified.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let found =
        app.store.look_up(&Wanted { user: Some(&verified.user_id), login: Some(session), ..Wanted::default() }).await?;
    let (Some(user), Some(login)) = (found.user, found.login) else {
        return Err(AppError::Unauthenticated);
    };
    if user.status != UserStatus::Active || !login.admits(&user, now()) {
        return Err(AppError::Unauthenticated);
    }
    Ok(Caller { user, actor: None })
}

/// Bounded hits, now, on each rule for its key: a write refused once any rule is at its
/// maximum (two racing requests cannot both take the last one).
pub fn bounded_hits(limits: &[(Rule, &str)]) -> Vec<Hit> {
    let now_secs = now().unix_timestamp();
    limits.iter().map(|(rule, key)| rule.hit(rule.counter(key, now_secs))).collect()
}

/// Counts a hit on every limit in one write, refused (and nothing counted) once any is at
/// its maximum.
pub async fn enforce_limits(app: &App, limits: &[(Rule, &str)]) -> Result<(), AppError> {
    match app.store.count_and_queue(&bounded_hits(limits), &[]).await {
        Ok(()) => Ok(()),
        Err(WriteError::Conflict(Conflict::RateLimited)) => {
            tracing::warn!(limits = ?limits.iter().map(|(rule, _)| rule.name).collect::<Vec<_>>(), "Rate limit reached");
            Err(AppError::RateLimited)
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
pub(crate) mod tests;

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Now, in Unix milliseconds: the portal's own clock for credential and session times.
pub(crate) fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
