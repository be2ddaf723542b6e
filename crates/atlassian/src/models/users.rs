//! Directory users (v2), their counts and stats, and last-active dates (v1).

use serde::{Deserialize, Serialize};

/// Composite status of a user in the directories the key can see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Account active and membership active.
    Active,
    /// Account active, membership suspended in every visible directory.
    Suspended,
    /// Account active, no membership.
    NotInvited,
    /// Account inactive.
    Deactivated,
    /// Managed account scheduled for deletion (14-day grace period; still restorable).
    ForDeletion,
    /// A value this client does not know.
    #[serde(other)]
    Other,
}

/// Lifecycle status of the Atlassian account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Active account.
    Active,
    /// Deactivated account.
    Inactive,
    /// Closed account.
    Closed,
    /// A value this client does not know.
    #[serde(other)]
    Other,
}

/// Status of the user's membership in the directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipStatus {
    /// Member with access.
    Active,
    /// Member whose access is suspended.
    Suspended,
    /// Not a member.
    NoMembership,
    /// A value this client does not know.
    #[serde(other)]
    Other,
}

/// Whether the account is managed by the organization (on a verified domain).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Managed account.
    Managed,
    /// Unmanaged account.
    Unmanaged,
    /// A value this client does not know.
    #[serde(other)]
    Other,
}

/// A user of the organization's directories (`GET .../directories/{directoryId}/users`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryUser {
    /// Atlassian account id.
    pub account_id: String,
    /// Account type (`atlassian`, `customer`, `app`).
    #[serde(default)]
    pub account_type: Option<String>,
    /// Composite status.
    #[serde(default)]
    pub status: Option<UserStatus>,
    /// Account lifecycle status.
    #[serde(default)]
    pub account_status: Option<AccountStatus>,
    /// Directory membership status.
    #[serde(default)]
    pub membership_status: Option<MembershipStatus>,
    /// When the user was added to the organization (ISO-8601).
    #[serde(default)]
    pub added_to_org: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Nickname.
    #[serde(default)]
    pub nickname: Option<String>,
    /// Email address (absent when hidden).
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the email is verified.
    #[serde(default)]
    pub email_verified: Option<bool>,
    /// Managed or unmanaged.
    #[serde(default)]
    pub claim_status: Option<ClaimStatus>,
    /// Platform roles such as `atlassian/org-admin`.
    #[serde(default)]
    pub platform_roles: Vec<String>,
    /// Avatar URL.
    #[serde(default)]
    pub picture: Option<String>,
    /// Avatar URL (alternative field).
    #[serde(default)]
    pub avatar: Option<String>,
    /// `invited` or `synced` (from an identity provider).
    #[serde(default)]
    pub management_source: Option<String>,
    /// Whether two-step verification is on.
    #[serde(default)]
    pub mfa_enabled: Option<bool>,
    /// Job title.
    #[serde(default)]
    pub job_title: Option<String>,
    /// Department.
    #[serde(default)]
    pub department: Option<String>,
    /// Organization (profile field).
    #[serde(default)]
    pub organization: Option<String>,
    /// Location.
    #[serde(default)]
    pub location: Option<String>,
    /// Time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Counts (number of resources the user can access).
    #[serde(default)]
    pub counts: Option<UserCounts>,
    /// Product access, when expanded.
    #[serde(default)]
    pub product_access: Vec<ProductAccess>,
    /// Groups of the user, when expanded.
    #[serde(default)]
    pub groups: Vec<GroupRef>,
    /// When the account was deactivated (ISO-8601).
    #[serde(default)]
    pub deactivated_on: Option<String>,
}

/// A group a user belongs to (the `groups` expansion).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct GroupRef {
    /// Group id.
    pub id: String,
    /// Group name.
    #[serde(default)]
    pub name: Option<String>,
}

/// Counts attached to a user.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct UserCounts {
    /// Number of resources the user can access.
    #[serde(default)]
    pub resources: Option<u64>,
}

/// One product the user can access.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductAccess {
    /// Product key, e.g. `jira-software`.
    #[serde(default)]
    pub key: Option<String>,
    /// Resource ARI.
    #[serde(default)]
    pub id: Option<String>,
    /// Last activity (ISO-8601).
    #[serde(default)]
    pub last_active_timestamp: Option<String>,
}

/// Filters of the users list, count and search; empty fields are not sent. Lists of ids
/// accept at most 10 values (`resource_ids` 20). Once a cursor is used the service ignores
/// the filters (the cursor encodes them).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserFilter {
    /// Only these accounts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub account_ids: Vec<String>,
    /// Only members of these directories.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub directory_ids: Vec<String>,
    /// Only users with access to these resources (ARIs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_ids: Vec<String>,
    /// Only members of these groups (one group id lists that group's members).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_ids: Vec<String>,
    /// Only users with (or without) two-step verification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_enabled: Option<bool>,
    /// Only managed or unmanaged accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_status: Option<ClaimStatus>,
    /// Only these composite statuses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<UserStatus>,
    /// Only these account statuses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub account_status: Vec<AccountStatus>,
    /// Only these membership statuses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub membership_status: Vec<MembershipStatus>,
    /// Only users with these roles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub role_ids: Vec<String>,
    /// Only users with emails on these domains.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email_domains: Vec<String>,
    /// Partial match on nickname or email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_term: Option<String>,
    /// Sort order, passed through (e.g. `nick_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
}

/// Body of the users search (`POST .../users/search`): the filters plus exact emails and
/// expansions. `search_term` and `emails` together are refused by the service.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSearch {
    /// The filters.
    #[serde(flatten)]
    pub filter: UserFilter,
    /// Exact email matches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// Extra fields: `platformRoles`, `counts.resources`, `productAccess`, `groups`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expand: Vec<String>,
}

/// Role counts and account-status counts of a directory (`GET .../users/stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserStats {
    /// Users per role.
    #[serde(default)]
    pub roles: Vec<RoleCount>,
    /// Users per account status.
    #[serde(default)]
    pub account_status: Vec<StatusCount>,
}

/// Number of users with one role.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleCount {
    /// Role id.
    pub role_id: String,
    /// Number of users.
    pub count: u64,
}

/// Number of users with one account status.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StatusCount {
    /// Account status.
    pub status: String,
    /// Number of users.
    pub count: u64,
}

/// When a user was last active in each product (`GET /admin/v1/.../last-active-dates`),
/// all pages merged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct LastActiveDates {
    /// Last activity per product (empty if never used).
    #[serde(default)]
    pub product_access: Vec<ProductLastActive>,
    /// Date the user was added to the organization (`yyyy-MM-dd`).
    #[serde(default)]
    pub added_to_org: Option<String>,
    /// Time the user was added to the organization (ISO-8601).
    #[serde(default)]
    pub added_to_org_timestamp: Option<String>,
}

/// Last activity in one product.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ProductLastActive {
    /// Resource ARI.
    #[serde(default)]
    pub id: Option<String>,
    /// Product key, e.g. `jira-software`.
    #[serde(default)]
    pub key: Option<String>,
    /// Date (`yyyy-MM-dd`).
    #[serde(default)]
    pub last_active: Option<String>,
    /// Time (ISO-8601).
    #[serde(default)]
    pub last_active_timestamp: Option<String>,
}
