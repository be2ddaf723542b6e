//! `bench` (run by `make bench`): measures our programs, each as a child process so its
//! peak RSS is its own, against limits measured in the same run (the fewest requests the
//! simulator's ground truth allows, plain rusqlite writing the same rows, the 10k sync's
//! memory) and the Go SDK's published figures, and prints one table: our figure, the
//! limit or reference, their ratio, the target, ok or MISS.
//!
//! The measured programs sit beside the driver (`target/release/`): `baton-atlassian`,
//! `examples/list_users_bench`, `examples/write_reference`; a part whose program is not
//! built is skipped. The Atlassian simulator (and, for the service part, the ConductorOne
//! control-plane simulator) runs inside the driver, which reads its ground truth, request
//! counters and records directly. The service part samples the running daemon's memory
//! and CPU time from `/proc` instead of going through the launcher. Progress goes to
//! stderr, the table to stdout, and the results as JSON to `target/bench/results.json`.
//! The exit status is non-zero when a program failed or the results could not be written;
//! a missed target alone is reported, not an error.
//!
//! The rate-limit part syncs with the simulator admitting R requests per second; its
//! routine cases take about 8 minutes, and `--full-rate-limit` runs the target as stated
//! (20k users at 10/s too, about 45 minutes; see `sections::rate_limited`).
//!
//! `bench soak [--seconds N]` (run by `make soak`) is a different benchmark: the daemon
//! against both simulators with random faults for a bounded time, reporting tasks done,
//! errors by kind and its memory over time (see `sections::service::soak`).
//!
//! `bench __launch REPORT PROGRAM [ARGS...]` is the launcher the driver runs each program
//! through (see `bench::measure`); it is not meant to be called by hand.

#[path = "../../../tests/support/expected.rs"]
mod expected;
#[path = "../../../tests/support/minimum.rs"]
mod minimum;
mod sections;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;

use bench::measure;
use bench::report::{Line, Tally};
use bench::table;
use sections::Context;
use sections::service::soak::{self, SoakArgs};

/// Sizes of `--quick`: nothing at 100k.
const QUICK_SIZES: [usize; 2] = [2_000, 10_000];

/// Benchmarks of the Atlassian client, the full sync, the .c1z writer and service mode,
/// each figure beside its limit or reference.
#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Args {
    /// Numbers of users of the sync and c1z parts (comma-separated); the client part lists
    /// the largest
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10000,50000,100000",
        conflicts_with = "quick"
    )]
    sizes: Vec<usize>,
    /// Run one part only
    #[arg(long, value_enum)]
    only: Option<Part>,
    /// A fast check: sizes 2000 and 10000 (and smaller rate-limited organizations)
    #[arg(long)]
    quick: bool,
    /// The rate-limited sync as the target states it, 20k users at 10 requests per second
    /// too (about 40 minutes; the routine run holds a 2k-user organization to it at 10/s)
    #[arg(long, conflicts_with = "quick")]
    full_rate_limit: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Benchmarks other than the table's.
#[derive(Debug, Subcommand)]
enum Command {
    /// The daemon against both simulators with random faults for a bounded time: tasks
    /// done, errors by kind and its memory over time (`make soak`)
    Soak(SoakArgs),
}

/// A part of the bench.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Part {
    /// Listing users through the Atlassian client.
    Client,
    /// Full syncs through the daemon.
    Sync,
    /// The .c1z writer and reader on the reference dataset.
    C1z,
    /// The daemon in service mode: grant tasks from the control-plane simulator, idle cost.
    Service,
    /// Full syncs with the simulator rate-limited.
    RateLimit,
}

impl Args {
    /// The sizes to run, ascending, without repeats.
    fn sizes(&self) -> Vec<usize> {
        let mut sizes = if self.quick {
            QUICK_SIZES.to_vec()
        } else {
            self.sizes.clone()
        };
        sizes.sort_unstable();
        sizes.dedup();
        sizes
    }

    /// Whether `part` runs.
    fn runs(&self, part: Part) -> bool {
        self.only.is_none_or(|only| only == part)
    }
}

fn main() -> ExitCode {
    let mut arguments = std::env::args_os().skip(1);
    if arguments
        .next()
        .is_some_and(|first| first == measure::LAUNCH)
    {
        return measure::launch(&arguments.collect::<Vec<_>>());
    }
    let args = Args::parse();
    let outcome = match &args.command {
        Some(Command::Soak(soak)) => run_soak(soak),
        None => run(&args).map(|tally| tally.failed == 0),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<Tally> {
    let driver = std::env::current_exe().context("could not find the driver's executable")?;
    let results = results_path(&driver);
    let context = Context::new(driver)?;
    let sizes = args.sizes();
    let largest = *sizes.last().context("no sizes given")?;
    let mut lines = Vec::new();
    if args.runs(Part::Client) {
        lines.extend(sections::client::run(&context, largest));
    }
    if args.runs(Part::Sync) {
        lines.extend(sections::sync::run(&context, &sizes));
    }
    if args.runs(Part::C1z) {
        lines.extend(sections::c1z::run(&context, &sizes));
    }
    if args.runs(Part::Service) {
        lines.extend(sections::service::run(&context));
    }
    if args.runs(Part::RateLimit) {
        let cases = sections::rate_limited::cases(args.quick, args.full_rate_limit);
        lines.extend(sections::rate_limited::run(&context, cases));
    }
    print!("{}", table::render(&lines));
    write_results(&results, &sizes, &lines)?;
    eprintln!("bench: results written to {}", results.display());
    Ok(Tally::of(&lines))
}

/// Runs the soak; whether it passed.
fn run_soak(args: &SoakArgs) -> anyhow::Result<bool> {
    let driver = std::env::current_exe().context("could not find the driver's executable")?;
    let results = results_path(&driver).with_file_name("soak.json");
    soak::run(&Context::new(driver)?, args, &results)
}

/// `target/bench/results.json`, for a driver at `target/<profile>/bench`.
fn results_path(driver: &Path) -> PathBuf {
    let target = driver.ancestors().nth(2).unwrap_or(Path::new("."));
    target.join("bench").join("results.json")
}

fn write_results(path: &Path, sizes: &[usize], lines: &[Line]) -> anyhow::Result<()> {
    let results = json!({
        "sizes": sizes,
        "lines": lines.iter().map(Line::to_json).collect::<Vec<_>>(),
    });
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("could not create {}", folder.display()))?;
    }
    let text = serde_json::to_string_pretty(&results)?;
    std::fs::write(path, text + "\n").with_context(|| format!("could not write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("bench").chain(args.iter().copied()))
    }

    #[test]
    fn without_options_every_part_runs_at_10k_50k_and_100k() {
        let args = parse(&[]).unwrap();

        assert_eq!(args.sizes(), [10_000, 50_000, 100_000]);
        assert!(
            [
                Part::Client,
                Part::Sync,
                Part::C1z,
                Part::Service,
                Part::RateLimit
            ]
            .iter()
            .all(|p| args.runs(*p))
        );
    }

    #[test]
    fn quick_runs_2k_and_10k_and_only_picks_one_part() {
        let args = parse(&["--quick", "--only", "c1z"]).unwrap();

        assert_eq!(args.sizes(), [2_000, 10_000]);
        assert!(args.runs(Part::C1z) && !args.runs(Part::Sync) && !args.runs(Part::Client));
    }

    #[test]
    fn sizes_are_sorted_without_repeats_and_do_not_mix_with_quick() {
        let args = parse(&["--sizes", "50000,10000,50000"]).unwrap();
        assert_eq!(args.sizes(), [10_000, 50_000]);
        assert!(parse(&["--quick", "--sizes", "10"]).is_err());
    }

    #[test]
    fn the_full_rate_limit_run_is_a_flag_that_does_not_mix_with_quick() {
        let args = parse(&["--only", "rate-limit", "--full-rate-limit"]).unwrap();
        assert!(args.full_rate_limit && args.runs(Part::RateLimit) && !args.runs(Part::Sync));
        assert!(parse(&["--quick", "--full-rate-limit"]).is_err());
    }

    #[test]
    fn soak_is_a_subcommand_with_ten_minutes_by_default() {
        let Some(Command::Soak(soak)) = parse(&["soak"]).unwrap().command else {
            panic!("no soak command");
        };
        assert_eq!((soak.seconds, soak.seed), (600, 1));
        let Some(Command::Soak(short)) = parse(&["soak", "--seconds", "60"]).unwrap().command
        else {
            panic!("no soak command");
        };
        assert_eq!(short.seconds, 60);
        assert!(parse(&[]).unwrap().command.is_none());
    }

    #[test]
    fn results_go_to_the_bench_folder_of_the_target_directory() {
        let path = results_path(Path::new("target/release/bench"));
        assert_eq!(path, Path::new("target/bench/results.json"));
    }
}
