//! Service mode: the `baton-atlassian` daemon (`serve`) polls the ConductorOne
//! control-plane simulator and runs grant tasks against the Atlassian simulator, both
//! served by the driver, which reads their records directly.
//!
//! - **Idle**: with no task queued (the default 1 s poll floor), the time from spawning
//!   the daemon to its first `GetTask` (information; readiness is due within 100 ms), its
//!   resident memory after 3 s (below 20 MB) and its CPU time over the next 5 s (below
//!   1 % of one core).
//! - **Grant overhead**: 300 grants, one task slot so none waits behind another; per task
//!   the time from the `GetTask` that delivered it to its `FinishTask` (both as the
//!   control plane recorded them), p50 and p99 within 5 ms. The Atlassian simulator records
//!   when requests arrive, not how long it took to answer them, so nothing is subtracted:
//!   the figure includes the task's Atlassian requests and their loopback round trips.
//! - **Drain**: 1,000 grants queued at once, three task slots, the Atlassian simulator
//!   limited to 100 requests per second (a bucket of 100, so `X-RateLimit-Limit` is the
//!   requests of one second): the time to finish them all within 1.1 times the least the
//!   limit allows, and the 429s seen. That least time is the requests they needed, less
//!   the full bucket's burst, over the rate.
//!
//! Every grant is of a workspace role that needs no licence seat to an active user not
//! holding it, picked from the simulator's ground truth, so each one succeeds and changes
//! something. The polls that find a task wait the control plane's `next_poll` of zero;
//! the grant runs use `--poll-floor 10ms` for the idle polls between them.

mod daemon;
pub mod soak;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, bail, ensure};
use sim::atlassian::{AtlassianSim, Org, Principal, RateLimit, roles, valid_roles};
use sim::controlplane::{ControlPlaneConfig, ControlPlaneSim, IssuedCredentials, Records, tasks};

use super::{Context, progress};
use bench::measure;
use bench::procfs;
use bench::report::{Line, Row, Target, Unit};
use bench::stats::percentile;
use daemon::Daemon;

/// The daemon, below the binaries' folder.
const PROGRAM: &str = "baton-atlassian";
/// The section's name in the report.
const SECTION: &str = "service";
/// Users of the simulated organization: enough to give every grant its own user and
/// workspace pair.
const USERS: usize = 2_000;
/// The role granted: every Jira workspace offers it, and it takes no licence seat.
const ROLE: &str = roles::USER_ACCESS_ADMIN;

/// The readiness goal the time to the first poll is shown against, milliseconds.
const READY_REFERENCE_MS: f64 = 100.0;
/// Idle polling before the memory is read.
const IDLE_SETTLE: Duration = Duration::from_secs(3);
/// The window the idle CPU time is measured over.
const IDLE_CPU_WINDOW: Duration = Duration::from_secs(5);
/// The idle daemon's resident memory must stay below 20 MB.
const IDLE_RSS_LIMIT_BYTES: f64 = 20e6;
/// "Near zero": the idle daemon may use at most 1 % of one core.
const IDLE_CPU_LIMIT_PERCENT: f64 = 1.0;

/// Grants of the overhead run.
const OVERHEAD_TASKS: usize = 300;
/// A task's poll-to-finish time must stay within 5 ms (p99).
const OVERHEAD_LIMIT_MS: f64 = 5.0;
/// Grants of the drain run.
const DRAIN_TASKS: usize = 1_000;
/// Task slots of the drain run.
const DRAIN_SLOTS: &str = "3";
/// The Atlassian simulator's limit during the drain: 100 requests per second, at most one
/// second's worth at once.
const DRAIN_RATE_LIMIT: RateLimit = RateLimit {
    per_second: 100.0,
    burst: 100,
};
/// The drain may take at most 1.1 times the least the rate limit allows.
const DRAIN_OVER_MINIMUM: f64 = 1.1;
/// The idle poll floor of the grant runs.
const GRANT_POLL_FLOOR: &str = "10ms";

/// The longest wait for the daemon's first poll.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest wait for a run's tasks to finish.
const TASKS_TIMEOUT: Duration = Duration::from_secs(600);
/// How often a wait checks that the daemon is still running.
const ALIVE_CHECK: Duration = Duration::from_secs(1);

/// Runs the three measurements against one pair of simulators.
pub fn run(context: &Context) -> Vec<Line> {
    let failed = |error: anyhow::Error| {
        vec![Line::Failed {
            section: SECTION.to_owned(),
            error: format!("{error:#}"),
        }]
    };
    let program = match context.program(PROGRAM) {
        Ok(program) => program,
        Err(reason) => {
            let section = SECTION.to_owned();
            return vec![Line::Skipped { section, reason }];
        }
    };
    progress(SECTION, "starting the simulators");
    let sims = match Simulators::start(context, None) {
        Ok(sims) => sims,
        Err(error) => return failed(error),
    };
    let pairs = grant_pairs(&sims.atlassian.snapshot(), OVERHEAD_TASKS + DRAIN_TASKS);
    let mut lines = Vec::new();
    let mut add = |rows: anyhow::Result<Vec<Row>>| match rows {
        Ok(rows) => lines.extend(rows.into_iter().map(Line::Figure)),
        Err(error) => lines.extend(failed(error)),
    };
    add(idle(context, &program, &sims));
    match pairs {
        Ok(pairs) => {
            let (overhead_pairs, drain_pairs) = pairs.split_at(OVERHEAD_TASKS);
            add(overhead(context, &program, &sims, overhead_pairs));
            add(drain(context, &program, &sims, drain_pairs));
        }
        Err(error) => add(Err(error)),
    }
    sims.stop(context);
    lines
}

/// The idle daemon: time to its first poll, its memory, its CPU time.
fn idle(context: &Context, program: &Path, sims: &Simulators) -> anyhow::Result<Vec<Row>> {
    const HOST: &str = "bench-idle";
    progress(SECTION, "idle daemon");
    let mut daemon = sims.spawn(context, program, HOST, &[])?;
    let first_poll = sims.wait_for(&mut daemon, context, START_TIMEOUT, "a first poll", |r| {
        r.get_tasks.iter().find(|g| g.host_id == HOST).map(|g| g.at)
    })?;
    let to_first_poll = elapsed(daemon.started, first_poll);
    std::thread::sleep(IDLE_SETTLE);
    let pid = daemon.pid();
    let resident = procfs::resident_bytes(pid)?;
    let cpu_before = procfs::cpu_seconds(pid)?;
    let window = Instant::now();
    std::thread::sleep(IDLE_CPU_WINDOW);
    let cpu = procfs::cpu_seconds(pid)? - cpu_before;
    let cpu_percent = 100.0 * cpu / window.elapsed().as_secs_f64();
    daemon.check_running()?;
    daemon.stop()?;

    Ok(vec![
        Row::info(
            SECTION,
            "start to first poll",
            Unit::Milliseconds,
            to_first_poll,
        )
        .against(READY_REFERENCE_MS, Target::Info),
        Row::info(SECTION, "idle RSS vs 20 MB", Unit::Bytes, resident as f64)
            .against(IDLE_RSS_LIMIT_BYTES, Target::AtMost(1.0)),
        Row::info(
            SECTION,
            "idle CPU, % of one core",
            Unit::Percent,
            cpu_percent,
        )
        .against(IDLE_CPU_LIMIT_PERCENT, Target::AtMost(1.0)),
    ])
}

/// Grants run one at a time: how long each takes from delivery to finish.
fn overhead(
    context: &Context,
    program: &Path,
    sims: &Simulators,
    pairs: &[Pair],
) -> anyhow::Result<Vec<Row>> {
    const HOST: &str = "bench-overhead";
    let settings = [
        ("BATON_TASK_CONCURRENCY", "1"),
        ("BATON_POLL_FLOOR", GRANT_POLL_FLOOR),
    ];
    let mut daemon = sims.spawn(context, program, HOST, &settings)?;
    sims.wait_for_first_poll(&mut daemon, context, HOST)?;
    sims.atlassian.reset_stats();
    progress(SECTION, &format!("{} grants, one at a time", pairs.len()));
    let ids = sims.push_grants(pairs);
    let records = sims.wait_for_finishes(&mut daemon, context, HOST, ids.len())?;
    let requests = sims.atlassian.stats().total;
    daemon.stop()?;

    let mut overheads = Vec::with_capacity(ids.len());
    for id in &ids {
        let delivered = records
            .get_tasks
            .iter()
            .find(|g| g.task_id.as_deref() == Some(id.as_str()))
            .with_context(|| format!("task {id} was finished but never handed out"))?;
        let finished = records.finish_of(id).context("a finish went missing")?;
        overheads.push(elapsed(delivered.at, finished.at));
    }
    let p50 = percentile(&overheads, 50.0).context("no task ran")?;
    let p99 = percentile(&overheads, 99.0).context("no task ran")?;
    let per_grant = requests as f64 / ids.len() as f64;
    Ok(vec![
        succeeded(&records, &ids, "grants succeeded (one slot)"),
        Row::info(
            SECTION,
            "Atlassian requests per grant",
            Unit::Count,
            per_grant,
        ),
        Row::info(
            SECTION,
            "grant poll-to-finish p50 (incl. loopback)",
            Unit::Milliseconds,
            p50,
        )
        .against(OVERHEAD_LIMIT_MS, Target::AtMost(1.0)),
        Row::info(
            SECTION,
            "grant poll-to-finish p99 (incl. loopback)",
            Unit::Milliseconds,
            p99,
        )
        .against(OVERHEAD_LIMIT_MS, Target::AtMost(1.0)),
    ])
}

/// A queue of grants drained through three slots against a rate-limited organization.
fn drain(
    context: &Context,
    program: &Path,
    sims: &Simulators,
    pairs: &[Pair],
) -> anyhow::Result<Vec<Row>> {
    const HOST: &str = "bench-drain";
    let settings = [
        ("BATON_TASK_CONCURRENCY", DRAIN_SLOTS),
        ("BATON_POLL_FLOOR", GRANT_POLL_FLOOR),
    ];
    let mut daemon = sims.spawn(context, program, HOST, &settings)?;
    sims.wait_for_first_poll(&mut daemon, context, HOST)?;
    sims.atlassian.set_rate_limit(Some(DRAIN_RATE_LIMIT));
    sims.atlassian.reset_stats();
    progress(
        SECTION,
        &format!(
            "draining {} grants, {DRAIN_SLOTS} slots, {} requests/s",
            pairs.len(),
            DRAIN_RATE_LIMIT.per_second
        ),
    );
    let pushed = SystemTime::now();
    let ids = sims.push_grants(pairs);
    let records = sims.wait_for_finishes(&mut daemon, context, HOST, ids.len());
    let stats = sims.atlassian.stats();
    sims.atlassian.set_rate_limit(None);
    let records = records?;
    let peak = procfs::peak_resident_bytes(daemon.pid())?;
    daemon.stop()?;

    let last = ids
        .iter()
        .filter_map(|id| records.finish_of(id))
        .map(|f| f.at)
        .max()
        .context("no task finished")?;
    let seconds = elapsed(pushed, last) / 1000.0;
    let refused: u64 = stats
        .by_endpoint
        .values()
        .filter_map(|e| e.by_status.get(&429))
        .sum();
    let minimum = least_time(stats.total - refused, DRAIN_RATE_LIMIT);
    Ok(vec![
        succeeded(&records, &ids, "grants succeeded (drain)"),
        Row::info(
            SECTION,
            "1,000 grants drained, 3 slots, 100 req/s",
            Unit::Seconds,
            seconds,
        )
        .against(minimum, Target::AtMost(DRAIN_OVER_MINIMUM)),
        Row::info(
            SECTION,
            "429 answers while draining",
            Unit::Count,
            refused as f64,
        ),
        Row::info(SECTION, "peak RSS after draining", Unit::Bytes, peak as f64),
    ])
}

/// The least time, in seconds, `requests` take through a full token bucket of `limit`:
/// the first `burst` pass at once, the rest at the rate.
fn least_time(requests: u64, limit: RateLimit) -> f64 {
    requests.saturating_sub(u64::from(limit.burst)) as f64 / limit.per_second
}

/// How many of the tasks `ids` finished successfully, against how many there are.
fn succeeded(records: &Records, ids: &[String], what: &str) -> Row {
    let successes = ids
        .iter()
        .filter(|id| records.finish_of(id).is_some_and(|f| f.success))
        .count();
    Row::info(SECTION, what, Unit::Count, successes as f64).against(ids.len() as f64, Target::Equal)
}

/// Milliseconds from `from` to `to` (zero if `to` is earlier).
fn elapsed(from: SystemTime, to: SystemTime) -> f64 {
    to.duration_since(from).unwrap_or_default().as_secs_f64() * 1000.0
}

/// A grant of [`ROLE`]: the workspace id and the user's account id.
type Pair = (String, String);

/// `n` grants of [`ROLE`] that each change something: Jira workspaces offering the role,
/// active directory users not holding it there.
fn grant_pairs(org: &Org, n: usize) -> anyhow::Result<Vec<Pair>> {
    let users: Vec<&str> = org
        .users
        .iter()
        .filter(|u| u.is_active() && u.directory_id.is_some())
        .map(|u| u.account_id.as_str())
        .collect();
    let pairs: Vec<Pair> = org
        .workspaces
        .iter()
        .filter(|w| valid_roles(&w.product).contains(&ROLE))
        .flat_map(|w| users.iter().map(move |u| (w.id.as_str(), *u)))
        .filter(|(workspace, user)| !holds(org, user, workspace))
        .take(n)
        .map(|(workspace, user)| (workspace.to_owned(), user.to_owned()))
        .collect();
    ensure!(
        pairs.len() == n,
        "the simulated organization allows {} grants of {ROLE}, {n} are needed",
        pairs.len()
    );
    Ok(pairs)
}

/// Whether the user holds [`ROLE`] directly on the workspace.
fn holds(org: &Org, account_id: &str, workspace: &str) -> bool {
    org.roles_of(&Principal::User(account_id.to_owned()))
        .any(|row| row.resource_id == workspace && row.role == ROLE)
}

/// Both simulators, the daemon's ConductorOne credentials and the CA file it trusts.
struct Simulators {
    atlassian: AtlassianSim,
    c1: ControlPlaneSim,
    credentials: IssuedCredentials,
    ca_file: PathBuf,
}

impl Simulators {
    /// An organization of [`USERS`] accounts, and a control plane answering every poll
    /// with a `next_poll` of zero and handing a task out again `task_lease` after it was
    /// handed out unless finished (never with `None`).
    fn start(context: &Context, task_lease: Option<Duration>) -> anyhow::Result<Simulators> {
        let atlassian = context.start_sim(USERS)?;
        let config = ControlPlaneConfig {
            next_poll: Duration::ZERO,
            task_lease,
            ..ControlPlaneConfig::default()
        };
        let c1 = context
            .block_on(ControlPlaneSim::start(config))
            .context("could not start the control-plane simulator")?;
        let credentials = c1.issue_credentials();
        let ca_file = context.scratch_file("c1-ca.pem");
        c1.write_ca_pem(&ca_file)?;
        Ok(Simulators {
            atlassian,
            c1,
            credentials,
            ca_file,
        })
    }

    /// Stops both simulators.
    fn stop(self, context: &Context) {
        context.block_on(self.c1.shutdown());
        context.stop_sim(self.atlassian);
    }

    /// Starts `baton-atlassian serve` against both simulators with provisioning on, as
    /// host `host`, with the settings variables `settings`; its log goes to the scratch
    /// folder.
    fn spawn(
        &self,
        context: &Context,
        program: &Path,
        host: &str,
        settings: &[(&str, &str)],
    ) -> anyhow::Result<Daemon> {
        let mut command: Command = measure::command(program);
        command
            .arg("serve")
            .env("BATON_BASE_URL", self.atlassian.base_url().as_str())
            .env("BATON_ORGANIZATION_ID", self.atlassian.org_id())
            .env("BATON_CLIENT_ID", &self.credentials.client_id)
            .env("BATON_C1_CA_FILE", &self.ca_file)
            .env("BATON_HOST_ID", host)
            .env("BATON_PROVISIONING", "true")
            .env("BATON_LOG_LEVEL", "warn")
            // Secrets through the environment, out of the process list.
            .env("BATON_ACCESS_TOKEN", &self.atlassian.credentials().api_key)
            .env("BATON_CLIENT_SECRET", &self.credentials.client_secret)
            .envs(settings.iter().copied());
        Daemon::spawn(command, &context.scratch_file(&format!("{host}.log")))
    }

    /// Queues a grant task for each pair; their ids, in order.
    fn push_grants(&self, pairs: &[Pair]) -> Vec<String> {
        pairs
            .iter()
            .map(|(workspace, user)| {
                let entitlement = tasks::entitlement(
                    tasks::resource("workspace", workspace),
                    &format!("role:{ROLE}"),
                );
                self.c1
                    .push_task(tasks::grant(entitlement, tasks::resource("user", user)))
            })
            .collect()
    }

    /// Waits for the first poll of host `host`.
    fn wait_for_first_poll(
        &self,
        daemon: &mut Daemon,
        context: &Context,
        host: &str,
    ) -> anyhow::Result<()> {
        self.wait_for(daemon, context, START_TIMEOUT, "a first poll", |r| {
            r.get_tasks.iter().any(|g| g.host_id == host).then_some(())
        })
    }

    /// Waits until host `host` has finished `n` tasks; the records then.
    fn wait_for_finishes(
        &self,
        daemon: &mut Daemon,
        context: &Context,
        host: &str,
        n: usize,
    ) -> anyhow::Result<Records> {
        let what = format!("{n} finished tasks");
        self.wait_for(daemon, context, TASKS_TIMEOUT, &what, |r| {
            let finished = r.finishes.iter().filter(|f| f.host_id == host).count();
            (finished >= n).then_some(())
        })?;
        Ok(self.c1.records())
    }

    /// Waits until `found` gives something for the control plane's records; fails when
    /// `timeout` passes first or the daemon exits.
    fn wait_for<T>(
        &self,
        daemon: &mut Daemon,
        context: &Context,
        timeout: Duration,
        what: &str,
        found: impl Fn(&Records) -> Option<T>,
    ) -> anyhow::Result<T> {
        let deadline = Instant::now() + timeout;
        loop {
            let step = ALIVE_CHECK.min(deadline.saturating_duration_since(Instant::now()));
            if let Ok(value) = context.block_on(self.c1.wait_for(step, what, &found)) {
                return Ok(value);
            }
            daemon.check_running()?;
            if Instant::now() >= deadline {
                bail!(
                    "timed out after {timeout:?} waiting for {what}: {}",
                    daemon.log_tail()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grant_pairs_are_distinct_role_grants_that_change_something() {
        let org = sim::atlassian::generate(&sim::atlassian::OrgSpec {
            users: 200,
            seed: 3,
        });
        let pairs = grant_pairs(&org, 150).unwrap();

        let distinct: std::collections::BTreeSet<&Pair> = pairs.iter().collect();
        assert_eq!(distinct.len(), 150);
        for (workspace, user) in &pairs {
            let offered = org.workspaces.iter().find(|w| &w.id == workspace).unwrap();
            assert!(valid_roles(&offered.product).contains(&ROLE));
            let account = org.users.iter().find(|u| &u.account_id == user).unwrap();
            assert!(account.is_active() && account.directory_id.is_some());
            assert!(!holds(&org, user, workspace));
        }
        assert!(grant_pairs(&org, 1_000_000).is_err());
    }

    #[test]
    fn a_full_bucket_lets_its_burst_through_at_once_and_the_rest_at_the_rate() {
        let limit = RateLimit {
            per_second: 100.0,
            burst: 100,
        };
        assert_eq!(least_time(2_000, limit), 19.0);
        assert_eq!(least_time(50, limit), 0.0);
    }

    #[test]
    fn elapsed_times_are_milliseconds_and_never_negative() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(10);
        let later = start + Duration::from_micros(1_500);
        assert_eq!(elapsed(start, later), 1.5);
        assert_eq!(elapsed(later, start), 0.0);
    }
}
