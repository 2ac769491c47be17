//! The `revoke-invitation` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::http::partners;
use portal::wiring::Wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = Wiring::new("revoke-invitation").table().tokens().build().await?;
    lambda_http::run(service_fn(|req| partners::revoke_invitation(&app, req))).await
}
