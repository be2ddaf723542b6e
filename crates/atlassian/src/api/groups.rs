//! Groups: list, details, create, delete, membership, and the group's role assignments.

use super::{LinkListing, to_query};
use crate::client::{Call, Client, decode};
use crate::endpoints::{
    ADD_GROUP_MEMBER, ASSIGN_GROUP_ROLE, CREATE_GROUP, DELETE_GROUP, GET_GROUP,
    GROUP_ROLE_ASSIGNMENTS, LIST_GROUPS, REMOVE_GROUP_MEMBER, REVOKE_GROUP_ROLE,
};
use crate::error::Error;
use crate::models::{
    DataEnvelope, Group, GroupFilter, GroupRoleRequest, NewGroup, NewMembership, Outcome,
    RoleAssignment, RoleAssignmentFilter,
};
use crate::pagination::{Cursor, ItemStream, Page};

impl Client {
    /// One page of groups (`GET /admin/v2/orgs/{orgId}/directories/{directoryId}/groups`).
    pub async fn groups_page(
        &self,
        directory_id: &str,
        filter: &GroupFilter,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Group>, Error> {
        self.link_page(&self.groups_listing(directory_id, filter), cursor)
            .await
    }

    /// Every group matching `filter`.
    pub fn groups(&self, directory_id: &str, filter: &GroupFilter) -> ItemStream<Group> {
        self.link_stream(self.groups_listing(directory_id, filter))
    }

    fn groups_listing(&self, directory_id: &str, filter: &GroupFilter) -> LinkListing {
        LinkListing::v2(
            &LIST_GROUPS,
            &[self.org_id(), directory_id],
            to_query(filter),
        )
    }

    /// One group (`GET .../groups/{groupId}`); with
    /// [`ALL_DIRECTORIES`](crate::ALL_DIRECTORIES) this tells the group's real directory.
    pub async fn group(&self, directory_id: &str, group_id: &str) -> Result<Group, Error> {
        let call = Call::new(&GET_GROUP, &[self.org_id(), directory_id, group_id]);
        let envelope: DataEnvelope<Group> = self.fetch(call).await?;
        Ok(envelope.data)
    }

    /// Creates a group in a real directory (`POST .../groups`) and returns it. Not retried
    /// after server errors (a repeat could create a second group).
    pub async fn create_group(
        &self,
        directory_id: &str,
        name: &str,
        description: Option<&str>,
    ) -> Result<Group, Error> {
        let call = Call::new(&CREATE_GROUP, &[self.org_id(), directory_id])
            .json(&NewGroup { name, description });
        let reply = self.send(call).await?;
        if let Ok(envelope) = decode::<DataEnvelope<Group>>(&CREATE_GROUP, &reply) {
            return Ok(envelope.data);
        }
        if let Ok(group) = decode::<Group>(&CREATE_GROUP, &reply) {
            return Ok(group);
        }
        self.group_named(directory_id, name).await
    }

    /// Finds a group by exact name (the service does not always return the created group).
    async fn group_named(&self, directory_id: &str, name: &str) -> Result<Group, Error> {
        use futures::TryStreamExt;
        let filter = GroupFilter {
            search_term: Some(name.to_owned()),
            ..GroupFilter::default()
        };
        let mut groups = self.groups(directory_id, &filter);
        while let Some(group) = groups.try_next().await? {
            if group.name.as_deref() == Some(name) {
                return Ok(group);
            }
        }
        Err(Error::NotFound {
            endpoint: LIST_GROUPS.key,
            api: crate::ApiError {
                code: None,
                detail: Some(format!("created group {name:?} not listed")),
            },
        })
    }

    /// Deletes a group (`DELETE .../groups/{groupId}`); a group already gone is
    /// [`Outcome::AlreadyDone`].
    pub async fn delete_group(&self, directory_id: &str, group_id: &str) -> Result<Outcome, Error> {
        let call = Call::new(&DELETE_GROUP, &[self.org_id(), directory_id, group_id]);
        match self.converge(call).await {
            Err(Error::NotFound { .. }) => Ok(Outcome::AlreadyDone),
            other => other,
        }
    }

    /// Adds a user to a group (`POST .../groups/{groupId}/memberships`); `directory_id` must
    /// be the group's real directory. An existing membership is [`Outcome::AlreadyDone`].
    pub async fn add_group_member(
        &self,
        directory_id: &str,
        group_id: &str,
        account_id: &str,
    ) -> Result<Outcome, Error> {
        let call = Call::new(&ADD_GROUP_MEMBER, &[self.org_id(), directory_id, group_id])
            .json(&NewMembership { account_id });
        self.converge(call).await
    }

    /// Removes a user from a group (`DELETE .../groups/{groupId}/memberships/{accountId}`);
    /// a user who was not a member is [`Outcome::AlreadyDone`].
    pub async fn remove_group_member(
        &self,
        directory_id: &str,
        group_id: &str,
        account_id: &str,
    ) -> Result<Outcome, Error> {
        let args = [self.org_id(), directory_id, group_id, account_id];
        self.converge(Call::new(&REMOVE_GROUP_MEMBER, &args)).await
    }

    /// One page of a group's role assignments (`GET .../groups/{groupId}/role-assignments`).
    pub async fn group_role_assignments_page(
        &self,
        directory_id: &str,
        group_id: &str,
        filter: &RoleAssignmentFilter,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RoleAssignment>, Error> {
        let listing = self.group_roles_listing(directory_id, group_id, filter);
        self.link_page(&listing, cursor).await
    }

    /// Every role assignment of a group.
    pub fn group_role_assignments(
        &self,
        directory_id: &str,
        group_id: &str,
        filter: &RoleAssignmentFilter,
    ) -> ItemStream<RoleAssignment> {
        self.link_stream(self.group_roles_listing(directory_id, group_id, filter))
    }

    fn group_roles_listing(
        &self,
        directory_id: &str,
        group_id: &str,
        filter: &RoleAssignmentFilter,
    ) -> LinkListing {
        let args = [self.org_id(), directory_id, group_id];
        LinkListing::v2(&GROUP_ROLE_ASSIGNMENTS, &args, to_query(filter))
    }

    /// Grants a role on a resource to a group (`POST .../role-assignments/assign`).
    pub async fn assign_group_role(
        &self,
        directory_id: &str,
        group_id: &str,
        resource_id: &str,
        role_id: &str,
    ) -> Result<Outcome, Error> {
        let call = Call::new(&ASSIGN_GROUP_ROLE, &[self.org_id(), directory_id, group_id]).json(
            &GroupRoleRequest {
                resource_id,
                role_id,
            },
        );
        self.converge(call).await
    }

    /// Revokes a group's role on a resource (`POST .../role-assignments/revoke`).
    pub async fn revoke_group_role(
        &self,
        directory_id: &str,
        group_id: &str,
        resource_id: &str,
        role_id: &str,
    ) -> Result<Outcome, Error> {
        let call = Call::new(&REVOKE_GROUP_ROLE, &[self.org_id(), directory_id, group_id]).json(
            &GroupRoleRequest {
                resource_id,
                role_id,
            },
        );
        self.converge(call).await
    }
}
