//! Client-side pacing: spreads the requests left in the current rate-limit period
//! (`X-RateLimit-Remaining`) over the time until it resets (`X-RateLimit-Reset`), and holds
//! every request back after a 429 until the server's wait is over.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::config::RateLimitSettings;
use crate::headers::RateLimitHeaders;

/// Precision of `X-RateLimit-Reset` (a date-time with whole seconds at best).
const RESET_PRECISION: Duration = Duration::from_secs(1);

/// The pacing state of one credential.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    settings: RateLimitSettings,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Earliest instant the next request may start.
    next_slot: Option<Instant>,
    /// No request starts before this (after a 429).
    paused_until: Option<Instant>,
    /// What the last response said about the current period.
    budget: Option<Budget>,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    limit: Option<u64>,
    /// Requests left, counted down locally for requests sent since the last response.
    remaining: u64,
    reset_at: Instant,
}

impl RateLimiter {
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            settings,
            state: Mutex::new(State::default()),
        }
    }

    /// Reserves the next request slot and returns how long to wait for it.
    pub fn reserve(&self, now: Instant) -> Duration {
        let mut state = self.state.lock().expect("rate limiter lock");
        let mut start = now.max(state.paused_until.unwrap_or(now));
        let mut interval = self
            .settings
            .max_requests_per_second
            .filter(|rps| *rps > 0.0)
            .map_or(Duration::ZERO, |rps| Duration::from_secs_f64(1.0 / rps));
        if let Some(budget) = state.budget.as_mut() {
            if budget.reset_at <= now {
                state.budget = None;
            } else {
                if budget.remaining == 0 {
                    start = start.max(budget.reset_at);
                } else if budget.remaining <= self.threshold(budget.limit) {
                    // Past u32::MAX requests left the spacing is nil anyway; a plain cast
                    // would turn 2^32 into a division by zero.
                    let remaining = u32::try_from(budget.remaining).unwrap_or(u32::MAX);
                    interval = interval.max((budget.reset_at - now) / remaining);
                }
                budget.remaining = budget.remaining.saturating_sub(1);
            }
        }
        let slot = start.max(state.next_slot.unwrap_or(start));
        state.next_slot = Some(slot + interval);
        (slot - now).min(self.settings.max_pacing_wait)
    }

    /// Records the rate-limit headers of a response. `X-RateLimit-Reset` has at best one
    /// second of precision, so a reset closer than that counts as one second away.
    pub fn observe(&self, headers: &RateLimitHeaders, now: Instant) {
        let (Some(remaining), Some(reset_in)) = (headers.remaining, headers.reset_in) else {
            return;
        };
        let reset_in = reset_in.max(RESET_PRECISION);
        let mut state = self.state.lock().expect("rate limiter lock");
        state.budget = Some(Budget {
            limit: headers.limit,
            remaining,
            reset_at: now + reset_in,
        });
    }

    /// Holds every request back until `until` (after a 429 told us to wait).
    pub fn pause_until(&self, until: Instant) {
        let mut state = self.state.lock().expect("rate limiter lock");
        state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
    }

    fn threshold(&self, limit: Option<u64>) -> u64 {
        match limit {
            Some(limit) => (limit as f64 * self.settings.pace_below_fraction).ceil() as u64,
            None => self.settings.pace_below,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(limit: u64, remaining: u64, reset_secs: u64) -> RateLimitHeaders {
        RateLimitHeaders {
            limit: Some(limit),
            remaining: Some(remaining),
            reset_in: Some(Duration::from_secs(reset_secs)),
            retry_after: None,
        }
    }

    #[test]
    fn plenty_of_budget_means_no_wait() {
        let limiter = RateLimiter::new(RateLimitSettings::default());
        let now = Instant::now();
        limiter.observe(&headers(100, 90, 10), now);
        for _ in 0..5 {
            assert_eq!(limiter.reserve(now), Duration::ZERO);
        }
    }

    #[test]
    fn low_budget_spreads_the_remaining_requests_until_reset() {
        let limiter = RateLimiter::new(RateLimitSettings::default());
        let now = Instant::now();
        limiter.observe(&headers(100, 10, 10), now);
        assert_eq!(limiter.reserve(now), Duration::ZERO);
        let second = limiter.reserve(now);
        assert_eq!(
            second,
            Duration::from_secs(1),
            "10 requests over 10 s: one per second"
        );
        let third = limiter.reserve(now);
        assert!(third > second, "later requests wait longer: {third:?}");
    }

    #[test]
    fn exhausted_budget_waits_for_the_reset() {
        let limiter = RateLimiter::new(RateLimitSettings::default());
        let now = Instant::now();
        limiter.observe(&headers(100, 0, 7), now);
        assert_eq!(limiter.reserve(now), Duration::from_secs(7));
    }

    #[test]
    fn budget_is_forgotten_after_the_reset() {
        let limiter = RateLimiter::new(RateLimitSettings::default());
        let now = Instant::now();
        limiter.observe(&headers(100, 0, 1), now);
        assert_eq!(
            limiter.reserve(now + Duration::from_secs(2)),
            Duration::ZERO
        );
    }

    #[test]
    fn a_reset_in_the_past_counts_as_one_second_away() {
        let limiter = RateLimiter::new(RateLimitSettings::default());
        let now = Instant::now();
        limiter.observe(&headers(100, 0, 0), now);
        assert_eq!(limiter.reserve(now), Duration::from_secs(1));
    }

    #[test]
    fn pause_holds_requests_back_and_waits_are_capped() {
        let settings = RateLimitSettings {
            max_pacing_wait: Duration::from_secs(5),
            ..Default::default()
        };
        let limiter = RateLimiter::new(settings);
        let now = Instant::now();
        limiter.pause_until(now + Duration::from_secs(2));
        assert_eq!(limiter.reserve(now), Duration::from_secs(2));
        limiter.pause_until(now + Duration::from_secs(30));
        assert_eq!(limiter.reserve(now), Duration::from_secs(5));
    }

    #[test]
    fn requests_per_second_cap_spaces_requests() {
        let settings = RateLimitSettings {
            max_requests_per_second: Some(4.0),
            ..Default::default()
        };
        let limiter = RateLimiter::new(settings);
        let now = Instant::now();
        assert_eq!(limiter.reserve(now), Duration::ZERO);
        assert_eq!(limiter.reserve(now), Duration::from_millis(250));
        assert_eq!(limiter.reserve(now), Duration::from_millis(500));
    }
}
