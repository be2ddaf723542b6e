//! Fault injection per endpoint: added latency, error answers, malformed bodies.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A fault for one endpoint (or `"*"`, every endpoint without its own fault).
///
/// While the fault is active (always, or for the next `remaining` requests of the
/// endpoint) every request waits `latency`; then `error_rate` selects which requests fail
/// — deterministically, by accumulating the rate (0.5 fails every second request, 1.0 all
/// of them). A failing request is answered with `status` in the endpoint's error shape,
/// with `Retry-After` when `retry_after_secs` is set (429 and 503 default to 1 second).
/// A request that is not failed is answered `200` with a body that is not JSON when
/// `malformed_body` is set, else normally.
///
/// As JSON (the `/__sim/faults` admin endpoint) the fields are camelCase, with the latency
/// as `latencyMs`; all optional.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Fault {
    /// Fraction of requests that fail, 0.0..=1.0.
    pub error_rate: f64,
    /// Status of a failed request.
    pub status: u16,
    /// `Retry-After` of a failed request.
    pub retry_after_secs: Option<u64>,
    /// Added to every request while active.
    #[serde(rename = "latencyMs", deserialize_with = "millis")]
    pub latency: Duration,
    /// Answer requests that do not fail with `200` and a body that is not JSON.
    pub malformed_body: bool,
    /// Apply to the next N requests only, then behave (`None` = until cleared).
    pub remaining: Option<u64>,
}

impl Default for Fault {
    /// No fault: nothing fails, no latency.
    fn default() -> Self {
        Fault {
            error_rate: 0.0,
            status: 500,
            retry_after_secs: None,
            latency: Duration::ZERO,
            malformed_body: false,
            remaining: None,
        }
    }
}

impl Fault {
    /// Every request fails with `status`.
    pub fn error(status: u16) -> Self {
        Fault {
            error_rate: 1.0,
            status,
            ..Fault::default()
        }
    }

    /// Every request waits `latency` and then succeeds.
    pub fn latency(latency: Duration) -> Self {
        Fault {
            latency,
            ..Fault::default()
        }
    }

    /// Every request gets `200` with a body that is not JSON.
    pub fn malformed() -> Self {
        Fault {
            malformed_body: true,
            ..Fault::default()
        }
    }

    /// Limits the fault to the next `requests` requests.
    pub fn times(self, requests: u64) -> Self {
        Fault {
            remaining: Some(requests),
            ..self
        }
    }

    /// Sets `Retry-After` on failed requests.
    pub fn retry_after(self, seconds: u64) -> Self {
        Fault {
            retry_after_secs: Some(seconds),
            ..self
        }
    }

    /// Fails only this fraction of requests.
    pub fn rate(self, error_rate: f64) -> Self {
        Fault { error_rate, ..self }
    }
}

fn millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_millis)
}

/// What to do with one request.
#[derive(Debug, PartialEq)]
pub(crate) enum Action {
    /// Serve it normally.
    Pass,
    /// Answer with an error.
    Fail {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Answer `200` with a body that is not JSON.
    Malformed,
}

/// The fault table.
#[derive(Default)]
pub(crate) struct Faults {
    by_endpoint: HashMap<String, Active>,
}

struct Active {
    fault: Fault,
    /// Accumulated error rate; a request fails each time it reaches 1.
    owed: f64,
}

impl Faults {
    /// Sets (replaces) the fault of an endpoint key or `"*"`.
    pub(crate) fn set(&mut self, endpoint: &str, fault: Fault) {
        self.by_endpoint
            .insert(endpoint.to_string(), Active { fault, owed: 0.0 });
    }

    /// Removes every fault.
    pub(crate) fn clear(&mut self) {
        self.by_endpoint.clear();
    }

    /// Decides the latency and the action for the next request of an endpoint.
    pub(crate) fn on_request(&mut self, endpoint: &str) -> (Duration, Action) {
        let key = if self.by_endpoint.contains_key(endpoint) {
            endpoint
        } else {
            "*"
        };
        let Some(active) = self.by_endpoint.get_mut(key) else {
            return (Duration::ZERO, Action::Pass);
        };
        match &mut active.fault.remaining {
            Some(0) => return (Duration::ZERO, Action::Pass),
            Some(left) => *left -= 1,
            None => {}
        }
        let fault = &active.fault;
        active.owed += fault.error_rate.clamp(0.0, 1.0);
        let action = if active.owed >= 1.0 - 1e-9 {
            active.owed -= 1.0;
            let default_wait = matches!(fault.status, 429 | 503).then_some(1);
            Action::Fail {
                status: fault.status,
                retry_after: fault.retry_after_secs.or(default_wait),
            }
        } else if fault.malformed_body {
            Action::Malformed
        } else {
            Action::Pass
        };
        (fault.latency, action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_rate_fails_every_second_request_and_remaining_stops_the_fault() {
        let mut faults = Faults::default();
        faults.set("GET /x", Fault::error(503).rate(0.5).times(4));
        let actions: Vec<_> = (0..6).map(|_| faults.on_request("GET /x").1).collect();
        let failed = Action::Fail {
            status: 503,
            retry_after: Some(1),
        };
        assert_eq!(
            actions,
            [
                Action::Pass,
                failed,
                Action::Pass,
                Action::Fail {
                    status: 503,
                    retry_after: Some(1)
                },
                Action::Pass,
                Action::Pass
            ]
        );
    }

    #[test]
    fn a_specific_fault_wins_over_the_wildcard() {
        let mut faults = Faults::default();
        faults.set("*", Fault::error(500));
        faults.set("GET /y", Fault::latency(Duration::from_millis(5)));
        assert_eq!(
            faults.on_request("GET /y"),
            (Duration::from_millis(5), Action::Pass)
        );
        assert_eq!(
            faults.on_request("GET /z").1,
            Action::Fail {
                status: 500,
                retry_after: None
            }
        );
        faults.clear();
        assert_eq!(faults.on_request("GET /z").1, Action::Pass);
    }

    #[test]
    fn json_form_takes_camel_case_and_milliseconds() {
        let fault: Fault = serde_json::from_str(
            r#"{"errorRate":1,"status":429,"retryAfterSecs":2,"latencyMs":30}"#,
        )
        .unwrap();
        assert_eq!(
            fault,
            Fault {
                latency: Duration::from_millis(30),
                ..Fault::error(429).retry_after(2)
            }
        );
    }
}
