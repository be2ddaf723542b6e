//! Workspaces (product instances on sites) from the v2 workspaces query.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A workspace: one product on one site (`POST /admin/v2/orgs/{orgId}/workspaces`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Workspace {
    /// Workspace ARI, e.g. `ari:cloud:jira::site/{cloudId}`; use it as the role resource.
    pub id: String,
    /// Resource type.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Attributes.
    #[serde(default)]
    pub attributes: WorkspaceAttributes,
}

impl Workspace {
    /// The site id (cloudId) at the end of the ARI, shared by all products of a site.
    pub fn cloud_id(&self) -> Option<&str> {
        self.id
            .rsplit_once("/")
            .map(|(_, id)| id)
            .filter(|id| !id.is_empty())
    }
}

/// Attributes of a workspace.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceAttributes {
    /// Workspace name.
    #[serde(default)]
    pub name: Option<String>,
    /// Product key (`jira-software`, `confluence`, ...).
    #[serde(default)]
    pub type_key: Option<String>,
    /// Display label of the product.
    #[serde(default, rename = "type")]
    pub type_label: Option<String>,
    /// Owner.
    #[serde(default)]
    pub owner: Option<String>,
    /// `online`, `offline` or `deprecated`.
    #[serde(default)]
    pub status: Option<String>,
    /// Site URL.
    #[serde(default)]
    pub host_url: Option<String>,
    /// Data residency realm.
    #[serde(default)]
    pub realm: Option<String>,
    /// Regions.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Licensed seats in use.
    #[serde(default)]
    pub usage: Option<u64>,
    /// Licensed seats.
    #[serde(default)]
    pub capacity: Option<u64>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Sandbox information (`{"type": "CHILD"|"NONE"}`).
    #[serde(default)]
    pub sandbox: Option<Value>,
}

/// Filters and order of the workspaces query (the first page; later pages send only the
/// cursor, as the service requires).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WorkspaceQuery {
    /// A query variant, e.g. `{"searchWorkspaces": "acme"}` or
    /// `{"field": {"name": "typeKey", "values": ["confluence"]}}`; see the constructors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<Value>,
    /// Sort fields, e.g. `{"field": "name", "order": "asc"}`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<Value>,
}

impl WorkspaceQuery {
    /// Workspaces whose name or URL contains `text`.
    pub fn text(text: &str) -> Self {
        Self {
            query: Some(serde_json::json!({ "searchWorkspaces": text })),
            sort: Vec::new(),
        }
    }

    /// Workspaces whose field `name` has one of `values`.
    pub fn field(name: &str, values: &[&str]) -> Self {
        let query = serde_json::json!({ "field": { "name": name, "values": values } });
        Self {
            query: Some(query),
            sort: Vec::new(),
        }
    }
}
