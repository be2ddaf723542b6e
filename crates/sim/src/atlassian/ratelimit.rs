//! Token-bucket rate limiting per credential, and the `X-RateLimit-*` headers every
//! response carries.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};
use chrono::{SecondsFormat, Utc};

use super::auth::Caller;
use super::config::RateLimit;

/// `X-RateLimit-Limit` / `-Remaining` reported while no limit is configured.
const UNLIMITED: u32 = 100_000;

/// One bucket per credential.
pub(crate) struct RateLimiter {
    limit: Option<RateLimit>,
    buckets: HashMap<Caller, Bucket>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The outcome of admitting a request: header values, and a wait when refused.
#[derive(Debug)]
pub(crate) struct Quota {
    limit: u32,
    remaining: u32,
    /// Time until the bucket is full again.
    reset_in: Duration,
    /// `Some(seconds)` when the request is refused with 429.
    pub(crate) retry_after: Option<u64>,
}

impl RateLimiter {
    /// A limiter with full buckets.
    pub(crate) fn new(limit: Option<RateLimit>) -> Self {
        RateLimiter {
            limit,
            buckets: HashMap::new(),
        }
    }

    /// Changes the limit; every bucket starts full again.
    pub(crate) fn set(&mut self, limit: Option<RateLimit>) {
        self.limit = limit;
        self.buckets.clear();
    }

    /// Takes a token for an authenticated caller; `None` (unauthenticated) only reports.
    pub(crate) fn admit(&mut self, caller: Option<Caller>, now: Instant) -> Quota {
        let Some(limit) = self.limit else {
            return Quota {
                limit: UNLIMITED,
                remaining: UNLIMITED,
                reset_in: Duration::ZERO,
                retry_after: None,
            };
        };
        let burst = f64::from(limit.burst);
        let rate = limit.per_second.max(f64::MIN_POSITIVE);
        let Some(caller) = caller else {
            return Quota {
                limit: limit.burst,
                remaining: limit.burst,
                reset_in: Duration::ZERO,
                retry_after: None,
            };
        };
        let bucket = self.buckets.entry(caller).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.updated = now;
        let retry_after = if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            None
        } else {
            Some(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        };
        Quota {
            limit: limit.burst,
            remaining: bucket.tokens.floor() as u32,
            reset_in: Duration::from_secs_f64(((burst - bucket.tokens) / rate).min(86_400.0)),
            retry_after,
        }
    }
}

impl Quota {
    /// Writes `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (ISO-8601 UTC)
    /// and, when refused, `Retry-After` (seconds).
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        let reset = Utc::now() + self.reset_in;
        let reset = reset.to_rfc3339_opts(SecondsFormat::Secs, true);
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&reset).expect("a timestamp is a valid header"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert("retry-after", HeaderValue::from(seconds));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refuses_past_its_burst_and_refills_with_time() {
        let mut limiter = RateLimiter::new(Some(RateLimit {
            per_second: 2.0,
            burst: 3,
        }));
        let start = Instant::now();
        for expected_remaining in [2, 1, 0] {
            let quota = limiter.admit(Some(Caller::OrgKey), start);
            assert_eq!(
                (quota.retry_after, quota.remaining),
                (None, expected_remaining)
            );
        }
        assert_eq!(
            limiter.admit(Some(Caller::OrgKey), start).retry_after,
            Some(1)
        );
        assert_eq!(
            limiter.admit(Some(Caller::ScopedKey), start).retry_after,
            None,
            "buckets are per credential"
        );
        let later = start + Duration::from_millis(600);
        assert_eq!(limiter.admit(Some(Caller::OrgKey), later).retry_after, None);
    }

    #[test]
    fn headers_carry_limit_remaining_reset_and_retry_after() {
        let mut limiter = RateLimiter::new(Some(RateLimit {
            per_second: 0.5,
            burst: 1,
        }));
        let now = Instant::now();
        limiter.admit(Some(Caller::OrgKey), now);
        let mut headers = HeaderMap::new();
        limiter.admit(Some(Caller::OrgKey), now).apply(&mut headers);
        assert_eq!(headers["x-ratelimit-limit"], "1");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        assert_eq!(headers["retry-after"], "2");
        assert!(
            headers["x-ratelimit-reset"]
                .to_str()
                .unwrap()
                .ends_with('Z')
        );
    }
}
