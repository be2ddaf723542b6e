//! What one sync covers, from its options: which resource types, whether entitlements
//! and grants, and for a targeted sync which resources (spec §6.3, §6.5).
//!
//! A resource type filter and targets select the resource types whose resources are
//! listed (or fetched); each type brings the entitlements and grants the Go connector's
//! builder of that type emits: users bring their role grants, groups their membership
//! and role grants, teams their membership grants; workspaces, the organization and API
//! tokens bring none.

use std::collections::BTreeMap;

use super::SyncOptions;
use crate::resource_types::ResourceKind;

/// The scope of one sync.
#[derive(Debug, PartialEq)]
pub(crate) struct Plan {
    kinds: Vec<ResourceKind>,
    /// Entitlements are synced.
    pub entitlements: bool,
    /// Grants are synced.
    pub grants: bool,
    /// Ids to fetch per resource type in a targeted sync; `None` in a full sync.
    targets: Option<BTreeMap<ResourceKind, Vec<String>>>,
}

impl Plan {
    /// The plan of `options` for a connector that can sync `available`.
    pub fn new(options: &SyncOptions, available: &[ResourceKind]) -> Plan {
        let mut kinds: Vec<ResourceKind> = available.to_vec();
        if !options.resource_type_ids.is_empty() {
            for id in &options.resource_type_ids {
                if !available.iter().any(|k| k.id() == id) {
                    tracing::warn!(resource_type = %id, "resource type filter names a type this connector does not sync");
                }
            }
            kinds.retain(|k| options.resource_type_ids.iter().any(|id| id == k.id()));
        }
        let targets = (!options.targeted_resources.is_empty()).then(|| {
            let mut targets: BTreeMap<ResourceKind, Vec<String>> = BTreeMap::new();
            for target in &options.targeted_resources {
                match ResourceKind::from_id(&target.resource_type).filter(|k| kinds.contains(k)) {
                    Some(kind) => targets
                        .entry(kind)
                        .or_default()
                        .push(target.resource.clone()),
                    None => tracing::warn!(
                        resource_type = %target.resource_type,
                        resource = %target.resource,
                        "targeted resource skipped: its type is not synced"
                    ),
                }
            }
            kinds.retain(|k| targets.contains_key(k));
            targets
        });
        let entitlements = !options.skip_entitlements_and_grants;
        Plan {
            kinds,
            entitlements,
            grants: entitlements && !options.skip_grants,
            targets,
        }
    }

    /// The resource types of the sync, in syncer order.
    pub fn kinds(&self) -> &[ResourceKind] {
        &self.kinds
    }

    /// Whether resources of `kind` are synced.
    pub fn includes(&self, kind: ResourceKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The ids to fetch in a targeted sync; `None` means list them all.
    pub fn targets(&self, kind: ResourceKind) -> Option<&[String]> {
        self.targets
            .as_ref()
            .map(|t| t.get(&kind).map_or(&[][..], Vec::as_slice))
    }

    /// Whether `id` is a resource of `kind` this sync covers.
    pub fn wants(&self, kind: ResourceKind, id: &str) -> bool {
        self.includes(kind)
            && self
                .targets(kind)
                .is_none_or(|ids| ids.iter().any(|t| t == id))
    }

    /// Whether role grants will be emitted, which needs the list of workspaces (a role
    /// grant is kept only when its workspace offers that role).
    pub fn needs_workspace_index(&self) -> bool {
        self.grants && (self.includes(ResourceKind::User) || self.includes(ResourceKind::Group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResourceKind::*;
    use c1_proto::c1::connector::v2::ResourceId;

    fn target(resource_type: &str, resource: &str) -> ResourceId {
        ResourceId {
            resource_type: resource_type.into(),
            resource: resource.into(),
            baton_resource: false,
        }
    }

    #[test]
    fn a_default_sync_covers_every_available_type_with_entitlements_and_grants() {
        let plan = Plan::new(&SyncOptions::default(), &ResourceKind::ALL[..5]);
        assert_eq!(plan.kinds(), &ResourceKind::ALL[..5]);
        assert!(plan.entitlements && plan.grants && plan.needs_workspace_index());
        assert_eq!(plan.targets(User), None);
        assert!(plan.wants(Group, "any") && !plan.wants(Team, "any"));
    }

    #[test]
    fn skip_flags_turn_off_grants_or_entitlements_and_grants() {
        let skip_grants = Plan::new(
            &SyncOptions {
                skip_grants: true,
                ..SyncOptions::default()
            },
            &ResourceKind::ALL,
        );
        assert!(
            skip_grants.entitlements && !skip_grants.grants && !skip_grants.needs_workspace_index()
        );
        let options = SyncOptions {
            skip_entitlements_and_grants: true,
            ..SyncOptions::default()
        };
        let resources_only = Plan::new(&options, &ResourceKind::ALL);
        assert!(!resources_only.entitlements && !resources_only.grants);
    }

    #[test]
    fn a_type_filter_keeps_only_known_available_types() {
        let options = SyncOptions {
            resource_type_ids: vec!["group".into(), "team".into(), "role".into()],
            ..SyncOptions::default()
        };
        let plan = Plan::new(&options, &ResourceKind::ALL[..5]);
        assert_eq!(plan.kinds(), [Group]);
        assert!(plan.needs_workspace_index());
    }

    #[test]
    fn targets_select_their_types_and_ids_only() {
        let options = SyncOptions {
            targeted_resources: vec![
                target("group", "g-1"),
                target("group", "g-2"),
                target("user", "u-1"),
                target("team", "t"),
            ],
            ..SyncOptions::default()
        };
        let plan = Plan::new(&options, &ResourceKind::ALL[..5]);
        assert_eq!(plan.kinds(), [User, Group]);
        assert_eq!(
            plan.targets(Group),
            Some(&["g-1".to_owned(), "g-2".to_owned()][..])
        );
        assert_eq!(plan.targets(Workspace), Some(&[][..]));
        assert!(
            plan.wants(Group, "g-2") && !plan.wants(Group, "g-3") && !plan.wants(Workspace, "w")
        );
    }
}
