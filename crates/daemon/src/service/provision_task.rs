//! Provisioning tasks: `grant`, `revoke`, `create_account`, `delete_resource` and
//! `action_invoke` run through the connector, only with provisioning enabled.
//!
//! | task | connector call | success response (`Any`) |
//! | --- | --- | --- |
//! | `grant` | `grant(entitlement, principal)` | `GrantManagerServiceGrantResponse` |
//! | `revoke` | `revoke(grant)` | `GrantManagerServiceRevokeResponse` |
//! | `create_account` | `create_account(account_info, credential_options)` | `CreateAccountResponse` |
//! | `delete_resource` | `delete_resource(resource_id)` | `DeleteResourceResponse` |
//! | `action_invoke` | `invoke_action(name, args)` (`disable_user`, `enable_user`) | `InvokeActionResponse` |
//!
//! The response's annotations are copied into the success annotations (as the SDK does).
//! A connector failure ([`ProvisionError`]) becomes an error with its status (code,
//! message, annotations as details), `non_retryable = !retryable` and its annotations. A
//! task missing what it needs is malformed (`INVALID_ARGUMENT`, not retryable); with
//! provisioning off every such task fails with `FAILED_PRECONDITION`, not retryable.

use c1_proto::any;
use c1_proto::c1::connector::v2::{
    AccountInfo, BatonActionStatus, CredentialOptions, Entitlement, Grant, InvokeActionResponse,
    Resource, ResourceId,
};
use c1_proto::c1::connectorapi::baton::v1::task::{
    ActionInvokeTask, CreateAccountTask, DeleteResourceTask, GrantTask, RevokeTask,
};
use c1_proto::prost_types::{Any, Struct};
use connector::{AtlassianConnector, ProvisionError};
use controlplane::{MAX_ANNOTATIONS, TaskOutcome};
use tonic::Code;

use super::tasks::{failed, malformed};

/// Why a provisioning task is refused when provisioning is off.
pub const NOT_ENABLED: &str = "provisioning is not enabled: set BATON_PROVISIONING=true (or \
                               --provisioning) to let ConductorOne change access";

/// A provisioning task.
#[derive(Clone, Debug, PartialEq)]
pub enum Provisioning {
    /// Grant an entitlement to a principal.
    Grant(GrantTask),
    /// Revoke a grant.
    Revoke(RevokeTask),
    /// Create an account.
    CreateAccount(CreateAccountTask),
    /// Delete a resource (a user account).
    DeleteResource(DeleteResourceTask),
    /// Invoke an action (`disable_user`, `enable_user`).
    ActionInvoke(ActionInvokeTask),
}

/// Runs a provisioning task and says how to finish it.
pub async fn run(connector: &AtlassianConnector, enabled: bool, task: Provisioning) -> TaskOutcome {
    let call = match Call::read(&task) {
        Ok(call) => call,
        Err(problem) => return malformed(problem),
    };
    if !enabled {
        return failed(Code::FailedPrecondition, NOT_ENABLED, true);
    }
    call.run(connector).await
}

/// A well-formed provisioning task: what the connector is asked to do.
enum Call<'t> {
    Grant(&'t Entitlement, &'t Resource),
    Revoke(&'t Grant),
    CreateAccount(&'t AccountInfo, CredentialOptions),
    DeleteResource(&'t ResourceId),
    ActionInvoke(&'t str, &'t Struct),
}

impl<'t> Call<'t> {
    /// Reads a task, or says what it lacks before the connector can even read it (the
    /// connector checks the rest: ids that do not parse, unknown resource types,
    /// principals of the wrong type).
    fn read(task: &'t Provisioning) -> Result<Self, &'static str> {
        Ok(match task {
            Provisioning::Grant(t) => Call::Grant(
                t.entitlement
                    .as_ref()
                    .ok_or("the grant task has no entitlement")?,
                t.principal
                    .as_ref()
                    .ok_or("the grant task has no principal")?,
            ),
            Provisioning::Revoke(t) => {
                Call::Revoke(t.grant.as_ref().ok_or("the revoke task has no grant")?)
            }
            Provisioning::CreateAccount(t) => {
                let info = t
                    .account_info
                    .as_ref()
                    .ok_or("the create_account task has no account info")?;
                if !t.resource_type_id.is_empty() && t.resource_type_id != "user" {
                    return Err("only user accounts can be created");
                }
                Call::CreateAccount(info, t.credential_options.clone().unwrap_or_default())
            }
            Provisioning::DeleteResource(t) => Call::DeleteResource(
                t.resource_id
                    .as_ref()
                    .ok_or("the delete_resource task has no resource id")?,
            ),
            Provisioning::ActionInvoke(t) => {
                if t.name.trim().is_empty() {
                    return Err("the action_invoke task has no action name");
                }
                let args = t
                    .args
                    .as_ref()
                    .ok_or("the action_invoke task has no arguments")?;
                if !t.resource_type_id.is_empty() {
                    return Err("this connector's actions are not scoped to a resource type");
                }
                Call::ActionInvoke(&t.name, args)
            }
        })
    }

    /// Asks the connector and turns its answer into the task's outcome.
    async fn run(self, connector: &AtlassianConnector) -> TaskOutcome {
        match self {
            Call::Grant(entitlement, principal) => {
                respond(connector.grant(entitlement, principal).await, |r| {
                    r.annotations.clone()
                })
            }
            Call::Revoke(grant) => {
                respond(connector.revoke(grant).await, |r| r.annotations.clone())
            }
            Call::CreateAccount(info, options) => {
                respond(connector.create_account(info, &options).await, |r| {
                    r.annotations.clone()
                })
            }
            Call::DeleteResource(id) => respond(connector.delete_resource(id).await, |r| {
                r.annotations.clone()
            }),
            Call::ActionInvoke(name, args) => {
                let result = connector.invoke_action(name, args).await.map(|response| {
                    InvokeActionResponse {
                        id: c1z::Ksuid::new().to_string(),
                        status: BatonActionStatus::Complete as i32,
                        annotations: Vec::new(),
                        response: Some(response),
                        name: name.to_owned(),
                    }
                });
                respond(result, |r| r.annotations.clone())
            }
        }
    }
}

/// The outcome of a connector call: the response packed as `Any` with its annotations,
/// or the classified failure.
pub fn respond<M: prost::Name>(
    result: Result<M, ProvisionError>,
    annotations_of: impl FnOnce(&M) -> Vec<Any>,
) -> TaskOutcome {
    match result {
        Ok(response) => TaskOutcome::Success {
            annotations: bounded(annotations_of(&response)),
            response: Some(any::pack(&response)),
        },
        Err(error) => {
            tracing::warn!(code = ?error.code, retryable = error.retryable, "{}", error.message);
            TaskOutcome::Error {
                status: error.status(),
                non_retryable: !error.retryable,
                annotations: bounded(error.annotations),
            }
        }
    }
}

/// At most the 16 annotations FinishTask accepts (the connector never gives more; a
/// longer list would make FinishTask fail and the task hang until its lease ends).
fn bounded(mut annotations: Vec<Any>) -> Vec<Any> {
    if annotations.len() > MAX_ANNOTATIONS {
        tracing::warn!(
            count = annotations.len(),
            "more annotations than FinishTask accepts; keeping the first {MAX_ANNOTATIONS}"
        );
        annotations.truncate(MAX_ANNOTATIONS);
    }
    annotations
}

#[cfg(test)]
mod tests {
    use c1_proto::c1::connector::v2::{
        AccountInfo, Entitlement, GrantAlreadyExists, GrantManagerServiceGrantResponse,
        RateLimitDescription, Resource, ResourceId,
    };
    use c1_proto::prost_types::Struct;
    use connector::ConnectorConfig;
    use connector::provision::Code as ProvisionCode;

    use super::*;
    use crate::service::tasks::error_parts;

    /// A connector that is never reached: these tasks fail before any request.
    fn offline() -> AtlassianConnector {
        AtlassianConnector::new(ConnectorConfig::new("org-1", "key")).unwrap()
    }

    fn user(id: &str) -> Resource {
        Resource {
            id: Some(ResourceId {
                resource_type: "user".into(),
                resource: id.into(),
                baton_resource: false,
            }),
            ..Resource::default()
        }
    }

    fn grant_task() -> GrantTask {
        GrantTask {
            entitlement: Some(Entitlement {
                id: "group:g-1:member".into(),
                ..Entitlement::default()
            }),
            principal: Some(user("u-1")),
            ..GrantTask::default()
        }
    }

    #[tokio::test]
    async fn tasks_missing_what_they_need_are_malformed_and_not_retried() {
        let cases = [
            (
                Provisioning::Grant(GrantTask {
                    entitlement: None,
                    ..grant_task()
                }),
                "malformed task: the grant task has no entitlement",
            ),
            (
                Provisioning::Grant(GrantTask {
                    principal: None,
                    ..grant_task()
                }),
                "malformed task: the grant task has no principal",
            ),
            (
                Provisioning::Revoke(RevokeTask::default()),
                "malformed task: the revoke task has no grant",
            ),
            (
                Provisioning::CreateAccount(CreateAccountTask::default()),
                "malformed task: the create_account task has no account info",
            ),
            (
                Provisioning::CreateAccount(CreateAccountTask {
                    account_info: Some(AccountInfo::default()),
                    resource_type_id: "group".into(),
                    ..CreateAccountTask::default()
                }),
                "malformed task: only user accounts can be created",
            ),
            (
                Provisioning::DeleteResource(DeleteResourceTask::default()),
                "malformed task: the delete_resource task has no resource id",
            ),
            (
                Provisioning::ActionInvoke(ActionInvokeTask {
                    args: Some(Struct::default()),
                    ..ActionInvokeTask::default()
                }),
                "malformed task: the action_invoke task has no action name",
            ),
            (
                Provisioning::ActionInvoke(ActionInvokeTask {
                    name: "disable_user".into(),
                    ..ActionInvokeTask::default()
                }),
                "malformed task: the action_invoke task has no arguments",
            ),
        ];
        for (task, message) in cases {
            // Malformed wins over "provisioning is off": the task itself is wrong.
            let outcome = run(&offline(), false, task).await;
            assert_eq!(error_parts(&outcome), (3, message, true));
        }
    }

    #[tokio::test]
    async fn with_provisioning_off_a_well_formed_task_fails_naming_the_setting() {
        let outcome = run(&offline(), false, Provisioning::Grant(grant_task())).await;
        let (code, message, non_retryable) = error_parts(&outcome);
        assert_eq!((code, non_retryable), (9, true));
        assert!(message.contains("BATON_PROVISIONING"), "{message}");
    }

    #[tokio::test]
    async fn ids_the_connector_cannot_read_fail_the_task_without_a_request() {
        let mut task = grant_task();
        task.entitlement.as_mut().unwrap().id = "nonsense".into();
        let outcome = run(&offline(), true, Provisioning::Grant(task)).await;
        let (code, message, non_retryable) = error_parts(&outcome);
        assert_eq!((code, non_retryable), (3, true));
        assert!(message.contains("nonsense"), "{message}");
    }

    #[test]
    fn a_response_is_packed_with_its_annotations_copied() {
        let response = GrantManagerServiceGrantResponse {
            annotations: vec![any::pack(&GrantAlreadyExists {})],
            grants: Vec::new(),
        };
        let outcome = respond(Ok(response.clone()), |r| r.annotations.clone());
        let TaskOutcome::Success {
            response: Some(packed),
            annotations,
        } = outcome
        else {
            panic!("expected a success with a response")
        };
        assert_eq!(
            packed.type_url,
            "type.googleapis.com/c1.connector.v2.GrantManagerServiceGrantResponse"
        );
        assert_eq!(
            any::unpack::<GrantManagerServiceGrantResponse>(&packed).unwrap(),
            Some(response)
        );
        assert!(
            any::find::<GrantAlreadyExists>(&annotations)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_connector_failure_keeps_its_code_annotations_and_retry_advice() {
        let annotation = any::pack(&RateLimitDescription::default());
        let error = ProvisionError {
            code: ProvisionCode::Unavailable,
            message: "grant failed: rate limited".into(),
            retryable: true,
            annotations: vec![annotation.clone()],
        };
        let outcome = respond::<GrantManagerServiceGrantResponse>(Err(error), |_| Vec::new());
        let TaskOutcome::Error {
            status,
            non_retryable,
            annotations,
        } = outcome
        else {
            panic!("expected an error")
        };
        assert_eq!(
            (status.code, status.message.as_str()),
            (14, "grant failed: rate limited")
        );
        assert_eq!(status.details, std::slice::from_ref(&annotation));
        assert!(!non_retryable);
        assert_eq!(annotations, [annotation]);
    }

    #[test]
    fn more_than_sixteen_annotations_are_cut_to_sixteen() {
        let many = vec![any::pack(&GrantAlreadyExists {}); MAX_ANNOTATIONS + 3];
        assert_eq!(bounded(many).len(), MAX_ANNOTATIONS);
    }
}
