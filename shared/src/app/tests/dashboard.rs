//! The partner dashboard's rules: the customer a partner works on comes with its account;
//! a partner does not see the customer's partners or invitees; a rename reaches every
//! partner; an open quote is not requested (nor emailed) twice; quotes are limited per day.

use serde_json::json;

use super::Harness;
use crate::app::dashboard::{self, ActiveBusinessForm};
use crate::app::dashboard_products::{self, QuoteForm, Quoted};
use crate::app::partners::{self, InviteForm};
use crate::app::{AppError, Caller, catalog};
use crate::domain::account::{PartnerType, Role};
use crate::domain::ids::{BusinessId, InvitationId};
use crate::domain::profile::ProfileForm;
use crate::domain::records::{EmailKind, Invitation, InvitationStatus, OutboxMessage, PartnerLink};

impl Harness {
    /// The caller as its next request would authenticate it (its account as stored now).
    async fn again(&self, caller: &Caller) -> Caller {
        let user = self.app.store.get_user(&caller.user.user_id).await.unwrap().expect("the account exists");
        Caller { user, actor: None }
    }

    /// A partner linked to `customer` that works on it.
    async fn partner_of(&self, customer: &Caller, email: &str) -> Caller {
        let partner = self.account(email, Role::Partner).await;
        let invite: InviteForm = serde_json::from_value(
            json!({"business_name": "Pat Resellers", "email": email, "partner_type": "reseller"}),
        )
        .unwrap();
        partners::invite(&self.app, customer, &invite, "192.0.2.1").await.unwrap();
        let active = ActiveBusinessForm { business_id: Some(customer.user.business_id.to_string()) };
        dashboard::set_active_business(&self.app, &partner, &active).await.unwrap();
        self.again(&partner).await
    }
}

#[tokio::test]
async fn a_partner_works_on_the_customer_its_account_names_and_sees_only_its_profile() {
    // Arrange: a customer with a partner and a pending invitation
    let h = Harness::new();
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;
    let partner = h.partner_of(&customer, "pat@pat-resellers.com").await;
    let invite: InviteForm = serde_json::from_value(
        json!({"business_name": "Other", "email": "other@other-partner.com", "partner_type": "managed"}),
    )
    .unwrap();
    partners::invite(&h.app, &customer, &invite, "192.0.2.1").await.unwrap();

    // Act
    let as_customer = dashboard::get_profile(&h.app, &customer).await.unwrap();
    let as_partner = dashboard::get_profile(&h.app, &partner).await.unwrap();
    let customers = dashboard::list_customers(&h.app, &partner, None, 10).await.unwrap();

    // Assert
    assert_eq!(partner.user.active_business.as_ref(), Some(&customer.user.business_id));
    assert_eq!(customers.active.as_ref(), Some(&customer.user.business_id));
    assert_eq!(as_partner.profile.business_id, customer.user.business_id);
    assert!(as_partner.my_partner.is_none(), "a partner does not see the customer's partners or invitees");
    let mine = as_customer.my_partner.expect("the customer sees its own section");
    assert_eq!(mine.partners.len(), 1);
    assert_eq!(mine.invitations.iter().map(|i| i.email.as_str()).collect::<Vec<_>>(), ["other@other-partner.com"]);
}

#[tokio::test]
async fn a_rename_reaches_every_partner_however_many_there_are() {
    // Arrange: 150 partners, more than one transaction holds
    let h = Harness::new();
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;
    let business = h.app.store.get_business(&customer.user.business_id).await.unwrap().unwrap();
    let mut partners = Vec::new();
    for n in 0..150 {
        let partner = BusinessId::new();
        let link = PartnerLink {
            customer_id: business.business_id.clone(),
            customer_name: business.name.clone(),
            partner_id: partner.clone(),
            partner_name: format!("Partner {n}"),
            partner_type: PartnerType::Reseller,
            invitation_id: None,
            linked_at: crate::app::now(),
            managed: false,
        };
        let invitation = Invitation {
            invitation_id: InvitationId::time_ordered(),
            customer_id: business.business_id.clone(),
            customer_name: business.name.clone(),
            invited_by: customer.user.user_id.clone(),
            email: format!("p{n}@partner.example"),
            business_name: link.partner_name.clone(),
            partner_type: PartnerType::Reseller,
            status: InvitationStatus::Linked,
            created_at: crate::app::now(),
            generation: 0,
            sent_at: None,
        };
        let email = OutboxMessage::new(&invitation.email, EmailKind::PartnerLinked, json!({}), None);
        h.app.store.link_existing_partner(&link, &invitation, &email, &[], &[]).await.unwrap();
        partners.push(partner);
    }
    let edit: ProfileForm = serde_json::from_value(
        json!({"version": 0, "name": "Globex Corporation", "website": "https://globex.example"}),
    )
    .unwrap();

    // Act
    dashboard::update_profile(&h.app, &customer, &edit).await.unwrap();

    // Assert
    for partner in &partners {
        let link = h.app.store.get_customer_link(partner, &business.business_id).await.unwrap().unwrap();
        assert_eq!(link.customer_name, "Globex Corporation");
    }
}

#[tokio::test]
async fn a_quote_request_while_one_is_open_answers_that_one_and_emails_nobody() {
    // Arrange: the customer requested ZDX Advanced; its partner works on it
    let h = Harness::new();
    catalog::seed(&h.app).await.unwrap();
    h.account("ops@operator.example", Role::Admin).await;
    let customer = h.account("hank@globex-corp.com", Role::Customer).await;
    let partner = h.partner_of(&customer, "pat@pat-resellers.com").await;
    dashboard_products::request(&h.app, &customer, "zdx-advanced").await.unwrap();
    let form = QuoteForm { message: Some("500 seats".into()) };

    // Act
    let (first, first_outcome) =
        dashboard_products::request_quote(&h.app, &partner, "zdx-advanced", &form, "192.0.2.1").await.unwrap();
    let (second, second_outcome) =
        dashboard_products::request_quote(&h.app, &partner, "zdx-advanced", &form, "192.0.2.1").await.unwrap();

    // Assert
    assert_eq!((first_outcome, second_outcome), (Quoted::Now, Quoted::AlreadyOpen));
    assert_eq!(second.quote_id, first.quote_id);
    for to in ["ops@operator.example", "hank@globex-corp.com"] {
        let quotes = h.subjects_to(to).await.into_iter().filter(|s| s.contains("Quote requested")).count();
        assert_eq!(quotes, 1, "{to}");
    }
}

#[tokio::test]
async fn quote_emails_are_limited_per_requester_and_quotes_per_partner_each_day() {
    // Arrange: two customers requested every product of the catalog; one partner works on
    // both
    let h = Harness::new();
    catalog::seed(&h.app).await.unwrap();
    let globex = h.account("hank@globex-corp.com", Role::Customer).await;
    let initech = h.account("bill@initech-corp.com", Role::Customer).await;
    let partner = h.partner_of(&globex, "pat@pat-resellers.com").await;
    let products: Vec<String> =
        catalog::shipped_products().unwrap().into_iter().map(|p| p.product_id.to_string()).collect();
    for customer in [&globex, &initech] {
        for product in &products {
            dashboard_products::request(&h.app, customer, product).await.unwrap();
        }
    }
    let form = QuoteForm::default();
    let quote = |partner: Caller, product: String| {
        let (h, form) = (&h, &form);
        async move { dashboard_products::request_quote(&h.app, &partner, &product, form, "192.0.2.1").await }
    };

    // Act: 21 quotes on Globex (its requester is emailed each time), then on Initech
    let mut on_globex = Vec::new();
    for product in &products[..21] {
        on_globex.push(quote(partner.clone(), product.clone()).await.map(|(_, outcome)| outcome));
    }
    let invite: InviteForm = serde_json::from_value(
        json!({"business_name": "Pat Resellers", "email": "pat@pat-resellers.com", "partner_type": "reseller"}),
    )
    .unwrap();
    partners::invite(&h.app, &initech, &invite, "192.0.2.1").await.unwrap();
    let active = ActiveBusinessForm { business_id: Some(initech.user.business_id.to_string()) };
    dashboard::set_active_business(&h.app, &partner, &active).await.unwrap();
    let partner = h.again(&partner).await;
    let mut on_initech = Vec::new();
    for product in &products[..11] {
        on_initech.push(quote(partner.clone(), product.clone()).await.map(|(_, outcome)| outcome));
    }

    // Assert: 20 emails a day to one requester; 30 quotes a day from one partner
    assert!(on_globex[..20].iter().all(|o| matches!(o, Ok(Quoted::Now))), "{on_globex:?}");
    assert!(matches!(on_globex[20], Err(AppError::RateLimited)), "{:?}", on_globex[20]);
    assert!(on_initech[..10].iter().all(|o| matches!(o, Ok(Quoted::Now))), "{on_initech:?}");
    assert!(matches!(on_initech[10], Err(AppError::RateLimited)), "{:?}", on_initech[10]);
}
