//! Login sessions. Each login is recorded twice, in one write:
//! - by its Cognito session id ([`SessionId`], the `origin_jti` claim that every access
//!   token of the login carries, refreshed ones included): [`LoginSession`], which says when
//!   the login began by the portal's own clock. Every signed-in request reads it with the
//!   user and is refused when the login began before the user's `sessions_valid_after_ms`
//!   (a password change, a lock, a logout), to the millisecond, whatever `iat` says.
//! - by its refresh token: [`StoredSession`]. The raw refresh token lives only in the client
//!   (an `HttpOnly` cookie for the web console, the JSON body for API clients); the table
//!   keeps its SHA-256, who it belongs to and whether it was ended, so a refresh or logout
//!   never trusts an unknown token.

use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::{Duration, OffsetDateTime};

use super::ids::UserId;
use super::records::User;

/// How long a session can be refreshed: the app client's `RefreshTokenValidity`
/// (`template.yaml`, 30 days), which is also the cookie's `Max-Age`.
pub const SESSION_LIFETIME: Duration = Duration::days(30);

/// The longest refresh token accepted (Cognito's are encrypted JWTs of about 1.8 kB).
const MAX_REFRESH_TOKEN: usize = 8192;

/// A Cognito refresh token as the client sent it.
pub struct RefreshToken(SecretString);

/// The SHA-256 of a refresh token, hex encoded: the key of its session record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionKey(String);

impl RefreshToken {
    /// Reads a refresh token from a cookie or a body. Anything empty, too long or with
    /// characters no token has (whitespace, quotes, separators) is refused before any lookup.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= MAX_REFRESH_TOKEN
            && raw.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'));
        ok.then(|| Self(SecretString::from(raw.to_owned())))
    }

    /// A token Cognito just issued.
    pub fn issued(token: SecretString) -> Self {
        Self(token)
    }

    pub fn key(&self) -> SessionKey {
        let digest = Sha256::digest(self.0.expose_secret().as_bytes());
        SessionKey(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The raw value, for the two places it belongs: the call to Cognito and the client.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshToken([REDACTED])")
    }
}

impl AsRef<str> for SessionKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The refresh-token session of a login, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSession {
    pub user_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Unix seconds; the refresh token stops working then.
    pub expires_at: i64,
    /// Ended by a logout.
    pub ended: bool,
    /// The login's session id (absent on sessions recorded before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<SessionId>,
}

impl StoredSession {
    pub fn new(user_id: UserId, now: OffsetDateTime) -> Self {
        Self {
            user_id,
            created_at: now,
            expires_at: (now + SESSION_LIFETIME).unix_timestamp(),
            ended: false,
            origin: None,
        }
    }

    /// Whether a refresh may still use it at `now`.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        !self.ended && self.expires_at > now.unix_timestamp()
    }
}

/// Cognito's id of a login (`origin_jti`): every access token of the login carries it,
/// those a refresh issues included, and no other login's does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(String);

impl SessionId {
    /// A session id as a verified token names it: 1 to 128 letters, digits, `-`, `_` or `.`
    /// (Cognito's are UUIDs).
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= 128
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        ok.then(|| Self(raw.to_owned()))
    }
}

impl AsRef<str> for SessionId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A login, by its session id: whose it is and when it began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginSession {
    pub user_id: UserId,
    /// When the login began (Unix milliseconds, taken just before the identity provider was
    /// asked): a session end at or after this instant ends it.
    pub auth_started_ms: i64,
    /// Unix seconds: as long as the login's refresh token lives.
    pub expires_at: i64,
}

impl LoginSession {
    pub fn new(user_id: UserId, auth_started_ms: i64, now: OffsetDateTime) -> Self {
        Self { user_id, auth_started_ms, expires_at: (now + SESSION_LIFETIME).unix_timestamp() }
    }

    /// Whether this login still speaks for `user` at `now`: it is the user's, it began after
    /// the user's sessions were last ended, and its refresh token still lives.
    pub fn admits(&self, user: &User, now: OffsetDateTime) -> bool {
        self.user_id == user.user_id
            && self.auth_started_ms > user.sessions_valid_after_ms
            && self.expires_at > now.unix_timestamp()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn refresh_tokens_with_separators_or_whitespace_are_refused() {
        assert!(RefreshToken::parse("eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.abc-_.def").is_some());
        assert!(RefreshToken::parse("7f1b3c1e-0d4e-4c55-9d0a-2f1f3b8e4c21").is_some());
        for bad in ["", "a b", "a;b", "a,b", "a\"b", "a\nb", "ü"] {
            assert!(RefreshToken::parse(bad).is_none(), "{bad:?}");
        }
        assert!(RefreshToken::parse(&"a".repeat(MAX_REFRESH_TOKEN + 1)).is_none());
    }

    #[test]
    fn a_session_key_is_the_hex_sha256_and_never_the_token() {
        let token = RefreshToken::parse("token-1").unwrap();
        let key = token.key();
        assert_eq!(key.as_ref().len(), 64);
        assert_ne!(key, RefreshToken::parse("token-2").unwrap().key());
        assert!(!format!("{token:?}").contains("token-1"));
    }

    #[test]
    fn a_session_lives_thirty_days_unless_ended() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let mut session = StoredSession::new(UserId::parse("u").unwrap(), start);
        assert!(session.is_live(start + Duration::days(29)));
        assert!(!session.is_live(start + Duration::days(30)));
        session.ended = true;
        assert!(!session.is_live(start));
    }

    #[test]
    fn session_ids_are_short_plain_tokens() {
        assert!(SessionId::parse("6f1c2a3e-8b7d-4c55-9d0a-2f1f3b8e4c21").is_some());
        for bad in ["", "a b", "a/b", "a#b", "ü"] {
            assert!(SessionId::parse(bad).is_none(), "{bad:?}");
        }
        assert!(SessionId::parse(&"a".repeat(129)).is_none());
    }

    #[test]
    fn a_login_that_began_at_or_before_the_last_session_end_is_over_to_the_millisecond() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
        let user = User {
            user_id: UserId::parse("u-1").unwrap(),
            email: "ada@acme-widgets.com".into(),
            business_id: crate::domain::ids::BusinessId::parse("b-1").unwrap(),
            role: crate::domain::account::Role::Customer,
            status: crate::domain::account::UserStatus::Active,
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            sessions_valid_after_ms: 5_000,
            credentials_changed_at_ms: 1_000,
            created_at: OffsetDateTime::UNIX_EPOCH,
            active_business: None,
        };
        let login = |started| LoginSession::new(user.user_id.clone(), started, now);
        assert!(login(5_001).admits(&user, now));
        assert!(!login(5_000).admits(&user, now), "the same millisecond is not after");
        assert!(!login(4_999).admits(&user, now));
        let mut other = user.clone();
        other.user_id = UserId::parse("someone-else").unwrap();
        assert!(!login(6_000).admits(&other, now), "another user's login");
        assert!(!login(6_000).admits(&user, now + SESSION_LIFETIME), "its refresh token has expired");
    }

    proptest! {
        #[test]
        fn any_accepted_token_has_a_stable_key(raw in "[A-Za-z0-9._~+/=-]{1,300}") {
            let a = RefreshToken::parse(&raw).unwrap().key();
            let b = RefreshToken::parse(&raw).unwrap().key();
            prop_assert_eq!(a, b);
        }
    }
}
