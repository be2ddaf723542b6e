//! What the writer stores is what the reader lists.

mod common;

use c1_proto::any;
use c1_proto::c1::connector::v2::{Grant, GrantExpandable, GrantImmutable};
use c1z::{C1zReader, C1zWriter, Counts, GrantFilter, WriterOptions};
use common::{SmallSync, grant, id};
use prost::Message;

fn collect<T>(rows: c1z::Rows<'_, T>) -> Vec<T> {
    rows.collect::<Result<_, _>>().unwrap()
}

#[test]
fn written_sync_reads_back_object_for_object() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let sync = SmallSync::new();
    let summary = sync.write(&path);

    assert_eq!(summary.path, path);
    assert_eq!(
        summary.counts,
        Counts {
            resource_types: 3,
            resources: 4,
            entitlements: 2,
            grants: 3
        }
    );
    assert_eq!(summary.file_bytes, std::fs::metadata(&path).unwrap().len());

    let reader = C1zReader::open(&path).unwrap();
    assert_eq!(reader.counts().unwrap(), summary.counts);
    assert_eq!(collect(reader.resource_types()), sync.resource_types);
    assert_eq!(collect(reader.resources(None)), sync.resources);
    assert_eq!(collect(reader.entitlements(None)), sync.entitlements);
    let grants: Vec<Grant> = collect(reader.grants(&GrantFilter::default()))
        .into_iter()
        .map(|g| g.into_grant_with_expansion())
        .collect();
    assert_eq!(grants, sync.grants);
}

#[test]
fn expandable_grant_keeps_its_edge_in_the_expansion_column_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let sync = SmallSync::new();
    sync.write(&path);
    let reader = C1zReader::open(&path).unwrap();

    let records = collect(reader.grants(&GrantFilter::default()));
    let nested = records
        .iter()
        .find(|r| r.grant.id == sync.grants[2].id)
        .unwrap();
    assert!(nested.needs_expansion);
    let edge = nested.expansion.as_ref().unwrap();
    assert_eq!(edge.entitlement_ids, ["group:eng:member"]);
    assert!(edge.shallow);
    assert_eq!(edge.resource_type_ids, ["user"]);
    // The data blob keeps the other annotations but not GrantExpandable.
    assert_eq!(
        nested.grant.annotations,
        [any::pack(&GrantImmutable::default())]
    );

    let plain: Vec<_> = records
        .iter()
        .filter(|r| r.grant.id != nested.grant.id)
        .collect();
    assert_eq!(plain.len(), 2);
    assert!(
        plain
            .iter()
            .all(|r| !r.needs_expansion && r.expansion.is_none())
    );

    // The raw column holds the GrantExpandable message itself, not an Any.
    let raw: Vec<u8> = reader
        .connection()
        .query_row(
            "select expansion from v1_grants where expansion is not null",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(GrantExpandable::decode(raw.as_slice()).unwrap(), *edge);
}

#[test]
fn expandable_annotation_without_entitlement_ids_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let mut sync = SmallSync::new();
    sync.grants[2].annotations = vec![any::pack(&GrantExpandable {
        entitlement_ids: vec!["  ".into(), String::new()],
        ..Default::default()
    })];
    sync.write(&path);

    let reader = C1zReader::open(&path).unwrap();
    let filter = GrantFilter {
        entitlement_id: Some("project:ari:cloud:jira::site/p1:admin".into()),
        ..Default::default()
    };
    let records = collect(reader.grants(&filter));
    assert_eq!(records.len(), 1);
    assert!(records[0].grant.annotations.is_empty());
    assert!(records[0].expansion.is_none());
    assert!(!records[0].needs_expansion);
}

#[test]
fn repeated_ids_keep_the_last_version_put() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let sync = SmallSync::new();
    let mut writer = C1zWriter::create(&path, WriterOptions::default()).unwrap();
    sync.put_into(&mut writer);

    let mut renamed = sync.resources[0].clone();
    renamed.display_name = "Alice Renamed".into();
    writer.put_resource(&renamed).unwrap();
    let mut immutable = sync.grants[0].clone();
    immutable.annotations = vec![any::pack(&GrantImmutable::default())];
    writer.put_grant(&immutable).unwrap();
    let mut expandable = sync.grants[1].clone();
    expandable.annotations = vec![any::pack(&GrantExpandable {
        entitlement_ids: vec!["group:eng:member".into()],
        ..Default::default()
    })];
    writer.put_grant(&expandable).unwrap();
    let summary = writer.finish().unwrap();
    assert_eq!(summary.counts.resources, 4);
    assert_eq!(summary.counts.grants, 3);

    let reader = C1zReader::open(&path).unwrap();
    let alice = collect(reader.resources(Some("user")))
        .into_iter()
        .find(|r| r.id == Some(id("user", "alice")))
        .unwrap();
    assert_eq!(alice.display_name, "Alice Renamed");
    let grants = collect(reader.grants(&GrantFilter::default()));
    let by_id = |gid: &str| grants.iter().find(|r| r.grant.id == gid).unwrap();
    assert_eq!(by_id(&immutable.id).grant, immutable);
    assert!(by_id(&expandable.id).needs_expansion);
    // The unique index exists after the repeated grants were resolved.
    let unique: bool = reader
        .connection()
        .query_row(
            "select \"unique\" from pragma_index_list('v1_grants') where name = 'idx_grants_external_sync_v1'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(unique);
}

#[test]
fn grant_filters_select_by_entitlement_resource_and_principal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let sync = SmallSync::new();
    sync.write(&path);
    let reader = C1zReader::open(&path).unwrap();
    let ids = |filter: GrantFilter| -> Vec<String> {
        collect(reader.grants(&filter))
            .into_iter()
            .map(|r| r.grant.id)
            .collect()
    };

    assert_eq!(
        ids(GrantFilter {
            principal: Some(id("user", "bob")),
            ..Default::default()
        }),
        ["group:eng:member:user:bob"]
    );
    assert_eq!(
        ids(GrantFilter {
            resource: Some(id("group", "eng")),
            ..Default::default()
        }),
        ["group:eng:member:user:alice", "group:eng:member:user:bob"]
    );
    assert_eq!(
        ids(GrantFilter {
            entitlement_id: Some("group:eng:member".into()),
            principal: Some(id("user", "alice")),
            ..Default::default()
        }),
        ["group:eng:member:user:alice"]
    );
    let on_group = collect(reader.entitlements(Some(&id("group", "eng"))));
    assert_eq!(on_group, [sync.entitlements[0].clone()]);
    assert!(collect(reader.resources(Some("nothing"))).is_empty());
}

#[test]
fn listing_pages_through_more_rows_than_one_page() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let sync = SmallSync::new();
    let mut writer = C1zWriter::create(&path, WriterOptions::default()).unwrap();
    sync.put_into(&mut writer);
    let member = &sync.entitlements[0];
    let users: Vec<_> = (0..2500).map(|i| common::user(&format!("u{i}"))).collect();
    for u in &users {
        writer.put_resource(u).unwrap();
        writer.put_grant(&grant(member, u)).unwrap();
    }
    writer.finish().unwrap();

    let reader = C1zReader::open(&path).unwrap();
    let listed = collect(reader.resources(Some("user")));
    assert_eq!(listed.len(), 2502);
    assert_eq!(listed[2..], users[..]);
    let filter = GrantFilter {
        entitlement_id: Some(member.id.clone()),
        ..Default::default()
    };
    assert_eq!(reader.grants(&filter).count(), 2502);

    let per_type = reader.counts_by_resource_type().unwrap();
    let user_counts = per_type.iter().find(|c| c.resource_type == "user").unwrap();
    assert_eq!((user_counts.resources, user_counts.grants), (2502, 0));
    let group_counts = per_type
        .iter()
        .find(|c| c.resource_type == "group")
        .unwrap();
    assert_eq!(
        (
            group_counts.resources,
            group_counts.entitlements,
            group_counts.grants
        ),
        (1, 1, 2502)
    );
}
