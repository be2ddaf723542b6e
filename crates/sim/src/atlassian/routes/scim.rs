//! SCIM user provisioning: `POST /scim/directory/{directoryId}/Users` with the SCIM token.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::invites::{find_by_email, new_account};
use super::{Answer, json, now};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::{AccountStatus, ManagementSource, MembershipStatus};
use crate::atlassian::params::json_body;
use crate::atlassian::rng::Rng;
use crate::atlassian::server::App;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ATLASSIAN_EXTENSION: &str = "urn:scim:schemas:extension:atlassian-external:1.0";

#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct ScimEmail {
    value: String,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    primary: bool,
}

#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct ScimName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    family_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScimUserIn {
    #[serde(default)]
    user_name: String,
    #[serde(default)]
    emails: Vec<ScimEmail>,
    #[serde(default)]
    name: Option<ScimName>,
    display_name: Option<String>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

fn scim_error(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> ApiError {
    ApiError::Scim {
        status,
        scim_type,
        detail: detail.into(),
    }
}

/// Creates a user in a directory → 201 with the SCIM id and the Atlassian account id. An
/// existing account with that email outside the directory is linked; a member of the
/// directory already → `409 uniqueness`. Emails off the verified domains make unmanaged
/// accounts (the real service refuses them; the simulator is lenient).
pub(crate) async fn create_user(
    State(app): State<App>,
    Path(directory_id): Path<String>,
    body: Bytes,
) -> Answer {
    let body: ScimUserIn =
        json_body(&body).map_err(|e| scim_error(400, Some("invalidSyntax"), e))?;
    let email = body
        .emails
        .iter()
        .find(|e| e.primary)
        .or(body.emails.first())
        .map(|e| e.value.clone());
    let Some(email) = email.filter(|e| e.contains('@') && !body.user_name.is_empty()) else {
        return Err(scim_error(
            400,
            Some("invalidValue"),
            "userName and a valid email are required",
        ));
    };
    let mut world = app.write();
    if world.org().directory(&directory_id).is_none() {
        return Err(scim_error(404, None, "Directory does not exist"));
    }
    let display_name = body.display_name.clone().or_else(|| {
        let name = body.name.as_ref()?;
        let full = format!(
            "{} {}",
            name.given_name.as_deref().unwrap_or(""),
            name.family_name.as_deref().unwrap_or("")
        );
        Some(full.trim().to_string()).filter(|full| !full.is_empty())
    });
    let scim_id = Rng::from_text(&format!("scim/{directory_id}/{}", email.to_lowercase())).uuid();
    let account_id = match find_by_email(world.org(), &email) {
        Some(user) if user.directory_id.as_deref() == Some(directory_id.as_str()) => {
            return Err(scim_error(
                409,
                Some("uniqueness"),
                "User already exists in the directory",
            ));
        }
        Some(user) => user.account_id.clone(),
        None => {
            let user = new_account(
                world.org(),
                &email,
                display_name.as_deref(),
                &directory_id,
                ManagementSource::Synced,
            );
            let id = user.account_id.clone();
            world.insert_user(user);
            id
        }
    };
    let user = world.user_mut(&account_id).expect("the account exists");
    user.directory_id = Some(directory_id.clone());
    user.membership_status = MembershipStatus::Active;
    user.management_source = Some(ManagementSource::Synced);
    user.scim_id = Some(scim_id.clone());
    if !body.active {
        user.account_status = AccountStatus::Inactive;
    }
    let created = now();
    let response = serde_json::json!({
        "schemas": [USER_SCHEMA, ATLASSIAN_EXTENSION],
        "id": scim_id,
        "userName": body.user_name,
        "emails": body.emails,
        "name": body.name.unwrap_or_default(),
        "displayName": user.name,
        "active": body.active,
        "meta": {
            "resourceType": "User",
            "created": created,
            "lastModified": created,
            "location": app.url(&format!("scim/directory/{directory_id}/Users/{scim_id}")),
        },
        ATLASSIAN_EXTENSION: { "atlassianAccountId": account_id },
    });
    Ok(json(StatusCode::CREATED, &response))
}
