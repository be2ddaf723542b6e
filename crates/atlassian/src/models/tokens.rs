//! User API tokens inventory (api-access).

use serde::Deserialize;

/// A user API token known to the organization.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    /// Token id.
    pub id: String,
    /// Label given by its owner.
    #[serde(default)]
    pub label: Option<String>,
    /// `ALLOWED` or `BLOCKED`.
    #[serde(default)]
    pub status: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Expiry time.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Last use.
    #[serde(default)]
    pub last_active_at: Option<String>,
    /// Scopes of the token.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Owner of the token.
    #[serde(default)]
    pub user: Option<ApiTokenOwner>,
}

/// The owner of an API token.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiTokenOwner {
    /// Account id.
    #[serde(default)]
    pub id: Option<String>,
    /// Organization id.
    #[serde(default)]
    pub org_id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
}
