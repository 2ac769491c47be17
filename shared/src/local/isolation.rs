//! DynamoDB's transaction isolation, which the emulator lacks. DynamoDB runs a
//! `TransactWriteItems` as if alone: no other write lands in its middle, and a cancelled one
//! changes nothing. The emulator's (moto) snapshots each table the transaction names, applies
//! the writes, and on a failed condition puts the snapshots back, undoing whatever another
//! request wrote meanwhile (a concurrent winner of a race is silently rolled back); its
//! snapshot can also fail outright while another request writes the table. So every local SDK
//! client sends through this: a transaction holds its table exclusively, every other DynamoDB
//! call of that table shares it. Calls of different tables (each test has its own) and of
//! other services do not wait for each other. Deployed code never goes through this.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use tokio::sync::RwLock;

/// One lock per table name.
static TABLES: LazyLock<Mutex<HashMap<String, Arc<RwLock<()>>>>> = LazyLock::new(Mutex::default);

fn lock_of(table: &str) -> Arc<RwLock<()>> {
    TABLES.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(table.to_owned()).or_default().clone()
}

/// The plain HTTP client the local SDK configurations use (the emulator speaks HTTP), with
/// DynamoDB transactions isolated.
pub fn http_client() -> SharedHttpClient {
    SharedHttpClient::new(IsolatingClient { inner: aws_smithy_http_client::Builder::new().build_http() })
}

#[derive(Debug)]
struct IsolatingClient {
    inner: SharedHttpClient,
}

impl HttpClient for IsolatingClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(IsolatingConnector { inner: self.inner.http_connector(settings, components) })
    }
}

#[derive(Debug)]
struct IsolatingConnector {
    inner: SharedHttpConnector,
}

/// How a DynamoDB call must wait for the others of its table.
#[derive(Debug, PartialEq, Eq)]
enum Access {
    Exclusive(String),
    Shared(String),
    Free,
}

/// The table a DynamoDB request names: `TableName`, that of its transaction's first item,
/// or its batch's first table.
fn table_of(body: &serde_json::Value) -> Option<String> {
    let named = |v: &serde_json::Value| v.get("TableName").and_then(|t| t.as_str()).map(str::to_owned);
    named(body)
        .or_else(|| {
            body.get("TransactItems")?.as_array()?.iter().find_map(|item| item.as_object()?.values().find_map(named))
        })
        .or_else(|| body.get("RequestItems")?.as_object()?.keys().next().cloned())
}

fn access_of(request: &HttpRequest) -> Access {
    let Some(target) = request.headers().get("x-amz-target").filter(|t| t.starts_with("DynamoDB")) else {
        return Access::Free;
    };
    let body: Option<serde_json::Value> = request.body().bytes().and_then(|b| serde_json::from_slice(b).ok());
    match body.as_ref().and_then(table_of) {
        Some(table) if target.ends_with(".TransactWriteItems") => Access::Exclusive(table),
        Some(table) => Access::Shared(table),
        None => Access::Free,
    }
}

impl HttpConnector for IsolatingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let access = access_of(&request);
        let inner = self.inner.clone();
        HttpConnectorFuture::new(async move {
            match access {
                Access::Exclusive(table) => {
                    let lock = lock_of(&table);
                    let _alone = lock.write().await;
                    inner.call(request).await
                }
                Access::Shared(table) => {
                    let lock = lock_of(&table);
                    let _together = lock.read().await;
                    inner.call(request).await
                }
                Access::Free => inner.call(request).await,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_table_of_a_call_is_found_in_each_request_shape() {
        assert_eq!(table_of(&json!({"TableName": "t1", "Key": {}})).as_deref(), Some("t1"));
        let transaction =
            json!({"TransactItems": [{"Update": {"TableName": "t2", "Key": {}}}, {"Put": {"TableName": "t2"}}]});
        assert_eq!(table_of(&transaction).as_deref(), Some("t2"));
        assert_eq!(table_of(&json!({"RequestItems": {"t3": {"Keys": []}}})).as_deref(), Some("t3"));
        assert_eq!(table_of(&json!({"Other": 1})), None);
    }
}
