//! The partner portal's shared crate: everything but the thin `main` of each Lambda function.
//!
//! It reads top-down:
//! - [`domain`]: types and rules (business email, passwords, link tokens, records); no I/O.
//! - [`ports`]: what the use cases need from the services behind them, as narrow traits in
//!   domain types: the table ([`ports::Store`], one trait per family of items), the
//!   identity provider, the mailer and the access-token verifier. A store write that must
//!   hold only in some state fails with a named [`ports::Conflict`].
//! - [`adapters`]: the ports on AWS: DynamoDB ([`adapters::dynamo::DynamoStore`]), Cognito,
//!   SES and the JWT verifier. They take and return domain types; no SDK type leaves them.
//!   The unit tests of the use cases (`app::tests`) run on in-memory fakes of the same
//!   ports (`adapters::memory`, compiled for tests only).
//! - [`app`]: the use cases, one module per workflow step, and [`app::App`], which holds the
//!   configuration and the ports (`Arc<dyn ...>`), built once per cold start.
//! - [`http`]: the edge: the route table, request parsing, authentication, the one place
//!   where errors become HTTP responses, and the handlers, grouped by workflow area
//!   (`http::onboarding`, `http::partners`, `http::dashboard`, `http::customers`,
//!   `http::admin`), one per function and named like its binary.
//!
//! Wiring: each `functions/<name>/src/main.rs` initialises tracing, builds an [`app::App`]
//! once (outside the handler, so warm invocations reuse the SDK clients) with
//! [`wiring::Wiring`], naming exactly the services of its row in
//! [`http::routes::FUNCTIONS`] (`Wiring::new("approve").table().identity().tokens().build()`:
//! a binary links only the SDK clients it builds), and runs
//! `lambda_http::run(service_fn(|req| <area>::<name>(&app, req)))`, for example
//! `http::admin::approve` (`outbox-relay`, triggered by the table's stream and a schedule,
//! calls [`app::outbox::relay_event`] through `lambda_runtime` instead; `health` uses no
//! service and builds no App). The local stack (`local`,
//! feature `local`) serves the same handlers through [`http::dispatch`], behind a router that
//! turns each HTTP request into the API Gateway event the function would receive when
//! deployed.
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
pub mod wiring;
