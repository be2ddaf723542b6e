//! Ground truth of a simulated organization: plain data, all fields public.
//!
//! The HTTP routes render these types into the real API's JSON shapes; tests read them
//! through [`AtlassianSim::snapshot`](super::AtlassianSim::snapshot) to know what the
//! answers must be. Collections of users, groups, teams and tokens are kept sorted by id
//! (the simulator re-sorts them after [`AtlassianSim::with_org`](super::AtlassianSim::with_org)),
//! which is what lets the routes page through them by key without scanning.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Serialize, Serializer};

/// Declares a closed set of values written on the wire as fixed strings.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* #[doc = concat!("On the wire: `", $wire, "`.")] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as the real API writes it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses the wire form.
            pub fn parse(wire: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str() == wire)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// What kind of person or robot an account is (the generator's classification; the API
    /// shows it through `accountType`, `claimStatus`, the email domain and the roles held).
    UserKind {
        /// Account on the org's verified domain, claimed by the org.
        Managed = "managed",
        /// Atlassian account from another domain, member of a directory.
        Unmanaged = "unmanaged",
        /// Confluence guest (holds `atlassian/guest` on one site).
        Guest = "guest",
        /// App / bot account (`accountType: app`).
        App = "app",
        /// Org-owned service account (`accountType: app`, managed).
        ServiceAccount = "service_account",
        /// Jira Service Management help-center customer (`accountType: customer`).
        Customer = "customer",
    }
}

wire_enum! {
    /// `accountType` / `account_type`.
    AccountType { Atlassian = "atlassian", Customer = "customer", App = "app" }
}

wire_enum! {
    /// `accountStatus` / `account_status`.
    AccountStatus { Active = "active", Inactive = "inactive", Closed = "closed" }
}

wire_enum! {
    /// `claimStatus`: whether the org manages the account.
    ClaimStatus { Managed = "managed", Unmanaged = "unmanaged" }
}

wire_enum! {
    /// `membershipStatus`: the user's membership of their directory.
    MembershipStatus { Active = "active", Suspended = "suspended", NoMembership = "no_membership" }
}

wire_enum! {
    /// The composite `status` of the v2 user API (see [`User::status`]).
    UserStatus {
        Active = "active",
        Suspended = "suspended",
        NotInvited = "not_invited",
        Deactivated = "deactivated",
        ForDeletion = "for_deletion",
    }
}

wire_enum! {
    /// `managementSource`: how the user came into the directory.
    ManagementSource { Invited = "invited", Synced = "synced" }
}

wire_enum! {
    /// Workspace `attributes.status`.
    WorkspaceStatus { Online = "online", Offline = "offline", Deprecated = "deprecated" }
}

wire_enum! {
    /// Team `state`.
    TeamState { Active = "ACTIVE", Archived = "ARCHIVED" }
}

wire_enum! {
    /// Team `teamType`.
    TeamType {
        Open = "OPEN",
        MemberInvite = "MEMBER_INVITE",
        External = "EXTERNAL",
        OrgAdminManaged = "ORG_ADMIN_MANAGED",
    }
}

wire_enum! {
    /// API token `status`.
    ApiTokenStatus { Allowed = "ALLOWED", Blocked = "BLOCKED" }
}

/// The whole simulated organization.
#[derive(Clone, Debug, Serialize)]
pub struct Org {
    /// Organization id (UUID-shaped).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Verified domains; accounts with these email domains are managed.
    pub verified_domains: Vec<String>,
    /// User directories (`-` in a path means all of them).
    pub directories: Vec<Directory>,
    /// Every account known to the org, sorted by `account_id`.
    pub users: Vec<User>,
    /// Groups, sorted by `id`.
    pub groups: Vec<Group>,
    /// Workspaces (product instances), in listing order.
    pub workspaces: Vec<Workspace>,
    /// Role assignments of users and of groups (the principal says which), ordered by
    /// principal, resource and role. Includes org-level `platform` rows and the `project` /
    /// `goal` rows a connector must skip.
    pub user_roles: BTreeSet<RoleAssignment>,
    /// Group id → account ids of its members.
    pub group_members: BTreeMap<String, BTreeSet<String>>,
    /// Teams, sorted by `team_id` (deleted teams stay, flagged).
    pub teams: Vec<Team>,
    /// Team id → account ids of its members.
    pub team_members: BTreeMap<String, BTreeSet<String>>,
    /// User API tokens, sorted by `id`.
    pub api_tokens: Vec<ApiToken>,
}

/// A user directory.
#[derive(Clone, Debug, Serialize)]
pub struct Directory {
    /// Directory id (UUID).
    pub id: String,
    /// Display name.
    pub name: String,
}

/// One account.
#[derive(Clone, Debug, Serialize)]
pub struct User {
    /// `accountId` (legacy `557058:<uuid>`, 24-hex or UUID-shaped).
    pub account_id: String,
    /// Generator classification.
    pub kind: UserKind,
    /// `accountType`.
    pub account_type: AccountType,
    /// `accountStatus`.
    pub account_status: AccountStatus,
    /// `claimStatus`.
    pub claim_status: ClaimStatus,
    /// The directory the user belongs to; `None` for managed accounts outside any directory.
    pub directory_id: Option<String>,
    /// Membership of `directory_id` (`NoMembership` when it is `None`).
    pub membership_status: MembershipStatus,
    /// Scheduled for deletion (14-day grace period).
    pub for_deletion: bool,
    /// Display name.
    pub name: String,
    /// Nickname.
    pub nickname: String,
    /// Email, absent when the user hides it (and for apps).
    pub email: Option<String>,
    /// Whether the email is verified.
    pub email_verified: bool,
    /// Whether two-step verification is on.
    pub mfa_enabled: bool,
    /// How the user came into the directory.
    pub management_source: Option<ManagementSource>,
    /// Profile: job title.
    pub job_title: Option<String>,
    /// Profile: department.
    pub department: Option<String>,
    /// Profile: location.
    pub location: Option<String>,
    /// Profile: time zone (IANA name).
    pub time_zone: Option<String>,
    /// When the user joined the org (RFC 3339, UTC).
    pub added_to_org: String,
    /// Last activity in any product (RFC 3339), `None` if never active.
    pub last_active: Option<String>,
    /// When the account was deactivated (RFC 3339).
    pub deactivated_on: Option<String>,
    /// SCIM resource id when the user was provisioned through SCIM.
    pub scim_id: Option<String>,
}

impl User {
    /// The composite v2 `status`: `for_deletion` wins, then an inactive account is
    /// `deactivated`, then no membership is `not_invited`, then the membership decides.
    pub fn status(&self) -> UserStatus {
        if self.for_deletion {
            UserStatus::ForDeletion
        } else if self.account_status != AccountStatus::Active {
            UserStatus::Deactivated
        } else {
            match self.membership_status {
                MembershipStatus::NoMembership => UserStatus::NotInvited,
                MembershipStatus::Suspended => UserStatus::Suspended,
                MembershipStatus::Active => UserStatus::Active,
            }
        }
    }

    /// Whether the account can be given access (active account, not being deleted).
    pub fn is_active(&self) -> bool {
        self.account_status == AccountStatus::Active && !self.for_deletion
    }
}

/// A group of one directory.
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// Group id (UUID).
    pub id: String,
    /// Name, unique within its directory.
    pub name: String,
    /// Description (may be empty).
    pub description: String,
    /// The directory the group lives in.
    pub directory_id: String,
    /// Pushed by an identity provider: membership cannot be changed through the API.
    pub external_synced: bool,
}

/// A workspace: one product on one site (or a Bitbucket workspace).
#[derive(Clone, Debug, Serialize)]
pub struct Workspace {
    /// ARI, e.g. `ari:cloud:jira-software::site/{cloudId}`.
    pub id: String,
    /// Product key (`typeKey`), e.g. `jira-software`; see [`valid_roles`](super::valid_roles).
    pub product: String,
    /// Display name (the site name).
    pub name: String,
    /// Site id shared by every product of the site.
    pub cloud_id: String,
    /// Site URL, shared by the products of one site.
    pub host_url: String,
    /// Status.
    pub status: WorkspaceStatus,
    /// Licence seats; `None` = unlimited. Counted against distinct users holding a billable
    /// role (`atlassian/user` or `atlassian/admin`) directly on the workspace.
    pub capacity: Option<u64>,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

/// Who holds a role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum Principal {
    /// A user, by account id.
    User(String),
    /// A group, by group id.
    Group(String),
}

/// One role held by a principal on a resource.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RoleAssignment {
    /// The holder.
    pub principal: Principal,
    /// Resource ARI: a workspace, the org (`ari:cloud:platform::org/{orgId}`), a site for
    /// platform roles, a Jira project or an Atlas goal.
    pub resource_id: String,
    /// Role id, e.g. `atlassian/user`.
    pub role: String,
}

impl RoleAssignment {
    /// Convenience constructor.
    pub fn new(
        principal: Principal,
        resource_id: impl Into<String>,
        role: impl Into<String>,
    ) -> Self {
        RoleAssignment {
            principal,
            resource_id: resource_id.into(),
            role: role.into(),
        }
    }

    /// `resourceOwner` as the API reports it: see [`resource_owner`].
    pub fn resource_owner(&self) -> &str {
        resource_owner(&self.resource_id)
    }
}

/// `resourceOwner` of an ARI: `project` and `goal` for Jira projects and Atlas goals,
/// otherwise the ARI's resource owner segment (`jira-software`, `confluence`, `platform`, ...).
pub fn resource_owner(ari: &str) -> &str {
    let mut parts = ari.splitn(5, ':');
    let owner = parts.nth(2).unwrap_or("");
    let resource_type = parts
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("");
    match resource_type {
        "project" | "goal" => resource_type,
        _ => owner,
    }
}

/// A team (Teams REST API).
#[derive(Clone, Debug, Serialize)]
pub struct Team {
    /// Team id (UUID).
    pub team_id: String,
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: String,
    /// State.
    pub state: TeamState,
    /// Type.
    pub team_type: TeamType,
    /// Account id of the creator.
    pub creator_id: Option<String>,
    /// Site the team is scoped to; `None` for org-wide teams. Site-scoped teams are only
    /// listed when the request names that `siteId`.
    pub site_id: Option<String>,
    /// Deleted: left out of lists, `410 Gone` when fetched.
    pub deleted: bool,
}

/// A user API token (API-access inventory).
#[derive(Clone, Debug, Serialize)]
pub struct ApiToken {
    /// Token id.
    pub id: String,
    /// Label given by the user.
    pub label: String,
    /// Whether the org allows it.
    pub status: ApiTokenStatus,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Expiry (RFC 3339).
    pub expires_at: String,
    /// Last use (RFC 3339).
    pub last_active_at: Option<String>,
    /// Scopes (empty for classic tokens).
    pub scopes: Vec<String>,
    /// Owner's account id.
    pub account_id: String,
}

impl Org {
    /// `ari:cloud:platform::org/{id}`: the resource of org-level roles.
    pub fn ari(&self) -> String {
        format!("ari:cloud:platform::org/{}", self.id)
    }

    /// The user with this account id.
    pub fn user(&self, account_id: &str) -> Option<&User> {
        find_sorted(&self.users, account_id, |u| &u.account_id).map(|i| &self.users[i])
    }

    /// The group with this id.
    pub fn group(&self, group_id: &str) -> Option<&Group> {
        find_sorted(&self.groups, group_id, |g| &g.id).map(|i| &self.groups[i])
    }

    /// The team with this id.
    pub fn team(&self, team_id: &str) -> Option<&Team> {
        find_sorted(&self.teams, team_id, |t| &t.team_id).map(|i| &self.teams[i])
    }

    /// The workspace with this ARI.
    pub fn workspace(&self, ari: &str) -> Option<&Workspace> {
        self.workspaces.iter().find(|w| w.id == ari)
    }

    /// The directory with this id.
    pub fn directory(&self, directory_id: &str) -> Option<&Directory> {
        self.directories.iter().find(|d| d.id == directory_id)
    }

    /// Role assignments held directly by one principal, ordered by resource and role.
    pub fn roles_of<'a>(
        &'a self,
        principal: &Principal,
    ) -> impl Iterator<Item = &'a RoleAssignment> + use<'a> {
        let from = RoleAssignment::new(principal.clone(), "", "");
        let principal = principal.clone();
        self.user_roles
            .range(from..)
            .take_while(move |r| r.principal == principal)
    }

    /// Members of a group (empty for unknown groups).
    pub fn members_of<'a>(&'a self, group_id: &str) -> impl Iterator<Item = &'a str> + use<'a> {
        self.group_members
            .get(group_id)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Account ids holding `atlassian/org-admin`.
    pub fn org_admins(&self) -> Vec<&str> {
        let org_ari = self.ari();
        self.user_roles
            .iter()
            .filter(|r| r.resource_id == org_ari && r.role == crate::atlassian::products::ORG_ADMIN)
            .filter_map(|r| match &r.principal {
                Principal::User(id) => Some(id.as_str()),
                Principal::Group(_) => None,
            })
            .collect()
    }

    /// Distinct users holding a billable role directly on a workspace (what counts against
    /// its [`capacity`](Workspace::capacity)).
    pub fn licence_usage(&self, workspace_ari: &str) -> u64 {
        billable_usage(&self.user_roles)
            .get(workspace_ari)
            .copied()
            .unwrap_or(0)
    }

    /// Restores the sorted-by-id order of users, groups, teams and tokens.
    pub(crate) fn sort(&mut self) {
        sort_by_id(&mut self.users, |u| &u.account_id);
        sort_by_id(&mut self.groups, |g| &g.id);
        sort_by_id(&mut self.teams, |t| &t.team_id);
        sort_by_id(&mut self.api_tokens, |t| &t.id);
    }

    /// Position of a user in `users` (binary search).
    pub(crate) fn user_position(&self, account_id: &str) -> Option<usize> {
        find_sorted(&self.users, account_id, |u| &u.account_id)
    }

    /// Position of a group in `groups` (binary search).
    pub(crate) fn group_position(&self, group_id: &str) -> Option<usize> {
        find_sorted(&self.groups, group_id, |g| &g.id)
    }
}

/// Resource ARI → number of distinct users holding a billable role on it directly. One pass:
/// rows are ordered by principal, then resource, so each (user, resource) pair is adjacent.
pub(crate) fn billable_usage(roles: &BTreeSet<RoleAssignment>) -> HashMap<String, u64> {
    let mut usage: HashMap<String, u64> = HashMap::new();
    let mut last: Option<(&Principal, &str)> = None;
    for row in roles {
        if !matches!(row.principal, Principal::User(_))
            || !crate::atlassian::products::is_billable(&row.role)
        {
            continue;
        }
        let pair = (&row.principal, row.resource_id.as_str());
        if last != Some(pair) {
            *usage.entry(row.resource_id.clone()).or_default() += 1;
            last = Some(pair);
        }
    }
    usage
}

/// Sorts large records by a string key, moving each record once (sorting the records
/// themselves would move them about log n times); nothing is moved when already sorted.
fn sort_by_id<T>(items: &mut Vec<T>, key: impl Fn(&T) -> &String) {
    if items.is_sorted_by(|a, b| key(a) <= key(b)) {
        return;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_unstable_by(|&a, &b| key(&items[a]).cmp(key(&items[b])));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(
        order
            .into_iter()
            .map(|i| slots[i].take().expect("each index once")),
    );
}

/// Binary search in a slice sorted by a string key.
fn find_sorted<T>(items: &[T], key: &str, key_of: impl Fn(&T) -> &String) -> Option<usize> {
    items
        .binary_search_by(|item| key_of(item).as_str().cmp(key))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_owner_reads_the_product_or_the_project_and_goal_kinds() {
        assert_eq!(
            resource_owner("ari:cloud:jira-software::site/abc"),
            "jira-software"
        );
        assert_eq!(resource_owner("ari:cloud:platform::org/o1"), "platform");
        assert_eq!(
            resource_owner("ari:cloud:jira:abc:project/10001"),
            "project"
        );
        assert_eq!(resource_owner("ari:cloud:townsquare:abc:goal/g-1"), "goal");
        assert_eq!(
            resource_owner("ari:cloud:bitbucket::workspace/w"),
            "bitbucket"
        );
        assert_eq!(resource_owner("garbage"), "");
    }

    #[test]
    fn status_composes_account_and_membership_states() {
        let mut user = User {
            account_id: "a".into(),
            kind: UserKind::Managed,
            account_type: AccountType::Atlassian,
            account_status: AccountStatus::Active,
            claim_status: ClaimStatus::Managed,
            directory_id: Some("d".into()),
            membership_status: MembershipStatus::Active,
            for_deletion: false,
            name: "A".into(),
            nickname: "a".into(),
            email: None,
            email_verified: true,
            mfa_enabled: false,
            management_source: None,
            job_title: None,
            department: None,
            location: None,
            time_zone: None,
            added_to_org: "2020-01-01T00:00:00Z".into(),
            last_active: None,
            deactivated_on: None,
            scim_id: None,
        };
        assert_eq!(user.status(), UserStatus::Active);
        user.membership_status = MembershipStatus::Suspended;
        assert_eq!(user.status(), UserStatus::Suspended);
        user.membership_status = MembershipStatus::NoMembership;
        assert_eq!(user.status(), UserStatus::NotInvited);
        user.account_status = AccountStatus::Inactive;
        assert_eq!(user.status(), UserStatus::Deactivated);
        user.for_deletion = true;
        assert_eq!(user.status(), UserStatus::ForDeletion);
    }
}
