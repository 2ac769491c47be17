//! In-memory fakes of the ports, for the unit tests of the use cases (compiled for tests
//! only): [`MemoryStore`] for the table, [`FakeUserPool`] for the identity provider and the
//! token verifier, [`RecordingMailer`] for email.
//!
//! The store honours the same conditions as the DynamoDB store (only if pending, unused and
//! unexpired, one owner per email, versions, links that must exist) and reports the same
//! named conflicts, atomically: each operation checks and writes under one lock, so of two
//! racing writers one wins. That makes the use cases behave here as they do deployed; it
//! proves nothing about DynamoDB itself, whose conditions only the end-to-end suite (against
//! the emulator) proves.
//!
//! Every call first yields to the runtime, as a network call would, so use cases run with
//! `tokio::join!` interleave step by step. A shared [`Journal`] records the writes of the
//! store and the calls to the user pool in the order they happen.

mod accounts;
mod console;
mod dashboard;
mod delivery;
mod lookups;
mod mailer;
mod partners;
mod state;
mod user_pool;

use std::sync::{Arc, Mutex};

pub use mailer::RecordingMailer;
pub use state::MemoryStore;
pub use user_pool::FakeUserPool;

/// The order in which the fakes were written to or called: each write of the store
/// (`store.<operation>`, with ` -> <conflict>` when it was refused) and each call to the
/// user pool but token verification (`identity.<operation>`, with ` -> failed` when it
/// failed).
#[derive(Debug, Clone, Default)]
pub struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    pub fn record(&self, entry: impl Into<String>) {
        self.0.lock().expect("the journal lock").push(entry.into());
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.lock().expect("the journal lock").clone()
    }

    /// The entries that start with `prefix`.
    pub fn matching(&self, prefix: &str) -> Vec<String> {
        self.entries().into_iter().filter(|e| e.starts_with(prefix)).collect()
    }
}

/// Lets other tasks run, as awaiting a network call would.
async fn step() {
    tokio::task::yield_now().await;
}
