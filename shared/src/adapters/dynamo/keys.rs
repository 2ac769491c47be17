//! Every key of the table, in one place: `PK` / `SK` of each item and the `GSI1PK` /
//! `GSI1SK` of those on the index. `infra/TABLE.md` lists the same keys with their access
//! patterns. Tenant data lives under its business's partition, `BUS#<business id>`.

use aws_sdk_dynamodb::types::AttributeValue;

use super::attrs::{Item, s, time_text};
use crate::domain::catalog::{HealthCheckKind, ProductId, Quote, QuoteId};
use crate::domain::ids::{BusinessId, InvitationId, OutboxId, RequestId, UserId};
use crate::domain::mfa::ChallengeKey;
use crate::domain::profile::directory_name;
use crate::domain::records::{AuditEvent, RequestStatus, SignUpRequest};
use crate::domain::session::{SessionId, SessionKey};
use crate::domain::token::TokenHash;

/// The one global secondary index.
pub(super) const GSI1: &str = "GSI1";

/// The primary key of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }

    pub fn item(&self) -> Item {
        Item::from([("PK".to_owned(), s(&self.pk)), ("SK".to_owned(), s(&self.sk))])
    }
}

impl From<&Key> for Item {
    fn from(key: &Key) -> Self {
        key.item()
    }
}

/// Index attributes of an item on GSI1.
pub(super) type IndexKeys = [(&'static str, AttributeValue); 2];

fn index_keys(pk: impl Into<String>, sk: impl Into<String>) -> IndexKeys {
    [("GSI1PK", s(pk)), ("GSI1SK", s(sk))]
}

// ---- accounts ---------------------------------------------------------------------------

/// Who holds an email address (a request or a user).
pub(super) fn email(email: &str) -> Key {
    Key::new(format!("EMAIL#{email}"), "EMAIL")
}

pub(super) fn user(id: &UserId) -> Key {
    Key::new(format!("USER#{id}"), "USER")
}

/// The admins' index (who is told about quote requests).
pub(super) const ADMINS: &str = "ADMINS";
pub(super) const ADMIN_PREFIX: &str = "USER#";

pub(super) fn admin(id: &UserId) -> Key {
    Key::new(ADMINS, format!("{ADMIN_PREFIX}{id}"))
}

// ---- sign-up requests -------------------------------------------------------------------

pub(super) fn request(id: &RequestId) -> Key {
    Key::new(format!("REQ#{id}"), "REQ")
}

/// The index partition of the requests with a status.
pub(super) fn requests_with(status: RequestStatus) -> String {
    format!("REQ#{}", status.as_str())
}

/// How many requests are pending (attribute `count`), kept by the writes that store and
/// decide requests, so the count is one read however many there are.
pub(super) fn pending_requests() -> Key {
    Key::new("COUNTERS", "REQ#pending")
}

/// A request on the index: by status, oldest first.
pub(super) fn request_index(request: &SignUpRequest) -> IndexKeys {
    let created = time_text(request.created_at);
    index_keys(requests_with(request.status), format!("{created}#{}", request.request_id))
}

// ---- businesses and what lives under them ------------------------------------------------

/// The partition of everything a business owns.
pub(super) fn business(id: &BusinessId) -> String {
    format!("BUS#{id}")
}

/// The index partition of the admins' business directory.
pub(super) const DIRECTORY: &str = "BUSINESS";

/// A business in the directory: by its directory name, then id. Every write that creates a
/// `PROFILE` item or changes its `name` sets these.
pub(super) fn directory_index(name: &str, id: &BusinessId) -> IndexKeys {
    index_keys(DIRECTORY, format!("{}#{id}", directory_name(name)))
}

/// A business and its profile (one item).
pub(super) fn profile(id: &BusinessId) -> Key {
    Key::new(business(id), "PROFILE")
}

pub(super) const PARTNER_PREFIX: &str = "PARTNER#";
pub(super) const CUSTOMER_PREFIX: &str = "CUSTOMER#";
pub(super) const INVITE_PREFIX: &str = "INVITE#";
pub(super) const PRODUCT_PREFIX: &str = "PRODUCT#";
pub(super) const HEALTH_PREFIX: &str = "HEALTH#";
pub(super) const AUDIT_PREFIX: &str = "AUDIT#";

/// The customer's side of a partner link.
pub(super) fn partner_of(customer: &BusinessId, partner: &BusinessId) -> Key {
    Key::new(business(customer), format!("{PARTNER_PREFIX}{partner}"))
}

/// The partner's side of a partner link.
pub(super) fn customer_of(partner: &BusinessId, customer: &BusinessId) -> Key {
    Key::new(business(partner), format!("{CUSTOMER_PREFIX}{customer}"))
}

pub(super) fn invitation(customer: &BusinessId, id: &InvitationId) -> Key {
    Key::new(business(customer), format!("{INVITE_PREFIX}{id}"))
}

/// The marker that holds an address for the customer's pending invitation to it (one
/// pending invitation per customer and address).
pub(super) fn pending_invitation(customer: &BusinessId, email: &str) -> Key {
    Key::new(business(customer), format!("PENDING#{email}"))
}

/// A customer's state of one product (note, priority, request, latest quote).
pub(super) fn product_state(customer: &BusinessId, product: &ProductId) -> Key {
    Key::new(business(customer), format!("{PRODUCT_PREFIX}{product}"))
}

pub(super) fn quote(quote: &Quote) -> Key {
    quote_of(&quote.customer_id, quote.created_at, &quote.quote_id)
}

/// A quote request by its customer, time and id (what a product's state records of it).
pub(super) fn quote_of(customer: &BusinessId, created_at: time::OffsetDateTime, id: &QuoteId) -> Key {
    Key::new(business(customer), format!("QUOTE#{}#{id}", time_text(created_at)))
}

pub(super) fn health_check(business_id: &BusinessId, kind: HealthCheckKind) -> Key {
    Key::new(business(business_id), format!("{HEALTH_PREFIX}{}", kind.as_str()))
}

/// The index partition of every business's audit events.
pub(super) const AUDIT_ALL: &str = "AUDIT";

/// An audit event in its business's trail, and on the index of all trails; both sort by
/// time (milliseconds, zero-padded so text order is time order).
pub(super) fn audit(event: &AuditEvent) -> (Key, IndexKeys) {
    let millis = event.at.unix_timestamp_nanos() / 1_000_000;
    let sort = format!("{millis:015}#{}", event.event_id);
    (Key::new(business(&event.business_id), format!("{AUDIT_PREFIX}{sort}")), index_keys(AUDIT_ALL, sort))
}

// ---- the catalog ------------------------------------------------------------------------

pub(super) const CATALOG: &str = "CATALOG";

pub(super) fn product(id: &ProductId) -> Key {
    Key::new(CATALOG, format!("{PRODUCT_PREFIX}{id}"))
}

// ---- tokens, sessions, emails, limits -----------------------------------------------------

/// A link token, by the hash of the token (the raw token is never stored).
pub(super) fn link_token(hash: &TokenHash) -> Key {
    Key::new(format!("TOKEN#{}", hash.as_ref()), "TOKEN")
}

/// An impersonation session, by the hash of its token.
pub(super) fn impersonation(hash: &TokenHash) -> Key {
    Key::new(format!("IMP#{}", hash.as_ref()), "IMP")
}

pub(super) fn outbox(id: &OutboxId) -> Key {
    Key::new(format!("OUTBOX#{id}"), "OUTBOX")
}

/// Index partitions of queued emails: waiting for (re)delivery, or given up on.
pub(super) const OUTBOX_PENDING: &str = "OUTBOX#pending";
pub(super) const OUTBOX_DEAD: &str = "OUTBOX#dead";

/// A queued email on the index, sorted by when it is next due (12 digits of Unix seconds,
/// so "due by now" is a range up to `now`).
pub(super) fn outbox_index(partition: &'static str, next_attempt_at: i64, id: &OutboxId) -> IndexKeys {
    index_keys(partition, format!("{next_attempt_at:012}#{id}"))
}

/// The greatest index sort key of a message due by `at` (`$` sorts after the `#` that
/// follows the time).
pub(super) fn outbox_due_by(at: i64) -> String {
    format!("{at:012}$")
}

/// One fixed window of one rate limit for one key.
pub(super) fn rate_window(bucket: &str, window_start: i64) -> Key {
    Key::new(format!("RATE#{bucket}#{window_start}"), "RATE")
}

// ---- sessions ------------------------------------------------------------------------------

/// A login session, by the hash of its refresh token.
pub(super) fn session(key: &SessionKey) -> Key {
    Key::new(format!("SESSION#{}", key.as_ref()), "SESSION")
}

/// A login, by its Cognito session id (`origin_jti`).
pub(super) fn login(id: &SessionId) -> Key {
    Key::new(format!("LOGIN#{id}"), "LOGIN")
}

/// A login waiting for its TOTP code (or enrolment), by the hash of its challenge token.
pub(super) fn challenge(key: &ChallengeKey) -> Key {
    Key::new(format!("CHALLENGE#{}", key.as_ref()), "CHALLENGE")
}
