//! The adapters an App holds (`crate::app::App`'s fields have the types defined here).
//!
//! In every build but the `portal` crate's own unit tests, they are the AWS adapters
//! themselves (a [`Port`] where a function may leave a service unwired), so that each call
//! is static and the linker keeps only the adapter methods, and with them the SDK
//! operations, that the function's code reaches. Behind `dyn` ports it would keep them all:
//! a trait object's vtable names every method of the adapter, so a login binary carried the
//! quote and catalog writes and every Cognito operation. The unit tests hold `dyn` ports, to
//! put the in-memory fakes in their place; the local stack holds a `dyn` mailer, to record
//! what SES accepted.

use anyhow::anyhow;
use async_trait::async_trait;
use secrecy::SecretString;

use crate::domain::ids::UserId;
use crate::http::routes::Service;
use crate::ports::{
    CreateUserError, Email, EmailSender, IdentityProvider, LoginError, MfaError, Refreshed, SignIn, TokenError,
    TokenVerifier, Tokens, VerifiedToken,
};

#[cfg(not(test))]
pub use deployed::*;
#[cfg(test)]
pub use unit_tests::*;

/// The types of the adapters an App holds (see the module docs), and their constructors.
#[cfg(not(test))]
mod deployed {
    use std::sync::Arc;

    use super::{Port, Unwired};
    use crate::adapters::{cognito, dynamo, jwt, ses};

    pub type Store = dynamo::DynamoStore;
    pub type Identity = Port<cognito::Identity>;
    pub type Verifier = Port<jwt::Verifier>;
    /// The local stack records what SES accepted, through its own mailer.
    #[cfg(not(feature = "local"))]
    pub type Mailer = Port<ses::Mailer>;
    #[cfg(feature = "local")]
    pub type Mailer = dyn crate::ports::EmailSender;

    pub fn store(store: dynamo::DynamoStore) -> Arc<Store> {
        Arc::new(store)
    }

    pub fn identity(identity: cognito::Identity) -> Arc<Identity> {
        Arc::new(Port::Wired(identity))
    }

    pub fn mailer(mailer: ses::Mailer) -> Arc<Mailer> {
        #[cfg(not(feature = "local"))]
        return Arc::new(Port::Wired(mailer));
        #[cfg(feature = "local")]
        Arc::new(mailer)
    }

    pub fn verifier(verifier: jwt::Verifier) -> Arc<Verifier> {
        Arc::new(Port::Wired(verifier))
    }

    pub fn unwired_identity(unwired: Unwired) -> Arc<Identity> {
        Arc::new(Port::Unwired(unwired))
    }

    pub fn unwired_mailer(unwired: Unwired) -> Arc<Mailer> {
        #[cfg(not(feature = "local"))]
        return Arc::new(Port::Unwired(unwired));
        #[cfg(feature = "local")]
        Arc::new(unwired)
    }

    pub fn unwired_verifier(unwired: Unwired) -> Arc<Verifier> {
        Arc::new(Port::Unwired(unwired))
    }
}

/// The types of the adapters an App holds in the unit tests: ports, for the fakes.
#[cfg(test)]
mod unit_tests {
    use std::sync::Arc;

    use super::Unwired;
    use crate::adapters::{cognito, dynamo, jwt, ses};

    pub type Store = dyn crate::ports::Store;
    pub type Identity = dyn crate::ports::IdentityProvider;
    pub type Verifier = dyn crate::ports::TokenVerifier;
    pub type Mailer = dyn crate::ports::EmailSender;

    pub fn store(store: dynamo::DynamoStore) -> Arc<Store> {
        Arc::new(store)
    }

    pub fn identity(identity: cognito::Identity) -> Arc<Identity> {
        Arc::new(identity)
    }

    pub fn mailer(mailer: ses::Mailer) -> Arc<Mailer> {
        Arc::new(mailer)
    }

    pub fn verifier(verifier: jwt::Verifier) -> Arc<Verifier> {
        Arc::new(verifier)
    }

    pub fn unwired_identity(unwired: Unwired) -> Arc<Identity> {
        Arc::new(unwired)
    }

    pub fn unwired_mailer(unwired: Unwired) -> Arc<Mailer> {
        Arc::new(unwired)
    }

    pub fn unwired_verifier(unwired: Unwired) -> Arc<Verifier> {
        Arc::new(unwired)
    }
}

/// An adapter, or the [`Unwired`] stand-in of a service the function's row leaves out.
pub enum Port<T> {
    Wired(T),
    Unwired(Unwired),
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

/// Each call goes to the adapter, or fails as the stand-in does.
macro_rules! to_port {
    ($port:expr, $method:ident($($arg:expr),*)) => {
        match $port {
            Port::Wired(adapter) => adapter.$method($($arg),*).await,
            Port::Unwired(unwired) => unwired.$method($($arg),*).await,
        }
    };
}

#[async_trait]
impl<T: IdentityProvider> IdentityProvider for Port<T> {
    async fn create_user(&self, email: &str) -> Result<UserId, CreateUserError> {
        to_port!(self, create_user(email))
    }

    async fn set_password(&self, email: &str, password: &str) -> anyhow::Result<()> {
        to_port!(self, set_password(email, password))
    }

    async fn login(&self, email: &str, password: &SecretString) -> Result<SignIn, LoginError> {
        to_port!(self, login(email, password))
    }

    async fn answer_mfa(&self, email: &str, session: &SecretString, code: &str) -> Result<Tokens, MfaError> {
        to_port!(self, answer_mfa(email, session, code))
    }

    async fn start_totp(&self, access_token: &SecretString) -> Result<SecretString, MfaError> {
        to_port!(self, start_totp(access_token))
    }

    async fn enable_totp(&self, email: &str, access_token: &SecretString, code: &str) -> Result<(), MfaError> {
        to_port!(self, enable_totp(email, access_token, code))
    }

    async fn totp_enabled(&self, email: &str) -> anyhow::Result<bool> {
        to_port!(self, totp_enabled(email))
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Refreshed, LoginError> {
        to_port!(self, refresh(refresh_token))
    }

    async fn sign_out_everywhere(&self, email: &str) -> anyhow::Result<()> {
        to_port!(self, sign_out_everywhere(email))
    }

    async fn set_enabled(&self, email: &str, enabled: bool) -> anyhow::Result<()> {
        to_port!(self, set_enabled(email, enabled))
    }
}

#[async_trait]
impl<T: EmailSender> EmailSender for Port<T> {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        to_port!(self, send(email))
    }
}

#[async_trait]
impl<T: TokenVerifier> TokenVerifier for Port<T> {
    async fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        to_port!(self, verify(token))
    }
}
