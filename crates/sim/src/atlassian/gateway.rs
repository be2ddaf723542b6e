//! What every API request passes through before and after its handler, in order: count it,
//! add the fault's latency, authenticate, take a rate-limit token, apply an injected
//! failure, refuse scoped keys and disabled Support-gated endpoints, run the handler; then
//! add the `X-RateLimit-*` headers, count the status and record the exchange.

use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{self, Caller};
use super::endpoints::{self, Endpoint};
use super::errors::ApiError;
use super::faults::Action;
use super::server::{App, Shared};
use super::stats::{Exchange, lock};

/// The middleware around every API route.
pub(crate) async fn gateway(State(app): State<App>, request: Request, next: Next) -> Response {
    let Some(endpoint) = endpoint_of(&request) else {
        return next.run(request).await;
    };
    let arrived = Instant::now();
    app.recorder.arrived(endpoint.key, arrived);
    if !app.recorder.recording() {
        let response = serve(&app, endpoint, request, next).await;
        app.recorder
            .answered(endpoint.key, response.status().as_u16());
        return response;
    }

    let method = request.method().to_string();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or_else(String::new, ToString::to_string);
    let (parts, body) = request.into_parts();
    let request_bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let request = Request::from_parts(parts, Body::from(request_bytes.clone()));
    let response = serve(&app, endpoint, request, next).await;
    let status = response.status().as_u16();
    app.recorder.answered(endpoint.key, status);
    let (parts, body) = response.into_parts();
    let response_bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    app.recorder.keep(Exchange {
        endpoint: endpoint.key.to_string(),
        method,
        path_and_query,
        request_body: serde_json::from_slice(&request_bytes).ok(),
        status,
        response_body: serde_json::from_slice(&response_bytes).ok(),
        at: arrived,
    });
    Response::from_parts(parts, Body::from(response_bytes))
}

/// The endpoint a routed request belongs to.
fn endpoint_of(request: &Request) -> Option<&'static Endpoint> {
    let path = request.extensions().get::<MatchedPath>()?;
    endpoints::find(&format!("{} {}", request.method(), path.as_str()))
}

async fn serve(
    app: &Shared,
    endpoint: &'static Endpoint,
    request: Request,
    next: Next,
) -> Response {
    let (latency, action) = lock(&app.faults).on_request(endpoint.key);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let caller = auth::authenticate(endpoint, request.headers(), &app.credentials());
    let quota = lock(&app.limiter).admit(caller.as_ref().ok().copied(), Instant::now());
    let mut response = match caller {
        Err(refusal) => refusal.into_response(),
        Ok(_) if quota.retry_after.is_some() => ApiError::rate_limited().into_response(),
        Ok(caller) => match action {
            Action::Fail {
                status,
                retry_after,
            } => injected_failure(endpoint, status, retry_after),
            Action::Malformed => malformed(),
            Action::Pass => match admit(app, endpoint, caller) {
                Ok(()) => next.run(request).await,
                Err(refusal) => refusal.into_response(),
            },
        },
    };
    quota.apply(response.headers_mut());
    tracing::debug!(
        endpoint = endpoint.key,
        status = response.status().as_u16(),
        "answered"
    );
    response
}

/// The checks after authentication: scoped keys, then the Support-gated switch.
fn admit(app: &Shared, endpoint: &Endpoint, caller: Caller) -> Result<(), ApiError> {
    auth::check_scope(endpoint, caller)?;
    if endpoint.restricted && !app.restricted_enabled() {
        return Err(ApiError::admin(
            403,
            "ADMIN-UAM-403-1",
            "This endpoint is not enabled for this organization; ask Atlassian Support to enable it",
        ));
    }
    Ok(())
}

fn injected_failure(endpoint: &Endpoint, status: u16, retry_after: Option<u64>) -> Response {
    let mut response =
        ApiError::for_family(endpoint.family, status, "Injected fault").into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// `200` with a JSON content type and a body that is not JSON.
fn malformed() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "{\"data\": [{\"accountId\": ",
    )
        .into_response()
}
