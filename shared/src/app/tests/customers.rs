//! Managed customers: steps that touch Cognito and the table finish their job when retried
//! after failing halfway, and each change is audited in the write that makes it.

use secrecy::SecretString;

use super::{Harness, PASSWORD};
use crate::app::customers::{self, CreateCustomerForm, ManagedCustomer, UpdateCustomerForm};
use crate::app::login::{LoginForm, LoginStep, login};
use crate::app::{AppError, Caller, authenticate};
use crate::domain::account::{Role, UserStatus};
use crate::domain::records::EmailOwner;
use crate::ports::IdentityProvider as _;

const CUSTOMER: &str = "bill@initech-corp.com";

fn create_form(status: &str) -> CreateCustomerForm {
    CreateCustomerForm {
        business_name: Some("Initech".into()),
        first_name: Some("Bill".into()),
        last_name: Some("Lumbergh".into()),
        email: Some(CUSTOMER.into()),
        status: Some(status.into()),
    }
}

/// A partner and an active customer it manages, whose password is set.
async fn partner_and_customer(h: &Harness) -> (Caller, ManagedCustomer) {
    let partner = h.account("pat@pat-resellers.com", Role::Partner).await;
    let customer = customers::create(&h.app, &partner, &create_form("activated")).await.unwrap();
    h.pool.set_password(CUSTOMER, PASSWORD).await.unwrap();
    (partner, customer)
}

fn lock() -> UpdateCustomerForm {
    UpdateCustomerForm { status: Some("locked".into()), ..UpdateCustomerForm::default() }
}

fn unlock() -> UpdateCustomerForm {
    UpdateCustomerForm { status: Some("activated".into()), ..UpdateCustomerForm::default() }
}

fn log_in_form() -> LoginForm {
    LoginForm { email: Some(CUSTOMER.into()), password: Some(SecretString::from(PASSWORD)) }
}

#[tokio::test]
async fn locking_a_customer_disables_and_signs_it_out_in_cognito_then_records_it_with_its_audit_event() {
    // Arrange: the customer is signed in
    let h = Harness::new();
    let (partner, customer) = partner_and_customer(&h).await;
    let session = h.sign_in(CUSTOMER, "198.51.100.7").await;
    assert!(authenticate(&h.app, Some(&session)).await.is_ok());
    let from = h.journal.entries().len();

    // Act
    let locked = customers::update(&h.app, &partner, customer.business.business_id.as_ref(), &lock()).await.unwrap();

    // Assert: Cognito first, then one write with the status, the session cut-off and the
    // audit event (no audit event written on its own)
    assert_eq!(locked.user.status, UserStatus::Locked);
    let mut cognito = h.journal_since(from, &["identity."]);
    cognito.sort();
    assert_eq!(cognito, ["identity.set_enabled false", "identity.sign_out_everywhere"]);
    assert_eq!(h.journal_since(from, &["store."]), ["store.set_user_status Locked"]);
    assert_eq!(h.journal.entries().last().map(String::as_str), Some("store.set_user_status Locked"));
    assert!(matches!(authenticate(&h.app, Some(&session)).await, Err(AppError::Unauthenticated)));
    let in_pool = h.pool.user(CUSTOMER).unwrap();
    assert!(!in_pool.enabled);
    assert_eq!(in_pool.sign_outs, 1);
    let trail = h.app.store.list_audit(&customer.business.business_id, None, 10).await.unwrap().unwrap();
    assert_eq!(trail.items.first().map(|e| e.action.as_str()), Some("customer_status_changed"));
}

#[tokio::test]
async fn a_lock_retried_after_cognito_failed_disables_and_signs_out_the_customer() {
    // Arrange
    let h = Harness::new();
    let (partner, customer) = partner_and_customer(&h).await;
    let business = customer.business.business_id.to_string();
    h.pool.fail("set_enabled");

    // Act: the first attempt fails in Cognito
    let first = customers::update(&h.app, &partner, &business, &lock()).await;

    // Assert: a 503, and the table unchanged (no step half done that a retry would skip)
    assert!(matches!(first, Err(AppError::Unavailable(_))), "{first:?}");
    let stored = h.app.store.get_user(&customer.user.user_id).await.unwrap().unwrap();
    assert_eq!(stored.status, UserStatus::Active);

    // Act: Cognito works again and the partner retries
    h.pool.recover("set_enabled");
    let retried = customers::update(&h.app, &partner, &business, &lock()).await.unwrap();

    // Assert: the retry did the whole job
    assert_eq!(retried.user.status, UserStatus::Locked);
    let in_pool = h.pool.user(CUSTOMER).unwrap();
    assert!(!in_pool.enabled);
    assert!(in_pool.sign_outs >= 1);
    assert!(matches!(login(&h.app, log_in_form(), "198.51.100.7").await, Err(AppError::InvalidCredentials)));
    let trail = h.app.store.list_audit(&customer.business.business_id, None, 10).await.unwrap().unwrap();
    assert_eq!(trail.items.iter().filter(|e| e.action == "customer_status_changed").count(), 1);
}

#[tokio::test]
async fn unlocking_enables_the_user_in_cognito_before_the_table_lets_it_in() {
    let h = Harness::new();
    let (partner, customer) = partner_and_customer(&h).await;
    let business = customer.business.business_id.to_string();
    customers::update(&h.app, &partner, &business, &lock()).await.unwrap();
    let from = h.journal.entries().len();

    let unlocked = customers::update(&h.app, &partner, &business, &unlock()).await.unwrap();

    assert_eq!(unlocked.user.status, UserStatus::Active);
    assert_eq!(
        h.journal_since(from, &["store.set_user_status", "identity."]),
        ["identity.set_enabled true", "store.set_user_status Active"]
    );
    // A login begun within the millisecond of the lock counts as before it.
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let logged_in = login(&h.app, log_in_form(), "198.51.100.7").await;
    assert!(logged_in.is_ok(), "{logged_in:?}");
}

#[tokio::test]
async fn creating_a_locked_customer_again_after_cognito_failed_to_disable_it_finishes_the_job() {
    // Arrange: the account is written, then disabling it fails
    let h = Harness::new();
    let partner = h.account("pat@pat-resellers.com", Role::Partner).await;
    h.pool.fail("set_enabled");
    let first = customers::create(&h.app, &partner, &create_form("locked")).await;
    assert!(matches!(first, Err(AppError::Unavailable(_))), "{first:?}");
    assert!(h.pool.user(CUSTOMER).unwrap().enabled, "not disabled yet");

    // Act: the partner sends the same request again
    h.pool.recover("set_enabled");
    let retried = customers::create(&h.app, &partner, &create_form("locked")).await;

    // Assert: one customer, disabled, one creation in its trail
    let retried = retried.unwrap();
    assert_eq!(retried.user.status, UserStatus::Locked);
    assert!(!h.pool.user(CUSTOMER).unwrap().enabled);
    assert_eq!(
        h.journal.matching("store.create_managed_customer"),
        ["store.create_managed_customer", "store.create_managed_customer -> EmailTaken"]
    );
    let customers_of = h.app.store.list_customers(&partner.user.business_id, None, 10).await.unwrap().unwrap();
    assert_eq!(customers_of.items.len(), 1);
    assert_eq!(customers_of.items[0].customer_id, retried.business.business_id);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_answers_with_the_customer_it_made_when_sent_again() {
    let h = Harness::new();
    let partner = h.account("pat@pat-resellers.com", Role::Partner).await;
    h.store.lose_next_answer("create_managed_customer");
    let first = customers::create(&h.app, &partner, &create_form("activated")).await;
    assert!(matches!(first, Err(AppError::Unavailable(_))), "{first:?}");

    let again = customers::create(&h.app, &partner, &create_form("activated")).await.unwrap();

    let stored = h.app.store.get_user(&again.user.user_id).await.unwrap().unwrap();
    assert_eq!(stored.business_id, again.business.business_id);
    assert_eq!(h.app.store.list_customers(&partner.user.business_id, None, 10).await.unwrap().unwrap().items.len(), 1);
}

#[tokio::test]
async fn an_address_held_by_someone_else_is_still_taken() {
    // Arrange: the address belongs to another partner's customer
    let h = Harness::new();
    let (_, _) = partner_and_customer(&h).await;
    let other = h.account("olga@other-partners.com", Role::Partner).await;

    // Act
    let taken = customers::create(&h.app, &other, &create_form("locked")).await;

    // Assert: a 409, and the holder's Cognito user untouched
    assert!(matches!(taken, Err(AppError::Conflict { code: "email_taken", .. })), "{taken:?}");
    assert!(h.pool.user(CUSTOMER).unwrap().enabled);
}

#[tokio::test]
async fn editing_a_customer_and_starting_an_impersonation_record_their_audit_events_in_the_same_write() {
    let h = Harness::new();
    let (partner, customer) = partner_and_customer(&h).await;
    let business = customer.business.business_id.to_string();
    let from = h.journal.entries().len();

    let rename = UpdateCustomerForm { business_name: Some("Initrode".into()), ..UpdateCustomerForm::default() };
    customers::update(&h.app, &partner, &business, &rename).await.unwrap();
    customers::start_impersonation(&h.app, &partner, &business, "an access token").await.unwrap();

    assert_eq!(
        h.journal_since(from, &["store."]),
        ["store.update_customer_details", "store.start_impersonation"],
        "no audit event on its own"
    );
    let trail = h.app.store.list_audit(&customer.business.business_id, None, 10).await.unwrap().unwrap();
    let actions: Vec<&str> = trail.items.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"customer_updated") && actions.contains(&"impersonation_started"), "{actions:?}");
}

#[tokio::test]
async fn names_with_invisible_formatting_characters_are_refused() {
    let h = Harness::new();
    let partner = h.account("pat@pat-resellers.com", Role::Partner).await;
    let mut form = create_form("activated");
    form.first_name = Some("Bill\u{202E}".into());

    let refused = customers::create(&h.app, &partner, &form).await;

    let Err(AppError::Validation(errors)) = refused else { panic!("{refused:?}") };
    assert!(errors.get("first_name").unwrap().contains("invisible formatting characters"));
}

#[tokio::test]
async fn a_login_after_the_partner_renamed_the_customer_shows_the_new_names_and_renews_the_card() {
    // Arrange: the customer logged in once (from the card its account was created with),
    // then its partner changed its first name and its business's name
    let h = Harness::new();
    let (partner, customer) = partner_and_customer(&h).await;
    let LoginStep::Session(before) = login(&h.app, log_in_form(), "198.51.100.7").await.unwrap() else {
        panic!("a session");
    };
    let renamed = UpdateCustomerForm {
        first_name: Some("William".into()),
        business_name: Some("Initech Global".into()),
        ..UpdateCustomerForm::default()
    };
    customers::update(&h.app, &partner, customer.business.business_id.as_ref(), &renamed).await.unwrap();
    let from = h.journal.entries().len();

    // Act
    let LoginStep::Session(after) = login(&h.app, log_in_form(), "198.51.100.7").await.unwrap() else {
        panic!("a session");
    };
    let LoginStep::Session(again) = login(&h.app, log_in_form(), "198.51.100.7").await.unwrap() else {
        panic!("a session");
    };

    // Assert: the card's check refused the first write, so the login read the account and
    // wrote its card anew; the next login answers from the new card
    assert_eq!(
        (before.user.shown.first_name.as_str(), before.user.shown.business_name.as_deref()),
        ("Bill", Some("Initech"))
    );
    for session in [&after, &again] {
        assert_eq!(session.user.shown.first_name, "William");
        assert_eq!(session.user.shown.business_name.as_deref(), Some("Initech Global"));
    }
    assert_eq!(
        h.journal_since(from, &["store.start_login"]),
        ["store.start_login -> SessionsEnded", "store.start_login", "store.start_login"]
    );
    let Some(EmailOwner::User { card: Some(card), .. }) = h.app.store.email_owner(CUSTOMER).await.unwrap() else {
        panic!("a card on the marker");
    };
    assert_eq!((card.first_name.as_str(), card.business_name.as_deref()), ("William", Some("Initech Global")));
}

#[tokio::test]
async fn a_customer_locked_after_its_card_was_written_is_refused_at_login() {
    // Arrange
    let h = Harness::new();
    let (partner, customer) = partner_and_customer(&h).await;
    assert!(matches!(login(&h.app, log_in_form(), "198.51.100.7").await, Ok(LoginStep::Session(_))));
    customers::update(&h.app, &partner, customer.business.business_id.as_ref(), &lock()).await.unwrap();
    // Cognito still takes the password (as in the moment before it is disabled)
    h.pool.set_enabled(CUSTOMER, true).await.unwrap();

    // Act
    let refused = login(&h.app, log_in_form(), "198.51.100.7").await;

    // Assert: the card still names the customer, but the write's check on the user refuses
    assert!(matches!(refused, Err(AppError::InvalidCredentials)), "{refused:?}");
}
