//! Invitations (v2, and v1 while it lives).

use serde::{Deserialize, Serialize};

/// A role on a resource to grant with an invitation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PermissionRule {
    /// Resource ARI.
    pub resource: String,
    /// Role id, e.g. `atlassian/user`.
    pub role: String,
}

/// Body of the v2 invitation (`POST /admin/v2/orgs/{orgId}/users/invite`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// Emails to invite.
    pub emails: Vec<String>,
    /// Roles to grant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permission_rules: Vec<PermissionRule>,
    /// Group ids to add the users to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additional_groups: Vec<String>,
    /// Whether to email the users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_notification: Option<bool>,
    /// Text added to the email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_text: Option<String>,
}

/// Body of the v1 invitation (`POST /admin/v1/orgs/{orgId}/users/invite`, until 30 June 2026).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationV1 {
    /// Email to invite.
    pub email: String,
    /// Role to grant.
    pub permission_rule: PermissionRule,
    /// Whether to email the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_notification: Option<bool>,
    /// Text added to the email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_text: Option<String>,
}

/// What happened to each invited user.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitedUser {
    /// Account id of the invited (or existing) user.
    #[serde(default)]
    pub id: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Results per role and group.
    #[serde(default)]
    pub results: Vec<InvitationResults>,
}

/// Results of one invitation.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationResults {
    /// One entry per permission rule.
    #[serde(default)]
    pub role_assignment_result: Vec<AssignmentResult>,
    /// One entry per additional group.
    #[serde(default)]
    pub group_assignment_result: Vec<AssignmentResult>,
}

/// Result of one role or group assignment of an invitation.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentResult {
    /// Resource ARI (role assignments).
    #[serde(default)]
    pub resource: Option<String>,
    /// Role id (role assignments).
    #[serde(default)]
    pub role: Option<String>,
    /// Group id (group assignments).
    #[serde(default)]
    pub group: Option<String>,
    /// `INVITED` or `ERROR`.
    #[serde(default)]
    pub status: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub status_reason: Option<String>,
}

impl AssignmentResult {
    /// Whether this assignment failed.
    pub fn failed(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("ERROR"))
    }
}
