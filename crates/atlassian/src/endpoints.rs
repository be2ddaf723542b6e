//! The table of every endpoint the client calls: its key (`"<METHOD> <path template>"`, the
//! same key the simulator and the request counters use), the credential it needs, whether it
//! may be sent again after a failure, and which special error meanings it has.

use reqwest::Method;

use crate::auth::CredentialKind;

/// What repeating a request does; this is **the retry rule of the whole client**.
///
/// | failure                                   | `Read` / `IdempotentWrite` | `Create`  |
/// |-------------------------------------------|----------------------------|-----------|
/// | 429 rate limited                          | retried                    | retried   |
/// | 5xx (500, 502, 503, 504 ...)              | retried                    | not retried |
/// | transport error (connect, timeout, reset) | retried                    | not retried |
/// | any other status                          | not retried                | not retried |
///
/// A 429 is refused by the gateway before anything happens, so every request may be repeated
/// after it. A 5xx or a broken connection may come after the server acted; repeating is only
/// harmless when a second identical request changes nothing more (reads, the read-only POSTs
/// such as users search, workspaces query and team members list, and writes that converge
/// such as role assign/revoke, group membership add/remove, suspend/restore, deletes).
/// Invitations, SCIM user creation and group creation would create or notify twice, so a
/// caller must check the state before trying again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Changes nothing.
    Read,
    /// Changes state, and a repeat converges to the same state.
    IdempotentWrite,
    /// Creates something (or sends an email); a repeat could do it twice.
    Create,
}

/// One endpoint of the Atlassian APIs, with the endpoint-specific meanings of its error
/// statuses (read by `error::classify`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `"<METHOD> <path template>"`, the path as below `https://api.atlassian.com/`.
    pub key: &'static str,
    pub credential: CredentialKind,
    pub effect: Effect,
    /// Must be enabled per organization by Atlassian Support (a 403 means "not enabled yet");
    /// the name Support uses for it.
    pub support_name: Option<&'static str>,
    /// Changes a group: a 403 means the group is managed by an identity provider.
    pub group_write: bool,
    /// Takes something away (membership, role, account): a 404 may mean "was not there".
    pub removal: bool,
    /// Suspends access: a 400 may mean the user is an organization admin.
    pub suspend: bool,
}

impl Endpoint {
    const fn new(key: &'static str, effect: Effect) -> Self {
        Self {
            key,
            credential: CredentialKind::OrgApiKey,
            effect,
            support_name: None,
            group_write: false,
            removal: false,
            suspend: false,
        }
    }

    const fn group_write(mut self) -> Self {
        self.group_write = true;
        self
    }

    const fn removal(mut self) -> Self {
        self.removal = true;
        self
    }

    const fn suspend(mut self) -> Self {
        self.suspend = true;
        self
    }

    const fn credential(mut self, credential: CredentialKind) -> Self {
        self.credential = credential;
        self
    }

    const fn needs_support(mut self, name: &'static str) -> Self {
        self.support_name = Some(name);
        self
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        let (method, _) = self.key.split_once(' ').expect("endpoint key has a space");
        Method::from_bytes(method.as_bytes()).expect("endpoint key starts with a method")
    }

    /// The path template, e.g. `/admin/v1/orgs/{orgId}`.
    pub fn template(&self) -> &'static str {
        self.key
            .split_once(' ')
            .expect("endpoint key has a space")
            .1
    }

    /// Whether a request may be sent again after a 5xx or a transport error.
    pub fn replayable(&self) -> bool {
        self.effect != Effect::Create
    }
}

use Effect::{Create, IdempotentWrite, Read};

pub(crate) const LIST_ORGS: Endpoint = Endpoint::new("GET /admin/v1/orgs", Read);
pub(crate) const GET_ORG: Endpoint = Endpoint::new("GET /admin/v1/orgs/{orgId}", Read);
pub(crate) const LIST_MANAGED_ACCOUNTS: Endpoint =
    Endpoint::new("GET /admin/v1/orgs/{orgId}/users", Read);
pub(crate) const LIST_DIRECTORIES: Endpoint =
    Endpoint::new("GET /admin/v2/orgs/{orgId}/directories", Read);

pub(crate) const LIST_USERS: Endpoint = Endpoint::new(
    "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users",
    Read,
);
pub(crate) const SEARCH_USERS: Endpoint = Endpoint::new(
    "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/search",
    Read,
);
pub(crate) const GET_USER: Endpoint = Endpoint::new(
    "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}",
    Read,
);
pub(crate) const USER_ROLE_ASSIGNMENTS: Endpoint = Endpoint::new(
    "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}/role-assignments",
    Read,
);
pub(crate) const COUNT_USERS: Endpoint = Endpoint::new(
    "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/count",
    Read,
);
pub(crate) const USER_STATS: Endpoint = Endpoint::new(
    "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/stats",
    Read,
);
pub(crate) const LAST_ACTIVE_DATES: Endpoint = Endpoint::new(
    "GET /admin/v1/orgs/{orgId}/directory/users/{accountId}/last-active-dates",
    Read,
);

pub(crate) const LIST_GROUPS: Endpoint = Endpoint::new(
    "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/groups",
    Read,
);
pub(crate) const GET_GROUP: Endpoint = Endpoint::new(
    "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}",
    Read,
);
pub(crate) const CREATE_GROUP: Endpoint = Endpoint::new(
    "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups",
    Create,
);
pub(crate) const DELETE_GROUP: Endpoint = Endpoint::new(
    "DELETE /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}",
    IdempotentWrite,
)
.group_write();
pub(crate) const ADD_GROUP_MEMBER: Endpoint = Endpoint::new(
    "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships",
    IdempotentWrite,
)
.group_write();
pub(crate) const REMOVE_GROUP_MEMBER: Endpoint = Endpoint::new(
    "DELETE /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/memberships/{accountId}",
    IdempotentWrite,
)
.group_write()
.removal();
pub(crate) const GROUP_ROLE_ASSIGNMENTS: Endpoint = Endpoint::new(
    "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/role-assignments",
    Read,
);
pub(crate) const ASSIGN_GROUP_ROLE: Endpoint = Endpoint::new(
    "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/role-assignments/assign",
    IdempotentWrite,
);
pub(crate) const REVOKE_GROUP_ROLE: Endpoint = Endpoint::new(
    "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/groups/{groupId}/role-assignments/revoke",
    IdempotentWrite,
)
.removal();

pub(crate) const QUERY_WORKSPACES: Endpoint =
    Endpoint::new("POST /admin/v2/orgs/{orgId}/workspaces", Read);

pub(crate) const ASSIGN_ROLE: Endpoint = Endpoint::new(
    "POST /admin/v1/orgs/{orgId}/users/{userId}/roles/assign",
    IdempotentWrite,
)
.needs_support("Grant User Access");
pub(crate) const REVOKE_ROLE: Endpoint = Endpoint::new(
    "POST /admin/v1/orgs/{orgId}/users/{userId}/roles/revoke",
    IdempotentWrite,
)
.needs_support("Revoke User Access")
.removal();
pub(crate) const ASSIGN_ORG_ROLE: Endpoint = Endpoint::new(
    "POST /admin/v1/orgs/{orgId}/users/{userId}/role-assignments/assign",
    IdempotentWrite,
);
pub(crate) const REVOKE_ORG_ROLE: Endpoint = Endpoint::new(
    "POST /admin/v1/orgs/{orgId}/users/{userId}/role-assignments/revoke",
    IdempotentWrite,
)
.removal();

pub(crate) const INVITE_V2: Endpoint =
    Endpoint::new("POST /admin/v2/orgs/{orgId}/users/invite", Create);
pub(crate) const INVITE_V1: Endpoint =
    Endpoint::new("POST /admin/v1/orgs/{orgId}/users/invite", Create)
        .needs_support("Invite User to Org");

pub(crate) const SUSPEND_V2: Endpoint = Endpoint::new(
    "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}/suspend",
    IdempotentWrite,
)
.suspend();
pub(crate) const RESTORE_V2: Endpoint = Endpoint::new(
    "POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}/restore",
    IdempotentWrite,
);
pub(crate) const SUSPEND_V1: Endpoint = Endpoint::new(
    "POST /admin/v1/orgs/{orgId}/directory/users/{accountId}/suspend-access",
    IdempotentWrite,
)
.suspend();
pub(crate) const RESTORE_V1: Endpoint = Endpoint::new(
    "POST /admin/v1/orgs/{orgId}/directory/users/{accountId}/restore-access",
    IdempotentWrite,
);
pub(crate) const REMOVE_FROM_DIRECTORY: Endpoint = Endpoint::new(
    "DELETE /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}",
    IdempotentWrite,
)
.removal();
pub(crate) const DELETE_ACCOUNT: Endpoint = Endpoint::new(
    "POST /users/{accountId}/manage/lifecycle/delete",
    IdempotentWrite,
)
.removal();

pub(crate) const DEACTIVATE_ACCOUNT: Endpoint = Endpoint::new(
    "POST /users/{accountId}/manage/lifecycle/disable",
    IdempotentWrite,
);
pub(crate) const REACTIVATE_ACCOUNT: Endpoint = Endpoint::new(
    "POST /users/{accountId}/manage/lifecycle/enable",
    IdempotentWrite,
);

pub(crate) const SCIM_CREATE_USER: Endpoint =
    Endpoint::new("POST /scim/directory/{directoryId}/Users", Create)
        .credential(CredentialKind::ScimToken);

pub(crate) const LIST_API_TOKENS: Endpoint =
    Endpoint::new("GET /admin/api-access/v1/orgs/{orgId}/api-tokens", Read);

pub(crate) const LIST_TEAMS: Endpoint =
    Endpoint::new("GET /public/teams/v1/org/{orgId}/teams", Read)
        .credential(CredentialKind::TeamsToken);
pub(crate) const GET_TEAM: Endpoint =
    Endpoint::new("GET /public/teams/v1/org/{orgId}/teams/{teamId}", Read)
        .credential(CredentialKind::TeamsToken);
pub(crate) const LIST_TEAM_MEMBERS: Endpoint = Endpoint::new(
    "POST /public/teams/v1/org/{orgId}/teams/{teamId}/members",
    Read,
)
.credential(CredentialKind::TeamsToken);
pub(crate) const ADD_TEAM_MEMBERS: Endpoint = Endpoint::new(
    "POST /public/teams/v1/org/{orgId}/teams/{teamId}/members/add",
    IdempotentWrite,
)
.credential(CredentialKind::TeamsToken);
pub(crate) const REMOVE_TEAM_MEMBERS: Endpoint = Endpoint::new(
    "POST /public/teams/v1/org/{orgId}/teams/{teamId}/members/remove",
    IdempotentWrite,
)
.credential(CredentialKind::TeamsToken)
.removal();

/// Every endpoint.
#[cfg(test)]
pub(crate) const ALL: &[Endpoint] = &[
    LIST_ORGS,
    GET_ORG,
    LIST_MANAGED_ACCOUNTS,
    LIST_DIRECTORIES,
    LIST_USERS,
    SEARCH_USERS,
    GET_USER,
    USER_ROLE_ASSIGNMENTS,
    COUNT_USERS,
    USER_STATS,
    LAST_ACTIVE_DATES,
    LIST_GROUPS,
    GET_GROUP,
    CREATE_GROUP,
    DELETE_GROUP,
    ADD_GROUP_MEMBER,
    REMOVE_GROUP_MEMBER,
    GROUP_ROLE_ASSIGNMENTS,
    ASSIGN_GROUP_ROLE,
    REVOKE_GROUP_ROLE,
    QUERY_WORKSPACES,
    ASSIGN_ROLE,
    REVOKE_ROLE,
    ASSIGN_ORG_ROLE,
    REVOKE_ORG_ROLE,
    INVITE_V2,
    INVITE_V1,
    SUSPEND_V2,
    RESTORE_V2,
    SUSPEND_V1,
    RESTORE_V1,
    REMOVE_FROM_DIRECTORY,
    DELETE_ACCOUNT,
    DEACTIVATE_ACCOUNT,
    REACTIVATE_ACCOUNT,
    SCIM_CREATE_USER,
    LIST_API_TOKENS,
    LIST_TEAMS,
    GET_TEAM,
    LIST_TEAM_MEMBERS,
    ADD_TEAM_MEMBERS,
    REMOVE_TEAM_MEMBERS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_a_method_and_an_absolute_template() {
        for endpoint in ALL {
            let method = endpoint.method();
            assert!(
                ["GET", "POST", "DELETE"].contains(&method.as_str()),
                "{}",
                endpoint.key
            );
            assert!(endpoint.template().starts_with('/'), "{}", endpoint.key);
        }
    }

    #[test]
    fn only_creating_endpoints_are_not_replayed_after_server_errors() {
        let not_replayable: Vec<_> = ALL
            .iter()
            .filter(|e| !e.replayable())
            .map(|e| e.key)
            .collect();
        assert_eq!(
            not_replayable,
            [
                CREATE_GROUP.key,
                INVITE_V2.key,
                INVITE_V1.key,
                SCIM_CREATE_USER.key
            ]
        );
        assert!(SEARCH_USERS.replayable() && QUERY_WORKSPACES.replayable());
        assert!(ASSIGN_ROLE.replayable() && ADD_GROUP_MEMBER.replayable());
    }

    #[test]
    fn support_enabled_endpoints_are_the_three_of_the_ticket() {
        let names: Vec<_> = ALL.iter().filter_map(|e| e.support_name).collect();
        assert_eq!(
            names,
            [
                "Grant User Access",
                "Revoke User Access",
                "Invite User to Org"
            ]
        );
    }
}
