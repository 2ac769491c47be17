//! The one way the store writes: a [`Write`] (put, update, delete, or a condition check),
//! optionally conditioned, run alone ([`DynamoStore::write`]) or with others in one
//! transaction ([`DynamoStore::transact`]). A condition always comes with the [`Conflict`]
//! it guards against, and a failed condition is reported by that name, never by position.
//! Attribute names are written `#name` in update expressions and conditions alike; each is
//! mapped to `name` here.

use std::collections::HashMap;

use anyhow::{Context as _, anyhow};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, ReturnValue, TransactWriteItem, Update};

use super::DynamoStore;
use super::attrs::Item;
use super::expr::Expr;
use super::keys::Key;
use crate::ports::{Conflict, WriteError};

enum Action {
    Put(Item),
    Update(Item, Expr),
    Delete(Item),
    Check(Item),
}

/// One write, and the condition it holds under.
pub(super) struct Write {
    action: Action,
    condition: Option<String>,
    conflict: Option<Conflict>,
    values: Vec<(String, AttributeValue)>,
}

impl Write {
    fn new(action: Action) -> Self {
        Self { action, condition: None, conflict: None, values: Vec::new() }
    }

    /// Writes a whole item, replacing any item with its key.
    pub fn put(item: Item) -> Self {
        Self::new(Action::Put(item))
    }

    /// Writes a whole item only if no item has its key yet; `conflict` when one has.
    pub fn put_new(item: Item, conflict: Conflict) -> Self {
        Self::put(item).when("attribute_not_exists(PK)", conflict)
    }

    /// Changes some attributes of the item with `key` (creating it if missing, unless a
    /// condition says otherwise).
    pub fn update(key: &Key, expr: Expr) -> Self {
        Self::new(Action::Update(key.item(), expr))
    }

    pub fn delete(key: &Key) -> Self {
        Self::new(Action::Delete(key.item()))
    }

    /// Writes nothing: the transaction holds only if the item with `key` meets the
    /// condition given with [`Write::when`].
    pub fn check(key: &Key) -> Self {
        Self::new(Action::Check(key.item()))
    }

    /// Sets a boolean attribute to `to` only if it holds the opposite now (so of two racing
    /// writers only one wins); `conflict` when it does not (or the item is missing).
    pub fn flip(key: &Key, flag: &str, to: bool, conflict: Conflict) -> Self {
        let mut expr = Expr::default();
        expr.set(flag, AttributeValue::Bool(to));
        Self::update(key, expr)
            .when(format!("{} = :from", super::expr::name(flag)), conflict)
            .bind(":from", AttributeValue::Bool(!to))
    }

    /// The condition the write holds under, and the conflict it means when it does not
    /// hold. In the condition, `#name` is the attribute `name`, and each `:value` is given
    /// with [`Write::bind`].
    pub fn when(mut self, condition: impl Into<String>, conflict: Conflict) -> Self {
        self.condition = Some(condition.into());
        self.conflict = Some(conflict);
        self
    }

    /// A value the condition uses.
    pub fn bind(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.push((placeholder.to_owned(), value));
        self
    }

    /// The update expression's text, and every name and value of the write.
    fn parts(&mut self) -> Parts {
        let mut values: Vec<(String, AttributeValue)> = std::mem::take(&mut self.values);
        let update = match &mut self.action {
            Action::Update(_, expr) => {
                let expr = std::mem::take(expr);
                let text = expr.text();
                values.extend(expr.into_values());
                Some(text)
            }
            _ => None,
        };
        let mut names = HashMap::new();
        for text in [update.as_deref(), self.condition.as_deref()].into_iter().flatten() {
            names.extend(aliases(text));
        }
        Parts {
            update,
            condition: self.condition.take(),
            names: (!names.is_empty()).then_some(names),
            values: (!values.is_empty()).then(|| values.into_iter().collect()),
        }
    }

    /// The write as an item of a transaction on `table`.
    fn into_transact_item(mut self, table: &str) -> anyhow::Result<TransactWriteItem> {
        let Parts { update, condition, names, values } = self.parts();
        let item = TransactWriteItem::builder();
        Ok(match self.action {
            Action::Put(item_) => item.put(
                Put::builder()
                    .table_name(table)
                    .set_item(Some(item_))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .build()
                    .context("Failed to build a put")?,
            ),
            Action::Update(key, _) => item.update(
                Update::builder()
                    .table_name(table)
                    .set_key(Some(key))
                    .set_update_expression(update)
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .build()
                    .context("Failed to build an update")?,
            ),
            Action::Delete(key) => item.delete(
                Delete::builder()
                    .table_name(table)
                    .set_key(Some(key))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .build()
                    .context("Failed to build a delete")?,
            ),
            Action::Check(key) => item.condition_check(
                ConditionCheck::builder()
                    .table_name(table)
                    .set_key(Some(key))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .build()
                    .context("Failed to build a condition check (it needs a condition)")?,
            ),
        }
        .build())
    }
}

/// What the SDK's builders take of a write.
struct Parts {
    update: Option<String>,
    condition: Option<String>,
    names: Option<HashMap<String, String>>,
    values: Option<HashMap<String, AttributeValue>>,
}

/// The `#name` aliases an expression uses, each standing for the attribute `name`.
fn aliases(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.match_indices('#').map(move |(at, _)| {
        let name: String = text[at + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        (format!("#{name}"), name)
    })
}

/// The named conflict when the condition failed, else the error.
fn conflict_or<E>(conflict: Option<Conflict>, conditional: bool, e: SdkError<E>, what: &'static str) -> WriteError
where
    E: std::error::Error + Send + Sync + 'static,
{
    match conflict {
        Some(conflict) if conditional => WriteError::Conflict(conflict),
        _ => WriteError::Unexpected(anyhow!(e).context(what)),
    }
}

/// The conflict a cancelled transaction reports: of the writes whose condition failed
/// (their cancellation `codes`, in the order of the writes), the first in [`Conflict`]'s
/// order. `None` when no condition failed, or one failed that names no conflict.
fn named_conflict<'a>(
    codes: impl Iterator<Item = Option<&'a str>>,
    conflicts: &[Option<Conflict>],
) -> Option<Conflict> {
    codes
        .zip(conflicts)
        .filter(|(code, _)| *code == Some("ConditionalCheckFailed"))
        .map(|(_, conflict)| *conflict)
        .min()
        .flatten()
}

impl DynamoStore {
    /// Runs one write. Returns the item as it is after an update, or as it was before a
    /// put or a delete (empty if there was none). `Conflict` (its name) when its condition
    /// fails.
    pub(super) async fn write(&self, mut write: Write, what: &'static str) -> Result<Item, WriteError> {
        let conflict = write.conflict;
        let Parts { update, condition, names, values } = write.parts();
        let returned = match write.action {
            Action::Put(item) => self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .return_values(ReturnValue::AllOld)
                .send()
                .await
                .map(|out| out.attributes)
                .map_err(|e| {
                    let conditional =
                        matches!(e.as_service_error(), Some(PutItemError::ConditionalCheckFailedException(_)));
                    conflict_or(conflict, conditional, e, what)
                })?,
            Action::Update(key, _) => self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key))
                .set_update_expression(update)
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .return_values(ReturnValue::AllNew)
                .send()
                .await
                .map(|out| out.attributes)
                .map_err(|e| {
                    let conditional =
                        matches!(e.as_service_error(), Some(UpdateItemError::ConditionalCheckFailedException(_)));
                    conflict_or(conflict, conditional, e, what)
                })?,
            Action::Delete(key) => self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key))
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .return_values(ReturnValue::AllOld)
                .send()
                .await
                .map(|out| out.attributes)
                .map_err(|e| {
                    let conditional =
                        matches!(e.as_service_error(), Some(DeleteItemError::ConditionalCheckFailedException(_)));
                    conflict_or(conflict, conditional, e, what)
                })?,
            Action::Check(_) => {
                return Err(WriteError::Unexpected(anyhow!("{what}: a condition check is only part of a transaction")));
            }
        };
        Ok(returned.unwrap_or_default())
    }

    /// Runs writes as one transaction: all or nothing. `Conflict` when a condition fails,
    /// with the name of that write's conflict (the first in [`Conflict`]'s order when
    /// several fail).
    ///
    /// A transaction cancelled only because another one was changing the same items at that
    /// moment (`TransactionConflict`: two clicks of one button, two counters of one window)
    /// wrote nothing, so it is sent again, up to three times, after a short random pause:
    /// then its conditions decide.
    pub(super) async fn transact(&self, writes: Vec<Write>, what: &'static str) -> Result<(), WriteError> {
        let conflicts: Vec<Option<Conflict>> = writes.iter().map(|w| w.conflict).collect();
        let items =
            writes.into_iter().map(|w| w.into_transact_item(&self.table)).collect::<anyhow::Result<Vec<_>>>()?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let sent = self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
            let cancelled = match sent {
                Ok(_) => return Ok(()),
                Err(SdkError::ServiceError(e)) => match e.into_err() {
                    TransactWriteItemsError::TransactionCanceledException(cancel) => cancel,
                    other => return Err(WriteError::Unexpected(anyhow!(other).context(what))),
                },
                Err(e) => return Err(WriteError::Unexpected(anyhow!(e).context(what))),
            };
            let codes: Vec<Option<&str>> = cancelled.cancellation_reasons().iter().map(|r| r.code()).collect();
            if let Some(conflict) = named_conflict(codes.iter().copied(), &conflicts) {
                return Err(WriteError::Conflict(conflict));
            }
            if attempt < 4 && codes.contains(&Some("TransactionConflict")) {
                let pause = 10 * u64::from(attempt) + rand::random_range(0..20);
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                continue;
            }
            // Cancelled for another reason, or a write without a condition reported as
            // failing one.
            return Err(WriteError::Unexpected(anyhow!("{what}: transaction cancelled: {cancelled:?}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_transaction_reports_the_first_declared_of_its_failed_conflicts() {
        let conflicts = [Some(Conflict::EmailTaken), None, Some(Conflict::Duplicate), Some(Conflict::LinkUsed)];
        let codes = [Some("ConditionalCheckFailed"), Some("None"), Some("None"), Some("ConditionalCheckFailed")];
        assert_eq!(named_conflict(codes.into_iter(), &conflicts), Some(Conflict::LinkUsed));
        let codes = [Some("ConditionalCheckFailed"), Some("None"), Some("None"), Some("None")];
        assert_eq!(named_conflict(codes.into_iter(), &conflicts), Some(Conflict::EmailTaken));
    }

    #[test]
    fn a_transaction_cancelled_for_another_reason_names_no_conflict() {
        let conflicts = [Some(Conflict::EmailTaken), None];
        let codes = [Some("TransactionConflict"), Some("None")];
        assert_eq!(named_conflict(codes.into_iter(), &conflicts), None);
        let codes = [Some("None"), Some("ConditionalCheckFailed")];
        assert_eq!(named_conflict(codes.into_iter(), &conflicts), None, "a write without a condition");
    }

    #[test]
    fn every_hash_name_in_an_expression_maps_to_its_attribute() {
        let names: HashMap<String, String> =
            aliases("#status = :pending AND (attribute_not_exists(#lease_until) OR #lease_until < :now)").collect();
        assert_eq!(
            names,
            HashMap::from([
                ("#status".to_owned(), "status".to_owned()),
                ("#lease_until".to_owned(), "lease_until".to_owned()),
            ])
        );
    }
}
