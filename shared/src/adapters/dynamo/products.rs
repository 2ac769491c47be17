//! A customer's products: the state of each product under the customer's partition (the
//! partner's note and priority, the customer's request, the latest quote, the history), and
//! the quote requests with their emails.

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use async_trait::async_trait;

use super::attrs::{record, s, time_text, value};
use super::expr::{Expr, name};
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, keys, outbox};
use crate::domain::catalog::{Actor, Note, Priority, ProductEvent, ProductId, ProductState, Quote};
use crate::domain::ids::BusinessId;
use crate::domain::records::OutboxMessage;
use crate::ports::{Conflict, CustomerProducts, Listing, WriteError};

fn products_of(customer: &BusinessId) -> Query {
    Query::table(keys::business(customer)).prefix(keys::PRODUCT_PREFIX)
}

#[async_trait]
impl CustomerProducts for DynamoStore {
    async fn get_product_state(&self, customer: &BusinessId, id: &ProductId) -> anyhow::Result<Option<ProductState>> {
        self.get(&keys::product_state(customer, id), "Failed to read a product's state").await
    }

    async fn product_states(&self, customer: &BusinessId) -> anyhow::Result<Vec<ProductState>> {
        self.all(&products_of(customer), "Failed to read a customer's products").await
    }

    async fn set_product_note(
        &self,
        customer: &BusinessId,
        id: &ProductId,
        note: Option<&Note>,
        by: &Actor,
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("product_id", s(id.as_ref()));
        expr.set_opt("note", note)?;
        expr.set("note_by", value(by)?).set("note_at", s(time_text(OffsetDateTime::now_utc())));
        self.write(Write::update(&keys::product_state(customer, id), expr), "Failed to store a note").await.map(drop)
    }

    async fn set_product_suggestion(
        &self,
        customer: &BusinessId,
        id: &ProductId,
        priority: Option<Priority>,
        event: &ProductEvent,
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("product_id", s(id.as_ref()));
        expr.set_opt("priority", priority.as_ref())?;
        expr.set("no_suggestion", AttributeValue::Bool(priority.is_none()));
        expr.set_if_absent("listed_at", s(time_text(event.at)));
        expr.append("history", event)?;
        let write = Write::update(&keys::product_state(customer, id), expr);
        self.write(write, "Failed to store a priority").await.map(drop)
    }

    async fn request_product(
        &self,
        customer: &BusinessId,
        id: &ProductId,
        event: &ProductEvent,
        requester_email: &str,
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("product_id", s(id.as_ref()));
        expr.set("requested_by", value(&event.by)?).set("requested_at", s(time_text(event.at)));
        expr.set("requester_email", s(requester_email));
        expr.set_if_absent("listed_at", s(time_text(event.at)));
        expr.append("history", event)?;
        let write = Write::update(&keys::product_state(customer, id), expr)
            .when(format!("attribute_not_exists({})", name("requested_at")), Conflict::AlreadyRequested);
        self.write(write, "Failed to store a request").await.map(drop)
    }

    /// Products with only a note are skipped by a filter, so pages are filled by reading on and
    /// the cursor is the key of the last product returned.
    async fn list_product_requests(
        &self,
        customer: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> Listing<ProductState> {
        let query = products_of(customer).only("attribute_exists(listed_at)").consistent();
        self.page(&query, cursor, limit, "Failed to list product requests").await
    }

    async fn request_quote(
        &self,
        quote: &Quote,
        event: &ProductEvent,
        emails: &[OutboxMessage],
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("quote_id", value(&quote.quote_id)?);
        expr.set("quote_status", value(&quote.status)?);
        expr.set("quote_at", s(time_text(quote.created_at)));
        expr.append("history", event)?;
        let mut writes = vec![
            Write::update(&keys::product_state(&quote.customer_id, &quote.product_id), expr)
                .when(format!("attribute_exists({})", name("requested_at")), Conflict::NotRequested),
            Write::put_new(record(&keys::quote(quote), quote)?, Conflict::Duplicate),
        ];
        for email in emails {
            writes.extend(outbox::queue(email)?);
        }
        self.transact(writes, "Failed to store a quote request").await
    }
}
