//! End-to-end tests: one binary, one module per area. See `tests/lib.rs` for the harness.
mod approvals;
mod authorization;
mod console;
mod contract;
mod customers;
mod dashboard;
mod failures;
mod partners;
mod passwords;
mod security;
mod signup;
