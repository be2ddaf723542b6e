//! `POST /auth/v1/token`: the client-credentials grant with a JWT client assertion, and
//! the store of the access tokens it issues.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::assertion::{self, Refusal};
use super::records::TokenRequestRecord;
use super::state::{State, lock};

/// Path of the token endpoint.
pub(crate) const TOKEN_PATH: &str = "/auth/v1/token";

/// An access token and what it grants.
struct IssuedToken {
    client_id: String,
    expires_at: Instant,
    revoked: bool,
}

/// Every access token issued.
#[derive(Default)]
pub(crate) struct Tokens {
    issued: HashMap<String, IssuedToken>,
}

impl Tokens {
    /// A new random token for `client_id`, valid for `ttl`.
    fn mint(&mut self, client_id: &str, ttl: Duration, now: Instant) -> String {
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).expect("the OS random source works");
        let token = format!("sim-at.{}", URL_SAFE_NO_PAD.encode(random));
        self.issued.insert(
            token.clone(),
            IssuedToken {
                client_id: client_id.to_owned(),
                expires_at: now + ttl,
                revoked: false,
            },
        );
        token
    }

    /// The client of a valid token, or why it is not valid.
    pub(crate) fn check(&self, token: &str, now: Instant) -> Result<String, &'static str> {
        match self.issued.get(token) {
            None => Err("unknown access token"),
            Some(t) if t.revoked => Err("access token revoked"),
            Some(t) if now >= t.expires_at => Err("access token expired"),
            Some(t) => Ok(t.client_id.clone()),
        }
    }

    /// Revokes one token; false if it was never issued.
    pub(crate) fn revoke(&mut self, token: &str) -> bool {
        self.issued
            .get_mut(token)
            .map(|t| t.revoked = true)
            .is_some()
    }

    /// Revokes every token issued so far.
    pub(crate) fn revoke_all(&mut self) {
        self.issued.values_mut().for_each(|t| t.revoked = true);
    }

    /// Makes every token issued so far expire at `now`.
    pub(crate) fn expire_all(&mut self, now: Instant) {
        self.issued
            .values_mut()
            .for_each(|t| t.expires_at = t.expires_at.min(now));
    }
}

/// The token endpoint handler: checks the request, answers a token or a JSON error, and
/// records the exchange.
pub(crate) async fn token_endpoint(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let user_agent = text(header::USER_AGENT);
    let form_encoded = text(header::CONTENT_TYPE).is_some_and(|ct| {
        ct.split(';').next().map(str::trim) == Some("application/x-www-form-urlencoded")
    });
    let mut record = TokenRequestRecord {
        at: SystemTime::now(),
        client_id: String::new(),
        key_id: None,
        granted: false,
        error: None,
        user_agent,
    };
    let outcome = grant(&state, form_encoded, &body, &mut record);
    record.granted = outcome.is_ok();
    let response = match outcome {
        Ok(token) => Json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": state.config.token_ttl.as_secs(),
        }))
        .into_response(),
        Err((status, refusal)) => {
            record.error = Some(format!("{}: {}", refusal.error, refusal.description));
            let body = json!({"error": refusal.error, "error_description": refusal.description});
            (status, Json(body)).into_response()
        }
    };
    state
        .journal
        .record(|records| records.token_requests.push(record));
    response
}

/// Checks the request and mints a token, filling in the record's client and key.
fn grant(
    state: &State,
    form_encoded: bool,
    body: &[u8],
    record: &mut TokenRequestRecord,
) -> Result<String, (StatusCode, Refusal)> {
    let unauthorized = |refusal| (StatusCode::UNAUTHORIZED, refusal);
    if let Some(status) = lock(&state.faults).take_token() {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED);
        let error = if status == StatusCode::UNAUTHORIZED {
            "invalid_client"
        } else {
            "temporarily_unavailable"
        };
        return Err((
            status,
            Refusal {
                error,
                description: "refused by an injected fault".to_owned(),
            },
        ));
    }
    if !form_encoded {
        return Err(unauthorized(Refusal::client(
            "Content-Type must be application/x-www-form-urlencoded",
        )));
    }
    let form = assertion::parse_form(body).map_err(unauthorized)?;
    record.client_id.clone_from(&form.client_id);
    let now = Instant::now();
    let keys = {
        let clients = lock(&state.clients);
        if !clients.contains(&form.client_id) {
            return Err(unauthorized(Refusal::client("unknown client_id")));
        }
        clients.accepted_keys(&form.client_id, now)
    };
    let now_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
        + state.config.clock_offset_secs;
    let skew = state.config.clock_skew.as_secs() as i64;
    let verified = assertion::verify(&form, &keys, now_unix, skew).map_err(unauthorized)?;
    record.key_id = Some(verified.key_id);
    if !lock(&state.nonces).first_use(verified.nonce) {
        return Err(unauthorized(Refusal::client(
            "assertion nonce already used (replay)",
        )));
    }
    Ok(lock(&state.tokens).mint(&form.client_id, state.config.token_ttl, now))
}
