//! End-to-end tests: one binary, one module per area. See `tests/lib.rs` for the harness.
mod approvals;
mod contract;
mod failures;
mod partners;
mod passwords;
mod signup;
