//! Multi-factor sign-in with a time-based one-time password (TOTP, RFC 6238): what a login
//! that needs a second step keeps between its two requests, the codes a person types, and
//! the `otpauth://` address an authenticator app reads.
//!
//! A login whose password is right but that needs a code (the user has TOTP on) or an
//! enrolment first (an admin without TOTP) answers a **challenge** instead of tokens: a
//! random [`ChallengeToken`] (256 bits from the OS CSPRNG) that only the client holds. The
//! table keeps a [`LoginChallenge`] under the token's SHA-256, with whose login it is and
//! what Cognito gave for it (its challenge session, or the tokens an enrolment completes
//! into) **sealed** with a key derived from the raw token (ChaCha20-Poly1305): the table
//! alone cannot open it, and a token opens only its own challenge, so a challenge can
//! never complete another user's login. It lives five minutes and is used once (the
//! login's write deletes it).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead as _, KeyInit as _};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use rand::TryRngCore as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest as _, Sha256};
use time::Duration;

use super::ids::UserId;

/// How long a person has between the password and the code (or the enrolment).
pub const CHALLENGE_LIFETIME: Duration = Duration::minutes(5);

/// The issuer an authenticator app shows next to the account.
pub const TOTP_ISSUER: &str = "Partner Portal";

/// The raw token of a login challenge, as the client holds it.
pub struct ChallengeToken(SecretString);

/// The SHA-256 of a challenge token, hex encoded: the key of its stored challenge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChallengeKey(String);

impl AsRef<str> for ChallengeKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl ChallengeToken {
    /// 32 bytes from the operating system's CSPRNG, URL-safe base64 (43 characters).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.try_fill_bytes(&mut bytes).expect("the operating system's random source is unavailable");
        Self(SecretString::from(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Reads a token from a request. Anything that is not 43 URL-safe base64 characters of
    /// 32 bytes cannot be one of ours and is refused before any lookup.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.len() == 43 && URL_SAFE_NO_PAD.decode(raw).is_ok_and(|b| b.len() == 32);
        ok.then(|| Self(SecretString::from(raw.to_owned())))
    }

    pub fn key(&self) -> ChallengeKey {
        ChallengeKey(hex(&Sha256::digest(self.0.expose_secret().as_bytes())))
    }

    /// The raw value, for the one place it belongs: the answer to the client.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        let key = Sha256::digest(format!("portal-mfa-seal|{}", self.0.expose_secret()).as_bytes());
        ChaCha20Poly1305::new(&key)
    }

    /// Seals `secret` so that only this token opens it: base64 of a random 96-bit nonce
    /// and the ChaCha20-Poly1305 ciphertext.
    pub fn seal(&self, secret: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.try_fill_bytes(&mut nonce).expect("the operating system's random source is unavailable");
        let sealed = self.cipher().encrypt(&Nonce::from(nonce), secret).expect("sealing in memory cannot fail");
        STANDARD_NO_PAD.encode([nonce.as_slice(), &sealed].concat())
    }

    /// Opens what [`Self::seal`] sealed with this same token; `None` for anything else.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = STANDARD_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, text) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        self.cipher().decrypt(&Nonce::from(nonce), text).ok()
    }
}

impl std::fmt::Debug for ChallengeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChallengeToken([REDACTED])")
    }
}

/// What the second step of a login asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeKind {
    /// The code of the user's authenticator app.
    MfaCode,
    /// An admin without TOTP: enrol an authenticator app first (its first code).
    MfaSetup,
}

/// A login waiting for its second step, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginChallenge {
    pub user_id: UserId,
    /// The username at the identity provider (lowercased email).
    pub email: String,
    pub kind: ChallengeKind,
    /// What the identity provider gave for this login, sealed with the challenge's token.
    pub sealed: String,
    /// When the login began (Unix milliseconds, before the password was checked): a session
    /// end at or after it ends this login too.
    pub auth_started_ms: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

impl LoginChallenge {
    pub fn is_live(&self, now_secs: i64) -> bool {
        self.expires_at > now_secs
    }
}

/// A six-digit code from an authenticator app.
#[derive(Clone)]
pub struct TotpCode(String);

impl TotpCode {
    /// Six ASCII digits, spaces around and inside ignored ("123 456", as apps show them).
    pub fn parse(raw: &str) -> Option<Self> {
        let digits: String = raw.chars().filter(|c| *c != ' ').collect();
        (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(Self(digits))
    }
}

impl AsRef<str> for TotpCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TotpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpCode([REDACTED])")
    }
}

/// The `otpauth://totp/...` address of a secret, which authenticator apps read from a QR
/// code: the issuer and the account in the label, SHA-1, six digits, 30 seconds (Cognito's
/// TOTP).
pub fn otpauth_uri(account: &str, secret: &str) -> String {
    let issuer = percent_encode(TOTP_ISSUER);
    format!(
        "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
        percent_encode(account),
        percent_encode(secret)
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The RFC 6238 code (HMAC-SHA1, six digits, 30-second steps) of a base32 secret at a Unix
/// time; `None` when the secret is not base32. Cognito checks the codes of the portal's
/// users; this computes them where a person's app would (tests, the in-memory identity
/// provider).
pub fn totp_at(secret_base32: &str, unix_secs: u64) -> Option<String> {
    let key = base32_decode(secret_base32)?;
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(&key).expect("HMAC takes a key of any length");
    mac.update(&(unix_secs / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let bin = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    Some(format!("{:06}", bin % 1_000_000))
}

/// RFC 4648 base32, upper or lower case, padding optional.
fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut count = 0u32;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let value = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u64::from(value);
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totp_matches_the_rfc_6238_test_vectors() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890" (last six digits).
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        for (at, code) in
            [(59, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924"), (2_000_000_000, "279037")]
        {
            assert_eq!(totp_at(secret, at).as_deref(), Some(code), "at {at}");
        }
        assert_eq!(totp_at("not base32!", 59), None);
    }

    #[test]
    fn a_challenge_opens_only_with_its_own_token() {
        let token = ChallengeToken::generate();
        let sealed = token.seal(b"cognito session");
        assert_eq!(token.open(&sealed).as_deref(), Some(b"cognito session".as_slice()));
        assert_eq!(ChallengeToken::generate().open(&sealed), None, "another token opens nothing");
        let mut tampered = sealed.clone().into_bytes();
        tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
        assert_eq!(token.open(&String::from_utf8(tampered).unwrap()), None, "a changed seal opens nothing");
        assert_ne!(sealed, token.seal(b"cognito session"), "each seal has its own nonce");
    }

    #[test]
    fn challenge_tokens_are_random_and_parsed_strictly() {
        let token = ChallengeToken::generate();
        assert_eq!(token.expose().len(), 43);
        let again = ChallengeToken::parse(token.expose()).unwrap();
        assert_eq!(again.key(), token.key());
        assert_ne!(token.key().as_ref(), token.expose(), "only the hash is a key");
        for bad in ["", "short", &"a".repeat(44), &format!("{}!", &token.expose()[..42])] {
            assert!(ChallengeToken::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(TotpCode::parse("123456").unwrap().as_ref(), "123456");
        assert_eq!(TotpCode::parse(" 123 456 ").unwrap().as_ref(), "123456");
        for bad in ["12345", "1234567", "12345a", "", "１２３４５６"] {
            assert!(TotpCode::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_otpauth_uri_names_the_issuer_and_the_account() {
        assert_eq!(
            otpauth_uri("admin@corp.example", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/Partner%20Portal:admin%40corp.example?secret=JBSWY3DPEHPK3PXP\
             &issuer=Partner%20Portal&algorithm=SHA1&digits=6&period=30"
        );
    }
}
