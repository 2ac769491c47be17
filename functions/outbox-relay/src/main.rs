//! The `outbox-relay` Lambda function: sends queued emails (see `portal::app::outbox`), the
//! new ones a DynamoDB stream batch names at once, and every due one on its schedule.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use portal::app::outbox;
use portal::wiring::Wiring;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = &Wiring::new("outbox-relay").table().mail().build().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let attempted = outbox::relay_event(app, &event.payload).await?;
        Ok::<_, Error>(json!({"attempted": attempted}))
    }))
    .await
}
