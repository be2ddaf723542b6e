//! The fewest Atlassian requests a full sync of a simulated organization needs, per
//! endpoint, computed from the simulator's ground truth (`sim::atlassian::Org`) without any
//! of the connector's code, so tests and `make bench` can hold a sync's request count to it.
//!
//! Include it with `#[path = "<relative path>/tests/support/minimum.rs"] mod minimum;`
//! (it uses only `sim` and `std`).

use std::collections::{BTreeMap, BTreeSet};

use sim::atlassian::{ClaimStatus, Org, Principal, endpoints as ep};

/// The accounts the users list returns: directory members and managed accounts.
pub fn listed_users(org: &Org) -> Vec<&str> {
    let listed = org
        .users
        .iter()
        .filter(|u| u.directory_id.is_some() || u.claim_status == ClaimStatus::Managed);
    listed.map(|u| u.account_id.as_str()).collect()
}

/// Pages needed to list `items` at `size` per page (an empty list still takes one request).
pub fn pages(items: usize, size: usize) -> u64 {
    items.div_ceil(size).max(1) as u64
}

/// Who holds roles on behalf of each user: the user and each group it belongs to. Built
/// once per organization (an index of account id → groups), so asking for every user of
/// a 100k-user organization does not scan every group each time.
pub struct Holders<'a> {
    groups_of: BTreeMap<&'a str, Vec<&'a str>>,
}

impl<'a> Holders<'a> {
    /// Indexes the group memberships of `org`.
    pub fn new(org: &'a Org) -> Self {
        let mut groups_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (group, members) in &org.group_members {
            for member in members {
                groups_of.entry(member).or_default().push(group);
            }
        }
        Holders { groups_of }
    }

    /// The user and each of its groups, as role holders.
    pub fn of(&self, account_id: &str) -> Vec<Principal> {
        let groups = self.groups_of.get(account_id).into_iter().flatten();
        let groups = groups.map(|group| Principal::Group((*group).to_owned()));
        std::iter::once(Principal::User(account_id.to_owned()))
            .chain(groups)
            .collect()
    }
}

/// The fewest requests a full sync with teams needs, per endpoint key, from the ground
/// truth. Teams are those of a sync configured with the site of the first workspace (what
/// tests and the bench configure): the live ones that are org-wide or scoped to that site.
/// With `pages(n, size) = max(1, ceil(n / size))`:
///
/// - `GET org` 1; workspaces `1 + ceil(max(0, W - 100) / 20)` (the first page holds 100,
///   later ones 20);
/// - users list `pages(U, 100)` for the U listed users (directory members and managed
///   accounts); per listed user `ceil(R / 100)` role-assignment pages, R = the distinct
///   resources on which the user or one of its groups holds a role (none for a user
///   holding nothing);
/// - groups list `pages(G, 100)`; per group `ceil(members / 100)` member pages (on the
///   users endpoint) and `ceil(R / 100)` role-assignment pages, R = the distinct resources
///   it holds roles on;
/// - API tokens `pages(T, 100)`; teams `pages(teams, 300)`; per team `pages(members, 50)`.
///
/// Endpoints needing no request are left out.
pub fn minimum_requests(org: &Org) -> BTreeMap<String, u64> {
    let mut calls: BTreeMap<&str, u64> = BTreeMap::new();
    let mut add = |endpoint, n: u64| *calls.entry(endpoint).or_default() += n;
    let workspaces = org.workspaces.len();
    add(ep::ORG, 1);
    add(
        ep::WORKSPACES,
        1 + workspaces.saturating_sub(100).div_ceil(20) as u64,
    );
    let listed = listed_users(org);
    add(ep::USERS, pages(listed.len(), 100));
    let resources_of = |principals: Vec<Principal>| -> usize {
        principals
            .iter()
            .flat_map(|p| org.roles_of(p))
            .map(|r| r.resource_id.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    };
    let holders = Holders::new(org);
    for user in &listed {
        let resources = resources_of(holders.of(user));
        add(ep::USER_ROLE_ASSIGNMENTS, resources.div_ceil(100) as u64);
    }
    add(ep::GROUPS, pages(org.groups.len(), 100));
    for group in &org.groups {
        add(
            ep::USERS,
            org.members_of(&group.id).count().div_ceil(100) as u64,
        );
        add(
            ep::GROUP_ROLE_ASSIGNMENTS,
            resources_of(vec![Principal::Group(group.id.clone())]).div_ceil(100) as u64,
        );
    }
    add(ep::API_TOKENS, pages(org.api_tokens.len(), 100));
    let site = &org.workspaces[0].cloud_id;
    let teams = org
        .teams
        .iter()
        .filter(|t| !t.deleted && t.site_id.as_ref().is_none_or(|s| s == site));
    let teams: Vec<_> = teams.collect();
    add(ep::TEAMS, pages(teams.len(), 300));
    for team in teams {
        let members = org.team_members.get(&team.team_id).map_or(0, |m| m.len());
        add(ep::TEAM_MEMBERS, pages(members, 50));
    }
    calls
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| (k.to_owned(), n))
        .collect()
}

#[cfg(test)]
mod tests {
    use sim::atlassian::{OrgSpec, RoleAssignment, generate};

    use super::*;

    /// A generated organization stripped of every role, membership, team and token.
    fn bare_org(users: usize) -> Org {
        let mut org = generate(&OrgSpec { users, seed: 1 });
        org.user_roles.clear();
        org.group_members.clear();
        org.teams.clear();
        org.team_members.clear();
        org.api_tokens.clear();
        org
    }

    #[test]
    fn an_organization_without_roles_or_memberships_needs_one_page_per_list() {
        let org = bare_org(300);
        let listed = listed_users(&org).len();
        assert!(listed > 200, "{listed} listed users");

        let minimum = minimum_requests(&org);

        let expected: BTreeMap<String, u64> = [
            (ep::ORG, 1),
            (ep::WORKSPACES, 1),
            (ep::USERS, listed.div_ceil(100) as u64),
            (ep::GROUPS, 1),
            (ep::API_TOKENS, 1),
            (ep::TEAMS, 1),
        ]
        .into_iter()
        .map(|(k, n)| (k.to_owned(), n))
        .collect();
        assert_eq!(minimum, expected);
    }

    #[test]
    fn role_pages_count_distinct_resources_held_directly_or_through_a_group() {
        let mut org = bare_org(300);
        let user = listed_users(&org)[0].to_owned();
        let group = org.groups[0].id.clone();
        let role = |principal: &Principal, resource: usize| {
            RoleAssignment::new(principal.clone(), format!("ari:r/{resource}"), "r")
        };
        let direct = Principal::User(user.clone());
        let through = Principal::Group(group.clone());
        // 60 resources directly, 70 through the group, 10 of them shared: 120 distinct.
        for resource in 0..60 {
            org.user_roles.insert(role(&direct, resource));
        }
        for resource in 50..120 {
            org.user_roles.insert(role(&through, resource));
        }
        org.group_members
            .insert(group, BTreeSet::from([user.clone()]));
        let listed = listed_users(&org).len() as u64;

        let minimum = minimum_requests(&org);

        assert_eq!(
            minimum[ep::USER_ROLE_ASSIGNMENTS],
            2,
            "120 resources: 2 pages"
        );
        assert_eq!(
            minimum[ep::GROUP_ROLE_ASSIGNMENTS],
            1,
            "70 resources: 1 page"
        );
        assert_eq!(
            minimum[ep::USERS],
            listed.div_ceil(100) + 1,
            "the users list and one page of the group's members"
        );
        assert_eq!(
            Holders::new(&org).of(&user),
            [direct, through],
            "the user and its group hold roles for it"
        );
    }

    #[test]
    fn workspaces_past_the_first_hundred_come_twenty_a_page_and_team_members_fifty() {
        let source = generate(&OrgSpec {
            users: 300,
            seed: 1,
        });
        let mut org = bare_org(300);
        let first = org.workspaces[0].clone();
        org.workspaces = (0..141)
            .map(|i| sim::atlassian::Workspace {
                id: format!("{}-{i}", first.id),
                ..first.clone()
            })
            .collect();
        let team = |id: &str, site_id: Option<&str>, deleted: bool| sim::atlassian::Team {
            team_id: id.to_owned(),
            site_id: site_id.map(str::to_owned),
            deleted,
            ..source.teams[0].clone()
        };
        org.teams = vec![
            team("org-wide", None, false),
            team("on-the-site", Some(&first.cloud_id), false),
            team("elsewhere", Some("another-site"), false),
            team("deleted", None, true),
        ];
        let accounts: Vec<String> = listed_users(&org).iter().map(|u| (*u).to_owned()).collect();
        for id in ["org-wide", "elsewhere", "deleted"] {
            org.team_members
                .insert(id.to_owned(), accounts[..101].iter().cloned().collect());
        }

        let minimum = minimum_requests(&org);

        assert_eq!(minimum[ep::WORKSPACES], 1 + 3, "100, then 20 + 20 + 1");
        assert_eq!(minimum[ep::TEAMS], 1);
        assert_eq!(
            minimum[ep::TEAM_MEMBERS],
            3 + 1,
            "101 members: 3 pages; a team without members: 1; other sites and deleted teams: none"
        );
    }
}
