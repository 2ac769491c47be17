//! Login with business email and password. Every failure (unknown address, wrong password,
//! an account not yet active or locked) gives the same answer.

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::{App, AppError, Limit, enforce_limits};
use crate::domain::account::{Role, UserStatus};
use crate::domain::email::normalize_login_email;
use crate::domain::password::MAX_PASSWORD_CHARS;
use crate::domain::records::User;
use crate::ports::{LoginError, Tokens};

const LOGINS_PER_ADDRESS: Limit = Limit { name: "login-ip", max: 50, window_secs: 900 };
const LOGINS_PER_ACCOUNT: Limit = Limit { name: "login-email", max: 10, window_secs: 900 };

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub email: Option<String>,
    pub password: Option<SecretString>,
}

/// A session and where the user interface should land.
#[derive(Debug)]
pub struct Session {
    pub tokens: Tokens,
    pub role: Role,
    /// The account that logged in.
    pub user: User,
}

#[tracing::instrument(name = "Log in", skip_all)]
pub async fn login(app: &App, form: LoginForm, client_ip: &str) -> Result<Session, AppError> {
    let email = form.email.as_deref().and_then(normalize_login_email);
    enforce_limits(app, &[(LOGINS_PER_ADDRESS, client_ip), (LOGINS_PER_ACCOUNT, email.as_deref().unwrap_or("-"))])
        .await?;
    let (Some(email), Some(password)) = (email, form.password) else {
        return Err(AppError::InvalidCredentials);
    };
    // No password of the portal is longer (set-password refuses it), and Cognito refuses an
    // over-long one with an error that is not "wrong password": answer as for one.
    if password.expose_secret().chars().count() > MAX_PASSWORD_CHARS {
        return Err(AppError::InvalidCredentials);
    }
    let tokens = match app.identity.login(&email, &password).await {
        Ok(tokens) => tokens,
        Err(LoginError::InvalidCredentials) => return Err(AppError::InvalidCredentials),
        Err(LoginError::Unexpected(e)) => return Err(AppError::Unavailable(e)),
    };
    match app.store.user_by_email(&email).await? {
        Some(user) if user.status == UserStatus::Active => {
            tracing::info!(user_id = %user.user_id, "Logged in");
            Ok(Session { tokens, role: user.role, user })
        }
        _ => Err(AppError::InvalidCredentials),
    }
}
