//! User API tokens: the `api_token` resource with the secret trait, as in the Go
//! connector (no entitlements, no grants).

use atlassian::ApiToken;
use c1_proto::any;
use c1_proto::c1::connector::v2::secret_trait::CredentialType;
use c1_proto::c1::connector::v2::{Resource, SecretTrait};

use super::{resource, resource_id, timestamp};
use crate::resource_types::ResourceKind;

/// `credential_detail` of every token.
const CREDENTIAL_DETAIL: &str = "atlassian.api_token";

/// The `api_token` resource (display name = label, else id; the owner is the identity).
pub(crate) fn token_resource(token: &ApiToken) -> Resource {
    let name = token
        .label
        .as_deref()
        .filter(|l| !l.is_empty())
        .unwrap_or(&token.id);
    let owner = token
        .user
        .as_ref()
        .and_then(|u| u.id.as_deref())
        .filter(|id| !id.is_empty());
    let secret = SecretTrait {
        expires_at: timestamp(token.expires_at.as_deref()),
        last_used_at: timestamp(token.last_active_at.as_deref()),
        identity_id: owner.map(|id| resource_id(ResourceKind::User, id)),
        credential_type: CredentialType::StaticSecret as i32,
        credential_detail: CREDENTIAL_DETAIL.to_owned(),
        ..SecretTrait::default()
    };
    let mut resource = resource(ResourceKind::ApiToken, &token.id, name);
    resource.annotations.push(any::pack(&secret));
    resource.created_at = timestamp(token.created_at.as_deref());
    resource
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_a_static_secret_of_its_owner() {
        let token: ApiToken = serde_json::from_value(serde_json::json!({
            "id": "tok-1", "label": "CI pipeline 1", "status": "ALLOWED",
            "createdAt": "2021-01-01T00:00:00Z", "expiresAt": "2022-01-01T00:00:00Z", "lastActiveAt": "not a time",
            "user": {"id": "557058:owner"}
        }))
        .unwrap();
        let resource = token_resource(&token);
        assert_eq!(resource.display_name, "CI pipeline 1");
        assert_eq!(resource.created_at, timestamp(Some("2021-01-01T00:00:00Z")));
        let secret = any::find::<SecretTrait>(&resource.annotations)
            .unwrap()
            .unwrap();
        assert_eq!(secret.credential_type, CredentialType::StaticSecret as i32);
        assert_eq!(secret.credential_detail, "atlassian.api_token");
        assert_eq!(
            secret.identity_id,
            Some(resource_id(ResourceKind::User, "557058:owner"))
        );
        assert_eq!(secret.expires_at, timestamp(Some("2022-01-01T00:00:00Z")));
        assert_eq!(secret.last_used_at, None);
        let unlabelled: ApiToken =
            serde_json::from_value(serde_json::json!({"id": "tok-2"})).unwrap();
        let resource = token_resource(&unlabelled);
        assert_eq!(resource.display_name, "tok-2");
        assert_eq!(
            any::find::<SecretTrait>(&resource.annotations)
                .unwrap()
                .unwrap()
                .identity_id,
            None
        );
    }
}
