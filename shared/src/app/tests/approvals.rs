//! Pending Approvals: a request is decided once, whoever clicks and however often.

use super::Harness;
use crate::app::AppError;
use crate::app::approvals::{self, RejectForm};
use crate::domain::account::Role;
use crate::domain::records::{EmailOwner, RequestStatus};

const APPROVED: &str = "Your Partner Portal account is approved: set your password";
const REJECTED: &str = "Your Create Account Request was not approved";

#[tokio::test]
async fn two_admins_approving_one_request_at_once_make_one_account_and_send_one_email() {
    // Arrange
    let h = Harness::new();
    let (first, second) =
        (h.account("ops@operator.example", Role::Admin).await, h.account("sre@operator.example", Role::Admin).await);
    let request = h.pending_request("ada@acme-widgets.com").await;
    let id = request.request_id.to_string();

    // Act: both read the request as pending before either writes
    let (a, b) = tokio::join!(approvals::approve(&h.app, &first, &id), approvals::approve(&h.app, &second, &id));

    // Assert: one approval was stored, the other found it decided and reports it
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.status, b.status), (RequestStatus::Approved, RequestStatus::Approved));
    let mut writes = h.journal.matching("store.approve_request");
    writes.sort();
    assert_eq!(writes, ["store.approve_request", "store.approve_request -> AlreadyDecided"]);
    let Some(EmailOwner::User { user_id, .. }) = h.app.store.email_owner("ada@acme-widgets.com").await.unwrap() else {
        panic!("the address is not held by a user");
    };
    assert_eq!(a.user_id.as_ref(), Some(&user_id));
    assert_eq!(b.user_id.as_ref(), Some(&user_id));
    assert_eq!(h.subjects_to("ada@acme-widgets.com").await.iter().filter(|s| *s == APPROVED).count(), 1);
}

#[tokio::test]
async fn approving_twice_in_a_row_sends_one_email_and_writes_once() {
    let h = Harness::new();
    let admin = h.account("ops@operator.example", Role::Admin).await;
    let id = h.pending_request("ada@acme-widgets.com").await.request_id.to_string();

    let first = approvals::approve(&h.app, &admin, &id).await.unwrap();
    let again = approvals::approve(&h.app, &admin, &id).await.unwrap();

    assert_eq!(first.user_id, again.user_id);
    assert_eq!(h.journal.matching("store.approve_request"), ["store.approve_request"]);
    assert_eq!(h.subjects_to("ada@acme-widgets.com").await.iter().filter(|s| *s == APPROVED).count(), 1);
}

#[tokio::test]
async fn an_approval_and_a_rejection_at_once_decide_the_request_once() {
    // Arrange
    let h = Harness::new();
    let (first, second) =
        (h.account("ops@operator.example", Role::Admin).await, h.account("sre@operator.example", Role::Admin).await);
    let id = h.pending_request("ada@acme-widgets.com").await.request_id.to_string();
    let form = RejectForm { reason: Some("Not a reseller we work with.".into()) };

    // Act
    let (approved, rejected) =
        tokio::join!(approvals::approve(&h.app, &first, &id), approvals::reject(&h.app, &second, &id, &form));

    // Assert: exactly one decision holds, the other is told it came too late
    let stored = h.app.store.get_request(&crate::domain::ids::RequestId::parse(&id).unwrap()).await.unwrap().unwrap();
    let (won, lost) = match stored.status {
        RequestStatus::Approved => (approved.map(|r| r.status), rejected.map(|r| r.status)),
        RequestStatus::Rejected => (rejected.map(|r| r.status), approved.map(|r| r.status)),
        RequestStatus::Pending => panic!("the request is still pending"),
    };
    assert_eq!(won.unwrap(), stored.status);
    assert!(matches!(lost, Err(AppError::Conflict { code: "already_decided", .. })), "{lost:?}");
    let decisions =
        h.subjects_to("ada@acme-widgets.com").await.into_iter().filter(|s| s == APPROVED || s == REJECTED).count();
    assert_eq!(decisions, 1);
}

/// A customer invites a partner, and the partner signs up through the emailed link.
async fn invited_partner_signed_up(h: &Harness) -> (crate::app::Caller, String) {
    use crate::app::partners::{self, InviteForm};
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;
    let invite: InviteForm = serde_json::from_value(serde_json::json!({
        "business_name": "Pat Resellers", "email": "pat@pat-resellers.com", "partner_type": "reseller"}))
    .unwrap();
    partners::invite(&h.app, &customer, &invite, "192.0.2.10").await.unwrap();
    let token = super::token_in_last_email(h, "pat@pat-resellers.com", "invitation").await;
    let mut form = super::sign_up_form("pat@pat-resellers.com");
    form.invitation = Some(token);
    crate::app::signup::sign_up(&h.app, &form, "198.51.100.1").await.unwrap();
    let Some(EmailOwner::Request { request_id, .. }) = h.app.store.email_owner("pat@pat-resellers.com").await.unwrap()
    else {
        panic!("no request");
    };
    (customer, request_id.to_string())
}

#[tokio::test]
async fn an_invitation_revoked_after_the_partner_signed_up_blocks_its_approval() {
    // Arrange: the partner signed up, then the customer withdrew the invitation
    let h = Harness::new();
    let admin = h.account("ops@operator.example", Role::Admin).await;
    let (customer, request_id) = invited_partner_signed_up(&h).await;
    let invitation = h.app.store.list_invitations(&customer.user.business_id, None, 10).await.unwrap().unwrap();
    let invitation_id = invitation.items[0].invitation_id.to_string();
    crate::app::partners::revoke(&h.app, &customer, &invitation_id).await.unwrap();

    // Act
    let approved = approvals::approve(&h.app, &admin, &request_id).await;

    // Assert: refused with a reason the admin can act on; nothing linked, the invitation
    // still revoked, the request still pending (to be rejected)
    assert!(matches!(approved, Err(AppError::Conflict { code: "invitation_withdrawn", .. })), "{approved:?}");
    let partners = h.app.store.list_partners(&customer.user.business_id, None, 10).await.unwrap().unwrap();
    assert!(partners.items.is_empty());
    let shown = crate::app::partners::list_invitations(&h.app, &customer, None, 10).await.unwrap();
    assert_eq!(crate::app::partners::shown_status(&shown.items[0]), "revoked");
    assert_eq!(h.app.store.count_pending_requests().await.unwrap(), 1);
    let rejected = approvals::reject(&h.app, &admin, &request_id, &RejectForm { reason: Some("Withdrawn.".into()) })
        .await
        .unwrap();
    assert_eq!(rejected.status, RequestStatus::Rejected);
}

#[tokio::test]
async fn an_invited_partner_approved_in_time_is_linked_under_the_name_kept_at_sign_up() {
    let h = Harness::new();
    let admin = h.account("ops@operator.example", Role::Admin).await;
    let (customer, request_id) = invited_partner_signed_up(&h).await;
    let request = h.app.store.get_request(&crate::domain::ids::RequestId::parse(&request_id).unwrap()).await;
    let invited = request.unwrap().unwrap().invited_by.unwrap();
    assert_eq!(invited.customer_name, "hank Inc");
    let from = h.journal.entries().len();

    approvals::approve(&h.app, &admin, &request_id).await.unwrap();

    let partners = h.app.store.list_partners(&customer.user.business_id, None, 10).await.unwrap().unwrap();
    assert_eq!(partners.items.len(), 1);
    assert_eq!(partners.items[0].customer_name, "hank Inc");
    let shown = crate::app::partners::list_invitations(&h.app, &customer, None, 10).await.unwrap();
    assert_eq!(crate::app::partners::shown_status(&shown.items[0]), "accepted");
    assert_eq!(h.journal_since(from, &["store."]), ["store.approve_request"]);
}

#[tokio::test]
async fn an_approval_retried_after_its_write_failed_reuses_the_cognito_user_and_succeeds() {
    // Arrange: Cognito creates the user, then the approval's write fails
    let h = Harness::new();
    let admin = h.account("ops@operator.example", Role::Admin).await;
    let id = h.pending_request("ada@acme-widgets.com").await.request_id.to_string();
    h.store.fail_next_write("approve_request");
    let failed = approvals::approve(&h.app, &admin, &id).await;
    assert!(matches!(failed, Err(AppError::Unavailable(_))), "{failed:?}");
    let first_user = h.pool.user("ada@acme-widgets.com").expect("the Cognito user of the first attempt");

    // Act
    let approved = approvals::approve(&h.app, &admin, &id).await.unwrap();

    // Assert: the Cognito user of the first attempt, one account, one email, none pending
    assert_eq!(approved.user_id.as_ref(), Some(&first_user.user_id));
    assert_eq!(h.app.store.count_pending_requests().await.unwrap(), 0);
    assert_eq!(h.subjects_to("ada@acme-widgets.com").await.iter().filter(|s| *s == APPROVED).count(), 1);
}

#[tokio::test]
async fn an_approval_whose_answer_was_lost_is_reported_approved_when_sent_again() {
    let h = Harness::new();
    let admin = h.account("ops@operator.example", Role::Admin).await;
    let id = h.pending_request("ada@acme-widgets.com").await.request_id.to_string();
    h.store.lose_next_answer("approve_request");
    assert!(approvals::approve(&h.app, &admin, &id).await.is_err());

    let again = approvals::approve(&h.app, &admin, &id).await.unwrap();

    assert_eq!(again.status, RequestStatus::Approved);
    assert_eq!(h.journal.matching("store.approve_request").len(), 2, "written once (and its lost answer)");
    assert_eq!(h.subjects_to("ada@acme-widgets.com").await.iter().filter(|s| *s == APPROVED).count(), 1);
}
