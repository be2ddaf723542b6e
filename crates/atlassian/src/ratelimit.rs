//! Client-side pacing against a token bucket, the shape of Atlassian's rate limits: while
//! the budget the responses report (`X-RateLimit-Remaining`) is above a reserve, requests
//! go at once; at the reserve they go at the rate the bucket refills, so the bucket is
//! kept busy yet never runs dry. Requests sent and not yet answered count against the
//! budget a response reports.
//!
//! The refill rate is measured from the budgets reported over time (tokens regained plus
//! tokens spent, per second, over spans of at least [`REFILL_SPAN`]); until a first
//! measurement it is read from the headers: the tokens missing from `X-RateLimit-Limit`
//! over the time until `X-RateLimit-Reset`, when the bucket is full again. A wait never
//! reaches past that reset, so a limit that renews whole periods at once (and shows no
//! refill in between) is waited out, not guessed at. After a 429 every request is held
//! back until the server's wait is over.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::config::RateLimitSettings;
use crate::headers::RateLimitHeaders;

/// Precision of `X-RateLimit-Reset` (a date-time with whole seconds at best).
const RESET_PRECISION: Duration = Duration::from_secs(1);
/// Shortest span over which the refill rate is measured: the reported budget is a whole
/// number, so shorter spans give coarse measurements.
const REFILL_SPAN: Duration = Duration::from_secs(1);
/// Weight of a new measurement of the refill rate in the running estimate.
const REFILL_WEIGHT: f64 = 0.3;

/// The pacing state of one credential.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    settings: RateLimitSettings,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Earliest instant the next request may start under `max_requests_per_second`.
    next_slot: Option<Instant>,
    /// No request starts before this (after a 429).
    paused_until: Option<Instant>,
    /// What the last response said about the bucket.
    budget: Option<Budget>,
    /// Requests reserved and not yet answered or given up.
    in_flight: u64,
    /// The bucket's refill rate, as measured.
    refill: Refill,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    limit: Option<u64>,
    /// Tokens at `at`: the reported budget less the other requests then in flight.
    tokens: f64,
    at: Instant,
    /// Requests reserved since `at`.
    spent: u64,
    /// When the bucket is full again (or the period renews).
    reset_at: Instant,
    /// Refill rate read from this response's headers, tokens per second.
    header_rate: f64,
}

impl Budget {
    /// Tokens expected at `t`, refilling at `rate` per second, less those spent since.
    fn tokens_at(&self, t: Instant, rate: f64) -> f64 {
        let elapsed = t.saturating_duration_since(self.at).as_secs_f64();
        let refilled = self.tokens + rate * elapsed;
        let capped = self
            .limit
            .map_or(refilled, |limit| refilled.min(limit as f64));
        capped - self.spent as f64
    }
}

/// Measures how fast the server's bucket refills.
#[derive(Debug, Default)]
struct Refill {
    /// Start of the current measurement: when, and the budget reported then.
    since: Option<(Instant, u64)>,
    /// Answers since then that took a token.
    taken: u64,
    /// Tokens per second, once measured.
    per_second: Option<f64>,
}

impl Refill {
    /// Takes the budget `remaining` reported at `now` by an answer that took a token or
    /// not (a 429).
    fn observe(&mut self, remaining: u64, limit: Option<u64>, took_token: bool, now: Instant) {
        // A full bucket gains nothing: a measurement ending full would understate the
        // rate, so one starts there instead.
        let full = limit.is_some_and(|limit| remaining.saturating_add(1) >= limit);
        let Some((since, before)) = self.since.filter(|_| !full) else {
            self.restart(now, remaining);
            return;
        };
        self.taken += u64::from(took_token);
        let span = now.saturating_duration_since(since);
        if span < REFILL_SPAN {
            return;
        }
        let gained = remaining.saturating_add(self.taken) as f64 - before as f64;
        let measured = gained.max(0.0) / span.as_secs_f64();
        self.per_second = Some(match self.per_second {
            Some(rate) => rate + REFILL_WEIGHT * (measured - rate),
            None => measured,
        });
        self.restart(now, remaining);
    }

    fn restart(&mut self, now: Instant, remaining: u64) {
        self.since = Some((now, remaining));
        self.taken = 0;
    }
}

/// A reserved request slot: how long to wait for it. The request counts as in flight,
/// against the budget the next answers report, until this is dropped.
#[derive(Debug)]
#[must_use = "the request counts as in flight until the reservation is dropped"]
pub(crate) struct Reservation<'a> {
    /// Wait before sending.
    pub wait: Duration,
    limiter: &'a RateLimiter,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut state = self.limiter.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
    }
}

impl RateLimiter {
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            settings,
            state: Mutex::new(State::default()),
        }
    }

    /// Reserves the next request slot; hold the reservation until the answer is observed.
    pub fn reserve_slot(&self, now: Instant) -> Reservation<'_> {
        let mut state = self.lock();
        state.in_flight += 1;
        let mut start = now.max(state.paused_until.unwrap_or(now));
        let measured = state.refill.per_second;
        if let Some(budget) = state.budget.as_mut() {
            if budget.reset_at <= now {
                state.budget = None;
            } else {
                let rate = measured.unwrap_or(budget.header_rate);
                let wanted = self.kept_in_reserve(budget.limit) as f64 + 1.0;
                let tokens = budget.tokens_at(start, rate);
                if tokens < wanted {
                    // No refill measured (a limit renewing whole periods): the reset.
                    let reset = budget.reset_at.max(start);
                    start = Duration::try_from_secs_f64((wanted - tokens) / rate)
                        .map_or(reset, |refill| (start + refill).min(reset));
                }
                budget.spent += 1;
            }
        }
        if let Some(rps) = self.settings.max_requests_per_second.filter(|r| *r > 0.0) {
            start = start.max(state.next_slot.unwrap_or(start));
            state.next_slot = Some(start + Duration::from_secs_f64(1.0 / rps));
        }
        Reservation {
            wait: (start - now).min(self.settings.max_pacing_wait),
            limiter: self,
        }
    }

    /// Records the rate-limit headers of a response to a reserved request. `X-RateLimit-Reset`
    /// has at best one second of precision, so a reset closer than that counts as one
    /// second away.
    pub fn observe(&self, headers: &RateLimitHeaders, now: Instant) {
        let (Some(remaining), Some(reset_in)) = (headers.remaining, headers.reset_in) else {
            return;
        };
        let reset_in = reset_in.max(RESET_PRECISION);
        let refused = headers.retry_after.is_some();
        let mut state = self.lock();
        state
            .refill
            .observe(remaining, headers.limit, !refused, now);
        // The other requests in flight may not be counted in `remaining` yet.
        let others = state.in_flight.saturating_sub(1);
        // Until a refill is measured: the tokens missing refill by the reset. Pacing starts
        // at the reserve, so at least the tokens above it count as missing: a reset closer
        // than its precision, counted as one second away, would otherwise make a nearly
        // full bucket look like one refilling a token or two a second.
        let missing = match headers.limit {
            Some(limit) => {
                let above_reserve = limit.saturating_sub(self.kept_in_reserve(Some(limit)));
                limit.saturating_sub(remaining).max(above_reserve)
            }
            None => remaining,
        };
        state.budget = Some(Budget {
            limit: headers.limit,
            tokens: remaining as f64 - others as f64,
            at: now,
            spent: 0,
            reset_at: now + reset_in,
            header_rate: missing.max(1) as f64 / reset_in.as_secs_f64(),
        });
    }

    /// Holds every request back until `until` (after a 429 told us to wait).
    pub fn pause_until(&self, until: Instant) {
        let mut state = self.lock();
        state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
    }

    /// The budget kept in reserve: paced requests keep at least this many tokens.
    fn kept_in_reserve(&self, limit: Option<u64>) -> u64 {
        match limit {
            Some(limit) => (limit as f64 * self.settings.pace_below_fraction).ceil() as u64,
            None => self.settings.pace_below,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("rate limiter lock")
    }

    /// The wait of a request reserved and answered at once (tests of pacing alone).
    #[cfg(test)]
    pub fn reserve(&self, now: Instant) -> Duration {
        self.reserve_slot(now).wait
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
    fn at_the_reserve_requests_go_at_the_refill_rate_the_headers_give() {
        let limiter = RateLimiter::new(RateLimitSettings::default());
        let now = Instant::now();
        // 80 tokens missing, full again in 8 s: 10 tokens a second; a reserve of 20.
        limiter.observe(&headers(100, 22, 8), now);
        assert_eq!(limiter.reserve(now), Duration::ZERO);
        assert_eq!(limiter.reserve(now), Duration::ZERO);
        let waits: Vec<_> = (0..3).map(|_| limiter.reserve(now)).collect();
        assert_eq!(waits, [100, 200, 300].map(Duration::from_millis));
    }

    #[test]
    fn an_exhausted_bucket_waits_for_tokens_but_never_past_the_reset() {
        let limiter = RateLimiter::new(RateLimitSettings::default());
        let now = Instant::now();
        // 100 tokens in 10 s: the 20 of the reserve and one for this request take 2.1 s.
        limiter.observe(&headers(100, 0, 10), now);
        assert_eq!(limiter.reserve(now), Duration::from_millis(2100));
        // No refill over 2 s (a limit renewing whole periods): wait for the reset.
        let later = now + Duration::from_secs(2);
        limiter.observe(&headers(100, 0, 8), later);
        assert_eq!(limiter.reserve(later), Duration::from_secs(8));
    }

    #[test]
    fn without_a_limit_the_budget_left_is_spread_until_the_reset() {
        let limiter = RateLimiter::new(RateLimitSettings::default());
        let now = Instant::now();
        let limits = RateLimitHeaders {
            limit: None,
            ..headers(0, 5, 10)
        };
        limiter.observe(&limits, now);
        // A reserve of 10 (pace_below), 5 left over 10 s: 2 s a token.
        assert_eq!(limiter.reserve(now), Duration::from_secs(10));
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
        // 10 tokens a second, not infinitely many: the reserve of 2 and this one take 0.3 s.
        limiter.observe(&headers(10, 0, 0), now);
        assert_eq!(limiter.reserve(now), Duration::from_millis(300));
    }

    #[test]
    fn requests_in_flight_count_against_the_reported_budget() {
        let limiter = RateLimiter::new(RateLimitSettings::default());
        let now = Instant::now();
        // A reserve of 2 of 10; 5 left would let 3 requests go at once ...
        let held: Vec<_> = (0..4).map(|_| limiter.reserve_slot(now)).collect();
        limiter.observe(&headers(10, 5, 1), now);
        // ... but the 3 others in flight may take them.
        assert!(limiter.reserve(now) > Duration::ZERO);
        drop(held);
        limiter.observe(&headers(10, 5, 1), now);
        assert_eq!(limiter.reserve(now), Duration::ZERO);
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

    /// A token bucket as the simulator keeps one: `rate` tokens a second up to `burst`.
    struct Bucket {
        rate: f64,
        burst: f64,
        tokens: f64,
        at: Instant,
    }

    impl Bucket {
        /// Takes a token at `now`: the headers of the answer, with `Retry-After` (whole
        /// seconds, at least one) when refused, and `X-RateLimit-Reset` truncated to whole
        /// seconds, as a date-time header would be.
        fn admit(&mut self, now: Instant) -> RateLimitHeaders {
            let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
            self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
            self.at = now;
            let refused = self.tokens < 1.0;
            if !refused {
                self.tokens -= 1.0;
            }
            let full_in = (self.burst - self.tokens) / self.rate;
            RateLimitHeaders {
                limit: Some(self.burst as u64),
                remaining: Some(self.tokens.floor() as u64),
                reset_in: Some(Duration::from_secs(full_in.floor() as u64)),
                retry_after: refused.then(|| {
                    Duration::from_secs(((1.0 - self.tokens) / self.rate).ceil().max(1.0) as u64)
                }),
            }
        }
    }

    /// What happens next to a worker of [`drive`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    enum Step {
        /// It reserves a slot for its next request.
        Reserve,
        /// Its request reaches the bucket.
        Arrive,
        /// Its answer comes back.
        Answer,
    }

    /// Sends `requests` through a limiter to a bucket of `rate` per second holding one
    /// second's worth, `concurrency` at a time, each answered `latency` after it reaches
    /// the bucket: how long they took, in seconds, and how many were refused.
    fn drive(rate: f64, requests: usize, concurrency: usize, latency: Duration) -> (f64, usize) {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;

        let limiter = RateLimiter::new(RateLimitSettings::default());
        let start = Instant::now();
        let mut bucket = Bucket {
            rate,
            burst: rate,
            tokens: rate,
            at: start,
        };
        let mut reservations: Vec<Option<Reservation<'_>>> = Vec::new();
        let mut answers = vec![RateLimitHeaders::default(); concurrency];
        reservations.resize_with(concurrency, || None);
        let mut events: BinaryHeap<_> = (0..concurrency)
            .map(|worker| Reverse((start, Step::Reserve, worker)))
            .collect();
        let (mut issued, mut refused, mut end) = (0, 0, start);
        while let Some(Reverse((now, step, worker))) = events.pop() {
            match step {
                Step::Reserve if issued < requests => {
                    issued += 1;
                    let reservation = limiter.reserve_slot(now);
                    events.push(Reverse((now + reservation.wait, Step::Arrive, worker)));
                    reservations[worker] = Some(reservation);
                }
                Step::Reserve => {}
                Step::Arrive => {
                    answers[worker] = bucket.admit(now);
                    events.push(Reverse((now + latency, Step::Answer, worker)));
                }
                Step::Answer => {
                    let answer = answers[worker];
                    limiter.observe(&answer, now);
                    reservations[worker] = None;
                    if let Some(wait) = answer.retry_after {
                        // Refused: the request is sent again.
                        limiter.pause_until(now + wait);
                        refused += 1;
                        issued -= 1;
                    }
                    end = end.max(now);
                    events.push(Reverse((now, Step::Reserve, worker)));
                }
            }
        }
        ((end - start).as_secs_f64(), refused)
    }

    #[test]
    fn a_token_bucket_is_kept_busy_and_never_runs_dry() {
        for (rate, concurrency, latency_ms) in [
            (100.0, 8, 2),
            (10.0, 8, 2),
            (10.0, 4, 150),
            (100.0, 8, 50),
            (10.0, 8, 150),
        ] {
            let requests = 30 * rate as usize;
            let (seconds, refused) = drive(
                rate,
                requests,
                concurrency,
                Duration::from_millis(latency_ms),
            );
            let least = (requests as f64 - rate) / rate;
            assert_eq!(refused, 0, "{rate}/s, {concurrency} at a time");
            assert!(
                seconds <= 1.03 * least + 0.2,
                "{rate}/s, {concurrency} at a time: {seconds:.2} s for {requests} requests"
            );
        }
    }
}
