//! End-to-end tests: one binary, one module per area. See `tests/lib.rs` for the harness.
mod approvals;
mod authorization;
mod calls_onboarding;
mod console;
mod contract;
mod credentials;
mod customers;
mod dashboard;
mod dead_letters;
mod failures;
mod limits;
mod partners;
mod passwords;
mod refused_emails;
mod security;
mod signup;
mod structure;
