//! The `set-password` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::http::onboarding;
use portal::wiring::Wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = Wiring::new("set-password").table().identity().build().await?;
    lambda_http::run(service_fn(|req| onboarding::set_password(&app, req))).await
}
