//! A user's roles: on a workspace resource (`roles/assign|revoke`, needs Atlassian Support)
//! and at organization level (`role-assignments/assign|revoke`).

use crate::client::{Call, Client};
use crate::endpoints::{ASSIGN_ORG_ROLE, ASSIGN_ROLE, REVOKE_ORG_ROLE, REVOKE_ROLE};
use crate::error::Error;
use crate::models::{Outcome, RoleRequest};

impl Client {
    /// Grants `role` on `resource` (a workspace ARI) to a user
    /// (`POST /admin/v1/orgs/{orgId}/users/{userId}/roles/assign`). Fails with
    /// [`Error::NotEnabled`] until Atlassian Support enabled it for the organization.
    pub async fn assign_role(
        &self,
        account_id: &str,
        role: &str,
        resource: &str,
    ) -> Result<Outcome, Error> {
        let call = Call::new(&ASSIGN_ROLE, &[self.org_id(), account_id]).json(&RoleRequest {
            role,
            resource: Some(resource),
        });
        self.converge(call).await
    }

    /// Revokes `role` on `resource` from a user (`POST .../users/{userId}/roles/revoke`);
    /// a role the user did not have is [`Outcome::AlreadyDone`].
    pub async fn revoke_role(
        &self,
        account_id: &str,
        role: &str,
        resource: &str,
    ) -> Result<Outcome, Error> {
        let call = Call::new(&REVOKE_ROLE, &[self.org_id(), account_id]).json(&RoleRequest {
            role,
            resource: Some(resource),
        });
        self.converge(call).await
    }

    /// Grants an organization-level role such as `atlassian/org-admin`
    /// (`POST .../users/{userId}/role-assignments/assign`; eventually consistent).
    pub async fn assign_org_role(&self, account_id: &str, role: &str) -> Result<Outcome, Error> {
        let call = Call::new(&ASSIGN_ORG_ROLE, &[self.org_id(), account_id]).json(&RoleRequest {
            role,
            resource: None,
        });
        self.converge(call).await
    }

    /// Revokes an organization-level role (`POST .../users/{userId}/role-assignments/revoke`).
    pub async fn revoke_org_role(&self, account_id: &str, role: &str) -> Result<Outcome, Error> {
        let call = Call::new(&REVOKE_ORG_ROLE, &[self.org_id(), account_id]).json(&RoleRequest {
            role,
            resource: None,
        });
        self.converge(call).await
    }
}
