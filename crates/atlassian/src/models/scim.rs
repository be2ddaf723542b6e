//! SCIM user creation (the provisioning API, separate SCIM token).

use serde::{Deserialize, Serialize};

const CORE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A user to create through SCIM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewScimUser {
    /// Unique user name (usually the email).
    pub user_name: String,
    /// Work email (must be on a verified domain).
    pub email: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
}

/// The SCIM `User` body sent on creation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScimUserBody<'a> {
    schemas: [&'static str; 1],
    user_name: &'a str,
    emails: [ScimEmail<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<ScimName<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    active: bool,
}

#[derive(Debug, Serialize)]
struct ScimEmail<'a> {
    value: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    primary: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ScimName<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    given_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    family_name: Option<&'a str>,
}

impl<'a> From<&'a NewScimUser> for ScimUserBody<'a> {
    fn from(user: &'a NewScimUser) -> Self {
        let name = (user.given_name.is_some() || user.family_name.is_some()).then_some(ScimName {
            given_name: user.given_name.as_deref(),
            family_name: user.family_name.as_deref(),
        });
        Self {
            schemas: [CORE_USER_SCHEMA],
            user_name: &user.user_name,
            emails: [ScimEmail {
                value: &user.email,
                kind: "work",
                primary: true,
            }],
            name,
            display_name: user.display_name.as_deref(),
            active: true,
        }
    }
}

/// The created SCIM user.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimUser {
    /// SCIM id of the user in the directory.
    pub id: String,
    /// User name.
    #[serde(default)]
    pub user_name: Option<String>,
    /// Whether the user is active.
    #[serde(default)]
    pub active: Option<bool>,
    /// The linked Atlassian account.
    #[serde(default, rename = "urn:scim:schemas:extension:atlassian-external:1.0")]
    pub atlassian: Option<AtlassianExtension>,
}

impl ScimUser {
    /// The Atlassian account id of the created (or linked) user.
    pub fn account_id(&self) -> Option<&str> {
        self.atlassian.as_ref()?.atlassian_account_id.as_deref()
    }
}

/// The Atlassian SCIM extension of a user.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtlassianExtension {
    /// Atlassian account id.
    #[serde(default)]
    pub atlassian_account_id: Option<String>,
}
