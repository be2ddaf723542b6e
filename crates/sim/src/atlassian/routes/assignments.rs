//! Role-assignment pages of users and groups (v2 `.../role-assignments`), and what a user
//! holds directly and through groups.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde::{Deserialize, Serialize};

use super::{Answer, DataPage, ok};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::{MembershipStatus, Org, Principal, resource_owner};
use crate::atlassian::pagination::{Keyset, page_size};
use crate::atlassian::params::Params;
use crate::atlassian::world::World;

/// How a role is held.
#[derive(Clone, Copy, Default)]
pub(crate) struct Methods {
    direct: bool,
    group: bool,
}

/// Resource ARI → role → how it is held, ordered by resource.
pub(crate) type Holdings<'a> = BTreeMap<&'a str, BTreeMap<&'a str, Methods>>;

/// What a user holds directly and through their groups.
pub(crate) fn of_user<'a>(world: &'a World, account_id: &str) -> Holdings<'a> {
    let org = world.org();
    let mut holdings = Holdings::new();
    for row in org.roles_of(&Principal::User(account_id.to_string())) {
        holdings
            .entry(&row.resource_id)
            .or_default()
            .entry(&row.role)
            .or_default()
            .direct = true;
    }
    for group in world.groups_of(account_id) {
        for row in org.roles_of(&Principal::Group(group.to_string())) {
            holdings
                .entry(&row.resource_id)
                .or_default()
                .entry(&row.role)
                .or_default()
                .group = true;
        }
    }
    holdings
}

/// What a group holds.
pub(crate) fn of_group<'a>(org: &'a Org, group_id: &str) -> Holdings<'a> {
    let mut holdings = Holdings::new();
    for row in org.roles_of(&Principal::Group(group_id.to_string())) {
        holdings
            .entry(&row.resource_id)
            .or_default()
            .entry(&row.role)
            .or_default()
            .direct = true;
    }
    holdings
}

/// Filters of the role-assignment lists.
#[derive(Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RoleFilter {
    directory_ids: Vec<String>,
    resource_owners: Vec<String>,
    resource_ids: Vec<String>,
    role_ids: Vec<String>,
}

impl RoleFilter {
    fn from_params(params: &Params) -> Result<Self, ApiError> {
        let filter = RoleFilter {
            directory_ids: params.all("directoryIds"),
            resource_owners: params.all("resourceOwners"),
            resource_ids: params.all("resourceIds"),
            role_ids: params.all("roleIds"),
        };
        if filter.resource_ids.len() > 20 || filter.directory_ids.len() > 10 {
            return Err(ApiError::bad_request("Too many filter values"));
        }
        Ok(filter)
    }
}

/// One item of a role-assignment page.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleAssignmentView<'a> {
    resource_id: &'a str,
    resource_owner: &'a str,
    roles: Vec<&'a str>,
    role_assignments: Vec<RoleHeld<'a>>,
    directory_id: Option<&'a str>,
    user_directory_status: Option<MembershipStatus>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleHeld<'a> {
    role: &'a str,
    role_assignment_methods: Vec<&'static str>,
}

/// The principal a page is about: its directory (reported on product rows) and, for
/// users, their membership status.
pub(crate) struct Holder<'a> {
    pub(crate) directory_id: Option<&'a str>,
    pub(crate) user_status: Option<MembershipStatus>,
}

/// Answers a role-assignment page of `holdings` for the request's `cursor` / `limit` /
/// filters.
pub(crate) fn page(holdings: &Holdings<'_>, holder: Holder<'_>, params: &Params) -> Answer {
    let limit = page_size(params.get("limit"), 20, 100).map_err(ApiError::bad_request)?;
    let cursor = Keyset::resume(params.get("cursor"), || RoleFilter::from_params(params))?;
    let filter = &cursor.filter;
    let after = cursor
        .after
        .as_deref()
        .map_or(Bound::Unbounded, Bound::Excluded);
    let views = holdings
        .range::<&str, _>((after, Bound::Unbounded))
        .filter_map(|(resource, roles)| {
            let owner = resource_owner(resource);
            let platform = owner == "platform";
            let directory_id = if platform { None } else { holder.directory_id };
            let wanted = (filter.resource_ids.is_empty()
                || filter.resource_ids.iter().any(|r| r == resource))
                && (filter.resource_owners.is_empty()
                    || filter.resource_owners.iter().any(|o| o == owner))
                && (filter.directory_ids.is_empty()
                    || directory_id.is_some_and(|d| filter.directory_ids.iter().any(|f| f == d)));
            let held: Vec<RoleHeld> = roles
                .iter()
                .filter(|(role, _)| {
                    filter.role_ids.is_empty() || filter.role_ids.iter().any(|r| r == *role)
                })
                .map(|(role, methods)| RoleHeld {
                    role,
                    role_assignment_methods: methods.names(),
                })
                .collect();
            (wanted && !held.is_empty()).then(|| RoleAssignmentView {
                resource_id: resource,
                resource_owner: owner,
                roles: held.iter().map(|h| h.role).collect(),
                role_assignments: held,
                directory_id,
                user_directory_status: if platform { None } else { holder.user_status },
            })
        });
    let (data, links) = cursor.page(views, limit, |view| view.resource_id);
    ok(&DataPage { data, links })
}

impl Methods {
    fn names(self) -> Vec<&'static str> {
        let mut names = Vec::with_capacity(2);
        if self.direct {
            names.push("direct");
        }
        if self.group {
            names.push("group_direct");
        }
        names
    }
}
