//! The live organization plus the indexes the routes filter on, kept in step on every write.

use std::collections::{BTreeSet, HashMap};

use super::model::{Group, Org, Principal, RoleAssignment, User, billable_usage};
use super::products;

/// An [`Org`] with derived indexes. Reads go through [`World::org`]; writes that touch
/// memberships or roles go through the methods here so the indexes stay right.
pub(crate) struct World {
    org: Org,
    /// Account id → ids of the groups the user belongs to.
    groups_of_user: HashMap<String, BTreeSet<String>>,
    /// Workspace ARI → distinct users holding a billable role on it directly.
    usage: HashMap<String, u64>,
}

impl World {
    /// Indexes an organization.
    pub(crate) fn new(mut org: Org) -> Self {
        org.sort();
        let mut groups_of_user: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (group, members) in &org.group_members {
            for member in members {
                // Look up before inserting: `entry` would clone the key every time.
                if let Some(groups) = groups_of_user.get_mut(member) {
                    groups.insert(group.clone());
                } else {
                    groups_of_user.insert(member.clone(), BTreeSet::from([group.clone()]));
                }
            }
        }
        let usage = billable_usage(&org.user_roles);
        World {
            org,
            groups_of_user,
            usage,
        }
    }

    /// The organization.
    pub(crate) fn org(&self) -> &Org {
        &self.org
    }

    /// Gives the organization out for arbitrary changes, then re-sorts and re-indexes.
    pub(crate) fn edit<R>(&mut self, change: impl FnOnce(&mut Org) -> R) -> R {
        let result = change(&mut self.org);
        let org = std::mem::replace(&mut self.org, empty_org());
        *self = World::new(org);
        result
    }

    /// Mutable access to one user's fields (the account id must not change).
    pub(crate) fn user_mut(&mut self, account_id: &str) -> Option<&mut User> {
        let position = self.org.user_position(account_id)?;
        Some(&mut self.org.users[position])
    }

    /// Ids of the groups a user belongs to.
    pub(crate) fn groups_of<'a>(
        &'a self,
        account_id: &str,
    ) -> impl Iterator<Item = &'a str> + use<'a> {
        self.groups_of_user
            .get(account_id)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Whether a user is a member of a group.
    pub(crate) fn is_member(&self, group_id: &str, account_id: &str) -> bool {
        self.org
            .group_members
            .get(group_id)
            .is_some_and(|m| m.contains(account_id))
    }

    /// Seats used on a workspace.
    pub(crate) fn usage(&self, workspace_ari: &str) -> u64 {
        self.usage.get(workspace_ari).copied().unwrap_or(0)
    }

    /// Whether a user holds a billable role directly on a resource.
    pub(crate) fn holds_seat(&self, account_id: &str, resource_id: &str) -> bool {
        let principal = Principal::User(account_id.to_string());
        let from = RoleAssignment::new(principal.clone(), resource_id, "");
        self.org
            .user_roles
            .range(from..)
            .take_while(|r| r.principal == principal && r.resource_id == resource_id)
            .any(|r| products::is_billable(&r.role))
    }

    /// Adds a user to a group; false if already a member.
    pub(crate) fn add_member(&mut self, group_id: &str, account_id: &str) -> bool {
        let added = self
            .org
            .group_members
            .entry(group_id.to_string())
            .or_default()
            .insert(account_id.to_string());
        if added {
            self.groups_of_user
                .entry(account_id.to_string())
                .or_default()
                .insert(group_id.to_string());
        }
        added
    }

    /// Removes a user from a group; false if not a member.
    pub(crate) fn remove_member(&mut self, group_id: &str, account_id: &str) -> bool {
        let removed = self
            .org
            .group_members
            .get_mut(group_id)
            .is_some_and(|m| m.remove(account_id));
        if removed {
            self.unindex_membership(group_id, account_id);
        }
        removed
    }

    /// Drops a membership from the user → groups index.
    fn unindex_membership(&mut self, group_id: &str, account_id: &str) {
        if let Some(groups) = self.groups_of_user.get_mut(account_id) {
            groups.remove(group_id);
            if groups.is_empty() {
                self.groups_of_user.remove(account_id);
            }
        }
    }

    /// Records a role assignment; false if it already existed.
    pub(crate) fn grant(&mut self, row: RoleAssignment) -> bool {
        let seat = self.seat_holder(&row);
        let newly_seated = seat.is_some_and(|(user, resource)| !self.holds_seat(user, resource));
        if newly_seated {
            *self.usage.entry(row.resource_id.clone()).or_default() += 1;
        }
        self.org.user_roles.insert(row)
    }

    /// Removes a role assignment; false if it did not exist.
    pub(crate) fn revoke(&mut self, row: &RoleAssignment) -> bool {
        if !self.org.user_roles.remove(row) {
            return false;
        }
        if let Some((user, resource)) = self.seat_holder(row)
            && !self.holds_seat(user, resource)
            && let Some(used) = self.usage.get_mut(resource)
        {
            *used -= 1;
            if *used == 0 {
                self.usage.remove(resource);
            }
        }
        true
    }

    /// The (user, resource) whose seat a billable user row occupies.
    fn seat_holder<'r>(&self, row: &'r RoleAssignment) -> Option<(&'r str, &'r str)> {
        match &row.principal {
            Principal::User(user) if products::is_billable(&row.role) => {
                Some((user, &row.resource_id))
            }
            _ => None,
        }
    }

    /// Adds a new account, keeping `users` sorted.
    pub(crate) fn insert_user(&mut self, user: User) {
        let position = self
            .org
            .users
            .partition_point(|u| u.account_id < user.account_id);
        self.org.users.insert(position, user);
    }

    /// Adds a group, keeping `groups` sorted.
    pub(crate) fn insert_group(&mut self, group: Group) {
        let position = self.org.groups.partition_point(|g| g.id < group.id);
        self.org.groups.insert(position, group);
    }

    /// Deletes a group with its memberships and role assignments.
    pub(crate) fn remove_group(&mut self, group_id: &str) {
        if let Some(position) = self.org.group_position(group_id) {
            self.org.groups.remove(position);
        }
        for member in self.org.group_members.remove(group_id).unwrap_or_default() {
            self.unindex_membership(group_id, &member);
        }
        let principal = Principal::Group(group_id.to_string());
        let rows: Vec<RoleAssignment> = self.org.roles_of(&principal).cloned().collect();
        for row in &rows {
            self.revoke(row);
        }
    }

    /// Takes a user out of their directory: memberships of that directory's groups and
    /// product roles go, the directory membership ends.
    pub(crate) fn remove_from_directory(&mut self, account_id: &str) {
        let groups: Vec<String> = self.groups_of(account_id).map(str::to_string).collect();
        for group in groups {
            self.remove_member(&group, account_id);
        }
        let principal = Principal::User(account_id.to_string());
        let product_rows: Vec<RoleAssignment> = self
            .org
            .roles_of(&principal)
            .filter(|r| self.org.workspace(&r.resource_id).is_some())
            .cloned()
            .collect();
        for row in &product_rows {
            self.revoke(row);
        }
        if let Some(user) = self.user_mut(account_id) {
            user.directory_id = None;
            user.membership_status = super::model::MembershipStatus::NoMembership;
        }
    }

    /// Adds a member to a team; false if already one.
    pub(crate) fn add_team_member(&mut self, team_id: &str, account_id: &str) -> bool {
        self.org
            .team_members
            .entry(team_id.to_string())
            .or_default()
            .insert(account_id.to_string())
    }

    /// Removes a member from a team; false if not one.
    pub(crate) fn remove_team_member(&mut self, team_id: &str, account_id: &str) -> bool {
        self.org
            .team_members
            .get_mut(team_id)
            .is_some_and(|m| m.remove(account_id))
    }
}

/// A placeholder while an organization is moved out for re-indexing.
fn empty_org() -> Org {
    Org {
        id: String::new(),
        name: String::new(),
        verified_domains: Vec::new(),
        directories: Vec::new(),
        users: Vec::new(),
        groups: Vec::new(),
        workspaces: Vec::new(),
        user_roles: BTreeSet::new(),
        group_members: Default::default(),
        teams: Vec::new(),
        team_members: Default::default(),
        api_tokens: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlassian::generate::{OrgSpec, generate};

    #[test]
    fn incremental_writes_leave_the_same_indexes_as_a_rebuild() {
        let mut world = World::new(generate(&OrgSpec {
            users: 300,
            seed: 4,
        }));
        let user = world
            .org()
            .users
            .iter()
            .find(|u| u.is_active() && u.directory_id.is_some())
            .unwrap()
            .clone();
        let workspace = world.org().workspaces[0].id.clone();
        let group = world
            .org()
            .groups
            .iter()
            .find(|g| !world.is_member(&g.id, &user.account_id))
            .unwrap()
            .id
            .clone();

        world.add_member(&group, &user.account_id);
        world.grant(RoleAssignment::new(
            Principal::User(user.account_id.clone()),
            &workspace,
            products::ADMIN,
        ));
        world.grant(RoleAssignment::new(
            Principal::User(user.account_id.clone()),
            &workspace,
            products::USER,
        ));
        let rebuilt = World::new(world.org().clone());
        assert_eq!(world.usage, rebuilt.usage);
        assert_eq!(world.groups_of_user, rebuilt.groups_of_user);

        world.remove_from_directory(&user.account_id);
        world.remove_group(&group);
        let rebuilt = World::new(world.org().clone());
        assert_eq!(world.usage, rebuilt.usage);
        assert_eq!(world.groups_of_user, rebuilt.groups_of_user);
        assert!(world.groups_of(&user.account_id).next().is_none());
    }
}
