//! The demo's task script: a JSON list of task descriptions, run one after another against
//! a [`ControlPlaneSim`], and a report of each task's outcome.
//!
//! ```json
//! [
//!   {"type": "sync_full", "skip_expand_grants": true},
//!   {"type": "grant", "entitlement_id": "group:g1:member", "principal": {"type": "user", "id": "u1"}},
//!   {"type": "revoke", "entitlement_id": "group:g1:member", "principal": {"type": "user", "id": "u1"}},
//!   {"type": "create_account", "login": "ada", "email": "ada@example.com"},
//!   {"type": "hello"}, {"type": "none"}, {"type": "event_feed"}
//! ]
//! ```
//!
//! As ConductorOne does, grant and revoke tasks carry the entitlement, principal and grant
//! as the last sync stored them: they are looked up in the last uploaded c1z. Without a
//! sync (or when absent from it) they are built from the ids, with the entitlement's
//! resource from the optional `resource_type`, `resource_id` and `slug` fields.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use c1_proto::c1::connector::v2::account_info::Email;
use c1_proto::c1::connector::v2::{AccountInfo, Entitlement, Grant, Resource, ResourceId};
use c1_proto::c1::connectorapi::baton::v1::Task;
use c1_proto::c1::connectorapi::baton::v1::task::SyncFullTask;
use c1z::{C1zReader, GrantFilter};
use prost_types::value::Kind;
use prost_types::{Struct, Value};
use serde::{Deserialize, Serialize};

use super::records::Records;
use super::server::ControlPlaneSim;
use super::tasks;

/// One task of a script.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TaskSpec {
    /// A sync.
    SyncFull(SyncSpec),
    /// Grant an entitlement to a principal.
    Grant(Assignment),
    /// Revoke the grant of an entitlement to a principal.
    Revoke(Assignment),
    /// Create an account.
    CreateAccount(AccountSpec),
    /// A Hello task.
    Hello,
    /// A `none` task.
    None,
    /// An `event_feed` task (unsupported in service mode).
    EventFeed,
}

/// Options of a sync task.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSpec {
    /// `skip_expand_grants`.
    #[serde(default)]
    pub skip_expand_grants: bool,
    /// `skip_entitlements_and_grants`.
    #[serde(default)]
    pub skip_entitlements_and_grants: bool,
    /// `skip_grants`.
    #[serde(default)]
    pub skip_grants: bool,
    /// `sync_resource_type_ids`.
    #[serde(default)]
    pub resource_types: Vec<String>,
}

/// An entitlement and a principal, for a grant or a revoke.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The entitlement id (`<type>:<resource id>:<slug>`).
    pub entitlement_id: String,
    /// The principal.
    pub principal: PrincipalRef,
    /// The entitlement's resource type, used when the last sync does not have it.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// The entitlement's resource id, used when the last sync does not have it.
    #[serde(default)]
    pub resource_id: Option<String>,
    /// The entitlement's slug, used when the last sync does not have it.
    #[serde(default)]
    pub slug: Option<String>,
}

/// A resource by type and id.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalRef {
    /// Resource type id, e.g. `user`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Resource id.
    pub id: String,
}

/// The account of a create-account task.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// `login`.
    pub login: String,
    /// The primary email address.
    #[serde(default)]
    pub email: Option<String>,
    /// String profile fields.
    #[serde(default)]
    pub profile: std::collections::BTreeMap<String, String>,
    /// `resource_type_id` (may be empty).
    #[serde(default)]
    pub resource_type_id: String,
}

impl TaskSpec {
    /// Parses a script: a JSON array of task descriptions.
    pub fn parse_list(json: &str) -> Result<Vec<TaskSpec>, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The task type's name, as in the script.
    pub fn kind(&self) -> &'static str {
        match self {
            TaskSpec::SyncFull(_) => "sync_full",
            TaskSpec::Grant(_) => "grant",
            TaskSpec::Revoke(_) => "revoke",
            TaskSpec::CreateAccount(_) => "create_account",
            TaskSpec::Hello => "hello",
            TaskSpec::None => "none",
            TaskSpec::EventFeed => "event_feed",
        }
    }

    /// The task, with entitlements, principals and grants taken from the c1z at
    /// `last_sync` when it has them.
    pub fn to_task(&self, last_sync: Option<&Path>) -> Result<Task, String> {
        let reader = last_sync
            .map(C1zReader::open)
            .transpose()
            .map_err(|e| format!("opening the last sync: {e}"))?;
        let catalog = Catalog(reader.as_ref());
        Ok(match self {
            TaskSpec::SyncFull(sync) => tasks::sync_full_with(SyncFullTask {
                skip_expand_grants: sync.skip_expand_grants,
                skip_entitlements_and_grants: sync.skip_entitlements_and_grants,
                skip_grants: sync.skip_grants,
                sync_resource_type_ids: sync.resource_types.clone(),
                ..SyncFullTask::default()
            }),
            TaskSpec::Grant(a) => tasks::grant(catalog.entitlement(a)?, catalog.principal(a)?),
            TaskSpec::Revoke(a) => tasks::revoke(catalog.grant(a)?),
            TaskSpec::CreateAccount(account) => {
                tasks::create_account(account_info(account), None, &account.resource_type_id)
            }
            TaskSpec::Hello => tasks::hello(),
            TaskSpec::None => tasks::none(),
            TaskSpec::EventFeed => tasks::event_feed(),
        })
    }
}

/// The last sync, if any, to look objects up in.
struct Catalog<'r>(Option<&'r C1zReader>);

impl Catalog<'_> {
    fn entitlement(&self, a: &Assignment) -> Result<Entitlement, String> {
        if let Some(reader) = self.0 {
            let found = reader
                .entitlements(None)
                .find(|e| e.as_ref().map_or(true, |e| e.id == a.entitlement_id))
                .transpose()
                .map_err(|e| e.to_string())?;
            if let Some(entitlement) = found {
                return Ok(entitlement);
            }
        }
        let resource = match (&a.resource_type, &a.resource_id) {
            (Some(rt), Some(id)) => Some(tasks::resource(rt, id)),
            _ => None,
        };
        Ok(Entitlement {
            id: a.entitlement_id.clone(),
            slug: a.slug.clone().unwrap_or_default(),
            resource,
            ..Entitlement::default()
        })
    }

    fn principal(&self, a: &Assignment) -> Result<Resource, String> {
        let PrincipalRef { resource_type, id } = &a.principal;
        if let Some(reader) = self.0 {
            let found = reader
                .resources(Some(resource_type))
                .find(|r| {
                    r.as_ref()
                        .map_or(true, |r| r.id.as_ref().is_some_and(|i| &i.resource == id))
                })
                .transpose()
                .map_err(|e| e.to_string())?;
            if let Some(resource) = found {
                return Ok(resource);
            }
        }
        Ok(tasks::resource(resource_type, id))
    }

    fn grant(&self, a: &Assignment) -> Result<Grant, String> {
        if let Some(reader) = self.0 {
            let filter = GrantFilter {
                entitlement_id: Some(a.entitlement_id.clone()),
                principal: Some(ResourceId {
                    resource_type: a.principal.resource_type.clone(),
                    resource: a.principal.id.clone(),
                    baton_resource: false,
                }),
                ..GrantFilter::default()
            };
            if let Some(record) = reader.grants(&filter).next() {
                return record.map(|r| r.grant).map_err(|e| e.to_string());
            }
        }
        Ok(tasks::grant_of(self.entitlement(a)?, self.principal(a)?))
    }
}

/// The `AccountInfo` of an account description.
fn account_info(account: &AccountSpec) -> AccountInfo {
    let text = |s: &String| Value {
        kind: Some(Kind::StringValue(s.clone())),
    };
    AccountInfo {
        emails: account
            .email
            .iter()
            .map(|address| Email {
                address: address.clone(),
                is_primary: true,
            })
            .collect(),
        login: account.login.clone(),
        login_aliases: Vec::new(),
        profile: Some(Struct {
            fields: account
                .profile
                .iter()
                .map(|(k, v)| (k.clone(), text(v)))
                .collect(),
        }),
    }
}

/// What happened to one task of a script.
#[derive(Clone, Debug, Serialize)]
pub struct TaskReport {
    /// Position in the script (0-based).
    pub index: usize,
    /// The task type's name.
    pub kind: String,
    /// The task id, if the task was built.
    pub task_id: Option<String>,
    /// What happened.
    pub outcome: TaskOutcome,
    /// `FinishTask` status code, if one was sent.
    pub status_code: Option<i32>,
    /// `FinishTask` status message, if one was sent.
    pub status_message: Option<String>,
    /// `error.non_retryable` of a failed task.
    pub non_retryable: Option<bool>,
    /// Type URL of the success or error response.
    pub response_type: Option<String>,
    /// The c1z a sync uploaded.
    pub upload: Option<UploadReport>,
    /// Seconds from queueing to the outcome.
    pub seconds: f64,
}

impl TaskReport {
    /// The report of a task not run (yet).
    pub fn not_run(index: usize, spec: &TaskSpec) -> TaskReport {
        TaskReport {
            index,
            kind: spec.kind().to_owned(),
            task_id: None,
            outcome: TaskOutcome::NotRun,
            status_code: None,
            status_message: None,
            non_retryable: None,
            response_type: None,
            upload: None,
            seconds: 0.0,
        }
    }

    /// Whether the task reached an outcome (succeeded, failed, acknowledged, delivered).
    pub fn completed(&self) -> bool {
        matches!(
            self.outcome,
            TaskOutcome::Succeeded
                | TaskOutcome::Failed
                | TaskOutcome::Acknowledged
                | TaskOutcome::Delivered
        )
    }
}

/// What happened to a task of a script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskOutcome {
    /// `FinishTask` with `success`.
    Succeeded,
    /// `FinishTask` with `error`.
    Failed,
    /// A Hello task answered by a `Hello` with its id.
    Acknowledged,
    /// A `none` task handed out.
    Delivered,
    /// Queued, no outcome yet (the run was interrupted while waiting).
    Waiting,
    /// No outcome within the timeout.
    TimedOut,
    /// Not queued (the run stopped before it).
    NotRun,
    /// The task could not be built; why.
    Invalid(String),
}

impl fmt::Display for TaskOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskOutcome::Succeeded => f.write_str("succeeded"),
            TaskOutcome::Failed => f.write_str("failed"),
            TaskOutcome::Acknowledged => f.write_str("acknowledged"),
            TaskOutcome::Delivered => f.write_str("delivered"),
            TaskOutcome::Waiting => f.write_str("waiting"),
            TaskOutcome::TimedOut => f.write_str("timed out"),
            TaskOutcome::NotRun => f.write_str("not run"),
            TaskOutcome::Invalid(why) => write!(f, "invalid: {why}"),
        }
    }
}

/// A sync's uploaded c1z.
#[derive(Clone, Debug, Serialize)]
pub struct UploadReport {
    /// Where it is stored.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Resource types in it (absent if it could not be read).
    pub resource_types: Option<u64>,
    /// Resources in it.
    pub resources: Option<u64>,
    /// Entitlements in it.
    pub entitlements: Option<u64>,
    /// Grants in it.
    pub grants: Option<u64>,
}

/// Runs `specs` in order: queues each task, waits up to `timeout` for its outcome, then
/// goes on. Each task's report is in `reports` from the moment it is queued (as
/// `Waiting`), so an interrupted run keeps what it has. A task that could not be built or
/// timed out is reported and the rest still run.
pub async fn run(
    sim: &ControlPlaneSim,
    specs: &[TaskSpec],
    timeout: Duration,
    reports: &mut Vec<TaskReport>,
) {
    let mut last_sync: Option<PathBuf> = None;
    for (index, spec) in specs.iter().enumerate() {
        let started = Instant::now();
        reports.push(TaskReport::not_run(index, spec));
        let report = reports.last_mut().expect("just pushed");
        let task = match spec.to_task(last_sync.as_deref()) {
            Ok(task) => task,
            Err(why) => {
                report.outcome = TaskOutcome::Invalid(why);
                continue;
            }
        };
        let task_id = sim.push_task(task);
        report.task_id = Some(task_id.clone());
        report.outcome = TaskOutcome::Waiting;
        let outcome = sim
            .wait_for(timeout, &format!("the outcome of {task_id}"), |r| {
                outcome_of(spec, &task_id, r)
            })
            .await;
        let report = reports.last_mut().expect("pushed above");
        match outcome {
            Ok(done) => {
                if let Some(upload) = &done.upload {
                    last_sync = Some(upload.path.clone());
                }
                done.fill(report);
            }
            Err(_) => report.outcome = TaskOutcome::TimedOut,
        }
        report.seconds = started.elapsed().as_secs_f64();
    }
}

/// A task's outcome as seen in the records.
struct Outcome {
    outcome: TaskOutcome,
    status: Option<(i32, String)>,
    non_retryable: Option<bool>,
    response_type: Option<String>,
    upload: Option<UploadReport>,
}

impl Outcome {
    fn fill(self, report: &mut TaskReport) {
        let (status_code, status_message) = self.status.unzip();
        report.outcome = self.outcome;
        report.status_code = status_code;
        report.status_message = status_message;
        report.non_retryable = self.non_retryable;
        report.response_type = self.response_type;
        report.upload = self.upload;
    }
}

/// The outcome of `task_id` if it is known: a Hello acknowledges a Hello task, a poll
/// delivers a `none` task, a `FinishTask` ends every other task.
fn outcome_of(spec: &TaskSpec, task_id: &str, records: &Records) -> Option<Outcome> {
    let bare = |outcome| Outcome {
        outcome,
        status: None,
        non_retryable: None,
        response_type: None,
        upload: None,
    };
    match spec {
        TaskSpec::Hello => records
            .hellos
            .iter()
            .any(|h| h.request.task_id == task_id)
            .then(|| bare(TaskOutcome::Acknowledged)),
        TaskSpec::None => records
            .get_tasks
            .iter()
            .any(|g| g.task_id.as_deref() == Some(task_id))
            .then(|| bare(TaskOutcome::Delivered)),
        _ => {
            let finish = records.finish_of(task_id)?;
            let upload = records
                .uploads_of(task_id)
                .into_iter()
                .next()
                .map(|u| upload_report(u.path, u.bytes));
            Some(Outcome {
                outcome: if finish.success {
                    TaskOutcome::Succeeded
                } else {
                    TaskOutcome::Failed
                },
                status: finish.status.as_ref().map(|s| (s.code, s.message.clone())),
                non_retryable: (!finish.success).then_some(finish.non_retryable),
                response_type: finish.response.as_ref().map(|a| a.type_url.clone()),
                upload,
            })
        }
    }
}

/// The report of an uploaded c1z, with its counts if it can be read.
fn upload_report(path: PathBuf, bytes: u64) -> UploadReport {
    let counts = C1zReader::open(&path).and_then(|r| r.counts()).ok();
    UploadReport {
        bytes,
        resource_types: counts.map(|c| c.resource_types),
        resources: counts.map(|c| c.resources),
        entitlements: counts.map(|c| c.entitlements),
        grants: counts.map(|c| c.grants),
        path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use c1_proto::c1::connectorapi::baton::v1::task::TaskType;

    #[test]
    fn a_script_parses_every_task_type() {
        let specs = TaskSpec::parse_list(
            r#"[{"type":"sync_full","skip_expand_grants":true},
                {"type":"grant","entitlement_id":"group:g1:member","principal":{"type":"user","id":"u1"}},
                {"type":"revoke","entitlement_id":"group:g1:member","principal":{"type":"user","id":"u1"}},
                {"type":"create_account","login":"ada","email":"ada@example.com"},
                {"type":"hello"},{"type":"none"},{"type":"event_feed"}]"#,
        )
        .unwrap();
        let kinds: Vec<_> = specs.iter().map(TaskSpec::kind).collect();
        assert_eq!(
            kinds,
            [
                "sync_full",
                "grant",
                "revoke",
                "create_account",
                "hello",
                "none",
                "event_feed"
            ]
        );
        assert_eq!(
            specs[0],
            TaskSpec::SyncFull(SyncSpec {
                skip_expand_grants: true,
                ..SyncSpec::default()
            })
        );
    }

    #[test]
    fn a_misspelt_field_is_refused() {
        let error = TaskSpec::parse_list(
            r#"[{"type":"grant","entitlement":"group:g1:member","principal":{"type":"user","id":"u1"}}]"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("entitlement"), "{error}");
    }

    #[test]
    fn a_revoke_without_a_sync_carries_a_grant_built_from_the_ids() {
        let spec = TaskSpec::Revoke(Assignment {
            entitlement_id: "group:g1:member".into(),
            principal: PrincipalRef {
                resource_type: "user".into(),
                id: "u1".into(),
            },
            resource_type: Some("group".into()),
            resource_id: Some("g1".into()),
            slug: Some("member".into()),
        });
        let Some(TaskType::Revoke(revoke)) = spec.to_task(None).unwrap().task_type else {
            panic!("not a revoke task");
        };
        let grant = revoke.grant.unwrap();
        assert_eq!(grant.id, "group:g1:member:user:u1");
        let entitlement = grant.entitlement.unwrap();
        assert_eq!(entitlement.slug, "member");
        assert_eq!(
            entitlement.resource.unwrap().id.unwrap().resource,
            "g1".to_owned()
        );
    }
}
