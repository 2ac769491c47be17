//! Listings: pages in order, cursors that work only for their own listing, and page sizes
//! that stay within the largest page whatever the client asks.

use serde_json::json;

use super::Harness;
use crate::app::{AppError, approvals, now};
use crate::domain::account::Role;
use crate::domain::ids::RequestId;
use crate::domain::records::{EmailKind, OutboxMessage, RequestStatus};
use crate::ports::MAX_PAGE;

#[tokio::test]
async fn paging_through_pending_requests_returns_each_once_oldest_first() {
    // Arrange
    let h = Harness::new();
    let admin = h.account("ops@operator.example", Role::Admin).await;
    let mut submitted = Vec::new();
    for i in 0..7 {
        submitted.push(h.pending_request(&format!("person{i}@acme-widgets.com")).await.request_id);
    }

    // Act: three at a time
    let (mut listed, mut cursor) = (Vec::new(), None);
    loop {
        let page = approvals::list(&h.app, &admin, RequestStatus::Pending, cursor.as_deref(), 3).await.unwrap();
        assert!(page.items.len() <= 3);
        listed.extend(page.items.into_iter().map(|r| r.request_id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }

    // Assert
    assert_eq!(listed, submitted);
}

#[tokio::test]
async fn a_cursor_of_another_listing_or_a_forged_one_is_a_bad_request() {
    // Arrange
    let h = Harness::new();
    let admin = h.account("ops@operator.example", Role::Admin).await;
    h.pending_request("ada@acme-widgets.com").await;
    let second = h.pending_request("grace@acme-widgets.com").await;
    let first_page = approvals::list(&h.app, &admin, RequestStatus::Pending, None, 1).await.unwrap();
    let cursor = first_page.next_cursor.expect("a second page");

    // Act
    let elsewhere = approvals::list(&h.app, &admin, RequestStatus::Approved, Some(&cursor), 10).await;
    let forged = approvals::list(&h.app, &admin, RequestStatus::Pending, Some("not-a-cursor"), 10).await;
    let next = approvals::list(&h.app, &admin, RequestStatus::Pending, Some(&cursor), 10).await.unwrap();

    // Assert
    assert!(matches!(elsewhere, Err(AppError::BadRequest(_))), "{elsewhere:?}");
    assert!(matches!(forged, Err(AppError::BadRequest(_))), "{forged:?}");
    assert_eq!(next.items.iter().map(|r| &r.request_id).collect::<Vec<_>>(), [&second.request_id]);
}

#[tokio::test]
async fn a_page_holds_at_most_the_largest_page_size_and_at_least_one_item() {
    // Arrange: more pending requests than one page holds
    let h = Harness::new();
    let admin = h.account("ops@operator.example", Role::Admin).await;
    let base = h.pending_request("base@acme-widgets.com").await;
    for i in 0..MAX_PAGE {
        let mut request = base.clone();
        request.request_id = RequestId::new();
        request.email = format!("person{i}@acme-widgets.com");
        request.created_at = now();
        let received = OutboxMessage::new(&request.email, EmailKind::SignUpReceived, json!({}), None);
        h.app.store.create_signup_request(&request, None, &received, &[]).await.unwrap();
    }

    // Act
    let huge = approvals::list(&h.app, &admin, RequestStatus::Pending, None, 10_000).await.unwrap();
    let rest = approvals::list(&h.app, &admin, RequestStatus::Pending, huge.next_cursor.as_deref(), 10_000).await;
    let none = approvals::list(&h.app, &admin, RequestStatus::Pending, None, 0).await.unwrap();

    // Assert
    assert_eq!(huge.items.len(), usize::try_from(MAX_PAGE).unwrap());
    assert_eq!(rest.unwrap().items.len(), 1);
    assert_eq!(none.items.len(), 1);
}

#[tokio::test]
async fn only_admins_list_requests() {
    let h = Harness::new();
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;

    let listed = approvals::list(&h.app, &customer, RequestStatus::Pending, None, 10).await;

    assert!(matches!(listed, Err(AppError::Forbidden)), "{listed:?}");
}
