//! `capabilities`: the connector's capabilities as the proto3 JSON the Go connector prints
//! (`baton_capabilities.json`): an `Any` with `@type`, lowerCamelCase field names, enums by
//! name, fields at their default left out, message fields present when set.
//!
//! The conversion is written out for the few messages involved. Fields the connector never
//! sets and that need a type registry or deeper conversion (annotations, credential
//! issuance details) are refused rather than dropped silently.

use anyhow::bail;
use c1_proto::c1::connector::v2::resource_type::Trait;
use c1_proto::c1::connector::v2::{
    Capability, CapabilityDetailCredentialOption, CapabilityPermissions, ConnectorCapabilities,
    CredentialDetails, ResourceType, ResourceTypeCapability,
};
use connector::AtlassianConnector;
use serde_json::{Map, Value, json};

use super::{Failure, connector_failure};
use crate::cli::CapabilitiesArgs;
use crate::config::{LogSettings, connector_config};
use crate::logging;

/// The `@type` of the printed object.
const TYPE_URL: &str = "type.googleapis.com/c1.connector.v2.ConnectorCapabilities";

/// Checks the settings (teams add the `team` type) and prints the capabilities.
pub(super) fn run(args: &CapabilitiesArgs) -> Result<(), Failure> {
    logging::init(&LogSettings::from_args(&args.logging)?)?;
    let connector =
        AtlassianConnector::new(connector_config(&args.connector)?).map_err(connector_failure)?;
    let json = capabilities_json(&connector.capabilities())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&json).map_err(anyhow::Error::from)?
    );
    Ok(())
}

/// `capabilities` as proto3 JSON wrapped as an `Any`.
pub fn capabilities_json(capabilities: &ConnectorCapabilities) -> anyhow::Result<Value> {
    let mut out = Map::new();
    out.insert("@type".into(), json!(TYPE_URL));
    let per_type = capabilities
        .resource_type_capabilities
        .iter()
        .map(resource_type_capability)
        .collect::<anyhow::Result<Vec<_>>>()?;
    put_list(&mut out, "resourceTypeCapabilities", per_type);
    put_list(
        &mut out,
        "connectorCapabilities",
        names(
            &capabilities.connector_capabilities,
            Capability::as_str_name,
        ),
    );
    if let Some(details) = &capabilities.credential_details {
        out.insert("credentialDetails".into(), credential_details(details));
    }
    Ok(Value::Object(out))
}

fn resource_type_capability(capability: &ResourceTypeCapability) -> anyhow::Result<Value> {
    if capability.credential_issue.is_some() {
        bail!("credential issuance details cannot be printed as JSON");
    }
    let mut out = Map::new();
    if let Some(resource_type) = &capability.resource_type {
        out.insert("resourceType".into(), resource_type_json(resource_type)?);
    }
    put_list(
        &mut out,
        "capabilities",
        names(&capability.capabilities, Capability::as_str_name),
    );
    if let Some(permissions) = &capability.permissions {
        out.insert("permissions".into(), permissions_json(permissions));
    }
    put_flag(&mut out, "optInRequired", capability.opt_in_required);
    put_flag(
        &mut out,
        "skipSyncAnomalyDetection",
        capability.skip_sync_anomaly_detection,
    );
    put_flag(&mut out, "deprecated", capability.deprecated);
    Ok(Value::Object(out))
}

fn resource_type_json(resource_type: &ResourceType) -> anyhow::Result<Value> {
    if !resource_type.annotations.is_empty() {
        bail!(
            "annotations of resource type {} cannot be printed as JSON",
            resource_type.id
        );
    }
    let mut out = Map::new();
    put_text(&mut out, "id", &resource_type.id);
    put_text(&mut out, "displayName", &resource_type.display_name);
    put_list(
        &mut out,
        "traits",
        names(&resource_type.traits, Trait::as_str_name),
    );
    put_text(&mut out, "description", &resource_type.description);
    put_flag(
        &mut out,
        "sourcedExternally",
        resource_type.sourced_externally,
    );
    Ok(Value::Object(out))
}

fn permissions_json(permissions: &CapabilityPermissions) -> Value {
    let mut out = Map::new();
    let list = permissions.permissions.iter().map(|p| {
        let mut one = Map::new();
        put_text(&mut one, "permission", &p.permission);
        Value::Object(one)
    });
    put_list(&mut out, "permissions", list.collect());
    Value::Object(out)
}

fn credential_details(details: &CredentialDetails) -> Value {
    let mut out = Map::new();
    let options = [
        (
            "capabilityAccountProvisioning",
            details.capability_account_provisioning.as_ref().map(|o| {
                (
                    &o.supported_credential_options,
                    o.preferred_credential_option,
                )
            }),
        ),
        (
            "capabilityCredentialRotation",
            details.capability_credential_rotation.as_ref().map(|o| {
                (
                    &o.supported_credential_options,
                    o.preferred_credential_option,
                )
            }),
        ),
    ];
    for (name, option) in options {
        if let Some((supported, preferred)) = option {
            let mut one = Map::new();
            put_list(
                &mut one,
                "supportedCredentialOptions",
                names(supported, CapabilityDetailCredentialOption::as_str_name),
            );
            if preferred != 0 {
                one.insert(
                    "preferredCredentialOption".into(),
                    name_of(preferred, CapabilityDetailCredentialOption::as_str_name),
                );
            }
            out.insert(name.into(), Value::Object(one));
        }
    }
    Value::Object(out)
}

/// Enum values by name; a value this build does not know stays a number, as in proto3 JSON.
fn names<E: TryFrom<i32>>(values: &[i32], name: fn(&E) -> &'static str) -> Vec<Value> {
    values.iter().map(|v| name_of(*v, name)).collect()
}

fn name_of<E: TryFrom<i32>>(value: i32, name: fn(&E) -> &'static str) -> Value {
    E::try_from(value).map_or_else(|_| json!(value), |e| json!(name(&e)))
}

fn put_text(out: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        out.insert(key.into(), json!(value));
    }
}

fn put_flag(out: &mut Map<String, Value>, key: &str, value: bool) {
    if value {
        out.insert(key.into(), json!(true));
    }
}

fn put_list(out: &mut Map<String, Value>, key: &str, values: Vec<Value>) {
    if !values.is_empty() {
        out.insert(key.into(), Value::Array(values));
    }
}

#[cfg(test)]
mod tests {
    use connector::{ConnectorConfig, TeamsConfig};

    use super::*;

    /// The Go connector's `baton_capabilities.json` (baton-atlassian @1c6ddd1a).
    const GO_CAPABILITIES: &str = r#"{"@type":"type.googleapis.com/c1.connector.v2.ConnectorCapabilities",
     "resourceTypeCapabilities":[
      {"resourceType":{"id":"api_token","displayName":"API Token","traits":["TRAIT_SECRET"]},"capabilities":["CAPABILITY_SYNC"],"permissions":{}},
      {"resourceType":{"id":"group","displayName":"Group","traits":["TRAIT_GROUP"]},"capabilities":["CAPABILITY_SYNC","CAPABILITY_PROVISION"],"permissions":{}},
      {"resourceType":{"id":"organization","displayName":"Organization"},"capabilities":["CAPABILITY_SYNC"],"permissions":{}},
      {"resourceType":{"id":"user","displayName":"User","traits":["TRAIT_USER"]},"capabilities":["CAPABILITY_SYNC","CAPABILITY_ACCOUNT_PROVISIONING","CAPABILITY_RESOURCE_DELETE"],"permissions":{}},
      {"resourceType":{"id":"workspace","displayName":"Workspace"},"capabilities":["CAPABILITY_SYNC","CAPABILITY_PROVISION"],"permissions":{}}],
     "connectorCapabilities":["CAPABILITY_PROVISION","CAPABILITY_SYNC","CAPABILITY_ACCOUNT_PROVISIONING","CAPABILITY_RESOURCE_DELETE","CAPABILITY_ACTIONS"],
     "credentialDetails":{"capabilityAccountProvisioning":{"supportedCredentialOptions":["CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD"],"preferredCredentialOption":"CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD"}}}"#;

    fn ours(teams: bool) -> Value {
        let mut config = ConnectorConfig::new("org-1", "key");
        if teams {
            config.teams = Some(TeamsConfig {
                email: "a@example.com".into(),
                api_token: "t".into(),
                site_id: "s".into(),
            });
        }
        capabilities_json(&AtlassianConnector::new(config).unwrap().capabilities()).unwrap()
    }

    #[test]
    fn without_teams_the_json_is_the_go_connectors() {
        let go: Value = serde_json::from_str(GO_CAPABILITIES).unwrap();
        assert_eq!(ours(false), go);
    }

    #[test]
    fn with_teams_the_team_type_is_added_in_id_order_and_the_go_types_are_unchanged() {
        let go: Value = serde_json::from_str(GO_CAPABILITIES).unwrap();
        let ours = ours(true);
        let types = ours["resourceTypeCapabilities"].as_array().unwrap();
        let ids: Vec<&str> = types
            .iter()
            .map(|t| t["resourceType"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "api_token",
                "group",
                "organization",
                "team",
                "user",
                "workspace"
            ]
        );
        let team = &types[3];
        assert_eq!(
            team["resourceType"],
            json!({"id": "team", "displayName": "Team", "traits": ["TRAIT_GROUP"]})
        );
        let without_team: Vec<&Value> = types
            .iter()
            .filter(|t| t["resourceType"]["id"] != "team")
            .collect();
        let go_types: Vec<&Value> = go["resourceTypeCapabilities"]
            .as_array()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(without_team, go_types);
        assert_eq!(ours["connectorCapabilities"], go["connectorCapabilities"]);
        assert_eq!(ours["credentialDetails"], go["credentialDetails"]);
    }

    #[test]
    fn defaults_are_left_out_and_unknown_enum_values_stay_numbers() {
        let capabilities = ConnectorCapabilities {
            resource_type_capabilities: vec![ResourceTypeCapability {
                resource_type: Some(ResourceType {
                    id: "x".into(),
                    traits: vec![99],
                    ..ResourceType::default()
                }),
                opt_in_required: true,
                ..ResourceTypeCapability::default()
            }],
            ..ConnectorCapabilities::default()
        };
        assert_eq!(
            capabilities_json(&capabilities).unwrap(),
            json!({"@type": TYPE_URL, "resourceTypeCapabilities": [{"resourceType": {"id": "x", "traits": [99]}, "optInRequired": true}]})
        );
    }

    #[test]
    fn annotations_are_refused_rather_than_dropped() {
        let capabilities = ConnectorCapabilities {
            resource_type_capabilities: vec![ResourceTypeCapability {
                resource_type: Some(ResourceType {
                    id: "x".into(),
                    annotations: vec![c1_proto::prost_types::Any::default()],
                    ..ResourceType::default()
                }),
                ..ResourceTypeCapability::default()
            }],
            ..ConnectorCapabilities::default()
        };
        assert!(capabilities_json(&capabilities).is_err());
    }
}
