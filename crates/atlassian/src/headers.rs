//! Reading the rate-limit headers: `Retry-After`, `X-RateLimit-Limit`, `X-RateLimit-Remaining`
//! and `X-RateLimit-Reset`, leniently (seconds, HTTP dates, ISO-8601 with or without seconds,
//! epoch seconds).

use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::header::HeaderMap;

/// The rate-limit facts a response carried; waits are relative to when it was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RateLimitHeaders {
    /// `X-RateLimit-Limit`: requests allowed in the current period.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in the current period.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`, as the time left until the next period.
    pub reset_in: Option<Duration>,
    /// `Retry-After`, as a wait.
    pub retry_after: Option<Duration>,
}

impl RateLimitHeaders {
    /// Reads the headers of a response received at `now`.
    pub fn read(headers: &HeaderMap, now: SystemTime) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let number = |name: &str| text(name).and_then(|v| v.trim().parse::<u64>().ok());
        Self {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            reset_in: text("x-ratelimit-reset").and_then(|v| parse_reset(v, now)),
            retry_after: text("retry-after").and_then(|v| parse_retry_after(v, now)),
        }
    }

    /// How long the server asked us to wait: `Retry-After`, else the time until
    /// `X-RateLimit-Reset`.
    pub fn server_wait(&self) -> Option<Duration> {
        self.retry_after.or(self.reset_in)
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        // `None` for negative, infinite, NaN and too large values (`1e30`).
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses `X-RateLimit-Reset`: an ISO-8601 UTC date-time (seconds optional, as in
/// `2023-10-11T12:35Z`), epoch seconds or milliseconds, or a number of seconds to wait.
pub(crate) fn parse_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(number) = value.parse::<u64>() {
        const EPOCH_SECONDS_FROM: u64 = 1_000_000_000;
        const EPOCH_MILLIS_FROM: u64 = 1_000_000_000_000;
        let at = match number {
            n if n >= EPOCH_MILLIS_FROM => SystemTime::UNIX_EPOCH + Duration::from_millis(n),
            n if n >= EPOCH_SECONDS_FROM => SystemTime::UNIX_EPOCH + Duration::from_secs(n),
            n => return Some(Duration::from_secs(n)),
        };
        return Some(at.duration_since(now).unwrap_or(Duration::ZERO));
    }
    let at = parse_iso_datetime(value)?;
    Some(
        SystemTime::from(at)
            .duration_since(now)
            .unwrap_or(Duration::ZERO),
    )
}

fn parse_iso_datetime(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some(at.with_timezone(&Utc));
    }
    if let Some(naive) = value.strip_suffix('Z') {
        for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S%.f"] {
            if let Ok(at) = NaiveDateTime::parse_from_str(naive, format) {
                return Some(at.and_utc());
            }
        }
    }
    DateTime::parse_from_str(value, "%Y-%m-%dT%H:%M%:z")
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn at(rfc3339: &str) -> SystemTime {
        SystemTime::from(DateTime::parse_from_rfc3339(rfc3339).unwrap())
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = at("2015-10-21T07:28:00Z");
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("0.5", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn reset_accepts_iso_dates_with_or_without_seconds_and_epoch_numbers() {
        let now = at("2023-10-11T12:34:00Z");
        assert_eq!(
            parse_reset("2023-10-11T12:35Z", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_reset("2023-10-11T12:34:30Z", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_reset("2023-10-11T12:34:30.500Z", now),
            Some(Duration::from_millis(30_500))
        );
        assert_eq!(
            parse_reset("2023-10-11T14:35+02:00", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_reset("2023-10-11T12:00Z", now), Some(Duration::ZERO));
        let epoch = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(
            parse_reset(&(epoch + 5).to_string(), now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_reset(&((epoch + 5) * 1000).to_string(), now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(parse_reset("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_reset("next minute", now), None);
    }

    #[test]
    fn headers_are_read_and_retry_after_wins_over_reset() {
        let now = at("2023-10-11T12:34:00Z");
        let mut headers = HeaderMap::new();
        headers.insert("X-RateLimit-Limit", HeaderValue::from_static("100"));
        headers.insert("X-RateLimit-Remaining", HeaderValue::from_static("3"));
        headers.insert(
            "X-RateLimit-Reset",
            HeaderValue::from_static("2023-10-11T12:35Z"),
        );
        let read = RateLimitHeaders::read(&headers, now);
        assert_eq!(read.limit, Some(100));
        assert_eq!(read.remaining, Some(3));
        assert_eq!(read.server_wait(), Some(Duration::from_secs(60)));
        headers.insert("Retry-After", HeaderValue::from_static("2"));
        assert_eq!(
            RateLimitHeaders::read(&headers, now).server_wait(),
            Some(Duration::from_secs(2))
        );
    }
}
