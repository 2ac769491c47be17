//! A customer's products on the dashboard: the partner's notes ("Licensing Expert") and
//! priorities ("Potential Upgrades"), the customer's product requests, the "Zscaler Products
//! Request" page, and a partner's quote requests (stored with their emails to the admins and
//! the requesting customer user, and their audit event, in one transaction).

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::json;

use super::dashboard::{Target, actor, linked, refused, target};
use super::{App, AppError, Caller, audit, bounded_hits, catalog, now, outbox};
use crate::domain::account::Role;
use crate::domain::catalog::{
    Note, Priority, Product, ProductAction, ProductEvent, ProductId, ProductState, Quote, QuoteId, QuoteStatus,
    Suggestion,
};
use crate::domain::fields::FieldErrors;
use crate::domain::limits::Rule;
use crate::domain::records::EmailKind;
#[cfg_attr(test, allow(unused_imports))] // The unit tests call through trait objects.
use crate::ports::calls::*;
use crate::ports::{Conflict, MAX_PAGE, Page, QuoteOutcome, RequestOutcome, WriteError};

/// The most admins a quote request emails (one transaction holds every email).
const MAX_ADMIN_EMAILS: i32 = 50;

/// Quote requests one partner business may send in a day (each one emails every admin).
pub const QUOTES_PER_PARTNER: Rule = Rule { name: "quote-partner", max: 30, window_secs: 86_400 };
/// Quote emails one customer user (the product's requester) may receive in a day.
pub const QUOTES_PER_RECIPIENT: Rule = Rule { name: "quote-recipient", max: 20, window_secs: 86_400 };
/// Quote requests from one client address in a day.
pub const QUOTES_PER_ADDRESS: Rule = Rule { name: "quote-address", max: 60, window_secs: 86_400 };

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

/// A product id from a path: one that could not be an id is not found. Whether the product
/// is offered, a write checks in its own transaction.
fn product_id(raw: &str) -> Result<ProductId, AppError> {
    ProductId::parse(raw).ok_or(AppError::NotFound("product"))
}

/// An offered (not retired) product of the catalog, from the function's memory.
async fn offered_product(app: &App, raw: &str) -> Result<Product, AppError> {
    let id = product_id(raw)?;
    catalog::all_products(app)
        .await?
        .iter()
        .find(|p| p.product_id == id && !p.retired)
        .cloned()
        .ok_or(AppError::NotFound("product"))
}

/// One wave of reads after the caller's own: the customer's products (and a partner's
/// link), with the catalog from the function's memory.
#[tracing::instrument(name = "List a customer's products", skip_all)]
pub async fn list(app: &App, caller: &Caller) -> Result<BusinessProducts, AppError> {
    let target = target(caller)?;
    let (_, states, products) = tokio::try_join!(
        linked(app, &target),
        async { Ok::<_, AppError>(app.store.product_states(&target.customer).await?) },
        catalog::all_products(app),
    )?;
    let mut states: HashMap<ProductId, ProductState> =
        states.into_iter().filter_map(|s| s.product_id.clone().map(|id| (id, s))).collect();
    let (mut potential_upgrades, mut all_products) = (Vec::new(), Vec::new());
    for product in products.iter().filter(|p| !p.retired) {
        let state = states.remove(&product.product_id).unwrap_or_default();
        let entry = BusinessProduct { product: product.clone(), state };
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
/// Partners only. One write, which checks the link and the product.
#[tracing::instrument(name = "Write a product note", skip_all, fields(product_id = %product_id))]
pub async fn set_note(app: &App, caller: &Caller, product_id: &str, form: &NoteForm) -> Result<Option<Note>, AppError> {
    caller.require(Role::Partner)?;
    let Target { customer, partner } = target(caller)?;
    let id = self::product_id(product_id)?;
    let note =
        Note::parse_optional(form.note.as_deref(), 4000).map_err(|e| FieldErrors::single("note", e.to_string()))?;
    app.store
        .set_product_note(&customer, partner.as_ref(), &id, note.as_ref(), &actor(caller))
        .await
        .map_err(refused)?;
    tracing::info!(business_id = %customer, "Product note saved");
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
/// the product on the request page. Partners only. One write, which checks the link and
/// the product.
#[tracing::instrument(name = "Set a product priority", skip_all, fields(product_id = %product_id))]
pub async fn set_priority(
    app: &App,
    caller: &Caller,
    product_id: &str,
    form: &PriorityForm,
) -> Result<Suggestion, AppError> {
    caller.require(Role::Partner)?;
    let Target { customer, partner } = target(caller)?;
    let id = self::product_id(product_id)?;
    let suggestion = Suggestion::try_from(form)?;
    let (action, priority) = match suggestion {
        Suggestion::Priority(p) => (ProductAction::PrioritySet, Some(p)),
        Suggestion::NoSuggestion => (ProductAction::NoSuggestion, None),
    };
    let event = ProductEvent { action, priority, by: actor(caller), at: now() };
    app.store.set_product_suggestion(&customer, partner.as_ref(), &id, priority, &event).await.map_err(refused)?;
    tracing::info!(business_id = %customer, ?priority, "Product priority saved");
    Ok(suggestion)
}

/// Whether a request was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    Now,
    Already,
}

/// The customer asks for a product (once; asking again changes nothing). Customers only.
/// One write, which checks the product; asking again reads what was recorded.
#[tracing::instrument(name = "Request a product", skip_all, fields(product_id = %product_id))]
pub async fn request(app: &App, caller: &Caller, product_id: &str) -> Result<(ProductState, Requested), AppError> {
    caller.require(Role::Customer)?;
    let Target { customer, .. } = target(caller)?;
    let id = self::product_id(product_id)?;
    let event = ProductEvent { action: ProductAction::Requested, priority: None, by: actor(caller), at: now() };
    match app.store.request_product(&customer, &id, &event, &caller.user.email).await.map_err(refused)? {
        RequestOutcome::Recorded => {
            let state = ProductState {
                product_id: Some(id),
                requested_by: Some(event.by.clone()),
                requested_at: Some(event.at),
                requester_email: Some(caller.user.email.clone()),
                ..ProductState::default()
            };
            Ok((state, Requested::Now))
        }
        RequestOutcome::AlreadyRequested(state) => Ok((*state, Requested::Already)),
    }
}

/// A row of the request page.
pub struct ProductRequest {
    pub product: Option<Product>,
    pub state: ProductState,
}

/// One page of the "Zscaler Products Request" page: products the customer requested or the
/// partner gave a priority or No Suggestion, with their history. One read of the customer's
/// products whatever the page holds, with the catalog from the function's memory.
#[tracing::instrument(name = "List product requests", skip_all)]
pub async fn list_requests(
    app: &App,
    caller: &Caller,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Page<ProductRequest>, AppError> {
    let target = target(caller)?;
    let (_, page, products) = tokio::try_join!(
        linked(app, &target),
        async {
            Ok::<_, AppError>(
                app.store.list_product_requests(&target.customer, cursor, limit.clamp(1, MAX_PAGE)).await??,
            )
        },
        catalog::all_products(app),
    )?;
    let catalog: HashMap<&ProductId, &Product> = products.iter().map(|p| (&p.product_id, p)).collect();
    let items = page
        .items
        .into_iter()
        .map(|state| ProductRequest {
            product: state.product_id.as_ref().and_then(|id| catalog.get(id).map(|p| (*p).clone())),
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

/// Whether a quote request was new, or the open one on the same product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoted {
    Now,
    AlreadyOpen,
}

/// Each address once, in the order first named (addresses are stored lower-cased; compared
/// so anyway).
fn distinct_addresses(addresses: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    addresses.into_iter().filter(|a| seen.insert(a.to_lowercase())).collect()
}

/// A partner asks for a quote on a product its active customer requested. The quote is
/// stored with an email to every admin and to the customer user who requested the product,
/// and its audit event, in one transaction. While a quote on the product is open (for
/// [`QUOTE_OPEN_DAYS`](crate::domain::catalog::QUOTE_OPEN_DAYS)), asking again answers with
/// that one and emails nobody. Quotes are limited per partner business, per requester and
/// per client address per day.
///
/// Two waves after the caller's own read: the link and the product's state (one read) with
/// the admins' addresses (one read), then the write.
///
/// # Errors
/// `Conflict(product_not_requested)` when the customer has not requested the product;
/// `RateLimited` when a daily limit is reached.
#[tracing::instrument(name = "Request a quote", skip_all, fields(product_id = %product_id))]
pub async fn request_quote(
    app: &App,
    caller: &Caller,
    product_id: &str,
    form: &QuoteForm,
    client: &str,
) -> Result<(Quote, Quoted), AppError> {
    caller.require(Role::Partner)?;
    let Target { customer, partner } = target(caller)?;
    let partner = partner.ok_or(AppError::Forbidden)?;
    let product = offered_product(app, product_id).await?;
    let message = Note::parse_optional(form.message.as_deref(), 4000)
        .map_err(|e| FieldErrors::single("message", e.to_string()))?;
    let ((link, state), admins) = tokio::try_join!(
        app.store.link_and_product_state(&partner, &customer, &product.product_id),
        app.store.admin_addresses(MAX_ADMIN_EMAILS),
    )?;
    let link = link.ok_or(AppError::NotFound("business"))?;
    let not_requested = || {
        AppError::conflict(
            "product_not_requested",
            format!(
                "{} has not requested {}; a quote can be requested only for a product the customer requested.",
                link.customer_name, product.name
            ),
        )
    };
    let Some(state) = state.filter(ProductState::requested) else {
        return Err(not_requested());
    };
    let by = actor(caller);
    let quote = Quote {
        quote_id: QuoteId::new(),
        customer_id: customer.clone(),
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
    let recipients = distinct_addresses(admins.into_iter().chain(state.requester_email.clone()));
    let emails = recipients
        .iter()
        .map(|to| outbox::message(app, to, EmailKind::QuoteRequested, params.clone(), None))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let event = ProductEvent { action: ProductAction::QuoteRequested, priority: None, by, at: quote.created_at };
    let audit = audit::event(
        &customer,
        audit::actor_of(caller),
        None,
        "quote_requested",
        json!({"quote_id": quote.quote_id, "product_id": quote.product_id, "partner_business": partner}),
    );
    let mut limits = vec![(QUOTES_PER_PARTNER, partner.as_ref()), (QUOTES_PER_ADDRESS, client)];
    limits.extend(state.requester_email.as_deref().map(|to| (QUOTES_PER_RECIPIENT, to)));
    let quotas = bounded_hits(&limits);
    match app.store.request_quote(&quote, &partner, &event, &emails, &audit, &quotas).await {
        Ok(QuoteOutcome::Requested) => {
            tracing::info!(quote_id = %quote.quote_id, emails = emails.len(), "Quote requested");
            Ok((quote, Quoted::Now))
        }
        Ok(QuoteOutcome::AlreadyOpen(open)) => {
            tracing::info!(quote_id = %open.quote_id, "A quote on this product is open; nobody emailed again");
            Ok((*open, Quoted::AlreadyOpen))
        }
        Err(WriteError::Conflict(Conflict::NotRequested)) => Err(not_requested()),
        Err(WriteError::Conflict(Conflict::RateLimited)) => {
            tracing::warn!("Daily quote limit reached");
            Err(AppError::RateLimited)
        }
        Err(e) => Err(refused(e)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn suggestion(body: serde_json::Value) -> Result<Suggestion, FieldErrors> {
        Suggestion::try_from(&serde_json::from_value::<PriorityForm>(body).unwrap())
    }

    #[test]
    fn quote_recipients_are_each_emailed_once_wherever_they_repeat() {
        let addresses = ["ops@portal.example", "hank@globex.example", "Ops@portal.example", "hank@globex.example"];
        let distinct = distinct_addresses(addresses.map(str::to_owned));
        assert_eq!(distinct, ["ops@portal.example", "hank@globex.example"]);
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
