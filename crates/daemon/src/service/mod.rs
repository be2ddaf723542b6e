//! Service mode: the ConductorOne task loop ([`runner`]) and scheduled local syncs
//! ([`scheduler`]), sharing the connector and a [`SyncGate`](sync_gate::SyncGate) so only
//! one sync runs at a time. Either may run alone: without ConductorOne credentials only
//! the scheduler runs; without `--sync-interval` only the task loop.
//!
//! Modules: [`tasks`] dispatches a task by type, [`sync_task`] and [`provision_task`] run
//! them, [`heartbeat`] keeps a sync alive, [`backoff`] spaces retries.

mod backoff;
mod heartbeat;
mod provision_task;
mod runner;
mod scheduler;
mod sync_gate;
mod sync_task;
mod tasks;

use std::sync::Arc;

use anyhow::Context as _;
use connector::AtlassianConnector;
use controlplane::Session;
use tokio_util::sync::CancellationToken;

use crate::config::service::ServeSettings;
use runner::Runner;
use scheduler::Scheduler;
use sync_gate::SyncGate;
use tasks::Executor;

/// Runs the service until `shutdown` (SIGINT or SIGTERM). Fails when the ConductorOne
/// session cannot be set up or ConductorOne refuses the connector.
pub async fn run(
    settings: ServeSettings,
    connector: AtlassianConnector,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let connector = Arc::new(connector);
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
        if let Some(scheduler) = scheduler {
            scheduler.run(shutdown).await;
        }
        return Ok(());
    };
    let session = Session::connect(c1.session_config())
        .await
        .context("could not set up the ConductorOne session")?;
    let scheduled = scheduler.map(|s| tokio::spawn(s.run(shutdown.clone())));
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
    };
    let result = runner.run(shutdown.clone()).await;
    // A refused Hello ends the service: the scheduler stops too.
    shutdown.cancel();
    if let Some(scheduled) = scheduled {
        let _ = scheduled.await;
    }
    result
}
