//! Full sync: the `baton-atlassian` daemon syncs a simulated organization into a `.c1z`
//! file. Its wall time; peak RSS (below 150 MB, and the largest organization's within 1.3
//! times the 10k one's); the requests the simulator saw against the fewest the ground
//! truth allows; what it wrote against the ground truth; grants written per second; file
//! size.

use std::path::Path;
use std::process::Command;

use c1z::C1zReader;
use sim::atlassian::AtlassianSim;

use super::{Context, progress};
use crate::expected::{expected_from_ground_truth, teams_site_id};
use crate::minimum::minimum_requests;
use bench::measure;
use bench::report::{Line, Row, Target, Unit};
use bench::table;

/// The daemon, below the binaries' folder.
pub const PROGRAM: &str = "baton-atlassian";
/// Requests may exceed the minimum by 2 %.
const REQUESTS_OVER_MINIMUM: f64 = 1.02;
/// Peak RSS must stay below 150 MB.
const PEAK_RSS_LIMIT_BYTES: f64 = 150e6;
/// The largest organization's peak RSS may be at most 1.3 times the peak at ...
const PEAK_RSS_GROWTH: f64 = 1.3;
/// ... this many users, when that size ran.
const GROWTH_BASE_USERS: usize = 10_000;

/// What one sync gave.
struct Sync {
    rows: Vec<Row>,
    peak_rss_bytes: u64,
}

/// Syncs an organization of each of `sizes` users (ascending).
pub fn run(context: &Context, sizes: &[usize]) -> Vec<Line> {
    let program = match context.program(PROGRAM) {
        Ok(program) => program,
        Err(reason) => {
            let section = "sync".to_owned();
            return vec![Line::Skipped { section, reason }];
        }
    };
    let mut lines = Vec::new();
    let mut peaks = Vec::new();
    for &users in sizes {
        let section = section(users);
        match sync(context, &program, users, &section) {
            Ok(sync) => {
                lines.extend(sync.rows.into_iter().map(Line::Figure));
                peaks.push((users, sync.peak_rss_bytes));
            }
            Err(error) => lines.push(Line::Failed {
                section,
                error: format!("{error:#}"),
            }),
        }
    }
    let base = peaks.iter().find(|(users, _)| *users == GROWTH_BASE_USERS);
    if let (Some(&(small, at_small)), Some(&(large, at_large))) = (base, peaks.last())
        && large > small
    {
        let what = format!("peak RSS vs at {}", table::users(small));
        let row = Row::info(&section(large), &what, Unit::Bytes, at_large as f64);
        lines.push(Line::Figure(
            row.against(at_small as f64, Target::AtMost(PEAK_RSS_GROWTH)),
        ));
    }
    lines
}

/// The one-shot sync of `sim`'s organization (with teams of `site`) into `file`.
pub fn command(program: &Path, sim: &AtlassianSim, site: &str, file: &Path) -> Command {
    let credentials = sim.credentials();
    let mut command = measure::command(program);
    command
        .arg("--file")
        .arg(file)
        .args(["--base-url", sim.base_url().as_str()])
        .args(["--organization-id", &sim.org_id()])
        .args(["--teams-email", &credentials.teams_email])
        .args(["--teams-site-id", site])
        .args(["--log-level", "warn"])
        // Secrets through the environment, out of the process list.
        .env("BATON_ACCESS_TOKEN", &credentials.api_key)
        .env("BATON_TEAMS_API_TOKEN", &credentials.teams_api_token);
    command
}

/// `sync 10k`.
fn section(users: usize) -> String {
    format!("sync {}", table::users(users))
}

/// What a full sync of `sim`'s organization must do: the minimum number of requests, the
/// objects it must write, and the Teams site id to give the daemon.
pub(super) fn ground_truth(sim: &AtlassianSim) -> (u64, usize, String) {
    let truth = sim.snapshot();
    let expected = expected_from_ground_truth(&truth, &sim.org_id(), true);
    let minimum: u64 = minimum_requests(&truth).values().sum();
    let objects = expected.resources.len() + expected.entitlements.len() + expected.grants.len();
    (minimum, objects, teams_site_id(&truth))
}

fn sync(context: &Context, program: &Path, users: usize, section: &str) -> anyhow::Result<Sync> {
    progress(section, "starting the simulator");
    let sim = context.start_sim(users)?;
    let (minimum, expected, site) = ground_truth(&sim);
    let file = context.scratch_file(&format!("sync-{users}.c1z"));
    let command = command(program, &sim, &site, &file);
    sim.reset_stats();
    progress(section, "syncing");
    let measured = context.measure(&command);
    let requests = sim.stats().total;
    context.stop_sim(sim);
    let measured = measured?;
    let file_bytes = std::fs::metadata(&file)?.len();
    let counts = C1zReader::open(&file)?.counts()?;
    std::fs::remove_file(&file)?;

    let seconds = measured.wall.as_secs_f64();
    let written = counts.resources + counts.entitlements + counts.grants;
    let peak = measured.peak_rss_bytes as f64;
    let row = |what: &str, unit, ours: f64| Row::info(section, what, unit, ours);
    Ok(Sync {
        rows: vec![
            row("wall time", Unit::Seconds, seconds),
            row("requests vs minimum", Unit::Count, requests as f64)
                .against(minimum as f64, Target::AtMost(REQUESTS_OVER_MINIMUM)),
            row(
                "objects written vs ground truth",
                Unit::Count,
                written as f64,
            )
            .against(expected as f64, Target::Equal),
            row(
                "grants written per second",
                Unit::PerSecond,
                counts.grants as f64 / seconds,
            ),
            row("peak RSS vs 150 MB", Unit::Bytes, peak)
                .against(PEAK_RSS_LIMIT_BYTES, Target::AtMost(1.0)),
            row("file size", Unit::Bytes, file_bytes as f64),
        ],
        peak_rss_bytes: measured.peak_rss_bytes,
    })
}
