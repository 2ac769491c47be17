//! The `outbox-relay` Lambda function: every minute (EventBridge schedule), sends the queued
//! emails that are due (see `portal::app::outbox`).

use lambda_runtime::{Error, LambdaEvent, service_fn};
use portal::app::{App, outbox};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = App::from_env().await?;
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| async {
        let attempted = outbox::relay_due(&app).await?;
        Ok::<_, Error>(json!({"attempted": attempted}))
    }))
    .await
}
