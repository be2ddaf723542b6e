//! Full, filtered and targeted syncs into a [`Sink`]: the options, the report, and the
//! run that ties the phases (async, Atlassian requests) to the sink (a blocking thread).

mod output;
mod phases;
mod plan;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use c1_proto::c1::connector::v2::ResourceId;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use crate::AtlassianConnector;
use crate::error::Error;
use crate::sink::Sink;
use phases::Phases;
use plan::Plan;

/// What one sync covers (spec §6.3, §6.5). `Default` is a full sync.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncOptions {
    /// Only resource types and resources (`resources_only`).
    pub skip_entitlements_and_grants: bool,
    /// Resource types, resources and entitlements, no grants.
    pub skip_grants: bool,
    /// Only these resource types (empty = all).
    pub resource_type_ids: Vec<String>,
    /// Only these resources, with their entitlements and grants (empty = full sync).
    pub targeted_resources: Vec<ResourceId>,
}

/// Objects synced for one resource type (grants count under their entitlement's
/// resource type, as in the `.c1z` statistics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Resources of the type.
    pub resources: u64,
    /// Entitlements on resources of the type.
    pub entitlements: u64,
    /// Grants of those entitlements.
    pub grants: u64,
}

/// The summary of a sync.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncReport {
    /// Objects per resource type id.
    pub counts: BTreeMap<String, Counts>,
    /// Atlassian requests sent (retries included).
    pub requests: u64,
    /// Wall time of the sync.
    pub elapsed: Duration,
    /// Role assignments left out because the sync offers no entitlement for them
    /// (e.g. a platform `atlassian/user`, a role the workspace's product does not accept).
    pub dropped_role_assignments: u64,
}

impl SyncReport {
    /// Counts summed over every resource type.
    pub fn total(&self) -> Counts {
        self.counts
            .values()
            .fold(Counts::default(), |sum, c| Counts {
                resources: sum.resources + c.resources,
                entitlements: sum.entitlements + c.entitlements,
                grants: sum.grants + c.grants,
            })
    }
}

/// The span of one sync: `sync`, with what it covers.
pub(crate) fn span(options: &SyncOptions) -> tracing::Span {
    tracing::info_span!(
        "sync",
        targeted = !options.targeted_resources.is_empty(),
        skip_grants = options.skip_grants,
        skip_entitlements_and_grants = options.skip_entitlements_and_grants,
    )
}

/// Runs the phases as a task of their own, in the current span, and gives them back
/// with their outcome. On a worker thread the task's requests and the HTTP connections
/// answering them mostly wake each other without a thread switch: driven from a thread
/// outside the runtime (the one-shot command's `block_on`), a 100k-user sync made twice
/// the context switches (about 4 per request instead of 2) and spent 5 to 10 % more CPU
/// time. The task is aborted if the sync is dropped (a cancelled task, a signal), and a
/// panic in it carries on here.
async fn run_as_task(phases: Phases) -> Result<(Result<(), Error>, Phases), Error> {
    let task = tokio::spawn(
        async move {
            let produced = phases.run().await;
            (produced, phases)
        }
        .in_current_span(),
    );
    let mut task = AbortOnDrop(task);
    match (&mut task.0).await {
        Ok(done) => Ok(done),
        Err(join) => match join.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Only a runtime shutting down cancels it.
            Err(join) => Err(Error::Writer(format!("the sync task stopped: {join}"))),
        },
    }
}

/// Aborts its task when dropped.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs a sync of `connector` into `sink` and gives the sink back.
pub(crate) async fn run<S: Sink>(
    connector: &AtlassianConnector,
    sink: S,
    options: &SyncOptions,
) -> Result<(SyncReport, S), Error> {
    let started = Instant::now();
    let client = connector.client();
    let requests_before = client.metrics().requests;
    let plan = Plan::new(options, &connector.kinds());
    let config = connector.config();
    tracing::info!(
        organization = %config.organization_id,
        resource_types = ?plan.kinds().iter().map(|k| k.id()).collect::<Vec<_>>(),
        entitlements = plan.entitlements,
        grants = plan.grants,
        targeted = !options.targeted_resources.is_empty(),
        "sync started"
    );
    let (emitter, writer) = output::start(sink);
    let phases = Phases {
        client: client.clone(),
        plan,
        out: emitter.clone(),
        org_id: config.organization_id.clone(),
        teams_site: config.teams.as_ref().map(|t| t.site_id.clone()),
        sync_last_active: config.sync_last_active,
        concurrency: config.max_concurrency,
        last_active_permits: Semaphore::new((config.max_concurrency / 2).max(1)),
        dropped: AtomicU64::new(0),
    };
    let (produced, phases) = run_as_task(phases).await?;
    let Phases { out, dropped, .. } = phases;
    drop(out);
    let totals = emitter.totals();
    drop(emitter);
    // The sink's own error explains a refused send better than the send does.
    let sink = writer.finish().await?;
    produced?;

    let report = SyncReport {
        counts: totals,
        requests: client.metrics().requests - requests_before,
        elapsed: started.elapsed(),
        dropped_role_assignments: dropped.into_inner(),
    };
    for (resource_type, counts) in &report.counts {
        tracing::info!(
            resource_type = %resource_type,
            resources = counts.resources,
            entitlements = counts.entitlements,
            grants = counts.grants,
            "synced resource type"
        );
    }
    let total = report.total();
    tracing::info!(
        resources = total.resources,
        entitlements = total.entitlements,
        grants = total.grants,
        requests = report.requests,
        dropped_role_assignments = report.dropped_role_assignments,
        elapsed_ms = report.elapsed.as_millis() as u64,
        "sync finished"
    );
    Ok((report, sink))
}
