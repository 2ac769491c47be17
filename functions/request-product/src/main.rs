//! The `request-product` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::http::dashboard;
use portal::wiring::Wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = Wiring::new("request-product").table().tokens().build().await?;
    lambda_http::run(service_fn(|req| dashboard::request_product(&app, req))).await
}
