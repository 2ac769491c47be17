//! The `login-mfa` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::http::sessions;
use portal::wiring::Wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = Wiring::new("login-mfa").table().identity().build().await?;
    lambda_http::run(service_fn(|req| sessions::login_mfa(&app, req))).await
}
