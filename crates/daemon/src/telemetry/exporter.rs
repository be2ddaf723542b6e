//! The OTLP exporter, wrapped so that a collector that cannot be reached shows on the log
//! at most once per [`WARN_EVERY`] rather than once per batch: the batch processor drops
//! what it cannot send, and the service goes on unaffected.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// The shortest time between two warnings about failed exports.
const WARN_EVERY: Duration = Duration::from_secs(300);

/// An exporter whose failures are logged, rarely.
#[derive(Debug)]
pub(super) struct Reported<E> {
    inner: E,
    failures: Mutex<Failures>,
}

/// Failed exports since the last warning.
#[derive(Debug, Default)]
struct Failures {
    warned_at: Option<Instant>,
    spans_lost: usize,
}

impl<E> Reported<E> {
    /// Wraps `inner`.
    pub(super) fn new(inner: E) -> Self {
        Self {
            inner,
            failures: Mutex::default(),
        }
    }

    /// Counts a failed export of `spans` spans; warns when the last warning is old enough.
    fn failed(&self, spans: usize, error: &OTelSdkError) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.spans_lost += spans;
        let now = Instant::now();
        if failures
            .warned_at
            .is_some_and(|at| now.duration_since(at) < WARN_EVERY)
        {
            return;
        }
        tracing::warn!(
            %error,
            spans_lost = failures.spans_lost,
            "could not send traces to the OTLP collector; they are dropped (this warning \
             repeats at most every 5 minutes)"
        );
        failures.warned_at = Some(now);
        failures.spans_lost = 0;
    }
}

impl<E: SpanExporter> SpanExporter for Reported<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len();
        let result = self.inner.export(batch).await;
        if let Err(error) = &result {
            self.failed(spans, error);
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
