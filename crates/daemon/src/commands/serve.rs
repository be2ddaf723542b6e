//! `serve` (and the command without a subcommand when ConductorOne credentials or a sync
//! interval are set): runs the service until SIGINT or SIGTERM, then exits 0 once running
//! tasks have ended (or the grace period is over) and the last traces are sent. Atlassian
//! secrets read from files are reloaded when the files change ([`secret_files`]).

use std::time::Duration;

use anyhow::Context as _;
use connector::AtlassianConnector;
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

use super::{Failure, connector_failure, runtime_with_telemetry};
use crate::cli::{LogArgs, TelemetryArgs};
use crate::config::secret_files;
use crate::config::service::ServeSettings;
use crate::config::{ConfigError, LogSettings, TraceSettings};
use crate::service;

/// How long blocking work (a `.c1z` being written) may delay the exit after the service
/// has stopped.
const EXIT_DELAY: Duration = Duration::from_secs(2);

/// Starts logging and traces, then the service with `settings` (checked by the caller; a
/// problem stops start-up here).
pub(super) fn run(
    log: &LogArgs,
    telemetry: &TelemetryArgs,
    settings: Result<ServeSettings, ConfigError>,
) -> Result<(), Failure> {
    let log = LogSettings::from_args(log)?;
    let traces = TraceSettings::from_args(telemetry)?;
    let settings = settings?;
    let (runtime, telemetry) = runtime_with_telemetry(&log, &traces)?;
    let connector = AtlassianConnector::new(settings.connector.clone())
        .map_err(connector_failure)?
        .with_read_only(settings.tasks.read_only);
    if settings.tasks.read_only {
        tracing::info!("read-only mode: no Atlassian endpoint that changes anything is called");
    } else if settings.c1.is_some() && !settings.tasks.provisioning {
        tracing::info!(
            "provisioning is off: ConductorOne's grant, revoke and account tasks will be refused \
             (set BATON_PROVISIONING=true to allow them)"
        );
    }
    let result = runtime.block_on(async {
        let shutdown = CancellationToken::new();
        listen_for_signals(shutdown.clone())?;
        secret_files::watch(&settings.secret_files, &connector, shutdown.clone());
        service::run(settings, connector, shutdown).await
    });
    telemetry.shutdown();
    runtime.shutdown_timeout(EXIT_DELAY);
    result.map_err(Failure::Run)?;
    tracing::info!("stopped");
    Ok(())
}

/// Cancels `shutdown` on the first SIGINT or SIGTERM.
fn listen_for_signals(shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt()).context("could not listen for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("could not listen for SIGTERM")?;
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!(signal = name, "stopping: no new tasks are taken");
        shutdown.cancel();
    });
    Ok(())
}
