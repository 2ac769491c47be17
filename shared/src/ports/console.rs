//! What the web console needs of the table beyond the workflow steps: the admins' business
//! directory and the login sessions. Part of [`Store`](super::Store).

use async_trait::async_trait;

use super::{Listing, WriteError};
use crate::domain::ids::BusinessId;
use crate::domain::profile::BusinessProfile;
use crate::domain::records::Business;
use crate::domain::session::{SessionKey, StoredSession};

/// Every business, searchable by the start of its name (admins).
#[async_trait]
pub trait BusinessDirectory: Send + Sync {
    /// Businesses whose directory name (see `domain::profile::directory_name`) starts with
    /// that of `prefix` (every business for an empty prefix), by name, a page at a time. A
    /// cursor is accepted only for the same search.
    async fn search_businesses(&self, prefix: &str, cursor: Option<&str>, limit: i32) -> Listing<Business>;

    /// A business's record and its profile (one read).
    async fn get_business_record(&self, id: &BusinessId) -> anyhow::Result<Option<(Business, BusinessProfile)>>;
}

/// One record per refresh token a login handed out, by its hash.
#[async_trait]
pub trait Sessions: Send + Sync {
    /// Records a new session. `Duplicate` if one with that key exists.
    async fn put_session(&self, key: &SessionKey, session: &StoredSession) -> Result<(), WriteError>;

    async fn get_session(&self, key: &SessionKey) -> anyhow::Result<Option<StoredSession>>;

    /// Ends a session (logout). `AlreadyEnded` when it had ended or does not exist.
    async fn end_session(&self, key: &SessionKey) -> Result<(), WriteError>;
}
