//! The health and metrics server of the service (`--health-check`), as the Go SDK's plus
//! `/metrics`: `/live` (and `/healthz`) answer 200 while the process runs; `/ready` (and
//! `/readyz`) 200 once the service is registered with ConductorOne (at once without
//! ConductorOne) and until it starts stopping, else 503 (with leader election a standby
//! replica is ready too: it is healthy and waits to take over; `baton_leader` on
//! `/metrics` tells the leader); `/health` checks the Atlassian API key with the
//! connector's validation; `/metrics` is Prometheus text. Bodies are JSON
//! `{"status", "timestamp" (RFC 3339 UTC), "details"?}`.

pub mod metrics;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use connector::AtlassianConnector;
use controlplane::Session;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// Longest error text `/health` shows.
const MAX_DETAIL_CHARS: usize = 300;

/// Whether the service is ready for work; shared by the service, which moves it, and the
/// health server, which reports it.
#[derive(Debug)]
pub struct Readiness {
    needs_registration: bool,
    registered: AtomicBool,
    stopping: AtomicBool,
}

impl Readiness {
    /// A service whose configuration is valid; with `needs_registration` it is ready only
    /// once [`registered`](Self::registered) (the bootstrap `Hello` succeeded).
    pub fn new(needs_registration: bool) -> Self {
        Self {
            needs_registration,
            registered: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
        }
    }

    /// ConductorOne accepted the bootstrap `Hello`.
    pub fn registered(&self) {
        self.registered.store(true, Ordering::Relaxed);
    }

    /// The service is stopping (SIGINT or SIGTERM): it is not ready again.
    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    /// Registered when it must be, and not stopping.
    pub fn is_ready(&self) -> bool {
        !self.stopping.load(Ordering::Relaxed)
            && (!self.needs_registration || self.registered.load(Ordering::Relaxed))
    }
}

/// What the endpoints look at.
#[derive(Debug, Clone)]
pub struct Health {
    /// Moved by the service.
    pub readiness: Arc<Readiness>,
    /// Checked by `/health`; its client's counters go to `/metrics`.
    pub connector: Arc<AtlassianConnector>,
    /// The ConductorOne session, whose token refreshes go to `/metrics`.
    pub session: Option<Session>,
    /// How long `/health` waits for the connector's check.
    pub check_timeout: Duration,
}

/// Listens on `address` and serves the endpoints until the returned task is aborted.
/// Fails when the address cannot be listened on.
pub async fn start(address: SocketAddr, health: Health) -> anyhow::Result<JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| {
            format!(
                "the health server cannot listen on {address} (--health-check-bind-address, --health-check-port)"
            )
        })?;
    tracing::info!(%address, "health server listening");
    let app = router(health);
    Ok(tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "the health server stopped");
        }
    }))
}

/// The endpoints.
fn router(health: Health) -> Router {
    Router::new()
        .route("/live", get(live))
        .route("/healthz", get(live))
        .route("/ready", get(ready))
        .route("/readyz", get(ready))
        .route("/health", get(check))
        .route("/metrics", get(metrics_text))
        .with_state(health)
}

async fn live() -> Response {
    answer(true, "alive", "alive", None)
}

async fn ready(State(health): State<Health>) -> Response {
    answer(health.readiness.is_ready(), "ready", "not_ready", None)
}

async fn check(State(health): State<Health>) -> Response {
    let error = match tokio::time::timeout(health.check_timeout, health.connector.validate()).await
    {
        Ok(Ok(())) => return answer(true, "healthy", "unhealthy", None),
        Ok(Err(error)) => short(&error.to_string()),
        Err(_) => format!(
            "the Atlassian check took longer than {:?}",
            health.check_timeout
        ),
    };
    answer(
        false,
        "healthy",
        "unhealthy",
        Some(json!({ "error": error })),
    )
}

async fn metrics_text(State(health): State<Health>) -> Response {
    let text = metrics::render(health.connector.client(), health.session.as_ref());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// 200 with `good` as status, or 503 with `bad`.
fn answer(ok: bool, good: &str, bad: &str, details: Option<Value>) -> Response {
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(body(if ok { good } else { bad }, details))).into_response()
}

/// `{"status", "timestamp", "details"?}`.
fn body(status: &str, details: Option<Value>) -> Value {
    let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut body = json!({ "status": status, "timestamp": timestamp });
    if let Some(details) = details {
        body["details"] = details;
    }
    body
}

/// An error message cut to [`MAX_DETAIL_CHARS`].
fn short(message: &str) -> String {
    match message.char_indices().nth(MAX_DETAIL_CHARS) {
        Some((end, _)) => format!("{}...", &message[..end]),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_waits_for_registration_and_ends_when_stopping() {
        let readiness = Readiness::new(true);
        assert!(!readiness.is_ready());
        readiness.registered();
        assert!(readiness.is_ready());
        readiness.stopping();
        assert!(!readiness.is_ready());
    }

    #[test]
    fn readiness_without_conductorone_is_immediate_until_stopping() {
        let readiness = Readiness::new(false);
        assert!(readiness.is_ready());
        readiness.stopping();
        assert!(!readiness.is_ready());
    }

    #[test]
    fn body_has_status_an_rfc3339_utc_timestamp_and_optional_details() {
        let plain = body("alive", None);
        assert_eq!(plain["status"], "alive");
        let timestamp = plain["timestamp"].as_str().unwrap();
        assert!(timestamp.ends_with('Z'), "{timestamp}");
        chrono::DateTime::parse_from_rfc3339(timestamp).unwrap();
        assert!(plain.get("details").is_none());
        let detailed = body("unhealthy", Some(json!({ "error": "x" })));
        assert_eq!(detailed["details"]["error"], "x");
    }

    #[test]
    fn long_error_messages_are_cut() {
        let long = "e".repeat(1000);
        assert_eq!(short(&long).len(), MAX_DETAIL_CHARS + 3);
        assert_eq!(short("short"), "short");
    }

    #[test]
    fn task_outcomes_are_counted_by_type_and_outcome() {
        let client = atlassian::Client::builder("org-1", atlassian::Secret::new("k"))
            .build()
            .unwrap();
        let count = |text: &str| -> f64 {
            text.lines()
                .find(|l| {
                    l.starts_with("baton_tasks_total{")
                        && l.contains("type=\"grant\"")
                        && l.contains("outcome=\"error\"")
                })
                .and_then(|l| l.rsplit(' ').next())
                .map_or(0.0, |v| v.parse().unwrap())
        };
        let before = count(&metrics::render(&client, None));
        metrics::record_task("grant", "error", Duration::from_millis(3));
        let text = metrics::render(&client, None);
        assert_eq!(count(&text), before + 1.0, "{text}");
        assert!(text.contains("# TYPE baton_tasks_total counter"), "{text}");
        assert!(
            text.contains("baton_task_duration_seconds_bucket{"),
            "{text}"
        );
        assert!(!text.contains("baton_c1_token_refreshes"), "{text}");
    }

    #[test]
    fn a_successful_scheduled_sync_sets_its_duration_and_end_time() {
        let client = atlassian::Client::builder("org-1", atlassian::Secret::new("k"))
            .build()
            .unwrap();
        metrics::record_sync("scheduled", Duration::from_millis(1500), true);
        let text = metrics::render(&client, None);
        let value = |prefix: &str| -> f64 {
            let line = text.lines().find(|l| l.starts_with(prefix)).expect(prefix);
            line.rsplit(' ').next().unwrap().parse().unwrap()
        };
        assert_eq!(
            value(r#"baton_sync_duration_seconds{source="scheduled"}"#),
            1.5
        );
        let ended = value(r#"baton_last_successful_sync_timestamp_seconds{source="scheduled"}"#);
        assert!(ended >= 1.7e9, "{text}");
    }
}
