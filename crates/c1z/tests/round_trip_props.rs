//! Property: any sync whose references hold reads back exactly as written.

mod common;

use std::collections::HashSet;

use c1_proto::any;
use c1_proto::c1::connector::v2::{
    Entitlement, Grant, GrantExpandable, GrantImmutable, Resource, ResourceType,
};
use c1z::{C1zReader, C1zWriter, GrantFilter, WriterOptions};
use common::{entitlement, grant, id};
use proptest::prelude::*;
use proptest::sample::Index;

#[derive(Debug, Clone)]
struct Sync {
    resource_types: Vec<ResourceType>,
    resources: Vec<Resource>,
    entitlements: Vec<Entitlement>,
    grants: Vec<Grant>,
}

/// Keeps the first of each key.
fn unique_by<T, K: std::hash::Hash + Eq>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|t| seen.insert(key(t))).collect()
}

fn sync_strategy() -> impl Strategy<Value = Sync> {
    let types = prop::collection::btree_set("[a-z_]{1,8}", 1..4);
    let resources = prop::collection::vec(
        (
            any::<Index>(),
            "[a-zA-Z0-9:/._-]{1,16}",
            "\\PC{0,12}",
            any::<Option<Index>>(),
        ),
        1..25,
    );
    let entitlements = prop::collection::vec((any::<Index>(), "[a-z:/]{1,10}", 0..4i32), 1..10);
    let grants = prop::collection::vec(
        (
            any::<Index>(),
            any::<Index>(),
            any::<bool>(),
            prop::option::of((any::<Index>(), any::<bool>())),
        ),
        0..40,
    );
    (types, resources, entitlements, grants).prop_map(|(types, resources, entitlements, grants)| {
        let resource_types: Vec<ResourceType> = types
            .iter()
            .map(|t| common::resource_type(t, &[]))
            .collect();
        let resources = unique_by(
            resources
                .into_iter()
                .map(|(ty, rid, name, parent)| {
                    (ty.get(&resource_types).id.clone(), rid, name, parent)
                })
                .collect(),
            |(ty, rid, _, _)| format!("{ty}:{rid}"),
        );
        let keys: Vec<_> = resources
            .iter()
            .map(|(ty, rid, _, _)| id(ty, rid))
            .collect();
        let resources: Vec<Resource> = resources
            .iter()
            .map(|(ty, rid, name, parent)| Resource {
                display_name: name.clone(),
                parent_resource_id: parent.map(|p| p.get(&keys).clone()),
                ..common::resource(ty, rid)
            })
            .collect();
        let entitlements = unique_by(
            entitlements
                .into_iter()
                .map(|(on, slug, purpose)| Entitlement {
                    purpose,
                    ..entitlement(on.get(&resources), &slug)
                })
                .collect(),
            |e| e.id.clone(),
        );
        let grants = unique_by(
            grants
                .into_iter()
                .map(|(ent, principal, immutable, expandable)| {
                    let mut g = grant(ent.get(&entitlements), principal.get(&resources));
                    if immutable {
                        g.annotations.push(any::pack(&GrantImmutable::default()));
                    }
                    if let Some((source, shallow)) = expandable {
                        g.annotations.push(any::pack(&GrantExpandable {
                            entitlement_ids: vec![source.get(&entitlements).id.clone()],
                            shallow,
                            resource_type_ids: Vec::new(),
                        }));
                    }
                    g
                })
                .collect(),
            |g| g.id.clone(),
        );
        Sync {
            resource_types,
            resources,
            entitlements,
            grants,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_consistent_sync_reads_back_as_written(sync in sync_strategy()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.c1z");
        let options = WriterOptions { rows_per_transaction: 7, ..Default::default() };
        let mut writer = C1zWriter::create(&path, options).unwrap();
        for rt in &sync.resource_types {
            writer.put_resource_type(rt).unwrap();
        }
        for r in &sync.resources {
            writer.put_resource(r).unwrap();
        }
        for e in &sync.entitlements {
            writer.put_entitlement(e).unwrap();
        }
        for g in &sync.grants {
            writer.put_grant(g).unwrap();
        }
        let summary = writer.finish().unwrap();
        prop_assert_eq!(summary.counts.grants, sync.grants.len() as u64);

        let reader = C1zReader::open(&path).unwrap();
        let types: Vec<_> = reader.resource_types().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(types, sync.resource_types);
        let resources: Vec<_> = reader.resources(None).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(resources, sync.resources);
        let entitlements: Vec<_> = reader.entitlements(None).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(entitlements, sync.entitlements);
        let grants: Vec<Grant> = reader
            .grants(&GrantFilter::default())
            .map(|r| r.map(|r| r.into_grant_with_expansion()))
            .collect::<Result<_, _>>()
            .unwrap();
        prop_assert_eq!(grants, sync.grants);
    }
}
