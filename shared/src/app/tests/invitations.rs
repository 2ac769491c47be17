//! Invitations: one pending invitation per customer and address (a double click makes one
//! invitation and one email), daily limits on the emails invitations send, and an expired
//! invitation that no longer holds its address.

use serde_json::json;
use time::Duration;

use super::Harness;
use crate::app::partners::{self, InviteForm, InviteOutcome};
use crate::app::{AppError, Caller, audit, now};
use crate::domain::account::{PartnerType, Role};
use crate::domain::ids::InvitationId;
use crate::domain::records::{EmailKind, Invitation, InvitationStatus, OutboxMessage};

fn invite_form(email: &str) -> InviteForm {
    serde_json::from_value(json!({"business_name": "Pat Resellers", "email": email, "partner_type": "reseller"}))
        .unwrap()
}

async fn invite(h: &Harness, customer: &Caller, email: &str, client: &str) -> Result<InviteOutcome, AppError> {
    partners::invite(&h.app, customer, &invite_form(email), client).await.map(|(_, outcome)| outcome)
}

#[tokio::test]
async fn four_concurrent_identical_invitations_make_one_invitation_and_one_email() {
    // Arrange
    let h = Harness::new();
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;
    let form = invite_form("pat@pat-resellers.com");

    // Act
    let (a, b, c, d) = tokio::join!(
        partners::invite(&h.app, &customer, &form, "192.0.2.1"),
        partners::invite(&h.app, &customer, &form, "192.0.2.1"),
        partners::invite(&h.app, &customer, &form, "192.0.2.1"),
        partners::invite(&h.app, &customer, &form, "192.0.2.1"),
    );

    // Assert: one sent; the others answered with it, and nothing else sent
    let answers: Vec<_> = [a, b, c, d].into_iter().map(Result::unwrap).collect();
    assert_eq!(answers.iter().filter(|(_, o)| *o == InviteOutcome::Sent).count(), 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|(_, o)| *o == InviteOutcome::AlreadyPending).count(), 3, "{answers:?}");
    assert!(answers.iter().all(|(id, _)| *id == answers[0].0));
    let listed = partners::list_invitations(&h.app, &customer, None, 10).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(h.subjects_to("pat@pat-resellers.com").await.len(), 1);
}

#[tokio::test]
async fn invitation_emails_from_one_client_address_are_limited_per_day_across_customers() {
    // Arrange: three customers behind one address; each may send 20 a day
    let h = Harness::new();
    let mut customers = Vec::new();
    for name in ["hank", "bill", "lisa"] {
        customers.push(h.account(&format!("{name}@globex-corp.com"), Role::Customer).await);
    }
    for n in 0..50 {
        let outcome = invite(&h, &customers[n / 20], &format!("p{n}@pat-resellers.com"), "203.0.113.9").await;
        assert_eq!(outcome.unwrap(), InviteOutcome::Sent, "invitation {n}");
    }

    // Act
    let limited = invite(&h, &customers[2], "late@pat-resellers.com", "203.0.113.9").await;
    let elsewhere = invite(&h, &customers[2], "late@pat-resellers.com", "203.0.113.10").await;

    // Assert: the 51st from that address is refused, and sends nothing
    assert!(matches!(limited, Err(AppError::RateLimited)), "{limited:?}");
    assert_eq!(elsewhere.unwrap(), InviteOutcome::Sent);
    assert_eq!(h.subjects_to("late@pat-resellers.com").await.len(), 1);
}

#[tokio::test]
async fn an_invitation_whose_link_expired_no_longer_holds_its_address() {
    // Arrange: an invitation sent eight days ago, still pending
    let h = Harness::new();
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;
    let sent = now() - Duration::days(8);
    let old = Invitation {
        invitation_id: InvitationId::time_ordered(),
        customer_id: customer.user.business_id.clone(),
        customer_name: "hank Inc".into(),
        invited_by: customer.user.user_id.clone(),
        email: "pat@pat-resellers.com".into(),
        business_name: "Pat Resellers".into(),
        partner_type: PartnerType::Reseller,
        status: InvitationStatus::Pending,
        created_at: sent,
        generation: 0,
        sent_at: Some(sent),
    };
    let email = OutboxMessage::new(&old.email, EmailKind::PartnerInvitation, json!({}), None);
    let event = audit::event(&customer.user.business_id, &customer.user, None, "partner_invited", json!({}));
    h.app.store.create_invitation(&old, &email, &event, &[]).await.unwrap();

    // Act
    let (id, outcome) =
        partners::invite(&h.app, &customer, &invite_form("pat@pat-resellers.com"), "192.0.2.1").await.unwrap();
    let resend_old = partners::resend(&h.app, &customer, old.invitation_id.as_ref(), "192.0.2.1").await;

    // Assert: a new invitation went out; the old one cannot take the address back
    assert_eq!(outcome, InviteOutcome::Sent);
    assert_ne!(id, old.invitation_id);
    assert!(matches!(resend_old, Err(AppError::Conflict { code: "newer_invitation_pending", .. })), "{resend_old:?}");
}

#[tokio::test]
async fn resend_and_revoke_are_each_one_write_with_their_audit_event() {
    // Arrange
    let h = Harness::new();
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;
    let (id, _) =
        partners::invite(&h.app, &customer, &invite_form("pat@pat-resellers.com"), "192.0.2.1").await.unwrap();
    let from = h.journal.entries().len();

    // Act
    partners::resend(&h.app, &customer, id.as_ref(), "192.0.2.1").await.unwrap();
    partners::revoke(&h.app, &customer, id.as_ref()).await.unwrap();

    // Assert: no separate audit write; both events in the trail; the address is free again
    assert_eq!(h.journal_since(from, &["store."]), ["store.resend_invitation", "store.revoke_invitation"]);
    let trail = crate::app::audit::list_own(&h.app, &customer, None, 10).await.unwrap();
    let actions: Vec<&str> = trail.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["invitation_revoked", "invitation_resent", "partner_invited"]);
    let again = invite(&h, &customer, "pat@pat-resellers.com", "192.0.2.1").await.unwrap();
    assert_eq!(again, InviteOutcome::Sent);
}
