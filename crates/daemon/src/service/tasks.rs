//! What each ConductorOne task type does, and the `FinishTask` outcomes shared by the
//! task handlers.
//!
//! | task | what runs | FinishTask |
//! | --- | --- | --- |
//! | `none` | nothing | none |
//! | `hello` | `Hello` with the task id | none (the Hello acknowledges it) |
//! | `sync_full` | heartbeats, a sync into a `.c1z`, its upload ([`sync_task`](super::sync_task)) | success without response; errors retryable; `CANCELLED` when stopped; none when the first heartbeat fails or says cancelled |
//! | `grant`, `revoke`, `create_account`, `delete_resource`, `action_invoke` | the connector ([`provision_task`](super::provision_task)) | success with the response packed in `Any`; errors with the connector's code |
//! | any other | nothing | `UNKNOWN` "unsupported task type: <name>", retryable, as the Go SDK |

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use c1_proto::c1::connectorapi::baton::v1::Task;
use c1_proto::c1::connectorapi::baton::v1::task::TaskType;
use c1_proto::google::rpc::Status;
use connector::AtlassianConnector;
use controlplane::{Session, TaskOutcome};
use tonic::Code;

use super::provision_task::{self, Provisioning};
use super::sync_gate::SyncGate;
use super::sync_task;
use crate::health::metrics;

/// Everything a task may need; shared by the task slots.
#[derive(Debug)]
pub struct Executor {
    /// The ConductorOne session.
    pub session: Session,
    /// The connector (read-only when configured so).
    pub connector: Arc<AtlassianConnector>,
    /// Whether provisioning tasks may change access.
    pub provisioning: bool,
    /// Where syncs write their `.c1z` until uploaded.
    pub temp_dir: PathBuf,
    /// The local resource type filter, for sync tasks that name no types.
    pub local_resource_types: Vec<String>,
    /// One sync at a time.
    pub gate: SyncGate,
}

impl Executor {
    /// Runs `task` and records it in the metrics; returns how to finish it, or `None`
    /// when no `FinishTask` is due.
    pub async fn execute(&self, task: Task) -> Option<TaskOutcome> {
        let started = Instant::now();
        let name = type_name_of(&task);
        let outcome = self.dispatch(task).await;
        metrics::record_task(
            name,
            metrics::outcome_label(outcome.as_ref()),
            started.elapsed(),
        );
        outcome
    }

    /// Runs `task` by its type.
    async fn dispatch(&self, task: Task) -> Option<TaskOutcome> {
        let task_type = task.task_type?;
        let provisioning = match task_type {
            TaskType::None(_) => return None,
            TaskType::Hello(_) => {
                self.answer_hello(&task.id).await;
                return None;
            }
            TaskType::SyncFull(sync) => return sync_task::run(self, &task.id, sync).await,
            TaskType::Grant(t) => Provisioning::Grant(t),
            TaskType::Revoke(t) => Provisioning::Revoke(t),
            TaskType::CreateAccount(t) => Provisioning::CreateAccount(t),
            TaskType::DeleteResource(t) => Provisioning::DeleteResource(t),
            TaskType::ActionInvoke(t) => Provisioning::ActionInvoke(t),
            other => return Some(unsupported(type_name(&other))),
        };
        Some(provision_task::run(&self.connector, self.provisioning, provisioning).await)
    }

    /// A `hello` task is answered by a `Hello` carrying its id; a failure is only logged
    /// (ConductorOne hands the task out again).
    async fn answer_hello(&self, task_id: &str) {
        match self
            .session
            .hello(Some(task_id), self.connector.metadata())
            .await
        {
            Ok(()) => tracing::info!("answered the hello task"),
            Err(error) => tracing::warn!(%error, "Hello for the hello task failed"),
        }
    }
}

/// The name of a task's type, as the `Task` message's oneof field names it.
pub fn type_name_of(task: &Task) -> &'static str {
    task.task_type.as_ref().map_or("none", type_name)
}

/// The name of a task type (the `Task` oneof field).
pub fn type_name(task_type: &TaskType) -> &'static str {
    match task_type {
        TaskType::None(_) => "none",
        TaskType::Hello(_) => "hello",
        TaskType::SyncFull(_) => "sync_full",
        TaskType::Grant(_) => "grant",
        TaskType::Revoke(_) => "revoke",
        TaskType::CreateAccount(_) => "create_account",
        TaskType::CreateResource(_) => "create_resource",
        TaskType::DeleteResource(_) => "delete_resource",
        TaskType::RotateCredentials(_) => "rotate_credentials",
        TaskType::EventFeed(_) => "event_feed",
        TaskType::CreateTicketTask(_) => "create_ticket_task",
        TaskType::ListTicketSchemas(_) => "list_ticket_schemas",
        TaskType::GetTicket(_) => "get_ticket",
        TaskType::BulkCreateTickets(_) => "bulk_create_tickets",
        TaskType::BulkGetTickets(_) => "bulk_get_tickets",
        TaskType::ActionListSchemas(_) => "action_list_schemas",
        TaskType::ActionGetSchema(_) => "action_get_schema",
        TaskType::ActionInvoke(_) => "action_invoke",
        TaskType::ActionStatus(_) => "action_status",
        TaskType::CreateSyncDiff(_) => "create_sync_diff",
        TaskType::CompactSyncs(_) => "compact_syncs",
        TaskType::ListEventFeeds(_) => "list_event_feeds",
        TaskType::ListEvents(_) => "list_events",
        TaskType::IssueCredential(_) => "issue_credential",
    }
}

/// A failed task: `code`, `message`, and whether ConductorOne must not hand it out again.
pub fn failed(code: Code, message: impl Into<String>, non_retryable: bool) -> TaskOutcome {
    TaskOutcome::Error {
        status: Status {
            code: code as i32,
            message: message.into(),
            details: Vec::new(),
        },
        non_retryable,
        annotations: Vec::new(),
    }
}

/// A task that cannot be run as given: `INVALID_ARGUMENT`, not retryable.
pub fn malformed(problem: impl std::fmt::Display) -> TaskOutcome {
    failed(
        Code::InvalidArgument,
        format!("malformed task: {problem}"),
        true,
    )
}

/// A task type this connector does not handle, answered as the Go SDK answers it:
/// `UNKNOWN`, retryable (ConductorOne decides whether to deliver it again).
pub fn unsupported(name: &str) -> TaskOutcome {
    failed(
        Code::Unknown,
        format!("unsupported task type: {name}"),
        false,
    )
}

/// Code, message and `non_retryable` of a failed outcome (tests).
#[cfg(test)]
pub fn error_parts(outcome: &TaskOutcome) -> (i32, &str, bool) {
    match outcome {
        TaskOutcome::Error {
            status,
            non_retryable,
            ..
        } => (status.code, status.message.as_str(), *non_retryable),
        TaskOutcome::Success { .. } => panic!("expected an error, got {outcome:?}"),
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use c1_proto::c1::connectorapi::baton::v1::task::{EventFeedTask, GrantTask};

    use super::*;

    #[test]
    fn unsupported_types_are_answered_unknown_and_retryable_as_the_go_sdk_does() {
        let outcome = unsupported(type_name(&TaskType::EventFeed(EventFeedTask::default())));
        assert_eq!(
            error_parts(&outcome),
            (2, "unsupported task type: event_feed", false)
        );
    }

    #[test]
    fn malformed_tasks_are_invalid_arguments_and_not_retried() {
        let outcome = malformed("the grant task has no entitlement");
        assert_eq!(
            error_parts(&outcome),
            (3, "malformed task: the grant task has no entitlement", true)
        );
    }

    #[test]
    fn type_names_are_the_oneof_field_names() {
        let grant = Task {
            task_type: Some(TaskType::Grant(GrantTask::default())),
            ..Task::default()
        };
        assert_eq!(type_name_of(&grant), "grant");
        assert_eq!(type_name_of(&Task::default()), "none");
    }
}
