//! What a sync of a simulated organization must contain, computed from the simulator's
//! ground truth (`sim::atlassian::Org`) without any of the connector's code, so tests can
//! compare a sync's output with it id for id.
//!
//! Include it with `#[path = "<relative path>/tests/support/expected.rs"] mod expected;`
//! (it uses only `sim` and `std`).
//!
//! The rules, as the connector documents them:
//! - users: every account the v2 users list returns for the `-` directory (directory
//!   members and managed accounts); groups, workspaces, API tokens: all; the organization
//!   with its `data.id`; teams (when configured): the live ones that are org-wide or
//!   scoped to the configured site, which tests set to [`teams_site_id`];
//! - entitlements: `group:<id>:member`, `team:<id>:member`,
//!   `organization:<orgId>:role:<role>` for the four organization roles, and
//!   `workspace:<ari>:role:<role>` for each role the workspace's product accepts
//!   (`sim::atlassian::valid_roles`; the `jira-admin` workspace offers `atlassian/admin`,
//!   the role its product admins hold);
//! - grants: memberships of groups and teams; each listed user's roles, held directly or
//!   through a group (what the user's role assignments report), on workspaces and, for
//!   `platform` roles, on the organization (named by the configured `org_id`); each
//!   group's own workspace roles. `project` and `goal` roles are skipped, and so is any
//!   role without an entitlement above.

use std::collections::{BTreeMap, BTreeSet};

use sim::atlassian::{ClaimStatus, Org, Principal, resource_owner, valid_roles};

/// The ids a sync must produce.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    /// (resource type, resource id) of every resource.
    pub resources: BTreeSet<(String, String)>,
    /// Every entitlement id.
    pub entitlements: BTreeSet<String>,
    /// Every grant id.
    pub grants: BTreeSet<String>,
}

/// Organization-level roles offered on the organization resource.
const ORGANIZATION_ROLES: [&str; 4] = [
    "atlassian/org-admin",
    "atlassian/site-admin",
    "atlassian/user-access-admin",
    "atlassian/ai-access",
];

/// The Teams site id tests configure: the cloud id of the organization's first workspace.
pub fn teams_site_id(org: &Org) -> String {
    org.workspaces[0].cloud_id.clone()
}

/// The roles offered on a workspace of `product`.
fn offered_roles(product: &str) -> Vec<&'static str> {
    match product {
        "jira-admin" => vec!["atlassian/admin"],
        _ => valid_roles(product).to_vec(),
    }
}

/// The expected content of a full sync of `org`, configured with organization `org_id`
/// and, when `with_teams`, Teams credentials for [`teams_site_id`].
pub fn expected_from_ground_truth(org: &Org, org_id: &str, with_teams: bool) -> Expected {
    let mut expected = Expected::default();
    let mut resource =
        |kind: &str, id: &str| expected.resources.insert((kind.to_owned(), id.to_owned()));

    resource("organization", &org.id);
    let listed: Vec<&str> = org
        .users
        .iter()
        .filter(|u| u.directory_id.is_some() || u.claim_status == ClaimStatus::Managed)
        .map(|u| u.account_id.as_str())
        .collect();
    for user in &listed {
        resource("user", user);
    }
    for group in &org.groups {
        resource("group", &group.id);
    }
    for workspace in &org.workspaces {
        resource("workspace", &workspace.id);
    }
    for token in &org.api_tokens {
        resource("api_token", &token.id);
    }
    let site = teams_site_id(org);
    let teams: Vec<&str> = org
        .teams
        .iter()
        .filter(|t| with_teams && !t.deleted && t.site_id.as_ref().is_none_or(|s| *s == site))
        .map(|t| t.team_id.as_str())
        .collect();
    for team in &teams {
        resource("team", team);
    }

    let products: BTreeMap<&str, &str> = org
        .workspaces
        .iter()
        .map(|w| (w.id.as_str(), w.product.as_str()))
        .collect();
    let entitlements = &mut expected.entitlements;
    for role in ORGANIZATION_ROLES {
        entitlements.insert(format!("organization:{}:role:{role}", org.id));
    }
    for (ari, product) in &products {
        for role in offered_roles(product) {
            entitlements.insert(format!("workspace:{ari}:role:{role}"));
        }
    }
    for group in &org.groups {
        entitlements.insert(format!("group:{}:member", group.id));
    }
    for team in &teams {
        entitlements.insert(format!("team:{team}:member"));
    }

    let grants = &mut expected.grants;
    // The entitlement a role on `resource` is granted through, if the sync offers one.
    let role_entitlement = |resource: &str, role: &str, holder_is_user: bool| -> Option<String> {
        match resource_owner(resource) {
            "project" | "goal" => None,
            "platform" => (holder_is_user && ORGANIZATION_ROLES.contains(&role))
                .then(|| format!("organization:{org_id}:role:{role}")),
            _ => products
                .get(resource)
                .filter(|product| offered_roles(product).contains(&role))
                .map(|_| format!("workspace:{resource}:role:{role}")),
        }
    };
    let mut groups_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (group, members) in &org.group_members {
        for member in members {
            groups_of
                .entry(member.as_str())
                .or_default()
                .push(group.as_str());
            grants.insert(format!("group:{group}:member:user:{member}"));
        }
    }
    for user in &listed {
        let through_groups = groups_of
            .get(user)
            .into_iter()
            .flatten()
            .map(|g| Principal::Group((*g).to_owned()));
        for principal in std::iter::once(Principal::User((*user).to_owned())).chain(through_groups)
        {
            for row in org.roles_of(&principal) {
                if let Some(entitlement) = role_entitlement(&row.resource_id, &row.role, true) {
                    grants.insert(format!("{entitlement}:user:{user}"));
                }
            }
        }
    }
    for group in &org.groups {
        for row in org.roles_of(&Principal::Group(group.id.clone())) {
            if let Some(entitlement) = role_entitlement(&row.resource_id, &row.role, false) {
                grants.insert(format!("{entitlement}:group:{}", group.id));
            }
        }
    }
    for team in &teams {
        for member in org.team_members.get(*team).into_iter().flatten() {
            grants.insert(format!("team:{team}:member:user:{member}"));
        }
    }
    expected
}
