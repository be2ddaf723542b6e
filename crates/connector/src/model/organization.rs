//! The organization: one `organization` resource (id = `data.id`, display name = its
//! name or id) and one permission entitlement per organization-level role.

use atlassian::Organization;
use c1_proto::c1::connector::v2::entitlement::PurposeValue;
use c1_proto::c1::connector::v2::{Entitlement, Resource};

use super::{EntitlementSpec, entitlement, resource};
use crate::ids::role_slug;
use crate::resource_types::ResourceKind;
use crate::roles::ORGANIZATION_ROLES;

/// The `organization` resource.
pub(crate) fn organization_resource(org: &Organization) -> Resource {
    let name = org
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or(&org.id);
    resource(ResourceKind::Organization, &org.id, name)
}

/// `organization:<orgId>:role:<role>` for each organization-level role, grantable to users.
pub(crate) fn role_entitlements(org: &Resource) -> Vec<Entitlement> {
    let name = &org.display_name;
    ORGANIZATION_ROLES
        .iter()
        .map(|role| {
            entitlement(
                org,
                EntitlementSpec {
                    slug: &role_slug(role),
                    purpose: PurposeValue::Permission,
                    display_name: format!("{role} on {name}"),
                    description: format!("Role '{role}' applied at organization level."),
                    grantable_to: &[ResourceKind::User],
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organization_offers_the_four_go_roles() {
        let org = Organization {
            id: "o-1".into(),
            name: None,
        };
        let resource = organization_resource(&org);
        assert_eq!(resource.display_name, "o-1");
        let entitlements = role_entitlements(&resource);
        let ids: Vec<&str> = entitlements.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "organization:o-1:role:atlassian/org-admin",
                "organization:o-1:role:atlassian/site-admin",
                "organization:o-1:role:atlassian/user-access-admin",
                "organization:o-1:role:atlassian/ai-access",
            ]
        );
        assert_eq!(
            entitlements[0].description,
            "Role 'atlassian/org-admin' applied at organization level."
        );
        assert_eq!(entitlements[0].display_name, "atlassian/org-admin on o-1");
        let named = organization_resource(&Organization {
            id: "o-1".into(),
            name: Some("Acme".into()),
        });
        assert_eq!(named.display_name, "Acme");
    }
}
