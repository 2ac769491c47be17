//! The Business Profile: saves guarded by the version they started from, and a new name
//! shown on the partners' side of the links.

use serde_json::json;

use super::Harness;
use crate::app::AppError;
use crate::app::dashboard::{self, ActiveBusinessForm};
use crate::app::partners::{self, InviteForm, InviteOutcome};
use crate::domain::account::Role;
use crate::domain::profile::ProfileForm;

fn profile(version: u64, name: &str) -> ProfileForm {
    serde_json::from_value(json!({"version": version, "name": name, "website": "https://globex.example"})).unwrap()
}

#[tokio::test]
async fn two_saves_from_one_version_at_once_keep_one_and_report_a_version_conflict() {
    // Arrange
    let h = Harness::new();
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;
    let (a, b) = (profile(0, "Globex"), profile(0, "Globex Corporation"));

    // Act: both read version 0 before either saves
    let (first, second) = tokio::join!(
        dashboard::update_profile(&h.app, &customer, &a),
        dashboard::update_profile(&h.app, &customer, &b)
    );

    // Assert: one save holds, at version 1; the other is told to reload
    let (saved, refused) = match (first, second) {
        (Ok(saved), Err(refused)) | (Err(refused), Ok(saved)) => (saved, refused),
        (first, second) => panic!("expected one save and one conflict: {:?} {:?}", first.is_ok(), second.is_ok()),
    };
    assert_eq!(saved.profile.version, 1);
    assert!(matches!(refused, AppError::Conflict { code: "version_conflict", .. }), "{refused:?}");
    let stored = dashboard::get_profile(&h.app, &customer).await.unwrap().profile;
    assert_eq!((stored.version, stored.name), (1, saved.profile.name));
}

#[tokio::test]
async fn a_new_name_is_shown_in_the_customer_list_of_each_partner() {
    // Arrange: a customer linked at once to a partner that has an account
    let h = Harness::new();
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;
    let partner = h.account("pat@pat-resellers.com", Role::Partner).await;
    let invite: InviteForm = serde_json::from_value(json!({
        "business_name": "Pat Resellers", "email": "pat@pat-resellers.com", "partner_type": "reseller"}))
    .unwrap();
    let (_, outcome) = partners::invite(&h.app, &customer, &invite, "192.0.2.20").await.unwrap();
    assert_eq!(outcome, InviteOutcome::Linked);

    // Act
    dashboard::update_profile(&h.app, &customer, &profile(0, "Globex Corporation")).await.unwrap();

    // Assert: the partner sees the new name, and may make the customer active
    let customers = dashboard::list_customers(&h.app, &partner, None, 10).await.unwrap();
    let names: Vec<_> = customers.page.items.iter().map(|l| l.customer_name.as_str()).collect();
    assert_eq!(names, ["Globex Corporation"]);
    let active = ActiveBusinessForm { business_id: Some(customer.user.business_id.to_string()) };
    assert!(dashboard::set_active_business(&h.app, &partner, &active).await.is_ok());
}
