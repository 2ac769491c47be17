//! The `start-impersonation` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::http::customers;
use portal::wiring::Wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = Wiring::new("start-impersonation").table().tokens().build().await?;
    lambda_http::run(service_fn(|req| customers::start_impersonation(&app, req))).await
}
