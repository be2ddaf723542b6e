//! The soak's faults: every few seconds one picked at random, injected through the
//! simulators' own controls.
//!
//! | fault | how |
//! | --- | --- |
//! | Atlassian 429 storm | half the requests to any endpoint answer 429 with `Retry-After: 1`, for 2–6 s |
//! | Atlassian 5xx burst | a third answer 500, 502, 503 or 504, for 2–6 s |
//! | Atlassian latency | every request waits 50–400 ms, for 2–6 s |
//! | Atlassian malformed JSON | the next request to one of the read endpoints the daemon uses gets `200` with a body that is not JSON |
//! | control plane unavailable | for 2–6 s, the first 1–4 calls of `GetTask`, `Heartbeat`, `FinishTask` or `UploadAsset` fail `UNAVAILABLE` |
//! | token refused | every access token expires now, and for 2–6 s the first 1–3 token requests answer 503 |
//! | upload cut | the next upload stream fails after its first chunk (unless the end of another control-plane fault clears it first) |
//!
//! A fault ends when its time is up, whether it fired or not: an outage lasts a while
//! however often the daemon calls. (A fault waiting for the daemon's next call would meet
//! a daemon backing off after the previous one, and keep it failing for ever.) Only the
//! upload cut waits for its upload: uploads come with the soak's sync tasks, whatever
//! the daemon's backoff.
//!
//! Malformed answers go to reads only: the simulator sends one instead of acting, and a
//! `200` for a write that was not made is not a fault any client could notice (a real
//! garbled answer to a write comes after the write).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sim::atlassian::{Fault, endpoints as ep};
use sim::controlplane::{Method, Times};

use super::super::Simulators;
use super::rng::Rng;

/// The shortest and longest pause between two faults, seconds.
const PAUSE_SECS: (u64, u64) = (3, 8);
/// The shortest and longest fault, seconds.
const FAULT_SECS: (u64, u64) = (2, 6);

/// The reads of the daemon's grants, revokes, account creations and syncs.
const READS: [&str; 6] = [
    ep::USER_ROLE_ASSIGNMENTS,
    ep::USERS,
    ep::USERS_SEARCH,
    ep::WORKSPACES,
    ep::GROUPS,
    ep::DIRECTORIES,
];

/// gRPC's `UNAVAILABLE`, as the control plane's faults answer.
const UNAVAILABLE: i32 = 14;

/// A kind of fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// Atlassian answers 429 with `Retry-After`.
    RateLimitStorm,
    /// Atlassian answers 5xx.
    ServerErrors,
    /// Atlassian answers slowly.
    Latency,
    /// Atlassian answers `200` with a body that is not JSON.
    MalformedJson,
    /// ConductorOne calls fail `UNAVAILABLE`.
    ControlPlaneUnavailable,
    /// Access tokens expire and token requests are refused.
    TokenRefused,
    /// An upload stream is cut.
    UploadCut,
}

impl FaultKind {
    const ALL: [FaultKind; 7] = [
        FaultKind::RateLimitStorm,
        FaultKind::ServerErrors,
        FaultKind::Latency,
        FaultKind::MalformedJson,
        FaultKind::ControlPlaneUnavailable,
        FaultKind::TokenRefused,
        FaultKind::UploadCut,
    ];

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::RateLimitStorm => "Atlassian 429 storm",
            FaultKind::ServerErrors => "Atlassian 5xx burst",
            FaultKind::Latency => "Atlassian latency",
            FaultKind::MalformedJson => "Atlassian malformed JSON",
            FaultKind::ControlPlaneUnavailable => "control plane UNAVAILABLE",
            FaultKind::TokenRefused => "token expired and refused",
            FaultKind::UploadCut => "upload cut",
        }
    }
}

/// Picks and injects the faults.
pub struct Chaos {
    rng: Rng,
    next_fault: Instant,
    /// When the Atlassian fault in force ends.
    atlassian_until: Option<Instant>,
    /// When the control-plane faults in force end.
    control_plane_until: Option<Instant>,
    injected: BTreeMap<FaultKind, u64>,
}

impl Chaos {
    /// The first fault comes after a pause from `now`.
    pub fn new(seed: u64, now: Instant) -> Chaos {
        let mut rng = Rng::new(seed);
        let next_fault = now + pause(&mut rng);
        Chaos {
            rng,
            next_fault,
            atlassian_until: None,
            control_plane_until: None,
            injected: BTreeMap::new(),
        }
    }

    /// Ends the faults whose time is up, and injects the next fault when due.
    pub fn step(&mut self, now: Instant, sims: &Simulators) {
        if self.atlassian_until.is_some_and(|until| now >= until) {
            sims.atlassian.clear_faults();
            self.atlassian_until = None;
        }
        if self.control_plane_until.is_some_and(|until| now >= until) {
            sims.c1.clear_faults();
            self.control_plane_until = None;
        }
        if now < self.next_fault {
            return;
        }
        let kind = FaultKind::ALL[self.rng.index(FaultKind::ALL.len())];
        self.inject(kind, now, sims);
        *self.injected.entry(kind).or_default() += 1;
        self.next_fault = now + pause(&mut self.rng);
    }

    /// Removes every fault (before the final drain).
    pub fn calm(&mut self, sims: &Simulators) {
        sims.atlassian.clear_faults();
        sims.c1.clear_faults();
        self.atlassian_until = None;
        self.control_plane_until = None;
    }

    /// How many faults of each kind were injected.
    pub fn injected(&self) -> &BTreeMap<FaultKind, u64> {
        &self.injected
    }

    fn inject(&mut self, kind: FaultKind, now: Instant, sims: &Simulators) {
        let rng = &mut self.rng;
        let window = Duration::from_secs(rng.between(FAULT_SECS.0, FAULT_SECS.1));
        let endpoint = match kind {
            FaultKind::MalformedJson => READS[rng.index(READS.len())],
            _ => "*",
        };
        let atlassian = match kind {
            FaultKind::RateLimitStorm => Some(Fault::error(429).rate(0.5).retry_after(1)),
            FaultKind::ServerErrors => {
                let status = [500, 502, 503, 504][rng.index(4)];
                Some(Fault::error(status).rate(0.3))
            }
            FaultKind::Latency => Some(Fault::latency(Duration::from_millis(rng.between(50, 400)))),
            FaultKind::MalformedJson => Some(Fault::malformed().times(1)),
            FaultKind::ControlPlaneUnavailable => {
                let method = [
                    Method::GetTask,
                    Method::Heartbeat,
                    Method::FinishTask,
                    Method::UploadAsset,
                ][rng.index(4)];
                let times = Times::Next(rng.between(1, 4) as u32);
                sims.c1.fail_calls(method, UNAVAILABLE.into(), times);
                None
            }
            FaultKind::TokenRefused => {
                sims.c1
                    .refuse_tokens(503, Times::Next(rng.between(1, 3) as u32));
                sims.c1.expire_all_tokens();
                None
            }
            FaultKind::UploadCut => {
                sims.c1.cut_next_upload();
                return;
            }
        };
        match atlassian {
            Some(fault) => {
                sims.atlassian.set_fault(endpoint, fault);
                self.atlassian_until = Some(now + window);
            }
            // Clearing ends every control-plane fault at once: the last to end decides.
            None => {
                let until = now + window;
                self.control_plane_until =
                    Some(self.control_plane_until.map_or(until, |u| u.max(until)));
            }
        }
    }
}

fn pause(rng: &mut Rng) -> Duration {
    Duration::from_secs(rng.between(PAUSE_SECS.0, PAUSE_SECS.1))
}
