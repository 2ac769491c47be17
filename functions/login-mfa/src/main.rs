//! The `login-mfa` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::app::App;
use portal::http::sessions;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = App::from_env().await?;
    lambda_http::run(service_fn(|req| sessions::login_mfa(&app, req))).await
}
