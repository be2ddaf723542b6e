//! Task constructors for the scripted queue. Every task gets a fresh 27-character KSUID id.

use c1_proto::c1::connector::v2::{
    AccountInfo, CredentialOptions, Entitlement, Grant, Resource, ResourceId,
};
use c1_proto::c1::connectorapi::baton::v1::Task;
use c1_proto::c1::connectorapi::baton::v1::task::{
    CreateAccountTask, EventFeedTask, GrantTask, HelloTask, NoneTask, RevokeTask, Status,
    SyncFullTask, TaskType,
};

/// A new task id: a KSUID, 27 alphanumeric characters.
pub fn new_task_id() -> String {
    c1z::Ksuid::new().to_string()
}

/// A pending task of `task_type` with a fresh id.
pub fn with_type(task_type: TaskType) -> Task {
    Task {
        id: new_task_id(),
        status: Status::Pending as i32,
        debug: false,
        task_type: Some(task_type),
    }
}

/// A `none` task (nothing to do).
pub fn none() -> Task {
    with_type(TaskType::None(NoneTask::default()))
}

/// A `hello` task: the connector answers with a `Hello` carrying the task id.
pub fn hello() -> Task {
    with_type(TaskType::Hello(HelloTask::default()))
}

/// A full sync with every option off.
pub fn sync_full() -> Task {
    sync_full_with(SyncFullTask::default())
}

/// A sync with the given options (skip flags, resource types, targeted resources).
pub fn sync_full_with(options: SyncFullTask) -> Task {
    with_type(TaskType::SyncFull(options))
}

/// Grants `entitlement` to `principal`.
pub fn grant(entitlement: Entitlement, principal: Resource) -> Task {
    with_type(TaskType::Grant(GrantTask {
        entitlement: Some(entitlement),
        principal: Some(principal),
        ..GrantTask::default()
    }))
}

/// Revokes `grant`.
pub fn revoke(grant: Grant) -> Task {
    with_type(TaskType::Revoke(RevokeTask {
        grant: Some(grant),
        ..RevokeTask::default()
    }))
}

/// Creates an account (`resource_type_id` may be empty).
pub fn create_account(
    account_info: AccountInfo,
    credential_options: Option<CredentialOptions>,
    resource_type_id: &str,
) -> Task {
    with_type(TaskType::CreateAccount(CreateAccountTask {
        account_info: Some(account_info),
        credential_options,
        encryption_configs: Vec::new(),
        resource_type_id: resource_type_id.to_owned(),
    }))
}

/// An `event_feed` task, which service mode does not handle.
pub fn event_feed() -> Task {
    with_type(TaskType::EventFeed(EventFeedTask::default()))
}

/// A grant task without entitlement or principal (malformed).
pub fn malformed_grant() -> Task {
    with_type(TaskType::Grant(GrantTask::default()))
}

/// A task without any type (the `task_type` oneof unset).
pub fn without_type() -> Task {
    Task {
        task_type: None,
        ..with_type(TaskType::None(NoneTask::default()))
    }
}

/// A resource with only its id.
pub fn resource(resource_type: &str, id: &str) -> Resource {
    Resource {
        id: Some(ResourceId {
            resource_type: resource_type.to_owned(),
            resource: id.to_owned(),
            baton_resource: false,
        }),
        ..Resource::default()
    }
}

/// The entitlement `slug` of `resource`, with the id `<type>:<id>:<slug>`.
pub fn entitlement(resource: Resource, slug: &str) -> Entitlement {
    let id = resource.id.clone().unwrap_or_default();
    Entitlement {
        id: format!("{}:{}:{slug}", id.resource_type, id.resource),
        slug: slug.to_owned(),
        resource: Some(resource),
        ..Entitlement::default()
    }
}

/// The grant of `entitlement` to `principal`, with the id
/// `<entitlement id>:<principal type>:<principal id>`.
pub fn grant_of(entitlement: Entitlement, principal: Resource) -> Grant {
    let to = principal.id.clone().unwrap_or_default();
    Grant {
        id: format!("{}:{}:{}", entitlement.id, to.resource_type, to.resource),
        entitlement: Some(entitlement),
        principal: Some(principal),
        ..Grant::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_are_27_alphanumeric_characters_and_unique() {
        let (a, b) = (sync_full(), sync_full());
        assert_eq!(a.id.len(), 27);
        assert!(a.id.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a.id, b.id);
    }

    #[test]
    fn grant_ids_follow_the_sdk_layout() {
        let group = resource("group", "g1");
        let grant = grant_of(entitlement(group, "member"), resource("user", "u1"));
        assert_eq!(grant.id, "group:g1:member:user:u1");
        assert_eq!(grant.entitlement.unwrap().id, "group:g1:member");
    }
}
