//! Service mode: the ConductorOne task loop ([`runner`]) and scheduled local syncs
//! ([`scheduler`]), sharing the connector and a [`SyncGate`](sync_gate::SyncGate) so only
//! one sync runs at a time. Either may run alone: without ConductorOne credentials only
//! the scheduler runs; without `--sync-interval` only the task loop.
//!
//! With `--health-check` the [`health`] server runs beside them; the service moves its
//! [`Readiness`]. With `--leader-election` both work only while this replica holds the
//! leader Lease ([`leader`]); on shutdown the Lease is released once the running tasks
//! have ended, so a standby takes over at once.
//!
//! Modules: [`tasks`] dispatches a task by type, [`sync_task`] and [`provision_task`] run
//! them, [`heartbeat`] keeps a sync alive, [`backoff`] spaces retries, [`deliveries`] keeps
//! a task handed out twice from running twice.

mod backoff;
mod deliveries;
mod heartbeat;
mod leader;
mod provision_task;
mod runner;
mod scheduler;
mod sync_gate;
mod sync_task;
mod tasks;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use connector::AtlassianConnector;
use controlplane::Session;
use tokio_util::sync::CancellationToken;

use crate::config::health::HealthSettings;
use crate::config::service::ServeSettings;
use crate::health::{self, Health, Readiness};
use leader::Elector;
use runner::Runner;
use scheduler::Scheduler;
use sync_gate::SyncGate;
use tasks::Executor;

/// Runs the service until `shutdown` (SIGINT or SIGTERM). Fails when the ConductorOne
/// session cannot be set up, the health server cannot listen, or ConductorOne refuses
/// the connector.
pub async fn run(
    settings: ServeSettings,
    connector: AtlassianConnector,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let connector = Arc::new(connector);
    let readiness = Arc::new(Readiness::new(settings.c1.is_some()));
    tokio::spawn({
        let (readiness, shutdown) = (readiness.clone(), shutdown.clone());
        async move {
            shutdown.cancelled().await;
            readiness.stopping();
        }
    });
    let gate = SyncGate::default();
    let scheduler = settings.schedule.map(|schedule| Scheduler {
        settings: schedule,
        connector: connector.clone(),
        options: settings.local_scope.clone(),
        gate: gate.clone(),
    });
    let Some(c1) = settings.c1 else {
        tracing::info!(
            "no ConductorOne client id (BATON_CLIENT_ID) is set: running scheduled local syncs only"
        );
        let server = start_health(settings.health, &readiness, &connector, None).await?;
        let (leadership, elector) = Elector::start(settings.leader);
        if let Some(scheduler) = scheduler {
            scheduler.run(shutdown, leadership).await;
        }
        elector.release().await;
        stop_health(server);
        return Ok(());
    };
    let mut session_config = c1.session_config();
    // The runner paces the polls: its floor applies only after a poll that found no task.
    session_config.min_poll = Duration::ZERO;
    let session = Session::connect(session_config)
        .await
        .context("could not set up the ConductorOne session")?;
    let server = start_health(settings.health, &readiness, &connector, Some(&session)).await?;
    let (leadership, elector) = Elector::start(settings.leader);
    let scheduled = scheduler.map(|s| tokio::spawn(s.run(shutdown.clone(), leadership.clone())));
    let runner = Runner {
        executor: Arc::new(Executor {
            session,
            connector,
            provisioning: settings.tasks.provisioning,
            temp_dir: settings.tasks.temp_dir,
            local_resource_types: settings.local_scope.resource_type_ids,
            gate,
        }),
        concurrency: settings.tasks.concurrency,
        shutdown_grace: settings.tasks.shutdown_grace,
        poll_floor: settings.tasks.poll_floor,
        readiness,
    };
    let result = runner.run(shutdown.clone(), leadership).await;
    // A refused Hello ends the service: the scheduler stops too.
    shutdown.cancel();
    if let Some(scheduled) = scheduled {
        let _ = scheduled.await;
    }
    // Only now that no work runs any more may a standby take over.
    elector.release().await;
    stop_health(server);
    result
}

/// Starts the health server when it is enabled.
async fn start_health(
    settings: Option<HealthSettings>,
    readiness: &Arc<Readiness>,
    connector: &Arc<AtlassianConnector>,
    session: Option<&Session>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(settings) = settings else {
        return Ok(None);
    };
    let health = Health {
        readiness: readiness.clone(),
        connector: connector.clone(),
        session: session.cloned(),
        check_timeout: settings.check_timeout,
    };
    health::start(settings.address, health).await.map(Some)
}

/// Stops the health server, if it runs.
fn stop_health(server: Option<tokio::task::JoinHandle<()>>) {
    if let Some(server) = server {
        server.abort();
    }
}
