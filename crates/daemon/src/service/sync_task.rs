//! The `sync_full` task: a first heartbeat (no answer, or "cancelled", ends the task
//! without `FinishTask`, leaving it to ConductorOne's timeout), then heartbeats beside the
//! work: wait for the sync gate, sync into a `.c1z` in a temporary directory, upload it.
//! A cancellation, or too many failed heartbeats, stops the work at once and finishes the
//! task `CANCELLED`. The temporary directory is removed whatever happens.
//!
//! Options come from the task: `skip_entitlements_and_grants`, `skip_grants`,
//! `sync_resource_type_ids` (else the local `--sync-resource-types`) and
//! `targeted_sync_resources`. `skip_expand_grants` needs nothing: this connector never
//! expands grants, it writes the expansion edges and ConductorOne expands them, so it is
//! always effectively on. `storage_engine` is not honoured: the file is always a v1
//! (SQLite) `.c1z`.

use std::path::Path;

use c1_proto::c1::connector::v2::ResourceId;
use c1_proto::c1::connectorapi::baton::v1::task::SyncFullTask;
use connector::{ResourceKind, SyncOptions};
use controlplane::TaskOutcome;
use tonic::Code;
use tracing::Instrument as _;

use super::heartbeat::{self, StopReason};
use super::tasks::{Executor, failed, malformed};
use crate::health::metrics;

/// Runs a sync task; `None` when it must end without `FinishTask`.
pub async fn run(executor: &Executor, task_id: &str, task: SyncFullTask) -> Option<TaskOutcome> {
    let options = match options_of(&task, &executor.local_resource_types) {
        Ok(options) => options,
        Err(problem) => return Some(malformed(problem)),
    };
    let session = &executor.session;
    let first = match session.heartbeat(task_id).await {
        Ok(first) if first.cancelled => {
            tracing::info!("ConductorOne cancelled the sync before it started");
            return None;
        }
        Ok(first) => first,
        Err(error) => {
            tracing::warn!(%error, "the first heartbeat failed; the sync does not start");
            return None;
        }
    };
    let heartbeats = heartbeat::until_stopped(|| session.heartbeat(task_id), first.next_heartbeat);
    let outcome = tokio::select! {
        outcome = sync_and_upload(executor, task_id, &options) => outcome,
        reason = heartbeats => stopped(reason),
    };
    Some(outcome)
}

/// The sync options a task asks for; the local resource types apply when it names none.
pub(super) fn options_of(
    task: &SyncFullTask,
    local_types: &[String],
) -> Result<SyncOptions, String> {
    let resource_type_ids = if task.sync_resource_type_ids.is_empty() {
        local_types.to_vec()
    } else {
        task.sync_resource_type_ids.clone()
    };
    for id in &resource_type_ids {
        known_type(id)?;
    }
    let targeted_resources = task
        .targeted_sync_resources
        .iter()
        .map(|resource| match &resource.id {
            Some(id) if !id.resource.is_empty() => {
                known_type(&id.resource_type)?;
                Ok(ResourceId {
                    resource_type: id.resource_type.clone(),
                    resource: id.resource.clone(),
                    baton_resource: false,
                })
            }
            _ => Err("a targeted resource has no id".to_owned()),
        })
        .collect::<Result<_, _>>()?;
    Ok(SyncOptions {
        skip_entitlements_and_grants: task.skip_entitlements_and_grants,
        skip_grants: task.skip_grants,
        resource_type_ids,
        targeted_resources,
    })
}

fn known_type(id: &str) -> Result<(), String> {
    if ResourceKind::from_id(id).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.id()).collect();
    Err(format!(
        "unknown resource type '{id}' (known: {})",
        known.join(", ")
    ))
}

/// Waits for the gate, syncs into a temporary `.c1z`, uploads it (in a `c1.upload` span).
async fn sync_and_upload(executor: &Executor, task_id: &str, options: &SyncOptions) -> TaskOutcome {
    let directory = match tempfile::Builder::new()
        .prefix("baton-atlassian-sync-")
        .tempdir_in(&executor.temp_dir)
    {
        Ok(directory) => directory,
        Err(error) => {
            let message = format!(
                "could not create a temporary directory in {}: {error}",
                executor.temp_dir.display()
            );
            return failed(Code::Internal, message, false);
        }
    };
    let file = directory.path().join("sync.c1z");
    if let Err(outcome) = sync(executor, &file, options).await {
        return outcome;
    }
    let upload = executor.session.upload_asset(task_id, &file);
    match upload.instrument(tracing::info_span!("c1.upload")).await {
        Ok(()) => TaskOutcome::Success {
            response: None,
            annotations: Vec::new(),
        },
        Err(error) => {
            let code = error.rpc_code().unwrap_or(Code::Unavailable);
            failed(
                code,
                format!("the upload of the sync failed: {error}"),
                false,
            )
        }
    }
}

/// One sync at a time: waits for the gate, then syncs into `file`.
async fn sync(executor: &Executor, file: &Path, options: &SyncOptions) -> Result<(), TaskOutcome> {
    let _turn = executor.gate.control_plane().await;
    tracing::info!(?options, "sync started");
    match executor.connector.sync_to_c1z(file, options).await {
        Ok((report, summary)) => {
            metrics::record_synced(&report);
            let total = report.total();
            tracing::info!(
                sync_id = %summary.sync_id,
                resources = total.resources,
                entitlements = total.entitlements,
                grants = total.grants,
                requests = report.requests,
                bytes = summary.file_bytes,
                "sync finished; uploading"
            );
            Ok(())
        }
        Err(error) => {
            tracing::warn!(%error, "sync failed");
            Err(failed(
                code_of(&error),
                format!("sync failed: {error}"),
                false,
            ))
        }
    }
}

/// The status code of a failed sync (retryable whatever it is, as the SDK reports syncs).
fn code_of(error: &connector::Error) -> Code {
    use atlassian::Error as A;
    match error {
        connector::Error::Atlassian(error) => match error {
            A::Unauthorized { .. } => Code::Unauthenticated,
            A::ScopedKey { .. } | A::Forbidden { .. } => Code::PermissionDenied,
            A::NotFound { .. } => Code::NotFound,
            A::RateLimited { .. } | A::Server { .. } | A::Transport { .. } => Code::Unavailable,
            _ => Code::Unknown,
        },
        connector::Error::Config { .. } => Code::FailedPrecondition,
        _ => Code::Internal,
    }
}

/// The outcome of a sync stopped by its heartbeats.
fn stopped(reason: StopReason) -> TaskOutcome {
    tracing::info!(?reason, "sync stopped");
    failed(Code::Cancelled, reason.message(), false)
}

#[cfg(test)]
mod tests {
    use c1_proto::c1::connector::v2::Resource;

    use super::*;

    fn target(resource_type: &str, id: &str) -> Resource {
        Resource {
            id: Some(ResourceId {
                resource_type: resource_type.into(),
                resource: id.into(),
                baton_resource: false,
            }),
            ..Resource::default()
        }
    }

    #[test]
    fn the_task_options_become_sync_options_and_its_types_win_over_local_ones() {
        let task = SyncFullTask {
            skip_grants: true,
            skip_expand_grants: true,
            sync_resource_type_ids: vec!["group".into()],
            targeted_sync_resources: vec![target("group", "g-1")],
            ..SyncFullTask::default()
        };
        let options = options_of(&task, &["user".to_owned()]).unwrap();
        assert!(options.skip_grants && !options.skip_entitlements_and_grants);
        assert_eq!(options.resource_type_ids, ["group"]);
        assert_eq!(options.targeted_resources[0].resource, "g-1");

        let plain = options_of(&SyncFullTask::default(), &["user".to_owned()]).unwrap();
        assert_eq!(plain.resource_type_ids, ["user"]);
        assert!(plain.targeted_resources.is_empty());
    }

    #[test]
    fn unknown_types_and_targets_without_ids_are_refused() {
        let unknown = SyncFullTask {
            sync_resource_type_ids: vec!["repository".into()],
            ..SyncFullTask::default()
        };
        assert!(
            options_of(&unknown, &[])
                .unwrap_err()
                .starts_with("unknown resource type 'repository' (known: user, ")
        );
        let no_id = SyncFullTask {
            targeted_sync_resources: vec![Resource::default()],
            ..SyncFullTask::default()
        };
        assert_eq!(
            options_of(&no_id, &[]).unwrap_err(),
            "a targeted resource has no id"
        );
    }

    #[test]
    fn a_stopped_sync_finishes_cancelled_and_may_be_retried() {
        for reason in [StopReason::Cancelled, StopReason::HeartbeatsFailed] {
            let outcome = stopped(reason);
            let (code, message, non_retryable) = super::super::tasks::error_parts(&outcome);
            assert_eq!((code, non_retryable), (1, false));
            assert_eq!(message, reason.message());
        }
    }

    #[test]
    fn sync_failures_carry_the_code_of_their_cause() {
        let refused = connector::Error::Atlassian(atlassian::Error::RateLimited {
            endpoint: "GET /x",
            retry_after: None,
        });
        assert_eq!(code_of(&refused), Code::Unavailable);
        let config = connector::Error::Config {
            key: "base-url",
            reason: "bad".into(),
        };
        assert_eq!(code_of(&config), Code::FailedPrecondition);
        let writer = connector::Error::Writer("stopped".into());
        assert_eq!(code_of(&writer), Code::Internal);
    }
}
