//! Email-link tokens: 256 random bits from the OS CSPRNG, URL-safe base64 in the link, and only
//! their SHA-256 hash at rest. A token is bound to one purpose and one subject, used once, and
//! expires (see `../shared/SECURITY.md`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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

/// The SHA-256 of a token, hex encoded: the only form that is stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenHash(String);

impl LinkToken {
    /// 32 bytes from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.try_fill_bytes(&mut bytes).expect("the operating system's random source is unavailable");
        Self(SecretString::from(URL_SAFE_NO_PAD.encode(bytes)))
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
