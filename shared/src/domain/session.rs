//! Login sessions: the refresh token a login hands out, and the record the portal keeps of
//! it. The raw refresh token lives only in the client (an `HttpOnly` cookie for the web
//! console, the JSON body for API clients); the table keeps its SHA-256, who it belongs to
//! and whether it was ended, so a refresh or logout never trusts an unknown token.

use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::{Duration, OffsetDateTime};

use super::ids::UserId;

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

/// A login session as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSession {
    pub user_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Unix seconds; the refresh token stops working then.
    pub expires_at: i64,
    /// Ended by a logout.
    pub ended: bool,
}

impl StoredSession {
    pub fn new(user_id: UserId, now: OffsetDateTime) -> Self {
        Self { user_id, created_at: now, expires_at: (now + SESSION_LIFETIME).unix_timestamp(), ended: false }
    }

    /// Whether a refresh may still use it at `now`.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        !self.ended && self.expires_at > now.unix_timestamp()
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

    proptest! {
        #[test]
        fn any_accepted_token_has_a_stable_key(raw in "[A-Za-z0-9._~+/=-]{1,300}") {
            let a = RefreshToken::parse(&raw).unwrap().key();
            let b = RefreshToken::parse(&raw).unwrap().key();
            prop_assert_eq!(a, b);
        }
    }
}
