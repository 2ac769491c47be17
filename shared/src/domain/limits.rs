//! Rate limits as counters of fixed windows: a [`Rule`] (at most `max` in `window_secs`)
//! counts per key (an account, a client address, both) in a [`Counter`] that a step reads
//! in its first wave of reads and raises in the write it makes anyway (a [`Hit`]), so a
//! limit costs no call of its own.
//!
//! What counts is chosen so that a stranger cannot use a limit against an account's owner:
//! login counts failures only, and blocks on (account, client address) and on the address;
//! the account alone is only slowed down ([`login_delay`]), never refused, so its owner's
//! right password from their own address always gets through.

use std::time::Duration;

/// A limit: at most `max` counted events per fixed window of `window_secs` (aligned to the
/// Unix epoch), per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    pub max: i64,
    pub window_secs: i64,
}

impl Rule {
    /// The counter of `key` in the window that holds `now_secs`.
    pub fn counter(&self, key: &str, now_secs: i64) -> Counter {
        let window_start = now_secs - now_secs.rem_euclid(self.window_secs);
        Counter { bucket: format!("{}#{key}", self.name), window_start, window_secs: self.window_secs }
    }

    /// Whether a counter at `count` is at the limit: one more event is refused.
    pub fn reached(&self, count: i64) -> bool {
        count >= self.max
    }

    /// Counts one more event on `counter`, refused by the write when the limit is reached
    /// meanwhile (two requests that both read one below the limit cannot both pass).
    pub fn hit(&self, counter: Counter) -> Hit {
        Hit { counter, below: Some(self.max) }
    }
}

/// One window of one limit for one key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Counter {
    /// `<rule name>#<key>`.
    pub bucket: String,
    /// Unix seconds.
    pub window_start: i64,
    pub window_secs: i64,
}

impl Counter {
    /// When the counter is no longer needed (Unix seconds): after the next window.
    pub fn expires_at(&self) -> i64 {
        self.window_start + 2 * self.window_secs
    }
}

/// One more event on a counter, written with the step's change. With `below`, the write
/// holds only while the counter is below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub counter: Counter,
    pub below: Option<i64>,
}

impl Hit {
    /// Counts without a bound (the limit was checked on read; a few racing requests may pass
    /// it, which matters less than refusing a legitimate one).
    pub fn count(counter: Counter) -> Self {
        Self { counter, below: None }
    }
}

/// Failures an account may have in a window before each further attempt is slowed down.
pub const FREE_ACCOUNT_FAILURES: i64 = 5;
/// The longest an attempt is held.
pub const MAX_LOGIN_DELAY: Duration = Duration::from_secs(2);

/// How long a login attempt waits before the password is checked, given the failures of its
/// account (from every address) in the current window: nothing for the first
/// [`FREE_ACCOUNT_FAILURES`], then 50 ms doubling with each failure, up to
/// [`MAX_LOGIN_DELAY`]. The account is slowed down, never locked: its owner still logs in.
pub fn login_delay(account_failures: i64) -> Duration {
    let beyond = account_failures - FREE_ACCOUNT_FAILURES;
    if beyond < 0 {
        return Duration::ZERO;
    }
    let millis = 50u64.saturating_mul(1u64 << beyond.min(16));
    Duration::from_millis(millis).min(MAX_LOGIN_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Rule = Rule { name: "login-fail-ip", max: 3, window_secs: 900 };

    #[test]
    fn a_counter_belongs_to_the_window_of_its_instant() {
        let a = RULE.counter("198.51.100.1", 1_800);
        let b = RULE.counter("198.51.100.1", 2_699);
        let c = RULE.counter("198.51.100.1", 2_700);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.bucket, "login-fail-ip#198.51.100.1");
        assert_eq!(a.window_start, 1_800);
        assert_eq!(a.expires_at(), 3_600);
    }

    #[test]
    fn a_rule_is_reached_at_its_maximum() {
        assert!(!RULE.reached(2));
        assert!(RULE.reached(3));
        assert_eq!(RULE.hit(RULE.counter("k", 0)).below, Some(3));
    }

    #[test]
    fn an_account_is_slowed_down_progressively_and_never_held_longer_than_the_cap() {
        assert_eq!(login_delay(0), Duration::ZERO);
        assert_eq!(login_delay(4), Duration::ZERO);
        assert_eq!(login_delay(5), Duration::from_millis(50));
        assert_eq!(login_delay(6), Duration::from_millis(100));
        assert_eq!(login_delay(9), Duration::from_millis(800));
        assert_eq!(login_delay(10), Duration::from_millis(1600));
        assert_eq!(login_delay(11), MAX_LOGIN_DELAY);
        assert_eq!(login_delay(1_000_000), MAX_LOGIN_DELAY);
    }
}
