//! Full sync under a rate limit: the simulator admits R requests per second per
//! credential (a token bucket of R, one second's worth: Atlassian publishes no figures,
//! and a deeper bucket only makes the target easier), and the sync must take at most 1.1
//! times the fewest requests the ground truth allows over R, with at most 1 % of its
//! requests answered 429.
//!
//! The target is stated for a 20k-user organization at R = 10 and R = 100. At R = 10 that
//! sync needs about 37 minutes, so the routine run measures R = 100 on 20k users and
//! R = 10 on 2k users (the same bound, applied to that organization's minimum; both take
//! about 220 s); `--full-rate-limit` runs 20k users at both rates. The simulator answers
//! at once on loopback, where Atlassian takes a good 100 ms: a third case adds 150 ms to
//! every answer, so that requests in flight stand between the budget a response reports
//! and the one the client spends (a smaller organization: 8 requests in flight at 150 ms
//! allow 53 a second, so only the 10/s limit is reachable).

use std::path::Path;
use std::time::Duration;

use c1z::C1zReader;
use sim::atlassian::{Fault, RateLimit};

use super::{Context, progress, sync};
use crate::minimum::minimum_requests;
use bench::report::{Line, Row, Target, Unit};
use bench::table;

/// The sync may take at most 1.1 times the minimum requests over the rate.
const WALL_OVER_LEAST: f64 = 1.1;
/// At most 1 % of its requests may be answered 429.
const REFUSED_PERCENT: f64 = 1.0;
/// HTTP 429 Too Many Requests.
const TOO_MANY_REQUESTS: u16 = 429;

/// One rate-limited sync: an organization of `users` accounts at `per_second` requests
/// per second, each answer `latency_ms` late.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Case {
    /// Accounts in the organization.
    pub users: usize,
    /// Requests per second the simulator admits (also its bucket size).
    pub per_second: u32,
    /// Added to every answer's time, milliseconds.
    pub latency_ms: u64,
}

/// The target's 20k users at 100/s.
const AT_100: Case = Case {
    users: 20_000,
    per_second: 100,
    latency_ms: 0,
};
/// Answers 150 ms late, as from Atlassian rather than from loopback.
const LATE: Case = Case {
    users: 500,
    per_second: 10,
    latency_ms: 150,
};
/// The routine run: the target's 20k users at 100/s, 10/s on 2k users, and 10/s with
/// late answers (about 8 minutes).
const ROUTINE: [Case; 3] = [
    AT_100,
    Case {
        users: 2_000,
        per_second: 10,
        latency_ms: 0,
    },
    LATE,
];
/// `--quick`: smaller organizations.
const QUICK: [Case; 3] = [
    Case {
        users: 2_000,
        ..AT_100
    },
    Case {
        users: 200,
        per_second: 10,
        latency_ms: 0,
    },
    Case { users: 200, ..LATE },
];
/// `--full-rate-limit`: the target as stated, 20k users at both rates, and the late
/// answers (about 45 minutes).
const FULL: [Case; 3] = [
    AT_100,
    Case {
        per_second: 10,
        ..AT_100
    },
    LATE,
];

/// The cases to run.
pub fn cases(quick: bool, full: bool) -> &'static [Case] {
    match (quick, full) {
        (_, true) => &FULL,
        (true, false) => &QUICK,
        (false, false) => &ROUTINE,
    }
}

/// Runs each of `cases`.
pub fn run(context: &Context, cases: &[Case]) -> Vec<Line> {
    let program = match context.program(sync::PROGRAM) {
        Ok(program) => program,
        Err(reason) => {
            let section = "rate limit".to_owned();
            return vec![Line::Skipped { section, reason }];
        }
    };
    let mut lines = Vec::new();
    for case in cases {
        let section = section(case);
        match measure(context, &program, case, &section) {
            Ok(rows) => lines.extend(rows.into_iter().map(Line::Figure)),
            Err(error) => lines.push(Line::Failed {
                section,
                error: format!("{error:#}"),
            }),
        }
    }
    lines
}

/// `rate limit 20k @ 100/s`, `rate limit 500 @ 10/s +150 ms`.
fn section(case: &Case) -> String {
    let late = match case.latency_ms {
        0 => String::new(),
        ms => format!(" +{ms} ms"),
    };
    format!(
        "rate limit {} @ {}/s{late}",
        table::users(case.users),
        case.per_second
    )
}

/// The simulator's limit for `case`: `per_second`, with a bucket of one second's worth.
fn limit(case: &Case) -> RateLimit {
    RateLimit {
        per_second: f64::from(case.per_second),
        burst: case.per_second.max(1),
    }
}

fn measure(
    context: &Context,
    program: &Path,
    case: &Case,
    section: &str,
) -> anyhow::Result<Vec<Row>> {
    progress(section, "starting the simulator");
    let sim = context.start_limited_sim(case.users, Some(limit(case)))?;
    let (minimum, expected, site) = sync::ground_truth(&sim);
    if case.latency_ms > 0 {
        let late = Fault::latency(Duration::from_millis(case.latency_ms));
        for endpoint in minimum_requests(&sim.snapshot()).keys() {
            sim.set_fault(endpoint, late.clone());
        }
    }
    let least = minimum as f64 / f64::from(case.per_second);
    let file = context.scratch_file(&format!("rate-limited-{}.c1z", case.users));
    let command = sync::command(program, &sim, &site, &file);
    sim.reset_stats();
    progress(
        section,
        &format!("syncing: {minimum} requests at least, {least:.0} s at the rate"),
    );
    let measured = context.measure(&command);
    let stats = sim.stats();
    context.stop_sim(sim);
    let measured = measured?;
    let counts = C1zReader::open(&file)?.counts()?;
    std::fs::remove_file(&file)?;

    let refused: u64 = stats
        .by_endpoint
        .values()
        .filter_map(|e| e.by_status.get(&TOO_MANY_REQUESTS))
        .sum();
    let written = counts.resources + counts.entitlements + counts.grants;
    let row = |what: &str, unit, ours: f64| Row::info(section, what, unit, ours);
    Ok(vec![
        row(
            "wall vs minimum requests / R",
            Unit::Seconds,
            measured.wall.as_secs_f64(),
        )
        .against(least, Target::AtMost(WALL_OVER_LEAST)),
        row(
            "requests answered 429 vs 1 %",
            Unit::Percent,
            percent(refused, stats.total),
        )
        .against(REFUSED_PERCENT, Target::AtMost(1.0)),
        row("requests vs minimum", Unit::Count, stats.total as f64)
            .against(minimum as f64, Target::Info),
        row(
            "objects written vs ground truth",
            Unit::Count,
            written as f64,
        )
        .against(expected as f64, Target::Equal),
    ])
}

/// `part` as a percentage of `whole` (0 for nothing at all).
fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    100.0 * part as f64 / whole as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routine_cases_hold_the_target_at_100_per_second_and_smaller_orgs_at_10() {
        let routine = cases(false, false);
        assert_eq!(routine[0], AT_100);
        assert_eq!((routine[1].users, routine[1].per_second), (2_000, 10));
        assert!(routine.contains(&LATE));
        assert!(cases(false, true)[..2].iter().all(|c| c.users == 20_000));
        assert!(cases(true, false).iter().all(|c| c.users < 20_000));
        assert_eq!(section(&AT_100), "rate limit 20k @ 100/s");
        assert_eq!(section(&LATE), "rate limit 500 @ 10/s +150 ms");
    }

    #[test]
    fn the_bucket_holds_one_second_of_requests() {
        let limit = limit(&Case { users: 1, ..LATE });
        assert_eq!((limit.per_second, limit.burst), (10.0, 10));
    }

    #[test]
    fn shares_are_percentages_and_nothing_is_none() {
        assert_eq!(percent(1, 200), 0.5);
        assert_eq!(percent(0, 0), 0.0);
    }
}
