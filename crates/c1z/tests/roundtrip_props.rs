//! Properties of the writer over arbitrary syncs: any ids and names (unicode, control
//! characters, `:` and `/` inside resource ids), arbitrary annotation bytes, parents,
//! repeated ids, expansion edges.
//!
//! - A sync whose references hold reads back object for object and byte for byte, with
//!   matching counts and per-type, per-resource, per-entitlement and per-principal listings.
//! - Objects put twice keep their last version: resource types, resources and entitlements
//!   at their first position, grants at their last.
//! - Remove any one object from such a sync and `finish` fails exactly when something
//!   referred to it, leaving no file at all behind.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use c1_proto::any;
use c1_proto::c1::connector::v2::{
    Entitlement, ExternalResourceMatchId, Grant, GrantExpandable, GrantImmutable, Resource,
    ResourceId, ResourceType, Status, UserTrait,
};
use c1_proto::prost_types::{Any, Struct, Timestamp, Value, value::Kind};
use c1z::{C1zReader, C1zWriter, Error, GrantFilter, ReferenceChecks, SyncType, WriterOptions};
use common::files_in;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;
use prost::Message;

/// Any text, control characters and newlines included.
fn text(max: usize) -> impl Strategy<Value = String> {
    prop::string::string_regex(&format!("(?s).{{0,{max}}}")).unwrap()
}

/// A non-empty id of any characters, often from a small pool so that ids repeat.
fn object_id() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::string::string_regex("[a:/]{1,2}").unwrap(),
        prop::string::string_regex("(?s).{1,10}").unwrap(),
    ]
}

/// Annotations: packed connector messages and `Any`s of arbitrary type URL and bytes.
fn annotations() -> impl Strategy<Value = Vec<Any>> {
    let annotation = prop_oneof![
        (text(8), prop::collection::vec(any::<u8>(), 0..24))
            .prop_map(|(type_url, value)| Any { type_url, value }),
        text(8).prop_map(|login| any::pack(&UserTrait {
            login,
            ..Default::default()
        })),
        Just(any::pack(&GrantImmutable::default())),
    ];
    prop::collection::vec(annotation, 0..3)
}

/// A `google.protobuf.Struct` of strings, booleans and finite numbers (NaN is not equal
/// to itself, so it could not compare equal after a round trip).
fn profile() -> impl Strategy<Value = Option<Struct>> {
    let value = prop_oneof![
        text(6).prop_map(Kind::StringValue),
        any::<bool>().prop_map(Kind::BoolValue),
        (-1e9f64..1e9).prop_map(Kind::NumberValue),
    ];
    prop::option::of(
        prop::collection::btree_map(text(4), value, 0..3).prop_map(|fields| Struct {
            fields: fields
                .into_iter()
                .map(|(k, kind)| (k, Value { kind: Some(kind) }))
                .collect(),
        }),
    )
}

/// What the generated objects refer to, as indexes into the other lists.
#[derive(Debug, Clone)]
struct ResourceDraft {
    resource_type: Index,
    resource: String,
    parent: Option<Index>,
    display_name: String,
    description: String,
    annotations: Vec<Any>,
    profile: Option<Struct>,
    status: Option<(i32, String)>,
    created_at: Option<(i64, i32)>,
}

fn resource_draft() -> impl Strategy<Value = ResourceDraft> {
    (
        (any::<Index>(), object_id(), any::<Option<Index>>()),
        (text(12), text(12), annotations(), profile()),
        (
            prop::option::of((0..4i32, text(6))),
            prop::option::of((
                -1_000_000_000_000i64..1_000_000_000_000,
                0..1_000_000_000i32,
            )),
        ),
    )
        .prop_map(
            |(
                (resource_type, resource, parent),
                (display_name, description, annotations, profile),
                (status, created_at),
            )| ResourceDraft {
                resource_type,
                resource,
                parent,
                display_name,
                description,
                annotations,
                profile,
                status,
                created_at,
            },
        )
}

#[derive(Debug, Clone)]
struct GrantDraft {
    entitlement: Index,
    principal: Index,
    /// An expansion edge from another entitlement, shallow or not.
    expandable: Option<(Index, bool, Vec<String>)>,
    annotations: Vec<Any>,
    id: Option<String>,
}

fn grant_draft() -> impl Strategy<Value = GrantDraft> {
    (
        any::<Index>(),
        any::<Index>(),
        prop::option::of((
            any::<Index>(),
            any::<bool>(),
            prop::collection::vec(text(5), 0..2),
        )),
        annotations(),
        prop::option::of(object_id()),
    )
        .prop_map(
            |(entitlement, principal, expandable, annotations, id)| GrantDraft {
                entitlement,
                principal,
                expandable,
                annotations,
                id,
            },
        )
}

/// One sync, in the order it is put. Ids may repeat.
#[derive(Debug, Clone)]
struct Sync {
    resource_types: Vec<ResourceType>,
    resources: Vec<Resource>,
    entitlements: Vec<Entitlement>,
    grants: Vec<Grant>,
}

fn sync_strategy() -> impl Strategy<Value = Sync> {
    let resource_types = prop::collection::vec(
        (
            // Type ids never hold ':', which separates type and id in the resources' keys.
            prop_oneof![
                prop::string::string_regex("[tu]").unwrap(),
                prop::string::string_regex("(?s)[^:]{1,6}").unwrap(),
            ],
            text(8),
            prop::collection::vec(0..13i32, 0..3),
            annotations(),
            any::<bool>(),
            text(8),
        ),
        1..4,
    );
    let resources = prop::collection::vec(resource_draft(), 1..16);
    let entitlements = prop::collection::vec(
        (any::<Index>(), object_id(), text(8), 0..4i32, annotations()),
        1..8,
    );
    let grants = prop::collection::vec(grant_draft(), 0..24);
    (resource_types, resources, entitlements, grants).prop_map(build_sync)
}

type TypeDraft = (String, String, Vec<i32>, Vec<Any>, bool, String);
type EntitlementDraft = (Index, String, String, i32, Vec<Any>);

fn build_sync(
    (types, resources, entitlements, grants): (
        Vec<TypeDraft>,
        Vec<ResourceDraft>,
        Vec<EntitlementDraft>,
        Vec<GrantDraft>,
    ),
) -> Sync {
    let resource_types: Vec<ResourceType> = types
        .into_iter()
        .map(
            |(id, display_name, traits, annotations, sourced_externally, description)| {
                ResourceType {
                    id,
                    display_name,
                    traits,
                    annotations,
                    description,
                    sourced_externally,
                }
            },
        )
        .collect();
    let ids: Vec<ResourceId> = resources
        .iter()
        .map(|d| ResourceId {
            resource_type: d.resource_type.get(&resource_types).id.clone(),
            resource: d.resource.clone(),
            baton_resource: false,
        })
        .collect();
    let resources: Vec<Resource> = resources
        .into_iter()
        .zip(&ids)
        .map(|(d, id)| Resource {
            id: Some(id.clone()),
            parent_resource_id: d.parent.map(|p| p.get(&ids).clone()),
            display_name: d.display_name,
            description: d.description,
            annotations: d.annotations,
            profile: d.profile,
            status: d.status.map(|(status, details)| Status { status, details }),
            created_at: d
                .created_at
                .map(|(seconds, nanos)| Timestamp { seconds, nanos }),
            ..Default::default()
        })
        .collect();
    let entitlements: Vec<Entitlement> = entitlements
        .into_iter()
        .map(|(on, id, display_name, purpose, annotations)| Entitlement {
            resource: Some(on.get(&resources).clone()),
            id,
            display_name,
            purpose,
            annotations,
            ..Default::default()
        })
        .collect();
    let grants = grants
        .into_iter()
        .map(|d| {
            let entitlement = d.entitlement.get(&entitlements);
            let principal = d.principal.get(&resources);
            let principal_id = principal.id.clone().unwrap();
            let mut annotations = d.annotations;
            if let Some((source, shallow, resource_type_ids)) = d.expandable {
                // Last: the reader appends the expansion column's edge after the others.
                annotations.push(any::pack(&GrantExpandable {
                    entitlement_ids: vec![source.get(&entitlements).id.clone()],
                    shallow,
                    resource_type_ids,
                }));
            }
            Grant {
                id: d.id.unwrap_or_else(|| {
                    format!(
                        "{}:{}:{}",
                        entitlement.id, principal_id.resource_type, principal_id.resource
                    )
                }),
                entitlement: Some(Entitlement {
                    id: entitlement.id.clone(),
                    resource: entitlement.resource.clone(),
                    ..Default::default()
                }),
                principal: Some(Resource {
                    id: Some(principal_id),
                    ..Default::default()
                }),
                annotations,
                sources: None,
            }
        })
        .collect();
    Sync {
        resource_types,
        resources,
        entitlements,
        grants,
    }
}

/// Puts every object and finishes the file.
fn write(sync: &Sync, path: &Path, options: WriterOptions) -> c1z::Result<c1z::Summary> {
    let mut writer = C1zWriter::create(path, options)?;
    for rt in &sync.resource_types {
        writer.put_resource_type(rt)?;
    }
    for r in &sync.resources {
        writer.put_resource(r)?;
    }
    for e in &sync.entitlements {
        writer.put_entitlement(e)?;
    }
    for g in &sync.grants {
        writer.put_grant(g)?;
    }
    writer.finish()
}

/// An upsert's result: one object per key, at its first position, in its last version.
fn last_version_at_first_position<T: Clone, K: std::hash::Hash + Eq>(
    items: &[T],
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let mut position = HashMap::new();
    let mut out: Vec<T> = Vec::new();
    for item in items {
        match position.get(&key(item)) {
            Some(&i) => out[i] = item.clone(),
            None => {
                position.insert(key(item), out.len());
                out.push(item.clone());
            }
        }
    }
    out
}

/// Repeated grant ids: the last row put wins, where it was put.
fn last_of_each_id(grants: &[Grant]) -> Vec<Grant> {
    let last: HashMap<&str, usize> = grants
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    grants
        .iter()
        .enumerate()
        .filter(|(i, g)| last[g.id.as_str()] == *i)
        .map(|(_, g)| g.clone())
        .collect()
}

/// An edge that names no non-blank entitlement is not an edge: the writer drops it.
fn without_blank_edges(mut grant: Grant) -> Grant {
    grant.annotations.retain(|a| {
        any::unpack::<GrantExpandable>(a)
            .unwrap()
            .is_none_or(|e| e.entitlement_ids.iter().any(|id| !id.trim().is_empty()))
    });
    grant
}

fn resource_key(r: &Resource) -> ResourceId {
    r.id.clone().unwrap()
}

fn entitlement_resource(e: &Entitlement) -> ResourceId {
    e.resource.as_ref().and_then(|r| r.id.clone()).unwrap()
}

fn principal_of(g: &Grant) -> ResourceId {
    g.principal.as_ref().and_then(|p| p.id.clone()).unwrap()
}

/// The sync as the file must hold it.
fn stored(sync: &Sync) -> Sync {
    Sync {
        resource_types: last_version_at_first_position(&sync.resource_types, |t| t.id.clone()),
        resources: last_version_at_first_position(&sync.resources, resource_key),
        entitlements: last_version_at_first_position(&sync.entitlements, |e| e.id.clone()),
        grants: last_of_each_id(&sync.grants)
            .into_iter()
            .map(without_blank_edges)
            .collect(),
    }
}

/// Removes the object `which` points at (a resource type, resource or entitlement) and
/// says whether anything still refers to it (spec §5.5).
fn remove_one(sync: &mut Sync, which: Index, principals_elsewhere: bool) -> bool {
    let (types, resources) = (sync.resource_types.len(), sync.resources.len());
    let i = which.index(types + resources + sync.entitlements.len());
    if i < types {
        let gone = sync.resource_types.remove(i).id;
        sync.resources
            .iter()
            .any(|r| resource_key(r).resource_type == gone)
    } else if i < types + resources {
        let gone = resource_key(&sync.resources.remove(i - types));
        sync.resources
            .iter()
            .any(|r| r.parent_resource_id.as_ref() == Some(&gone))
            || sync
                .entitlements
                .iter()
                .any(|e| entitlement_resource(e) == gone)
            || (!principals_elsewhere && sync.grants.iter().any(|g| principal_of(g) == gone))
    } else {
        let gone = sync.entitlements.remove(i - types - resources).id;
        sync.grants
            .iter()
            .any(|g| g.entitlement.as_ref().unwrap().id == gone)
    }
}

fn collect<T>(rows: c1z::Rows<'_, T>) -> Vec<T> {
    rows.collect::<Result<_, _>>().unwrap()
}

fn grants_matching(reader: &C1zReader, filter: &GrantFilter) -> Vec<Grant> {
    collect(reader.grants(filter))
        .into_iter()
        .map(|r| r.into_grant_with_expansion())
        .collect()
}

/// Each stored `data` blob is the object's own encoding, byte for byte.
fn stored_blobs(reader: &C1zReader, table: &str) -> Vec<Vec<u8>> {
    let sql = format!("select data from {table} order by id");
    let mut stmt = reader.connection().prepare(&sql).unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn encoded<M: Message>(items: &[M]) -> Vec<Vec<u8>> {
    items.iter().map(Message::encode_to_vec).collect()
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn a_consistent_sync_reads_back_object_for_object(
        sync in sync_strategy(),
        rows_per_transaction in 1usize..20,
        zstd_level in 1i32..4,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.c1z");
        let options = WriterOptions { rows_per_transaction, zstd_level, ..Default::default() };
        let summary = write(&sync, &path, options).unwrap();
        prop_assert_eq!(files_in(dir.path()), ["sync.c1z"]);

        let want = stored(&sync);
        let reader = C1zReader::open(&path).unwrap();
        let counts = reader.counts().unwrap();
        prop_assert_eq!(counts, summary.counts);
        prop_assert_eq!(
            (counts.resource_types, counts.resources, counts.entitlements, counts.grants),
            (
                want.resource_types.len() as u64,
                want.resources.len() as u64,
                want.entitlements.len() as u64,
                want.grants.len() as u64,
            )
        );
        let runs = reader.sync_runs().unwrap();
        prop_assert_eq!(runs.len(), 1);
        prop_assert_eq!(&runs[0].sync_id, &summary.sync_id);
        prop_assert!(runs[0].ended_at.is_some());

        prop_assert_eq!(collect(reader.resource_types()), want.resource_types.clone());
        prop_assert_eq!(collect(reader.resources(None)), want.resources.clone());
        prop_assert_eq!(collect(reader.entitlements(None)), want.entitlements.clone());
        prop_assert_eq!(grants_matching(&reader, &GrantFilter::default()), want.grants.clone());

        prop_assert_eq!(
            stored_blobs(&reader, "v1_resource_types"),
            encoded(&want.resource_types)
        );
        prop_assert_eq!(
            stored_blobs(&reader, "v1_resources"),
            encoded(&want.resources)
        );
        prop_assert_eq!(
            stored_blobs(&reader, "v1_entitlements"),
            encoded(&want.entitlements)
        );

        // Listings by type, by resource, by entitlement and by principal.
        for rt in &want.resource_types {
            let of_type: Vec<Resource> = want.resources.iter()
                .filter(|r| resource_key(r).resource_type == rt.id).cloned().collect();
            prop_assert_eq!(collect(reader.resources(Some(&rt.id))), of_type);
        }
        for r in want.resources.iter().take(4) {
            let on = resource_key(r);
            let of_resource: Vec<Entitlement> = want.entitlements.iter()
                .filter(|e| entitlement_resource(e) == on).cloned().collect();
            prop_assert_eq!(collect(reader.entitlements(Some(&on))), of_resource);
            let to_principal: Vec<Grant> = want.grants.iter()
                .filter(|g| principal_of(g) == on).cloned().collect();
            let filter = GrantFilter { principal: Some(on), ..Default::default() };
            prop_assert_eq!(grants_matching(&reader, &filter), to_principal);
        }
        for e in want.entitlements.iter().take(4) {
            let of_entitlement: Vec<Grant> = want.grants.iter()
                .filter(|g| g.entitlement.as_ref().unwrap().id == e.id).cloned().collect();
            let filter = GrantFilter { entitlement_id: Some(e.id.clone()), ..Default::default() };
            prop_assert_eq!(grants_matching(&reader, &filter), of_entitlement);
        }

        // Per-type counts add up to the totals.
        let per_type = reader.counts_by_resource_type().unwrap();
        prop_assert_eq!(per_type.iter().map(|c| c.resources).sum::<u64>(), counts.resources);
        prop_assert_eq!(per_type.iter().map(|c| c.grants).sum::<u64>(), counts.grants);
        drop(reader);
        prop_assert_eq!(files_in(dir.path()), ["sync.c1z"]);
    }

    #[test]
    fn finish_fails_exactly_when_a_removed_object_was_referred_to(
        sync in sync_strategy(),
        removed in any::<Index>(),
        principal_elsewhere in any::<bool>(),
    ) {
        let mut sync = stored(&sync);
        // Grants to a principal of another connector name it in an annotation.
        if principal_elsewhere {
            for g in &mut sync.grants {
                g.annotations.push(any::pack(&ExternalResourceMatchId { id: "elsewhere".into() }));
            }
        }
        let expect_dangling = remove_one(&mut sync, removed, principal_elsewhere);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.c1z");
        let result = write(&sync, &path, WriterOptions::default());
        match result {
            Ok(_) => {
                prop_assert!(!expect_dangling, "a dangling reference was accepted");
                prop_assert_eq!(files_in(dir.path()), ["sync.c1z"]);
            }
            Err(Error::Dangling(_)) => {
                prop_assert!(expect_dangling, "no reference dangled");
                prop_assert!(files_in(dir.path()).is_empty(), "{:?}", files_in(dir.path()));
            }
            Err(other) => prop_assert!(false, "unexpected error: {other}"),
        }
    }

    #[test]
    fn a_partial_sync_may_name_objects_outside_it(sync in sync_strategy(), keep in 0usize..4) {
        // A targeted sync holds a few resources; its grants name the rest of the organization.
        let mut sync = stored(&sync);
        let kept: HashSet<ResourceId> = sync.resources.iter().take(keep).map(resource_key).collect();
        sync.resources.retain(|r| kept.contains(&resource_key(r)));
        sync.entitlements.retain(|e| kept.contains(&entitlement_resource(e)));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.c1z");
        let options = WriterOptions {
            sync_type: SyncType::Partial,
            reference_checks: ReferenceChecks::WithinScope,
            ..Default::default()
        };
        write(&sync, &path, options).unwrap();
        let reader = C1zReader::open(&path).unwrap();
        prop_assert_eq!(collect(reader.resources(None)), sync.resources.clone());
        prop_assert_eq!(grants_matching(&reader, &GrantFilter::default()), sync.grants.clone());
        let by_type: BTreeMap<String, u64> = reader.counts_by_resource_type().unwrap()
            .into_iter().map(|c| (c.resource_type, c.resources)).collect();
        prop_assert_eq!(by_type.values().sum::<u64>(), sync.resources.len() as u64);
        prop_assert_eq!(&reader.sync_runs().unwrap()[0].sync_type, "partial");
    }
}
