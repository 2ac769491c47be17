//! What the web console needs of the table beyond the workflow steps: the admins' business
//! directory and the login sessions. Part of [`Store`](super::Store).

use async_trait::async_trait;

use super::{Listing, WriteError};
use crate::domain::ids::{BusinessId, UserId};
use crate::domain::mfa::{ChallengeKey, LoginChallenge};
use crate::domain::profile::BusinessProfile;
use crate::domain::records::{Business, LoginCard};
use crate::domain::session::{LoginSession, SessionId, SessionKey, StoredSession};

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

/// What a login's write does with the login card of its address's marker
/// ([`LoginCard`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct CardUse<'a> {
    /// The card the login answers from, of a user of `business`: the write holds only
    /// while the user's names, role and active customer, the business's name and the
    /// active customer's name on the partner's link are the card's. When one is not, the
    /// write fails with `SessionsEnded` (the user's) or `StaleCard` (the others').
    pub check: Option<(&'a LoginCard, &'a BusinessId)>,
    /// The card the marker of the address (the login's email) gets: what the login read.
    pub write: Option<(&'a str, &'a LoginCard)>,
}

/// Logins: one record by the login's session id (what every signed-in request checks) and
/// one by the hash of its refresh token (what refresh and logout find it by); and logins
/// waiting for their second step (a TOTP code), by the hash of their challenge token.
#[async_trait]
pub trait Sessions: Send + Sync {
    /// Records a login under both keys, only while its user is active and its sessions were
    /// not ended at or after `login.auth_started_ms` (`SessionsEnded`). `Duplicate` if a
    /// record with either key exists. A login that completes a challenge deletes it in the
    /// same write, only if it is still there (`ChallengeUsed`): a challenge opens one login.
    /// `card` checks the login card the login answers from, or writes a new one (see
    /// [`CardUse`]).
    async fn start_login(
        &self,
        id: &SessionId,
        login: &LoginSession,
        refresh: &SessionKey,
        session: &StoredSession,
        challenge: Option<&ChallengeKey>,
        card: CardUse<'_>,
    ) -> Result<(), WriteError>;

    /// Stores a login waiting for its second step. `Duplicate` if the key exists.
    async fn start_challenge(&self, key: &ChallengeKey, challenge: &LoginChallenge) -> Result<(), WriteError>;

    /// A login challenge as stored, expired or not: the caller checks.
    async fn get_challenge(&self, key: &ChallengeKey) -> anyhow::Result<Option<LoginChallenge>>;

    /// A refresh-token session as stored, ended or expired or not: the caller checks.
    async fn get_session(&self, key: &SessionKey) -> anyhow::Result<Option<StoredSession>>;

    /// Logout: every login of `user` that began before `at_ms` ends, and so does the
    /// refresh-token session `refresh` (if given), in one write. `Missing` when there is no
    /// such user.
    async fn end_sessions(&self, user: &UserId, at_ms: i64, refresh: Option<&SessionKey>) -> Result<(), WriteError>;
}
