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
