//! Role ids, role assignments of users and groups, and the role grant bodies.

use serde::{Deserialize, Serialize};

use super::MembershipStatus;

/// Well-known role ids.
pub mod role {
    /// App access without app-admin rights (billable).
    pub const USER: &str = "atlassian/user";
    /// App access plus app-admin rights.
    pub const ADMIN: &str = "atlassian/admin";
    /// Confluence guest (one space).
    pub const GUEST: &str = "atlassian/guest";
    /// Jira Service Management help-center customer.
    pub const CUSTOMER: &str = "atlassian/customer";
    /// May administer users and groups of the app, without app access.
    pub const USER_ACCESS_ADMIN: &str = "atlassian/user-access-admin";
    /// View, comment, vote only.
    pub const CONTRIBUTOR: &str = "atlassian/contributor";
    /// Basic features, no admin.
    pub const BASIC: &str = "atlassian/basic";
    /// Incident updates (Premium/Enterprise).
    pub const STAKEHOLDER: &str = "atlassian/stakeholder";
    /// Accepted by the v2 invite API.
    pub const VIEWER: &str = "atlassian/viewer";
    /// Organization admin (platform role).
    pub const ORG_ADMIN: &str = "atlassian/org-admin";
    /// Site admin (platform role).
    pub const SITE_ADMIN: &str = "atlassian/site-admin";
    /// May use AI features (platform role).
    pub const AI_ACCESS: &str = "atlassian/ai-access";
}

/// The roles a user or group holds on one resource
/// (`GET .../users/{accountId}/role-assignments`, `GET .../groups/{groupId}/role-assignments`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// Resource ARI, e.g. `ari:cloud:jira-software::site/{cloudId}`.
    #[serde(default)]
    pub resource_id: Option<String>,
    /// Owner of the resource: a product key, `platform` (org-level roles), `project`, `goal`.
    #[serde(default)]
    pub resource_owner: Option<String>,
    /// Role ids (deprecated by the service in favour of `role_assignments`, still filled).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Role ids with how they were obtained.
    #[serde(default)]
    pub role_assignments: Vec<RoleGrant>,
    /// Directory of the assignment (`None` for platform roles).
    #[serde(default)]
    pub directory_id: Option<String>,
    /// The user's status in that directory.
    #[serde(default)]
    pub user_directory_status: Option<MembershipStatus>,
}

impl RoleAssignment {
    /// Every role id, from `role_assignments` and the deprecated `roles`, without repeats.
    pub fn role_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .role_assignments
            .iter()
            .map(|g| g.role.as_str())
            .collect();
        for role in &self.roles {
            if !ids.contains(&role.as_str()) {
                ids.push(role);
            }
        }
        ids
    }
}

/// One role and how it was obtained.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleGrant {
    /// Role id.
    pub role: String,
    /// `direct`, `group_direct` or `inferred`.
    #[serde(default)]
    pub role_assignment_methods: Vec<String>,
}

/// Filters of the role-assignment lists; empty fields are not sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentFilter {
    /// Only assignments in these directories.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub directory_ids: Vec<String>,
    /// Only resources of these owners (product keys, `platform`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_owners: Vec<String>,
    /// Only these resources (ARIs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_ids: Vec<String>,
    /// Only these roles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub role_ids: Vec<String>,
}

/// Body of `roles/assign|revoke` (a user's role on a resource) and of the org-level
/// `role-assignments/assign|revoke` (no resource).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct RoleRequest<'a> {
    pub role: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<&'a str>,
}

/// Body of a group's `role-assignments/assign|revoke`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupRoleRequest<'a> {
    pub resource_id: &'a str,
    pub role_id: &'a str,
}
