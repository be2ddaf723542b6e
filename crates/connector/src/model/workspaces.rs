//! Workspaces: the `workspace` resource (id = the workspace ARI, display name
//! `"<type>: <name>"` as in the Go connector), one permission entitlement per role its
//! product accepts, and the index of workspaces that decides which role grants exist.

use std::collections::HashMap;

use atlassian::Workspace;
use c1_proto::c1::connector::v2::entitlement::PurposeValue;
use c1_proto::c1::connector::v2::{Entitlement, Resource};

use super::{EntitlementSpec, entitlement, resource};
use crate::ids::role_slug;
use crate::resource_types::ResourceKind;
use crate::roles::workspace_roles;

/// The `workspace` resource of `workspace` (no profile, no trait).
pub(crate) fn workspace_resource(workspace: &Workspace) -> Resource {
    let attributes = &workspace.attributes;
    let label = attributes.type_label.as_deref().unwrap_or_default();
    let name = attributes.name.as_deref().unwrap_or_default();
    resource(
        ResourceKind::Workspace,
        &workspace.id,
        format!("{label}: {name}"),
    )
}

/// The product key of a workspace: `typeKey`, else the owner segment of its ARI
/// (`ari:cloud:<product>::site/<cloudId>`).
pub(crate) fn product(workspace: &Workspace) -> &str {
    match workspace.attributes.type_key.as_deref() {
        Some(key) if !key.is_empty() => key,
        _ => workspace.id.split(':').nth(2).unwrap_or_default(),
    }
}

/// `workspace:<ari>:role:<role>` for each role the workspace's product accepts.
pub(crate) fn role_entitlements(workspace: &Resource, product: &str) -> Vec<Entitlement> {
    let name = &workspace.display_name;
    workspace_roles(product)
        .iter()
        .map(|role| {
            entitlement(
                workspace,
                EntitlementSpec {
                    slug: &role_slug(role),
                    purpose: PurposeValue::Permission,
                    display_name: format!("{role} on {name}"),
                    description: format!("Role '{role}' applied in {name}."),
                    grantable_to: &[ResourceKind::User, ResourceKind::Group],
                },
            )
        })
        .collect()
}

/// The organization's workspaces (ARI → product key): a role grant on a workspace is
/// synced only when this index offers an entitlement for it.
#[derive(Debug, Default)]
pub(crate) struct WorkspaceIndex {
    products: HashMap<String, String>,
}

impl WorkspaceIndex {
    /// Records a listed workspace.
    pub fn insert(&mut self, workspace: &Workspace) {
        self.products
            .insert(workspace.id.clone(), product(workspace).to_owned());
    }

    /// Whether `role` on the workspace `ari` is an entitlement of the sync.
    pub fn offers(&self, ari: &str, role: &str) -> bool {
        self.products
            .get(ari)
            .is_some_and(|product| workspace_roles(product).contains(&role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(json: serde_json::Value) -> Workspace {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_workspace_offers_one_permission_per_role_of_its_product() {
        let ws = workspace(serde_json::json!({
            "id": "ari:cloud:confluence::site/abc",
            "attributes": {"name": "acme", "type": "Confluence", "typeKey": "confluence"}
        }));
        let resource = workspace_resource(&ws);
        assert_eq!(resource.display_name, "Confluence: acme");
        assert!(resource.annotations.is_empty() && resource.profile.is_none());
        let entitlements = role_entitlements(&resource, product(&ws));
        let ids: Vec<&str> = entitlements.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "workspace:ari:cloud:confluence::site/abc:role:atlassian/user",
                "workspace:ari:cloud:confluence::site/abc:role:atlassian/admin",
                "workspace:ari:cloud:confluence::site/abc:role:atlassian/guest",
                "workspace:ari:cloud:confluence::site/abc:role:atlassian/user-access-admin",
            ]
        );
        let admin = &entitlements[1];
        assert_eq!(admin.slug, "role:atlassian/admin");
        assert_eq!(admin.display_name, "atlassian/admin on Confluence: acme");
        assert_eq!(
            admin.description,
            "Role 'atlassian/admin' applied in Confluence: acme."
        );
        assert_eq!(admin.purpose, PurposeValue::Permission as i32);
        assert_eq!(
            admin.grantable_to,
            [
                ResourceKind::User.resource_type(),
                ResourceKind::Group.resource_type()
            ]
        );
    }

    #[test]
    fn the_index_offers_only_listed_workspaces_and_valid_roles() {
        let mut index = WorkspaceIndex::default();
        index.insert(&workspace(
            serde_json::json!({"id": "ari:cloud:bitbucket::workspace/w"}),
        ));
        assert_eq!(
            product(&workspace(
                serde_json::json!({"id": "ari:cloud:bitbucket::workspace/w"})
            )),
            "bitbucket"
        );
        assert!(index.offers("ari:cloud:bitbucket::workspace/w", "atlassian/admin"));
        assert!(!index.offers("ari:cloud:bitbucket::workspace/w", "atlassian/guest"));
        assert!(!index.offers("ari:cloud:jira::site/other", "atlassian/user"));
    }
}
