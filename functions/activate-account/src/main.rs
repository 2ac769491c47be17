//! The `activate-account` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::http::onboarding;
use portal::wiring::Wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = Wiring::new("activate-account").table().identity().build().await?;
    lambda_http::run(service_fn(|req| onboarding::activate_account(&app, req))).await
}
