//! Groups (v2).

use serde::{Deserialize, Serialize};

/// A group (`GET .../directories/{directoryId}/groups[/{groupId}]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Group id (UUID).
    pub id: String,
    /// Group name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The group's real directory id, needed for membership changes.
    #[serde(default)]
    pub directory_id: Option<String>,
    /// What the key may do with the group.
    #[serde(default)]
    pub management_access: Option<ManagementAccess>,
    /// True when the group is pushed by an identity provider (membership is read-only here).
    #[serde(default)]
    pub external_synced: Option<bool>,
    /// Who manages the group: `external`, `admins`, `team-members` or `open`.
    #[serde(default)]
    pub managed_by: Option<String>,
    /// Counts of users and resources.
    #[serde(default)]
    pub counts: Option<GroupCounts>,
}

impl Group {
    /// Whether membership changes through the API will be refused (IdP-synced group).
    pub fn is_idp_managed(&self) -> bool {
        self.external_synced == Some(true) || self.managed_by.as_deref() == Some("external")
    }
}

/// Permissions of the key on a group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ManagementAccess {
    /// The group may be deleted.
    #[serde(default)]
    pub deletable: Option<bool>,
    /// The group (and its membership) may be changed.
    #[serde(default)]
    pub modifiable: Option<bool>,
    /// The group may be read.
    #[serde(default)]
    pub readable: Option<bool>,
}

/// Counts attached to a group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct GroupCounts {
    /// Number of members.
    #[serde(default)]
    pub users: Option<u64>,
    /// Number of resources the group grants access to.
    #[serde(default)]
    pub resources: Option<u64>,
}

/// Filters of the groups list; empty fields are not sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupFilter {
    /// Only groups of these directories.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub directory_ids: Vec<String>,
    /// Only groups containing these users.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub account_ids: Vec<String>,
    /// Only these groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_ids: Vec<String>,
    /// Only groups granting access to resources of these owners (product keys).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_owners: Vec<String>,
    /// Only groups granting access to these resources (ARIs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_ids: Vec<String>,
    /// Only groups granting these roles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub role_ids: Vec<String>,
    /// Partial match on the group name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_term: Option<String>,
    /// Sort order, passed through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
}

/// Body of the group creation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct NewGroup<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
}

/// Body of the v2 membership add.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewMembership<'a> {
    pub account_id: &'a str,
}
