//! Runs a measured program as a child process: its wall time, its own peak resident set
//! and its output.
//!
//! On Linux a process's `ru_maxrss` starts at the high-water mark of the memory it
//! replaced at `exec`, which for a child spawned straight from the driver is the driver's
//! own (simulator and ground truth included). So the driver starts a *launcher*, itself
//! re-executed with [`LAUNCH`] as first argument and therefore small, which spawns the
//! program, waits for it with `wait4(2)` and reports its status, peak RSS and wall time in
//! a file. The program inherits the launcher's stdio and environment.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// The first argument that makes the bench binary a launcher:
/// `bench __launch REPORT_FILE PROGRAM [ARGS...]`.
pub const LAUNCH: &str = "__launch";

/// Prefixes of environment variables the measured programs read as settings: left out of
/// their environment so a developer's own settings never change a figure.
const SETTING_PREFIXES: [&str; 2] = ["BATON_", "ATLASSIAN_"];

/// Lines of a failed program's stderr kept in the error.
const STDERR_TAIL: usize = 5;

/// What one run of a program gave.
#[derive(Debug)]
pub struct Measured {
    /// From start to exit.
    pub wall: Duration,
    /// The program's peak resident set size (`ru_maxrss`), bytes.
    pub peak_rss_bytes: u64,
    /// Its standard output.
    pub stdout: String,
}

impl Measured {
    /// The last non-empty line of stdout, where the examples print their JSON.
    pub fn last_line(&self) -> &str {
        self.stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
    }
}

/// A command for `program` whose environment holds none of the settings variables.
pub fn command(program: &Path) -> Command {
    let mut command = Command::new(program);
    for name in settings_variables(std::env::vars_os().map(|(name, _)| name)) {
        command.env_remove(name);
    }
    command
}

/// The names among `names` that are settings of the measured programs.
fn settings_variables(names: impl Iterator<Item = OsString>) -> Vec<OsString> {
    names
        .filter(|name| {
            let text = name.to_string_lossy();
            SETTING_PREFIXES.iter().any(|p| text.starts_with(p))
        })
        .collect()
}

/// Runs `command` to its end through `launcher` (the bench binary) and measures it. Fails
/// if it cannot start or exits unsuccessfully; the error names the program (never its
/// arguments, which may carry credentials) and ends with the last lines of its stderr.
pub fn run(launcher: &Path, command: &Command) -> anyhow::Result<Measured> {
    let name = program_name(command.get_program());
    let report = tempfile::NamedTempFile::new().context("could not create a report file")?;
    let mut launch = Command::new(launcher);
    launch
        .arg(LAUNCH)
        .arg(report.path())
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (variable, value) in command.get_envs() {
        match value {
            Some(value) => launch.env(variable, value),
            None => launch.env_remove(variable),
        };
    }
    let mut child = launch
        .spawn()
        .with_context(|| format!("could not start the launcher for {name}"))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let launched = child.wait();
    let (stdout, stderr) = (join(stdout), join(stderr));
    if !launched?.success() {
        bail!("could not run {name}: {}", tail(&stderr, STDERR_TAIL));
    }
    let report = std::fs::read_to_string(report.path())?;
    let (status, peak_rss_bytes, wall) =
        parse_report(&report).with_context(|| format!("bad launcher report {report:?}"))?;
    if !status.success() {
        bail!("{name} failed ({status}): {}", tail(&stderr, STDERR_TAIL));
    }
    Ok(Measured {
        wall,
        peak_rss_bytes,
        stdout,
    })
}

/// The launcher: `args` are `REPORT_FILE PROGRAM [ARGS...]`. Runs the program with this
/// process's stdio and environment, waits for it and writes `STATUS PEAK_RSS_BYTES
/// WALL_NANOS` (status as `wait4` gives it) to the report file.
pub fn launch(args: &[OsString]) -> ExitCode {
    let [report, program, program_args @ ..] = args else {
        eprintln!("usage: bench {LAUNCH} REPORT_FILE PROGRAM [ARGS...]");
        return ExitCode::from(2);
    };
    match launch_and_wait(program, program_args) {
        Ok((status, peak, wall)) => {
            let line = format!("{} {peak} {}\n", status.into_raw(), wall.as_nanos());
            match std::fs::write(report, line) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("bench: could not write the launcher report: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(error) => {
            let name = program_name(program);
            eprintln!("bench: could not run {name}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Spawns `program` and waits for it: its status, peak RSS in bytes and wall time.
fn launch_and_wait(program: &OsStr, args: &[OsString]) -> io::Result<(ExitStatus, u64, Duration)> {
    let started = Instant::now();
    let child = Command::new(program).args(args).spawn()?;
    let (status, peak) = wait(child.id())?;
    Ok((status, peak, started.elapsed()))
}

/// Reads `STATUS PEAK_RSS_BYTES WALL_NANOS`.
fn parse_report(report: &str) -> Option<(ExitStatus, u64, Duration)> {
    let mut fields = report.split_whitespace();
    let status = ExitStatus::from_raw(fields.next()?.parse().ok()?);
    let peak = fields.next()?.parse().ok()?;
    let wall = Duration::from_nanos(fields.next()?.parse().ok()?);
    Some((status, peak, wall))
}

/// The file name of a program.
fn program_name(program: &OsStr) -> String {
    Path::new(program)
        .file_name()
        .unwrap_or(program)
        .to_string_lossy()
        .into_owned()
}

/// Reads a pipe to its end on a thread of its own, so a chatty child never blocks.
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error only shortens the captured output.
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// What a drained pipe held.
fn join(reader: JoinHandle<String>) -> String {
    reader.join().unwrap_or_default()
}

/// Waits for the child `pid` to end: its exit status and peak RSS in bytes.
fn wait(pid: u32) -> io::Result<(ExitStatus, u64)> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data, for which all zero bytes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (nothing else waits for it), and
        // both pointers are valid for writes for the duration of the call.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            // Linux reports ru_maxrss in KiB.
            let peak_kib = u64::try_from(usage.ru_maxrss).unwrap_or(0);
            return Ok((ExitStatus::from_raw(status), peak_kib * 1024));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// The last `n` non-empty lines of `text`, joined with ` | `.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baton_and_atlassian_variables_are_settings_and_others_are_not() {
        let names = [
            "BATON_LOG_LEVEL",
            "PATH",
            "ATLASSIAN_API_KEY",
            "HOME",
            "XBATON_",
        ];

        let settings = settings_variables(names.into_iter().map(OsString::from));

        assert_eq!(settings, ["BATON_LOG_LEVEL", "ATLASSIAN_API_KEY"]);
    }

    #[test]
    fn the_launcher_reports_the_status_peak_and_wall_time_of_its_program() {
        let report = tempfile::NamedTempFile::new().unwrap();
        let args = [report.path().as_os_str(), "sh".as_ref(), "-c".as_ref()];
        let mut args: Vec<OsString> = args.iter().map(|a| a.to_os_string()).collect();
        args.push("exit 3".into());

        assert_eq!(launch(&args), ExitCode::SUCCESS);

        let text = std::fs::read_to_string(report.path()).unwrap();
        let (status, peak, wall) = parse_report(&text).unwrap();
        assert_eq!(status.code(), Some(3));
        assert!(peak > 0 && wall > Duration::ZERO, "{text}");
    }

    #[test]
    fn the_launcher_fails_without_a_program() {
        assert_eq!(launch(&["report".into()]), ExitCode::from(2));
    }

    #[test]
    fn a_report_is_three_numbers() {
        let (status, peak, wall) = parse_report("0 1024 1500000000\n").unwrap();
        assert!(status.success());
        assert_eq!((peak, wall), (1024, Duration::from_millis(1500)));
        assert!(parse_report("0 1024").is_none());
        assert!(parse_report("zero 1 2").is_none());
    }

    #[test]
    fn the_tail_of_stderr_keeps_the_last_non_empty_lines() {
        assert_eq!(tail("a\n\nb\nc\n", 2), "b | c");
        assert_eq!(tail("", 2), "");
    }
}
