//! Tunable policies of the client: retries and rate-limit pacing, with their defaults.

use std::time::Duration;

/// The default base URL of every Atlassian API family the client calls.
pub const DEFAULT_BASE_URL: &str = "https://api.atlassian.com/";

/// How failed requests are retried (which failures are retried is fixed per endpoint, see
/// the retry rule in the crate documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Upper bound of the first backoff; each later bound doubles (full jitter: the wait is
    /// uniformly random below the bound).
    pub initial_backoff: Duration,
    /// Largest backoff bound.
    pub max_backoff: Duration,
    /// Longest wait the client accepts from `Retry-After` / `X-RateLimit-Reset`; a longer
    /// request ends the call with the error instead.
    pub max_server_wait: Duration,
    /// Total time one call may take across all attempts and waits; a retry whose wait would
    /// end past it is not made.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_server_wait: Duration::from_secs(180),
            deadline: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// A policy that makes a single attempt.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// How the client paces itself from the `X-RateLimit-*` headers so that it rarely meets a 429.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimitSettings {
    /// Start pacing when `X-RateLimit-Remaining` falls to this fraction of `X-RateLimit-Limit`.
    pub pace_below_fraction: f64,
    /// Start pacing when `X-RateLimit-Remaining` falls to this many, if no limit is announced.
    pub pace_below: u64,
    /// Longest single pacing wait.
    pub max_pacing_wait: Duration,
    /// Hard cap on requests per second per credential, whatever the headers say.
    pub max_requests_per_second: Option<f64>,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            pace_below_fraction: 0.2,
            pace_below: 10,
            max_pacing_wait: Duration::from_secs(60),
            max_requests_per_second: None,
        }
    }
}
