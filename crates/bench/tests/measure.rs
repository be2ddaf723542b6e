//! Measured programs run through the real `bench` binary as launcher: their output, their
//! own peak RSS (not the caller's), their failures.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;

use bench::measure::{self, Measured};

const MIB: u64 = 1024 * 1024;

fn run(script: &str) -> anyhow::Result<Measured> {
    let mut command = measure::command(Path::new("sh"));
    command.args(["-c", script]);
    measure::run(Path::new(env!("CARGO_BIN_EXE_bench")), &command)
}

#[test]
fn a_program_gives_its_output_wall_time_and_peak_rss() {
    let measured = run("echo first; echo '{\"n\": 1}'").unwrap();

    assert_eq!(measured.stdout, "first\n{\"n\": 1}\n");
    assert_eq!(measured.last_line(), "{\"n\": 1}");
    assert!(measured.peak_rss_bytes > 0);
    assert!(!measured.wall.is_zero());
}

#[test]
fn the_peak_rss_is_the_programs_own_not_the_callers() {
    // 256 MiB resident in the caller while the program runs.
    let ballast = black_box(vec![1u8; 256 * MIB as usize]);

    let measured = run("true").unwrap();

    assert!(
        measured.peak_rss_bytes < 32 * MIB,
        "{} MiB",
        measured.peak_rss_bytes / MIB
    );
    drop(ballast);
}

#[test]
fn a_program_holding_more_memory_shows_a_larger_peak() {
    let small = run("true").unwrap().peak_rss_bytes;
    // About 64 MiB resident in a shell variable.
    let large = run("x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo ${#x}").unwrap();

    assert_eq!(large.last_line(), "67108864");
    assert!(
        large.peak_rss_bytes > small + 32 * MIB,
        "{} vs {small}",
        large.peak_rss_bytes
    );
}

#[test]
fn a_failing_program_is_an_error_naming_it_with_the_end_of_its_stderr() {
    let error = run("echo one >&2; echo two >&2; exit 3").unwrap_err();

    assert_eq!(error.to_string(), "sh failed (exit status: 3): one | two");
}

#[test]
fn a_program_that_cannot_start_is_an_error_naming_it() {
    let command = Command::new("no-such-program-anywhere");

    let error = measure::run(Path::new(env!("CARGO_BIN_EXE_bench")), &command).unwrap_err();

    let shown = error.to_string();
    assert!(
        shown.starts_with("could not run no-such-program-anywhere: "),
        "{shown}"
    );
}

#[test]
fn variables_given_to_the_command_reach_the_program() {
    let mut command = measure::command(Path::new("sh"));
    command
        .args(["-c", "echo \"[$BATON_LOG_LEVEL]\""])
        .env("BATON_LOG_LEVEL", "warn");

    let measured = measure::run(Path::new(env!("CARGO_BIN_EXE_bench")), &command).unwrap();

    assert_eq!(measured.last_line(), "[warn]");
}
