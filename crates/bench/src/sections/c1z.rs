//! The `.c1z` writer on the reference dataset (`examples/write_reference`): grants written
//! per second, peak RSS and file size against the Go SDK's published figures and against
//! plain rusqlite measured in the same run; then reading the file back (listing and
//! decoding every grant, as the Go SDK's reader figure does), and `baton-atlassian
//! inspect` counting it, each against the Go SDK's reader.

use std::path::Path;

use serde::Deserialize;

use super::{Context, progress};
use bench::measure::{self, Measured};
use bench::reference::{GO_READER_SECONDS, GO_READER_USERS, go_writer};
use bench::report::{Line, Row, Target, Unit};
use bench::table;

/// The example, below the binaries' folder.
const PROGRAM: &str = "examples/write_reference";
/// The daemon, whose `inspect` counts the file.
const INSPECT: &str = "baton-atlassian";
/// Our writer must write at least 20 times as many grants per second as the Go SDK's.
const SPEEDUP_OVER_GO: f64 = 20.0;
/// Our writer's peak RSS must be at most half the Go SDK's.
const RSS_OF_GO: f64 = 0.5;
/// Our file must be no larger than the Go SDK's.
const SIZE_OF_GO: f64 = 1.0;
/// Our writer must reach 80 % of plain rusqlite's speed writing the same rows.
const SPEED_OF_BASELINE: f64 = 0.8;
/// Reading must be at least 5 times faster than the Go SDK's: at most a fifth of its time.
const READ_TIME_OF_GO: f64 = 0.2;
/// Grants per user in the reference dataset (when it has at least 250 users).
const GRANTS_PER_USER: usize = 20;

/// The example's JSON line (the fields the bench reads).
#[derive(Debug, Deserialize)]
struct Figures {
    /// Grants written, or read.
    grants: u64,
}

/// Writes, writes with the baseline, and reads the dataset of each of `sizes` users.
pub fn run(context: &Context, sizes: &[usize]) -> Vec<Line> {
    let program = match context.program(PROGRAM) {
        Ok(program) => program,
        Err(reason) => {
            let section = "c1z".to_owned();
            return vec![Line::Skipped { section, reason }];
        }
    };
    let mut lines = Vec::new();
    for &users in sizes {
        let section = format!("c1z {}", table::users(users));
        match measure_dataset(context, &program, users, &section) {
            Ok(rows) => lines.extend(rows.into_iter().map(Line::Figure)),
            Err(error) => lines.push(Line::Failed {
                section,
                error: format!("{error:#}"),
            }),
        }
    }
    lines
}

/// Runs the example with `args`: its measurement and its JSON figures.
fn run_example(
    context: &Context,
    program: &Path,
    args: &[&std::ffi::OsStr],
) -> anyhow::Result<(Measured, Figures)> {
    let mut command = measure::command(program);
    command.args(args);
    let measured = context.measure(&command)?;
    let figures = serde_json::from_str(measured.last_line())?;
    Ok((measured, figures))
}

fn measure_dataset(
    context: &Context,
    program: &Path,
    users: usize,
    section: &str,
) -> anyhow::Result<Vec<Row>> {
    let file = context.scratch_file(&format!("reference-{users}.c1z"));
    let n = users.to_string();
    progress(section, "writing the reference dataset");
    let (write, written) = run_example(
        context,
        program,
        &[n.as_ref(), "--out".as_ref(), file.as_ref()],
    )?;
    let file_bytes = std::fs::metadata(&file)?.len() as f64;
    progress(section, "writing it with plain rusqlite");
    let (baseline, plain) = run_example(context, program, &[n.as_ref(), "--baseline".as_ref()])?;
    progress(section, "reading it back");
    let (read, read_back) = run_example(context, program, &["--read".as_ref(), file.as_ref()])?;
    let inspected = match context.program(INSPECT) {
        Ok(daemon) => {
            progress(section, "inspecting it");
            let mut command = measure::command(&daemon);
            command.arg("inspect").arg(&file);
            Some(context.measure(&command)?)
        }
        Err(_) => None,
    };
    std::fs::remove_file(&file)?;

    let per_second = |m: &Measured, grants: u64| grants as f64 / m.wall.as_secs_f64();
    let ours = per_second(&write, written.grants);
    let peak = write.peak_rss_bytes as f64;
    let grants = written.grants as f64;
    let row = |what: &str, unit, ours: f64| Row::info(section, what, unit, ours);
    let mut rows = Vec::new();
    if users >= 250 {
        let expected = (GRANTS_PER_USER * users) as f64;
        rows.push(row("grants written", Unit::Count, grants).against(expected, Target::Equal));
    }
    match go_writer(users) {
        Some(go) => rows.extend([
            row("write vs Go SDK", Unit::PerSecond, ours)
                .against(go.grants_per_sec, Target::AtLeast(SPEEDUP_OVER_GO)),
            row("peak RSS vs Go SDK", Unit::Bytes, peak)
                .against(go.peak_rss_mib * 1024.0 * 1024.0, Target::AtMost(RSS_OF_GO)),
            row("file size vs Go SDK", Unit::Bytes, file_bytes)
                .against(go.file_bytes as f64, Target::AtMost(SIZE_OF_GO)),
        ]),
        None => rows.extend([
            row("write", Unit::PerSecond, ours),
            row("peak RSS", Unit::Bytes, peak),
            row("file size", Unit::Bytes, file_bytes),
        ]),
    }
    rows.push(
        row("write vs plain rusqlite", Unit::PerSecond, ours).against(
            per_second(&baseline, plain.grants),
            Target::AtLeast(SPEED_OF_BASELINE),
        ),
    );
    rows.push(
        row("grants read back", Unit::Count, read_back.grants as f64)
            .against(grants, Target::Equal),
    );
    let mut reader_row = |what: &str, seconds: f64| {
        rows.push(if users == GO_READER_USERS {
            row(&format!("{what} vs Go SDK"), Unit::Seconds, seconds)
                .against(GO_READER_SECONDS, Target::AtMost(READ_TIME_OF_GO))
        } else {
            row(what, Unit::Seconds, seconds)
        });
    };
    reader_row("read time", read.wall.as_secs_f64());
    if let Some(inspected) = inspected {
        reader_row("inspect time", inspected.wall.as_secs_f64());
    }
    Ok(rows)
}
