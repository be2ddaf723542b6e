//! Groups: list, details, create, delete, memberships (v2 and v1), role assignments.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::assignments::{self, Holder};
use super::roles::grantable_workspace;
use super::{
    ALL_DIRECTORIES, Answer, Data, DataPage, Message, check_org, concrete_directory, json,
    no_content, ok,
};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::{Group, Org, Principal, RoleAssignment};
use crate::atlassian::pagination::{Keyset, page_size};
use crate::atlassian::params::{Params, json_body};
use crate::atlassian::rng::Rng;
use crate::atlassian::server::App;
use crate::atlassian::world::World;

/// A v2 group.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupView<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    directory_id: &'a str,
    management_access: ManagementAccess,
    external_synced: bool,
    managed_by: &'static str,
    counts: GroupCounts,
    links: GroupLinks,
}

#[derive(Serialize)]
struct ManagementAccess {
    deletable: bool,
    modifiable: bool,
    readable: bool,
}

#[derive(Serialize)]
struct GroupCounts {
    users: usize,
    resources: usize,
}

#[derive(Serialize)]
struct GroupLinks {
    #[serde(rename = "self")]
    this: String,
}

impl<'a> GroupView<'a> {
    fn new(app: &App, org: &'a Org, group: &'a Group) -> Self {
        let resources: BTreeSet<&str> = org
            .roles_of(&Principal::Group(group.id.clone()))
            .map(|r| r.resource_id.as_str())
            .collect();
        GroupView {
            id: &group.id,
            name: &group.name,
            description: &group.description,
            directory_id: &group.directory_id,
            management_access: ManagementAccess {
                deletable: !group.external_synced,
                modifiable: !group.external_synced,
                readable: true,
            },
            external_synced: group.external_synced,
            managed_by: if group.external_synced {
                "external"
            } else {
                "admins"
            },
            counts: GroupCounts {
                users: org.members_of(&group.id).count(),
                resources: resources.len(),
            },
            links: GroupLinks {
                this: app.url(&format!(
                    "admin/v2/orgs/{}/directories/{}/groups/{}",
                    org.id, group.directory_id, group.id
                )),
            },
        }
    }
}

/// Filters of the groups list, as kept in a cursor.
#[derive(Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GroupFilter {
    directory: Option<String>,
    directory_ids: Vec<String>,
    account_ids: Vec<String>,
    group_ids: Vec<String>,
    resource_owners: Vec<String>,
    resource_ids: Vec<String>,
    role_ids: Vec<String>,
    search_term: Option<String>,
}

impl GroupFilter {
    fn matches(&self, world: &World, group: &Group) -> bool {
        let org = world.org();
        let wants =
            |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
        let wants_roles = !(self.resource_owners.is_empty()
            && self.resource_ids.is_empty()
            && self.role_ids.is_empty());
        self.directory
            .as_ref()
            .is_none_or(|d| *d == group.directory_id)
            && wants(&self.directory_ids, &group.directory_id)
            && wants(&self.group_ids, &group.id)
            && (self.account_ids.is_empty()
                || self
                    .account_ids
                    .iter()
                    .any(|a| world.is_member(&group.id, a)))
            && self
                .search_term
                .as_ref()
                .is_none_or(|t| group.name.to_lowercase().contains(&t.to_lowercase()))
            && (!wants_roles
                || org.roles_of(&Principal::Group(group.id.clone())).any(|r| {
                    wants(&self.resource_owners, r.resource_owner())
                        && wants(&self.resource_ids, &r.resource_id)
                        && wants(&self.role_ids, &r.role)
                }))
    }
}

/// `GET /admin/v2/orgs/{orgId}/directories/{directoryId}/groups`
pub(crate) async fn list(
    State(app): State<App>,
    Path((org_id, directory_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params = Params::parse(query.as_deref());
    let limit = page_size(params.get("limit"), 20, 100).map_err(ApiError::bad_request)?;
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id, false)?;
    let cursor = Keyset::resume(params.get("cursor"), || {
        let directory = match directory_id.as_str() {
            ALL_DIRECTORIES => None,
            id if org.directory(id).is_some() => Some(id.to_string()),
            _ => return Err(ApiError::unknown_resource("Directory not found")),
        };
        let filter = GroupFilter {
            directory,
            directory_ids: params.all("directoryIds"),
            account_ids: params.all("accountIds"),
            group_ids: params.all("groupIds"),
            resource_owners: params.all("resourceOwners"),
            resource_ids: params.all("resourceIds"),
            role_ids: params.all("roleIds"),
            search_term: params.get("searchTerm").map(str::to_string),
        };
        if [
            &filter.directory_ids,
            &filter.account_ids,
            &filter.group_ids,
        ]
        .iter()
        .any(|l| l.len() > 10)
        {
            return Err(ApiError::bad_request(
                "Too many filter values: at most 10 ids",
            ));
        }
        Ok(filter)
    })?;
    let start = cursor
        .after
        .as_deref()
        .map_or(0, |a| org.groups.partition_point(|g| g.id.as_str() <= a));
    let groups = org.groups[start..]
        .iter()
        .filter(|g| cursor.filter.matches(&world, g));
    let (page, links) = cursor.page(groups, limit, |g| &g.id);
    let data = page
        .into_iter()
        .map(|g| GroupView::new(&app, org, g))
        .collect();
    ok(&DataPage { data, links })
}

/// The group a read path names (`-` matches any directory).
fn group_in<'a>(
    org: &'a Org,
    directory_id: &str,
    group_id: &str,
    uam: bool,
) -> Result<&'a Group, ApiError> {
    org.group(group_id)
        .filter(|g| directory_id == ALL_DIRECTORIES || g.directory_id == directory_id)
        .ok_or_else(|| ApiError::group_not_found(uam))
}

/// `GET /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}`
pub(crate) async fn get(
    State(app): State<App>,
    Path((org_id, directory_id, group_id)): Path<(String, String, String)>,
) -> Answer {
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id, false)?;
    let group = group_in(org, &directory_id, &group_id, false)?;
    ok(&Data {
        data: GroupView::new(&app, org, group),
    })
}

/// `POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups` `{"name","description"?}`
/// → `201 {"data": group}`.
pub(crate) async fn create(
    State(app): State<App>,
    Path((org_id, directory_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    #[derive(Deserialize)]
    struct NewGroup {
        name: String,
        #[serde(default)]
        description: String,
    }
    let body: NewGroup = json_body(&body).map_err(ApiError::bad_request)?;
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    let directory = concrete_directory(world.org(), &directory_id)?;
    if body.name.trim().is_empty() {
        return Err(ApiError::bad_request("Group name must not be empty"));
    }
    if world
        .org()
        .groups
        .iter()
        .any(|g| g.directory_id == directory && g.name.eq_ignore_ascii_case(&body.name))
    {
        return Err(ApiError::admin(
            409,
            "ADMIN-UAM-409-2",
            "A group with this name already exists",
        ));
    }
    let group = Group {
        id: Rng::from_text(&format!("{}/{directory}/{}", world.org().id, body.name)).uuid(),
        name: body.name,
        description: body.description,
        directory_id: directory.to_string(),
        external_synced: false,
    };
    let id = group.id.clone();
    world.insert_group(group);
    let org = world.org();
    let group = org.group(&id).expect("just inserted");
    Ok(json(
        StatusCode::CREATED,
        &Data {
            data: GroupView::new(&app, org, group),
        },
    ))
}

/// The group a write path names; IdP-synced groups refuse changes.
fn writable_group<'a>(
    org: &'a Org,
    directory_id: Option<&str>,
    group_id: &str,
) -> Result<&'a Group, ApiError> {
    let group = org
        .group(group_id)
        .filter(|g| directory_id.is_none_or(|d| g.directory_id == d))
        .ok_or_else(|| ApiError::group_not_found(true))?;
    if group.external_synced {
        return Err(ApiError::admin(
            403,
            "ADMIN-UAM-403-1",
            "The group is synced from an identity provider",
        ));
    }
    Ok(group)
}

/// `DELETE /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}` → 204.
pub(crate) async fn delete(
    State(app): State<App>,
    Path((org_id, directory_id, group_id)): Path<(String, String, String)>,
) -> Answer {
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    let directory = concrete_directory(world.org(), &directory_id)?;
    writable_group(world.org(), Some(directory), &group_id)?;
    world.remove_group(&group_id);
    no_content()
}

/// Adds a member: the user must be in the group's directory; 409 when already a member.
pub(crate) fn add_membership(
    world: &mut World,
    directory: Option<&str>,
    group_id: &str,
    account_id: &str,
) -> Result<(), ApiError> {
    let group = writable_group(world.org(), directory, group_id)?;
    let in_directory = world
        .org()
        .user(account_id)
        .is_some_and(|u| u.directory_id.as_deref() == Some(&group.directory_id));
    if !in_directory {
        return Err(ApiError::user_not_found(true));
    }
    if !world.add_member(group_id, account_id) {
        return Err(ApiError::admin(
            409,
            "ADMIN-UAM-409-2",
            "The user is already a member of the group",
        ));
    }
    Ok(())
}

/// Removes a member; 404 when not a member.
fn remove_membership(
    world: &mut World,
    directory: Option<&str>,
    group_id: &str,
    account_id: &str,
) -> Result<(), ApiError> {
    writable_group(world.org(), directory, group_id)?;
    if !world.remove_member(group_id, account_id) {
        return Err(ApiError::user_not_found(true));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MemberBody {
    account_id: String,
}

/// `POST .../directories/{directoryId}/groups/{groupId}/memberships` `{"accountId"}` → 204.
pub(crate) async fn add_member(
    State(app): State<App>,
    Path((org_id, directory_id, group_id)): Path<(String, String, String)>,
    body: Bytes,
) -> Answer {
    let body: MemberBody = json_body(&body).map_err(ApiError::bad_request)?;
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    let directory = concrete_directory(world.org(), &directory_id)?;
    add_membership(&mut world, Some(directory), &group_id, &body.account_id)?;
    no_content()
}

/// `DELETE .../directories/{directoryId}/groups/{groupId}/memberships/{accountId}` → 204.
pub(crate) async fn remove_member(
    State(app): State<App>,
    Path((org_id, directory_id, group_id, account_id)): Path<(String, String, String, String)>,
) -> Answer {
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    let directory = concrete_directory(world.org(), &directory_id)?;
    remove_membership(&mut world, Some(directory), &group_id, &account_id)?;
    no_content()
}

/// v1 `POST /admin/v1/orgs/{orgId}/directory/groups/{groupId}/memberships` `{"account_id"}`
/// → `200 {"message"}`.
pub(crate) async fn v1_add_member(
    State(app): State<App>,
    Path((org_id, group_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    #[derive(Deserialize)]
    struct V1MemberBody {
        account_id: String,
    }
    let body: V1MemberBody = json_body(&body).map_err(ApiError::bad_request)?;
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    add_membership(&mut world, None, &group_id, &body.account_id)?;
    ok(&Message {
        message: format!("User {} added to group {group_id}", body.account_id),
    })
}

/// v1 `DELETE /admin/v1/orgs/{orgId}/directory/groups/{groupId}/memberships/{accountId}`
/// → `200 {"message"}`.
pub(crate) async fn v1_remove_member(
    State(app): State<App>,
    Path((org_id, group_id, account_id)): Path<(String, String, String)>,
) -> Answer {
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    remove_membership(&mut world, None, &group_id, &account_id)?;
    ok(&Message {
        message: format!("User {account_id} removed from group {group_id}"),
    })
}

/// `GET .../directories/{directoryId}/groups/{groupId}/role-assignments`
pub(crate) async fn role_assignments(
    State(app): State<App>,
    Path((org_id, directory_id, group_id)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params = Params::parse(query.as_deref());
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id, false)?;
    let group = group_in(org, &directory_id, &group_id, false)?;
    let holdings = assignments::of_group(org, &group.id);
    assignments::page(
        &holdings,
        Holder {
            directory_id: Some(&group.directory_id),
            user_status: None,
        },
        &params,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupRoleBody {
    resource_id: String,
    role_id: String,
}

/// Checks a group role change and returns the row it is about.
fn group_role_row(
    world: &World,
    directory_id: &str,
    group_id: &str,
    body: GroupRoleBody,
) -> Result<RoleAssignment, ApiError> {
    let org = world.org();
    let directory = concrete_directory(org, directory_id)?;
    group_in(org, directory, group_id, true)?;
    grantable_workspace(org, &body.resource_id, &body.role_id)?;
    Ok(RoleAssignment::new(
        Principal::Group(group_id.to_string()),
        body.resource_id,
        body.role_id,
    ))
}

/// `POST .../groups/{groupId}/role-assignments/assign` `{"resourceId","roleId"}` → 204.
pub(crate) async fn assign_role(
    State(app): State<App>,
    Path((org_id, directory_id, group_id)): Path<(String, String, String)>,
    body: Bytes,
) -> Answer {
    let body: GroupRoleBody = json_body(&body).map_err(ApiError::bad_request)?;
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    let row = group_role_row(&world, &directory_id, &group_id, body)?;
    world.grant(row);
    no_content()
}

/// `POST .../groups/{groupId}/role-assignments/revoke` → 204; 404 when not held.
pub(crate) async fn revoke_role(
    State(app): State<App>,
    Path((org_id, directory_id, group_id)): Path<(String, String, String)>,
    body: Bytes,
) -> Answer {
    let body: GroupRoleBody = json_body(&body).map_err(ApiError::bad_request)?;
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    let row = group_role_row(&world, &directory_id, &group_id, body)?;
    if !world.revoke(&row) {
        return Err(ApiError::admin(
            404,
            "ADMIN-UAM-404-1",
            "The group does not hold this role",
        ));
    }
    no_content()
}
