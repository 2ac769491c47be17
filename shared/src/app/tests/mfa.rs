//! Two-step sign-in: a user with TOTP on answers a challenge with its code; an admin
//! without TOTP enrols before it gets a session; a wrong code is a failed login; a
//! challenge opens one login, of its own user.

use secrecy::{ExposeSecret as _, SecretString};

use super::{Harness, PASSWORD};
use crate::app::AppError;
use crate::app::login::{Challenge, LoginForm, LoginStep, login};
use crate::app::mfa::{self, EnableForm, MfaForm};
use crate::domain::account::Role;
use crate::domain::mfa::{ChallengeKind, totp_at};

const ADMIN: &str = "ops@portal.example";
const CUSTOMER: &str = "ada@acme-widgets.com";
const ADDRESS: &str = "198.51.100.20";

fn form(email: &str) -> LoginForm {
    LoginForm { email: Some(email.into()), password: Some(SecretString::from(PASSWORD)) }
}

async fn challenge_of(h: &Harness, email: &str) -> Challenge {
    match login(&h.app, form(email), ADDRESS).await {
        Ok(LoginStep::Challenge(challenge)) => challenge,
        other => panic!("expected a challenge, got {other:?}"),
    }
}

fn answer(challenge: &Challenge, code: &str) -> MfaForm {
    MfaForm { challenge_session: Some(challenge.token.expose().to_owned()), code: Some(code.to_owned()) }
}

/// A code that is not `right`.
fn wrong_code(right: &str) -> String {
    if right == "000000" { "111111".into() } else { "000000".into() }
}

#[tokio::test]
async fn an_admin_without_totp_gets_an_enrolment_challenge_and_no_session() {
    let h = Harness::new();
    h.account(ADMIN, Role::Admin).await;

    let challenge = challenge_of(&h, ADMIN).await;

    assert_eq!(challenge.kind, ChallengeKind::MfaSetup);
    let setup = challenge.setup.as_ref().expect("a secret to enrol");
    assert!(setup.uri.starts_with("otpauth://totp/Partner%20Portal:ops%40portal.example?secret="), "{}", setup.uri);
    assert!(setup.uri.contains(setup.secret.expose_secret()));
    assert!(h.journal_since(0, &["store.start_login"]).is_empty(), "no login is recorded before the enrolment");
}

#[tokio::test]
async fn an_admin_enrols_with_a_code_of_the_new_secret_then_every_login_asks_for_a_code() {
    let h = Harness::new();
    h.account(ADMIN, Role::Admin).await;
    let challenge = challenge_of(&h, ADMIN).await;
    let secret = challenge.setup.as_ref().unwrap().secret.expose_secret().to_owned();
    let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap();

    let session = mfa::complete_login(&h.app, answer(&challenge, &totp_at(&secret, now).unwrap()), ADDRESS).await;

    let session = session.expect("the enrolment opens the session");
    assert_eq!(session.user.email, ADMIN);
    assert!(h.pool.user(ADMIN).unwrap().totp.is_some(), "TOTP is on");
    assert_eq!(h.journal_since(0, &["store.start_login"]).len(), 1);
    let next = challenge_of(&h, ADMIN).await;
    assert_eq!(next.kind, ChallengeKind::MfaCode);
    assert!(next.setup.is_none(), "a later login shows no secret");
    assert!(h.answer(&next, ADMIN, ADDRESS).await.is_ok());
}

#[tokio::test]
async fn a_customer_without_totp_logs_in_with_its_password_alone() {
    let h = Harness::new();
    h.account(CUSTOMER, Role::Customer).await;

    assert!(matches!(login(&h.app, form(CUSTOMER), ADDRESS).await, Ok(LoginStep::Session(_))));
}

#[tokio::test]
async fn a_customer_turns_totp_on_from_its_account_and_then_logs_in_with_a_code() {
    // Arrange
    let h = Harness::new();
    let customer = h.account(CUSTOMER, Role::Customer).await;
    let access = h.sign_in(CUSTOMER, ADDRESS).await;
    assert!(!mfa::totp_status(&h.app, &customer).await.unwrap());

    // Act
    let setup = mfa::start_enrolment(&h.app, &customer, &access).await.unwrap();
    let wrong_one = wrong_code(&h.pool.current_code(CUSTOMER).unwrap());
    let wrong = mfa::enable(&h.app, &customer, &access, EnableForm { code: Some(wrong_one) }).await;
    let code = h.pool.current_code(CUSTOMER).unwrap();
    mfa::enable(&h.app, &customer, &access, EnableForm { code: Some(code) }).await.unwrap();

    // Assert
    assert!(setup.uri.contains("issuer=Partner%20Portal"));
    assert!(matches!(wrong, Err(AppError::Validation(_))), "{wrong:?}");
    assert!(mfa::totp_status(&h.app, &customer).await.unwrap());
    let again = mfa::start_enrolment(&h.app, &customer, &access).await;
    assert!(matches!(again, Err(AppError::Conflict { code: "totp_already_on", .. })), "{again:?}");
    let code = h.pool.current_code(CUSTOMER).unwrap();
    let twice = mfa::enable(&h.app, &customer, &access, EnableForm { code: Some(code) }).await;
    assert!(matches!(twice, Err(AppError::Conflict { code: "totp_already_on", .. })), "{twice:?}");
    assert_eq!(challenge_of(&h, CUSTOMER).await.kind, ChallengeKind::MfaCode);
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_counted_as_a_failed_login() {
    let h = Harness::new();
    h.account(ADMIN, Role::Admin).await;
    h.sign_in(ADMIN, ADDRESS).await; // enrols
    let challenge = challenge_of(&h, ADMIN).await;
    let right = h.pool.current_code(ADMIN).unwrap();
    let from = h.journal.entries().len();

    let refused = mfa::complete_login(&h.app, answer(&challenge, &wrong_code(&right)), ADDRESS).await;

    assert!(matches!(refused, Err(AppError::WrongMfaCode)), "{refused:?}");
    assert_eq!(h.journal_since(from, &["store.count_and_queue"]).len(), 1, "one failure counted");
    // The same challenge still takes the right code, as Cognito's session does.
    assert!(h.answer(&challenge, ADMIN, ADDRESS).await.is_ok());
}

#[tokio::test]
async fn wrong_codes_reach_the_same_limit_as_wrong_passwords() {
    let h = Harness::new();
    h.account(ADMIN, Role::Admin).await;
    h.sign_in(ADMIN, ADDRESS).await;
    let challenge = challenge_of(&h, ADMIN).await;
    for _ in 0..10 {
        let right = h.pool.current_code(ADMIN).unwrap();
        let _ = mfa::complete_login(&h.app, answer(&challenge, &wrong_code(&right)), ADDRESS).await;
    }

    let right_code = h.answer(&challenge, ADMIN, ADDRESS).await;
    let password = login(&h.app, form(ADMIN), ADDRESS).await;

    assert!(matches!(right_code, Err(AppError::RateLimited)), "{right_code:?}");
    assert!(matches!(password, Err(AppError::RateLimited)), "{password:?}");
}

#[tokio::test]
async fn a_challenge_opens_one_login_of_its_own_user() {
    let h = Harness::new();
    h.account(ADMIN, Role::Admin).await;
    h.account(CUSTOMER, Role::Customer).await;
    let challenge = challenge_of(&h, ADMIN).await;
    // The challenge alone names the login: a request cannot point it at another user.
    let theirs = h.pool.current_code(ADMIN).unwrap();

    let first = h.answer(&challenge, ADMIN, ADDRESS).await.expect("the first answer logs in");
    let replayed = mfa::complete_login(&h.app, answer(&challenge, &theirs), ADDRESS).await;

    assert_eq!(first.user.email, ADMIN);
    assert!(matches!(replayed, Err(AppError::ChallengeEnded)), "{replayed:?}");
    let forged = MfaForm { challenge_session: Some("A".repeat(43)), code: Some(theirs) };
    assert!(matches!(mfa::complete_login(&h.app, forged, ADDRESS).await, Err(AppError::ChallengeEnded)));
}

#[tokio::test]
async fn a_password_reset_between_the_password_and_the_code_ends_that_login() {
    let h = Harness::new();
    let admin = h.account(ADMIN, Role::Admin).await;
    h.sign_in(ADMIN, ADDRESS).await;
    let challenge = challenge_of(&h, ADMIN).await;
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    h.app.store.end_sessions(&admin.user.user_id, super::super::now_ms(), None).await.unwrap();

    let late = h.answer(&challenge, ADMIN, ADDRESS).await;

    assert!(matches!(late, Err(AppError::InvalidCredentials)), "{late:?}");
}

#[tokio::test]
async fn the_code_must_be_six_digits_and_a_partner_acting_as_a_customer_cannot_change_its_totp() {
    let h = Harness::new();
    h.account(ADMIN, Role::Admin).await;
    let challenge = challenge_of(&h, ADMIN).await;
    let bad = mfa::complete_login(&h.app, answer(&challenge, "12a456"), ADDRESS).await;
    assert!(matches!(bad, Err(AppError::Validation(_))), "{bad:?}");

    let partner = h.account("pat@pat-resellers.com", Role::Partner).await;
    let mut acting = h.account(CUSTOMER, Role::Customer).await;
    acting.actor = Some(partner.user);
    assert!(matches!(mfa::start_enrolment(&h.app, &acting, "token").await, Err(AppError::Forbidden)));
    assert!(matches!(mfa::totp_status(&h.app, &acting).await, Err(AppError::Forbidden)));
}
