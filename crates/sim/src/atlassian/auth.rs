//! Who is calling: checks the `Authorization` header against the credentials an endpoint
//! family accepts, and applies the scoped-key rule of the endpoint table.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::config::Credentials;
use super::endpoints::{Endpoint, Family};
use super::errors::ApiError;

/// An authenticated credential; also the rate-limit bucket key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Caller {
    /// The unscoped org API key.
    OrgKey,
    /// The org API key with scopes.
    ScopedKey,
    /// Basic `email:api_token` of the Teams user.
    TeamsUser,
    /// The SCIM directory token.
    Scim,
}

/// Identifies the caller of an endpoint, or the refusal in the family's shape.
pub(crate) fn authenticate(
    endpoint: &Endpoint,
    headers: &HeaderMap,
    credentials: &Credentials,
) -> Result<Caller, ApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bearer = authorization.strip_prefix("Bearer ");
    let caller = match endpoint.family {
        Family::Admin | Family::Workspaces | Family::UserManagement => match bearer {
            Some(key) if key == credentials.api_key => Some(Caller::OrgKey),
            Some(key) if key == credentials.scoped_api_key => Some(Caller::ScopedKey),
            _ => None,
        },
        Family::Scim => (bearer == Some(credentials.scim_token.as_str())).then_some(Caller::Scim),
        Family::Teams => {
            let expected = STANDARD.encode(format!(
                "{}:{}",
                credentials.teams_email, credentials.teams_api_token
            ));
            (authorization.strip_prefix("Basic ") == Some(expected.as_str()))
                .then_some(Caller::TeamsUser)
        }
    };
    caller.ok_or_else(|| match endpoint.family {
        Family::UserManagement => ApiError::lifecycle(401, "unauthorized", None),
        family => ApiError::for_family(family, 401, "Unauthorized"),
    })
}

/// Refuses a scoped key on endpoints that need an unscoped one.
pub(crate) fn check_scope(endpoint: &Endpoint, caller: Caller) -> Result<(), ApiError> {
    if caller != Caller::ScopedKey || endpoint.scoped_key_allowed {
        return Ok(());
    }
    Err(match endpoint.family {
        Family::UserManagement => ApiError::lifecycle(403, "forbidden", None),
        Family::Workspaces => ApiError::insufficient_scope().single(),
        _ => ApiError::insufficient_scope(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlassian::endpoints::{self, find};

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn teams_take_basic_credentials_and_refuse_the_org_key() {
        let credentials = Credentials::default();
        let teams = find(endpoints::TEAMS).unwrap();
        let basic = format!(
            "Basic {}",
            STANDARD.encode("teams-admin@example.com:sim-teams-api-token")
        );
        assert_eq!(
            authenticate(teams, &headers(&basic), &credentials).unwrap(),
            Caller::TeamsUser
        );
        let refused =
            authenticate(teams, &headers("Bearer sim-org-api-key"), &credentials).unwrap_err();
        assert_eq!(refused.status(), 401);
    }

    #[test]
    fn the_scoped_key_is_refused_on_directory_users_but_not_on_workspaces() {
        let credentials = Credentials::default();
        let users = find(endpoints::USERS).unwrap();
        let caller =
            authenticate(users, &headers("Bearer sim-scoped-api-key"), &credentials).unwrap();
        assert_eq!(
            check_scope(users, caller).unwrap_err().body()["errors"][0]["code"],
            "ADMIN-401-2"
        );
        assert!(check_scope(find(endpoints::WORKSPACES).unwrap(), caller).is_ok());
        let lifecycle =
            check_scope(find(endpoints::LIFECYCLE_DELETE).unwrap(), caller).unwrap_err();
        assert_eq!(
            (lifecycle.status(), lifecycle.body()["key"].as_str()),
            (403, Some("forbidden"))
        );
    }
}
