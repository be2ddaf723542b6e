//! The resource types the connector syncs. Ids, display names and traits are those of
//! ConductorOne's Go connector (`user`, `workspace`, `group`, `organization`, `api_token`),
//! plus `team`, which the Go connector no longer has.

use c1_proto::c1::connector::v2::ResourceType;
use c1_proto::c1::connector::v2::resource_type::Trait;

/// One kind of Atlassian object the connector syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    /// An Atlassian account (`user`, TRAIT_USER).
    User,
    /// A product instance on a site (`workspace`).
    Workspace,
    /// A directory group (`group`, TRAIT_GROUP).
    Group,
    /// The organization itself (`organization`).
    Organization,
    /// A user API token (`api_token`, TRAIT_SECRET).
    ApiToken,
    /// A team of the Teams API (`team`, TRAIT_GROUP); synced only with Teams credentials.
    Team,
}

impl ResourceKind {
    /// Every kind, in the Go connector's syncer order, `team` last.
    pub const ALL: [ResourceKind; 6] = [
        ResourceKind::User,
        ResourceKind::Workspace,
        ResourceKind::Group,
        ResourceKind::Organization,
        ResourceKind::ApiToken,
        ResourceKind::Team,
    ];

    /// The resource type id.
    pub fn id(self) -> &'static str {
        match self {
            ResourceKind::User => "user",
            ResourceKind::Workspace => "workspace",
            ResourceKind::Group => "group",
            ResourceKind::Organization => "organization",
            ResourceKind::ApiToken => "api_token",
            ResourceKind::Team => "team",
        }
    }

    /// The kind with this resource type id.
    pub fn from_id(id: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.into_iter().find(|kind| kind.id() == id)
    }

    /// The display name of the resource type.
    pub fn display_name(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Workspace => "Workspace",
            ResourceKind::Group => "Group",
            ResourceKind::Organization => "Organization",
            ResourceKind::ApiToken => "API Token",
            ResourceKind::Team => "Team",
        }
    }

    fn traits(self) -> &'static [Trait] {
        match self {
            ResourceKind::User => &[Trait::User],
            ResourceKind::Group | ResourceKind::Team => &[Trait::Group],
            ResourceKind::ApiToken => &[Trait::Secret],
            ResourceKind::Workspace | ResourceKind::Organization => &[],
        }
    }

    /// The `ResourceType` message (no description, no annotations, as the Go connector).
    pub fn resource_type(self) -> ResourceType {
        ResourceType {
            id: self.id().to_owned(),
            display_name: self.display_name().to_owned(),
            traits: self.traits().iter().map(|t| *t as i32).collect(),
            ..ResourceType::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_types_match_the_go_connector_and_add_team() {
        let table: Vec<(String, String, Vec<i32>)> = ResourceKind::ALL
            .iter()
            .map(|k| {
                let rt = k.resource_type();
                (rt.id, rt.display_name, rt.traits)
            })
            .collect();
        let expected = [
            ("user", "User", vec![Trait::User as i32]),
            ("workspace", "Workspace", vec![]),
            ("group", "Group", vec![Trait::Group as i32]),
            ("organization", "Organization", vec![]),
            ("api_token", "API Token", vec![Trait::Secret as i32]),
            ("team", "Team", vec![Trait::Group as i32]),
        ];
        let expected: Vec<(String, String, Vec<i32>)> = expected
            .into_iter()
            .map(|(i, d, t)| (i.into(), d.into(), t))
            .collect();
        assert_eq!(table, expected);
    }

    #[test]
    fn kinds_are_found_by_their_id_only() {
        for kind in ResourceKind::ALL {
            assert_eq!(ResourceKind::from_id(kind.id()), Some(kind));
        }
        assert_eq!(ResourceKind::from_id("User"), None);
        assert_eq!(ResourceKind::from_id("role"), None);
    }
}
