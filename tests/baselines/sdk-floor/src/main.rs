//! The SDK floor: what any portal function pays before its own code. It loads the AWS
//! configuration from the environment and builds the DynamoDB, Cognito and SESv2 clients at
//! init, as a function does, and keeps them so that the linker cannot drop them: each
//! answer calls one of them, chosen by the request's path, and reports only whether the call
//! succeeded. `make bench` only measures its init and size.

use lambda_http::{Body, Error, Request, Response, service_fn};

struct Clients {
    dynamodb: aws_sdk_dynamodb::Client,
    cognito: aws_sdk_cognitoidentityprovider::Client,
    ses: aws_sdk_sesv2::Client,
}

async fn answer(clients: &Clients, req: Request) -> Result<Response<Body>, Error> {
    let ok = match req.uri().path() {
        "/dynamodb" => clients.dynamodb.list_tables().limit(1).send().await.is_ok(),
        "/cognito" => clients.cognito.list_user_pools().max_results(1).send().await.is_ok(),
        _ => clients.ses.get_account().send().await.is_ok(),
    };
    Ok(Response::builder().status(if ok { 200 } else { 503 }).body(Body::Empty)?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let sdk = aws_config::load_from_env().await;
    let clients = Clients {
        dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
        cognito: aws_sdk_cognitoidentityprovider::Client::new(&sdk),
        ses: aws_sdk_sesv2::Client::new(&sdk),
    };
    lambda_http::run(service_fn(|req| answer(&clients, req))).await
}
