//! A customer's products: the state of each product under the customer's partition (the
//! partner's note and priority, the customer's request, the latest quote, the history), and
//! the quote requests with their emails.
//!
//! Every write is one transaction with its guards: the product is offered (in the catalog,
//! not retired) and, when a partner acts, the partner's side of its link exists. A product's
//! history is kept in two bounded chunks ([`ProductState::history`]): an event is appended to
//! the current chunk while it has room (a condition says so), or starts a new one, moving the
//! full chunk to `history_earlier` in the same update, so no read comes first and the item
//! stays bounded.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;
use time::OffsetDateTime;

use async_trait::async_trait;

use super::attrs::{Item, from_item, n, now_secs, record, s, time_text, value};
use super::cursor;
use super::expr::{Expr, name};
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, audit, keys, outbox, rate_limits};
use crate::domain::catalog::{
    Actor, HISTORY_CHUNK, Note, Priority, ProductEvent, ProductId, ProductState, QUOTE_OPEN_DAYS, Quote,
};
use crate::domain::ids::BusinessId;
use crate::domain::limits::Hit;
use crate::domain::records::{AuditEvent, OutboxMessage, PartnerLink};
use crate::ports::{BadCursor, Conflict, CustomerProducts, Listing, Page, QuoteOutcome, RequestOutcome, WriteError};

/// How many times a write retries when the history chunk it assumed changed meanwhile.
const HISTORY_ATTEMPTS: usize = 4;

/// A customer's products, strongly consistent: a view read just after a change shows it.
fn products_of(customer: &BusinessId) -> Query {
    Query::table(keys::business(customer)).prefix(keys::PRODUCT_PREFIX).consistent()
}

/// The product is in the catalog and not retired.
fn offered(id: &ProductId) -> Write {
    Write::check(&keys::product(id))
        .when(
            "attribute_exists(PK) AND (attribute_not_exists(#retired) OR #retired = :false)",
            Conflict::ProductNotOffered,
        )
        .bind(":false", AttributeValue::Bool(false))
}

/// The guards of every write on a customer's product: the partner acting is linked to it,
/// and the product is offered.
fn guards(customer: &BusinessId, via: Option<&BusinessId>, id: &ProductId) -> Vec<Write> {
    let mut writes: Vec<Write> = via
        .map(|partner| {
            Write::check(&keys::customer_of(partner, customer)).when("attribute_exists(PK)", Conflict::NotLinked)
        })
        .into_iter()
        .collect();
    writes.push(offered(id));
    writes
}

/// Where an event goes in a product's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// Appended to the current chunk, which has room.
    Current,
    /// A new chunk: the full current one becomes `history_earlier`.
    New,
}

impl Chunk {
    fn other(self) -> Self {
        match self {
            Self::Current => Self::New,
            Self::New => Self::Current,
        }
    }

    /// Adds the event to `expr`; returns the condition on the chunk this assumes.
    fn record(self, expr: &mut Expr, event: &ProductEvent) -> anyhow::Result<&'static str> {
        Ok(match self {
            Self::Current => {
                expr.append("history", event)?;
                "(attribute_not_exists(#history) OR size(#history) < :chunk)"
            }
            Self::New => {
                expr.copy("history_earlier", "history").set("history", value(&[event])?);
                "size(#history) >= :chunk"
            }
        })
    }
}

fn chunk_size() -> AttributeValue {
    n(i64::try_from(HISTORY_CHUNK).unwrap_or(i64::MAX))
}

/// A product's state as stored, with what only the table keeps: until when its latest quote
/// request is open.
#[derive(Debug, Deserialize)]
struct StoredProduct {
    #[serde(flatten)]
    state: ProductState,
    #[serde(default)]
    quote_open_until: Option<i64>,
}

#[async_trait]
impl CustomerProducts for DynamoStore {
    async fn get_product_state(&self, customer: &BusinessId, id: &ProductId) -> anyhow::Result<Option<ProductState>> {
        self.get(&keys::product_state(customer, id), "Failed to read a product's state").await
    }

    /// One Query (at most one item per catalog product; more only past DynamoDB's 1 MB page).
    async fn product_states(&self, customer: &BusinessId) -> anyhow::Result<Vec<ProductState>> {
        self.all(&products_of(customer), "Failed to read a customer's products").await
    }

    async fn link_and_product_state(
        &self,
        partner: &BusinessId,
        customer: &BusinessId,
        id: &ProductId,
    ) -> anyhow::Result<(Option<PartnerLink>, Option<ProductState>)> {
        let [link, state]: [_; 2] = self
            .get_many(
                &[keys::customer_of(partner, customer), keys::product_state(customer, id)],
                "Failed to read the link and the product's state",
            )
            .await?
            .try_into()
            .map_err(|_| anyhow::anyhow!("a batch read answers one entry per key"))?;
        Ok((link.map(from_item).transpose()?, state.map(from_item).transpose()?))
    }

    async fn set_product_note(
        &self,
        customer: &BusinessId,
        via: Option<&BusinessId>,
        id: &ProductId,
        note: Option<&Note>,
        by: &Actor,
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("product_id", s(id.as_ref()));
        expr.set_opt("note", note)?;
        expr.set("note_by", value(by)?).set("note_at", s(time_text(OffsetDateTime::now_utc())));
        let mut writes = guards(customer, via, id);
        writes.push(Write::update(&keys::product_state(customer, id), expr));
        self.transact(writes, "Failed to store a note").await
    }

    async fn set_product_suggestion(
        &self,
        customer: &BusinessId,
        via: Option<&BusinessId>,
        id: &ProductId,
        priority: Option<Priority>,
        event: &ProductEvent,
    ) -> Result<(), WriteError> {
        // The condition says both "room in this chunk" and "not already this suggestion";
        // when it fails, the stored state tells which (unchanged: nothing to record).
        let mut chunk = Chunk::Current;
        for _ in 0..HISTORY_ATTEMPTS {
            let mut expr = Expr::default();
            expr.set("product_id", s(id.as_ref()));
            expr.set_opt("priority", priority.as_ref())?;
            expr.set("no_suggestion", AttributeValue::Bool(priority.is_none()));
            expr.set_if_absent("listed_at", s(time_text(event.at)));
            let history = chunk.record(&mut expr, event)?;
            // Storing the suggestion the product already has (a retry whose first answer was
            // lost, a double click) records no second event.
            let unchanged = match priority {
                Some(_) => format!("{} = :no AND {} = :same", name("no_suggestion"), name("priority")),
                None => format!("{} = :yes", name("no_suggestion")),
            };
            let mut update = Write::update(&keys::product_state(customer, id), expr)
                .when(format!("NOT ({unchanged}) AND {history}"), Conflict::HistoryFull)
                .bind(":chunk", chunk_size());
            update = match &priority {
                Some(p) => update.bind(":no", AttributeValue::Bool(false)).bind(":same", value(p)?),
                None => update.bind(":yes", AttributeValue::Bool(true)),
            };
            let mut writes = guards(customer, via, id);
            writes.push(update);
            match self.transact(writes, "Failed to store a priority").await {
                Err(WriteError::Conflict(Conflict::HistoryFull)) => match self.get_product_state(customer, id).await? {
                    Some(state) if state.suggestion() == Some(priority) => return Ok(()),
                    _ => chunk = chunk.other(),
                },
                outcome => return outcome,
            }
        }
        Err(WriteError::Unexpected(anyhow::anyhow!("A product's history kept changing while storing a priority")))
    }

    /// The update's condition says both "not requested yet" and "room in this chunk"; when it
    /// fails, the stored state tells which (and is the answer when it was requested).
    async fn request_product(
        &self,
        customer: &BusinessId,
        id: &ProductId,
        event: &ProductEvent,
        requester_email: &str,
    ) -> Result<RequestOutcome, WriteError> {
        let mut chunk = Chunk::Current;
        for _ in 0..HISTORY_ATTEMPTS {
            let mut expr = Expr::default();
            expr.set("product_id", s(id.as_ref()));
            expr.set("requested_by", value(&event.by)?).set("requested_at", s(time_text(event.at)));
            expr.set("requester_email", s(requester_email));
            expr.set_if_absent("listed_at", s(time_text(event.at)));
            let history = chunk.record(&mut expr, event)?;
            let mut writes = guards(customer, None, id);
            writes.push(
                Write::update(&keys::product_state(customer, id), expr)
                    .when(
                        format!("attribute_not_exists({}) AND {history}", name("requested_at")),
                        Conflict::AlreadyRequested,
                    )
                    .bind(":chunk", chunk_size()),
            );
            match self.transact(writes, "Failed to store a request").await {
                Ok(()) => return Ok(RequestOutcome::Recorded),
                Err(WriteError::Conflict(Conflict::AlreadyRequested)) => {
                    match self.get_product_state(customer, id).await? {
                        Some(state) if state.requested() => {
                            return Ok(RequestOutcome::AlreadyRequested(Box::new(state)));
                        }
                        _ => chunk = chunk.other(),
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(WriteError::Unexpected(anyhow::anyhow!("A product's history kept changing while storing a request")))
    }

    /// One Query of the customer's products (at most one per catalog product), filtered and
    /// paged here: a page never needs a second read, however few products are listed. The
    /// cursor is the key of the last product returned.
    async fn list_product_requests(
        &self,
        customer: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> Listing<ProductState> {
        let partition = keys::business(customer);
        let after = match cursor.map(|c| cursor::decode(c, "PK", &partition)) {
            None => None,
            Some(Ok(key)) => match key.get("SK").and_then(|v| v.as_s().ok()) {
                Some(sk) if sk.starts_with(keys::PRODUCT_PREFIX) => Some(sk.clone()),
                _ => return Ok(Err(BadCursor)),
            },
            Some(Err(BadCursor)) => return Ok(Err(BadCursor)),
        };
        let states: Vec<ProductState> = self.product_states(customer).await?;
        let want = usize::try_from(limit.max(1)).unwrap_or(1);
        let mut listed = states.into_iter().filter_map(|state| {
            let sort = format!("{}{}", keys::PRODUCT_PREFIX, state.product_id.as_ref()?);
            (state.listed_at.is_some() && after.as_ref().is_none_or(|after| &sort > after)).then_some((sort, state))
        });
        let items: Vec<(String, ProductState)> = listed.by_ref().take(want).collect();
        let next_cursor = match (items.last(), listed.next()) {
            (Some((sort, _)), Some(_)) => {
                Some(cursor::encode(&Item::from([("PK".to_owned(), s(&partition)), ("SK".to_owned(), s(sort))])))
            }
            _ => None,
        };
        Ok(Ok(Page { items: items.into_iter().map(|(_, state)| state).collect(), next_cursor }))
    }

    /// The update's condition says "requested", "no open quote" and "room in this chunk";
    /// when it fails, the stored state tells which.
    async fn request_quote(
        &self,
        quote: &Quote,
        via: &BusinessId,
        event: &ProductEvent,
        emails: &[OutboxMessage],
        audit: &AuditEvent,
        quotas: &[Hit],
    ) -> Result<QuoteOutcome, WriteError> {
        let (customer, id) = (&quote.customer_id, &quote.product_id);
        let open_until = (quote.created_at + time::Duration::days(QUOTE_OPEN_DAYS)).unix_timestamp();
        let mut chunk = Chunk::Current;
        for _ in 0..HISTORY_ATTEMPTS {
            let mut expr = Expr::default();
            expr.set("quote_id", value(&quote.quote_id)?);
            expr.set("quote_status", value(&quote.status)?);
            expr.set("quote_at", s(time_text(quote.created_at)));
            expr.set("quote_open_until", n(open_until));
            let history = chunk.record(&mut expr, event)?;
            let mut writes = guards(customer, Some(via), id);
            writes.push(
                Write::update(&keys::product_state(customer, id), expr)
                    .when(
                        format!(
                            "attribute_exists(#requested_at) \
                             AND (attribute_not_exists(#quote_open_until) OR #quote_open_until <= :now) AND {history}"
                        ),
                        Conflict::NotRequested,
                    )
                    .bind(":now", n(now_secs()))
                    .bind(":chunk", chunk_size()),
            );
            writes.push(Write::put_new(record(&keys::quote(quote), quote)?, Conflict::Duplicate));
            writes.push(audit::record_event(audit)?);
            for email in emails {
                writes.extend(outbox::queue(email)?);
            }
            writes.extend(quotas.iter().map(rate_limits::hit));
            match self.transact(writes, "Failed to store a quote request").await {
                Ok(()) => return Ok(QuoteOutcome::Requested),
                Err(WriteError::Conflict(Conflict::NotRequested)) => {
                    let stored: Option<StoredProduct> =
                        self.get(&keys::product_state(customer, id), "Failed to read a product's state").await?;
                    match stored {
                        None => return Err(WriteError::Conflict(Conflict::NotRequested)),
                        Some(StoredProduct { state, .. }) if !state.requested() => {
                            return Err(WriteError::Conflict(Conflict::NotRequested));
                        }
                        Some(StoredProduct { state, quote_open_until: Some(open_until) })
                            if open_until > now_secs() =>
                        {
                            let open = match (&state.quote_id, state.quote_at) {
                                (Some(quote_id), Some(at)) => {
                                    let key = keys::quote_of(customer, at, quote_id);
                                    self.get::<Quote>(&key, "Failed to read the open quote request").await?
                                }
                                _ => None,
                            };
                            return match open {
                                Some(open) => Ok(QuoteOutcome::AlreadyOpen(Box::new(open))),
                                None => Err(WriteError::Unexpected(anyhow::anyhow!(
                                    "A product's state names an open quote request that is not stored"
                                ))),
                            };
                        }
                        Some(_) => chunk = chunk.other(),
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(WriteError::Unexpected(anyhow::anyhow!("A product's history kept changing while storing a quote request")))
    }
}
