//! The partner portal's shared crate: everything but the thin `main` of each Lambda function.
//!
//! It reads top-down:
//! - [`domain`]: types and rules (business email, passwords, link tokens, records); no I/O.
//! - [`adapters`]: DynamoDB ([`adapters::dynamo::DynamoStore`]), Cognito, SES and the JWT verifier.
//!   They take and return domain types; no SDK type leaves them.
//! - [`app`]: the use cases, one module per workflow step, and [`app::App`], the clients
//!   built once per cold start.
//! - [`http`]: the edge: the route table, request parsing, authentication, and the one place
//!   where errors become HTTP responses; [`http::handlers`] has one handler per function.
//!
//! Wiring: each `functions/<name>/src/main.rs` initialises tracing, builds an [`app::App`]
//! from the environment once (outside the handler, so warm invocations reuse the clients),
//! and runs `lambda_http::run(service_fn(|req| handlers::<name>(&app, req)))`. The local
//! stack (`local`, feature `local`) serves the same handlers behind a router that turns each
//! HTTP request into the API Gateway event the function would receive when deployed.
pub mod adapters;
pub mod app;
pub mod config;
pub mod domain;
pub mod http;
#[cfg(feature = "local")]
pub mod local;
pub mod ports;
pub mod telemetry;
pub mod templates;
