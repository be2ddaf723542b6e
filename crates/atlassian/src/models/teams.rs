//! Teams (the Teams public REST API).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A team of the organization.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    /// Team id (UUID).
    pub team_id: String,
    /// Team name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Organization id.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// `ACTIVE` or `ARCHIVED`.
    #[serde(default)]
    pub state: Option<String>,
    /// `OPEN`, `MEMBER_INVITE`, `EXTERNAL` or `ORG_ADMIN_MANAGED`.
    #[serde(default)]
    pub team_type: Option<String>,
    /// Account id of the creator.
    #[serde(default)]
    pub creator_id: Option<String>,
    /// Link to an external directory group, when synced.
    #[serde(default)]
    pub external_reference: Option<Value>,
}

/// A member of a team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    /// Account id.
    pub account_id: String,
}

/// Result of adding or removing team members: who changed, and per-member errors.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct TeamMembersChange {
    /// Members affected.
    #[serde(default)]
    pub members: Vec<TeamMember>,
    /// Per-member errors.
    #[serde(default)]
    pub errors: Vec<TeamMemberError>,
}

/// Why one member could not be added or removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamMemberError {
    /// The account concerned.
    #[serde(default)]
    pub account_id: Option<String>,
    /// Error code, e.g. `USER_NOT_FOUND`, `MEMBER_NOT_FOUND`.
    #[serde(default)]
    pub code: Option<String>,
    /// Explanation.
    #[serde(default)]
    pub message: Option<String>,
}

/// `{"entities": [...], "cursor": ...}` of the teams list.
#[derive(Debug, Deserialize)]
pub(crate) struct TeamsPage {
    #[serde(default)]
    pub entities: Vec<Team>,
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Body of the members list (Relay style).
#[derive(Debug, Serialize)]
pub(crate) struct MembersQuery<'a> {
    pub first: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<&'a str>,
}

/// `{"pageInfo": {...}, "results": [...]}` of the members list.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MembersPage {
    #[serde(default)]
    pub page_info: Option<PageInfo>,
    #[serde(default)]
    pub results: Vec<TeamMember>,
}

/// Relay page information.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfo {
    #[serde(default)]
    pub end_cursor: Option<String>,
    #[serde(default)]
    pub has_next_page: bool,
}

/// Body of members add/remove.
#[derive(Debug, Serialize)]
pub(crate) struct MembersChange<'a> {
    pub members: Vec<MemberRef<'a>>,
}

/// One member in a members add/remove body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MemberRef<'a> {
    pub account_id: &'a str,
}
