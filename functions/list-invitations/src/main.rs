//! The `list-invitations` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::http::partners;
use portal::wiring::Wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = Wiring::new("list-invitations").table().tokens().build().await?;
    lambda_http::run(service_fn(|req| partners::list_invitations(&app, req))).await
}
