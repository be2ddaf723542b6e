//! What a grant or revoke asks for, read from ConductorOne's ids (entitlement id and
//! principal id; other fields are best-effort) and checked before any request is made.

use c1_proto::c1::connector::v2::{Entitlement, Grant, Resource};

use super::error::{Code, ProvisionError};
use crate::ids::{self, EntitlementParts, MEMBER};
use crate::model;
use crate::resource_types::ResourceKind;

/// The organization role that can be granted and revoked (`role-assignments/assign|revoke`).
pub(crate) const ORG_ADMIN: &str = atlassian::role::ORG_ADMIN;

/// One change of access, with everything the Atlassian call needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// A user's role on a workspace (`roles/assign|revoke`).
    UserWorkspaceRole {
        account_id: String,
        workspace: String,
        role: String,
    },
    /// A group's role on a workspace (the group's `role-assignments/assign|revoke`).
    GroupWorkspaceRole {
        group_id: String,
        workspace: String,
        role: String,
    },
    /// A user's `atlassian/org-admin` role.
    OrgAdmin { account_id: String },
    /// A user's membership of a group.
    GroupMember {
        group_id: String,
        account_id: String,
    },
    /// A user's membership of a team.
    TeamMember { team_id: String, account_id: String },
}

/// A checked grant or revoke.
#[derive(Debug)]
pub(crate) struct Request {
    /// What changes.
    pub change: Change,
    kind: ResourceKind,
    entitlement: EntitlementParts,
    entitlement_id: String,
    principal: Resource,
}

impl Request {
    /// Reads a grant of `entitlement` to `principal` for the organization `org_id`.
    pub fn grant(
        entitlement: &Entitlement,
        principal: &Resource,
        org_id: &str,
    ) -> Result<Self, ProvisionError> {
        Self::read(&entitlement.id, principal, org_id)
    }

    /// Reads the revoke of `grant` for the organization `org_id`.
    pub fn revoke(grant: &Grant, org_id: &str) -> Result<Self, ProvisionError> {
        let Some(entitlement) = &grant.entitlement else {
            return Err(ProvisionError::invalid(format!(
                "the grant '{}' to revoke has no entitlement",
                grant.id
            )));
        };
        let Some(principal) = &grant.principal else {
            return Err(ProvisionError::invalid(format!(
                "the grant '{}' to revoke has no principal",
                grant.id
            )));
        };
        Self::read(&entitlement.id, principal, org_id)
    }

    fn read(
        entitlement_id: &str,
        principal: &Resource,
        org_id: &str,
    ) -> Result<Self, ProvisionError> {
        if entitlement_id.is_empty() {
            return Err(ProvisionError::invalid("the entitlement has no id"));
        }
        let entitlement = ids::parse_entitlement(entitlement_id).map_err(|e| {
            ProvisionError::invalid(format!(
                "{e}; expected <resource type>:<resource id>:member or \
                 <resource type>:<resource id>:role:<role>"
            ))
        })?;
        let kind = ResourceKind::from_id(&entitlement.resource_type).ok_or_else(|| {
            ProvisionError::invalid(format!(
                "unknown resource type '{}' in entitlement {entitlement_id}",
                entitlement.resource_type
            ))
        })?;
        let (principal_type, principal_id) = match &principal.id {
            Some(id) if !id.resource_type.is_empty() && !id.resource.is_empty() => {
                (id.resource_type.as_str(), id.resource.clone())
            }
            _ => return Err(ProvisionError::invalid("the principal has no id")),
        };
        let only_users = |what: &str| {
            if principal_type == ResourceKind::User.id() {
                Ok(principal_id.clone())
            } else {
                Err(ProvisionError::invalid(format!(
                    "only users can be granted {what}, not {principal_type}:{principal_id}"
                )))
            }
        };
        let resource_id = entitlement.resource_id.clone();
        let role = entitlement.slug.strip_prefix("role:").map(str::to_owned);
        let change = match (kind, role) {
            (ResourceKind::Workspace, Some(role)) => match ResourceKind::from_id(principal_type) {
                Some(ResourceKind::User) => Change::UserWorkspaceRole {
                    account_id: principal_id.clone(),
                    workspace: resource_id,
                    role,
                },
                Some(ResourceKind::Group) => Change::GroupWorkspaceRole {
                    group_id: principal_id.clone(),
                    workspace: resource_id,
                    role,
                },
                _ => {
                    return Err(ProvisionError::invalid(format!(
                        "only users and groups can hold workspace roles, not \
                         {principal_type}:{principal_id}"
                    )));
                }
            },
            (ResourceKind::Organization, Some(role)) => {
                if resource_id != org_id {
                    return Err(ProvisionError::invalid(format!(
                        "entitlement {entitlement_id} is for organization {resource_id}, but this \
                         connector manages organization {org_id}"
                    )));
                }
                if role != ORG_ADMIN {
                    return Err(ProvisionError::new(
                        Code::Unimplemented,
                        format!(
                            "the organization role {role} cannot be provisioned: the Atlassian \
                             API grants and revokes only {ORG_ADMIN} at organization level; \
                             change it in admin.atlassian.com"
                        ),
                    ));
                }
                Change::OrgAdmin {
                    account_id: only_users("the organization admin role")?,
                }
            }
            (ResourceKind::Group, None) if entitlement.slug == MEMBER => Change::GroupMember {
                group_id: resource_id,
                account_id: only_users("group membership")?,
            },
            (ResourceKind::Team, None) if entitlement.slug == MEMBER => Change::TeamMember {
                team_id: resource_id,
                account_id: only_users("team membership")?,
            },
            _ => {
                return Err(ProvisionError::invalid(format!(
                    "entitlement {entitlement_id} cannot be provisioned: only workspace roles, \
                     organization roles, and group and team membership can"
                )));
            }
        };
        Ok(Self {
            change,
            kind,
            entitlement,
            entitlement_id: entitlement_id.to_owned(),
            principal: principal.clone(),
        })
    }

    /// `grant of <entitlement id> to <principal type>:<principal id>` (or `revoke of ...`),
    /// for messages.
    pub fn describe(&self, action: &str) -> String {
        let id = self.principal.id.as_ref().expect("checked when read");
        format!(
            "{action} of {} to {}:{}",
            self.entitlement_id, id.resource_type, id.resource
        )
    }

    /// The grant in effect once granted, with the id a sync gives it.
    pub fn granted(&self) -> Grant {
        model::grant(
            model::bare(self.kind, &self.entitlement.resource_id),
            &self.entitlement.slug,
            self.principal.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(kind: &str, id: &str) -> Resource {
        Resource {
            id: Some(c1_proto::c1::connector::v2::ResourceId {
                resource_type: kind.into(),
                resource: id.into(),
                baton_resource: false,
            }),
            ..Resource::default()
        }
    }

    fn read(entitlement: &str, kind: &str, id: &str) -> Result<Change, ProvisionError> {
        Request::read(entitlement, &principal(kind, id), "org-1").map(|r| r.change)
    }

    #[test]
    fn each_entitlement_kind_becomes_its_change() {
        let ws = "workspace:ari:cloud:jira::site/abc:role:atlassian/admin";
        assert_eq!(
            read(ws, "user", "557058:u").unwrap(),
            Change::UserWorkspaceRole {
                account_id: "557058:u".into(),
                workspace: "ari:cloud:jira::site/abc".into(),
                role: "atlassian/admin".into()
            }
        );
        assert_eq!(
            read(ws, "group", "g-1").unwrap(),
            Change::GroupWorkspaceRole {
                group_id: "g-1".into(),
                workspace: "ari:cloud:jira::site/abc".into(),
                role: "atlassian/admin".into()
            }
        );
        assert_eq!(
            read("organization:org-1:role:atlassian/org-admin", "user", "u").unwrap(),
            Change::OrgAdmin {
                account_id: "u".into()
            }
        );
        assert_eq!(
            read("group:g-1:member", "user", "u").unwrap(),
            Change::GroupMember {
                group_id: "g-1".into(),
                account_id: "u".into()
            }
        );
        assert_eq!(
            read("team:t-1:member", "user", "u").unwrap(),
            Change::TeamMember {
                team_id: "t-1".into(),
                account_id: "u".into()
            }
        );
    }

    #[test]
    fn requests_that_cannot_be_provisioned_say_why() {
        let refused = |entitlement: &str, kind: &str| read(entitlement, kind, "x").unwrap_err();
        let cases = [
            (
                "group:g-1:member",
                "group",
                Code::InvalidArgument,
                "only users can be granted group membership, not group:x",
            ),
            (
                "team:t-1:member",
                "team",
                Code::InvalidArgument,
                "only users can be granted team membership",
            ),
            (
                "workspace:w:role:atlassian/user",
                "team",
                Code::InvalidArgument,
                "only users and groups can hold workspace roles, not team:x",
            ),
            (
                "organization:org-1:role:atlassian/site-admin",
                "user",
                Code::Unimplemented,
                "the organization role atlassian/site-admin cannot be provisioned",
            ),
            (
                "organization:org-2:role:atlassian/org-admin",
                "user",
                Code::InvalidArgument,
                "is for organization org-2, but this connector manages organization org-1",
            ),
            (
                "role:r-1:member",
                "user",
                Code::InvalidArgument,
                "unknown resource type 'role' in entitlement role:r-1:member",
            ),
            (
                "user:u-1:member",
                "user",
                Code::InvalidArgument,
                "entitlement user:u-1:member cannot be provisioned",
            ),
            (
                "group:g-1:role:atlassian/user",
                "user",
                Code::InvalidArgument,
                "cannot be provisioned",
            ),
            (
                "workspace:w:owner",
                "user",
                Code::InvalidArgument,
                "invalid entitlementID format: workspace:w:owner",
            ),
            (
                "",
                "user",
                Code::InvalidArgument,
                "the entitlement has no id",
            ),
            (
                "group:g-1:member",
                "",
                Code::InvalidArgument,
                "the principal has no id",
            ),
        ];
        for (entitlement, kind, code, text) in cases {
            let error = refused(entitlement, kind);
            assert_eq!(error.code, code, "{entitlement}");
            assert!(!error.retryable);
            assert!(
                error.message.contains(text),
                "{entitlement}: {}",
                error.message
            );
        }
    }

    #[test]
    fn a_revoke_needs_the_entitlement_and_the_principal_of_its_grant() {
        let grant = Grant {
            id: "group:g-1:member:user:u".into(),
            ..Grant::default()
        };
        let error = Request::revoke(&grant, "org-1").unwrap_err();
        assert_eq!(
            error.message,
            "the grant 'group:g-1:member:user:u' to revoke has no entitlement"
        );
        let grant = Grant {
            entitlement: Some(Entitlement {
                id: "group:g-1:member".into(),
                ..Entitlement::default()
            }),
            ..grant
        };
        let error = Request::revoke(&grant, "org-1").unwrap_err();
        assert!(error.message.ends_with("has no principal"));
    }

    #[test]
    fn the_granted_grant_has_the_id_a_sync_gives_it() {
        let request = Request::read(
            "workspace:ari:cloud:jira::site/abc:role:atlassian/admin",
            &principal("group", "g-1"),
            "org-1",
        )
        .unwrap();
        assert_eq!(
            request.granted().id,
            "workspace:ari:cloud:jira::site/abc:role:atlassian/admin:group:g-1"
        );
        assert_eq!(
            request.describe("grant"),
            "grant of workspace:ari:cloud:jira::site/abc:role:atlassian/admin to group:g-1"
        );
    }
}
