//! Atlassian objects turned into ConductorOne messages, one module per resource type,
//! built the way the Go connector's SDK helpers build them (`NewUserResource`,
//! `NewAssignmentEntitlement`, `grant.NewGrant`, ...).

pub(crate) mod api_tokens;
pub(crate) mod assignments;
pub(crate) mod groups;
pub(crate) mod organization;
pub(crate) mod teams;
pub(crate) mod users;
pub(crate) mod workspaces;

use c1_proto::c1::connector::v2::entitlement::PurposeValue;
use c1_proto::c1::connector::v2::{Entitlement, Grant, Resource, ResourceId};
use c1_proto::prost_types::{Struct, Timestamp, Value, value::Kind};

use crate::ids;
use crate::resource_types::ResourceKind;

/// The id of a resource of `kind`.
pub(crate) fn resource_id(kind: ResourceKind, id: &str) -> ResourceId {
    ResourceId {
        resource_type: kind.id().to_owned(),
        resource: id.to_owned(),
        baton_resource: false,
    }
}

/// A resource with an id and a display name and nothing else.
pub(crate) fn resource(kind: ResourceKind, id: &str, display_name: impl Into<String>) -> Resource {
    Resource {
        id: Some(resource_id(kind, id)),
        display_name: display_name.into(),
        ..Resource::default()
    }
}

/// A resource reduced to its id, as the Go connector passes principals and entitled
/// resources it did not load (`&v2.Resource{Id: ...}`).
pub(crate) fn bare(kind: ResourceKind, id: &str) -> Resource {
    Resource {
        id: Some(resource_id(kind, id)),
        ..Resource::default()
    }
}

fn id_of(resource: &Resource) -> &ResourceId {
    resource
        .id
        .as_ref()
        .expect("resources built by this crate carry an id")
}

/// What an entitlement is for, with the texts ConductorOne shows.
pub(crate) struct EntitlementSpec<'a> {
    pub slug: &'a str,
    pub purpose: PurposeValue,
    pub display_name: String,
    pub description: String,
    pub grantable_to: &'a [ResourceKind],
}

/// An entitlement on `resource` (the full resource is embedded, as the SDK does).
pub(crate) fn entitlement(resource: &Resource, spec: EntitlementSpec<'_>) -> Entitlement {
    let id = id_of(resource);
    Entitlement {
        resource: Some(resource.clone()),
        id: ids::entitlement_id(&id.resource_type, &id.resource, spec.slug),
        display_name: spec.display_name,
        description: spec.description,
        grantable_to: spec
            .grantable_to
            .iter()
            .map(|k| k.resource_type())
            .collect(),
        annotations: Vec::new(),
        purpose: spec.purpose as i32,
        slug: spec.slug.to_owned(),
    }
}

/// A grant of the entitlement `slug` on `entitled` to `principal`; the embedded
/// entitlement carries only its id and resource (SDK `grant.NewGrant`).
pub(crate) fn grant(entitled: Resource, slug: &str, principal: Resource) -> Grant {
    let (on, to) = (id_of(&entitled), id_of(&principal));
    let entitlement_id = ids::entitlement_id(&on.resource_type, &on.resource, slug);
    let id = ids::grant_id(&entitlement_id, &to.resource_type, &to.resource);
    Grant {
        entitlement: Some(Entitlement {
            resource: Some(entitled),
            id: entitlement_id,
            ..Entitlement::default()
        }),
        principal: Some(principal),
        id,
        annotations: Vec::new(),
        sources: None,
    }
}

/// A string profile value (kept even when empty, as `structpb.NewStruct` does).
pub(crate) fn text(value: Option<&str>) -> Value {
    Value {
        kind: Some(Kind::StringValue(value.unwrap_or_default().to_owned())),
    }
}

/// A boolean profile value.
pub(crate) fn flag(value: bool) -> Value {
    Value {
        kind: Some(Kind::BoolValue(value)),
    }
}

/// A profile from its fields.
pub(crate) fn profile<const N: usize>(fields: [(&str, Value); N]) -> Struct {
    Struct {
        fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

/// An RFC 3339 time; `None` when it does not parse (dropped silently, as in Go).
pub(crate) fn timestamp(rfc3339: Option<&str>) -> Option<Timestamp> {
    let time = chrono::DateTime::parse_from_rfc3339(rfc3339?).ok()?;
    let nanos = i32::try_from(time.timestamp_subsec_nanos()).ok()?;
    Some(Timestamp {
        seconds: time.timestamp(),
        nanos,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_embed_only_the_entitlement_id_and_resource() {
        let group = resource(ResourceKind::Group, "g-1", "Staff");
        let g = grant(
            group.clone(),
            ids::MEMBER,
            bare(ResourceKind::User, "557058:u"),
        );
        assert_eq!(g.id, "group:g-1:member:user:557058:u");
        let entitlement = g.entitlement.unwrap();
        assert_eq!(entitlement.id, "group:g-1:member");
        assert_eq!(entitlement.resource, Some(group));
        assert!(
            entitlement.display_name.is_empty()
                && entitlement.slug.is_empty()
                && entitlement.grantable_to.is_empty()
        );
        assert_eq!(g.principal.unwrap().display_name, "");
    }

    /// Every id the connector issues, next to the Go connector's literal format.
    #[test]
    fn id_formats_match_the_go_connector_for_every_resource_entitlement_and_grant() {
        use super::{groups, organization, teams, workspaces};
        let group = groups::group_resource(
            &serde_json::from_value(serde_json::json!({"id": "g-1"})).unwrap(),
        );
        let team = teams::team_resource(
            &serde_json::from_value(serde_json::json!({"teamId": "t-1"})).unwrap(),
        );
        let ws: atlassian::Workspace =
            serde_json::from_value(serde_json::json!({"id": "ari:cloud:jira::site/abc", "attributes": {"typeKey": "jira"}})).unwrap();
        let workspace = workspaces::workspace_resource(&ws);
        let org = organization::organization_resource(&atlassian::Organization {
            id: "o-1".into(),
            name: None,
        });
        let user = resource(ResourceKind::User, "557058:x", "x@example.com");
        let role = |on: &Resource, role: &str, principal: &Resource| {
            grant(on.clone(), &ids::role_slug(role), principal.clone()).id
        };
        let rid = |r: &Resource| {
            format!(
                "{}/{}",
                r.id.as_ref().unwrap().resource_type,
                r.id.as_ref().unwrap().resource
            )
        };
        let table: Vec<(String, &str)> = vec![
            (rid(&user), "user/557058:x"),
            (rid(&group), "group/g-1"),
            (rid(&team), "team/t-1"),
            (rid(&workspace), "workspace/ari:cloud:jira::site/abc"),
            (rid(&org), "organization/o-1"),
            (groups::member_entitlement(&group).id, "group:g-1:member"),
            (teams::member_entitlement(&team).id, "team:t-1:member"),
            (
                workspaces::role_entitlements(&workspace, "jira")[1]
                    .id
                    .clone(),
                "workspace:ari:cloud:jira::site/abc:role:atlassian/admin",
            ),
            (
                organization::role_entitlements(&org)[0].id.clone(),
                "organization:o-1:role:atlassian/org-admin",
            ),
            (
                groups::member_grant(&group, "557058:x").id,
                "group:g-1:member:user:557058:x",
            ),
            (
                teams::member_grant(&team, "557058:x").id,
                "team:t-1:member:user:557058:x",
            ),
            (
                role(&workspace, "atlassian/admin", &user),
                "workspace:ari:cloud:jira::site/abc:role:atlassian/admin:user:557058:x",
            ),
            (
                role(&workspace, "atlassian/user", &group),
                "workspace:ari:cloud:jira::site/abc:role:atlassian/user:group:g-1",
            ),
            (
                role(&org, "atlassian/org-admin", &user),
                "organization:o-1:role:atlassian/org-admin:user:557058:x",
            ),
        ];
        for (actual, expected) in table {
            assert_eq!(actual, expected);
        }
    }

    #[test]
    fn timestamps_parse_rfc3339_and_drop_anything_else() {
        assert_eq!(
            timestamp(Some("2024-01-02T03:04:05.5Z")),
            Some(Timestamp {
                seconds: 1_704_164_645,
                nanos: 500_000_000
            })
        );
        assert_eq!(timestamp(Some("2024-01-02")), None);
        assert_eq!(timestamp(None), None);
    }
}
