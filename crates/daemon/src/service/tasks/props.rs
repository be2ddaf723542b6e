//! Property: whatever ConductorOne hands out (any task type, fields present or missing,
//! any annotations, ids and action arguments, or bytes that are not a task at all), the
//! daemon reads it into work it can run or into a failure with a gRPC code and a
//! message, and never panics.
//!
//! Provisioning tasks are read twice: with provisioning off (where a readable task is
//! refused with `FAILED_PRECONDITION` before the connector sees it), and with it on
//! against an Atlassian that cannot be reached (a closed loopback port, one attempt), so
//! that the connector also reads the ids, emails and arguments it was given.

use std::sync::LazyLock;

use c1_proto::c1::connector::v2::{
    AccountInfo, CredentialOptions, Entitlement, Grant, Resource, ResourceId, account_info,
    credential_options,
};
use c1_proto::c1::connectorapi::baton::v1::task::{self as kinds, TaskType};
use c1_proto::c1::connectorapi::baton::v1::{BatonServiceGetTaskResponse, Task};
use c1_proto::prost_types::{Any, ListValue, Struct, Value, value::Kind};
use connector::{AtlassianConnector, ConnectorConfig, ResourceKind};
use controlplane::TaskOutcome;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::Config;
use prost::Message;
use tonic::Code;

use super::type_name_of;
use crate::service::provision_task::{self, NOT_ENABLED, Provisioning};
use crate::service::sync_task::options_of;

/// Strings ConductorOne might send: real ids and names, blanks, anything.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        select(
            &[
                "",
                " ",
                "user",
                "group",
                "team",
                "workspace",
                "g-1",
                "557058:abc",
                "disable_user",
                "enable_user",
                "group:g-1:member",
                "team:t-1:member",
                "organization:o-1:atlassian/admin",
                "ann@example.com",
                "user_id",
                "workspace:ari:cloud:jira::site/s-1:atlassian/user",
            ][..]
        )
        .prop_map(str::to_owned),
        any::<String>(),
        "[ -~]{0,24}",
    ]
}

/// A resource type id: one of ours, another, or anything.
fn type_id() -> impl Strategy<Value = String> {
    let ours: Vec<String> = ResourceKind::ALL
        .iter()
        .map(|k| k.id().to_owned())
        .collect();
    prop_oneof![select(ours), text()]
}

fn resource_id() -> impl Strategy<Value = ResourceId> {
    (type_id(), text(), any::<bool>()).prop_map(|(resource_type, resource, baton_resource)| {
        ResourceId {
            resource_type,
            resource,
            baton_resource,
        }
    })
}

/// Annotations: known and unknown type URLs around arbitrary bytes.
fn annotations() -> impl Strategy<Value = Vec<Any>> {
    let type_url = prop_oneof![
        Just("type.googleapis.com/c1.connector.v2.UserTrait".to_owned()),
        Just("type.googleapis.com/c1.connector.v2.GrantImmutable".to_owned()),
        text(),
    ];
    prop::collection::vec(
        (type_url, prop::collection::vec(any::<u8>(), 0..16))
            .prop_map(|(type_url, value)| Any { type_url, value }),
        0..3,
    )
}

/// A `google.protobuf.Struct` of any values, NaN and nesting included.
fn proto_struct() -> BoxedStrategy<Struct> {
    let leaf = prop_oneof![
        Just(Kind::NullValue(0)),
        any::<f64>().prop_map(Kind::NumberValue),
        text().prop_map(Kind::StringValue),
        any::<bool>().prop_map(Kind::BoolValue),
    ];
    let kind = leaf.prop_recursive(3, 16, 4, |inner| {
        let value = inner.prop_map(|kind| Value { kind: Some(kind) });
        prop_oneof![
            prop::collection::vec(value.clone(), 0..4)
                .prop_map(|values| Kind::ListValue(ListValue { values })),
            prop::collection::btree_map(text(), value, 0..4)
                .prop_map(|fields| Kind::StructValue(Struct { fields })),
        ]
    });
    prop::collection::btree_map(
        text(),
        kind.prop_map(|kind| Value { kind: Some(kind) }),
        0..4,
    )
    .prop_map(|fields| Struct { fields })
    .boxed()
}

fn resource() -> BoxedStrategy<Resource> {
    (
        prop::option::of(resource_id()),
        prop::option::of(resource_id()),
        text(),
        annotations(),
    )
        .prop_map(
            |(id, parent_resource_id, display_name, annotations)| Resource {
                id,
                parent_resource_id,
                display_name,
                annotations,
                ..Default::default()
            },
        )
        .boxed()
}

/// A principal: mostly a user, with any account id.
fn principal() -> BoxedStrategy<Resource> {
    let user = text().prop_map(|resource| Resource {
        id: Some(ResourceId {
            resource_type: ResourceKind::User.id().into(),
            resource,
            baton_resource: false,
        }),
        ..Default::default()
    });
    prop_oneof![3 => user, 1 => resource()].boxed()
}

/// Mostly present: most tasks carry what they need.
fn mostly<S: Strategy>(strategy: S) -> impl Strategy<Value = Option<S::Value>> {
    prop::option::weighted(0.85, strategy)
}

/// An entitlement id in the connector's shapes (`<type>:<id>:member`,
/// `<type>:<id>:role:<role>`) with any parts, or anything.
fn entitlement_id() -> impl Strategy<Value = String> {
    let slug = prop_oneof![
        Just("member".to_owned()),
        select(&["atlassian/admin", "atlassian/user", "", "a:b"][..])
            .prop_map(|role| format!("role:{role}")),
        text(),
    ];
    prop_oneof![
        3 => (type_id(), text(), slug).prop_map(|(t, id, slug)| format!("{t}:{id}:{slug}")),
        1 => text(),
    ]
}

fn entitlement() -> BoxedStrategy<Entitlement> {
    (
        entitlement_id(),
        prop::option::of(resource()),
        text(),
        annotations(),
    )
        .prop_map(|(id, resource, slug, annotations)| Entitlement {
            id,
            resource,
            slug,
            annotations,
            ..Default::default()
        })
        .boxed()
}

fn grant() -> BoxedStrategy<Grant> {
    (
        text(),
        mostly(entitlement()),
        mostly(principal()),
        annotations(),
    )
        .prop_map(|(id, entitlement, principal, annotations)| Grant {
            id,
            entitlement,
            principal,
            annotations,
            sources: None,
        })
        .boxed()
}

fn account_info() -> BoxedStrategy<AccountInfo> {
    let address = prop_oneof![text(), "[a-z]{1,6}@[a-z]{1,6}\\.com"];
    (
        prop::collection::vec((address, any::<bool>()), 0..3),
        text(),
        prop::option::of(proto_struct()),
    )
        .prop_map(|(emails, login, profile)| AccountInfo {
            emails: emails
                .into_iter()
                .map(|(address, is_primary)| account_info::Email {
                    address,
                    is_primary,
                })
                .collect(),
            login,
            login_aliases: Vec::new(),
            profile,
        })
        .boxed()
}

fn credential_options() -> BoxedStrategy<CredentialOptions> {
    use credential_options::{NoPassword, Options, RandomPassword, Sso};
    let options = prop_oneof![
        Just(None),
        Just(Some(Options::NoPassword(NoPassword {}))),
        any::<i64>().prop_map(|length| Some(Options::RandomPassword(RandomPassword {
            length,
            constraints: Vec::new(),
        }))),
        text().prop_map(|sso_provider| Some(Options::Sso(Sso { sso_provider }))),
    ];
    (any::<bool>(), options)
        .prop_map(|(force_change_at_next_login, options)| CredentialOptions {
            force_change_at_next_login,
            options,
        })
        .boxed()
}

/// Action arguments: mostly with a `user_id`, of any kind.
fn action_args() -> BoxedStrategy<Struct> {
    let with_user = (text(), proto_struct()).prop_map(|(user_id, mut args)| {
        let user_id = Value {
            kind: Some(Kind::StringValue(user_id)),
        };
        args.fields.insert("user_id".into(), user_id);
        args
    });
    prop_oneof![3 => with_user, 1 => proto_struct()].boxed()
}

/// The task types the connector does not handle; their content does not matter.
fn unsupported_type() -> impl Strategy<Value = TaskType> {
    select(vec![
        TaskType::CreateResource(Default::default()),
        TaskType::RotateCredentials(Default::default()),
        TaskType::EventFeed(Default::default()),
        TaskType::CreateTicketTask(Default::default()),
        TaskType::ListTicketSchemas(Default::default()),
        TaskType::GetTicket(Default::default()),
        TaskType::BulkCreateTickets(Default::default()),
        TaskType::BulkGetTickets(Default::default()),
        TaskType::ActionListSchemas(Default::default()),
        TaskType::ActionGetSchema(Default::default()),
        TaskType::ActionStatus(Default::default()),
        TaskType::CreateSyncDiff(Default::default()),
        TaskType::CompactSyncs(Default::default()),
        TaskType::ListEventFeeds(Default::default()),
        TaskType::ListEvents(Default::default()),
        TaskType::IssueCredential(Default::default()),
    ])
}

fn sync_task() -> BoxedStrategy<TaskType> {
    (
        annotations(),
        any::<(bool, bool, bool)>(),
        prop::collection::vec(resource(), 0..3),
        prop::collection::vec(type_id(), 0..3),
        text(),
    )
        .prop_map(|(annotations, flags, targets, types, storage_engine)| {
            let (skip_expand_grants, skip_entitlements_and_grants, skip_grants) = flags;
            TaskType::SyncFull(kinds::SyncFullTask {
                annotations,
                skip_expand_grants,
                skip_entitlements_and_grants,
                targeted_sync_resources: targets,
                sync_resource_type_ids: types,
                skip_grants,
                storage_engine,
            })
        })
        .boxed()
}

/// The five provisioning task types, mostly carrying what they need.
fn provisioning_task() -> BoxedStrategy<TaskType> {
    let grant_task = (mostly(entitlement()), mostly(principal()), annotations()).prop_map(
        |(entitlement, principal, annotations)| {
            TaskType::Grant(kinds::GrantTask {
                entitlement,
                principal,
                annotations,
                duration: None,
            })
        },
    );
    let revoke = (mostly(grant()), annotations()).prop_map(|(grant, annotations)| {
        TaskType::Revoke(kinds::RevokeTask { grant, annotations })
    });
    let account_type = prop_oneof![Just(String::new()), Just("user".to_owned()), type_id()];
    let create_account = (
        mostly(account_info()),
        prop::option::of(credential_options()),
        account_type,
    )
        .prop_map(|(account_info, credential_options, resource_type_id)| {
            TaskType::CreateAccount(kinds::CreateAccountTask {
                account_info,
                credential_options,
                encryption_configs: Vec::new(),
                resource_type_id,
            })
        });
    let delete = (mostly(principal()), prop::option::of(resource_id())).prop_map(
        |(principal, parent_resource_id)| {
            TaskType::DeleteResource(kinds::DeleteResourceTask {
                resource_id: principal.and_then(|p| p.id),
                parent_resource_id,
            })
        },
    );
    let action_name = prop_oneof![
        select(&["disable_user", "enable_user"][..]).prop_map(str::to_owned),
        text(),
    ];
    let scope = prop_oneof![3 => Just(String::new()), 1 => type_id()];
    let action = (action_name, mostly(action_args()), annotations(), scope).prop_map(
        |(name, args, annotations, resource_type_id)| {
            TaskType::ActionInvoke(kinds::ActionInvokeTask {
                name,
                args,
                annotations,
                resource_type_id,
            })
        },
    );
    prop_oneof![
        grant_task.boxed(),
        revoke.boxed(),
        create_account.boxed(),
        delete.boxed(),
        action.boxed(),
    ]
    .boxed()
}

fn task_type() -> BoxedStrategy<Option<TaskType>> {
    let none =
        annotations().prop_map(|annotations| TaskType::None(kinds::NoneTask { annotations }));
    let hello =
        annotations().prop_map(|annotations| TaskType::Hello(kinds::HelloTask { annotations }));
    prop_oneof![
        1 => Just(None).boxed(),
        1 => none.prop_map(Some).boxed(),
        1 => hello.prop_map(Some).boxed(),
        3 => sync_task().prop_map(Some).boxed(),
        10 => provisioning_task().prop_map(Some).boxed(),
        2 => unsupported_type().prop_map(Some).boxed(),
    ]
    .boxed()
}

fn task() -> impl Strategy<Value = Task> {
    (text(), any::<i32>(), any::<bool>(), task_type()).prop_map(|(id, status, debug, task_type)| {
        Task {
            id,
            status,
            debug,
            task_type,
        }
    })
}

/// The provisioning task a task type carries, as the dispatcher hands it on.
fn provisioning(task_type: &TaskType) -> Option<Provisioning> {
    Some(match task_type.clone() {
        TaskType::Grant(t) => Provisioning::Grant(t),
        TaskType::Revoke(t) => Provisioning::Revoke(t),
        TaskType::CreateAccount(t) => Provisioning::CreateAccount(t),
        TaskType::DeleteResource(t) => Provisioning::DeleteResource(t),
        TaskType::ActionInvoke(t) => Provisioning::ActionInvoke(t),
        _ => return None,
    })
}

/// Whether a provisioning task lacks what it needs (the module doc of `provision_task`).
fn lacks_what_it_needs(task: &Provisioning) -> bool {
    match task {
        Provisioning::Grant(t) => t.entitlement.is_none() || t.principal.is_none(),
        Provisioning::Revoke(t) => t.grant.is_none(),
        Provisioning::CreateAccount(t) => {
            t.account_info.is_none()
                || !(t.resource_type_id.is_empty() || t.resource_type_id == "user")
        }
        Provisioning::DeleteResource(t) => t.resource_id.is_none(),
        Provisioning::ActionInvoke(t) => {
            t.name.trim().is_empty() || t.args.is_none() || !t.resource_type_id.is_empty()
        }
    }
}

/// An Atlassian nobody listens for: a loopback port just closed, one attempt per call.
static UNREACHABLE: LazyLock<AtlassianConnector> = LazyLock::new(|| {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let mut config = ConnectorConfig::new("org-1", "key");
    config.base_url = Some(url.parse().unwrap());
    AtlassianConnector::with_retry_policy(config, atlassian::RetryPolicy::never()).unwrap()
});

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The failure's code, message and `non_retryable`; fails the case on a success.
fn failure(outcome: &TaskOutcome) -> Result<(Code, &str, bool), TestCaseError> {
    match outcome {
        TaskOutcome::Error {
            status,
            non_retryable,
            ..
        } => Ok((Code::from(status.code), &status.message, *non_retryable)),
        TaskOutcome::Success { .. } => Err(TestCaseError::fail(format!(
            "succeeded without Atlassian: {outcome:?}"
        ))),
    }
}

/// Reads a provisioning task with provisioning off, then on against the unreachable
/// Atlassian: malformed both times when it lacks something, else refused for the setting,
/// then failed by the connector with a code and a message.
fn check_provisioning(task: Provisioning) -> Result<(), TestCaseError> {
    let malformed = lacks_what_it_needs(&task);
    let off = block_on(provision_task::run(&UNREACHABLE, false, task.clone()));
    let (code, message, non_retryable) = failure(&off)?;
    if malformed {
        prop_assert_eq!(code, Code::InvalidArgument);
        prop_assert!(message.starts_with("malformed task: "), "{}", message);
    } else {
        prop_assert_eq!((code, message), (Code::FailedPrecondition, NOT_ENABLED));
    }
    prop_assert!(non_retryable);

    let on = block_on(provision_task::run(&UNREACHABLE, true, task));
    let (code, message, _) = failure(&on)?;
    prop_assert!(code != Code::Ok, "{:?}", on);
    prop_assert!(!message.trim().is_empty(), "{:?}", on);
    if malformed {
        prop_assert_eq!(&on, &off);
    }
    Ok(())
}

/// A sync task's options: the local types apply when it names none; every type must be
/// one of ours and every targeted resource must have an id of one of ours.
fn check_sync(task: &kinds::SyncFullTask, local_types: &[String]) -> Result<(), TestCaseError> {
    let types = if task.sync_resource_type_ids.is_empty() {
        local_types
    } else {
        &task.sync_resource_type_ids
    };
    let known = |id: &str| ResourceKind::from_id(id).is_some();
    let readable = types.iter().all(|id| known(id))
        && task.targeted_sync_resources.iter().all(|r| {
            r.id.as_ref()
                .is_some_and(|id| !id.resource.is_empty() && known(&id.resource_type))
        });
    match options_of(task, local_types) {
        Ok(options) => {
            prop_assert!(readable);
            prop_assert_eq!(&options.resource_type_ids, types);
            prop_assert_eq!(
                options.targeted_resources.len(),
                task.targeted_sync_resources.len()
            );
            prop_assert_eq!(options.skip_grants, task.skip_grants);
        }
        Err(problem) => {
            prop_assert!(!readable, "refused: {}", problem);
            prop_assert!(!problem.trim().is_empty());
        }
    }
    Ok(())
}

/// What the dispatcher does with `task`, short of running a sync or a Hello.
fn read(task: &Task, local_types: &[String]) -> Result<(), TestCaseError> {
    let name = type_name_of(task);
    prop_assert!(!name.is_empty());
    match &task.task_type {
        None | Some(TaskType::None(_) | TaskType::Hello(_)) => Ok(()),
        Some(TaskType::SyncFull(sync)) => check_sync(sync, local_types),
        Some(other) => match provisioning(other) {
            Some(task) => check_provisioning(task),
            None => {
                let outcome = super::unsupported(name);
                let (code, message, _) = failure(&outcome)?;
                prop_assert_eq!(code, Code::Unknown);
                prop_assert!(message.ends_with(name), "{}", message);
                Ok(())
            }
        },
    }
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_task_is_readable_or_fails_with_a_code(
        task in task(),
        local_types in prop::collection::vec(type_id(), 0..3),
    ) {
        let bytes = task.encode_to_vec();
        let decoded = Task::decode(bytes.as_slice()).unwrap();
        prop_assert_eq!(decoded.encode_to_vec(), bytes);
        read(&decoded, &local_types)?;
    }

    #[test]
    fn any_bytes_are_a_task_or_a_decode_error(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        if let Ok(task) = Task::decode(bytes.as_slice()) {
            read(&task, &[])?;
        }
        if let Ok(response) = BatonServiceGetTaskResponse::decode(bytes.as_slice())
            && let Some(task) = response.task
        {
            read(&task, &[])?;
        }
    }

    #[test]
    fn damaged_task_bytes_are_a_task_or_a_decode_error(
        task in task(),
        flips in prop::collection::vec((any::<Index>(), 1u8..=255), 1..4),
        cut in prop::option::weighted(0.3, any::<Index>()),
    ) {
        let mut bytes = BatonServiceGetTaskResponse {
            task: Some(task),
            ..Default::default()
        }
        .encode_to_vec();
        let length = bytes.len();
        for (at, mask) in flips {
            bytes[at.index(length)] ^= mask;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(length));
        }
        if let Ok(response) = BatonServiceGetTaskResponse::decode(bytes.as_slice())
            && let Some(task) = response.task
        {
            read(&task, &[])?;
        }
    }
}
