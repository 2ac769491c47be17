//! The `sign-up` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::app::App;
use portal::http::onboarding;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = App::from_env().await?;
    lambda_http::run(service_fn(|req| onboarding::sign_up(&app, req))).await
}
