//! Grant and revoke: workspace roles of users (`roles/assign|revoke`, Support-gated) and
//! of groups (the group's `role-assignments/assign|revoke`), the organization admin role,
//! group membership (in the group's real directory) and team membership.
//!
//! Atlassian answers a role assignment that already held with the same `204` as a new
//! one, so a role grant first reads the principal's direct roles on that resource (one
//! request) to report `GrantAlreadyExists` truthfully. Memberships need no such read: the
//! API says when a user already was (or was not) a member.

use atlassian::{ALL_DIRECTORIES, Outcome, RoleAssignment, RoleAssignmentFilter};
use c1_proto::any;
use c1_proto::c1::connector::v2::{
    Entitlement, Grant, GrantAlreadyExists, GrantAlreadyRevoked, GrantManagerServiceGrantResponse,
    GrantManagerServiceRevokeResponse, Resource,
};
use c1_proto::prost_types::Any;

use super::error::{Code, ProvisionError};
use super::request::{Change, ORG_ADMIN, Request};
use crate::AtlassianConnector;
use crate::roles::Owner;

/// Where a role is held.
#[derive(Clone, Copy)]
enum On<'a> {
    /// On the workspace with this ARI.
    Workspace(&'a str),
    /// At organization level (`resourceOwner: platform`).
    Organization,
}

impl On<'_> {
    fn filter(self, role: &str) -> RoleAssignmentFilter {
        let (resource_ids, resource_owners) = match self {
            On::Workspace(ari) => (vec![ari.to_owned()], Vec::new()),
            On::Organization => (Vec::new(), vec!["platform".to_owned()]),
        };
        RoleAssignmentFilter {
            resource_ids,
            resource_owners,
            role_ids: vec![role.to_owned()],
            ..RoleAssignmentFilter::default()
        }
    }

    fn matches(self, row: &RoleAssignment) -> bool {
        match self {
            On::Workspace(ari) => row.resource_id.as_deref() == Some(ari),
            On::Organization => Owner::of(row.resource_owner.as_deref()) == Owner::Organization,
        }
    }
}

/// Whether `rows` show `role` held directly (not only through a group) where `on` says.
fn held_directly(rows: &[RoleAssignment], on: On<'_>, role: &str) -> bool {
    rows.iter().filter(|row| on.matches(row)).any(|row| {
        if row.role_assignments.is_empty() {
            return row.roles.iter().any(|r| r == role);
        }
        row.role_assignments.iter().any(|held| {
            held.role == role
                && (held.role_assignment_methods.is_empty()
                    || held.role_assignment_methods.iter().any(|m| m == "direct"))
        })
    })
}

impl AtlassianConnector {
    /// Grants `entitlement` to `principal` (ConductorOne's `GrantManagerService.Grant`).
    /// The answer holds the grant now in effect, with the id a sync gives it, annotated
    /// `GrantAlreadyExists` when it already held.
    pub async fn grant(
        &self,
        entitlement: &Entitlement,
        principal: &Resource,
    ) -> Result<GrantManagerServiceGrantResponse, ProvisionError> {
        self.ensure_writable("grant")?;
        let request = Request::grant(entitlement, principal, self.client.org_id())?;
        let doing = request.describe("grant");
        let outcome = self.give(&request.change, &doing).await?;
        tracing::info!(?outcome, "{doing}");
        Ok(GrantManagerServiceGrantResponse {
            annotations: annotation(outcome, any::pack(&GrantAlreadyExists {})),
            grants: vec![request.granted()],
        })
    }

    /// Revokes `grant` (ConductorOne's `GrantManagerService.Revoke`); annotated
    /// `GrantAlreadyRevoked` when there was nothing to revoke.
    pub async fn revoke(
        &self,
        grant: &Grant,
    ) -> Result<GrantManagerServiceRevokeResponse, ProvisionError> {
        self.ensure_writable("revoke")?;
        let request = Request::revoke(grant, self.client.org_id())?;
        let doing = request.describe("revoke");
        let outcome = self.take(&request.change, &doing).await?;
        tracing::info!(?outcome, "{doing}");
        Ok(GrantManagerServiceRevokeResponse {
            annotations: annotation(outcome, any::pack(&GrantAlreadyRevoked {})),
        })
    }

    async fn give(&self, change: &Change, doing: &str) -> Result<Outcome, ProvisionError> {
        let client = &self.client;
        let fail = |e: atlassian::Error| self.failure(doing, &e);
        match change {
            Change::UserWorkspaceRole {
                account_id,
                workspace,
                role,
            } => {
                if self
                    .user_holds(account_id, On::Workspace(workspace), role)
                    .await
                    .map_err(fail)?
                {
                    return Ok(Outcome::AlreadyDone);
                }
                client
                    .assign_role(account_id, role, workspace)
                    .await
                    .map_err(fail)
            }
            Change::GroupWorkspaceRole {
                group_id,
                workspace,
                role,
            } => {
                let directory = self.group_directory(group_id, doing).await?;
                let filter = On::Workspace(workspace).filter(role);
                let page = client
                    .group_role_assignments_page(&directory, group_id, &filter, None)
                    .await
                    .map_err(fail)?;
                if held_directly(&page.items, On::Workspace(workspace), role) {
                    return Ok(Outcome::AlreadyDone);
                }
                client
                    .assign_group_role(&directory, group_id, workspace, role)
                    .await
                    .map_err(fail)
            }
            Change::OrgAdmin { account_id } => {
                if self
                    .user_holds(account_id, On::Organization, ORG_ADMIN)
                    .await
                    .map_err(fail)?
                {
                    return Ok(Outcome::AlreadyDone);
                }
                client
                    .assign_org_role(account_id, ORG_ADMIN)
                    .await
                    .map_err(fail)
            }
            Change::GroupMember {
                group_id,
                account_id,
            } => {
                let directory = self.group_directory(group_id, doing).await?;
                client
                    .add_group_member(&directory, group_id, account_id)
                    .await
                    .map_err(fail)
            }
            Change::TeamMember {
                team_id,
                account_id,
            } => {
                let site = self.teams_site(doing)?;
                client
                    .add_team_member(team_id, site, account_id)
                    .await
                    .map_err(fail)
            }
        }
    }

    async fn take(&self, change: &Change, doing: &str) -> Result<Outcome, ProvisionError> {
        let client = &self.client;
        let fail = |e: atlassian::Error| self.failure(doing, &e);
        match change {
            Change::UserWorkspaceRole {
                account_id,
                workspace,
                role,
            } => client
                .revoke_role(account_id, role, workspace)
                .await
                .map_err(fail),
            Change::GroupWorkspaceRole {
                group_id,
                workspace,
                role,
            } => {
                let Some(directory) = self.group_directory_if_any(group_id, doing).await? else {
                    return Ok(Outcome::AlreadyDone);
                };
                client
                    .revoke_group_role(&directory, group_id, workspace, role)
                    .await
                    .map_err(fail)
            }
            Change::OrgAdmin { account_id } => client
                .revoke_org_role(account_id, ORG_ADMIN)
                .await
                .map_err(fail),
            Change::GroupMember {
                group_id,
                account_id,
            } => {
                let Some(directory) = self.group_directory_if_any(group_id, doing).await? else {
                    return Ok(Outcome::AlreadyDone);
                };
                client
                    .remove_group_member(&directory, group_id, account_id)
                    .await
                    .map_err(fail)
            }
            Change::TeamMember {
                team_id,
                account_id,
            } => {
                let site = self.teams_site(doing)?;
                client
                    .remove_team_member(team_id, site, account_id)
                    .await
                    .map_err(fail)
            }
        }
    }

    /// Whether a user holds `role` directly where `on` says (first page of the filtered
    /// role assignments: the filter leaves at most one row).
    async fn user_holds(
        &self,
        account_id: &str,
        on: On<'_>,
        role: &str,
    ) -> Result<bool, atlassian::Error> {
        let page = self
            .client
            .user_role_assignments_page(ALL_DIRECTORIES, account_id, &on.filter(role), None)
            .await?;
        Ok(held_directly(&page.items, on, role))
    }

    /// The real directory of a group (writes cannot use `-`).
    async fn group_directory(&self, group_id: &str, doing: &str) -> Result<String, ProvisionError> {
        let group = self
            .client
            .group(ALL_DIRECTORIES, group_id)
            .await
            .map_err(|e| self.failure(doing, &e))?;
        group.directory_id.filter(|d| !d.is_empty()).ok_or_else(|| {
            ProvisionError::new(
                Code::Internal,
                format!("{doing} failed: the group details have no directory id"),
            )
        })
    }

    /// The real directory of a group, `None` when the group no longer exists (so its
    /// memberships and roles are gone too).
    async fn group_directory_if_any(
        &self,
        group_id: &str,
        doing: &str,
    ) -> Result<Option<String>, ProvisionError> {
        match self.group_directory(group_id, doing).await {
            Err(e) if e.code == Code::NotFound => Ok(None),
            other => other.map(Some),
        }
    }

    /// The site whose teams are managed; team membership needs Teams credentials.
    fn teams_site(&self, doing: &str) -> Result<&str, ProvisionError> {
        let teams = self.config.teams.as_ref().ok_or_else(|| {
            ProvisionError::new(
                Code::FailedPrecondition,
                format!(
                    "{doing} is not possible: Teams is not configured (teams-email, \
                     teams-api-token, teams-site-id)"
                ),
            )
        })?;
        Ok(&teams.site_id)
    }
}

/// `[marker]` when the change was already in effect, else nothing.
fn annotation(outcome: Outcome, marker: Any) -> Vec<Any> {
    match outcome {
        Outcome::AlreadyDone => vec![marker],
        Outcome::Done => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(json: serde_json::Value) -> Vec<RoleAssignment> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_role_held_only_through_a_group_is_not_held_directly() {
        let ari = "ari:cloud:jira::site/abc";
        let through_group = rows(serde_json::json!([{
            "resourceId": ari, "resourceOwner": "jira", "roles": ["atlassian/user"],
            "roleAssignments": [{"role": "atlassian/user", "roleAssignmentMethods": ["group_direct"]}]
        }]));
        assert!(!held_directly(
            &through_group,
            On::Workspace(ari),
            "atlassian/user"
        ));
        let both = rows(serde_json::json!([{
            "resourceId": ari, "resourceOwner": "jira", "roles": ["atlassian/user"],
            "roleAssignments": [{"role": "atlassian/user", "roleAssignmentMethods": ["group_direct", "direct"]}]
        }]));
        assert!(held_directly(&both, On::Workspace(ari), "atlassian/user"));
        assert!(!held_directly(
            &both,
            On::Workspace("ari:cloud:jira::site/other"),
            "atlassian/user"
        ));
        let legacy = rows(serde_json::json!([{
            "resourceId": "ari:cloud:platform::org/o", "resourceOwner": "platform",
            "roles": ["atlassian/org-admin"]
        }]));
        assert!(held_directly(
            &legacy,
            On::Organization,
            "atlassian/org-admin"
        ));
        assert!(!held_directly(
            &legacy,
            On::Workspace(ari),
            "atlassian/org-admin"
        ));
    }
}
