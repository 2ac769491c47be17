//! The table, as the use cases see it: one trait per family of items, at the level of the
//! operations the use cases perform (approve this request, redeem that token), combined
//! into [`Store`]. Writes that must hold only in some state are conditional: they fail with
//! a named [`Conflict`](super::Conflict) (listed on each method) instead of overwriting.
//!
//! `adapters::dynamo::DynamoStore` implements them on DynamoDB, where the conditions are
//! conditional writes and transactions; the in-memory fake of the unit tests honours the
//! same conditions with the same names.

use async_trait::async_trait;

use super::console::{BusinessDirectory, Sessions};
use super::{Listing, WriteError};
use crate::domain::account::UserStatus;
use crate::domain::catalog::{
    Actor, HealthCheck, Note, Priority, Product, ProductEvent, ProductId, ProductState, Quote,
};
use crate::domain::ids::{BusinessId, InvitationId, OutboxId, RequestId, UserId};
use crate::domain::limits::{Counter, Hit};
use crate::domain::profile::{ActiveBusiness, BusinessProfile, ProfileEdit};
use crate::domain::records::{
    AuditEvent, Business, EmailOwner, Impersonation, Invitation, OutboxMessage, OutboxStatus, PartnerLink,
    RequestStatus, SignUpRequest, StoredToken, User,
};
use crate::domain::session::{LoginSession, SessionId};
use crate::domain::token::{TokenHash, TokenPurpose};

/// Every capability of the table.
pub trait Store:
    Lookups
    + SignUpRequests
    + Accounts
    + Admins
    + LinkTokens
    + Partners
    + ActiveBusinesses
    + Profiles
    + Outbox
    + RateLimits
    + Catalog
    + CustomerProducts
    + HealthChecks
    + AuditTrail
    + ManagedCustomers
    + Impersonations
    + BusinessDirectory
    + Sessions
{
}

impl<T> Store for T where
    T: Lookups
        + SignUpRequests
        + Accounts
        + Admins
        + LinkTokens
        + Partners
        + ActiveBusinesses
        + Profiles
        + Outbox
        + RateLimits
        + Catalog
        + CustomerProducts
        + HealthChecks
        + AuditTrail
        + ManagedCustomers
        + Impersonations
        + BusinessDirectory
        + Sessions
{
}

/// What a step reads in one round trip: any of these items, found or not. Independent reads
/// go together (DynamoDB: one BatchGetItem, strongly consistent).
#[derive(Debug, Default, Clone, Copy)]
pub struct Wanted<'a> {
    /// Who holds an address (lowercased).
    pub email: Option<&'a str>,
    pub user: Option<&'a UserId>,
    pub business: Option<&'a BusinessId>,
    pub token: Option<&'a TokenHash>,
    pub login: Option<&'a SessionId>,
    /// A partner's link to a customer: (partner, customer).
    pub link: Option<(&'a BusinessId, &'a BusinessId)>,
    pub counters: &'a [Counter],
}

/// What [`Lookups::look_up`] found.
#[derive(Debug, Default, Clone)]
pub struct Found {
    pub email_owner: Option<EmailOwner>,
    /// The business of the user holding the address, when its marker records it (markers
    /// written before they did, and those of requests, do not).
    pub owner_business: Option<BusinessId>,
    /// The active customer of the partner user holding the address, when its marker records
    /// it (written with each choice since markers did).
    pub owner_active: Option<BusinessId>,
    pub user: Option<User>,
    pub business: Option<Business>,
    pub token: Option<StoredToken>,
    pub login: Option<LoginSession>,
    pub link: Option<PartnerLink>,
    /// Each wanted counter's count in its window, in the order asked (0 when never hit).
    pub counters: Vec<i64>,
}

/// Reads of several items of different families in one round trip.
#[async_trait]
pub trait Lookups: Send + Sync {
    async fn look_up(&self, wanted: &Wanted<'_>) -> anyhow::Result<Found>;
}

/// Create Account Requests and their decisions.
#[async_trait]
pub trait SignUpRequests: Send + Sync {
    /// Stores a new pending request, claims its email (one account or request per address),
    /// counts it among the pending ones, queues its email and counts `hits`, all or nothing.
    /// With an invitation token, also redeems that token, and holds only while the request's
    /// invitation is pending at the generation it names. `RateLimited` when a bounded hit is
    /// at its bound, then `LinkUsed` when the token is not usable, `InvitationChanged` when
    /// the invitation was revoked, accepted or resent, `EmailTaken` when the address is
    /// held.
    async fn create_signup_request(
        &self,
        request: &SignUpRequest,
        invitation_token: Option<&TokenHash>,
        outbox: &OutboxMessage,
        hits: &[Hit],
    ) -> Result<(), WriteError>;

    async fn get_request(&self, id: &RequestId) -> anyhow::Result<Option<SignUpRequest>>;

    /// Requests with a status, oldest first, a page at a time.
    async fn list_requests(&self, status: RequestStatus, cursor: Option<&str>, limit: i32) -> Listing<SignUpRequest>;

    /// How many requests are pending: a counter kept by the writes that store and decide
    /// requests (one read, however many there are).
    async fn count_pending_requests(&self) -> anyhow::Result<u64>;

    /// Stores `request` (decided: approved) only while the stored one is pending, with the
    /// new user, its business, the email marker moved to the user, the partner links and
    /// invitation status of an invited partner (only while that invitation is pending at
    /// the generation the request names), the email and the audit events, all or nothing.
    /// `AlreadyDecided` when it was no longer pending, `InvitationChanged` when the
    /// invitation was revoked or resent since the partner signed up.
    async fn approve_request(
        &self,
        request: &SignUpRequest,
        user: &User,
        business: &Business,
        link: Option<&PartnerLink>,
        outbox: &OutboxMessage,
        audits: &[AuditEvent],
    ) -> Result<(), WriteError>;

    /// Stores `request` (decided: rejected) only while the stored one is pending, frees its
    /// email for a new sign-up, and queues the email and the audit event, all or nothing.
    /// `AlreadyDecided` when it was no longer pending.
    async fn reject_request(
        &self,
        request: &SignUpRequest,
        outbox: &OutboxMessage,
        audit: &AuditEvent,
    ) -> Result<(), WriteError>;
}

/// Users, and the markers that give each email address one owner.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Who holds an address (lowercased): a pending request or a user.
    async fn email_owner(&self, email: &str) -> anyhow::Result<Option<EmailOwner>>;

    async fn get_user(&self, id: &UserId) -> anyhow::Result<Option<User>>;

    /// The user holding an email, if a user (not a request) holds it.
    async fn user_by_email(&self, email: &str) -> anyhow::Result<Option<User>> {
        match self.email_owner(email).await? {
            Some(EmailOwner::User { user_id, .. }) => self.get_user(&user_id).await,
            _ => Ok(None),
        }
    }

    /// Stores a user created outside the sign-up flow (an admin) with its email marker, and
    /// its business if it has one. `EmailTaken` when the address is held.
    async fn create_user(&self, user: &User, business: Option<&Business>) -> Result<(), WriteError>;

    /// Sets a user's status from `from` to `status` and records `audit`, in one write; with
    /// `end_sessions_at_ms`, also ends every login that began before then. `StatusChanged`
    /// when the user's status is no longer `from` (or there is no such user), so that of two
    /// racing changes only one is stored and audited.
    async fn set_user_status(
        &self,
        id: &UserId,
        from: UserStatus,
        status: UserStatus,
        end_sessions_at_ms: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<(), WriteError>;
}

/// Who the admins are (they are told about quote requests).
#[async_trait]
pub trait Admins: Send + Sync {
    async fn register_admin(&self, user: &User) -> anyhow::Result<()>;

    /// The admins' email addresses (at most `limit`), in one read.
    async fn admin_addresses(&self, limit: i32) -> anyhow::Result<Vec<String>>;
}

/// A redemption's hold on a link token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaim {
    /// Random, one per redemption.
    pub id: String,
    /// Unix milliseconds: another redemption may take the token after this (a holder that
    /// died must not keep the link unusable).
    pub until_ms: i64,
}

/// A password change, as the last write of a password link's redemption records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChange {
    pub user_id: UserId,
    /// When it happened (Unix milliseconds): the account's `credentials_changed_at_ms`, so
    /// every link minted before it dies.
    pub at_ms: i64,
    /// Whether every login that began before `at_ms` ends (a reset, or a new password
    /// replacing one).
    pub end_sessions: bool,
}

/// Email-link tokens, by hash.
#[async_trait]
pub trait LinkTokens: Send + Sync {
    async fn put_token(&self, hash: &TokenHash, token: &StoredToken) -> anyhow::Result<()>;

    /// A token as stored, used or not, expired or not: the caller checks.
    async fn get_token(&self, hash: &TokenHash) -> anyhow::Result<Option<StoredToken>>;

    /// Holds a password link's token for one redemption and counts `hit`, in one write
    /// that holds only if: the token exists, is of `purpose`, unused, unexpired and not held
    /// by another redemption (`LinkUsed`); its account (`user`) exists, is not locked and
    /// its password did not change after `minted_at_ms` (`CredentialsChanged`); `hit` is
    /// below its bound (`RateLimited`). Of two concurrent redemptions, one holds it.
    async fn claim_token(
        &self,
        hash: &TokenHash,
        purpose: TokenPurpose,
        claim: &TokenClaim,
        user: &UserId,
        minted_at_ms: i64,
        hit: &Hit,
    ) -> Result<(), WriteError>;

    /// Gives a held token back (the password change it was for did not happen), only while
    /// claim `claim_id` holds it and it is unused. `AlreadyReleased` otherwise: used (by
    /// whoever held it), or held by another claim.
    async fn release_token(&self, hash: &TokenHash, claim_id: &str) -> Result<(), WriteError>;

    /// Ends a redemption: the token used (only while `claim_id` holds it, `LinkUsed`
    /// otherwise), the user active with its new credential time (and its sessions ended,
    /// when the change says so; `UserLocked` when it is locked or gone), the notice queued
    /// and the audit event recorded, all or nothing.
    async fn complete_password_change(
        &self,
        hash: &TokenHash,
        claim_id: &str,
        change: &PasswordChange,
        notice: Option<&OutboxMessage>,
        audit: &AuditEvent,
    ) -> Result<(), WriteError>;
}

/// What inviting an address needs to know.
#[derive(Debug, Clone)]
pub struct Invitee {
    /// The inviting customer's business.
    pub customer: Option<Business>,
    /// The account holding the address, if a user holds it, and its business.
    pub account: Option<(User, Option<Business>)>,
}

/// Partner links and a customer's invitations of partners.
///
/// While an invitation is pending, a marker holds its address for the customer (one
/// pending invitation per customer and address; written and freed in the transactions that
/// create, resend, accept, link or revoke, and taken over once the invitation's link has
/// expired).
#[async_trait]
pub trait Partners: Send + Sync {
    /// The customer's business and the account holding `email` (with its business), in one
    /// read when no user holds the address and two when one does.
    async fn invitee(&self, customer: &BusinessId, email: &str) -> anyhow::Result<Invitee>;

    /// Stores an invitation (to an address without an account) holding its address, with
    /// its email and audit event, and takes one from each quota, all or nothing.
    /// `InvitationPending` when a pending invitation of the customer holds the address,
    /// `RateLimited` when a quota is used up.
    async fn create_invitation(
        &self,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audit: &AuditEvent,
        quotas: &[Hit],
    ) -> Result<(), WriteError>;

    /// The customer's pending invitation that holds `email`, if any.
    async fn pending_invitation(&self, customer: &BusinessId, email: &str) -> anyhow::Result<Option<InvitationId>>;

    /// Links a partner that has an account to the customer (both sides of the link), with
    /// the invitation as `linked`, the email and the audit events, freeing the address's
    /// pending invitation marker, and takes one from each quota, all or nothing.
    /// `AlreadyLinked` when they were linked already, `RateLimited` when a quota is used up.
    async fn link_existing_partner(
        &self,
        link: &PartnerLink,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audits: &[AuditEvent],
        quotas: &[Hit],
    ) -> Result<(), WriteError>;

    async fn get_invitation(&self, customer: &BusinessId, id: &InvitationId) -> anyhow::Result<Option<Invitation>>;

    /// A customer's invitations, newest first, a page at a time.
    async fn list_invitations(&self, customer: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<Invitation>;

    /// The pending ones among the customer's newest `limit` invitations, newest first, in
    /// one read.
    async fn pending_invitations(&self, customer: &BusinessId, limit: i32) -> anyhow::Result<Vec<Invitation>>;

    /// Stores the new `generation` and `sent_at` of a pending invitation, only while it is
    /// pending at the generation before, with its email and audit event, and takes one from
    /// each quota, all or nothing. `InvitationChanged` otherwise, `RateLimited` when a quota
    /// is used up.
    async fn resend_invitation(
        &self,
        invitation: &Invitation,
        outbox: &OutboxMessage,
        audit: &AuditEvent,
        quotas: &[Hit],
    ) -> Result<(), WriteError>;

    /// Withdraws a pending invitation, frees its address and records the audit event, all or
    /// nothing. `InvitationNotPending` when it is not pending.
    async fn revoke_invitation(&self, invitation: &Invitation, audit: &AuditEvent) -> Result<(), WriteError>;

    /// A customer's partners, a page at a time.
    async fn list_partners(&self, customer: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<PartnerLink>;

    /// A partner's customers (invited, linked at once, or created by it), a page at a time.
    async fn list_customers(&self, partner: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<PartnerLink>;

    /// The partner side of a link: whether `partner` may act on `customer`.
    async fn get_customer_link(
        &self,
        partner: &BusinessId,
        customer: &BusinessId,
    ) -> anyhow::Result<Option<PartnerLink>>;
}

/// The customer each partner user works on (kept on the user: [`User::active_business`]).
#[async_trait]
pub trait ActiveBusinesses: Send + Sync {
    async fn get_active_business(&self, partner: &BusinessId, user: &UserId) -> anyhow::Result<Option<ActiveBusiness>>;

    /// Makes `active.business_id` the partner user's active customer, only while the two
    /// are linked. `NotLinked` otherwise. `email` is the user's address, whose marker
    /// records the choice too (what a login reads first).
    async fn set_active_business(
        &self,
        partner: &BusinessId,
        email: &str,
        active: &ActiveBusiness,
    ) -> Result<(), WriteError>;
}

/// Businesses and their profiles.
#[async_trait]
pub trait Profiles: Send + Sync {
    async fn get_business(&self, id: &BusinessId) -> anyhow::Result<Option<Business>>;

    async fn get_profile(&self, business: &BusinessId) -> anyhow::Result<Option<BusinessProfile>>;

    /// Writes an edit only if the stored version is still `expected`, raising it by one, and
    /// gives the customer's name to its partners' side of the links (`partners`): up to 99
    /// in the same transaction (all or nothing: `VersionConflict` when someone else saved
    /// first, reported first; `PartnersChanged` when one of those links is gone), the others
    /// one by one just after it, each only if it does not carry a newer name already. The
    /// profile's `links_version` says whether every link got the name (`Ok` even when one
    /// did not: the next save gives it again).
    async fn update_profile(
        &self,
        business: &BusinessId,
        expected: u64,
        edit: &ProfileEdit,
        by: &UserId,
        partners: &[BusinessId],
    ) -> Result<(), WriteError>;
}

/// The transactional outbox: emails queued with the changes that cause them.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Queues an email on its own (when no other change goes with it).
    async fn put_outbox(&self, message: &OutboxMessage) -> anyhow::Result<()>;

    async fn get_outbox(&self, id: &OutboxId) -> anyhow::Result<Option<OutboxMessage>>;

    /// Takes a due pending message for `lease_secs`, so two senders never send it at once.
    /// `None` if it is not pending, not due, or another sender holds it.
    async fn claim_outbox(&self, id: &OutboxId, lease_secs: i64) -> anyhow::Result<Option<OutboxMessage>>;

    async fn mark_outbox_sent(&self, id: &OutboxId) -> anyhow::Result<()>;

    /// Records a failed attempt (one more attempt, its error): retried at
    /// `next_attempt_at`, or dead-lettered.
    async fn mark_outbox_failed(
        &self,
        message: &OutboxMessage,
        error: &str,
        next_attempt_at: i64,
        dead: bool,
    ) -> anyhow::Result<()>;

    /// Pending messages due by now, oldest first (at most `limit`).
    async fn due_outbox(&self, limit: i32) -> anyhow::Result<Vec<OutboxId>>;

    /// Pending messages in the order they are due, or dead-lettered ones most recently given
    /// up first, a page at a time.
    async fn list_outbox(&self, status: OutboxStatus, cursor: Option<&str>, limit: i32) -> Listing<OutboxMessage>;
}

/// Fixed-window counters.
#[async_trait]
pub trait RateLimits: Send + Sync {
    /// Counts `hits` and queues `emails`, in one write, when a step has nothing else to
    /// write (a failed login, a forgot-password request, a sign-up for a taken address).
    /// `RateLimited` when a bounded hit is at its bound.
    async fn count_and_queue(&self, hits: &[Hit], emails: &[&OutboxMessage]) -> Result<(), WriteError>;
}

/// The product catalog.
#[async_trait]
pub trait Catalog: Send + Sync {
    async fn get_product(&self, id: &ProductId) -> anyhow::Result<Option<Product>>;

    /// The catalog by product id, a page at a time.
    async fn list_catalog(&self, cursor: Option<&str>, limit: i32) -> Listing<Product>;

    /// The whole catalog (tens of products), by product id.
    async fn all_products(&self) -> anyhow::Result<Vec<Product>>;

    /// Adds or replaces a product; `true` if it is new.
    async fn put_product(&self, product: &Product) -> anyhow::Result<bool>;

    /// Adds the products that are missing and leaves the others as they are; returns how
    /// many were added.
    async fn seed_catalog(&self, products: &[Product]) -> anyhow::Result<usize>;
}

/// What requesting a product did.
#[derive(Debug, Clone)]
pub enum RequestOutcome {
    /// The request was recorded now.
    Recorded,
    /// The customer had requested it already; its state as stored.
    AlreadyRequested(Box<ProductState>),
}

/// What requesting a quote did.
#[derive(Debug, Clone)]
pub enum QuoteOutcome {
    /// The quote request was stored with its emails.
    Requested,
    /// A quote request on the product is still open (asked for less than
    /// [`QUOTE_OPEN_DAYS`](crate::domain::catalog::QUOTE_OPEN_DAYS) ago): that one, as stored.
    AlreadyOpen(Box<Quote>),
}

/// A customer's state of each product (note, priority, request, latest quote), and quotes.
///
/// Writes name the customer they change and, when a partner acts, that partner (`via`):
/// the partner's side of their link is checked in the same transaction (`NotLinked`), and so
/// is the product, which must be in the catalog and not retired (`ProductNotOffered`).
/// Every event appended to a product's history keeps it bounded (see
/// [`ProductState::history`]).
#[async_trait]
pub trait CustomerProducts: Send + Sync {
    async fn get_product_state(&self, customer: &BusinessId, id: &ProductId) -> anyhow::Result<Option<ProductState>>;

    /// Every product a customer has a note, priority or request on (at most one per catalog
    /// product).
    async fn product_states(&self, customer: &BusinessId) -> anyhow::Result<Vec<ProductState>>;

    /// The partner's side of its link to the customer and the customer's state of one
    /// product, in one read.
    async fn link_and_product_state(
        &self,
        partner: &BusinessId,
        customer: &BusinessId,
        id: &ProductId,
    ) -> anyhow::Result<(Option<PartnerLink>, Option<ProductState>)>;

    /// Sets (or with `None` clears) the partner's note on a product, and who wrote it when.
    async fn set_product_note(
        &self,
        customer: &BusinessId,
        via: Option<&BusinessId>,
        id: &ProductId,
        note: Option<&Note>,
        by: &Actor,
    ) -> Result<(), WriteError>;

    /// Sets a priority (`Some`) or No Suggestion (`None`), lists the product on the request
    /// page (once) and appends `event` to its history. The suggestion the product already
    /// has (a double click, a retry) changes nothing and records nothing.
    async fn set_product_suggestion(
        &self,
        customer: &BusinessId,
        via: Option<&BusinessId>,
        id: &ProductId,
        priority: Option<Priority>,
        event: &ProductEvent,
    ) -> Result<(), WriteError>;

    /// Records the customer's request for a product, once (asking again changes nothing
    /// and answers the stored state).
    async fn request_product(
        &self,
        customer: &BusinessId,
        id: &ProductId,
        event: &ProductEvent,
        requester_email: &str,
    ) -> Result<RequestOutcome, WriteError>;

    /// The products on the request page (requested, or given a priority or No Suggestion)
    /// by product id, a page at a time, in one read of the customer's products.
    async fn list_product_requests(
        &self,
        customer: &BusinessId,
        cursor: Option<&str>,
        limit: i32,
    ) -> Listing<ProductState>;

    /// Stores a quote request with its emails and audit event, records it on the product,
    /// and takes one from each quota, all or nothing, only while the customer has requested
    /// the product and no quote request on it is open. `NotRequested` when it is not
    /// requested, `RateLimited` when a quota is used up; an open quote is an outcome.
    async fn request_quote(
        &self,
        quote: &Quote,
        via: &BusinessId,
        event: &ProductEvent,
        emails: &[OutboxMessage],
        audit: &AuditEvent,
        quotas: &[Hit],
    ) -> Result<QuoteOutcome, WriteError>;
}

/// Health checks of customer businesses.
#[async_trait]
pub trait HealthChecks: Send + Sync {
    /// Adds or replaces a health check, only if its business is a customer. `NotACustomer`
    /// otherwise.
    async fn put_health_check(&self, check: &HealthCheck) -> Result<(), WriteError>;

    /// A business's health checks by kind, a page at a time.
    async fn list_health_checks(&self, business: &BusinessId, cursor: Option<&str>, limit: i32)
    -> Listing<HealthCheck>;
}

/// The audit trail.
#[async_trait]
pub trait AuditTrail: Send + Sync {
    async fn put_audit(&self, event: &AuditEvent) -> anyhow::Result<()>;

    /// A business's trail, newest first.
    async fn list_audit(&self, business: &BusinessId, cursor: Option<&str>, limit: i32) -> Listing<AuditEvent>;

    /// Every business's trail, newest first.
    async fn list_all_audit(&self, cursor: Option<&str>, limit: i32) -> Listing<AuditEvent>;
}

/// Customers that a partner creates and manages.
#[async_trait]
pub trait ManagedCustomers: Send + Sync {
    /// Creates the account: the email claimed, the user, the business, both sides of the
    /// (managed) link, the audit event and the email, all or nothing. `EmailTaken` when the
    /// address is held.
    async fn create_managed_customer(
        &self,
        user: &User,
        business: &Business,
        link: &PartnerLink,
        audit: &AuditEvent,
        outbox: Option<&OutboxMessage>,
    ) -> Result<(), WriteError>;

    /// Stores the contact's names on the user and, when `renamed`, the business's new name
    /// on the business (raising its profile version) and on both sides of the link, with
    /// the audit event, all or nothing. `Missing` when the user or business is gone,
    /// `PartnersChanged` when the link is.
    async fn update_customer_details(
        &self,
        user: &User,
        business: &Business,
        link: &PartnerLink,
        renamed: bool,
        audit: &AuditEvent,
    ) -> Result<(), WriteError>;
}

/// Impersonation sessions, by the hash of their token.
#[async_trait]
pub trait Impersonations: Send + Sync {
    /// Stores a new session with its audit events, in one write.
    async fn start_impersonation(
        &self,
        hash: &TokenHash,
        session: &Impersonation,
        audits: &[AuditEvent],
    ) -> Result<(), WriteError>;

    /// A session as stored, ended or expired or not: the caller checks.
    async fn get_impersonation(&self, hash: &TokenHash) -> anyhow::Result<Option<Impersonation>>;

    /// Ends a session. `AlreadyEnded` when it had ended (or is unknown).
    async fn end_impersonation(&self, hash: &TokenHash) -> Result<(), WriteError>;
}
