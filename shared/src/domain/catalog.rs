//! The product catalog and what a customer's dashboard records about each product: the
//! partner's note ("Licensing Expert"), its priority ("Potential Upgrades"), the customer's
//! requests, quote requests, and the admins' health checks.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::account::Role;
use super::ids::{BusinessId, UserId};

/// A catalog product's id: a lowercase slug such as `zia-business`, chosen by whoever adds
/// the product, stable across renames.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProductId(String);

impl ProductId {
    /// `None` unless 1 to 64 characters of `a-z`, `0-9` and `-`, not starting with `-`.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && !raw.starts_with('-')
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| Self(raw.to_owned()))
    }
}

impl AsRef<str> for ProductId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ProductId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A product of the catalog, in a section (a product family such as "Internet Access").
/// A retired product is kept, so that notes and requests about it still read, but it is no
/// longer offered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Product {
    pub product_id: ProductId,
    pub name: String,
    pub section: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Display order in the catalog (sections first, then products within a section).
    #[serde(default)]
    pub position: u32,
    #[serde(default)]
    pub retired: bool,
}

/// A partner's suggested priority for a product: 1 (highest) to 5 (lowest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Priority(u8);

/// Why a priority was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose a priority from 1 (highest) to 5 (lowest), or No Suggestion.")]
pub struct PriorityError;

impl Priority {
    pub const HIGHEST: u8 = 1;
    pub const LOWEST: u8 = 5;

    /// A whole number from 1 to 5: a JSON number, or a string of one digit.
    pub fn parse(raw: &serde_json::Value) -> Result<Self, PriorityError> {
        let n = match raw {
            serde_json::Value::Number(n) => n.as_i64().ok_or(PriorityError)?,
            serde_json::Value::String(s) => match s.trim() {
                digit @ ("1" | "2" | "3" | "4" | "5") => digit.parse().map_err(|_| PriorityError)?,
                _ => return Err(PriorityError),
            },
            _ => return Err(PriorityError),
        };
        u8::try_from(n).map_err(|_| PriorityError).and_then(Self::try_from)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Priority {
    type Error = PriorityError;

    fn try_from(n: u8) -> Result<Self, PriorityError> {
        if (Self::HIGHEST..=Self::LOWEST).contains(&n) { Ok(Self(n)) } else { Err(PriorityError) }
    }
}

impl From<Priority> for u8 {
    fn from(p: Priority) -> u8 {
        p.0
    }
}

/// What a partner says about upgrading to a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggestion {
    /// Listed under "Potential Upgrades", in priority order.
    Priority(Priority),
    /// "No Suggestion": listed under "All Products".
    NoSuggestion,
}

/// A free text of several lines (a note, a quote message, findings): at most `max`
/// characters, no control characters other than line breaks and tabs. Empty is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Note(String);

/// Why a multi-line text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("Use at most {0} characters.")]
    TooLong(usize),
    #[error("This text contains characters that are not allowed.")]
    ControlCharacters,
}

impl Note {
    pub fn parse_optional(raw: Option<&str>, max: usize) -> Result<Option<Self>, NoteError> {
        let value = raw.map(str::trim).unwrap_or_default();
        if value.is_empty() {
            return Ok(None);
        }
        if value.chars().count() > max {
            return Err(NoteError::TooLong(max));
        }
        if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Err(NoteError::ControlCharacters);
        }
        Ok(Some(Self(value.to_owned())))
    }
}

impl AsRef<str> for Note {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Who did something, as shown next to it ("set by Pat Doe, partner").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub business_id: BusinessId,
}

/// What was done to a product of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductAction {
    Requested,
    PrioritySet,
    NoSuggestion,
    QuoteRequested,
}

/// One line of a product's history on the request page: who did what, and when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductEvent {
    pub action: ProductAction,
    /// The priority, for `priority_set`.
    #[serde(default)]
    pub priority: Option<Priority>,
    pub by: Actor,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Where a quote request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    /// Sent to the admins; nobody has answered yet.
    Requested,
}

/// A quote request's id (random UUID).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QuoteId(String);

impl QuoteId {
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }
}

impl Default for QuoteId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for QuoteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A partner's request for a quote on a product its customer requested.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Quote {
    pub quote_id: QuoteId,
    pub customer_id: BusinessId,
    pub product_id: ProductId,
    pub product_name: String,
    pub message: Option<Note>,
    pub by: Actor,
    pub status: QuoteStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A customer's dashboard state of one product. Absent fields were never set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProductState {
    pub product_id: Option<ProductId>,
    #[serde(default)]
    pub note: Option<Note>,
    #[serde(default)]
    pub note_by: Option<Actor>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub note_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub no_suggestion: bool,
    #[serde(default)]
    pub requested_by: Option<Actor>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub requested_at: Option<OffsetDateTime>,
    /// Where the requester is told about quotes (the customer user who requested it).
    #[serde(default)]
    pub requester_email: Option<String>,
    #[serde(default)]
    pub quote_id: Option<QuoteId>,
    #[serde(default)]
    pub quote_status: Option<QuoteStatus>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub quote_at: Option<OffsetDateTime>,
    /// Set when the product was first requested or given a priority or No Suggestion: from
    /// then on it is on the "Zscaler Products Request" page.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub listed_at: Option<OffsetDateTime>,
    /// The latest events, oldest first: at most [`HISTORY_CHUNK`] of them. When it is full,
    /// the next event moves it to `history_earlier` and starts a new one, so the item holds
    /// at most twice that many events however often the product changes (an item has a
    /// size limit; a list that grows with each action would reach it).
    #[serde(default)]
    pub history: Vec<ProductEvent>,
    /// The chunk of events before `history`, oldest first.
    #[serde(default)]
    pub history_earlier: Vec<ProductEvent>,
}

/// The most events a product's current history chunk holds (see [`ProductState::history`]);
/// also how many of the latest events the request page shows.
pub const HISTORY_CHUNK: usize = 50;

impl ProductState {
    pub fn requested(&self) -> bool {
        self.requested_at.is_some()
    }

    /// The partner's suggestion: `Some(Some(p))` a priority, `Some(None)` No Suggestion,
    /// `None` when neither was ever given.
    pub fn suggestion(&self) -> Option<Option<Priority>> {
        if self.no_suggestion { Some(None) } else { self.priority.map(Some) }
    }

    /// The latest `n` events (at most [`HISTORY_CHUNK`] are always kept), oldest first.
    pub fn latest_history(&self, n: usize) -> Vec<&ProductEvent> {
        let all: Vec<&ProductEvent> = self.history_earlier.iter().chain(&self.history).collect();
        all[all.len().saturating_sub(n)..].to_vec()
    }

    /// Appends an event the way the store does: into the current chunk, or, when it is full,
    /// into a new chunk after moving the full one to `history_earlier`.
    pub fn record(&mut self, event: ProductEvent) {
        if self.history.len() >= HISTORY_CHUNK {
            self.history_earlier = std::mem::take(&mut self.history);
        }
        self.history.push(event);
    }
}

/// How long a quote request stays open: until then, asking again for a quote on the same
/// product of the same customer answers with the open one (and emails nobody).
pub const QUOTE_OPEN_DAYS: i64 = 7;

/// The two health checks a customer business has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthCheckKind {
    /// The CM360 health check.
    Cm360,
    /// The Zscaler health check.
    Zscaler,
}

impl HealthCheckKind {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "cm360" => Some(Self::Cm360),
            "zscaler" => Some(Self::Zscaler),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cm360 => "cm360",
            Self::Zscaler => "zscaler",
        }
    }
}

/// The outcome of a health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Healthy,
    NeedsAttention,
    Critical,
}

impl HealthStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "healthy" => Some(Self::Healthy),
            "needs_attention" => Some(Self::NeedsAttention),
            "critical" => Some(Self::Critical),
            _ => None,
        }
    }
}

/// A health score from 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Score(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter a score from 0 to 100.")]
pub struct ScoreError;

impl Score {
    pub fn parse(raw: &serde_json::Value) -> Result<Self, ScoreError> {
        raw.as_i64().and_then(|n| u8::try_from(n).ok()).ok_or(ScoreError).and_then(Self::try_from)
    }
}

impl TryFrom<u8> for Score {
    type Error = ScoreError;

    fn try_from(n: u8) -> Result<Self, ScoreError> {
        if n <= 100 { Ok(Self(n)) } else { Err(ScoreError) }
    }
}

impl From<Score> for u8 {
    fn from(s: Score) -> u8 {
        s.0
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CheckDate(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter a date as YYYY-MM-DD, such as 2026-03-31.")]
pub struct DateError;

impl CheckDate {
    pub fn parse(raw: &str) -> Result<Self, DateError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(raw.trim(), &format).map_err(|_| DateError)?;
        Ok(Self(date.format(&format).map_err(|_| DateError)?))
    }
}

impl AsRef<str> for CheckDate {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A health check of a customer business, written by admins only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HealthCheck {
    pub business_id: BusinessId,
    pub kind: HealthCheckKind,
    pub score: Score,
    pub status: HealthStatus,
    pub findings: Option<Note>,
    pub checked_on: CheckDate,
    pub updated_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn priorities_are_whole_numbers_from_one_to_five() {
        assert_eq!(Priority::parse(&json!(1)).unwrap().get(), 1);
        assert_eq!(Priority::parse(&json!("5")).unwrap().get(), 5);
        for bad in [json!(0), json!(6), json!("high"), json!(2.5), json!(-1), json!(null), json!(true), json!(256)] {
            assert_eq!(Priority::parse(&bad), Err(PriorityError), "{bad}");
        }
    }

    #[test]
    fn a_stored_priority_out_of_range_does_not_deserialize() {
        assert!(serde_json::from_value::<Priority>(json!(3)).is_ok());
        assert!(serde_json::from_value::<Priority>(json!(9)).is_err());
    }

    fn event(n: u8) -> ProductEvent {
        ProductEvent {
            action: ProductAction::PrioritySet,
            priority: Priority::try_from(n % 5 + 1).ok(),
            by: Actor {
                user_id: UserId::parse("u").unwrap(),
                name: format!("event {n}"),
                role: Role::Partner,
                business_id: BusinessId::parse("b").unwrap(),
            },
            at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_history_keeps_at_most_two_chunks_and_always_the_latest_chunk_of_events() {
        let mut state = ProductState::default();
        for n in 0..=255u8 {
            state.record(event(n));
            assert!(state.history.len() + state.history_earlier.len() <= 2 * HISTORY_CHUNK);
            let latest: Vec<&str> = state.latest_history(HISTORY_CHUNK).iter().map(|e| e.by.name.as_str()).collect();
            let first = (usize::from(n) + 1).saturating_sub(HISTORY_CHUNK);
            let expected: Vec<String> = (first..=usize::from(n)).map(|i| format!("event {i}")).collect();
            assert_eq!(latest, expected);
        }
    }

    #[test]
    fn product_ids_are_lowercase_slugs() {
        assert!(ProductId::parse("zia-business").is_some());
        for bad in ["", "ZIA", "zia business", "zia#1", "-zia", &"a".repeat(65)] {
            assert!(ProductId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn notes_keep_line_breaks_but_not_other_control_characters() {
        assert_eq!(Note::parse_optional(Some("  "), 10), Ok(None));
        assert_eq!(Note::parse_optional(Some("a\nb"), 10).unwrap().unwrap().as_ref(), "a\nb");
        assert_eq!(Note::parse_optional(Some("a\u{7}b"), 10), Err(NoteError::ControlCharacters));
        assert_eq!(Note::parse_optional(Some("abcdefghijk"), 10), Err(NoteError::TooLong(10)));
    }

    #[test]
    fn health_checks_have_two_kinds_scores_to_100_and_real_dates() {
        assert_eq!(HealthCheckKind::parse("cm360"), Some(HealthCheckKind::Cm360));
        assert_eq!(HealthCheckKind::parse("other"), None);
        assert!(Score::parse(&json!(100)).is_ok());
        assert!(Score::parse(&json!(101)).is_err());
        assert!(Score::parse(&json!("90")).is_err());
        assert_eq!(CheckDate::parse("2026-02-28").unwrap().as_ref(), "2026-02-28");
        assert!(CheckDate::parse("2026-02-30").is_err());
        assert!(CheckDate::parse("28/02/2026").is_err());
    }

    proptest! {
        #[test]
        fn every_integer_parses_as_a_priority_exactly_when_it_is_from_1_to_5(n in any::<i64>()) {
            let parsed = Priority::parse(&json!(n));
            prop_assert_eq!(parsed.is_ok(), (1..=5).contains(&n));
            if let Ok(p) = parsed {
                prop_assert_eq!(i64::from(p.get()), n);
            }
        }

        #[test]
        fn any_string_that_is_not_1_to_5_is_refused(s in "\\PC*") {
            let ok = matches!(s.trim(), "1" | "2" | "3" | "4" | "5");
            prop_assert_eq!(Priority::parse(&json!(s)).is_ok(), ok);
        }
    }
}
