//! The fake table's state, one map per family of items, and what every family shares:
//! conditions that fail with the first of their conflicts, and paging with cursors.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;

use super::Journal;
use crate::domain::catalog::{HealthCheck, Product, ProductId, ProductState, Quote};
use crate::domain::ids::{BusinessId, InvitationId, OutboxId, RequestId, UserId};
use crate::domain::limits::Hit;
use crate::domain::mfa::{ChallengeKey, LoginChallenge};
use crate::domain::profile::{ActiveBusiness, BusinessProfile};
use crate::domain::records::{
    AuditEvent, Business, EmailOwner, Impersonation, Invitation, OutboxMessage, PartnerLink, SignUpRequest,
    StoredToken, User,
};
use crate::domain::session::{LoginSession, SessionId, SessionKey, StoredSession};
use crate::domain::token::TokenHash;
use crate::ports::{BadCursor, Conflict, Page, WriteError};

/// A business item: the business and its profile are one item in the table.
#[derive(Debug, Clone)]
pub(super) struct BusinessItem {
    pub business: Business,
    pub profile: BusinessProfile,
}

impl BusinessItem {
    pub fn new(business: &Business) -> Self {
        let profile = BusinessProfile {
            business_id: business.business_id.clone(),
            kind: business.kind,
            name: business.name.clone(),
            website: business.website.clone(),
            phone: business.phone.clone(),
            address: Default::default(),
            industry: None,
            employee_count: None,
            contacts: Vec::new(),
            version: 0,
            updated_by: None,
            updated_at: None,
            links_version: None,
        };
        Self { business: business.clone(), profile }
    }
}

/// A queued email and what only the queue knows of it.
#[derive(Debug, Clone)]
pub(super) struct OutboxEntry {
    pub message: OutboxMessage,
    pub lease_until: Option<i64>,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub requests: HashMap<RequestId, SignUpRequest>,
    pub emails: HashMap<String, EmailOwner>,
    pub users: HashMap<UserId, User>,
    pub admins: BTreeSet<UserId>,
    pub tokens: HashMap<TokenHash, StoredToken>,
    pub businesses: HashMap<BusinessId, BusinessItem>,
    /// The customer's side of each link, by (customer, partner).
    pub partner_side: BTreeMap<(BusinessId, BusinessId), PartnerLink>,
    /// The partner's side of each link, by (partner, customer).
    pub customer_side: BTreeMap<(BusinessId, BusinessId), PartnerLink>,
    pub invitations: BTreeMap<(BusinessId, InvitationId), Invitation>,
    /// Addresses held by pending invitations: (customer, address) → (invitation, when its
    /// link expires, Unix seconds).
    pub pending: HashMap<(BusinessId, String), (InvitationId, i64)>,
    pub active: HashMap<(BusinessId, UserId), ActiveBusiness>,
    pub outbox: HashMap<OutboxId, OutboxEntry>,
    pub rate_windows: HashMap<(String, i64), i64>,
    pub products: BTreeMap<ProductId, Product>,
    pub product_states: BTreeMap<(BusinessId, ProductId), ProductState>,
    pub quotes: Vec<Quote>,
    pub health_checks: BTreeMap<(BusinessId, &'static str), HealthCheck>,
    pub audit: Vec<AuditEvent>,
    pub impersonations: HashMap<TokenHash, Impersonation>,
    pub sessions: HashMap<SessionKey, StoredSession>,
    pub logins: HashMap<SessionId, LoginSession>,
    pub challenges: HashMap<ChallengeKey, LoginChallenge>,
}

impl State {
    /// Whether a bounded hit's counter is at its bound (the write that carries it fails).
    pub(super) fn blocked(&self, hits: &[Hit]) -> bool {
        hits.iter().any(|hit| hit.below.is_some_and(|max| self.count(hit) >= max))
    }

    pub(super) fn count(&self, hit: &Hit) -> i64 {
        let counter = &hit.counter;
        self.rate_windows.get(&(counter.bucket.clone(), counter.window_start)).copied().unwrap_or(0)
    }

    /// Counts every hit (the caller checked [`State::blocked`] first).
    pub(super) fn apply(&mut self, hits: &[Hit]) {
        for hit in hits {
            *self.rate_windows.entry((hit.counter.bucket.clone(), hit.counter.window_start)).or_insert(0) += 1;
        }
    }
}

/// The fake table.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    journal: Journal,
    /// Operations whose next successful write loses its answer.
    lost_answers: Mutex<BTreeSet<String>>,
    /// Operations whose next write fails before it changes anything.
    failing: Mutex<BTreeSet<String>>,
}

impl MemoryStore {
    /// A store that records its writes in `journal`.
    pub fn new(journal: Journal) -> Self {
        Self { state: Mutex::default(), journal, lost_answers: Mutex::default(), failing: Mutex::default() }
    }

    /// The next write of `operation` (for those that honour it) fails before it changes
    /// anything, as when the table is unavailable.
    pub fn fail_next_write(&self, operation: &str) {
        self.failing.lock().expect("the store's lock").insert(operation.to_owned());
    }

    /// The failure injected into this write of `operation`, if one was asked for.
    pub(super) fn injected_failure(&self, operation: &str) -> Result<(), WriteError> {
        if self.failing.lock().expect("the store's lock").remove(operation) {
            self.journal.record(format!("store.{operation} -> failed"));
            return Err(WriteError::Unexpected(anyhow::anyhow!("{operation} failed (injected)")));
        }
        Ok(())
    }

    /// The next write of `operation` (for those that honour it) is made, but its caller
    /// sees a failure, as when the answer of a committed write is lost on the way back.
    pub fn lose_next_answer(&self, operation: &str) {
        self.lost_answers.lock().expect("the store's lock").insert(operation.to_owned());
    }

    /// Records the outcome of `operation` and hands it to the caller, or a failure in its
    /// place when its answer is to be lost.
    pub(super) fn answer(&self, operation: &str, outcome: Result<(), WriteError>) -> Result<(), WriteError> {
        self.record(operation, &outcome);
        let lost = outcome.is_ok() && self.lost_answers.lock().expect("the store's lock").remove(operation);
        if lost {
            self.journal.record(format!("store.{operation} (answer lost)"));
            return Err(WriteError::Unexpected(anyhow::anyhow!("the answer of {operation} was lost")));
        }
        outcome
    }

    /// The state, after yielding as a network call would; the lock is held until the
    /// operation is done, so every operation is atomic.
    pub(super) async fn state(&self) -> MutexGuard<'_, State> {
        super::step().await;
        self.state.lock().expect("the store's lock")
    }

    /// Records a write in the journal: `store.<operation>` and, when it was refused, the
    /// conflict.
    pub(super) fn record<T>(&self, operation: &str, outcome: &Result<T, WriteError>) {
        match outcome {
            Ok(_) => self.journal.record(format!("store.{operation}")),
            Err(WriteError::Conflict(c)) => self.journal.record(format!("store.{operation} -> {c:?}")),
            Err(WriteError::Unexpected(e)) => self.journal.record(format!("store.{operation} -> {e}")),
        }
    }
}

/// Holds unless a condition failed; then fails with the first failed conflict in
/// [`Conflict`]'s order, as a cancelled DynamoDB transaction is reported.
pub(super) fn check(failed: impl IntoIterator<Item = (bool, Conflict)>) -> Result<(), WriteError> {
    match failed.into_iter().filter(|(fails, _)| *fails).map(|(_, conflict)| conflict).min() {
        Some(conflict) => Err(WriteError::Conflict(conflict)),
        None => Ok(()),
    }
}

pub(super) fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A sort key that orders by time, then by id.
pub(super) fn time_key(at: OffsetDateTime, id: &str) -> String {
    format!("{:024}#{id}", at.unix_timestamp_nanos())
}

/// One page of a listing whose items are given with their sort keys, in listing order.
/// A cursor names its listing and the last key it returned; the cursor of another listing
/// is a [`BadCursor`].
pub(super) fn page<T>(
    listing: &str,
    items: Vec<(String, T)>,
    descending: bool,
    cursor: Option<&str>,
    limit: i32,
) -> Result<Page<T>, BadCursor> {
    let after = match cursor {
        None => None,
        Some(cursor) => {
            let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| BadCursor)?;
            let (of, key): (String, String) = serde_json::from_slice(&bytes).map_err(|_| BadCursor)?;
            if of != listing {
                return Err(BadCursor);
            }
            Some(key)
        }
    };
    let limit = usize::try_from(limit.max(1)).unwrap_or(1);
    let mut rest: Vec<(String, T)> = items
        .into_iter()
        .filter(|(key, _)| after.as_ref().is_none_or(|after| if descending { key < after } else { key > after }))
        .collect();
    let more = rest.len() > limit;
    rest.truncate(limit);
    let next_cursor = match rest.last() {
        Some((key, _)) if more => Some(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(listing, key)).unwrap_or_default())),
        _ => None,
    };
    Ok(Page { items: rest.into_iter().map(|(_, item)| item).collect(), next_cursor })
}
