//! `make bench`: what the portal costs per step and per cold start, measured, not asserted.
//!
//! - [`steps`]: every workflow step driven through HTTP against the local stack, with the
//!   AWS calls each makes and the sequential waves they form (the stack's recorder).
//! - [`init`]: release binaries started as Lambda starts them, timed from process start to
//!   the runtime's first `GET .../runtime/invocation/next` (Lambda's init phase).
//! - [`cost`]: the price of 1,000 onboarding flows from the counted calls and AWS's
//!   published prices.

pub mod cost;
pub mod init;
pub mod steps;
