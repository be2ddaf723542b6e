//! Access tokens: the OAuth2 client-credentials request with an EdDSA-signed
//! JWT client assertion (spec §1.2–1.3), and the cache that reuses a token
//! until shortly before it expires (spec §1.4).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tonic::metadata::AsciiMetadataValue;

use crate::credentials::{ClientId, ClientSecret};
use crate::error::{Error, Result};
use crate::secret_source::SecretStore;

/// How far `nbf` lies before and `exp` after `iat` in a client assertion.
const ASSERTION_LEEWAY_SECS: i64 = 120;

/// The claims of a client assertion, exactly as the Go SDK sends them.
#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// Builds the compact JWS that proves possession of the client secret:
/// header `{"alg":"EdDSA","nonce":<32 hex>}` (plus `kid` if the key has one),
/// claims `iss = sub = client id`, `aud = client id host without port`,
/// `iat = now`, `nbf = now − 120 s`, `exp = now + 120 s`.
pub(crate) fn client_assertion(
    client_id: &ClientId,
    secret: &ClientSecret,
    now_unix: i64,
) -> Result<String> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce)
        .map_err(|error| Error::Signing(format!("no random nonce: {error}")))?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.typ = None;
    header.kid = secret.kid().map(str::to_owned);
    header.nonce = Some(nonce.iter().map(|b| format!("{b:02x}")).collect());
    let claims = AssertionClaims {
        iss: client_id.as_str(),
        sub: client_id.as_str(),
        aud: client_id.host(),
        iat: now_unix,
        nbf: now_unix - ASSERTION_LEEWAY_SECS,
        exp: now_unix + ASSERTION_LEEWAY_SECS,
    };
    jsonwebtoken::encode(&header, &claims, &secret.encoding_key())
        .map_err(|error| Error::Signing(error.to_string()))
}

/// The token endpoint's answer (other fields are ignored, as the SDK does).
#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    token_type: String,
    #[serde(default)]
    expires_in: u64,
}

/// An OAuth error answer (RFC 6749 §5.2).
#[derive(Deserialize)]
struct OAuthError {
    error: Option<String>,
    error_description: Option<String>,
}

/// A token ready to send, and when it must be replaced.
#[derive(Clone)]
struct CachedToken {
    authorization: AsciiMetadataValue,
    /// When to fetch a new one (expiry minus the refresh margin); `None` when
    /// the endpoint gave no lifetime: then it is kept until a call is refused.
    refresh_at: Option<Instant>,
}

/// Fetches, caches and refreshes access tokens for one client.
pub(crate) struct TokenSource {
    client_id: ClientId,
    secret: SecretStore,
    url: String,
    /// The host whose certificate the token endpoint must present.
    tls_host: String,
    http: reqwest::Client,
    refresh_margin: Duration,
    cached: tokio::sync::Mutex<Option<CachedToken>>,
    refreshes: AtomicU64,
}

impl TokenSource {
    pub(crate) fn new(
        client_id: ClientId,
        secret: SecretStore,
        url: String,
        tls_host: String,
        http: reqwest::Client,
        refresh_margin: Duration,
    ) -> Self {
        Self {
            client_id,
            secret,
            url,
            tls_host,
            http,
            refresh_margin,
            cached: tokio::sync::Mutex::new(None),
            refreshes: AtomicU64::new(0),
        }
    }

    /// The `authorization` metadata value (`Bearer <token>`), fetching a new
    /// token when none is cached or the cached one is about to expire.
    /// Concurrent callers wait for a single fetch.
    pub(crate) async fn authorization(&self) -> Result<AsciiMetadataValue> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && token.refresh_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(token.authorization.clone());
        }
        let token = self.fetch().await?;
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        *cached = Some(token.clone());
        Ok(token.authorization)
    }

    /// Forgets the cached token if it is the one a call was refused with.
    pub(crate) async fn invalidate(&self, refused: &AsciiMetadataValue) {
        let mut cached = self.cached.lock().await;
        if cached
            .as_ref()
            .is_some_and(|token| token.authorization == *refused)
        {
            *cached = None;
        }
    }

    /// How many tokens were fetched so far.
    pub(crate) fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    async fn fetch(&self) -> Result<CachedToken> {
        let secret = self.secret.current().await;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| Error::Signing("system clock is before 1970".into()))?;
        let assertion = client_assertion(&self.client_id, &secret, now.as_secs() as i64)?;
        let form = [
            ("client_id", self.client_id.as_str()),
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.as_str()),
        ];
        let started = Instant::now();
        let response = self
            .http
            .post(&self.url)
            .form(&form)
            .send()
            .await
            .map_err(|error| Error::from_http(&self.url, &self.tls_host, error))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|error| Error::from_http(&self.url, &self.tls_host, error))?;
        match status {
            200 => {}
            400 | 401 | 403 => {
                return Err(Error::TokenRefused {
                    status,
                    detail: oauth_error_detail(&body),
                });
            }
            _ => {
                return Err(Error::TokenEndpoint {
                    url: self.url.clone(),
                    status,
                });
            }
        }
        let unusable = |reason: &str| Error::TokenResponse {
            url: self.url.clone(),
            reason: reason.to_owned(),
        };
        let answer: TokenResponse =
            serde_json::from_slice(&body).map_err(|_| unusable("not a JSON token response"))?;
        if answer.access_token.is_empty() {
            return Err(unusable("empty access_token"));
        }
        let mut authorization: AsciiMetadataValue = format!(
            "{} {}",
            normalize_token_type(&answer.token_type),
            answer.access_token
        )
        .parse()
        .map_err(|_| unusable("access_token is not printable ASCII"))?;
        authorization.set_sensitive(true);
        tracing::debug!(
            expires_in = answer.expires_in,
            "fetched a ConductorOne access token"
        );
        let refresh_at = (answer.expires_in > 0).then(|| {
            let lifetime = Duration::from_secs(answer.expires_in);
            started + lifetime.saturating_sub(self.refresh_margin)
        });
        Ok(CachedToken {
            authorization,
            refresh_at,
        })
    }
}

/// The token type as the `authorization` scheme, normalized like Go's oauth2.
fn normalize_token_type(token_type: &str) -> &str {
    if token_type.is_empty() || token_type.eq_ignore_ascii_case("bearer") {
        "Bearer"
    } else if token_type.eq_ignore_ascii_case("mac") {
        "MAC"
    } else if token_type.eq_ignore_ascii_case("basic") {
        "Basic"
    } else {
        token_type
    }
}

/// `": <error>: <description>"` from an OAuth error body, or nothing.
fn oauth_error_detail(body: &[u8]) -> String {
    let Ok(error) = serde_json::from_slice::<OAuthError>(body) else {
        return String::new();
    };
    [error.error, error.error_description]
        .into_iter()
        .flatten()
        .filter(|part| !part.is_empty())
        .map(|part| format!(": {}", part.chars().take(200).collect::<String>()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_types_are_normalized_like_go_oauth2() {
        assert_eq!(normalize_token_type("bearer"), "Bearer");
        assert_eq!(normalize_token_type("BEARER"), "Bearer");
        assert_eq!(normalize_token_type(""), "Bearer");
        assert_eq!(normalize_token_type("mac"), "MAC");
        assert_eq!(normalize_token_type("basic"), "Basic");
        assert_eq!(normalize_token_type("DPoP"), "DPoP");
    }

    #[test]
    fn oauth_error_detail_names_code_and_description() {
        let body = br#"{"error":"invalid_client","error_description":"unknown key"}"#;
        assert_eq!(
            oauth_error_detail(body),
            ": invalid_client: unknown key".to_owned()
        );
        assert_eq!(oauth_error_detail(b"<html>"), "");
    }
}
