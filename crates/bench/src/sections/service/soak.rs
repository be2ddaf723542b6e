//! `bench soak` (`make soak`): the daemon in service mode against both simulators for a
//! bounded time, with random faults, as a benchmark that reports rather than judges.
//!
//! The control-plane simulator hands a task out again when its `FinishTask` has not come
//! [`TASK_LEASE`] after it was handed out, as ConductorOne does.
//!
//! Tasks are pushed at a steady rate (at most [`MAX_OUTSTANDING`] waiting or running):
//! grants and revokes of a workspace role on [`PAIRS`] user and workspace pairs,
//! account creations (see [`workload`]), a `sync_full` task every [`SYNC_TASK_EVERY`],
//! while the daemon also runs its own scheduled syncs every [`SCHEDULED_SYNC_INTERVAL`].
//! Every few seconds a fault is injected (see [`chaos`]). The daemon's `VmRSS` is sampled
//! every [`SAMPLE_EVERY`]. When the time is up the faults stop, the queue drains, and the
//! daemon is stopped with SIGTERM.
//!
//! The report gives the tasks done by type, the faults injected, errors by kind, the
//! memory over time and whether it stayed flat after warm-up (see [`memory`]); the figures
//! also go to `target/bench/soak.json`, the daemon's log to `target/bench/soak-daemon.log`.
//! The run fails (non-zero exit) only when the
//! daemon crashed or did not stop cleanly, a task was lost (never finished) or finished
//! twice, or a finished task's outcome contradicts the simulators' ground truth.

mod chaos;
mod errors;
mod memory;
mod report;
mod rng;
mod workload;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sim::controlplane::{CallRecord, FinishRecord, Records, TokenRequestRecord};

use super::{Context, PROGRAM, Simulators, daemon::Daemon, grant_pairs, progress};
use bench::procfs;
use chaos::Chaos;
use errors::Errors;
use memory::Sample;
use report::Summary;
use rng::Rng;
use workload::Workload;

/// The soak's name in progress lines.
const SECTION: &str = "soak";
/// The daemon's host id.
const HOST: &str = "bench-soak";
/// User and workspace pairs the role goes back and forth on.
const PAIRS: usize = 400;
/// Task slots of the daemon.
const SLOTS: &str = "4";
/// The daemon's poll floor when no task waits.
const POLL_FLOOR: &str = "50ms";
/// The daemon's own scheduled syncs.
const SCHEDULED_SYNC_INTERVAL: &str = "30s";
/// Snapshots kept: enough to keep every scheduled sync of a long soak, so they count.
const SNAPSHOT_RETENTION: &str = "10000";
/// How often a `sync_full` task is pushed.
const SYNC_TASK_EVERY: Duration = Duration::from_secs(20);
/// Tasks waiting or running at most; beyond, pushing pauses.
const MAX_OUTSTANDING: usize = 64;
/// The driver's step.
const TICK: Duration = Duration::from_millis(100);
/// How often the daemon's memory is read.
const SAMPLE_EVERY: Duration = Duration::from_secs(2);
/// How often a progress line is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(30);
/// How long the control plane waits for a task's `FinishTask` before handing it out again.
const TASK_LEASE: Duration = Duration::from_secs(60);
/// The longest wait for the last tasks once the faults have stopped: long enough for a
/// task whose outcome was lost to be handed out again.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(180);
/// The longest wait for the simulators' records.
const RECORDS_TIMEOUT: Duration = Duration::from_secs(10);

/// Options of `bench soak`.
#[derive(Clone, Debug, clap::Args)]
pub struct SoakArgs {
    /// How long tasks are pushed and faults injected, in seconds (the queue then drains
    /// without faults)
    #[arg(long, default_value_t = 600)]
    pub seconds: u64,
    /// Tasks pushed per second (grants, revokes, account creations; sync tasks come on top)
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// Seed of the random tasks and faults
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Inject no faults: the same load as a baseline
    #[arg(long)]
    pub no_faults: bool,
}

/// Runs the soak, prints its report and writes it to `results`; whether it passed.
pub fn run(context: &Context, args: &SoakArgs, results: &Path) -> anyhow::Result<bool> {
    let program = context.program(PROGRAM).map_err(anyhow::Error::msg)?;
    progress(SECTION, "starting the simulators");
    let sims = Simulators::start(context, Some(TASK_LEASE))?;
    let outcome = soak(context, args, &program, &sims);
    sims.stop(context);
    let summary = outcome?;
    print!("{}", report::render(&summary));
    report::write_json(&summary, results)?;
    let log = results.with_file_name("soak-daemon.log");
    std::fs::write(&log, &summary.daemon_log)
        .with_context(|| format!("could not write {}", log.display()))?;
    eprintln!("bench: soak results written to {}", results.display());
    Ok(summary.passed())
}

/// Starts the daemon, drives it for the time asked, drains and stops it.
fn soak(
    context: &Context,
    args: &SoakArgs,
    program: &Path,
    sims: &Simulators,
) -> anyhow::Result<Summary> {
    let org = sims.atlassian.snapshot();
    let pairs = grant_pairs(&org, PAIRS)?;
    let snapshots = context.scratch_file("soak-snapshots");
    std::fs::create_dir_all(&snapshots)
        .with_context(|| format!("could not create {}", snapshots.display()))?;
    let snapshot_dir = snapshots.to_string_lossy().into_owned();
    let settings = [
        ("BATON_TASK_CONCURRENCY", SLOTS),
        ("BATON_POLL_FLOOR", POLL_FLOOR),
        ("BATON_SYNC_INTERVAL", SCHEDULED_SYNC_INTERVAL),
        ("BATON_SNAPSHOT_DIR", snapshot_dir.as_str()),
        ("BATON_SNAPSHOT_RETENTION", SNAPSHOT_RETENTION),
    ];
    let mut daemon = sims.spawn(context, program, HOST, &settings)?;
    sims.wait_for_first_poll(&mut daemon, context, HOST)?;
    progress(
        SECTION,
        &format!(
            "{} s of tasks at {}/s {}, seed {}",
            args.seconds,
            args.rate,
            if args.no_faults {
                "without faults"
            } else {
                "with faults"
            },
            args.seed
        ),
    );
    let mut driver = Driver {
        context,
        sims,
        workload: Workload::new(pairs, &format!("soak{}", args.seed)),
        chaos: Chaos::new(args.seed, Instant::now()),
        rng: Rng::new(args.seed ^ 0x5EED),
        errors: Errors::default(),
        samples: Vec::new(),
        cursor: Cursor::default(),
        uploads: HashMap::new(),
        started: Instant::now(),
        spawned: daemon.started,
    };
    let crash = driver.drive(&mut daemon, args).err();
    let log_path = daemon.log_path().to_owned();
    let crash = crash.or_else(|| daemon.stop().err());
    driver.collect().ok();
    driver.errors.atlassian(&sims.atlassian.stats());
    let daemon_log = std::fs::read_to_string(&log_path).unwrap_or_default();
    driver.errors.daemon_log(&daemon_log);
    Ok(Summary {
        seconds: args.seconds,
        rate: args.rate,
        seed: args.seed,
        faulty: !args.no_faults,
        users: org.users.len(),
        pairs: PAIRS,
        slots: SLOTS,
        elapsed: driver.started.elapsed(),
        lost: driver.workload.outstanding_ids(),
        scheduled_snapshots: count_files(&snapshots),
        faults: driver.chaos.injected().clone(),
        crash: crash.map(|e| format!("{e:#}")),
        samples: driver.samples,
        daemon_log,
        workload: driver.workload,
        errors: driver.errors,
    })
}

/// How far the simulators' records have been read.
#[derive(Clone, Copy, Debug, Default)]
struct Cursor {
    finishes: usize,
    calls: usize,
    token_requests: usize,
    uploads: usize,
    get_tasks: usize,
}

/// Records added since the cursor.
struct Fresh {
    finishes: Vec<FinishRecord>,
    refused_calls: Vec<CallRecord>,
    refused_tokens: Vec<TokenRequestRecord>,
    uploaded_tasks: Vec<String>,
    handed_out: Vec<String>,
    cursor: Cursor,
}

impl Fresh {
    fn since(records: &Records, from: Cursor) -> Fresh {
        Fresh {
            finishes: records.finishes[from.finishes..].to_vec(),
            refused_calls: records.calls[from.calls..]
                .iter()
                .filter(|c| c.code as i32 != 0)
                .cloned()
                .collect(),
            refused_tokens: records.token_requests[from.token_requests..]
                .iter()
                .filter(|t| !t.granted)
                .cloned()
                .collect(),
            uploaded_tasks: records.uploads[from.uploads..]
                .iter()
                .map(|u| u.task_id.clone())
                .collect(),
            handed_out: records.get_tasks[from.get_tasks..]
                .iter()
                .filter_map(|g| g.task_id.clone())
                .collect(),
            cursor: Cursor {
                finishes: records.finishes.len(),
                calls: records.calls.len(),
                token_requests: records.token_requests.len(),
                uploads: records.uploads.len(),
                get_tasks: records.get_tasks.len(),
            },
        }
    }
}

/// The soak's moving parts.
struct Driver<'a> {
    context: &'a Context,
    sims: &'a Simulators,
    workload: Workload,
    chaos: Chaos,
    rng: Rng,
    errors: Errors,
    samples: Vec<Sample>,
    cursor: Cursor,
    /// Complete uploads per task.
    uploads: HashMap<String, usize>,
    started: Instant,
    /// When the daemon was spawned (memory samples count from there).
    spawned: std::time::SystemTime,
}

impl Driver<'_> {
    /// Pushes tasks and injects faults for `args.seconds`, then lets the queue drain
    /// without faults; fails when the daemon exits.
    fn drive(&mut self, daemon: &mut Daemon, args: &SoakArgs) -> anyhow::Result<()> {
        let end = self.started + Duration::from_secs(args.seconds);
        let mut credit = 0.0;
        let mut next_sync = self.started;
        let mut next_sample = self.started;
        let mut next_progress = self.started + PROGRESS_EVERY;
        let mut last = Instant::now();
        loop {
            let now = Instant::now();
            if now >= end {
                break;
            }
            credit = (credit + args.rate * now.duration_since(last).as_secs_f64()).min(args.rate);
            last = now;
            if now >= next_sync {
                self.workload.push_sync(&self.sims.c1);
                next_sync += SYNC_TASK_EVERY;
            }
            while credit >= 1.0 && self.workload.outstanding() < MAX_OUTSTANDING {
                credit -= 1.0;
                self.workload.push_random(&mut self.rng, &self.sims.c1);
            }
            if !args.no_faults {
                self.chaos.step(now, self.sims);
            }
            self.collect()?;
            self.watch(daemon, now, &mut next_sample)?;
            if now >= next_progress {
                self.progress(now);
                next_progress += PROGRESS_EVERY;
            }
            std::thread::sleep(TICK);
        }
        self.chaos.calm(self.sims);
        progress(
            SECTION,
            &format!(
                "time is up: faults stopped, draining {} outstanding tasks",
                self.workload.outstanding()
            ),
        );
        let drained_by = Instant::now() + DRAIN_TIMEOUT;
        while self.workload.outstanding() > 0 && Instant::now() < drained_by {
            self.collect()?;
            self.watch(daemon, Instant::now(), &mut next_sample)?;
            std::thread::sleep(TICK);
        }
        Ok(())
    }

    /// Samples the daemon's memory when due; fails when it has exited.
    fn watch(
        &mut self,
        daemon: &mut Daemon,
        now: Instant,
        next_sample: &mut Instant,
    ) -> anyhow::Result<()> {
        daemon.check_running()?;
        if now >= *next_sample {
            let bytes = procfs::resident_bytes(daemon.pid())?;
            let at_secs = self.spawned.elapsed().unwrap_or_default().as_secs_f64();
            self.samples.push(Sample { at_secs, bytes });
            *next_sample += SAMPLE_EVERY;
        }
        Ok(())
    }

    /// Reads the records added since the last call: settles finished tasks against the
    /// ground truth and counts refused calls and token requests.
    fn collect(&mut self) -> anyhow::Result<()> {
        let from = self.cursor;
        let fresh = self.context.block_on(self.sims.c1.wait_for(
            RECORDS_TIMEOUT,
            "the control plane's records",
            |records| Some(Fresh::since(records, from)),
        ))?;
        self.cursor = fresh.cursor;
        for task in fresh.uploaded_tasks {
            *self.uploads.entry(task).or_default() += 1;
        }
        for task in &fresh.handed_out {
            self.workload.handed_out(task);
        }
        fresh
            .refused_calls
            .iter()
            .for_each(|c| self.errors.refused_call(c));
        fresh
            .refused_tokens
            .iter()
            .for_each(|t| self.errors.refused_token(t));
        let finishes: Vec<&FinishRecord> = fresh
            .finishes
            .iter()
            .filter(|f| f.host_id == HOST)
            .collect();
        if finishes.is_empty() {
            return Ok(());
        }
        // A copy taken under the simulator's read lock, after the finishes were recorded.
        let org = self.sims.atlassian.snapshot();
        for finish in finishes {
            let uploaded = self.uploads.get(&finish.task_id).copied().unwrap_or(0);
            let kind = self.workload.settle(finish, &org, uploaded);
            if let Some(kind) = kind.filter(|_| !finish.success) {
                self.errors.task_failed(kind, finish);
            }
        }
        Ok(())
    }

    /// A progress line: time, tasks finished, outstanding, faults, memory.
    fn progress(&self, now: Instant) {
        let (done, failed) = self.workload.counts().values().fold((0, 0), |(d, f), c| {
            (d + c.succeeded + c.failed, f + c.failed)
        });
        let rss = self.samples.last().map_or(0.0, |s| s.bytes as f64 / 1e6);
        let faults: u64 = self.chaos.injected().values().sum();
        progress(
            SECTION,
            &format!(
                "{}: {done} tasks finished ({failed} failed), {} outstanding, {faults} faults, \
                 RSS {rss:.1} MB",
                report::clock(now.duration_since(self.started)),
                self.workload.outstanding(),
            ),
        );
    }
}

/// Files in `folder` (0 if it cannot be read).
fn count_files(folder: &Path) -> usize {
    std::fs::read_dir(folder).map_or(0, |entries| entries.count())
}
