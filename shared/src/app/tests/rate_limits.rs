//! Rate limits: fixed windows per limit and key, counted so that a stranger cannot use them
//! against an account's owner.

use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::{Harness, sign_up_form};
use crate::app::login::{LoginForm, login};
use crate::app::{AppError, passwords, signup};
use crate::domain::account::Role;

const OWNER: &str = "ada@acme-widgets.com";
const STRANGER_ADDRESS: &str = "203.0.113.66";
const OWNER_ADDRESS: &str = "198.51.100.1";

fn login_form(email: &str, password: &str) -> LoginForm {
    LoginForm { email: Some(email.into()), password: Some(SecretString::from(password)) }
}

#[tokio::test]
async fn a_stranger_failing_logins_is_blocked_from_its_address_but_never_keeps_the_owner_out() {
    // Arrange: a stranger guesses the owner's password ten times from one address
    let h = Harness::new();
    h.account(OWNER, Role::Customer).await;
    for _ in 0..10 {
        let wrong = login(&h.app, login_form(OWNER, "not the password at all"), STRANGER_ADDRESS).await;
        assert!(matches!(wrong, Err(AppError::InvalidCredentials)), "{wrong:?}");
    }

    // Act
    let stranger_again = login(&h.app, login_form(OWNER, super::PASSWORD), STRANGER_ADDRESS).await;
    let owner = login(&h.app, login_form(OWNER, super::PASSWORD), OWNER_ADDRESS).await;

    // Assert: the stranger's address is refused for this account (even with the right
    // password); the owner logs in from their own
    assert!(matches!(stranger_again, Err(AppError::RateLimited)), "{stranger_again:?}");
    assert!(owner.is_ok(), "{owner:?}");
}

#[tokio::test]
async fn failures_of_an_account_from_many_addresses_slow_it_down_without_locking_it() {
    // Arrange: failures from four addresses, two each, so no (account, address) is blocked
    let h = Harness::new();
    h.account(OWNER, Role::Customer).await;
    for n in 0..8 {
        let address = format!("203.0.113.{}", n / 2);
        let wrong = login(&h.app, login_form(OWNER, "not the password at all"), &address).await;
        assert!(matches!(wrong, Err(AppError::InvalidCredentials)), "{wrong:?}");
    }

    // Act
    let started = Instant::now();
    let owner = login(&h.app, login_form(OWNER, super::PASSWORD), OWNER_ADDRESS).await;

    // Assert: it got through, after a wait (8 failures: 400 ms)
    assert!(owner.is_ok(), "{owner:?}");
    assert!(started.elapsed() >= Duration::from_millis(400), "waited {:?}", started.elapsed());
}

#[tokio::test]
async fn successful_logins_count_nothing() {
    let h = Harness::new();
    h.account(OWNER, Role::Customer).await;
    let from = h.journal.entries().len();

    for _ in 0..12 {
        assert!(login(&h.app, login_form(OWNER, super::PASSWORD), OWNER_ADDRESS).await.is_ok());
    }

    assert!(h.journal_since(from, &["store.count_and_queue"]).is_empty());
}

#[tokio::test]
async fn a_stranger_asking_for_reset_links_cannot_get_the_owner_refused_or_flood_the_inbox() {
    // Arrange: a stranger asks for the owner's reset link eight times, from two addresses
    let h = Harness::new();
    h.account(OWNER, Role::Customer).await;
    let mut stranger = Vec::new();
    for n in 0..8 {
        let address = if n < 5 { STRANGER_ADDRESS } else { "203.0.113.67" };
        stranger.push(passwords::forgot_password(&h.app, Some(OWNER), address).await.is_ok());
    }

    // Act: the owner asks from their own address
    let owner = passwords::forgot_password(&h.app, Some(OWNER), OWNER_ADDRESS).await;

    // Assert: the owner is answered as anyone; the inbox got five reset emails this hour
    assert!(stranger.iter().all(|ok| *ok), "{stranger:?}");
    assert!(owner.is_ok(), "{owner:?}");
    let resets = h.subjects_to(OWNER).await.into_iter().filter(|s| s.starts_with("Reset")).count();
    assert_eq!(resets, 5);
    let sixth_from_stranger = passwords::forgot_password(&h.app, Some(OWNER), STRANGER_ADDRESS).await;
    assert!(matches!(sixth_from_stranger, Err(AppError::RateLimited)), "{sixth_from_stranger:?}");
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

#[tokio::test]
async fn account_exists_notices_are_limited_per_address_and_day() {
    // Arrange: the address has an account
    let h = Harness::new();
    h.account(OWNER, Role::Customer).await;

    // Act: five sign-ups with it, from five addresses
    for n in 0..5 {
        let answer = signup::sign_up(&h.app, &sign_up_form(OWNER), &format!("203.0.113.{n}")).await;
        assert!(answer.is_ok(), "{answer:?}");
    }

    // Assert: three notices, and no request
    let notices = h.subjects_to(OWNER).await.into_iter().filter(|s| s.starts_with("Someone tried")).count();
    assert_eq!(notices, signup::NOTICES_PER_ADDRESS.max as usize);
    assert_eq!(h.app.store.count_pending_requests().await.unwrap(), 0);
}
