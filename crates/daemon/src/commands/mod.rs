//! The commands, and how their outcome becomes an exit code: 0 on success, 2 for a
//! configuration problem (as for command-line usage errors), 1 when the work itself failed
//! (or `check` found something not working), 130 when a one-shot sync was interrupted (the
//! service exits 0 on SIGINT or SIGTERM). Failures are printed as one line on stderr.

mod capabilities;
mod check;
mod health_check;
mod inspect;
mod serve;
mod sync;

use std::process::ExitCode;

use anyhow::Context as _;
use tokio::runtime::Runtime;

use crate::cli::{Cli, Command};
use crate::config::service::{ServeSettings, wants_service};
use crate::config::{ConfigError, LogSettings, TraceSettings};
use crate::logging;
use crate::telemetry::Telemetry;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A setting is missing or malformed; nothing was attempted.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The work failed (Atlassian, disk, file format...).
    #[error("{}", one_line(.0))]
    Run(#[from] anyhow::Error),
    /// A signal stopped the work before it finished.
    #[error("interrupted before the sync finished; no file was written")]
    Interrupted,
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Config(_) => 2,
            Failure::Run(_) => 1,
            Failure::Interrupted => 130,
        }
    }
}

/// Runs what the command line asks for and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        None if wants_service(&cli.c1, &cli.schedule) => serve::run(
            &cli.sync.logging,
            &cli.sync.telemetry,
            ServeSettings::from_parts(
                &cli.c1,
                &cli.tasks,
                &cli.schedule,
                &cli.sync.scope,
                &cli.sync.connector,
                &cli.health,
                &cli.leader,
            ),
        ),
        None => sync::run(&cli.sync),
        Some(Command::Sync(args)) => sync::run(&args),
        Some(Command::Serve(args)) => serve::run(
            &args.logging,
            &args.telemetry,
            ServeSettings::from_args(&args),
        ),
        Some(Command::Check(args)) => check::run(&args),
        Some(Command::Capabilities(args)) => capabilities::run(&args),
        Some(Command::Inspect(args)) => inspect::run(&args),
        Some(Command::HealthCheck(args)) => health_check::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

/// An error and its causes as one line, `outer: cause: root cause`. A cause whose text
/// the line already holds (errors that repeat their source in their message) is left out.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line.replace('\n', " ")
}

/// The multi-threaded runtime of `sync` and `serve`, with logging and traces installed on
/// it (the OTLP exporter's channel lives on the runtime); shut the [`Telemetry`] down
/// before the runtime.
fn runtime_with_telemetry(
    log: &LogSettings,
    traces: &TraceSettings,
) -> Result<(Runtime, Telemetry), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let telemetry = {
        let _entered = runtime.enter();
        logging::init_with_traces(log, traces)?
    };
    Ok((runtime, telemetry))
}

/// Maps a connector error: its configuration errors name a flag, the rest are failures
/// of the work.
fn connector_failure(error: connector::Error) -> Failure {
    match error {
        connector::Error::Config { key, reason } => ConfigError::invalid(key, reason).into(),
        other => Failure::Run(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use anyhow::Context as _;

    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("could not write: {0}")]
    struct Repeats(#[source] std::io::Error);

    #[test]
    fn a_failure_is_one_line_with_each_cause_once() {
        let root = || std::io::Error::other("disk full");
        let repeating = anyhow::Error::new(Repeats(root())).context("sync failed");
        assert_eq!(
            Failure::from(repeating).to_string(),
            "sync failed: could not write: disk full"
        );
        let plain = Err::<(), _>(root())
            .context("could not read x.c1z")
            .unwrap_err();
        assert_eq!(
            Failure::from(plain).to_string(),
            "could not read x.c1z: disk full"
        );
        let multiline = anyhow::anyhow!("first\nsecond");
        assert_eq!(Failure::from(multiline).to_string(), "first second");
    }

    #[test]
    fn configuration_problems_exit_with_2_and_failed_work_with_1() {
        assert_eq!(
            Failure::from(ConfigError::missing("file", "x")).exit_code(),
            2
        );
        assert_eq!(Failure::from(anyhow::anyhow!("x")).exit_code(), 1);
        assert_eq!(Failure::Interrupted.exit_code(), 130);
        let from_connector = connector_failure(connector::Error::Config {
            key: "scim-base-url",
            reason: "bad".into(),
        });
        assert_eq!(
            from_connector.to_string(),
            "invalid --scim-base-url (BATON_SCIM_BASE_URL): bad"
        );
    }
}
