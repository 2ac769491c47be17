//! The `account-mfa` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::http::sessions;
use portal::wiring::Wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = Wiring::new("account-mfa").table().identity().tokens().build().await?;
    lambda_http::run(service_fn(|req| sessions::account_mfa(&app, req))).await
}
