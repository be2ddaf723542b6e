//! The simulator's own admin endpoints under `/__sim/` (no credentials, not counted):
//!
//! - `GET /__sim/stats`, `DELETE /__sim/stats` (reset)
//! - `GET /__sim/state`: the organization as JSON
//! - `POST /__sim/faults` `{"endpoint": "<key or *>", "fault": {...}}`, `DELETE /__sim/faults`
//! - `POST /__sim/restricted-endpoints` `{"enabled": bool}`
//! - `POST /__sim/rate-limit` `{"perSecond": f64, "burst": u32}` or `null` for no limit
//! - `POST /__sim/credentials` `{"apiKey": "...", "scopedApiKey", "teamsEmail",
//!   "teamsApiToken", "scimToken"}` (each optional): rotates the accepted credentials, the
//!   replaced ones are refused from the next request

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::config::RateLimit;
use super::endpoints;
use super::errors::ApiError;
use super::faults::Fault;
use super::params::json_body;
use super::routes::{json, ok};
use super::server::App;
use super::stats::lock;

/// The `/__sim/` routes.
pub(crate) fn router() -> Router<App> {
    Router::new()
        .route("/__sim/stats", get(stats).delete(reset_stats))
        .route("/__sim/state", get(state))
        .route("/__sim/faults", post(set_fault).delete(clear_faults))
        .route("/__sim/restricted-endpoints", post(set_restricted))
        .route("/__sim/rate-limit", post(set_rate_limit))
        .route("/__sim/credentials", post(set_credentials))
}

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::flat(400, detail)
}

async fn stats(State(app): State<App>) -> Response {
    json(StatusCode::OK, &app.recorder.stats())
}

async fn reset_stats(State(app): State<App>) -> StatusCode {
    app.recorder.reset();
    StatusCode::NO_CONTENT
}

async fn state(State(app): State<App>) -> Response {
    json(StatusCode::OK, app.read().org())
}

async fn set_fault(State(app): State<App>, body: Bytes) -> Result<StatusCode, ApiError> {
    #[derive(Deserialize)]
    struct SetFault {
        endpoint: String,
        fault: Fault,
    }
    let body: SetFault = json_body(&body).map_err(bad)?;
    if body.endpoint != "*" && endpoints::find(&body.endpoint).is_none() {
        return Err(bad(format!("Unknown endpoint key {}", body.endpoint)));
    }
    lock(&app.faults).set(&body.endpoint, body.fault);
    Ok(StatusCode::NO_CONTENT)
}

async fn clear_faults(State(app): State<App>) -> StatusCode {
    lock(&app.faults).clear();
    StatusCode::NO_CONTENT
}

async fn set_restricted(State(app): State<App>, body: Bytes) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Switch {
        enabled: bool,
    }
    let body: Switch = json_body(&body).map_err(bad)?;
    app.set_restricted_enabled(body.enabled);
    ok(&serde_json::json!({ "enabled": body.enabled }))
}

async fn set_rate_limit(State(app): State<App>, body: Bytes) -> Result<StatusCode, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Limit {
        per_second: f64,
        burst: u32,
    }
    let limit: Option<Limit> = json_body(&body).map_err(bad)?;
    lock(&app.limiter).set(limit.map(|l| RateLimit {
        per_second: l.per_second,
        burst: l.burst,
    }));
    Ok(StatusCode::NO_CONTENT)
}

async fn set_credentials(State(app): State<App>, body: Bytes) -> Result<StatusCode, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Replacements {
        api_key: Option<String>,
        scoped_api_key: Option<String>,
        teams_email: Option<String>,
        teams_api_token: Option<String>,
        scim_token: Option<String>,
    }
    let body: Replacements = json_body(&body).map_err(bad)?;
    let mut credentials = app.credentials().clone();
    for (slot, value) in [
        (&mut credentials.api_key, body.api_key),
        (&mut credentials.scoped_api_key, body.scoped_api_key),
        (&mut credentials.teams_email, body.teams_email),
        (&mut credentials.teams_api_token, body.teams_api_token),
        (&mut credentials.scim_token, body.scim_token),
    ] {
        if let Some(value) = value {
            *slot = value;
        }
    }
    app.set_credentials(credentials);
    Ok(StatusCode::NO_CONTENT)
}
