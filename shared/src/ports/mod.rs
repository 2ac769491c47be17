//! Ports: what the use cases need from the services behind them, in domain types. The
//! adapters implement them (`adapters::dynamo` for the table).

/// The most items one page of a listing holds, and the page size the store reads whole
/// lists with.
pub const MAX_PAGE: i32 = 100;

/// A page of a listing and the opaque cursor of the next one.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A cursor that was not one of ours (or not of this listing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not valid for this listing")]
pub struct BadCursor;

/// Why a conditional write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The condition of the write at this position of the transaction (0 for a single write)
    /// did not hold: someone else got there first, or the state is not the expected one.
    #[error("condition failed at item {0:?}")]
    Conflict(Vec<usize>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}
