//! A bare `lambda_http` function: no SDK, no configuration, one fixed answer. `make bench`
//! measures every function's cold start and size beside it and beside `sdk-floor`.

use lambda_http::{Body, Error, Request, Response, service_fn};

async fn answer(_req: Request) -> Result<Response<Body>, Error> {
    Ok(Response::builder().status(200).body(Body::Empty)?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(answer)).await
}
