//! When to retry and how long to wait: exponential backoff with full jitter, overridden by the
//! server's `Retry-After` / `X-RateLimit-Reset`, bounded by attempts, the longest accepted
//! server wait and a total deadline.

use std::time::Duration;

use crate::config::RetryPolicy;
use crate::endpoints::Endpoint;
use crate::error::Error;

/// Backoff bounds `initial * 2^n` capped at `max`, each wait uniformly random below its
/// bound ("full jitter"); yields `max_attempts - 1` waits.
#[derive(Debug)]
pub(crate) struct FullJitter {
    bound: Duration,
    max: Duration,
    left: u32,
}

impl FullJitter {
    pub fn new(policy: &RetryPolicy) -> Self {
        Self {
            bound: policy.initial_backoff,
            max: policy.max_backoff,
            left: policy.max_attempts.saturating_sub(1),
        }
    }
}

impl Iterator for FullJitter {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        self.left = self.left.checked_sub(1)?;
        let bound = self.bound.min(self.max);
        self.bound = bound.saturating_mul(2);
        Some(bound.mul_f64(fastrand::f64()))
    }
}

/// The retry rule (documented at [`Effect`](crate::endpoints::Effect)): 429 always, 5xx and
/// transport errors only for endpoints whose requests may be repeated.
pub(crate) fn should_retry(endpoint: &Endpoint, error: &Error) -> bool {
    match error {
        Error::RateLimited { .. } => true,
        Error::Server { .. } | Error::Transport { .. } => endpoint.replayable(),
        _ => false,
    }
}

/// The wait before the next attempt, or `None` to give up: `backoff` is the next jittered
/// backoff (`None` once the attempts are used up); a server-requested wait replaces it, and
/// a wait longer than the policy accepts or ending past the deadline gives up.
pub(crate) fn next_wait(
    policy: &RetryPolicy,
    error: &Error,
    backoff: Option<Duration>,
    elapsed: Duration,
) -> Option<Duration> {
    let backoff = backoff?;
    let wait = match error.retry_after() {
        Some(server_wait) if server_wait > policy.max_server_wait => return None,
        Some(server_wait) => server_wait,
        None => backoff,
    };
    (elapsed + wait <= policy.deadline).then_some(wait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            max_server_wait: Duration::from_secs(10),
            deadline: Duration::from_secs(20),
        }
    }

    #[test]
    fn full_jitter_stays_below_doubling_capped_bounds_and_stops() {
        let waits: Vec<Duration> = FullJitter::new(&policy()).collect();
        assert_eq!(waits.len(), 4, "5 attempts mean 4 waits");
        let bounds = [100, 200, 300, 300].map(Duration::from_millis);
        for (wait, bound) in waits.iter().zip(bounds) {
            assert!(*wait <= bound, "{wait:?} > {bound:?}");
        }
        assert_eq!(FullJitter::new(&RetryPolicy::never()).count(), 0);
    }

    fn rate_limited(wait: Option<u64>) -> Error {
        Error::RateLimited {
            endpoint: "GET /x",
            retry_after: wait.map(Duration::from_secs),
        }
    }

    fn server() -> Error {
        Error::Server {
            endpoint: "GET /x",
            status: 500,
            retry_after: None,
            api: Default::default(),
        }
    }

    #[test]
    fn rate_limits_are_retried_everywhere_but_server_errors_only_where_repeating_is_harmless() {
        assert!(should_retry(&endpoints::INVITE_V2, &rate_limited(None)));
        assert!(!should_retry(&endpoints::INVITE_V2, &server()));
        assert!(!should_retry(&endpoints::SCIM_CREATE_USER, &server()));
        assert!(should_retry(&endpoints::SEARCH_USERS, &server()));
        assert!(should_retry(&endpoints::ASSIGN_ROLE, &server()));
        let not_found = Error::NotFound {
            endpoint: "GET /x",
            api: Default::default(),
        };
        assert!(!should_retry(&endpoints::LIST_USERS, &not_found));
    }

    #[test]
    fn server_wait_replaces_backoff_but_never_revives_exhausted_attempts() {
        let p = policy();
        let backoff = Some(Duration::from_millis(50));
        assert_eq!(
            next_wait(&p, &rate_limited(Some(2)), backoff, Duration::ZERO),
            Some(Duration::from_secs(2))
        );
        assert_eq!(next_wait(&p, &server(), backoff, Duration::ZERO), backoff);
        assert_eq!(
            next_wait(&p, &rate_limited(Some(2)), None, Duration::ZERO),
            None
        );
    }

    #[test]
    fn waits_beyond_the_accepted_server_wait_or_the_deadline_give_up() {
        let p = policy();
        let backoff = Some(Duration::from_millis(50));
        assert_eq!(
            next_wait(&p, &rate_limited(Some(11)), backoff, Duration::ZERO),
            None
        );
        assert_eq!(
            next_wait(&p, &rate_limited(Some(5)), backoff, Duration::from_secs(16)),
            None
        );
        assert_eq!(
            next_wait(&p, &server(), backoff, Duration::from_secs(20)),
            None
        );
    }
}
