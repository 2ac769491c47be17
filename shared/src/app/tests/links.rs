//! Email links: a password link is redeemed once (one claim wins), its expiry is checked on
//! every read (DynamoDB's TTL deletes expired items days late), a failure halfway gives it
//! back, and a password change kills every link minted before it.

use secrecy::SecretString;
use serde_json::json;

use super::{Harness, PASSWORD, sign_up_form, token_in_last_email};
use crate::app::partners::{self, InviteForm};
use crate::app::passwords::{self, PasswordForm};
use crate::app::{AppError, LinkProblem, authenticate, outbox, signup};
use crate::domain::account::{Role, UserStatus};
use crate::domain::records::EmailKind;
use crate::domain::token::{LinkToken, TokenPurpose};

const RESET: &str = "Reset your Partner Portal password";
const CHANGED: &str = "Your Partner Portal password was changed";
const NEW_PASSWORD: &str = "amber lantern quietly folds";

fn password_form(token: &str, password: &str) -> PasswordForm {
    PasswordForm {
        token: Some(token.to_owned()),
        password: Some(SecretString::from(password)),
        confirm_password: Some(SecretString::from(password)),
    }
}

fn form_of(link: &LinkToken) -> PasswordForm {
    password_form(link.expose(), PASSWORD)
}

#[tokio::test]
async fn two_concurrent_redemptions_of_one_link_set_the_password_once() {
    // Arrange: an approved customer that has not set a password yet
    let h = Harness::new();
    let caller = h.account_without_password("ada@acme-widgets.com", Role::Customer).await;
    let user = caller.user.user_id.clone();
    let link = h.link(TokenPurpose::SetPassword, &user, 3600).await;
    let form = form_of(&link);
    let from = h.journal.entries().len();

    // Act: both submissions read the link as unused before either claims it
    let (a, b) = tokio::join!(
        passwords::redeem_password_link(&h.app, TokenPurpose::SetPassword, &form, "198.51.100.1"),
        passwords::redeem_password_link(&h.app, TokenPurpose::SetPassword, &form, "198.51.100.2"),
    );

    // Assert: one wins; the other is told the link was used; the password was set once
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    let lost = if a.is_ok() { b } else { a };
    assert!(matches!(lost, Err(AppError::Link(LinkProblem::Used))), "{lost:?}");
    let mut claims = h.journal_since(from, &["store.claim_token"]);
    claims.sort();
    assert_eq!(claims, ["store.claim_token", "store.claim_token -> LinkUsed"]);
    assert_eq!(h.journal_since(from, &["identity.set_password"]).len(), 1);
    assert_eq!(h.app.store.get_user(&user).await.unwrap().unwrap().status, UserStatus::Active);
}

#[tokio::test]
async fn an_expired_link_is_refused_on_read_although_it_is_still_stored() {
    // Arrange: a link that expired a second ago (TTL has not deleted it)
    let h = Harness::new();
    let caller = h.account("ada@acme-widgets.com", Role::Customer).await;
    let link = h.link(TokenPurpose::ResetPassword, &caller.user.user_id, -1).await;
    let from = h.journal.entries().len();

    // Act
    let opened = passwords::open_link(&h.app, TokenPurpose::ResetPassword, Some(link.expose())).await;
    let redeemed =
        passwords::redeem_password_link(&h.app, TokenPurpose::ResetPassword, &form_of(&link), "198.51.100.1").await;

    // Assert: both say "expired"; nothing was written and no password was set
    assert!(matches!(opened, Err(AppError::Link(LinkProblem::Expired))), "{opened:?}");
    assert!(matches!(redeemed, Err(AppError::Link(LinkProblem::Expired))), "{redeemed:?}");
    assert!(!h.app.store.get_token(&link.hash()).await.unwrap().unwrap().used);
    assert!(h.journal_since(from, &["store.", "identity.set_password"]).is_empty());
}

#[tokio::test]
async fn a_link_of_another_purpose_is_unknown() {
    let h = Harness::new();
    let caller = h.account("ada@acme-widgets.com", Role::Customer).await;
    let link = h.link(TokenPurpose::ResetPassword, &caller.user.user_id, 3600).await;

    let opened = passwords::open_link(&h.app, TokenPurpose::SetPassword, Some(link.expose())).await;

    assert!(matches!(opened, Err(AppError::Link(LinkProblem::Unknown))), "{opened:?}");
}

#[tokio::test]
async fn a_password_change_that_cognito_refuses_gives_the_link_back_for_a_retry() {
    // Arrange
    let h = Harness::new();
    let caller = h.account("ada@acme-widgets.com", Role::Customer).await;
    let link = h.link(TokenPurpose::ResetPassword, &caller.user.user_id, 3600).await;
    h.pool.fail("set_password");

    // Act
    let failed =
        passwords::redeem_password_link(&h.app, TokenPurpose::ResetPassword, &form_of(&link), "198.51.100.1").await;

    // Assert: a 503, and the same request then succeeds
    assert!(matches!(failed, Err(AppError::Unavailable(_))), "{failed:?}");
    let token = h.app.store.get_token(&link.hash()).await.unwrap().unwrap();
    assert!(!token.used && !token.is_claimed(crate::app::now_ms()), "released: {token:?}");
    h.pool.recover("set_password");
    let retried =
        passwords::redeem_password_link(&h.app, TokenPurpose::ResetPassword, &form_of(&link), "198.51.100.1").await;
    assert!(retried.is_ok(), "{retried:?}");
    assert!(h.app.store.get_token(&link.hash()).await.unwrap().unwrap().used);
}

#[tokio::test]
async fn a_redemption_whose_last_answer_is_lost_after_it_was_recorded_reports_success() {
    // Arrange: the last write commits, but its answer never comes back
    let h = Harness::new();
    let caller = h.account_without_password("ada@acme-widgets.com", Role::Customer).await;
    let link = h.link(TokenPurpose::SetPassword, &caller.user.user_id, 3600).await;
    let store = h.store.clone();
    store.lose_next_answer("complete_password_change");

    // Act
    let redeemed =
        passwords::redeem_password_link(&h.app, TokenPurpose::SetPassword, &form_of(&link), "198.51.100.1").await;

    // Assert: the release finds the token used by this redemption, so it succeeded
    assert!(redeemed.is_ok(), "{redeemed:?}");
    assert_eq!(
        h.journal.matching("store.complete_password_change"),
        ["store.complete_password_change", "store.complete_password_change (answer lost)"]
    );
    assert_eq!(h.journal.matching("store.release_token"), ["store.release_token -> AlreadyReleased"]);
    let user = h.app.store.get_user(&caller.user.user_id).await.unwrap().unwrap();
    assert_eq!(user.status, UserStatus::Active);
    assert!(user.has_password());
}

#[tokio::test]
async fn using_one_of_two_reset_links_kills_the_other() {
    // Arrange: two reset links asked for, one after the other
    let h = Harness::new();
    let caller = h.account("ada@acme-widgets.com", Role::Customer).await;
    passwords::forgot_password(&h.app, Some("ada@acme-widgets.com"), "198.51.100.1").await.unwrap();
    let first = token_in_last_email(&h, "ada@acme-widgets.com", "token").await;
    passwords::forgot_password(&h.app, Some("ada@acme-widgets.com"), "198.51.100.1").await.unwrap();
    let second = token_in_last_email(&h, "ada@acme-widgets.com", "token").await;
    assert_ne!(first, second);

    // Act: the first is used, then the second is tried
    let used = passwords::redeem_password_link(
        &h.app,
        TokenPurpose::ResetPassword,
        &password_form(&first, NEW_PASSWORD),
        "198.51.100.1",
    )
    .await;
    let older = passwords::redeem_password_link(
        &h.app,
        TokenPurpose::ResetPassword,
        &password_form(&second, PASSWORD),
        "198.51.100.1",
    )
    .await;

    // Assert: the second link died with the password change; the new password holds
    assert!(used.is_ok(), "{used:?}");
    assert!(matches!(older, Err(AppError::Link(LinkProblem::Superseded))), "{older:?}");
    assert_eq!(h.pool.user("ada@acme-widgets.com").unwrap().password.as_deref(), Some(NEW_PASSWORD));
    let subjects = h.subjects_to("ada@acme-widgets.com").await;
    assert_eq!(subjects, [RESET, RESET, CHANGED]);
    assert!(h.app.store.get_user(&caller.user.user_id).await.unwrap().unwrap().has_password());
}

#[tokio::test]
async fn a_set_password_link_minted_before_a_reset_no_longer_works() {
    // Arrange: an approved customer's set-password link, and a reset done before it is used
    let h = Harness::new();
    let caller = h.account_without_password("ada@acme-widgets.com", Role::Customer).await;
    let set_link = h.link(TokenPurpose::SetPassword, &caller.user.user_id, 3600).await;
    passwords::forgot_password(&h.app, Some("ada@acme-widgets.com"), "198.51.100.1").await.unwrap();
    let reset = token_in_last_email(&h, "ada@acme-widgets.com", "token").await;
    passwords::redeem_password_link(
        &h.app,
        TokenPurpose::ResetPassword,
        &password_form(&reset, NEW_PASSWORD),
        "198.51.100.1",
    )
    .await
    .unwrap();

    // Act
    let late =
        passwords::redeem_password_link(&h.app, TokenPurpose::SetPassword, &form_of(&set_link), "198.51.100.1").await;

    // Assert
    assert!(matches!(late, Err(AppError::Link(LinkProblem::Superseded))), "{late:?}");
    assert_eq!(h.pool.user("ada@acme-widgets.com").unwrap().password.as_deref(), Some(NEW_PASSWORD));
}

#[tokio::test]
async fn a_set_password_link_for_an_account_that_has_a_password_acts_as_a_reset() {
    // Arrange: an active customer, signed in, and a set-password link minted for it
    let h = Harness::new();
    let caller = h.account("ada@acme-widgets.com", Role::Customer).await;
    let session = h.sign_in("ada@acme-widgets.com", "198.51.100.1").await;
    let link = outbox::password_link(&h.app, TokenPurpose::SetPassword, &caller.user, Some("Acme"))
        .expect("a link page is configured");
    let message = outbox::message(&h.app, &caller.user.email, EmailKind::Approved, json!({}), Some(link)).unwrap();
    h.app.store.put_outbox(&message).await.unwrap();
    let token = token_in_last_email(&h, "ada@acme-widgets.com", "token").await;
    let from = h.journal.entries().len();

    // Act
    let redeemed = passwords::redeem_password_link(
        &h.app,
        TokenPurpose::SetPassword,
        &password_form(&token, NEW_PASSWORD),
        "198.51.100.1",
    )
    .await;

    // Assert: the other sessions ended, in Cognito and in the table, and the person was told
    assert!(redeemed.is_ok(), "{redeemed:?}");
    assert_eq!(h.journal_since(from, &["identity."]).len(), 2);
    assert_eq!(h.pool.user("ada@acme-widgets.com").unwrap().sign_outs, 1);
    assert!(matches!(authenticate(&h.app, Some(&session)).await, Err(AppError::Unauthenticated)));
    assert_eq!(h.subjects_to("ada@acme-widgets.com").await.last().map(String::as_str), Some(CHANGED));
}

#[tokio::test]
async fn a_first_password_neither_signs_anyone_out_nor_sends_a_notice() {
    let h = Harness::new();
    let caller = h.account_without_password("ada@acme-widgets.com", Role::Customer).await;
    let link = h.link(TokenPurpose::SetPassword, &caller.user.user_id, 3600).await;
    let from = h.journal.entries().len();

    passwords::redeem_password_link(&h.app, TokenPurpose::SetPassword, &form_of(&link), "198.51.100.1").await.unwrap();

    assert_eq!(h.journal_since(from, &["identity."]), ["identity.set_password"]);
    assert!(h.subjects_to("ada@acme-widgets.com").await.is_empty());
}

#[tokio::test]
async fn a_reset_ends_a_login_made_within_the_same_second() {
    // Arrange: a login, and a reset redeemed at once (whole-second `iat` would not tell them
    // apart)
    let h = Harness::new();
    h.account("ada@acme-widgets.com", Role::Customer).await;
    let session = h.sign_in("ada@acme-widgets.com", "198.51.100.1").await;
    passwords::forgot_password(&h.app, Some("ada@acme-widgets.com"), "198.51.100.1").await.unwrap();
    let reset = token_in_last_email(&h, "ada@acme-widgets.com", "token").await;
    assert!(authenticate(&h.app, Some(&session)).await.is_ok());

    // Act
    passwords::redeem_password_link(
        &h.app,
        TokenPurpose::ResetPassword,
        &password_form(&reset, NEW_PASSWORD),
        "198.51.100.1",
    )
    .await
    .unwrap();

    // Assert: the login before the reset is over; a login after it works
    assert!(matches!(authenticate(&h.app, Some(&session)).await, Err(AppError::Unauthenticated)));
    assert_eq!(h.pool.user("ada@acme-widgets.com").unwrap().sign_outs, 1);
}

#[tokio::test]
async fn a_locked_account_s_link_is_refused_and_stays_unused() {
    let h = Harness::new();
    let caller = h.account_without_password("ada@acme-widgets.com", Role::Customer).await;
    let link = h.link(TokenPurpose::Activation, &caller.user.user_id, 3600).await;
    let audit =
        crate::app::audit::event(&caller.user.business_id, &caller.user, None, "customer_status_changed", json!({}));
    h.app
        .store
        .set_user_status(&caller.user.user_id, caller.user.status, UserStatus::Locked, None, &audit)
        .await
        .unwrap();

    let refused =
        passwords::redeem_password_link(&h.app, TokenPurpose::Activation, &form_of(&link), "198.51.100.1").await;

    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    assert!(!h.app.store.get_token(&link.hash()).await.unwrap().unwrap().used);
    assert!(h.journal.matching("identity.set_password").is_empty());
}

#[tokio::test]
async fn made_up_tokens_are_counted_and_limited_per_address() {
    let h = Harness::new();
    for _ in 0..30 {
        let made_up = LinkToken::generate();
        let answer =
            passwords::redeem_password_link(&h.app, TokenPurpose::ResetPassword, &form_of(&made_up), "203.0.113.7")
                .await;
        assert!(matches!(answer, Err(AppError::Link(LinkProblem::Unknown))), "{answer:?}");
    }

    let limited = passwords::redeem_password_link(
        &h.app,
        TokenPurpose::ResetPassword,
        &form_of(&LinkToken::generate()),
        "203.0.113.7",
    )
    .await;
    let elsewhere = passwords::redeem_password_link(
        &h.app,
        TokenPurpose::ResetPassword,
        &form_of(&LinkToken::generate()),
        "203.0.113.8",
    )
    .await;

    assert!(matches!(limited, Err(AppError::RateLimited)), "{limited:?}");
    assert!(matches!(elsewhere, Err(AppError::Link(LinkProblem::Unknown))), "{elsewhere:?}");
}

#[tokio::test]
async fn two_sign_ups_through_one_invitation_at_once_store_one_request() {
    // Arrange: a customer invites a partner, whose invitation link carries a token
    let h = Harness::new();
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;
    let invite: InviteForm = serde_json::from_value(json!({
        "business_name": "Pat Resellers", "email": "pat@pat-resellers.com", "partner_type": "reseller"}))
    .unwrap();
    partners::invite(&h.app, &customer, &invite, "192.0.2.20").await.unwrap();
    let token = token_in_last_email(&h, "pat@pat-resellers.com", "invitation").await;
    let mut form = sign_up_form("pat@pat-resellers.com");
    form.invitation = Some(token);

    // Act: the form is submitted twice at once
    let (a, b) =
        tokio::join!(signup::sign_up(&h.app, &form, "198.51.100.1"), signup::sign_up(&h.app, &form, "198.51.100.2"));

    // Assert: one request; the other submission is told the invitation was used (the used
    // link is reported before the taken address)
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    let lost = if a.is_ok() { b } else { a };
    assert!(matches!(lost, Err(AppError::Link(LinkProblem::Used))), "{lost:?}");
    assert_eq!(h.app.store.count_pending_requests().await.unwrap(), 1);
}
