//! Verification of Cognito access tokens (the [`TokenVerifier`]): RS256 signature against the pool's JWKS, exact
//! `iss`, `token_use = access`, `client_id` of the portal's app client and `exp`. The same
//! checks run deployed and locally (the emulator serves a JWKS too); only the JWKS address
//! differs. Keys are fetched once per cold start and again only for an unknown `kid`.

use anyhow::Context as _;
use async_trait::async_trait;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use tokio::sync::RwLock;

use crate::domain::ids::UserId;
use crate::ports::{TokenError, TokenVerifier, VerifiedToken};

#[derive(Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    token_use: String,
    client_id: Option<String>,
}

/// Verifies access tokens of one user pool and app client.
pub struct Verifier {
    http: reqwest::Client,
    jwks_url: String,
    issuer: String,
    client_id: String,
    keys: RwLock<Option<JwkSet>>,
}

impl Verifier {
    pub fn new(jwks_url: String, issuer: String, client_id: String) -> Self {
        Self { http: reqwest::Client::new(), jwks_url, issuer, client_id, keys: RwLock::new(None) }
    }

    async fn fetch_keys(&self) -> anyhow::Result<JwkSet> {
        self.http
            .get(&self.jwks_url)
            .send()
            .await
            .context("Failed to fetch the user pool's JWKS")?
            .error_for_status()
            .context("The JWKS endpoint answered with an error")?
            .json::<JwkSet>()
            .await
            .context("The JWKS is not a key set")
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, TokenError> {
        if let Some(keys) = self.keys.read().await.as_ref()
            && let Some(jwk) = keys.find(kid)
        {
            return DecodingKey::from_jwk(jwk).map_err(|_| TokenError::Invalid);
        }
        // Unknown kid: the pool may have rotated its keys since the last fetch.
        let fresh = self.fetch_keys().await?;
        let key = fresh.find(kid).map(DecodingKey::from_jwk);
        *self.keys.write().await = Some(fresh);
        match key {
            Some(Ok(key)) => Ok(key),
            _ => Err(TokenError::Invalid),
        }
    }
}

#[async_trait]
impl TokenVerifier for Verifier {
    /// `Unexpected` only when the pool's keys cannot be fetched.
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
        validation.leeway = 5;
        let claims = decode::<Claims>(token, &key, &validation).map_err(|_| TokenError::Invalid)?.claims;
        if claims.token_use != "access" || claims.client_id.as_deref() != Some(self.client_id.as_str()) {
            return Err(TokenError::Invalid);
        }
        let user_id = UserId::parse(&claims.sub).ok_or(TokenError::Invalid)?;
        Ok(VerifiedToken { user_id, issued_at: claims.iat })
    }
}
