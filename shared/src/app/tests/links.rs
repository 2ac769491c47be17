//! Email links: a token is redeemed once, by one conditional write, and its expiry is
//! checked on every read (DynamoDB's TTL deletes expired items days late).

use secrecy::SecretString;
use serde_json::json;

use super::{Harness, PASSWORD, sign_up_form, token_in_last_email};
use crate::app::partners::{self, InviteForm};
use crate::app::passwords::{self, PasswordForm};
use crate::app::signup;
use crate::app::{AppError, LinkProblem};
use crate::domain::account::{Role, UserStatus};
use crate::domain::records::RequestStatus;
use crate::domain::token::{LinkToken, TokenPurpose};

fn password_form(token: &LinkToken) -> PasswordForm {
    PasswordForm {
        token: Some(token.expose().to_owned()),
        password: Some(SecretString::from(PASSWORD)),
        confirm_password: Some(SecretString::from(PASSWORD)),
    }
}

#[tokio::test]
async fn two_concurrent_redemptions_of_one_link_set_the_password_once() {
    // Arrange: an approved customer that has not set a password yet
    let h = Harness::new();
    let caller = h.account("ada@acme-widgets.com", Role::Customer).await;
    let user = caller.user.user_id.clone();
    h.app.store.set_user_status(&user, UserStatus::PendingPassword, None).await.unwrap();
    let link = h.link(TokenPurpose::SetPassword, &user, 3600).await;
    let form = password_form(&link);
    let from = h.journal.entries().len();

    // Act: both submissions read the link as unused before either redeems it
    let (a, b) = tokio::join!(
        passwords::redeem_password_link(&h.app, TokenPurpose::SetPassword, &form, "198.51.100.1"),
        passwords::redeem_password_link(&h.app, TokenPurpose::SetPassword, &form, "198.51.100.2"),
    );

    // Assert: one wins; the other is told the link was used; the password was set once
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    let lost = if a.is_ok() { b } else { a };
    assert!(matches!(lost, Err(AppError::Link(LinkProblem::Used))), "{lost:?}");
    let mut redemptions = h.journal_since(from, &["store.redeem_token"]);
    redemptions.sort();
    assert_eq!(redemptions, ["store.redeem_token", "store.redeem_token -> LinkUsed"]);
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
        passwords::redeem_password_link(&h.app, TokenPurpose::ResetPassword, &password_form(&link), "198.51.100.1")
            .await;

    // Assert: both say "expired"; nothing was written and no password was set
    assert!(matches!(opened, Err(AppError::Link(LinkProblem::Expired))), "{opened:?}");
    assert!(matches!(redeemed, Err(AppError::Link(LinkProblem::Expired))), "{redeemed:?}");
    assert!(!h.app.store.get_token(&link.hash()).await.unwrap().unwrap().used);
    assert!(h.journal_since(from, &["store.redeem_token", "identity.set_password"]).is_empty());
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
        passwords::redeem_password_link(&h.app, TokenPurpose::ResetPassword, &password_form(&link), "198.51.100.1")
            .await;

    // Assert: a 503, and the link works again
    assert!(matches!(failed, Err(AppError::Unavailable(_))), "{failed:?}");
    assert!(!h.app.store.get_token(&link.hash()).await.unwrap().unwrap().used);
    h.pool.recover("set_password");
    let retried =
        passwords::redeem_password_link(&h.app, TokenPurpose::ResetPassword, &password_form(&link), "198.51.100.1")
            .await;
    assert!(retried.is_ok(), "{retried:?}");
    assert!(h.app.store.get_token(&link.hash()).await.unwrap().unwrap().used);
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
    assert_eq!(h.app.store.count_requests(RequestStatus::Pending).await.unwrap(), 1);
}
