//! Organizations (v1) and directories (v2).

use serde::Deserialize;

/// An organization (`GET /admin/v1/orgs[/{orgId}]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(from = "RawOrganization")]
pub struct Organization {
    /// Organization id.
    pub id: String,
    /// Organization name.
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct RawOrganization {
    id: String,
    #[serde(default)]
    attributes: Option<OrganizationAttributes>,
}

#[derive(Deserialize)]
struct OrganizationAttributes {
    #[serde(default)]
    name: Option<String>,
}

impl From<RawOrganization> for Organization {
    fn from(raw: RawOrganization) -> Self {
        Self {
            id: raw.id,
            name: raw.attributes.and_then(|a| a.name),
        }
    }
}

/// A user directory of the organization (`GET /admin/v2/orgs/{orgId}/directories`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Directory {
    /// Directory id (UUID).
    pub directory_id: String,
    /// Directory name.
    #[serde(default)]
    pub name: Option<String>,
    /// Icon URL.
    #[serde(default)]
    pub icon: Option<String>,
}

/// A managed account, from the v1 users list (`GET /admin/v1/orgs/{orgId}/users`; only
/// accounts on the organization's verified domains).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ManagedAccount {
    /// Atlassian account id.
    pub account_id: String,
    /// `atlassian`, `customer` or `app`.
    #[serde(default)]
    pub account_type: Option<String>,
    /// `active`, `inactive` or `closed`.
    #[serde(default)]
    pub account_status: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Avatar URL.
    #[serde(default)]
    pub picture: Option<String>,
    /// Email (absent when hidden).
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the account is billed for Atlassian Guard.
    #[serde(default)]
    pub access_billable: Option<bool>,
    /// Last activity (ISO-8601).
    #[serde(default)]
    pub last_active: Option<String>,
    /// Products the account used.
    #[serde(default)]
    pub product_access: Vec<ManagedProductAccess>,
}

/// A product a managed account used.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ManagedProductAccess {
    /// Product key, e.g. `confluence`.
    pub key: String,
    /// Product name.
    #[serde(default)]
    pub name: Option<String>,
    /// Product URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Last activity (ISO-8601).
    #[serde(default)]
    pub last_active: Option<String>,
}
