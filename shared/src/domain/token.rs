//! Email-link tokens: 256 bits, URL-safe base64 in the link, and only their SHA-256 hash at
//! rest. A token is bound to one purpose and one subject, used once, and expires (see
//! `../shared/SECURITY.md`).
//!
//! A link's token is minted before the transaction that stores its hash (with the change and
//! the queued email), and the email is sent later, off the request path. The raw token must
//! reach the email without being stored, so it is derived: `HMAC-SHA256(link key, outbox id ‖
//! nonce)`, where the nonce is 128 bits from the OS CSPRNG kept on the queued email until it
//! is sent. Only the relay, which holds the [`LinkKey`], can put the token in the email; once
//! sent, the nonce is gone and nobody can compute it again, the key included.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::TryRngCore as _;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::Duration;

/// What a link lets its holder do, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    /// Sign up through a customer's partner invitation.
    Invitation,
    /// Set the first password after approval.
    SetPassword,
    /// Reset a forgotten password.
    ResetPassword,
    /// Activate an account a partner created, by setting its first password.
    Activation,
}

impl TokenPurpose {
    /// How long a link stays valid after it is sent.
    pub fn lifetime(self) -> Duration {
        match self {
            TokenPurpose::Invitation => Duration::days(7),
            TokenPurpose::SetPassword => Duration::hours(72),
            TokenPurpose::ResetPassword => Duration::hours(1),
            TokenPurpose::Activation => Duration::hours(72),
        }
    }
}

/// A raw link token. Exists only between its creation and the email it is put in, and
/// between reading a link and hashing it.
pub struct LinkToken(SecretString);

/// The secret from which link tokens are derived (see the module docs). At least 32 bytes.
#[derive(Clone)]
pub struct LinkKey(SecretString);

/// The shortest link key accepted, in bytes.
pub const MIN_LINK_KEY_BYTES: usize = 32;

impl LinkKey {
    /// A key from configuration; `None` when it is shorter than [`MIN_LINK_KEY_BYTES`].
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        (raw.len() >= MIN_LINK_KEY_BYTES).then(|| Self(SecretString::from(raw.to_owned())))
    }

    /// A fresh random key (for a local stack).
    /// The key as configured (for the environment of a function run against the local stack).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn generate() -> Self {
        Self(SecretString::from(random_text::<48>()))
    }
}

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey([REDACTED])")
    }
}

/// `N` bytes from the operating system's CSPRNG, URL-safe base64.
fn random_text<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.try_fill_bytes(&mut bytes).expect("the operating system's random source is unavailable");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh nonce for a link (128 bits from the OS CSPRNG).
pub fn link_nonce() -> String {
    random_text::<16>()
}

/// The SHA-256 of a token, hex encoded: the only form that is stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenHash(String);

impl LinkToken {
    /// 32 bytes from the operating system's CSPRNG.
    pub fn generate() -> Self {
        Self(SecretString::from(random_text::<32>()))
    }

    /// The token of a queued email's link: `HMAC-SHA256(key, "link|" ‖ message ‖ "|" ‖ nonce)`.
    pub fn derive(key: &LinkKey, message: &str, nonce: &str) -> Self {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(key.0.expose_secret().as_bytes()).expect("HMAC takes a key of any length");
        mac.update(format!("link|{message}|{nonce}").as_bytes());
        Self(SecretString::from(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())))
    }

    /// Reads a token from a link. Anything that is not 43 URL-safe base64 characters can't
    /// be one of ours and is refused before any lookup.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let ok = raw.len() == 43 && URL_SAFE_NO_PAD.decode(raw).is_ok_and(|b| b.len() == 32);
        ok.then(|| Self(SecretString::from(raw.to_owned())))
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(hex(&Sha256::digest(self.0.expose_secret().as_bytes())))
    }

    /// The raw value, for the one place it belongs: the link in the email.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkToken([REDACTED])")
    }
}

impl AsRef<str> for TokenHash {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_generated_token_carries_256_bits_and_parses_back() {
        let token = LinkToken::generate();
        assert_eq!(URL_SAFE_NO_PAD.decode(token.expose()).unwrap().len(), 32);
        let parsed = LinkToken::parse(token.expose()).unwrap();
        assert_eq!(parsed.hash(), token.hash());
    }

    #[test]
    fn two_tokens_differ_and_the_hash_is_not_the_token() {
        let (a, b) = (LinkToken::generate(), LinkToken::generate());
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.hash().as_ref(), a.expose());
        assert_eq!(a.hash().as_ref().len(), 64);
    }

    #[test]
    fn a_derived_token_is_one_of_ours_and_depends_on_key_message_and_nonce() {
        let key = LinkKey::generate();
        let token = LinkToken::derive(&key, "message-1", "nonce-1");
        assert!(LinkToken::parse(token.expose()).is_some(), "a derived token parses like a random one");
        assert_eq!(token.hash(), LinkToken::derive(&key, "message-1", "nonce-1").hash());
        for other in [
            LinkToken::derive(&LinkKey::generate(), "message-1", "nonce-1"),
            LinkToken::derive(&key, "message-2", "nonce-1"),
            LinkToken::derive(&key, "message-1", "nonce-2"),
        ] {
            assert_ne!(other.hash(), token.hash());
        }
    }

    #[test]
    fn a_short_link_key_is_refused_and_no_key_is_ever_printed() {
        assert!(LinkKey::parse("too short").is_none());
        let key = LinkKey::parse(&"k".repeat(MIN_LINK_KEY_BYTES)).unwrap();
        assert!(!format!("{key:?}").contains("kkkk"));
        assert_ne!(link_nonce(), link_nonce());
    }

    #[test]
    fn debug_never_shows_the_token() {
        let token = LinkToken::generate();
        assert!(!format!("{token:?}").contains(token.expose()));
    }

    #[test]
    fn lifetimes_follow_the_security_requirements() {
        assert_eq!(TokenPurpose::Invitation.lifetime(), Duration::days(7));
        assert_eq!(TokenPurpose::SetPassword.lifetime(), Duration::hours(72));
        assert_eq!(TokenPurpose::ResetPassword.lifetime(), Duration::hours(1));
    }

    proptest! {
        #[test]
        fn arbitrary_strings_are_refused_unless_they_are_32_bytes_of_base64(s in ".{0,80}") {
            if let Some(t) = LinkToken::parse(&s) {
                prop_assert_eq!(URL_SAFE_NO_PAD.decode(t.expose()).unwrap().len(), 32);
            }
        }
    }
}
