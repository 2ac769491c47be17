//! Verification of Cognito access tokens (the [`TokenVerifier`] port), with `jsonwebtoken` on
//! aws-lc-rs (the crypto library the TLS stack links anyway): RS256 signature against the
//! pool's JWKS, exact
//! `iss`, `token_use = access`, `client_id` of the portal's app client and `exp`. The same
//! checks run deployed and locally (the emulator serves a JWKS too); only the JWKS address
//! differs.
//!
//! The keys are fetched once, at cold start if [`Verifier::prefetch`] is called (the
//! functions do, while they build their SDK clients), so that no request waits
//! for them. A token with an unknown `kid` may mean the pool rotated its keys, so the keys are
//! fetched again, but at most once every [`REFETCH_AFTER`]: meanwhile such a token is simply
//! invalid (401), so a stream of made-up `kid`s cannot turn into a stream of fetches. Every
//! fetch gives up after [`FETCH_TIMEOUT`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_trait::async_trait;
use aws_smithy_http_client::Connector;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::{HttpConnector as _, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use http_body_util::{BodyExt as _, Limited};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use crate::domain::ids::UserId;
use crate::domain::session::SessionId;
use crate::ports::{TokenError, TokenVerifier, VerifiedToken};

/// How long a JWKS fetch may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(2);
/// The least time between two fetches caused by unknown `kid`s.
pub const REFETCH_AFTER: Duration = Duration::from_secs(300);
/// The least time between two attempts while no key set could be fetched at all.
const RETRY_FAILED_AFTER: Duration = Duration::from_secs(5);

/// Seconds of clock skew allowed on `exp`.
const LEEWAY_SECS: u64 = 5;

#[derive(Deserialize)]
struct Claims {
    sub: String,
    token_use: String,
    client_id: Option<String>,
    /// The login's id, kept by refreshed tokens.
    origin_jti: Option<String>,
}

/// Where the key set comes from.
#[async_trait]
pub trait KeySource: Send + Sync {
    async fn fetch(&self) -> anyhow::Result<JwkSet>;
}

/// The pool's JWKS document over HTTPS (or plain HTTP from the local emulator), fetched with
/// the SDK's own HTTP connector (hyper 1, rustls on aws-lc-rs), built with its own trust
/// roots: a second client of the same stack, but of the same types, so no HTTP code is
/// compiled twice (a hyper client of another body type was 0.15 MB of every signed-in
/// function).
pub struct JwksUrl {
    http: Connector,
    url: String,
}

/// The largest key set accepted: Cognito publishes two keys, about 1 KiB.
const MAX_JWKS_BYTES: usize = 64 * 1024;

/// The roots of Amazon Trust Services, to which Cognito's endpoints chain. The fetch trusts
/// only these: it happens at cold start, and five certificates compiled in cost nothing to
/// load, where the system's store is a file of some 140 to read and parse.
const TRUST_ROOTS: &str = include_str!("../../data/amazon_trust_roots.pem");

impl JwksUrl {
    pub fn new(url: String) -> Self {
        let roots = TrustStore::empty().with_native_roots(false).with_pem_certificate(TRUST_ROOTS.as_bytes());
        let settings =
            HttpConnectorSettings::builder().connect_timeout(FETCH_TIMEOUT).read_timeout(FETCH_TIMEOUT).build();
        // The provider is named rather than left to rustls's process default, which is
        // ambiguous in builds where another crate also enables ring (the local stack's tests).
        let http = Connector::builder()
            .connector_settings(settings)
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(TlsContext::builder().with_trust_store(roots).build().expect("a trust store builds"))
            .build();
        Self { http, url }
    }

    async fn get(&self) -> anyhow::Result<JwkSet> {
        let request = http::Request::get(&self.url).body(SdkBody::empty()).context("The JWKS address is not a URL")?;
        let request = HttpRequest::try_from(request).context("The JWKS address is not a URL")?;
        let answer = self
            .http
            .call(request)
            .await
            .map_err(|e| anyhow::anyhow!(e).context("Failed to fetch the user pool's JWKS"))?;
        let status = answer.status();
        anyhow::ensure!(status.is_success(), "The JWKS endpoint answered with status {}", status.as_u16());
        let body = Limited::new(answer.into_body(), MAX_JWKS_BYTES)
            .collect()
            .await
            .map_err(|e| anyhow::anyhow!("Failed to read the JWKS: {e}"))?
            .to_bytes();
        serde_json::from_slice(&body).context("The JWKS is not a key set")
    }
}

#[async_trait]
impl KeySource for JwksUrl {
    async fn fetch(&self) -> anyhow::Result<JwkSet> {
        tokio::time::timeout(FETCH_TIMEOUT, self.get())
            .await
            .map_err(|_| anyhow::anyhow!("Fetching the user pool's JWKS timed out after {FETCH_TIMEOUT:?}"))?
    }
}

#[derive(Default)]
struct Keys {
    set: Option<JwkSet>,
    /// When the last fetch was attempted, and whether it succeeded.
    last_fetch: Option<(Instant, bool)>,
}

/// Verifies access tokens of one user pool and app client.
pub struct Verifier {
    source: Arc<dyn KeySource>,
    issuer: String,
    client_id: String,
    keys: RwLock<Keys>,
    /// One fetch at a time: concurrent requests with an unknown `kid` share it.
    fetching: Mutex<()>,
}

impl Verifier {
    pub fn new(jwks_url: String, issuer: String, client_id: String) -> Self {
        Self::with_source(Arc::new(JwksUrl::new(jwks_url)), issuer, client_id)
    }

    pub fn with_source(source: Arc<dyn KeySource>, issuer: String, client_id: String) -> Self {
        Self { source, issuer, client_id, keys: RwLock::new(Keys::default()), fetching: Mutex::new(()) }
    }

    /// Fetches the keys now (at cold start), so that no request waits for them. A failure is
    /// logged, not fatal: the first request then tries again.
    pub async fn prefetch(&self) {
        if let Err(e) = self.refresh(None).await {
            tracing::warn!(error = ?e, "Could not fetch the user pool's keys at start; a request will try again");
        }
    }

    /// Fetches the key set unless another caller did while we waited, or the last fetch is
    /// too recent; `Ok(false)` when no fetch was made.
    async fn refresh(&self, seen: Option<Instant>) -> anyhow::Result<bool> {
        let _one_at_a_time = self.fetching.lock().await;
        let last = self.keys.read().await.last_fetch;
        match (last, seen) {
            // Someone fetched after this caller looked: use what they got.
            (Some((at, _)), Some(seen_at)) if at > seen_at => return Ok(false),
            (Some((at, true)), _) if at.elapsed() < REFETCH_AFTER => return Ok(false),
            (Some((at, false)), _) if at.elapsed() < RETRY_FAILED_AFTER => return Ok(false),
            _ => {}
        }
        let fetched = self.source.fetch().await;
        let mut keys = self.keys.write().await;
        keys.last_fetch = Some((Instant::now(), fetched.is_ok()));
        keys.set = Some(fetched?);
        Ok(true)
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, TokenError> {
        let seen = {
            let keys = self.keys.read().await;
            if let Some(jwk) = keys.set.as_ref().and_then(|set| set.find(kid)) {
                return DecodingKey::from_jwk(jwk).map_err(|_| TokenError::Invalid);
            }
            keys.last_fetch.map(|(at, _)| at)
        };
        // Unknown kid: the pool may have rotated its keys since the last fetch.
        let fetched = self.refresh(seen).await;
        let keys = self.keys.read().await;
        match keys.set.as_ref().and_then(|set| set.find(kid)) {
            Some(jwk) => DecodingKey::from_jwk(jwk).map_err(|_| TokenError::Invalid),
            // No key set at all: the keys are unavailable, not the token invalid.
            None if keys.set.is_none() => Err(TokenError::Unexpected(
                fetched.err().unwrap_or_else(|| anyhow::anyhow!("The user pool's keys could not be fetched recently")),
            )),
            None => Err(TokenError::Invalid),
        }
    }
}

#[async_trait]
impl TokenVerifier for Verifier {
    /// Verifies a bearer token and returns who it belongs to.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for any token that is not a current access token of this
    /// pool and client; [`TokenError::Unexpected`] when the keys cannot be fetched.
    async fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // Access tokens carry client_id instead of aud; it is checked below.
        validation.validate_aud = false;
        validation.leeway = LEEWAY_SECS;
        let claims = decode::<Claims>(token, &key, &validation).map_err(|_| TokenError::Invalid)?.claims;
        if claims.token_use != "access" || claims.client_id.as_deref() != Some(self.client_id.as_str()) {
            return Err(TokenError::Invalid);
        }
        let user_id = UserId::parse(&claims.sub).ok_or(TokenError::Invalid)?;
        let session = claims.origin_jti.as_deref().and_then(SessionId::parse);
        Ok(VerifiedToken { user_id, session })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    /// A key set with one RSA key of id `kid-1`, counting how often it is fetched.
    #[derive(Default)]
    struct CountingSource {
        fetches: AtomicUsize,
        failing: bool,
    }

    #[async_trait]
    impl KeySource for CountingSource {
        async fn fetch(&self) -> anyhow::Result<JwkSet> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            if self.failing {
                anyhow::bail!("the JWKS endpoint is down");
            }
            Ok(serde_json::from_value(serde_json::json!({"keys": [{
                "kty": "RSA", "kid": "kid-1", "use": "sig", "alg": "RS256", "e": "AQAB",
                "n": URL_SAFE_NO_PAD.encode([0xC3u8; 256]),
            }]}))?)
        }
    }

    /// A token whose header names `kid` (its payload and signature do not matter here).
    fn token_with_kid(kid: &str) -> String {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}"}}"#));
        format!("{header}.e30.c2ln")
    }

    fn verifier(source: &Arc<CountingSource>) -> Verifier {
        Verifier::with_source(source.clone(), "https://issuer.test".into(), "client".into())
    }

    #[tokio::test]
    async fn prefetched_keys_serve_requests_without_another_fetch() {
        let source = Arc::new(CountingSource::default());
        let verifier = verifier(&source);
        verifier.prefetch().await;

        let answer = verifier.verify(&token_with_kid("kid-1")).await;

        assert!(matches!(answer, Err(TokenError::Invalid)), "a forged signature is invalid");
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn made_up_kids_cause_no_fetch_within_five_minutes_of_the_last() {
        let source = Arc::new(CountingSource::default());
        let verifier = verifier(&source);
        verifier.prefetch().await;

        for n in 0..20 {
            let answer = verifier.verify(&token_with_kid(&format!("made-up-{n}"))).await;
            assert!(matches!(answer, Err(TokenError::Invalid)));
        }

        assert_eq!(source.fetches.load(Ordering::SeqCst), 1, "only the prefetch fetched");
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_fetch_at_cold_start() {
        let source = Arc::new(CountingSource::default());
        let verifier = Arc::new(verifier(&source));

        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let verifier = verifier.clone();
                tokio::spawn(async move { verifier.verify(&token_with_kid("kid-1")).await })
            })
            .collect();
        for task in tasks {
            assert!(matches!(task.await.unwrap(), Err(TokenError::Invalid)));
        }

        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn unreachable_keys_are_a_dependency_failure_not_an_invalid_token() {
        let source = Arc::new(CountingSource { failing: true, ..CountingSource::default() });
        let verifier = verifier(&source);
        verifier.prefetch().await;

        let first = verifier.verify(&token_with_kid("kid-1")).await;
        let second = verifier.verify(&token_with_kid("kid-1")).await;

        assert!(matches!(first, Err(TokenError::Unexpected(_))));
        assert!(matches!(second, Err(TokenError::Unexpected(_))));
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1, "a failed fetch is not retried at once");
    }

    #[tokio::test]
    async fn a_jwks_endpoint_that_never_answers_fails_within_the_timeout() {
        // A listener that accepts connections and never writes a byte.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let _hold = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                open.push(socket);
            }
        });
        let source = JwksUrl::new(url);

        let started = Instant::now();
        let error = source.fetch().await.unwrap_err();

        assert!(started.elapsed() < FETCH_TIMEOUT * 5, "gave up after {:?}", started.elapsed());
        assert!(format!("{error:#}").contains("timed out"), "{error:#}");
    }

    /// Serves one HTTP answer with `body` to every connection.
    async fn serve_once(status: &'static str, body: String) -> String {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0_u8; 4096];
                let _ = socket.read(&mut request).await;
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        url
    }

    #[test]
    fn the_jwks_fetch_trusts_the_five_amazon_trust_services_roots() {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject as _;

        let roots: Vec<_> = CertificateDer::pem_slice_iter(TRUST_ROOTS.as_bytes()).collect::<Result<_, _>>().unwrap();

        assert_eq!(roots.len(), 5);
        // The connector parses them when it is built, and would panic on one it cannot use.
        drop(JwksUrl::new("https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json".into()));
    }

    #[tokio::test]
    async fn the_jwks_endpoint_s_key_set_is_read() {
        let jwk = r#"{"kty":"RSA","kid":"kid-1","alg":"RS256","use":"sig","n":"sXch","e":"AQAB"}"#;
        let url = serve_once("200 OK", format!(r#"{{"keys":[{jwk}]}}"#)).await;

        let set = JwksUrl::new(url).fetch().await.unwrap();

        assert!(set.find("kid-1").is_some());
    }

    #[tokio::test]
    async fn an_error_status_or_an_oversized_key_set_is_a_failed_fetch() {
        let failing = serve_once("503 Service Unavailable", "{}".to_owned()).await;
        let huge = serve_once("200 OK", format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(MAX_JWKS_BYTES))).await;

        let status = JwksUrl::new(failing).fetch().await.unwrap_err();
        let oversized = JwksUrl::new(huge).fetch().await.unwrap_err();

        assert!(format!("{status:#}").contains("503"), "{status:#}");
        assert!(format!("{oversized:#}").contains("Failed to read the JWKS"), "{oversized:#}");
    }

    /// A signing key and the key set that publishes it as `kid-real`.
    fn signing_key() -> (RsaKeyPair, JwkSet) {
        let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let public = pair.public_key();
        let jwk = serde_json::json!({
            "kid": "kid-real", "kty": "RSA", "alg": "RS256", "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        });
        (pair, serde_json::from_value(serde_json::json!({"keys": [jwk]})).unwrap())
    }

    fn signed(pair: &RsaKeyPair, alg: &str, claims: &serde_json::Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","kid":"kid-real"}}"#));
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{body}");
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut signature).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    struct FixedSource(JwkSet);

    #[async_trait]
    impl KeySource for FixedSource {
        async fn fetch(&self) -> anyhow::Result<JwkSet> {
            Ok(self.0.clone())
        }
    }

    fn claims(change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut claims = serde_json::json!({
            "sub": "5f0c1a2b-0000-4000-8000-000000000001", "iss": "https://issuer.test", "token_use": "access",
            "client_id": "client", "iat": now - 10, "exp": now + 3600,
        });
        change(&mut claims);
        claims
    }

    #[tokio::test]
    async fn a_current_access_token_of_the_pool_and_client_is_accepted() {
        let (pair, set) = signing_key();
        let verifier = Verifier::with_source(Arc::new(FixedSource(set)), "https://issuer.test".into(), "client".into());

        let verified = verifier.verify(&signed(&pair, "RS256", &claims(|_| {}))).await.unwrap();

        assert_eq!(verified.user_id.to_string(), "5f0c1a2b-0000-4000-8000-000000000001");
    }

    #[tokio::test]
    async fn expired_foreign_id_tokens_other_clients_tampered_or_unsigned_tokens_are_invalid() {
        let (pair, set) = signing_key();
        let verifier = Verifier::with_source(Arc::new(FixedSource(set)), "https://issuer.test".into(), "client".into());
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let valid = signed(&pair, "RS256", &claims(|_| {}));
        let (head, rest) = valid.split_once('.').unwrap();
        let signature = rest.split_once('.').unwrap().1;
        let tampered =
            format!("{head}.{}.{signature}", URL_SAFE_NO_PAD.encode(claims(|c| c["sub"] = "admin".into()).to_string()));
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"kid-real"}"#),
            rest.split_once('.').unwrap().0
        );

        let refused = [
            signed(&pair, "RS256", &claims(|c| c["exp"] = (now - 60).into())),
            signed(&pair, "RS256", &claims(|c| c["iss"] = "https://other.test".into())),
            signed(&pair, "RS256", &claims(|c| c["token_use"] = "id".into())),
            signed(&pair, "RS256", &claims(|c| c["client_id"] = "other".into())),
            signed(&pair, "HS256", &claims(|_| {})),
            tampered,
            unsigned,
            format!("{valid}.extra"),
            "not a token".to_owned(),
        ];

        for token in refused {
            assert!(matches!(verifier.verify(&token).await, Err(TokenError::Invalid)), "{token}");
        }
    }
}
