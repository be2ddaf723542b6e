//! Runs the real `baton-atlassian` binary as a child process, with a clean environment
//! (only the variables a test gives, so a developer's `BATON_*` settings never leak in),
//! and collects its exit code and output.
//!
//! Include it with `#[path = "support/binary.rs"] mod binary;` from a test of the
//! `baton-atlassian` package (it needs `CARGO_BIN_EXE_baton-atlassian`).

use std::ffi::OsStr;
use std::time::Duration;

use tokio::process::Command;

/// A run that takes longer than this is killed and fails the test.
const TIME_LIMIT: Duration = Duration::from_secs(300);

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` if a signal ended it).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error (logs and error messages).
    pub stderr: String,
}

impl Run {
    /// The last line of stderr: where the binary puts its one-line error.
    pub fn error_line(&self) -> &str {
        self.stderr.lines().last().unwrap_or_default()
    }
}

/// The binary with an empty environment (but `TMPDIR`), killed if the test drops it.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_baton-atlassian"));
    command.env_clear().kill_on_drop(true);
    if let Some(temp) = std::env::var_os("TMPDIR") {
        command.env("TMPDIR", temp);
    }
    command
}

/// Runs `command` to its end.
pub async fn finish(mut command: Command) -> Run {
    let output = tokio::time::timeout(TIME_LIMIT, command.output())
        .await
        .expect("the binary finishes in time")
        .expect("the binary starts");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the binary with `args` and only the environment variables in `env`.
pub async fn run<K, V>(args: &[&str], env: impl IntoIterator<Item = (K, V)>) -> Run
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let mut command = command();
    command.args(args).envs(env);
    finish(command).await
}
