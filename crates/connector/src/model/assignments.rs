//! Role assignments of users and groups turned into grants on workspace and organization
//! role entitlements, as the Go connector reads them:
//!
//! - `project` and `goal` rows are skipped;
//! - `platform` rows are organization roles of users
//!   (`organization:<configured orgId>:role:<role>:user:<accountId>`); groups' platform
//!   rows are skipped;
//! - any other row is a role on the workspace `resourceId`
//!   (`workspace:<ari>:role:<role>:<user|group>:<id>`), the principal being the full
//!   user or group resource.
//!
//! Unlike Go, a role for which the sync offers no entitlement (a platform
//! `atlassian/user`, a role the workspace's product does not accept, a workspace that was
//! not listed) is dropped with a debug event, so every grant's entitlement exists in the
//! file.

use atlassian::RoleAssignment;
use c1_proto::c1::connector::v2::{Grant, Resource};

use super::workspaces::WorkspaceIndex;
use super::{bare, grant};
use crate::ids::role_slug;
use crate::resource_types::ResourceKind;
use crate::roles::{ORGANIZATION_ROLES, Owner};

/// Turns role-assignment rows into grants.
pub(crate) struct RoleGrants<'a> {
    /// The listed workspaces and the roles they offer.
    pub workspaces: &'a WorkspaceIndex,
    /// The configured organization id (organization grants name it, as in Go).
    pub org_id: &'a str,
}

impl RoleGrants<'_> {
    /// Appends to `grants` the grants of one row of a user's role assignments; returns how
    /// many roles were dropped.
    pub fn of_user(&self, row: &RoleAssignment, user: &Resource, grants: &mut Vec<Grant>) -> usize {
        self.of_row(row, user, true, grants)
    }

    /// Appends to `grants` the grants of one row of a group's role assignments; returns
    /// how many roles were dropped.
    pub fn of_group(
        &self,
        row: &RoleAssignment,
        group: &Resource,
        grants: &mut Vec<Grant>,
    ) -> usize {
        self.of_row(row, group, false, grants)
    }

    fn of_row(
        &self,
        row: &RoleAssignment,
        principal: &Resource,
        platform: bool,
        grants: &mut Vec<Grant>,
    ) -> usize {
        let resource_id = row.resource_id.as_deref().unwrap_or_default();
        let on = match Owner::of(row.resource_owner.as_deref()) {
            Owner::Skipped => return 0,
            Owner::Organization if !platform => return 0,
            Owner::Organization => ResourceKind::Organization,
            Owner::Workspace => ResourceKind::Workspace,
        };
        let mut dropped = 0;
        for role in row.role_ids() {
            let offered = match on {
                ResourceKind::Organization => ORGANIZATION_ROLES.contains(&role),
                _ => self.workspaces.offers(resource_id, role),
            };
            if !offered {
                dropped += 1;
                tracing::debug!(
                    principal = ?principal.id,
                    resource_id,
                    resource_owner = row.resource_owner.as_deref(),
                    role,
                    "role assignment dropped: the sync offers no entitlement for it"
                );
                continue;
            }
            let entitled = match on {
                ResourceKind::Organization => bare(on, self.org_id),
                _ => bare(on, resource_id),
            };
            grants.push(grant(entitled, &role_slug(role), principal.clone()));
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resource;

    fn row(json: serde_json::Value) -> RoleAssignment {
        serde_json::from_value(json).unwrap()
    }

    fn index() -> WorkspaceIndex {
        let mut index = WorkspaceIndex::default();
        let ws = serde_json::json!({"id": "ari:cloud:jira::site/abc", "attributes": {"typeKey": "jira"}});
        index.insert(&serde_json::from_value(ws).unwrap());
        index
    }

    fn ids(grants: &[Grant]) -> Vec<&str> {
        grants.iter().map(|g| g.id.as_str()).collect()
    }

    #[test]
    fn user_rows_become_workspace_and_organization_grants_and_unoffered_roles_are_dropped() {
        let index = index();
        let roles = RoleGrants {
            workspaces: &index,
            org_id: "org-1",
        };
        let user = resource(ResourceKind::User, "557058:x", "x@example.com");
        let mut grants = Vec::new();
        let rows = [
            serde_json::json!({"resourceId": "ari:cloud:jira::site/abc", "resourceOwner": "jira",
                "roles": ["atlassian/admin"], "roleAssignments": [{"role": "atlassian/user"}]}),
            serde_json::json!({"resourceId": "ari:cloud:platform::org/org-1", "resourceOwner": "platform",
                "roles": ["atlassian/org-admin", "atlassian/user"]}),
            serde_json::json!({"resourceId": "ari:cloud:jira:abc:project/10001", "resourceOwner": "project", "roles": ["atlassian/user"]}),
            serde_json::json!({"resourceId": "ari:cloud:townsquare:abc:goal/g", "resourceOwner": "goal", "roles": ["atlassian/contributor"]}),
            serde_json::json!({"resourceId": "ari:cloud:jira::site/abc", "resourceOwner": "jira", "roles": ["atlassian/guest"]}),
            serde_json::json!({"resourceId": "ari:cloud:jira::site/unlisted", "resourceOwner": "jira", "roles": ["atlassian/user"]}),
        ];
        let dropped: usize = rows
            .into_iter()
            .map(|r| roles.of_user(&row(r), &user, &mut grants))
            .sum();
        assert_eq!(
            ids(&grants),
            [
                "workspace:ari:cloud:jira::site/abc:role:atlassian/user:user:557058:x",
                "workspace:ari:cloud:jira::site/abc:role:atlassian/admin:user:557058:x",
                "organization:org-1:role:atlassian/org-admin:user:557058:x",
            ]
        );
        assert_eq!(
            dropped, 3,
            "platform atlassian/user, guest on Jira, unlisted workspace"
        );
        assert_eq!(
            grants[0].principal.as_ref(),
            Some(&user),
            "the principal is the full user"
        );
        let entitled = grants[2]
            .entitlement
            .as_ref()
            .unwrap()
            .resource
            .as_ref()
            .unwrap();
        assert_eq!(
            entitled,
            &crate::model::bare(ResourceKind::Organization, "org-1")
        );
    }

    #[test]
    fn group_rows_skip_platform_roles() {
        let index = index();
        let roles = RoleGrants {
            workspaces: &index,
            org_id: "org-1",
        };
        let group = resource(ResourceKind::Group, "g-1", "Staff");
        let mut grants = Vec::new();
        let platform = row(
            serde_json::json!({"resourceId": "ari:cloud:platform::org/org-1", "resourceOwner": "platform", "roles": ["atlassian/org-admin"]}),
        );
        let jira = row(
            serde_json::json!({"resourceId": "ari:cloud:jira::site/abc", "resourceOwner": "jira", "roles": ["atlassian/user"]}),
        );
        assert_eq!(
            roles.of_group(&platform, &group, &mut grants)
                + roles.of_group(&jira, &group, &mut grants),
            0
        );
        assert_eq!(
            ids(&grants),
            ["workspace:ari:cloud:jira::site/abc:role:atlassian/user:group:g-1"]
        );
    }
}
