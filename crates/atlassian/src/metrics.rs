//! Request counters of a client, for benchmarks and metrics exporters.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counters of one endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointMetrics {
    /// Requests sent (every attempt counts).
    pub requests: u64,
    /// Responses by HTTP status.
    pub by_status: BTreeMap<u16, u64>,
    /// Attempts that got no response (connect, timeout, reset).
    pub transport_errors: u64,
}

/// A copy of the client's counters at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// Requests sent (every attempt counts).
    pub requests: u64,
    /// Attempts that were retries of an earlier failed attempt.
    pub retries: u64,
    /// Responses with status 429.
    pub rate_limited: u64,
    /// Times a request was held back by client-side pacing (low remaining budget, a pause
    /// after a 429, or the requests-per-second cap).
    pub pacing_waits: u64,
    /// Total time requests were held back by pacing.
    pub pacing_wait_total: Duration,
    /// Counters per endpoint key (`"GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users"`).
    pub by_endpoint: BTreeMap<String, EndpointMetrics>,
}

/// Live counters, updated by every request.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    pacing_waits: AtomicU64,
    pacing_wait_micros: AtomicU64,
    by_endpoint: Mutex<BTreeMap<&'static str, EndpointMetrics>>,
}

impl Metrics {
    pub fn request_sent(&self, endpoint: &'static str) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.endpoint(endpoint, |m| m.requests += 1);
    }

    pub fn response(&self, endpoint: &'static str, status: u16) {
        if status == 429 {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        self.endpoint(endpoint, |m| *m.by_status.entry(status).or_default() += 1);
    }

    pub fn transport_error(&self, endpoint: &'static str) {
        self.endpoint(endpoint, |m| m.transport_errors += 1);
    }

    pub fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub fn paced(&self, wait: Duration) {
        self.pacing_waits.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(wait.as_micros()).unwrap_or(u64::MAX);
        self.pacing_wait_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> MetricsSnapshot {
        let by_endpoint = self.by_endpoint.lock().expect("metrics lock");
        MetricsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            pacing_waits: self.pacing_waits.load(Ordering::Relaxed),
            pacing_wait_total: Duration::from_micros(
                self.pacing_wait_micros.load(Ordering::Relaxed),
            ),
            by_endpoint: by_endpoint
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    fn endpoint(&self, endpoint: &'static str, update: impl FnOnce(&mut EndpointMetrics)) {
        let mut by_endpoint = self.by_endpoint.lock().expect("metrics lock");
        update(by_endpoint.entry(endpoint).or_default());
    }
}
