//! The partner dashboard's items (see `infra/TABLE.md`, "Partner dashboard"): a partner
//! user's active customer, profile edits with a version check, the catalog, each customer's
//! product state (note, priority, request, quote), quotes, health checks, and the index of
//! admins. Only GetItem, Query, conditional writes and transactions.

use aws_sdk_dynamodb::types::{ConditionCheck, Update};

use super::*;
use crate::domain::catalog::{
    HealthCheck, HealthCheckKind, Note, Product, ProductEvent, ProductId, ProductState, Quote,
};
use crate::domain::profile::{ActiveBusiness, BusinessProfile, ProfileEdit};

const CATALOG: &str = "CATALOG";
const ADMINS: &str = "ADMINS";

fn product_sk(id: &ProductId) -> String {
    format!("PRODUCT#{id}")
}
fn active_sk(user: &UserId) -> String {
    format!("ACTIVE#{user}")
}
fn customer_sk(customer: &BusinessId) -> String {
    format!("CUSTOMER#{customer}")
}
fn health_sk(kind: HealthCheckKind) -> String {
    format!("HEALTH#{}", kind.as_str())
}

fn value<T: Serialize>(v: &T) -> anyhow::Result<AttributeValue> {
    serde_dynamo::to_attribute_value(v).context("Failed to serialise a value")
}

/// An update expression built clause by clause, every attribute under a `#name` alias (so
/// reserved words such as `name` need no care).
#[derive(Default)]
pub(super) struct Expr {
    set: Vec<String>,
    remove: Vec<String>,
    names: Vec<(String, String)>,
    values: Vec<(String, AttributeValue)>,
}

impl Expr {
    fn name(&mut self, attr: &str) -> String {
        let alias = format!("#{attr}");
        if !self.names.iter().any(|(a, _)| *a == alias) {
            self.names.push((alias.clone(), attr.to_owned()));
        }
        alias
    }

    fn value(&mut self, v: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.push((placeholder.clone(), v));
        placeholder
    }

    pub(super) fn set(&mut self, attr: &str, v: AttributeValue) -> &mut Self {
        let (n, v) = (self.name(attr), self.value(v));
        self.set.push(format!("{n} = {v}"));
        self
    }

    /// Sets the attribute, or removes it for `None`.
    fn set_opt<T: Serialize>(&mut self, attr: &str, v: Option<&T>) -> anyhow::Result<&mut Self> {
        match v {
            Some(v) => {
                self.set(attr, value(v)?);
            }
            None => {
                let n = self.name(attr);
                self.remove.push(n);
            }
        }
        Ok(self)
    }

    /// Adds one to a number attribute, counting a missing one as zero.
    pub(super) fn increment(&mut self, attr: &str) -> &mut Self {
        let (n, zero, one) =
            (self.name(attr), self.value(AttributeValue::N("0".into())), self.value(AttributeValue::N("1".into())));
        self.set.push(format!("{n} = if_not_exists({n}, {zero}) + {one}"));
        self
    }

    fn set_if_absent(&mut self, attr: &str, v: AttributeValue) -> &mut Self {
        let (n, v) = (self.name(attr), self.value(v));
        self.set.push(format!("{n} = if_not_exists({n}, {v})"));
        self
    }

    fn append(&mut self, attr: &str, event: &ProductEvent) -> anyhow::Result<&mut Self> {
        let n = self.name(attr);
        let entry = self.value(value(&vec![event])?);
        let empty = self.value(AttributeValue::L(vec![]));
        self.set.push(format!("{n} = list_append(if_not_exists({n}, {empty}), {entry})"));
        Ok(self)
    }

    fn expression(&self) -> String {
        let mut text = format!("SET {}", self.set.join(", "));
        if !self.remove.is_empty() {
            text.push_str(&format!(" REMOVE {}", self.remove.join(", ")));
        }
        text
    }
}

impl Store {
    pub(super) fn update_item(
        &self,
        key: Item,
        expr: &Expr,
        condition: Option<&str>,
    ) -> anyhow::Result<TransactWriteItem> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(expr.expression())
            .set_condition_expression(condition.map(str::to_owned));
        for (k, v) in &expr.names {
            update = update.expression_attribute_names(k, v);
        }
        for (k, v) in &expr.values {
            update = update.expression_attribute_values(k, v.clone());
        }
        Ok(TransactWriteItem::builder().update(update.build().context("Failed to build an update")?).build())
    }

    async fn update_expr(
        &self,
        key: Item,
        expr: &Expr,
        condition: Option<&str>,
        what: &'static str,
    ) -> Result<Item, WriteError> {
        let names: Vec<(&str, &str)> = expr.names.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let values: Vec<(&str, AttributeValue)> = expr.values.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        self.update(key, &expr.expression(), condition, &names, &values, what).await
    }

    fn exists_check(
        &self,
        key: Item,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> anyhow::Result<TransactWriteItem> {
        let mut check =
            ConditionCheck::builder().table_name(&self.table).set_key(Some(key)).condition_expression(condition);
        for (k, v) in values {
            check = check.expression_attribute_values(*k, v.clone());
        }
        if condition.contains("#kind") {
            check = check.expression_attribute_names("#kind", "kind");
        }
        Ok(TransactWriteItem::builder()
            .condition_check(check.build().context("Failed to build a condition check")?)
            .build())
    }

    /// Every page of a partition prefix (for bounded lists: the catalog, one customer's
    /// products).
    async fn query_all<T: DeserializeOwned>(
        &self,
        partition: &str,
        prefix: &str,
        what: &'static str,
    ) -> anyhow::Result<Vec<T>> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page: Page<T> = self
                .query_page(None, partition, prefix, cursor.as_deref(), 100, what)
                .await?
                .map_err(|_| anyhow!("{what}: our own cursor was refused"))?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(items),
            }
        }
    }

    // ---- admins ----------------------------------------------------------------------

    /// Adds an admin to the `ADMINS` index (who is told about quote requests).
    pub async fn register_admin(&self, user: &User) -> anyhow::Result<()> {
        let item = record_item(
            ADMINS.to_owned(),
            &format!("USER#{}", user.user_id),
            &serde_json::json!({
                "user_id": user.user_id, "email": user.email,
            }),
        )?;
        self.put_one(item, false, "Failed to index an admin").await
    }

    /// The admins' user ids (at most `limit`).
    pub async fn admin_ids(&self, limit: i32) -> anyhow::Result<Vec<UserId>> {
        #[derive(serde::Deserialize)]
        struct Entry {
            user_id: UserId,
        }
        let page: Page<Entry> = self
            .query_page(None, ADMINS, "USER#", None, limit, "Failed to list admins")
            .await?
            .map_err(|_| anyhow!("no cursor was given"))?;
        Ok(page.items.into_iter().map(|e| e.user_id).collect())
    }

    // ---- customers and the active business --------------------------------------------

    /// A partner's customers (linked by invitation or created by it), a page at a time.
    pub async fn list_customers(
        &self,
        partner: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<PartnerLink>, BadCursor>> {
        self.query_page(None, &business_pk(partner), "CUSTOMER#", cursor, limit, "Failed to list customers").await
    }

    /// The partner side of a link: whether `partner` may act on `customer`.
    pub async fn get_customer_link(
        &self,
        partner: &BusinessId,
        customer: &BusinessId,
    ) -> anyhow::Result<Option<PartnerLink>> {
        self.get(business_pk(partner), &customer_sk(customer), "Failed to read a customer link").await
    }

    pub async fn get_active_business(
        &self,
        partner: &BusinessId,
        user: &UserId,
    ) -> anyhow::Result<Option<ActiveBusiness>> {
        self.get(business_pk(partner), &active_sk(user), "Failed to read the active business").await
    }

    /// Makes `active.business_id` the partner user's active customer, only while the two
    /// are linked (one transaction). Conflict at 0: they are not linked.
    pub async fn set_active_business(&self, partner: &BusinessId, active: &ActiveBusiness) -> Result<(), WriteError> {
        let items = vec![
            self.exists_check(
                key(business_pk(partner), customer_sk(&active.business_id)),
                "attribute_exists(PK)",
                &[],
            )?,
            TransactWriteItem::builder()
                .put(self.put(record_item(business_pk(partner), &active_sk(&active.user_id), active)?, None, &[])?)
                .build(),
        ];
        self.transact(items, "Failed to set the active business").await
    }

    // ---- profile ----------------------------------------------------------------------

    pub async fn get_profile(&self, business: &BusinessId) -> anyhow::Result<Option<BusinessProfile>> {
        self.get(business_pk(business), "PROFILE", "Failed to read a business profile").await
    }

    /// Writes an edit if the stored version is still `expected`, raising it by one; renames
    /// the customer on its partners' side of the links (`partners`) in the same transaction.
    /// Conflict at 0: someone else saved first.
    pub async fn update_profile(
        &self,
        business: &BusinessId,
        expected: u64,
        edit: &ProfileEdit,
        by: &UserId,
        partners: &[BusinessId],
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("name", s(&edit.name)).set("website", s(&edit.website));
        // The admins' directory follows the name (and an item written before it existed
        // joins it on its first save).
        for (attr, value) in super::businesses::directory_keys(&edit.name, business) {
            expr.set(attr, value);
        }
        expr.set_opt("phone", edit.phone.as_ref())?;
        expr.set("address", value(&edit.address)?);
        expr.set_opt("industry", edit.industry.as_ref())?;
        expr.set_opt("employee_count", edit.employee_count.as_ref())?;
        expr.set("contacts", value(&edit.contacts)?);
        expr.set("version", n(i64::try_from(expected + 1).unwrap_or(i64::MAX)));
        expr.set("updated_by", s(by.as_ref())).set("updated_at", value(&time_text(OffsetDateTime::now_utc()))?);
        let version = expr.name("version");
        let condition = if expected == 0 {
            format!("attribute_exists(PK) AND attribute_not_exists({version})")
        } else {
            let expected = expr.value(n(i64::try_from(expected).unwrap_or(i64::MAX)));
            format!("{version} = {expected}")
        };
        let mut items = vec![self.update_item(key(business_pk(business), "PROFILE"), &expr, Some(&condition))?];
        for partner in partners {
            let mut rename = Expr::default();
            rename.set("customer_name", s(&edit.name));
            items.push(self.update_item(
                key(business_pk(partner), customer_sk(business)),
                &rename,
                Some("attribute_exists(PK)"),
            )?);
        }
        self.transact(items, "Failed to save the business profile").await
    }

    // ---- catalog ----------------------------------------------------------------------

    pub async fn get_product(&self, id: &ProductId) -> anyhow::Result<Option<Product>> {
        self.get(CATALOG.to_owned(), &product_sk(id), "Failed to read a product").await
    }

    /// The catalog, a page at a time, by product id.
    pub async fn list_catalog(
        &self,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<Product>, BadCursor>> {
        self.query_page(None, CATALOG, "PRODUCT#", cursor, limit, "Failed to list the catalog").await
    }

    /// The whole catalog (tens of products), for views that merge it with a customer's state.
    pub async fn all_products(&self) -> anyhow::Result<Vec<Product>> {
        self.query_all(CATALOG, "PRODUCT#", "Failed to read the catalog").await
    }

    /// Adds or replaces a product; `true` if it is new.
    pub async fn put_product(&self, product: &Product) -> anyhow::Result<bool> {
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record_item(CATALOG.to_owned(), &product_sk(&product.product_id), product)?))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .context("Failed to store a product")?;
        Ok(out.attributes.is_none_or(|a| a.is_empty()))
    }

    /// Adds the products that are not in the catalog yet and leaves the others as they are
    /// (an admin may have renamed or retired them). Returns how many were added.
    pub async fn seed_catalog(&self, products: &[Product]) -> anyhow::Result<usize> {
        let puts = |chunk: &[Product]| -> anyhow::Result<Vec<TransactWriteItem>> {
            chunk
                .iter()
                .map(|p| self.new_put(record_item(CATALOG.to_owned(), &product_sk(&p.product_id), p)?))
                .collect()
        };
        // A fresh table takes the whole catalog in one transaction per 100 products.
        let mut all_new = true;
        for chunk in products.chunks(100) {
            match self.transact(puts(chunk)?, "Failed to seed the catalog").await {
                Ok(()) => {}
                Err(WriteError::Conflict(_)) => all_new = false,
                Err(WriteError::Unexpected(e)) => return Err(e),
            }
        }
        if all_new {
            return Ok(products.len());
        }
        let mut added = 0;
        for product in products {
            match self.transact(puts(std::slice::from_ref(product))?, "Failed to seed a product").await {
                Ok(()) => added += 1,
                Err(WriteError::Conflict(_)) => {}
                Err(WriteError::Unexpected(e)) => return Err(e),
            }
        }
        Ok(added)
    }

    // ---- a customer's products ----------------------------------------------------------

    pub async fn get_product_state(
        &self,
        customer: &BusinessId,
        id: &ProductId,
    ) -> anyhow::Result<Option<ProductState>> {
        self.get(business_pk(customer), &product_sk(id), "Failed to read a product's state").await
    }

    /// Every product a customer has a note, priority or request on.
    pub async fn product_states(&self, customer: &BusinessId) -> anyhow::Result<Vec<ProductState>> {
        self.query_all(&business_pk(customer), "PRODUCT#", "Failed to read a customer's products").await
    }

    pub async fn set_product_note(
        &self,
        customer: &BusinessId,
        id: &ProductId,
        note: Option<&Note>,
        by: &crate::domain::catalog::Actor,
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("product_id", s(id.as_ref()));
        expr.set_opt("note", note)?;
        expr.set("note_by", value(by)?).set("note_at", value(&time_text(OffsetDateTime::now_utc()))?);
        self.update_expr(key(business_pk(customer), product_sk(id)), &expr, None, "Failed to store a note")
            .await
            .map(|_| ())
    }

    /// Sets a priority (`Some`) or No Suggestion (`None`), lists the product on the request
    /// page and records who did it.
    pub async fn set_product_suggestion(
        &self,
        customer: &BusinessId,
        id: &ProductId,
        priority: Option<crate::domain::catalog::Priority>,
        event: &ProductEvent,
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("product_id", s(id.as_ref()));
        expr.set_opt("priority", priority.as_ref())?;
        expr.set("no_suggestion", AttributeValue::Bool(priority.is_none()));
        expr.set_if_absent("listed_at", value(&time_text(event.at))?);
        expr.append("history", event)?;
        self.update_expr(key(business_pk(customer), product_sk(id)), &expr, None, "Failed to store a priority")
            .await
            .map(|_| ())
    }

    /// Records the customer's request for a product, once. Conflict at 0: already requested.
    pub async fn request_product(
        &self,
        customer: &BusinessId,
        id: &ProductId,
        event: &ProductEvent,
        requester_email: &str,
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("product_id", s(id.as_ref()));
        expr.set("requested_by", value(&event.by)?).set("requested_at", value(&time_text(event.at))?);
        expr.set("requester_email", s(requester_email));
        expr.set_if_absent("listed_at", value(&time_text(event.at))?);
        expr.append("history", event)?;
        let requested = expr.name("requested_at");
        let condition = format!("attribute_not_exists({requested})");
        self.update_expr(
            key(business_pk(customer), product_sk(id)),
            &expr,
            Some(&condition),
            "Failed to store a request",
        )
        .await
        .map(|_| ())
    }

    /// The products on a customer's request page (requested, or given a priority or No
    /// Suggestion), by product id, a page at a time. Products with only a note are skipped
    /// by a filter, so the cursor is the key of the last product returned.
    pub async fn list_product_requests(
        &self,
        customer: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<ProductState>, BadCursor>> {
        let partition = business_pk(customer);
        let mut start = match cursor.map(|c| decode_cursor(c, "PK", &partition)).transpose() {
            Ok(start) => start,
            Err(bad) => return Ok(Err(bad)),
        };
        let want = usize::try_from(limit.max(1)).unwrap_or(1);
        let mut items: Vec<(Item, ProductState)> = Vec::new();
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .filter_expression("attribute_exists(listed_at)")
                .expression_attribute_values(":pk", s(&partition))
                .expression_attribute_values(":prefix", s("PRODUCT#"))
                .set_exclusive_start_key(start.take())
                .limit(limit.max(1))
                .consistent_read(true)
                .send()
                .await
                .context("Failed to list product requests")?;
            for item in out.items.unwrap_or_default() {
                let k = key(
                    item.get("PK").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default(),
                    item.get("SK").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default(),
                );
                items.push((k, from_item(item)?));
            }
            match out.last_evaluated_key {
                Some(last) if items.len() < want => start = Some(last),
                last => {
                    let more = last.is_some() || items.len() > want;
                    items.truncate(want);
                    let next_cursor = if more { items.last().map(|(k, _)| encode_cursor(k)) } else { None };
                    return Ok(Ok(Page { items: items.into_iter().map(|(_, p)| p).collect(), next_cursor }));
                }
            }
        }
    }

    /// Stores a quote request and its emails, only while the customer has requested the
    /// product (one transaction). Conflict at 0: the product is not requested.
    pub async fn request_quote(
        &self,
        quote: &Quote,
        event: &ProductEvent,
        emails: &[OutboxMessage],
    ) -> Result<(), WriteError> {
        let mut expr = Expr::default();
        expr.set("quote_id", value(&quote.quote_id)?);
        expr.set("quote_status", value(&quote.status)?);
        expr.set("quote_at", value(&time_text(quote.created_at))?);
        expr.append("history", event)?;
        let requested = expr.name("requested_at");
        let condition = format!("attribute_exists({requested})");
        let quote_sk = format!("QUOTE#{}#{}", time_text(quote.created_at), quote.quote_id);
        let mut items = vec![
            self.update_item(
                key(business_pk(&quote.customer_id), product_sk(&quote.product_id)),
                &expr,
                Some(&condition),
            )?,
            self.new_put(record_item(business_pk(&quote.customer_id), &quote_sk, quote)?)?,
        ];
        for email in emails {
            items.push(self.outbox_put(email)?);
        }
        self.transact(items, "Failed to store a quote request").await
    }

    // ---- health checks ------------------------------------------------------------------

    /// Adds or replaces a health check of a customer business (one transaction with a check
    /// that the business exists and is a customer). Conflict at 0: no such customer.
    pub async fn put_health_check(&self, check: &HealthCheck) -> Result<(), WriteError> {
        let items = vec![
            self.exists_check(
                key(business_pk(&check.business_id), "PROFILE"),
                "#kind = :customer",
                &[(":customer", s("customer"))],
            )?,
            TransactWriteItem::builder()
                .put(self.put(
                    record_item(business_pk(&check.business_id), &health_sk(check.kind), check)?,
                    None,
                    &[],
                )?)
                .build(),
        ];
        self.transact(items, "Failed to store a health check").await
    }

    pub async fn list_health_checks(
        &self,
        business: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<HealthCheck>, BadCursor>> {
        self.query_page(None, &business_pk(business), "HEALTH#", cursor, limit, "Failed to list health checks").await
    }
}

fn time_text(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
