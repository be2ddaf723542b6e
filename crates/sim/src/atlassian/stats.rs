//! Request counters per endpoint, with arrival instants, and the optional exchange log.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;

/// Request counters since start (or the last reset).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Requests to any endpoint.
    pub total: u64,
    /// Per endpoint key.
    pub by_endpoint: BTreeMap<String, EndpointStats>,
}

impl Stats {
    /// Requests received by one endpoint key.
    pub fn requests(&self, endpoint: &str) -> u64 {
        self.by_endpoint.get(endpoint).map_or(0, |e| e.requests)
    }
}

/// Counters of one endpoint.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointStats {
    /// Requests received.
    pub requests: u64,
    /// Responses by status.
    pub by_status: BTreeMap<u16, u64>,
    /// Arrival instant of every request, in order (to check that a retry waited).
    #[serde(skip)]
    pub request_instants: Vec<Instant>,
}

impl EndpointStats {
    /// Arrival of the first request.
    pub fn first_request_at(&self) -> Option<Instant> {
        self.request_instants.first().copied()
    }

    /// Arrival of the last request.
    pub fn last_request_at(&self) -> Option<Instant> {
        self.request_instants.last().copied()
    }
}

/// One request and its response, as recorded when `record_exchanges` is on.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// Endpoint key.
    pub endpoint: String,
    /// HTTP method.
    pub method: String,
    /// Path and query as sent.
    pub path_and_query: String,
    /// Request body, when it was JSON.
    pub request_body: Option<serde_json::Value>,
    /// Response status.
    pub status: u16,
    /// Response body, when it was JSON.
    pub response_body: Option<serde_json::Value>,
    /// When the request arrived.
    pub at: Instant,
}

/// Collects statistics and exchanges.
pub(crate) struct Recorder {
    stats: Mutex<Stats>,
    exchanges: Mutex<Vec<Exchange>>,
    recording: AtomicBool,
}

impl Recorder {
    /// A recorder; `recording` turns the exchange log on.
    pub(crate) fn new(recording: bool) -> Self {
        Recorder {
            stats: Mutex::default(),
            exchanges: Mutex::default(),
            recording: AtomicBool::new(recording),
        }
    }

    /// Whether exchanges are kept.
    pub(crate) fn recording(&self) -> bool {
        self.recording.load(Ordering::Relaxed)
    }

    /// Counts a request on arrival.
    pub(crate) fn arrived(&self, endpoint: &str, at: Instant) {
        let mut stats = lock(&self.stats);
        stats.total += 1;
        let entry = stats.by_endpoint.entry(endpoint.to_string()).or_default();
        entry.requests += 1;
        entry.request_instants.push(at);
    }

    /// Counts a response.
    pub(crate) fn answered(&self, endpoint: &str, status: u16) {
        let mut stats = lock(&self.stats);
        *stats
            .by_endpoint
            .entry(endpoint.to_string())
            .or_default()
            .by_status
            .entry(status)
            .or_default() += 1;
    }

    /// Keeps an exchange.
    pub(crate) fn keep(&self, exchange: Exchange) {
        lock(&self.exchanges).push(exchange);
    }

    /// A copy of the counters.
    pub(crate) fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }

    /// Zeroes the counters and forgets the exchanges.
    pub(crate) fn reset(&self) {
        *lock(&self.stats) = Stats::default();
        lock(&self.exchanges).clear();
    }

    /// A copy of the exchanges.
    pub(crate) fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.exchanges).clone()
    }
}

/// Locks a mutex, ignoring poisoning (a panicking handler must not wedge the simulator).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
