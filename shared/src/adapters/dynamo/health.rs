//! Health checks of customer businesses (one item per kind), written by admins.

use async_trait::async_trait;

use super::attrs::{record, s};
use super::read::Query;
use super::write::Write;
use super::{DynamoStore, keys};
use crate::domain::catalog::HealthCheck;
use crate::domain::ids::BusinessId;
use crate::ports::{Conflict, HealthChecks, Listing, WriteError};

#[async_trait]
impl HealthChecks for DynamoStore {
    /// One transaction: a condition check on the business's profile (`kind = customer`) and the put.
    async fn put_health_check(&self, check: &HealthCheck) -> Result<(), WriteError> {
        let writes = vec![
            Write::check(&keys::profile(&check.business_id))
                .when("#kind = :customer", Conflict::NotACustomer)
                .bind(":customer", s("customer")),
            Write::put(record(&keys::health_check(&check.business_id, check.kind), check)?),
        ];
        self.transact(writes, "Failed to store a health check").await
    }

    async fn list_health_checks(
        &self,
        business: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> Listing<HealthCheck> {
        let query = Query::table(keys::business(business)).prefix(keys::HEALTH_PREFIX);
        self.page(&query, cursor, limit, "Failed to list health checks").await
    }
}
