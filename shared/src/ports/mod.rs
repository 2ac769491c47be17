//! Ports: what the use cases need from the services behind them, as narrow traits (one
//! capability each, `Send + Sync`) that take and return domain types, never an SDK type.
//! [`App`](crate::app::App) holds each as an `Arc<dyn ...>`: the AWS adapters
//! (`adapters::dynamo`, `adapters::cognito`, `adapters::ses`, `adapters::jwt`), deployed and
//! locally alike, or in the unit tests of the use cases the in-memory fakes
//! (`adapters::memory`).
//!
//! - [`Store`]: the table, one trait per family of items ([`store`]), and [`Lookups`]: any
//!   of its items a step needs, read together in one round trip.
//! - [`IdentityProvider`]: credentials and sessions (Cognito).
//! - [`EmailSender`]: sending email (SES).
//! - [`TokenVerifier`]: verifying access tokens (the user pool's JWKS).

pub mod access_tokens;
pub mod console;
pub mod identity;
pub mod mail;
pub mod store;

pub use access_tokens::{TokenError, TokenVerifier, VerifiedToken};
pub use console::{BusinessDirectory, CardUse, Sessions};
pub use identity::{CreateUserError, IdentityProvider, LoginError, MfaError, Refreshed, SignIn, Tokens};
pub use mail::{Email, EmailSender};
pub use store::{
    Accounts, ActiveBusinesses, Admins, AuditTrail, Catalog, CustomerProducts, Found, HealthChecks, Impersonations,
    Invitee, LinkTokens, Lookups, ManagedCustomers, Outbox, Partners, PasswordChange, Profiles, QuoteOutcome,
    RateLimits, RequestOutcome, SignUpRequests, Store, TokenClaim, Wanted,
};

/// The most items one page of a listing holds, and the page size the store reads whole
/// lists with.
pub const MAX_PAGE: i32 = 100;

/// A page of a listing and the opaque cursor of the next one: `None` once the listing is
/// exhausted. A full page may be followed by an empty one (DynamoDB cannot always tell that a
/// full page was the last).
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A page of a listing, `Err(BadCursor)` for a cursor that is not this listing's, or the
/// failure of the service.
pub type Listing<T> = anyhow::Result<Result<Page<T>, BadCursor>>;

/// A cursor that was not one of ours (or not of this listing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not valid for this listing")]
pub struct BadCursor;

/// What a conditional write found instead of the state it was conditioned on: each
/// conditioned write of the store carries the name of the conflict its condition guards
/// against, and the store reports that name when the condition fails.
///
/// When several conditions of one transaction fail at once, the store reports the one
/// declared first here: the state the caller acted on (a decided request, a used link, a
/// stale version) explains the failure better than what follows from it (an email marker
/// that moved on, a link that exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, thiserror::Error)]
pub enum Conflict {
    /// A rate-limit counter the write raises is at its bound: the limit was reached
    /// meanwhile. Reported first: a client over its limit learns nothing else.
    #[error("the rate limit is reached")]
    RateLimited,
    /// The sign-up request is no longer pending: approved or rejected meanwhile.
    #[error("the request was already decided")]
    AlreadyDecided,
    /// An email link's token is unknown, used, expired, for another purpose, or held by
    /// another redemption in progress.
    #[error("the link is used, expired or unknown")]
    LinkUsed,
    /// The password of the link's account changed after the link was minted (so the link is
    /// dead), or the account is locked or gone.
    #[error("the account's password changed after the link was sent, or the account is locked")]
    CredentialsChanged,
    /// Someone else saved the profile since the version the edit started from.
    #[error("the profile was saved by someone else meanwhile")]
    VersionConflict,
    /// The invitation is no longer pending, or was resent meanwhile.
    #[error("the invitation changed meanwhile")]
    InvitationChanged,
    /// The invitation is not pending (accepted, linked or revoked).
    #[error("the invitation is not pending")]
    InvitationNotPending,
    /// A pending invitation of the customer (whose link has not expired) holds the address.
    #[error("an invitation to this address is pending")]
    InvitationPending,
    /// The customer had already requested the product.
    #[error("the product was already requested")]
    AlreadyRequested,
    /// The customer has not requested the product.
    #[error("the product is not requested")]
    NotRequested,
    /// A quote request on the product is still open.
    #[error("a quote request on the product is open")]
    QuoteOpen,
    /// The impersonation session had already ended.
    #[error("the impersonation had already ended")]
    AlreadyEnded,
    /// The link token was not used (or is gone), so there is nothing to give back.
    #[error("the link was not used")]
    AlreadyReleased,
    /// The account is locked (or gone), so it is not activated.
    #[error("the account is locked")]
    UserLocked,
    /// The account is not active, or its sessions were ended after the login began.
    #[error("the account's sessions were ended")]
    SessionsEnded,
    /// A login card is out of step with its business's name or its active customer's.
    #[error("the login card is out of step")]
    StaleCard,
    /// The user's status is no longer the one the change started from: another change of
    /// it was stored meanwhile.
    #[error("the user's status changed meanwhile")]
    StatusChanged,
    /// The login challenge was used (or is gone).
    #[error("the sign-in attempt was used or has expired")]
    ChallengeUsed,
    /// The partner and the customer are not linked.
    #[error("the businesses are not linked")]
    NotLinked,
    /// The product is not in the catalog, or retired.
    #[error("the product is not offered")]
    ProductNotOffered,
    /// The business is not a customer (or does not exist).
    #[error("no such customer")]
    NotACustomer,
    /// The queued email is not pending, not due, or another sender holds it.
    #[error("the email is not due or is being sent")]
    NotClaimable,
    /// The email address already has an account or a pending request.
    #[error("the email address is taken")]
    EmailTaken,
    /// The email address is no longer held by the request being decided.
    #[error("the email address is not held by the request")]
    EmailNotHeld,
    /// The partner is already linked to the customer.
    #[error("the partner is already linked")]
    AlreadyLinked,
    /// A user with this id (the identity provider's) exists already.
    #[error("the user exists already")]
    UserExists,
    /// A partner's side of a link that a rename changes is gone.
    #[error("the partners changed meanwhile")]
    PartnersChanged,
    /// A product's current history chunk is full: the event starts a new one.
    #[error("the history chunk is full")]
    HistoryFull,
    /// An item that must be new exists already (an id was reused).
    #[error("the item exists already")]
    Duplicate,
    /// An item that the write changes does not exist.
    #[error("the item does not exist")]
    Missing,
}

/// Why a conditional write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The condition of a write did not hold: someone else got there first, or the state is
    /// not the expected one. Named by the write whose condition failed.
    #[error("conflict: {0}")]
    Conflict(Conflict),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Every port trait, unnamed: `use crate::ports::calls::*;` lets a use case call the methods
/// of the adapters an App holds (`crate::wiring::held`), which are the adapters themselves
/// outside the unit tests, not trait objects.
pub mod calls {
    pub use super::access_tokens::TokenVerifier as _;
    pub use super::console::{BusinessDirectory as _, Sessions as _};
    pub use super::identity::IdentityProvider as _;
    pub use super::mail::EmailSender as _;
    pub use super::store::{
        Accounts as _, ActiveBusinesses as _, Admins as _, AuditTrail as _, Catalog as _, CustomerProducts as _,
        HealthChecks as _, Impersonations as _, LinkTokens as _, Lookups as _, ManagedCustomers as _, Outbox as _,
        Partners as _, Profiles as _, RateLimits as _, SignUpRequests as _,
    };
}
