//! Provisioning: what ConductorOne's grant, revoke, create-account, delete-resource and
//! action tasks ask of the organization, as methods of [`AtlassianConnector`] that take
//! and answer the `c1.connector.v2` messages.
//!
//! | call | entitlement / argument | Atlassian request |
//! | --- | --- | --- |
//! | [`grant`](AtlassianConnector::grant) / [`revoke`](AtlassianConnector::revoke) | `workspace:<ari>:role:<role>` to a user | v1 `users/{id}/roles/assign` / `revoke` (Atlassian Support must enable them) |
//! | | the same to a group | v2 group `role-assignments/assign` / `revoke` |
//! | | `organization:<org>:role:atlassian/org-admin` to a user | v1 `users/{id}/role-assignments/assign` / `revoke` (other organization roles: `UNIMPLEMENTED`) |
//! | | `group:<id>:member` to a user | v2 group `memberships` add / remove, in the group's directory |
//! | | `team:<id>:member` to a user | Teams `members/add` / `remove` (Teams must be configured) |
//! | [`create_account`](AtlassianConnector::create_account) | form `email`, `userName`, names | SCIM `Users` when configured, else v2 `users/invite` |
//! | [`delete_resource`](AtlassianConnector::delete_resource) | a `user` id | lifecycle `delete` |
//! | [`invoke_action`](AtlassianConnector::invoke_action) | `disable_user` / `enable_user` with `user_id` | v1 `suspend-access` / `restore-access` |
//!
//! A grant that already held answers with `GrantAlreadyExists`, a revoke of something
//! absent with `GrantAlreadyRevoked`, a deletion of a gone account with
//! `ResourceDoesNotExist`. In read-only mode every call fails with `FAILED_PRECONDITION`
//! before any request.
//!
//! Failures are [`ProvisionError`]s. Requests are checked first (`INVALID_ARGUMENT`, not
//! retryable: an entitlement id that does not parse, an unknown resource type, a
//! principal of the wrong type, a missing field). Atlassian's refusals are classified:
//!
//! | Atlassian error | code | retryable |
//! | --- | --- | --- |
//! | endpoint not enabled by Atlassian Support | `FAILED_PRECONDITION`, message names the endpoint and carries the ticket text | no |
//! | licence limit | `RESOURCE_EXHAUSTED` | no |
//! | IdP-managed group, org admin cannot be suspended, payment required, other conflict, credential not configured | `FAILED_PRECONDITION` | no |
//! | role invalid for the resource, other bad request | `INVALID_ARGUMENT` | no |
//! | user, group, team or organization not found | `NOT_FOUND` | no |
//! | already exists (outside converging writes) | `ALREADY_EXISTS` | no |
//! | key refused | `UNAUTHENTICATED` | no |
//! | key not allowed, key with scopes | `PERMISSION_DENIED` | no |
//! | rate limited (429) | `UNAVAILABLE` + `RateLimitDescription` (OVERLIMIT, `reset_at` from `Retry-After`) | yes |
//! | server error, network failure | `UNAVAILABLE` (+ `RateLimitDescription` when `Retry-After` was sent) | yes |
//! | undecodable answer, anything else | `INTERNAL` | no |

mod accounts;
mod actions;
mod error;
mod grants;
mod request;

pub use actions::{DISABLE_USER, ENABLE_USER, USER_ID};
pub use error::{Code, ProvisionError};

use crate::AtlassianConnector;

impl AtlassianConnector {
    /// Refuses `what` in read-only mode.
    fn ensure_writable(&self, what: &str) -> Result<(), ProvisionError> {
        if self.read_only {
            return Err(ProvisionError::new(
                Code::FailedPrecondition,
                format!("read-only mode: {what} is not allowed"),
            ));
        }
        Ok(())
    }

    /// The classified failure of an Atlassian call made while `doing` something.
    fn failure(&self, doing: &str, error: &atlassian::Error) -> ProvisionError {
        ProvisionError::atlassian(doing, error, self.client.org_id())
    }
}
