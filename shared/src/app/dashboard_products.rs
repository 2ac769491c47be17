//! A customer's products on the dashboard: the partner's notes ("Licensing Expert") and
//! priorities ("Potential Upgrades"), the customer's product requests, the "Zscaler Products
//! Request" page, and a partner's quote requests (stored with their emails to the admins and
//! the requesting customer user in one transaction).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::json;

use super::dashboard::{acting, actor};
use super::outbox;
use super::{App, AppError, Caller, now};
use crate::domain::account::{Role, UserStatus};
use crate::domain::catalog::{
    Note, Priority, Product, ProductAction, ProductEvent, ProductId, ProductState, Quote, QuoteId, QuoteStatus,
    Suggestion,
};
use crate::domain::fields::FieldErrors;
use crate::domain::records::EmailKind;
use crate::ports::{Conflict, MAX_PAGE, Page, WriteError};

/// The most admins a quote request emails (one transaction holds every email).
const MAX_ADMIN_EMAILS: i32 = 50;

/// A product as the dashboard shows it to one customer.
pub struct BusinessProduct {
    pub product: Product,
    pub state: ProductState,
}

/// The products page: "Potential Upgrades" (with a priority, highest first) and "All
/// Products" (the rest, including those with No Suggestion).
pub struct BusinessProducts {
    pub potential_upgrades: Vec<BusinessProduct>,
    pub all_products: Vec<BusinessProduct>,
}

/// An offered (not retired) product, or `NotFound`.
async fn offered_product(app: &App, raw: &str) -> Result<Product, AppError> {
    let id = ProductId::parse(raw).ok_or(AppError::NotFound("product"))?;
    match app.store.get_product(&id).await? {
        Some(p) if !p.retired => Ok(p),
        _ => Err(AppError::NotFound("product")),
    }
}

#[tracing::instrument(name = "List a customer's products", skip_all)]
pub async fn list(app: &App, caller: &Caller) -> Result<BusinessProducts, AppError> {
    let business = acting(app, caller).await?.business_id;
    // The catalog is tens of products: the view merges all of it with the customer's state.
    let products = app.store.all_products().await?;
    let mut states: HashMap<ProductId, ProductState> = app
        .store
        .product_states(&business)
        .await?
        .into_iter()
        .filter_map(|s| s.product_id.clone().map(|id| (id, s)))
        .collect();
    let (mut potential_upgrades, mut all_products) = (Vec::new(), Vec::new());
    for product in products.into_iter().filter(|p| !p.retired) {
        let state = states.remove(&product.product_id).unwrap_or_default();
        let entry = BusinessProduct { product, state };
        if entry.state.priority.is_some() { potential_upgrades.push(entry) } else { all_products.push(entry) }
    }
    potential_upgrades.sort_by_key(|e| (e.state.priority, e.product.position));
    all_products.sort_by_key(|e| e.product.position);
    Ok(BusinessProducts { potential_upgrades, all_products })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoteForm {
    pub note: Option<String>,
}

/// The "Licensing Expert" note of a product on the active customer; empty clears it.
/// Partners only.
#[tracing::instrument(name = "Write a product note", skip_all, fields(product_id = %product_id))]
pub async fn set_note(app: &App, caller: &Caller, product_id: &str, form: &NoteForm) -> Result<Option<Note>, AppError> {
    caller.require(Role::Partner)?;
    let business = acting(app, caller).await?.business_id;
    let product = offered_product(app, product_id).await?;
    let note =
        Note::parse_optional(form.note.as_deref(), 4000).map_err(|e| FieldErrors::single("note", e.to_string()))?;
    app.store.set_product_note(&business, &product.product_id, note.as_ref(), &actor(caller)).await?;
    tracing::info!(business_id = %business, "Product note saved");
    Ok(note)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PriorityForm {
    pub priority: Option<serde_json::Value>,
    pub no_suggestion: Option<bool>,
}

impl TryFrom<&PriorityForm> for Suggestion {
    type Error = FieldErrors;

    fn try_from(form: &PriorityForm) -> Result<Self, FieldErrors> {
        match (form.priority.as_ref().filter(|p| !p.is_null()), form.no_suggestion) {
            (Some(_), Some(true)) => {
                Err(FieldErrors::single("priority", "Send either a priority or no_suggestion: true, not both."))
            }
            (None, Some(true)) => Ok(Self::NoSuggestion),
            (Some(raw), _) => {
                Priority::parse(raw).map(Self::Priority).map_err(|e| FieldErrors::single("priority", e.to_string()))
            }
            (None, _) => Err(FieldErrors::single(
                "priority",
                "Choose a priority from 1 (highest) to 5 (lowest), or send no_suggestion: true.",
            )),
        }
    }
}

/// Sets a product's priority (1 to 5) or No Suggestion on the active customer. Either lists
/// the product on the request page. Partners only.
#[tracing::instrument(name = "Set a product priority", skip_all, fields(product_id = %product_id))]
pub async fn set_priority(
    app: &App,
    caller: &Caller,
    product_id: &str,
    form: &PriorityForm,
) -> Result<Suggestion, AppError> {
    caller.require(Role::Partner)?;
    let business = acting(app, caller).await?.business_id;
    let product = offered_product(app, product_id).await?;
    let suggestion = Suggestion::try_from(form)?;
    let (action, priority) = match suggestion {
        Suggestion::Priority(p) => (ProductAction::PrioritySet, Some(p)),
        Suggestion::NoSuggestion => (ProductAction::NoSuggestion, None),
    };
    let event = ProductEvent { action, priority, by: actor(caller), at: now() };
    app.store.set_product_suggestion(&business, &product.product_id, priority, &event).await?;
    tracing::info!(business_id = %business, ?priority, "Product priority saved");
    Ok(suggestion)
}

/// Whether a request was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    Now,
    Already,
}

/// The customer asks for a product (once; asking again changes nothing). Customers only.
#[tracing::instrument(name = "Request a product", skip_all, fields(product_id = %product_id))]
pub async fn request(app: &App, caller: &Caller, product_id: &str) -> Result<(ProductState, Requested), AppError> {
    caller.require(Role::Customer)?;
    let business = acting(app, caller).await?.business_id;
    let product = offered_product(app, product_id).await?;
    let event = ProductEvent { action: ProductAction::Requested, priority: None, by: actor(caller), at: now() };
    let outcome = match app.store.request_product(&business, &product.product_id, &event, &caller.user.email).await {
        Ok(()) => Requested::Now,
        Err(WriteError::Conflict(Conflict::AlreadyRequested)) => Requested::Already,
        Err(e) => return Err(e.into()),
    };
    let state = app.store.get_product_state(&business, &product.product_id).await?.unwrap_or_default();
    Ok((state, outcome))
}

/// A row of the request page.
pub struct ProductRequest {
    pub product: Option<Product>,
    pub state: ProductState,
}

/// One page of the "Zscaler Products Request" page: products the customer requested or the
/// partner gave a priority or No Suggestion, with their history.
#[tracing::instrument(name = "List product requests", skip_all)]
pub async fn list_requests(
    app: &App,
    caller: &Caller,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Page<ProductRequest>, AppError> {
    let business = acting(app, caller).await?.business_id;
    let page = app.store.list_product_requests(&business, cursor, limit.clamp(1, MAX_PAGE)).await??;
    let catalog: HashMap<ProductId, Product> =
        app.store.all_products().await?.into_iter().map(|p| (p.product_id.clone(), p)).collect();
    let items = page
        .items
        .into_iter()
        .map(|state| ProductRequest {
            product: state.product_id.as_ref().and_then(|id| catalog.get(id).cloned()),
            state,
        })
        .collect();
    Ok(Page { items, next_cursor: page.next_cursor })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QuoteForm {
    pub message: Option<String>,
}

/// A partner asks for a quote on a product its active customer requested. The quote is
/// stored with an email to every admin and to the customer user who requested the product.
///
/// # Errors
/// `Conflict(product_not_requested)` when the customer has not requested the product.
#[tracing::instrument(name = "Request a quote", skip_all, fields(product_id = %product_id))]
pub async fn request_quote(app: &App, caller: &Caller, product_id: &str, form: &QuoteForm) -> Result<Quote, AppError> {
    caller.require(Role::Partner)?;
    let acting = acting(app, caller).await?;
    let link = acting.link.ok_or(AppError::Forbidden)?;
    let product = offered_product(app, product_id).await?;
    let message = Note::parse_optional(form.message.as_deref(), 4000)
        .map_err(|e| FieldErrors::single("message", e.to_string()))?;
    let not_requested = || {
        AppError::conflict(
            "product_not_requested",
            format!(
                "{} has not requested {}; a quote can be requested only for a product the customer requested.",
                link.customer_name, product.name
            ),
        )
    };
    let state = app.store.get_product_state(&acting.business_id, &product.product_id).await?;
    let Some(state) = state.filter(ProductState::requested) else {
        return Err(not_requested());
    };
    let by = actor(caller);
    let quote = Quote {
        quote_id: QuoteId::new(),
        customer_id: acting.business_id.clone(),
        product_id: product.product_id.clone(),
        product_name: product.name.clone(),
        message,
        by: by.clone(),
        status: QuoteStatus::Requested,
        created_at: now(),
    };
    let params = json!({
        "customer_name": link.customer_name, "partner_name": link.partner_name, "product_name": product.name,
        "section": product.section, "requested_by": by.name, "message": quote.message.as_ref().map(AsRef::as_ref),
    });
    let mut recipients = Vec::new();
    for id in app.store.admin_ids(MAX_ADMIN_EMAILS).await? {
        if let Some(admin) = app.store.get_user(&id).await?
            && admin.status == UserStatus::Active
        {
            recipients.push(admin.email);
        }
    }
    recipients.extend(state.requester_email.clone());
    recipients.dedup();
    let emails = recipients
        .iter()
        .map(|to| outbox::message(app, to, EmailKind::QuoteRequested, params.clone(), None))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let event = ProductEvent { action: ProductAction::QuoteRequested, priority: None, by, at: quote.created_at };
    match app.store.request_quote(&quote, &event, &emails).await {
        Ok(()) => {}
        Err(WriteError::Conflict(Conflict::NotRequested)) => return Err(not_requested()),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(quote_id = %quote.quote_id, emails = emails.len(), "Quote requested");
    Ok(quote)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn suggestion(body: serde_json::Value) -> Result<Suggestion, FieldErrors> {
        Suggestion::try_from(&serde_json::from_value::<PriorityForm>(body).unwrap())
    }

    #[test]
    fn a_priority_form_is_a_priority_or_no_suggestion_never_both_or_neither() {
        assert_eq!(suggestion(json!({"priority": 2})).unwrap(), Suggestion::Priority(Priority::try_from(2).unwrap()));
        assert_eq!(suggestion(json!({"no_suggestion": true})).unwrap(), Suggestion::NoSuggestion);
        for bad in [
            json!({}),
            json!({"no_suggestion": false}),
            json!({"priority": 1, "no_suggestion": true}),
            json!({"priority": 0}),
            json!({"priority": 6}),
            json!({"priority": "high"}),
        ] {
            assert!(suggestion(bad.clone()).unwrap_err().get("priority").is_some(), "{bad}");
        }
    }
}
