//! v2 directories and directory users (list, search, count, stats, one user, role
//! assignments) and the v1 last-active dates.
//!
//! Users are listed in account-id order. The list is driven by the narrowest index the
//! filters allow (the given account ids, the members of the given groups, or a binary
//! search into all users), and the remaining filters are checked per user, so a page costs
//! about its own size.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ops::Bound;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::assignments::{self, Holder};
use super::{ALL_DIRECTORIES, Answer, Data, DataPage, check_org, ok, picture};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::*;
use crate::atlassian::pagination::{Keyset, page_size};
use crate::atlassian::params::{Params, json_body};
use crate::atlassian::server::App;
use crate::atlassian::world::World;

/// Expansions the v2 user APIs accept.
const EXPANSIONS: &[&str] = &[
    "platformRoles",
    "counts.resources",
    "productAccess",
    "groups",
];

/// Filters of the users list / search / count, as kept in a cursor.
#[derive(Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct UserFilter {
    /// The path's directory; `None` for `-`.
    directory: Option<String>,
    account_ids: Vec<String>,
    directory_ids: Vec<String>,
    resource_ids: Vec<String>,
    group_ids: Vec<String>,
    role_ids: Vec<String>,
    status: Vec<String>,
    account_status: Vec<String>,
    membership_status: Vec<String>,
    email_domains: Vec<String>,
    emails: Vec<String>,
    claim_status: Option<String>,
    mfa_enabled: Option<bool>,
    search_term: Option<String>,
    expand: Vec<String>,
}

impl UserFilter {
    fn from_params(params: &Params) -> Result<Self, ApiError> {
        Ok(UserFilter {
            directory: None,
            account_ids: params.all("accountIds"),
            directory_ids: params.all("directoryIds"),
            resource_ids: params.all("resourceIds"),
            group_ids: params.all("groupIds"),
            role_ids: params.all("roleIds"),
            status: params.all("status"),
            account_status: params.all("accountStatus"),
            membership_status: params.all("membershipStatus"),
            email_domains: params.all("emailDomains"),
            emails: params.all("emails"),
            claim_status: params.get("claimStatus").map(str::to_string),
            mfa_enabled: params.flag("mfaEnabled").map_err(ApiError::bad_request)?,
            search_term: params.get("searchTerm").map(str::to_string),
            expand: params.all("expand"),
        })
    }

    /// Binds the filter to the path's directory and checks it.
    fn scoped(mut self, org: &Org, directory_id: &str) -> Result<Self, ApiError> {
        self.directory = directory_scope(org, directory_id)?;
        let too_many = [&self.account_ids, &self.group_ids, &self.directory_ids]
            .iter()
            .any(|list| list.len() > 10)
            || self.resource_ids.len() > 20;
        if too_many {
            return Err(ApiError::bad_request(
                "Too many filter values: at most 10 ids (20 resource ids)",
            ));
        }
        if self.search_term.is_some() && !self.emails.is_empty() {
            return Err(ApiError::bad_request(
                "searchTerm and emails cannot be used together",
            ));
        }
        if let Some(unknown) = self
            .expand
            .iter()
            .find(|e| !EXPANSIONS.contains(&e.as_str()))
        {
            return Err(ApiError::bad_request(format!(
                "Unknown expansion {unknown}"
            )));
        }
        parse_all(&self.status, UserStatus::parse)?;
        parse_all(&self.account_status, AccountStatus::parse)?;
        parse_all(&self.membership_status, MembershipStatus::parse)?;
        parse_all(self.claim_status.as_slice(), ClaimStatus::parse)?;
        Ok(self)
    }
}

/// `Some(id)` for a concrete directory, `None` for `-`; 404 for an unknown one.
fn directory_scope(org: &Org, directory_id: &str) -> Result<Option<String>, ApiError> {
    if directory_id == ALL_DIRECTORIES {
        Ok(None)
    } else if org.directory(directory_id).is_some() {
        Ok(Some(directory_id.to_string()))
    } else {
        Err(ApiError::unknown_resource("Directory not found"))
    }
}

/// Whether a user is listed under a directory scope: a member of it, or for `-` a member
/// of any directory or a managed account.
fn in_scope(user: &User, directory: Option<&str>) -> bool {
    match directory {
        Some(directory) => user.directory_id.as_deref() == Some(directory),
        None => user.directory_id.is_some() || user.claim_status == ClaimStatus::Managed,
    }
}

/// A [`UserFilter`] compiled for fast per-user checks.
struct Matcher<'a> {
    filter: &'a UserFilter,
    world: &'a World,
    statuses: Vec<UserStatus>,
    account_statuses: Vec<AccountStatus>,
    memberships: Vec<MembershipStatus>,
    claim: Option<ClaimStatus>,
    email_domains: Vec<String>,
    search: Option<String>,
    /// Groups holding a role the role / resource filters ask for.
    role_groups: HashSet<&'a str>,
}

impl<'a> Matcher<'a> {
    /// Compiles a filter (already checked by [`UserFilter::scoped`]).
    fn new(world: &'a World, filter: &'a UserFilter) -> Self {
        let wants_roles = !filter.role_ids.is_empty() || !filter.resource_ids.is_empty();
        let role_groups = if wants_roles {
            // Group rows sort after every user row, so this range holds only them.
            let first_group_row = RoleAssignment::new(Principal::Group(String::new()), "", "");
            world
                .org()
                .user_roles
                .range(first_group_row..)
                .filter(|row| role_matches(filter, row))
                .filter_map(|row| match &row.principal {
                    Principal::Group(group) => Some(group.as_str()),
                    Principal::User(_) => None,
                })
                .collect()
        } else {
            HashSet::new()
        };
        Matcher {
            filter,
            world,
            statuses: parse_all(&filter.status, UserStatus::parse).unwrap_or_default(),
            account_statuses: parse_all(&filter.account_status, AccountStatus::parse)
                .unwrap_or_default(),
            memberships: parse_all(&filter.membership_status, MembershipStatus::parse)
                .unwrap_or_default(),
            claim: filter.claim_status.as_deref().and_then(ClaimStatus::parse),
            email_domains: filter
                .email_domains
                .iter()
                .map(|d| d.to_lowercase())
                .collect(),
            search: filter.search_term.as_ref().map(|s| s.to_lowercase()),
            role_groups,
        }
    }

    fn matches(&self, user: &User) -> bool {
        let f = self.filter;
        let email = user.email.as_deref().unwrap_or("");
        let contains =
            |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
        in_scope(user, f.directory.as_deref())
            && (f.directory_ids.is_empty()
                || user
                    .directory_id
                    .as_ref()
                    .is_some_and(|d| f.directory_ids.contains(d)))
            && contains(&f.account_ids, &user.account_id)
            && (f.group_ids.is_empty()
                || self
                    .world
                    .groups_of(&user.account_id)
                    .any(|g| f.group_ids.iter().any(|w| w == g)))
            && (self.statuses.is_empty() || self.statuses.contains(&user.status()))
            && (self.account_statuses.is_empty()
                || self.account_statuses.contains(&user.account_status))
            && (self.memberships.is_empty() || self.memberships.contains(&user.membership_status))
            && self.claim.is_none_or(|c| c == user.claim_status)
            && f.mfa_enabled.is_none_or(|m| m == user.mfa_enabled)
            && (f.emails.is_empty() || f.emails.iter().any(|e| e.eq_ignore_ascii_case(email)))
            && (self.email_domains.is_empty() || {
                let domain = email.rsplit_once('@').map_or("", |(_, d)| d).to_lowercase();
                self.email_domains.contains(&domain)
            })
            && self.search.as_ref().is_none_or(|term| {
                [user.nickname.as_str(), user.name.as_str(), email]
                    .iter()
                    .any(|field| field.to_lowercase().contains(term))
            })
            && self.holds_wanted_role(user)
    }

    fn holds_wanted_role(&self, user: &User) -> bool {
        if self.filter.role_ids.is_empty() && self.filter.resource_ids.is_empty() {
            return true;
        }
        let org = self.world.org();
        org.roles_of(&Principal::User(user.account_id.clone()))
            .any(|row| role_matches(self.filter, row))
            || self
                .world
                .groups_of(&user.account_id)
                .any(|g| self.role_groups.contains(g))
    }
}

fn role_matches(filter: &UserFilter, row: &RoleAssignment) -> bool {
    (filter.role_ids.is_empty() || filter.role_ids.contains(&row.role))
        && (filter.resource_ids.is_empty() || filter.resource_ids.contains(&row.resource_id))
}

fn parse_all<T>(values: &[String], parse: fn(&str) -> Option<T>) -> Result<Vec<T>, ApiError> {
    values
        .iter()
        .map(|v| parse(v).ok_or_else(|| ApiError::bad_request(format!("Unknown filter value {v}"))))
        .collect()
}

/// Users after `after` in account-id order, from the narrowest index the filters allow.
fn candidates<'a>(
    world: &'a World,
    filter: &'a UserFilter,
    after: Option<&'a str>,
) -> Box<dyn Iterator<Item = &'a User> + 'a> {
    let org = world.org();
    let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
    if !filter.account_ids.is_empty() {
        let ids: BTreeSet<&str> = filter.account_ids.iter().map(String::as_str).collect();
        let ids: Vec<&str> = ids
            .range::<str, _>((lower, Bound::Unbounded))
            .copied()
            .collect();
        return Box::new(ids.into_iter().filter_map(move |id| org.user(id)));
    }
    if let [group] = filter.group_ids.as_slice() {
        let members = org
            .group_members
            .get(group)
            .into_iter()
            .flat_map(move |m| m.range::<str, _>((lower, Bound::Unbounded)));
        return Box::new(members.filter_map(move |id| org.user(id)));
    }
    if !filter.group_ids.is_empty() {
        let members: BTreeSet<&str> = filter
            .group_ids
            .iter()
            .flat_map(|g| org.members_of(g))
            .collect();
        let members: Vec<&str> = members
            .range::<str, _>((lower, Bound::Unbounded))
            .copied()
            .collect();
        return Box::new(members.into_iter().filter_map(move |id| org.user(id)));
    }
    let start = after.map_or(0, |a| {
        org.users.partition_point(|u| u.account_id.as_str() <= a)
    });
    Box::new(org.users[start..].iter())
}

/// Which optional parts of a user to include.
#[derive(Clone, Copy, Default)]
struct Expand {
    product_access: bool,
    groups: bool,
}

impl Expand {
    fn from(expand: &[String]) -> Self {
        Expand {
            product_access: expand.iter().any(|e| e == "productAccess"),
            groups: expand.iter().any(|e| e == "groups"),
        }
    }
}

/// A v2 directory user.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserView<'a> {
    account_id: &'a str,
    account_type: AccountType,
    status: UserStatus,
    account_status: AccountStatus,
    membership_status: MembershipStatus,
    added_to_org: &'a str,
    name: &'a str,
    nickname: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    email_verified: bool,
    claim_status: ClaimStatus,
    platform_roles: Vec<&'a str>,
    picture: String,
    avatar: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    management_source: Option<ManagementSource>,
    mfa_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_zone: Option<&'a str>,
    counts: Counts,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_access: Option<Vec<ProductAccess<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<GroupRef<'a>>>,
    links: SelfLink,
    #[serde(skip_serializing_if = "Option::is_none")]
    deactivated_on: Option<&'a str>,
    for_deletion: bool,
}

#[derive(Serialize)]
struct Counts {
    resources: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProductAccess<'a> {
    key: &'a str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_active_timestamp: Option<&'a str>,
}

#[derive(Serialize)]
struct GroupRef<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct SelfLink {
    #[serde(rename = "self")]
    this: String,
}

impl<'a> UserView<'a> {
    fn new(app: &App, world: &'a World, user: &'a User, expand: Expand) -> Self {
        let org = world.org();
        let holdings = assignments::of_user(world, &user.account_id);
        let platform_roles = org
            .roles_of(&Principal::User(user.account_id.clone()))
            .filter(|row| row.resource_owner() == "platform")
            .map(|row| row.role.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let product_access = expand.product_access.then(|| {
            holdings
                .keys()
                .filter_map(|resource| org.workspace(resource))
                .map(|w| ProductAccess {
                    key: &w.product,
                    id: &w.id,
                    last_active_timestamp: user.last_active.as_deref(),
                })
                .collect()
        });
        let groups = expand.groups.then(|| {
            world
                .groups_of(&user.account_id)
                .filter_map(|id| org.group(id))
                .map(|g| GroupRef {
                    id: &g.id,
                    name: &g.name,
                })
                .collect()
        });
        let directory = user.directory_id.as_deref().unwrap_or(ALL_DIRECTORIES);
        UserView {
            account_id: &user.account_id,
            account_type: user.account_type,
            status: user.status(),
            account_status: user.account_status,
            membership_status: user.membership_status,
            added_to_org: &user.added_to_org,
            name: &user.name,
            nickname: &user.nickname,
            email: user.email.as_deref(),
            email_verified: user.email_verified,
            claim_status: user.claim_status,
            platform_roles,
            picture: picture(&user.account_id),
            avatar: picture(&user.account_id),
            management_source: user.management_source,
            mfa_enabled: user.mfa_enabled,
            job_title: user.job_title.as_deref(),
            department: user.department.as_deref(),
            location: user.location.as_deref(),
            time_zone: user.time_zone.as_deref(),
            counts: Counts {
                resources: holdings.len(),
            },
            product_access,
            groups,
            links: SelfLink {
                this: app.url(&format!(
                    "admin/v2/orgs/{}/directories/{directory}/users/{}",
                    org.id, user.account_id
                )),
            },
            deactivated_on: user.deactivated_on.as_deref(),
            for_deletion: user.for_deletion,
        }
    }
}

/// Answers one page of users for a cursor.
fn users_page(app: &App, world: &World, cursor: &Keyset<UserFilter>, limit: usize) -> Answer {
    let matcher = Matcher::new(world, &cursor.filter);
    let users =
        candidates(world, &cursor.filter, cursor.after.as_deref()).filter(|u| matcher.matches(u));
    let (page, links) = cursor.page(users, limit, |u| &u.account_id);
    let expand = Expand::from(&cursor.filter.expand);
    let data = page
        .into_iter()
        .map(|u| UserView::new(app, world, u, expand))
        .collect();
    ok(&DataPage { data, links })
}

/// `GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users`
pub(crate) async fn list(
    State(app): State<App>,
    Path((org_id, directory_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params = Params::parse(query.as_deref());
    let limit = page_size(params.get("limit"), 20, 100).map_err(ApiError::bad_request)?;
    let world = app.read();
    check_org(world.org(), &org_id, false)?;
    let cursor = Keyset::resume(params.get("cursor"), || {
        UserFilter::from_params(&params)?.scoped(world.org(), &directory_id)
    })?;
    users_page(&app, &world, &cursor, limit)
}

/// Body of the users search.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    cursor: Option<String>,
    limit: Option<usize>,
    #[serde(flatten)]
    filter: UserFilter,
}

/// `POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/search`
pub(crate) async fn search(
    State(app): State<App>,
    Path((org_id, directory_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let body: SearchBody = json_body(&body).map_err(ApiError::bad_request)?;
    let limit = page_size(body.limit.map(|l| l.to_string()).as_deref(), 20, 100)
        .map_err(ApiError::bad_request)?;
    let world = app.read();
    check_org(world.org(), &org_id, false)?;
    let cursor = Keyset::resume(body.cursor.as_deref(), || {
        body.filter.scoped(world.org(), &directory_id)
    })?;
    users_page(&app, &world, &cursor, limit)
}

/// `GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/count`
pub(crate) async fn count(
    State(app): State<App>,
    Path((org_id, directory_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params = Params::parse(query.as_deref());
    let world = app.read();
    check_org(world.org(), &org_id, false)?;
    let filter = UserFilter::from_params(&params)?.scoped(world.org(), &directory_id)?;
    let matcher = Matcher::new(&world, &filter);
    let count = candidates(&world, &filter, None)
        .filter(|u| matcher.matches(u))
        .count();
    ok(&json!({ "count": count }))
}

/// `GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/stats`: users per role held
/// directly, and per account status, among the directory's users.
pub(crate) async fn stats(
    State(app): State<App>,
    Path((org_id, directory_id)): Path<(String, String)>,
) -> Answer {
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id, false)?;
    let scope = directory_scope(org, &directory_id)?;
    let listed = |account_id: &str| {
        org.user(account_id)
            .is_some_and(|u| in_scope(u, scope.as_deref()))
    };
    let mut by_role: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for row in &org.user_roles {
        if let Principal::User(account_id) = &row.principal
            && listed(account_id)
        {
            by_role
                .entry(&row.role)
                .or_default()
                .insert(account_id.as_str());
        }
    }
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for user in org.users.iter().filter(|u| in_scope(u, scope.as_deref())) {
        *by_status.entry(user.account_status.as_str()).or_default() += 1;
    }
    let roles: Vec<_> = by_role
        .iter()
        .map(|(role, users)| json!({ "roleId": role, "count": users.len() }))
        .collect();
    let statuses: Vec<_> = by_status
        .iter()
        .map(|(status, count)| json!({ "status": status, "count": count }))
        .collect();
    ok(&json!({ "roles": roles, "accountStatus": statuses }))
}

/// The user a path names, if listed under its directory.
fn listed_user<'a>(
    org: &'a Org,
    directory_id: &str,
    account_id: &str,
) -> Result<&'a User, ApiError> {
    let scope = directory_scope(org, directory_id)?;
    org.user(account_id)
        .filter(|u| in_scope(u, scope.as_deref()))
        .ok_or_else(|| ApiError::user_not_found(false))
}

/// `GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}` (with product
/// access and groups expanded).
pub(crate) async fn get(
    State(app): State<App>,
    Path((org_id, directory_id, account_id)): Path<(String, String, String)>,
) -> Answer {
    let world = app.read();
    check_org(world.org(), &org_id, false)?;
    let user = listed_user(world.org(), &directory_id, &account_id)?;
    ok(&Data {
        data: UserView::new(
            &app,
            &world,
            user,
            Expand {
                product_access: true,
                groups: true,
            },
        ),
    })
}

/// `GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}/role-assignments`
pub(crate) async fn role_assignments(
    State(app): State<App>,
    Path((org_id, directory_id, account_id)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params = Params::parse(query.as_deref());
    let world = app.read();
    check_org(world.org(), &org_id, false)?;
    let user = listed_user(world.org(), &directory_id, &account_id)?;
    let holdings = assignments::of_user(&world, &user.account_id);
    let holder = Holder {
        directory_id: user.directory_id.as_deref(),
        user_status: Some(user.membership_status),
    };
    assignments::page(&holdings, holder, &params)
}

/// `GET /admin/v2/orgs/{orgId}/directories`
pub(crate) async fn directories(
    State(app): State<App>,
    Path(org_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    #[derive(Default, Serialize, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    struct DirectoryFilter {
        account_id: Option<String>,
        directory_ids: Vec<String>,
        search_term: Option<String>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct DirectoryView<'a> {
        directory_id: &'a str,
        name: &'a str,
        icon: Option<&'a str>,
    }

    let params = Params::parse(query.as_deref());
    let limit = page_size(params.get("limit"), 20, 100).map_err(ApiError::bad_request)?;
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id, false)?;
    let cursor = Keyset::resume(params.get("cursor"), || {
        Ok(DirectoryFilter {
            account_id: params.get("accountId").map(str::to_string),
            directory_ids: params.all("directoryIds"),
            search_term: params.get("searchTerm").map(str::to_lowercase),
        })
    })?;
    let f = &cursor.filter;
    let member_of = f
        .account_id
        .as_deref()
        .map(|id| org.user(id).and_then(|u| u.directory_id.as_deref()));
    let mut directories: Vec<&Directory> = org.directories.iter().collect();
    directories.sort_by(|a, b| a.id.cmp(&b.id));
    let views = directories
        .into_iter()
        .filter(|d| {
            cursor
                .after
                .as_deref()
                .is_none_or(|after| d.id.as_str() > after)
        })
        .filter(|d| f.directory_ids.is_empty() || f.directory_ids.contains(&d.id))
        .filter(|d| {
            f.search_term
                .as_ref()
                .is_none_or(|term| d.name.to_lowercase().contains(term))
        })
        .filter(|d| member_of.is_none_or(|dir| dir == Some(d.id.as_str())))
        .map(|d| DirectoryView {
            directory_id: &d.id,
            name: &d.name,
            icon: None,
        });
    let (data, links) = cursor.page(views, limit, |v| v.directory_id);
    ok(&DataPage { data, links })
}

/// `GET /admin/v1/orgs/{orgId}/directory/users/{accountId}/last-active-dates`: products the
/// user can use with the user's last activity (one page; this server issues no cursors).
pub(crate) async fn last_active_dates(
    State(app): State<App>,
    Path((org_id, account_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Answer {
    #[derive(Serialize)]
    struct ProductActivity<'a> {
        id: &'a str,
        key: &'a str,
        last_active: &'a str,
        last_active_timestamp: &'a str,
    }

    if Params::parse(query.as_deref()).get("cursor").is_some() {
        return Err(ApiError::bad_cursor());
    }
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id, false)?;
    let user = org
        .user(&account_id)
        .ok_or_else(|| ApiError::user_not_found(false))?;
    let holdings = assignments::of_user(&world, &user.account_id);
    let product_access: Vec<ProductActivity> = match &user.last_active {
        Some(last) => holdings
            .keys()
            .filter_map(|resource| org.workspace(resource))
            .map(|w| ProductActivity {
                id: &w.id,
                key: &w.product,
                last_active: &last[..10],
                last_active_timestamp: last,
            })
            .collect(),
        None => Vec::new(),
    };
    ok(&json!({
        "data": {
            "product_access": product_access,
            "added_to_org": &user.added_to_org[..10],
            "added_to_org_timestamp": user.added_to_org,
        },
        "links": {},
    }))
}
