//! The `get-business` Lambda function (see the wiring in the `portal` crate docs).

use lambda_http::{Error, service_fn};
use portal::app::App;
use portal::http::admin;

#[tokio::main]
async fn main() -> Result<(), Error> {
    portal::telemetry::init();
    let app = App::from_env().await?;
    lambda_http::run(service_fn(|req| admin::get_business(&app, req))).await
}
