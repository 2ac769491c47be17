//! The catalog, a customer's products and quotes, health checks, and the audit trail.

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use super::MemoryStore;
use super::state::{State, check, page, time_key};
use crate::domain::account::AccountKind;
use crate::domain::catalog::{
    Actor, HealthCheck, Note, Priority, Product, ProductEvent, ProductId, ProductState, QUOTE_OPEN_DAYS, Quote,
};
use crate::domain::ids::BusinessId;
use crate::domain::limits::Hit;
use crate::domain::records::{AuditEvent, OutboxMessage, PartnerLink};
use crate::ports::{
    AuditTrail, Catalog, Conflict, CustomerProducts, HealthChecks, Listing, QuoteOutcome, RequestOutcome, WriteError,
};

#[async_trait]
impl Catalog for MemoryStore {
    async fn get_product(&self, id: &ProductId) -> anyhow::Result<Option<Product>> {
        Ok(self.state().await.products.get(id).cloned())
    }

    async fn list_catalog(&self, cursor: Option<&str>, limit: i32) -> Listing<Product> {
        let s = self.state().await;
        let items = s.products.iter().map(|(id, p)| (id.to_string(), p.clone())).collect();
        Ok(page("catalog", items, false, cursor, limit))
    }

    async fn all_products(&self) -> anyhow::Result<Vec<Product>> {
        Ok(self.state().await.products.values().cloned().collect())
    }

    async fn put_product(&self, product: &Product) -> anyhow::Result<bool> {
        Ok(self.state().await.products.insert(product.product_id.clone(), product.clone()).is_none())
    }

    async fn seed_catalog(&self, products: &[Product]) -> anyhow::Result<usize> {
        let mut s = self.state().await;
        let mut added = 0;
        for product in products {
            if !s.products.contains_key(&product.product_id) {
                s.products.insert(product.product_id.clone(), product.clone());
                added += 1;
            }
        }
        Ok(added)
    }
}

impl State {
    /// The guards of a write on a customer's product: the partner is linked, the product
    /// offered.
    fn product_guards(&self, customer: &BusinessId, via: Option<&BusinessId>, id: &ProductId) -> [(bool, Conflict); 2] {
        let unlinked =
            via.is_some_and(|partner| !self.customer_side.contains_key(&(partner.clone(), customer.clone())));
        let unoffered = self.products.get(id).is_none_or(|p| p.retired);
        [(unlinked, Conflict::NotLinked), (unoffered, Conflict::ProductNotOffered)]
    }
}

#[async_trait]
impl CustomerProducts for MemoryStore {
    async fn get_product_state(&self, customer: &BusinessId, id: &ProductId) -> anyhow::Result<Option<ProductState>> {
        Ok(self.state().await.product_states.get(&(customer.clone(), id.clone())).cloned())
    }

    async fn product_states(&self, customer: &BusinessId) -> anyhow::Result<Vec<ProductState>> {
        let s = self.state().await;
        Ok(s.product_states.iter().filter(|((c, _), _)| c == customer).map(|(_, state)| state.clone()).collect())
    }

    async fn link_and_product_state(
        &self,
        partner: &BusinessId,
        customer: &BusinessId,
        id: &ProductId,
    ) -> anyhow::Result<(Option<PartnerLink>, Option<ProductState>)> {
        let s = self.state().await;
        Ok((
            s.customer_side.get(&(partner.clone(), customer.clone())).cloned(),
            s.product_states.get(&(customer.clone(), id.clone())).cloned(),
        ))
    }

    async fn set_product_note(
        &self,
        customer: &BusinessId,
        via: Option<&BusinessId>,
        id: &ProductId,
        note: Option<&Note>,
        by: &Actor,
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = check(s.product_guards(customer, via, id));
        if outcome.is_ok() {
            let state = s.product_states.entry((customer.clone(), id.clone())).or_default();
            state.product_id = Some(id.clone());
            state.note = note.cloned();
            state.note_by = Some(by.clone());
            state.note_at = Some(OffsetDateTime::now_utc());
        }
        self.record("set_product_note", &outcome);
        outcome
    }

    async fn set_product_suggestion(
        &self,
        customer: &BusinessId,
        via: Option<&BusinessId>,
        id: &ProductId,
        priority: Option<Priority>,
        event: &ProductEvent,
    ) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let outcome = check(s.product_guards(customer, via, id));
        let key = (customer.clone(), id.clone());
        let unchanged = s
            .product_states
            .get(&key)
            .is_some_and(|state| state.priority == priority && state.no_suggestion == priority.is_none());
        if outcome.is_ok() && !unchanged {
            let state = s.product_states.entry(key).or_default();
            state.product_id = Some(id.clone());
            state.priority = priority;
            state.no_suggestion = priority.is_none();
            state.listed_at = state.listed_at.or(Some(event.at));
            state.record(event.clone());
        }
        self.record("set_product_suggestion", &outcome);
        outcome
    }

    async fn request_product(
        &self,
        customer: &BusinessId,
        id: &ProductId,
        event: &ProductEvent,
        requester_email: &str,
    ) -> Result<RequestOutcome, WriteError> {
        let mut s = self.state().await;
        let key = (customer.clone(), id.clone());
        if let Some(state) = s.product_states.get(&key).filter(|state| state.requested()) {
            let outcome = Ok(RequestOutcome::AlreadyRequested(Box::new(state.clone())));
            self.record("request_product", &outcome);
            return outcome;
        }
        let outcome = check(s.product_guards(customer, None, id));
        if outcome.is_ok() {
            let state = s.product_states.entry(key).or_default();
            state.product_id = Some(id.clone());
            state.requested_by = Some(event.by.clone());
            state.requested_at = Some(event.at);
            state.requester_email = Some(requester_email.to_owned());
            state.listed_at = state.listed_at.or(Some(event.at));
            state.record(event.clone());
        }
        let outcome = outcome.map(|()| RequestOutcome::Recorded);
        self.record("request_product", &outcome);
        outcome
    }

    async fn list_product_requests(
        &self,
        customer: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> Listing<ProductState> {
        let s = self.state().await;
        let items = s
            .product_states
            .iter()
            .filter(|((c, _), state)| c == customer && state.listed_at.is_some())
            .map(|((_, id), state)| (id.to_string(), state.clone()))
            .collect();
        Ok(page(&format!("product-requests/{customer}"), items, false, cursor, limit))
    }

    async fn request_quote(
        &self,
        quote: &Quote,
        via: &BusinessId,
        event: &ProductEvent,
        emails: &[OutboxMessage],
        audit: &AuditEvent,
        quotas: &[Hit],
    ) -> Result<QuoteOutcome, WriteError> {
        let mut s = self.state().await;
        let key = (quote.customer_id.clone(), quote.product_id.clone());
        let state = s.product_states.get(&key).cloned().unwrap_or_default();
        let open = state.quote_at.filter(|at| *at + Duration::days(QUOTE_OPEN_DAYS) > OffsetDateTime::now_utc());
        let [unlinked, unoffered] = s.product_guards(&quote.customer_id, Some(via), &quote.product_id);
        if !unlinked.0 && !unoffered.0 && state.requested() && open.is_some() {
            let open = s.quotes.iter().find(|q| Some(&q.quote_id) == state.quote_id.as_ref()).cloned();
            let outcome = open
                .map(|open| QuoteOutcome::AlreadyOpen(Box::new(open)))
                .ok_or_else(|| WriteError::Unexpected(anyhow::anyhow!("the open quote is not stored")));
            self.record("request_quote", &outcome);
            return outcome;
        }
        let duplicate = s.quotes.iter().any(|q| q.quote_id == quote.quote_id)
            || emails.iter().any(|m| s.queued(m))
            || s.audits_exist(std::slice::from_ref(audit));
        let outcome = check([
            unlinked,
            unoffered,
            (!state.requested(), Conflict::NotRequested),
            (s.blocked(quotas), Conflict::RateLimited),
            (duplicate, Conflict::Duplicate),
        ]);
        if outcome.is_ok() {
            if let Some(state) = s.product_states.get_mut(&key) {
                state.quote_id = Some(quote.quote_id.clone());
                state.quote_status = Some(quote.status);
                state.quote_at = Some(quote.created_at);
                state.record(event.clone());
            }
            s.quotes.push(quote.clone());
            for email in emails {
                s.queue(email);
            }
            s.audit.push(audit.clone());
            s.apply(quotas);
        }
        let outcome = outcome.map(|()| QuoteOutcome::Requested);
        self.record("request_quote", &outcome);
        outcome
    }
}

#[async_trait]
impl HealthChecks for MemoryStore {
    async fn put_health_check(&self, health: &HealthCheck) -> Result<(), WriteError> {
        let mut s = self.state().await;
        let customer =
            s.businesses.get(&health.business_id).is_some_and(|item| item.business.kind == AccountKind::Customer);
        let outcome = check([(!customer, Conflict::NotACustomer)]);
        if outcome.is_ok() {
            s.health_checks.insert((health.business_id.clone(), health.kind.as_str()), health.clone());
        }
        self.record("put_health_check", &outcome);
        outcome
    }

    async fn list_health_checks(
        &self,
        business: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> Listing<HealthCheck> {
        let s = self.state().await;
        let items = s
            .health_checks
            .iter()
            .filter(|((b, _), _)| b == business)
            .map(|((_, kind), check)| ((*kind).to_owned(), check.clone()))
            .collect();
        Ok(page(&format!("health-checks/{business}"), items, false, cursor, limit))
    }
}

fn newest_first<'a>(events: impl Iterator<Item = &'a AuditEvent>) -> Vec<(String, AuditEvent)> {
    let mut items: Vec<(String, AuditEvent)> = events.map(|e| (time_key(e.at, &e.event_id), e.clone())).collect();
    items.sort_by(|a, b| b.0.cmp(&a.0));
    items
}

#[async_trait]
impl AuditTrail for MemoryStore {
    async fn put_audit(&self, event: &AuditEvent) -> anyhow::Result<()> {
        self.state().await.audit.push(event.clone());
        // Journaled, so a test can tell an audit event written on its own from one written
        // in the transaction of its change.
        self.record::<()>("put_audit", &Ok(()));
        Ok(())
    }

    async fn list_audit(&self, business: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<AuditEvent> {
        let s = self.state().await;
        let items = newest_first(s.audit.iter().filter(|e| &e.business_id == business));
        Ok(page(&format!("audit/{business}"), items, true, cursor, limit))
    }

    async fn list_all_audit(&self, cursor: Option<&str>, limit: i32) -> Listing<AuditEvent> {
        let s = self.state().await;
        Ok(page("audit", newest_first(s.audit.iter()), true, cursor, limit))
    }
}
