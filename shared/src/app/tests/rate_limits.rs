//! Rate limits: fixed windows per limit and key.

use secrecy::SecretString;

use super::{Harness, sign_up_form};
use crate::app::login::{LoginForm, login};
use crate::app::{AppError, signup};
use crate::domain::account::Role;

fn login_form(email: &str, password: &str) -> LoginForm {
    LoginForm { email: Some(email.into()), password: Some(SecretString::from(password)) }
}

#[tokio::test]
async fn after_ten_failed_logins_to_one_account_the_next_is_refused_even_with_the_right_password() {
    // Arrange
    let h = Harness::new();
    h.account("ada@acme-widgets.com", Role::Customer).await;
    h.account("grace@acme-widgets.com", Role::Customer).await;
    for _ in 0..10 {
        let wrong = login(&h.app, login_form("ada@acme-widgets.com", "not the password at all"), "198.51.100.1").await;
        assert!(matches!(wrong, Err(AppError::InvalidCredentials)), "{wrong:?}");
    }

    // Act
    let right = login(&h.app, login_form("ada@acme-widgets.com", super::PASSWORD), "198.51.100.1").await;
    let other = login(&h.app, login_form("grace@acme-widgets.com", super::PASSWORD), "198.51.100.1").await;

    // Assert: the account is limited, not the address
    assert!(matches!(right, Err(AppError::RateLimited)), "{right:?}");
    assert!(other.is_ok(), "{other:?}");
}

#[tokio::test]
async fn sign_ups_are_limited_per_client_address() {
    // Arrange: thirty sign-ups from one address in the hour
    let h = Harness::new();
    for i in 0..30 {
        signup::sign_up(&h.app, &sign_up_form(&format!("person{i}@acme-widgets.com")), "203.0.113.5").await.unwrap();
    }

    // Act
    let limited = signup::sign_up(&h.app, &sign_up_form("late@acme-widgets.com"), "203.0.113.5").await;
    let elsewhere = signup::sign_up(&h.app, &sign_up_form("late@acme-widgets.com"), "203.0.113.6").await;

    // Assert
    assert!(matches!(limited, Err(AppError::RateLimited)), "{limited:?}");
    assert!(elsewhere.is_ok(), "{elsewhere:?}");
}
