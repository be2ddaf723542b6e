//! Endpoint keys and the one table of per-endpoint rules (credential family, whether a
//! scoped API key is accepted, whether Atlassian Support must enable the endpoint).
//!
//! An endpoint key is `"<METHOD> <route template as in the real API>"`; the same strings key
//! faults, statistics and exchanges, and the router is built from them.
//!
//! Scoped API keys: accepted only on the reads jira.js annotates with a scope *and*
//! ConductorOne does not report as unscoped-only: `GET /admin/v1/orgs`, `GET
//! /admin/v1/orgs/{orgId}`, v1 users, the directories list and the workspaces query.
//! Refused everywhere else: the v2 directory users / groups / role-assignment reads
//! (ConductorOne's observation), every write, last-active dates and API tokens. Admin
//! endpoints refuse with `401 ADMIN-401-2`; the user-management API with `403 {"key":"forbidden"}`.

use std::collections::HashMap;
use std::sync::LazyLock;

/// `GET /admin/v1/orgs`
pub const ORGS: &str = "GET /admin/v1/orgs";
/// `GET /admin/v1/orgs/{orgId}`
pub const ORG: &str = "GET /admin/v1/orgs/{orgId}";
/// v1 managed accounts.
pub const V1_USERS: &str = "GET /admin/v1/orgs/{orgId}/users";
/// v2 directories list.
pub const DIRECTORIES: &str = "GET /admin/v2/orgs/{orgId}/directories";
/// v2 directory users list (also group members with `groupIds`).
pub const USERS: &str = "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users";
/// v2 users search.
pub const USERS_SEARCH: &str = "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/search";
/// v2 users count.
pub const USERS_COUNT: &str = "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/count";
/// v2 users stats.
pub const USERS_STATS: &str = "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/stats";
/// v2 one user.
pub const USER: &str = "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}";
/// v2 role assignments of a user.
pub const USER_ROLE_ASSIGNMENTS: &str =
    "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}/role-assignments";
/// v1 last-active dates of a user.
pub const LAST_ACTIVE_DATES: &str =
    "GET /admin/v1/orgs/{orgId}/directory/users/{accountId}/last-active-dates";
/// v2 groups list.
pub const GROUPS: &str = "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/groups";
/// v2 create group.
pub const GROUP_CREATE: &str = "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups";
/// v2 group details.
pub const GROUP: &str = "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}";
/// v2 delete group.
pub const GROUP_DELETE: &str =
    "DELETE /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}";
/// v2 add a group member.
pub const GROUP_MEMBER_ADD: &str =
    "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships";
/// v2 remove a group member.
pub const GROUP_MEMBER_REMOVE: &str = "DELETE /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships/{accountId}";
/// v2 role assignments of a group.
pub const GROUP_ROLE_ASSIGNMENTS: &str =
    "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/role-assignments";
/// v2 grant a role to a group.
pub const GROUP_ROLE_ASSIGN: &str = "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/role-assignments/assign";
/// v2 revoke a role from a group.
pub const GROUP_ROLE_REVOKE: &str = "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/role-assignments/revoke";
/// v1 add a group member (`{"account_id"}`).
pub const V1_GROUP_MEMBER_ADD: &str =
    "POST /admin/v1/orgs/{orgId}/directory/groups/{groupId}/memberships";
/// v1 remove a group member.
pub const V1_GROUP_MEMBER_REMOVE: &str =
    "DELETE /admin/v1/orgs/{orgId}/directory/groups/{groupId}/memberships/{accountId}";
/// v2 workspaces query (body cursor).
pub const WORKSPACES: &str = "POST /admin/v2/orgs/{orgId}/workspaces";
/// Grant a workspace role to a user (restricted).
pub const ROLES_ASSIGN: &str = "POST /admin/v1/orgs/{orgId}/users/{userId}/roles/assign";
/// Revoke a workspace role from a user (restricted).
pub const ROLES_REVOKE: &str = "POST /admin/v1/orgs/{orgId}/users/{userId}/roles/revoke";
/// Grant an org-level role.
pub const ORG_ROLE_ASSIGN: &str =
    "POST /admin/v1/orgs/{orgId}/users/{userId}/role-assignments/assign";
/// Revoke an org-level role.
pub const ORG_ROLE_REVOKE: &str =
    "POST /admin/v1/orgs/{orgId}/users/{userId}/role-assignments/revoke";
/// v1 invite (restricted).
pub const V1_INVITE: &str = "POST /admin/v1/orgs/{orgId}/users/invite";
/// v2 invite.
pub const V2_INVITE: &str = "POST /admin/v2/orgs/{orgId}/users/invite";
/// v1 suspend access.
pub const V1_SUSPEND: &str =
    "POST /admin/v1/orgs/{orgId}/directory/users/{accountId}/suspend-access";
/// v1 restore access.
pub const V1_RESTORE: &str =
    "POST /admin/v1/orgs/{orgId}/directory/users/{accountId}/restore-access";
/// v2 suspend.
pub const V2_SUSPEND: &str =
    "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}/suspend";
/// v2 restore.
pub const V2_RESTORE: &str =
    "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}/restore";
/// v2 remove a user from a directory.
pub const REMOVE_FROM_DIRECTORY: &str =
    "DELETE /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}";
/// User management: delete a managed account.
pub const LIFECYCLE_DELETE: &str = "POST /users/{accountId}/manage/lifecycle/delete";
/// User management: deactivate a managed account.
pub const LIFECYCLE_DISABLE: &str = "POST /users/{accountId}/manage/lifecycle/disable";
/// User management: reactivate a managed account.
pub const LIFECYCLE_ENABLE: &str = "POST /users/{accountId}/manage/lifecycle/enable";
/// SCIM: create a user.
pub const SCIM_CREATE_USER: &str = "POST /scim/directory/{directoryId}/Users";
/// API-access token inventory.
pub const API_TOKENS: &str = "GET /admin/api-access/v1/orgs/{orgId}/api-tokens";
/// Teams: list.
pub const TEAMS: &str = "GET /public/teams/v1/org/{orgId}/teams";
/// Teams: one team.
pub const TEAM: &str = "GET /public/teams/v1/org/{orgId}/teams/{teamId}";
/// Teams: members page (`{"first","after"}`).
pub const TEAM_MEMBERS: &str = "POST /public/teams/v1/org/{orgId}/teams/{teamId}/members";
/// Teams: add members.
pub const TEAM_MEMBERS_ADD: &str = "POST /public/teams/v1/org/{orgId}/teams/{teamId}/members/add";
/// Teams: remove members.
pub const TEAM_MEMBERS_REMOVE: &str =
    "POST /public/teams/v1/org/{orgId}/teams/{teamId}/members/remove";

/// Which credential an endpoint takes, and the error shapes it answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// Org API key; `{"errors":[...]}` bodies, proxy errors for 401 / 429.
    Admin,
    /// Org API key; a single unwrapped ApplicationError body (workspaces query).
    Workspaces,
    /// Org API key; `{"key": ...}` bodies.
    UserManagement,
    /// SCIM directory token; SCIM error bodies.
    Scim,
    /// Basic `email:api_token`; `{"message"}` bodies.
    Teams,
}

/// Rules of one endpoint.
#[derive(Debug)]
pub(crate) struct Endpoint {
    /// The endpoint key.
    pub key: &'static str,
    /// Credential and error-shape family.
    pub family: Family,
    /// Whether an API key with scopes is accepted.
    pub scoped_key_allowed: bool,
    /// Needs Atlassian Support enablement (spec §8).
    pub restricted: bool,
}

const fn rule(
    key: &'static str,
    family: Family,
    scoped_key_allowed: bool,
    restricted: bool,
) -> Endpoint {
    Endpoint {
        key,
        family,
        scoped_key_allowed,
        restricted,
    }
}

use Family::*;

/// Every endpoint the simulator serves.
pub(crate) static ENDPOINTS: &[Endpoint] = &[
    rule(ORGS, Admin, true, false),
    rule(ORG, Admin, true, false),
    rule(V1_USERS, Admin, true, false),
    rule(DIRECTORIES, Admin, true, false),
    rule(USERS, Admin, false, false),
    rule(USERS_SEARCH, Admin, false, false),
    rule(USERS_COUNT, Admin, false, false),
    rule(USERS_STATS, Admin, false, false),
    rule(USER, Admin, false, false),
    rule(USER_ROLE_ASSIGNMENTS, Admin, false, false),
    rule(LAST_ACTIVE_DATES, Admin, false, false),
    rule(GROUPS, Admin, false, false),
    rule(GROUP_CREATE, Admin, false, false),
    rule(GROUP, Admin, false, false),
    rule(GROUP_DELETE, Admin, false, false),
    rule(GROUP_MEMBER_ADD, Admin, false, false),
    rule(GROUP_MEMBER_REMOVE, Admin, false, false),
    rule(GROUP_ROLE_ASSIGNMENTS, Admin, false, false),
    rule(GROUP_ROLE_ASSIGN, Admin, false, false),
    rule(GROUP_ROLE_REVOKE, Admin, false, false),
    rule(V1_GROUP_MEMBER_ADD, Admin, false, false),
    rule(V1_GROUP_MEMBER_REMOVE, Admin, false, false),
    rule(WORKSPACES, Workspaces, true, false),
    rule(ROLES_ASSIGN, Admin, false, true),
    rule(ROLES_REVOKE, Admin, false, true),
    rule(ORG_ROLE_ASSIGN, Admin, false, false),
    rule(ORG_ROLE_REVOKE, Admin, false, false),
    rule(V1_INVITE, Admin, false, true),
    rule(V2_INVITE, Admin, false, false),
    rule(V1_SUSPEND, Admin, false, false),
    rule(V1_RESTORE, Admin, false, false),
    rule(V2_SUSPEND, Admin, false, false),
    rule(V2_RESTORE, Admin, false, false),
    rule(REMOVE_FROM_DIRECTORY, Admin, false, false),
    rule(LIFECYCLE_DELETE, UserManagement, false, false),
    rule(LIFECYCLE_DISABLE, UserManagement, false, false),
    rule(LIFECYCLE_ENABLE, UserManagement, false, false),
    rule(SCIM_CREATE_USER, Scim, false, false),
    rule(API_TOKENS, Admin, false, false),
    rule(TEAMS, Teams, false, false),
    rule(TEAM, Teams, false, false),
    rule(TEAM_MEMBERS, Teams, false, false),
    rule(TEAM_MEMBERS_ADD, Teams, false, false),
    rule(TEAM_MEMBERS_REMOVE, Teams, false, false),
];

static BY_KEY: LazyLock<HashMap<&'static str, &'static Endpoint>> =
    LazyLock::new(|| ENDPOINTS.iter().map(|e| (e.key, e)).collect());

static KEYS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| ENDPOINTS.iter().map(|e| e.key).collect());

/// Every endpoint key the simulator serves (for faults and statistics; `"*"` in
/// [`AtlassianSim::set_fault`](super::AtlassianSim::set_fault) means all of them).
pub fn endpoint_keys() -> &'static [&'static str] {
    &KEYS
}

/// The rules of an endpoint key.
pub(crate) fn find(key: &str) -> Option<&'static Endpoint> {
    BY_KEY.get(key).copied()
}

/// Splits a key into its method and route template.
pub(crate) fn split(key: &str) -> (&str, &str) {
    key.split_once(' ')
        .expect("endpoint keys are \"METHOD /path\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_only_the_three_support_gated_endpoints_are_restricted() {
        assert_eq!(BY_KEY.len(), ENDPOINTS.len());
        let restricted: Vec<_> = ENDPOINTS
            .iter()
            .filter(|e| e.restricted)
            .map(|e| e.key)
            .collect();
        assert_eq!(restricted, [ROLES_ASSIGN, ROLES_REVOKE, V1_INVITE]);
        assert!(endpoint_keys().iter().all(|k| split(k).1.starts_with('/')));
    }
}
