//! The `health` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::http::onboarding;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    lambda_http::run(service_fn(onboarding::health)).await
}
