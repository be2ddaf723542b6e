//! What the connector tells ConductorOne about itself: its capabilities (the Go
//! connector's `baton_capabilities.json`, plus `team` when teams are configured) and its
//! metadata with the account-creation form.

use c1_proto::c1::connector::v2::connector_account_creation_schema::{Field, StringField, field};
use c1_proto::c1::connector::v2::{
    Capability, CapabilityDetailCredentialOption, CapabilityPermissions,
    ConnectorAccountCreationSchema, ConnectorCapabilities, ConnectorMetadata, CredentialDetails,
    CredentialDetailsAccountProvisioning, ResourceTypeCapability,
};

use crate::resource_types::ResourceKind;

/// Display name of the connector (as the Go connector's metadata).
pub const DISPLAY_NAME: &str = "Atlassian Core";
/// Description of the connector (as the Go connector's metadata).
pub const DESCRIPTION: &str = "Connector to sync data from an Atlassian Organization";

/// What each resource type supports, as in `baton_capabilities.json`.
fn type_capabilities(kind: ResourceKind) -> &'static [Capability] {
    match kind {
        ResourceKind::User => &[
            Capability::Sync,
            Capability::AccountProvisioning,
            Capability::ResourceDelete,
        ],
        ResourceKind::Group | ResourceKind::Workspace | ResourceKind::Team => {
            &[Capability::Sync, Capability::Provision]
        }
        ResourceKind::Organization | ResourceKind::ApiToken => &[Capability::Sync],
    }
}

/// Connector-level capabilities (a sorted set).
const CONNECTOR_CAPABILITIES: [Capability; 5] = [
    Capability::Provision,
    Capability::Sync,
    Capability::AccountProvisioning,
    Capability::ResourceDelete,
    Capability::Actions,
];

/// The capabilities of a connector syncing `kinds`; resource types sorted by id.
pub(crate) fn capabilities(kinds: &[ResourceKind]) -> ConnectorCapabilities {
    let mut kinds = kinds.to_vec();
    kinds.sort_by_key(|k| k.id());
    let no_password = CapabilityDetailCredentialOption::NoPassword as i32;
    ConnectorCapabilities {
        resource_type_capabilities: kinds
            .into_iter()
            .map(|kind| ResourceTypeCapability {
                resource_type: Some(kind.resource_type()),
                capabilities: type_capabilities(kind).iter().map(|c| *c as i32).collect(),
                permissions: Some(CapabilityPermissions::default()),
                ..ResourceTypeCapability::default()
            })
            .collect(),
        connector_capabilities: CONNECTOR_CAPABILITIES.iter().map(|c| *c as i32).collect(),
        credential_details: Some(CredentialDetails {
            capability_account_provisioning: Some(CredentialDetailsAccountProvisioning {
                supported_credential_options: vec![no_password],
                preferred_credential_option: no_password,
            }),
            ..CredentialDetails::default()
        }),
    }
}

/// The connector's metadata: name, description, capabilities and the form for creating an
/// account (SCIM `userName`, `email`, optional names).
pub(crate) fn metadata(capabilities: ConnectorCapabilities) -> ConnectorMetadata {
    ConnectorMetadata {
        display_name: DISPLAY_NAME.to_owned(),
        description: DESCRIPTION.to_owned(),
        capabilities: Some(capabilities),
        account_creation_schema: Some(account_creation_schema()),
        ..ConnectorMetadata::default()
    }
}

/// (key, display name, description, required, placeholder), in form order.
const ACCOUNT_FIELDS: [(&str, &str, &str, bool, &str); 5] = [
    (
        "userName",
        "Username",
        "The username for the new user (typically their email address)",
        true,
        "user@example.com",
    ),
    (
        "email",
        "Email",
        "The primary email address for the new user",
        true,
        "user@example.com",
    ),
    (
        "givenName",
        "First Name",
        "The user's first name (optional)",
        false,
        "John",
    ),
    (
        "familyName",
        "Last Name",
        "The user's last name (optional)",
        false,
        "Doe",
    ),
    (
        "displayName",
        "Display Name",
        "The user's display name (optional)",
        false,
        "John Doe",
    ),
];

fn account_creation_schema() -> ConnectorAccountCreationSchema {
    let field_map = ACCOUNT_FIELDS
        .iter()
        .zip(1..)
        .map(
            |(&(key, display_name, description, required, placeholder), order)| {
                let field = Field {
                    display_name: display_name.to_owned(),
                    required,
                    description: description.to_owned(),
                    placeholder: placeholder.to_owned(),
                    order,
                    deprecated: false,
                    field: Some(field::Field::StringField(StringField::default())),
                };
                (key.to_owned(), field)
            },
        )
        .collect();
    ConnectorAccountCreationSchema { field_map }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(values: &[i32]) -> Vec<&'static str> {
        values
            .iter()
            .map(|v| Capability::try_from(*v).unwrap().as_str_name())
            .collect()
    }

    #[test]
    fn capabilities_are_the_go_connectors_with_team_added_in_id_order() {
        let caps = capabilities(&ResourceKind::ALL);
        let per_type: Vec<(String, Vec<&str>)> = caps
            .resource_type_capabilities
            .iter()
            .map(|c| {
                (
                    c.resource_type.as_ref().unwrap().id.clone(),
                    names(&c.capabilities),
                )
            })
            .collect();
        let expected = [
            ("api_token", vec!["CAPABILITY_SYNC"]),
            ("group", vec!["CAPABILITY_SYNC", "CAPABILITY_PROVISION"]),
            ("organization", vec!["CAPABILITY_SYNC"]),
            ("team", vec!["CAPABILITY_SYNC", "CAPABILITY_PROVISION"]),
            (
                "user",
                vec![
                    "CAPABILITY_SYNC",
                    "CAPABILITY_ACCOUNT_PROVISIONING",
                    "CAPABILITY_RESOURCE_DELETE",
                ],
            ),
            ("workspace", vec!["CAPABILITY_SYNC", "CAPABILITY_PROVISION"]),
        ];
        let expected: Vec<(String, Vec<&str>)> = expected
            .into_iter()
            .map(|(id, c)| (id.to_owned(), c))
            .collect();
        assert_eq!(per_type, expected);
        assert!(
            caps.resource_type_capabilities
                .iter()
                .all(|c| c.permissions == Some(CapabilityPermissions::default()))
        );
        assert_eq!(
            names(&caps.connector_capabilities),
            [
                "CAPABILITY_PROVISION",
                "CAPABILITY_SYNC",
                "CAPABILITY_ACCOUNT_PROVISIONING",
                "CAPABILITY_RESOURCE_DELETE",
                "CAPABILITY_ACTIONS"
            ]
        );
        let provisioning = caps
            .credential_details
            .unwrap()
            .capability_account_provisioning
            .unwrap();
        assert_eq!(
            provisioning.supported_credential_options,
            [CapabilityDetailCredentialOption::NoPassword as i32]
        );
        assert_eq!(
            provisioning.preferred_credential_option,
            CapabilityDetailCredentialOption::NoPassword as i32
        );
    }

    #[test]
    fn metadata_names_the_connector_and_asks_for_username_and_email() {
        let meta = metadata(capabilities(&ResourceKind::ALL[..5]));
        assert_eq!(meta.display_name, "Atlassian Core");
        assert_eq!(
            meta.description,
            "Connector to sync data from an Atlassian Organization"
        );
        assert_eq!(
            meta.capabilities.unwrap().resource_type_capabilities.len(),
            5
        );
        let fields = meta.account_creation_schema.unwrap().field_map;
        let summary: Vec<(&str, bool, i32)> = fields
            .iter()
            .map(|(k, f)| (k.as_str(), f.required, f.order))
            .collect();
        assert_eq!(
            summary,
            [
                ("displayName", false, 5),
                ("email", true, 2),
                ("familyName", false, 4),
                ("givenName", false, 3),
                ("userName", true, 1)
            ]
        );
        assert_eq!(fields["userName"].placeholder, "user@example.com");
        assert_eq!(
            fields["userName"].description,
            "The username for the new user (typically their email address)"
        );
        assert!(matches!(
            fields["givenName"].field,
            Some(field::Field::StringField(_))
        ));
    }
}
