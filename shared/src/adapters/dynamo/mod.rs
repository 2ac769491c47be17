//! DynamoDB single-table store. Every access pattern and its key is listed in
//! `infra/TABLE.md`; only GetItem, Query, conditional writes and transactions are used, never
//! Scan. Methods speak in domain records; no SDK type leaves this module.

use std::collections::HashMap;

use anyhow::{Context as _, anyhow};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, ReturnValue, Select, TransactWriteItem, Update};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::domain::ids::{BusinessId, InvitationId, OutboxId, RequestId, UserId};
use crate::domain::records::{
    AuditEvent, Business, EmailOwner, Invitation, InvitationStatus, OutboxMessage, OutboxStatus, PartnerLink,
    RequestStatus, SignUpRequest, StoredToken, User,
};
use crate::domain::token::{TokenHash, TokenPurpose};

mod businesses;
mod customers;
mod dashboard;
mod sessions;

pub use businesses::directory_name;

type Item = HashMap<String, AttributeValue>;

/// A page of a listing and the opaque cursor of the next one.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Why a conditional write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The condition of the write at this position of the transaction (0 for a single write)
    /// did not hold: someone else got there first, or the state is not the expected one.
    #[error("condition failed at item {0:?}")]
    Conflict(Vec<usize>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A cursor that was not one of ours.
#[derive(Debug, thiserror::Error)]
#[error("the cursor is not valid for this listing")]
pub struct BadCursor;

/// The portal's table.
#[derive(Clone)]
pub struct Store {
    client: Client,
    table: String,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

// Keys. Tenant data lives under `BUS#<id>`; see infra/TABLE.md.
fn email_pk(email: &str) -> String {
    format!("EMAIL#{email}")
}
fn request_pk(id: &RequestId) -> String {
    format!("REQ#{id}")
}
fn user_pk(id: &UserId) -> String {
    format!("USER#{id}")
}
fn business_pk(id: &BusinessId) -> String {
    format!("BUS#{id}")
}
fn token_pk(hash: &TokenHash) -> String {
    format!("TOKEN#{}", hash.as_ref())
}
fn outbox_pk(id: &OutboxId) -> String {
    format!("OUTBOX#{id}")
}
fn request_gsi(status: RequestStatus) -> String {
    format!("REQ#{}", status.as_str())
}
const OUTBOX_PENDING: &str = "OUTBOX#pending";
const OUTBOX_DEAD: &str = "OUTBOX#dead";

/// Serialises a record and adds its keys.
fn record_item<T: Serialize>(pk: String, sk: &str, record: &T) -> anyhow::Result<Item> {
    let mut item: Item = serde_dynamo::to_item(record).context("Failed to serialise a record")?;
    item.insert("PK".into(), s(pk));
    item.insert("SK".into(), s(sk));
    Ok(item)
}

fn from_item<T: DeserializeOwned>(item: Item) -> anyhow::Result<T> {
    serde_dynamo::from_item(item).context("Failed to read a stored record")
}

fn with(mut item: Item, extra: &[(&str, AttributeValue)]) -> Item {
    for (k, v) in extra {
        item.insert((*k).to_owned(), v.clone());
    }
    item
}

fn outbox_gsi_sort(next_attempt_at: i64, id: &OutboxId) -> String {
    format!("{next_attempt_at:012}#{id}")
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    // ---- building blocks -------------------------------------------------------------

    fn put(&self, item: Item, condition: Option<&str>, values: &[(&str, AttributeValue)]) -> anyhow::Result<Put> {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        if let Some(condition) = condition {
            put = put.condition_expression(condition);
        }
        for (k, v) in values {
            put = put.expression_attribute_values(*k, v.clone());
        }
        if condition.is_some_and(|c| c.contains("#owner")) {
            put = put.expression_attribute_names("#owner", "owner");
        }
        if condition.is_some_and(|c| c.contains("#status")) {
            put = put.expression_attribute_names("#status", "status");
        }
        put.build().context("Failed to build a put")
    }

    fn new_put(&self, item: Item) -> anyhow::Result<TransactWriteItem> {
        Ok(TransactWriteItem::builder().put(self.put(item, Some("attribute_not_exists(PK)"), &[])?).build())
    }

    fn outbox_put(&self, message: &OutboxMessage) -> anyhow::Result<TransactWriteItem> {
        self.new_put(self.outbox_item(message)?)
    }

    fn outbox_item(&self, message: &OutboxMessage) -> anyhow::Result<Item> {
        Ok(with(
            record_item(outbox_pk(&message.outbox_id), "OUTBOX", message)?,
            &[
                ("GSI1PK", s(OUTBOX_PENDING)),
                ("GSI1SK", s(outbox_gsi_sort(message.next_attempt_at, &message.outbox_id))),
            ],
        ))
    }

    async fn transact(&self, items: Vec<TransactWriteItem>, what: &'static str) -> Result<(), WriteError> {
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                TransactWriteItemsError::TransactionCanceledException(cancel) => {
                    let failed: Vec<usize> = cancel
                        .cancellation_reasons()
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                        .map(|(i, _)| i)
                        .collect();
                    if failed.is_empty() {
                        // Cancelled for another reason (a conflicting transaction in flight).
                        Err(WriteError::Unexpected(anyhow!("{what}: transaction cancelled: {cancel:?}")))
                    } else {
                        Err(WriteError::Conflict(failed))
                    }
                }
                _ => Err(WriteError::Unexpected(anyhow!(SdkError::ServiceError(e)).context(what))),
            },
            Err(e) => Err(WriteError::Unexpected(anyhow!(e).context(what))),
        }
    }

    async fn get<T: DeserializeOwned>(&self, pk: String, sk: &str, what: &'static str) -> anyhow::Result<Option<T>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .context(what)?;
        out.item.map(from_item).transpose()
    }

    /// A single PutItem; with `new_only`, only if no item has that key yet.
    async fn put_one(&self, item: Item, new_only: bool, what: &'static str) -> anyhow::Result<()> {
        let mut put = self.client.put_item().table_name(&self.table).set_item(Some(item));
        if new_only {
            put = put.condition_expression("attribute_not_exists(PK)");
        }
        put.send().await.context(what)?;
        Ok(())
    }

    /// A conditional UpdateItem returning the new item; `Conflict(vec![0])` when the
    /// condition does not hold.
    async fn update(
        &self,
        key: Item,
        update: &str,
        condition: Option<&str>,
        names: &[(&str, &str)],
        values: &[(&str, AttributeValue)],
        what: &'static str,
    ) -> Result<Item, WriteError> {
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(update)
            .return_values(ReturnValue::AllNew);
        if let Some(condition) = condition {
            req = req.condition_expression(condition);
        }
        for (k, v) in names {
            req = req.expression_attribute_names(*k, *v);
        }
        for (k, v) in values {
            req = req.expression_attribute_values(*k, v.clone());
        }
        match req.send().await {
            Ok(out) => Ok(out.attributes.unwrap_or_default()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Err(WriteError::Conflict(vec![0]))
            }
            Err(e) => Err(WriteError::Unexpected(anyhow!(e).context(what))),
        }
    }

    /// Query one partition (of the table or of GSI1) with a sort-key prefix, a page at a time.
    async fn query_page<T: DeserializeOwned>(
        &self,
        index: Option<&str>,
        partition: &str,
        sort_prefix: &str,
        cursor: Option<&str>,
        limit: i32,
        what: &'static str,
    ) -> anyhow::Result<Result<Page<T>, BadCursor>> {
        self.query_page_in_order(index, partition, sort_prefix, cursor, limit, true, what).await
    }

    /// [`Self::query_page`] in ascending (`forward`) or descending sort-key order.
    #[allow(clippy::too_many_arguments)]
    async fn query_page_in_order<T: DeserializeOwned>(
        &self,
        index: Option<&str>,
        partition: &str,
        sort_prefix: &str,
        cursor: Option<&str>,
        limit: i32,
        forward: bool,
        what: &'static str,
    ) -> anyhow::Result<Result<Page<T>, BadCursor>> {
        let (pk_name, sk_name) = if index.is_some() { ("GSI1PK", "GSI1SK") } else { ("PK", "SK") };
        let start = match cursor.map(|c| decode_cursor(c, pk_name, partition)).transpose() {
            Ok(start) => start,
            Err(bad) => return Ok(Err(bad)),
        };
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(index.map(str::to_owned))
            .expression_attribute_names("#pk", pk_name)
            .expression_attribute_values(":pk", s(partition));
        // DynamoDB refuses an empty begins_with prefix: a whole partition is just `#pk = :pk`.
        query = if sort_prefix.is_empty() {
            query.key_condition_expression("#pk = :pk")
        } else {
            query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", sk_name)
                .expression_attribute_values(":prefix", s(sort_prefix))
        };
        let out =
            query.set_exclusive_start_key(start).scan_index_forward(forward).limit(limit).send().await.context(what)?;
        let items = out.items.unwrap_or_default().into_iter().map(from_item).collect::<anyhow::Result<Vec<T>>>()?;
        let next_cursor = out.last_evaluated_key.map(|k| encode_cursor(&k));
        Ok(Ok(Page { items, next_cursor }))
    }

    // ---- sign-up requests ------------------------------------------------------------

    /// Stores a new request, claims its email (one account or request per email) and queues
    /// its email in one transaction; with an invitation token, consumes that token too.
    /// Conflict positions: 0 = the email is taken, 3 = the invitation token is not usable.
    pub async fn create_signup_request(
        &self,
        request: &SignUpRequest,
        invitation_token: Option<&TokenHash>,
        outbox: &OutboxMessage,
    ) -> Result<(), WriteError> {
        let owner = EmailOwner::Request { request_id: request.request_id.clone() };
        let mut items = vec![
            self.new_put(record_item(email_pk(&request.email), "EMAIL", &owner)?)?,
            self.new_put(with(
                record_item(request_pk(&request.request_id), "REQ", request)?,
                &request_gsi_keys(request),
            ))?,
            self.outbox_put(outbox)?,
        ];
        if let Some(hash) = invitation_token {
            items.push(self.redeem_item(hash, TokenPurpose::Invitation)?);
        }
        self.transact(items, "Failed to store the sign-up request").await
    }

    pub async fn get_request(&self, id: &RequestId) -> anyhow::Result<Option<SignUpRequest>> {
        self.get(request_pk(id), "REQ", "Failed to read a sign-up request").await
    }

    /// Requests with a status, oldest first.
    pub async fn list_requests(
        &self,
        status: RequestStatus,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<SignUpRequest>, BadCursor>> {
        self.query_page(Some("GSI1"), &request_gsi(status), "", cursor, limit, "Failed to list sign-up requests").await
    }

    /// How many requests have a status (a COUNT query over the status index).
    pub async fn count_requests(&self, status: RequestStatus) -> anyhow::Result<u64> {
        let mut total = 0u64;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("GSI1")
                .key_condition_expression("GSI1PK = :pk")
                .expression_attribute_values(":pk", s(request_gsi(status)))
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .context("Failed to count sign-up requests")?;
            total += u64::try_from(out.count).unwrap_or_default();
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(total);
            }
        }
    }

    /// Approves a pending request: the request (only if still pending), the user, its
    /// business, the email now owned by the user, the links of an invited partner, and the
    /// set-password email, all or nothing. Conflict at 0: it was no longer pending.
    pub async fn approve_request(
        &self,
        request: &SignUpRequest,
        user: &User,
        business: &Business,
        link: Option<&PartnerLink>,
        outbox: &OutboxMessage,
        audits: &[AuditEvent],
    ) -> Result<(), WriteError> {
        let owner = EmailOwner::User { user_id: user.user_id.clone() };
        let mut items = vec![
            self.decide_put(request)?,
            self.new_put(record_item(user_pk(&user.user_id), "USER", user)?)?,
            self.new_put(with(
                record_item(business_pk(&business.business_id), "PROFILE", business)?,
                &businesses::directory_keys(&business.name, &business.business_id),
            ))?,
            TransactWriteItem::builder()
                .put(self.put(
                    record_item(email_pk(&request.email), "EMAIL", &owner)?,
                    Some("request_id = :rid"),
                    &[(":rid", s(request.request_id.as_ref()))],
                )?)
                .build(),
            self.outbox_put(outbox)?,
        ];
        for audit in audits {
            items.push(self.new_put(self.audit_item(audit)?)?);
        }
        if let Some(link) = link {
            items.extend(self.link_items(link)?);
            if let Some(invitation_id) = &link.invitation_id {
                items.push(self.invitation_status_item(
                    &link.customer_id,
                    invitation_id,
                    InvitationStatus::Accepted,
                )?);
            }
        }
        self.transact(items, "Failed to store the approval").await
    }

    /// Rejects a pending request and frees its email for a new sign-up. Conflict at 0: it was
    /// no longer pending.
    pub async fn reject_request(
        &self,
        request: &SignUpRequest,
        outbox: &OutboxMessage,
        audit: &AuditEvent,
    ) -> Result<(), WriteError> {
        let items = vec![
            self.decide_put(request)?,
            TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(key(email_pk(&request.email), "EMAIL")))
                        .condition_expression("request_id = :rid")
                        .expression_attribute_values(":rid", s(request.request_id.as_ref()))
                        .build()
                        .context("Failed to build a delete")?,
                )
                .build(),
            self.outbox_put(outbox)?,
            self.new_put(self.audit_item(audit)?)?,
        ];
        self.transact(items, "Failed to store the rejection").await
    }

    /// The decided request replaces the pending one, only while it is still pending.
    fn decide_put(&self, request: &SignUpRequest) -> anyhow::Result<TransactWriteItem> {
        let item = with(record_item(request_pk(&request.request_id), "REQ", request)?, &request_gsi_keys(request));
        Ok(TransactWriteItem::builder()
            .put(self.put(item, Some("#status = :pending"), &[(":pending", s("pending"))])?)
            .build())
    }

    // ---- emails, users, businesses ---------------------------------------------------

    pub async fn email_owner(&self, email: &str) -> anyhow::Result<Option<EmailOwner>> {
        self.get(email_pk(email), "EMAIL", "Failed to look up an email").await
    }

    pub async fn get_user(&self, id: &UserId) -> anyhow::Result<Option<User>> {
        self.get(user_pk(id), "USER", "Failed to read a user").await
    }

    /// The user holding an email, if a user (not a request) holds it.
    pub async fn user_by_email(&self, email: &str) -> anyhow::Result<Option<User>> {
        match self.email_owner(email).await? {
            Some(EmailOwner::User { user_id }) => self.get_user(&user_id).await,
            _ => Ok(None),
        }
    }

    pub async fn get_business(&self, id: &BusinessId) -> anyhow::Result<Option<Business>> {
        self.get(business_pk(id), "PROFILE", "Failed to read a business").await
    }

    /// Stores a user created outside the sign-up flow (an admin, who has no business
    /// record) with its email marker, and its business if it has one. Conflict at 0: the
    /// email is taken.
    pub async fn create_user(&self, user: &User, business: Option<&Business>) -> Result<(), WriteError> {
        let owner = EmailOwner::User { user_id: user.user_id.clone() };
        let mut items = vec![
            self.new_put(record_item(email_pk(&user.email), "EMAIL", &owner)?)?,
            self.new_put(record_item(user_pk(&user.user_id), "USER", user)?)?,
        ];
        if let Some(business) = business {
            items.push(
                TransactWriteItem::builder()
                    .put(self.put(record_item(business_pk(&business.business_id), "PROFILE", business)?, None, &[])?)
                    .build(),
            );
        }
        self.transact(items, "Failed to store a user").await
    }

    /// Marks a user active after its first password is set (no-op if it already is).
    pub async fn activate_user(&self, id: &UserId) -> Result<(), WriteError> {
        self.update(
            key(user_pk(id), "USER"),
            "SET #status = :active",
            Some("attribute_exists(PK) AND #status <> :locked"),
            &[("#status", "status")],
            &[(":active", s("active")), (":locked", s("locked"))],
            "Failed to activate a user",
        )
        .await
        .map(|_| ())
    }

    /// Refuses every access token of the user issued before `valid_after` (Unix seconds).
    pub async fn revoke_tokens_before(&self, id: &UserId, valid_after: i64) -> Result<(), WriteError> {
        self.update(
            key(user_pk(id), "USER"),
            "SET tokens_valid_after = :t",
            Some("attribute_exists(PK)"),
            &[],
            &[(":t", n(valid_after))],
            "Failed to revoke a user's sessions",
        )
        .await
        .map(|_| ())
    }

    // ---- link tokens -----------------------------------------------------------------

    pub async fn put_token(&self, hash: &TokenHash, token: &StoredToken) -> anyhow::Result<()> {
        let item = with(record_item(token_pk(hash), "TOKEN", token)?, &[("ttl", n(token.expires_at + 86_400))]);
        self.put_one(item, true, "Failed to store a link token").await
    }

    pub async fn delete_token(&self, hash: &TokenHash) -> anyhow::Result<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(token_pk(hash), "TOKEN")))
            .send()
            .await
            .context("Failed to delete a link token")?;
        Ok(())
    }

    /// Reads a token without changing it (for rendering the page a link opens).
    pub async fn get_token(&self, hash: &TokenHash) -> anyhow::Result<Option<StoredToken>> {
        self.get(token_pk(hash), "TOKEN", "Failed to read a link token").await
    }

    fn redeem_item(&self, hash: &TokenHash, purpose: TokenPurpose) -> anyhow::Result<TransactWriteItem> {
        let (update, condition, values) = redeem_expression(purpose);
        Ok(TransactWriteItem::builder()
            .update(
                Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(token_pk(hash), "TOKEN")))
                    .update_expression(update)
                    .condition_expression(condition)
                    .set_expression_attribute_values(Some(values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
                    .build()
                    .context("Failed to build a token redemption")?,
            )
            .build())
    }

    /// Uses a token: one conditional write (`unused AND not expired AND this purpose`), so of
    /// two concurrent redemptions exactly one wins. `Conflict` when the token is unknown, used,
    /// expired or for another purpose.
    pub async fn redeem_token(&self, hash: &TokenHash, purpose: TokenPurpose) -> Result<StoredToken, WriteError> {
        let (update, condition, values) = redeem_expression(purpose);
        let item = self
            .update(
                key(token_pk(hash), "TOKEN"),
                update,
                Some(condition),
                &[],
                &values,
                "Failed to redeem a link token",
            )
            .await?;
        Ok(from_item(item)?)
    }

    /// Gives a redeemed token back when the action it paid for could not be completed (the
    /// identity provider failed), so the person can simply try again.
    pub async fn release_token(&self, hash: &TokenHash) -> anyhow::Result<()> {
        self.flip_flag(key(token_pk(hash), "TOKEN"), "used", false, "Failed to release a link token")
            .await
            .map_err(|e| anyhow!(e))
    }

    /// Sets a boolean attribute to `to` only if it holds the opposite now (so only one of
    /// two racing writers wins); `Conflict` when it does not (or the item is missing).
    async fn flip_flag(&self, key: Item, flag: &str, to: bool, what: &'static str) -> Result<(), WriteError> {
        self.update(
            key,
            "SET #flag = :to",
            Some("#flag = :from"),
            &[("#flag", flag)],
            &[(":to", AttributeValue::Bool(to)), (":from", AttributeValue::Bool(!to))],
            what,
        )
        .await
        .map(|_| ())
    }

    // ---- partners and invitations ----------------------------------------------------

    fn link_items(&self, link: &PartnerLink) -> anyhow::Result<Vec<TransactWriteItem>> {
        let partner_side = format!("PARTNER#{}", link.partner_id);
        let customer_side = format!("CUSTOMER#{}", link.customer_id);
        Ok(vec![
            self.new_put(record_item(business_pk(&link.customer_id), &partner_side, link)?)?,
            self.new_put(record_item(business_pk(&link.partner_id), &customer_side, link)?)?,
        ])
    }

    fn invitation_status_item(
        &self,
        customer: &BusinessId,
        invitation: &InvitationId,
        status: InvitationStatus,
    ) -> anyhow::Result<TransactWriteItem> {
        let status = serde_json::to_value(status)?.as_str().unwrap_or_default().to_owned();
        Ok(TransactWriteItem::builder()
            .update(
                Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(business_pk(customer), format!("INVITE#{invitation}"))))
                    .update_expression("SET #status = :s")
                    .condition_expression("attribute_exists(PK)")
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":s", s(status))
                    .build()
                    .context("Failed to build an invitation update")?,
            )
            .build())
    }

    /// Stores an invitation to a partner who has no account yet, with its email.
    pub async fn create_invitation(&self, invitation: &Invitation, outbox: &OutboxMessage) -> Result<(), WriteError> {
        let items = vec![self.new_put(invitation_item(invitation)?)?, self.outbox_put(outbox)?];
        self.transact(items, "Failed to store the invitation").await
    }

    /// Links a partner that already has an account to the customer at once and tells it by
    /// email. Conflict at 0: they were already linked.
    pub async fn link_existing_partner(
        &self,
        link: &PartnerLink,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audits: &[AuditEvent],
    ) -> Result<(), WriteError> {
        let mut items = self.link_items(link)?;
        items.push(self.new_put(invitation_item(invitation)?)?);
        items.push(self.outbox_put(outbox)?);
        for audit in audits {
            items.push(self.new_put(self.audit_item(audit)?)?);
        }
        self.transact(items, "Failed to link the partner").await
    }

    pub async fn get_invitation(&self, customer: &BusinessId, id: &InvitationId) -> anyhow::Result<Option<Invitation>> {
        self.get(business_pk(customer), &format!("INVITE#{id}"), "Failed to read an invitation").await
    }

    pub async fn get_partner_link(
        &self,
        customer: &BusinessId,
        partner: &BusinessId,
    ) -> anyhow::Result<Option<PartnerLink>> {
        self.get(business_pk(customer), &format!("PARTNER#{partner}"), "Failed to read a partner link").await
    }

    /// A customer's partners, a page at a time.
    pub async fn list_partners(
        &self,
        customer: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<PartnerLink>, BadCursor>> {
        self.query_page(None, &business_pk(customer), "PARTNER#", cursor, limit, "Failed to list partners").await
    }

    /// A customer's invitations (first page only: the most recent are what a person wants).
    pub async fn list_invitations(&self, customer: &BusinessId, limit: i32) -> anyhow::Result<Vec<Invitation>> {
        let page = self
            .query_page(None, &business_pk(customer), "INVITE#", None, limit, "Failed to list invitations")
            .await?
            .map_err(|_| anyhow!("no cursor was given"))?;
        Ok(page.items)
    }

    // ---- outbox ----------------------------------------------------------------------

    pub async fn put_outbox(&self, message: &OutboxMessage) -> anyhow::Result<()> {
        self.put_one(self.outbox_item(message)?, false, "Failed to queue an email").await
    }

    /// Takes a due pending message for `lease_secs`, so that two senders never send it twice
    /// at once. `None` if it is not pending, not due, or another sender holds it.
    pub async fn claim_outbox(&self, id: &OutboxId, lease_secs: i64) -> anyhow::Result<Option<OutboxMessage>> {
        let now = now_secs();
        match self
            .update(
                key(outbox_pk(id), "OUTBOX"),
                "SET lease_until = :lease",
                Some("#status = :pending AND next_attempt_at <= :now AND (attribute_not_exists(lease_until) OR lease_until < :now)"),
                &[("#status", "status")],
                &[(":pending", s("pending")), (":now", n(now)), (":lease", n(now + lease_secs))],
                "Failed to claim an email",
            )
            .await
        {
            Ok(item) => Ok(Some(from_item(item)?)),
            Err(WriteError::Conflict(_)) => Ok(None),
            Err(WriteError::Unexpected(e)) => Err(e),
        }
    }

    pub async fn mark_outbox_sent(&self, id: &OutboxId) -> anyhow::Result<()> {
        let now = now_secs();
        self.update(
            key(outbox_pk(id), "OUTBOX"),
            "SET #status = :sent, sent_at = :now, #ttl = :ttl REMOVE GSI1PK, GSI1SK, lease_until",
            Some("attribute_exists(PK)"),
            &[("#status", "status"), ("#ttl", "ttl")],
            &[(":sent", s("sent")), (":now", n(now)), (":ttl", n(now + 30 * 86_400))],
            "Failed to mark an email sent",
        )
        .await
        .map(|_| ())
        .map_err(|e| anyhow!(e))
    }

    /// Records a failed attempt: retried at `next_attempt_at`, or dead-lettered.
    pub async fn mark_outbox_failed(
        &self,
        message: &OutboxMessage,
        error: &str,
        next_attempt_at: i64,
        dead: bool,
    ) -> anyhow::Result<()> {
        let (status, gsi) = if dead { ("dead", OUTBOX_DEAD) } else { ("pending", OUTBOX_PENDING) };
        self.update(
            key(outbox_pk(&message.outbox_id), "OUTBOX"),
            "SET #status = :status, attempts = :attempts, next_attempt_at = :next, last_error = :error, \
             GSI1PK = :gsi, GSI1SK = :sort REMOVE lease_until",
            Some("attribute_exists(PK)"),
            &[("#status", "status")],
            &[
                (":status", s(status)),
                (":attempts", n(i64::from(message.attempts) + 1)),
                (":next", n(next_attempt_at)),
                (":error", s(error)),
                (":gsi", s(gsi)),
                (":sort", s(outbox_gsi_sort(next_attempt_at, &message.outbox_id))),
            ],
            "Failed to record a failed email",
        )
        .await
        .map(|_| ())
        .map_err(|e| anyhow!(e))
    }

    /// Pending messages due by now, oldest first.
    pub async fn due_outbox(&self, limit: i32) -> anyhow::Result<Vec<OutboxId>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :pk AND GSI1SK <= :upto")
            .expression_attribute_values(":pk", s(OUTBOX_PENDING))
            .expression_attribute_values(":upto", s(format!("{:012}$", now_secs())))
            .limit(limit)
            .send()
            .await
            .context("Failed to list due emails")?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<OutboxMessage>(item).map(|m| m.outbox_id))
            .collect()
    }

    /// Emails that could not be sent after every attempt, a page at a time.
    pub async fn list_outbox(
        &self,
        status: OutboxStatus,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<OutboxMessage>, BadCursor>> {
        let partition = if status == OutboxStatus::Dead { OUTBOX_DEAD } else { OUTBOX_PENDING };
        self.query_page(Some("GSI1"), partition, "", cursor, limit, "Failed to list emails").await
    }

    pub async fn get_outbox(&self, id: &OutboxId) -> anyhow::Result<Option<OutboxMessage>> {
        self.get(outbox_pk(id), "OUTBOX", "Failed to read an email").await
    }

    // ---- rate limits -----------------------------------------------------------------

    /// Counts one hit against `bucket` in the current fixed window and returns the count.
    pub async fn hit_rate_limit(&self, bucket: &str, window_secs: i64) -> anyhow::Result<i64> {
        let now = now_secs();
        let window = now - now.rem_euclid(window_secs);
        let item = self
            .update(
                key(format!("RATE#{bucket}#{window}"), "RATE"),
                "ADD hits :one SET #ttl = :ttl",
                None,
                &[("#ttl", "ttl")],
                &[(":one", n(1)), (":ttl", n(window + 2 * window_secs))],
                "Failed to count a rate-limited request",
            )
            .await
            .map_err(|e| anyhow!(e))?;
        item.get("hits")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .context("Rate limit counter has no hits")
    }
}

fn request_gsi_keys(request: &SignUpRequest) -> [(&'static str, AttributeValue); 2] {
    let created = request.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    [("GSI1PK", s(request_gsi(request.status))), ("GSI1SK", s(format!("{created}#{}", request.request_id)))]
}

fn invitation_item(invitation: &Invitation) -> anyhow::Result<Item> {
    record_item(business_pk(&invitation.customer_id), &format!("INVITE#{}", invitation.invitation_id), invitation)
}

fn redeem_expression(purpose: TokenPurpose) -> (&'static str, &'static str, Vec<(&'static str, AttributeValue)>) {
    let purpose = serde_json::to_value(purpose).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    (
        "SET used = :t, used_at = :now",
        "attribute_exists(PK) AND purpose = :purpose AND used = :f AND expires_at > :now",
        vec![
            (":t", AttributeValue::Bool(true)),
            (":f", AttributeValue::Bool(false)),
            (":now", n(now_secs())),
            (":purpose", s(purpose)),
        ],
    )
}

fn encode_cursor(key: &Item) -> String {
    let plain: HashMap<&str, &str> =
        key.iter().filter_map(|(k, v)| v.as_s().ok().map(|v| (k.as_str(), v.as_str()))).collect();
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&plain).unwrap_or_default())
}

/// A cursor is accepted only for the partition it came from, so a crafted cursor can't
/// steer a query anywhere else (and can't make DynamoDB fail with a 500).
fn decode_cursor(cursor: &str, pk_name: &str, partition: &str) -> Result<Item, BadCursor> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| BadCursor)?;
    let plain: HashMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| BadCursor)?;
    let allowed = ["PK", "SK", "GSI1PK", "GSI1SK"];
    if plain.get(pk_name).map(String::as_str) != Some(partition)
        || plain.keys().any(|k| !allowed.contains(&k.as_str()))
        || !plain.contains_key("PK")
        || !plain.contains_key("SK")
    {
        return Err(BadCursor);
    }
    Ok(plain.into_iter().map(|(k, v)| (k, s(v))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_only_within_its_partition() {
        let key = HashMap::from([("PK".to_owned(), s("BUS#a")), ("SK".to_owned(), s("PARTNER#b"))]);
        let cursor = encode_cursor(&key);
        assert_eq!(decode_cursor(&cursor, "PK", "BUS#a").unwrap(), key);
        assert!(decode_cursor(&cursor, "PK", "BUS#other").is_err());
        assert!(decode_cursor("not-a-cursor", "PK", "BUS#a").is_err());
    }
}
