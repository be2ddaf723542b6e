//! Wire compatibility with the Go SDK: every protobuf blob in the baton-sdk
//! `.c1z` fixtures decodes with our types and re-encodes to the same bytes.
//!
//! prost drops unknown fields silently, so byte equality after a round trip
//! is what proves that our definitions cover every field the SDK wrote.
//! Two Go behaviours make some blobs differ from prost's output while
//! meaning the same thing, and only those are let through (after checking
//! with a reflection decode that no field is unknown to our definitions):
//! - Go writes an empty map value (`12 00`) for a default message value,
//!   where prost omits it (the `sources` map of expanded grants);
//! - annotations are packed with Go's non-deterministic marshaling, so
//!   `Struct` map keys (trait profiles) come in random order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use c1_proto::any;
use c1_proto::c1::connector::v2::{
    Aliases, AppTrait, BatonId, ChildResourceType, ETag, ETagMatch, ETagMetadata, Entitlement,
    EntitlementImmutable, ExternalLink, ExternalResourceMatch, ExternalResourceMatchAll,
    ExternalResourceMatchId, Grant, GrantExpandable, GrantImmutable, GrantMetadata, GroupTrait,
    RawId, Resource, ResourceType, RoleTrait, ScopeBindingTrait, SecretTrait, SkipEntitlements,
    SkipEntitlementsAndGrants, SkipGrants, UserTrait, V1Identifier,
};
use prost::{Message, Name};
use prost_reflect::{DescriptorPool, DynamicMessage, Value};
use prost_types::Any;

/// Rows per table in each fixture, from the fixtures' README:
/// resource types, resources, entitlements, grants.
const EXPECTED_ROWS: [(&str, [usize; 4]); 4] = [
    ("sync-in-progress.c1z", [5, 79, 0, 0]),
    (
        "sync.36zfOAoWMxQdISbixanQCRBiX7E.unexpanded.c1z",
        [4, 1221, 342, 2909],
    ),
    (
        "sync.36zfOAoWMxQdISbixanQCRBiX7E.expanded.c1z",
        [4, 1221, 342, 14981],
    ),
    (
        "sync.36zGvJw3uxU1QMJKU2yPVQ1hBOC.unexpanded.c1z",
        [4, 35217, 334, 66601],
    ),
];

/// Tables whose `data` column holds one message each, in README column order.
const MESSAGE_TABLES: [&str; 4] = [
    "v1_resource_types",
    "v1_resources",
    "v1_entitlements",
    "v1_grants",
];

/// Tables whose `data` column holds raw bytes (asset content), not a message.
const RAW_DATA_TABLES: [&str; 1] = ["v1_assets"];

const C1Z_V1_MAGIC: &[u8] = b"C1ZF\0";

static POOL: LazyLock<DescriptorPool> =
    LazyLock::new(|| DescriptorPool::decode(c1_proto::FILE_DESCRIPTOR_SET).unwrap());

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/baton-sdk")
}

/// How a blob compared with its re-encoding.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Outcome {
    /// Re-encoded to the very same bytes.
    identical: usize,
    /// Same fields and values; only map entry encoding or order differs.
    map_encoding_differs: usize,
}

impl Outcome {
    fn total(&self) -> usize {
        self.identical + self.map_encoding_differs
    }
}

/// Counts fields our descriptors do not know, anywhere in `msg`.
fn unknown_fields(msg: &DynamicMessage) -> usize {
    msg.unknown_fields().count()
        + msg
            .fields()
            .map(|(_, value)| unknown_fields_in(value))
            .sum::<usize>()
}

fn unknown_fields_in(value: &Value) -> usize {
    match value {
        Value::Message(m) => unknown_fields(m),
        Value::List(items) => items.iter().map(unknown_fields_in).sum(),
        Value::Map(entries) => entries.values().map(unknown_fields_in).sum(),
        _ => 0,
    }
}

/// Whether `msg` has a map whose Go encoding may legitimately differ from
/// prost's: several entries (order) or an empty message value (`12 00`).
fn has_map_go_encodes_differently(msg: &DynamicMessage) -> bool {
    msg.fields().any(|(_, value)| value_has_such_map(value))
}

fn value_has_such_map(value: &Value) -> bool {
    let is_empty_message = |v: &Value| v.as_message().is_some_and(|m| m.fields().next().is_none());
    match value {
        Value::Message(m) => has_map_go_encodes_differently(m),
        Value::List(items) => items.iter().any(value_has_such_map),
        Value::Map(entries) => {
            entries.len() > 1
                || entries
                    .values()
                    .any(|v| is_empty_message(v) || value_has_such_map(v))
        }
        _ => false,
    }
}

/// Decodes `bytes` as `M` and checks that the re-encoding is the same bytes,
/// or differs only in the map encoding described in the module doc.
fn round_trip<M: Message + Name + Default>(bytes: &[u8], what: &str, outcome: &mut Outcome) -> M {
    let msg = M::decode(bytes).unwrap_or_else(|e| panic!("{what}: does not decode: {e}"));
    let encoded = msg.encode_to_vec();
    if encoded == bytes {
        outcome.identical += 1;
        return msg;
    }
    let desc = POOL.get_message_by_name(&M::full_name()).unwrap();
    let original = DynamicMessage::decode(desc.clone(), bytes).unwrap();
    assert_eq!(unknown_fields(&original), 0, "{what}: has unknown fields");
    assert_eq!(
        DynamicMessage::decode(desc, encoded.as_slice()).unwrap(),
        original,
        "{what}: re-encoding changed the content"
    );
    assert!(
        has_map_go_encodes_differently(&original),
        "{what}: re-encoding differs without a map to explain it"
    );
    outcome.map_encoding_differs += 1;
    msg
}

/// What one fixture contained: rows checked per table and annotations seen.
#[derive(Default)]
struct Report {
    rows: BTreeMap<String, Outcome>,
    annotations: BTreeMap<String, Outcome>,
    unknown_annotations: BTreeMap<String, usize>,
}

/// Round-trips `annotation` if we define its type; returns false otherwise.
fn round_trip_annotation(annotation: &Any, outcome: &mut Outcome) -> bool {
    macro_rules! known {
        ($($ty:ty),* $(,)?) => {
            $(
                if any::is::<$ty>(annotation) {
                    round_trip::<$ty>(&annotation.value, &annotation.type_url, outcome);
                    return true;
                }
            )*
        };
    }
    #[allow(deprecated)]
    {
        known!(
            UserTrait,
            GroupTrait,
            RoleTrait,
            AppTrait,
            SecretTrait,
            ScopeBindingTrait,
            ChildResourceType,
            SkipEntitlementsAndGrants,
            SkipGrants,
            SkipEntitlements,
            ExternalLink,
            V1Identifier,
            RawId,
            Aliases,
            GrantExpandable,
            GrantImmutable,
            GrantMetadata,
            EntitlementImmutable,
            ExternalResourceMatch,
            ExternalResourceMatchAll,
            ExternalResourceMatchId,
            BatonId,
            ETag,
            ETagMetadata,
            ETagMatch,
        );
    }
    false
}

impl Report {
    fn annotations(&mut self, annotations: &[Any]) {
        for annotation in annotations {
            let url = annotation.type_url.clone();
            let mut outcome = self.annotations.remove(&url).unwrap_or_default();
            if round_trip_annotation(annotation, &mut outcome) {
                self.annotations.insert(url, outcome);
            } else {
                *self.unknown_annotations.entry(url).or_default() += 1;
            }
        }
    }

    fn resource(&mut self, resource: &Resource) {
        self.annotations(&resource.annotations);
    }

    fn resource_type(&mut self, resource_type: &ResourceType) {
        self.annotations(&resource_type.annotations);
    }

    fn entitlement(&mut self, entitlement: &Entitlement) {
        self.annotations(&entitlement.annotations);
        entitlement.resource.iter().for_each(|r| self.resource(r));
        entitlement
            .grantable_to
            .iter()
            .for_each(|t| self.resource_type(t));
    }

    fn grant(&mut self, grant: &Grant) {
        self.annotations(&grant.annotations);
        grant.entitlement.iter().for_each(|e| self.entitlement(e));
        grant.principal.iter().for_each(|r| self.resource(r));
    }

    /// Round-trips every blob of `table`'s `column` as a message, checking
    /// the annotations it carries too.
    fn table(&mut self, db: &rusqlite::Connection, table: &str, column: &str) {
        let mut stmt = db
            .prepare(&format!(
                "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"
            ))
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        let mut outcome = Outcome::default();
        while let Some(row) = rows.next().unwrap() {
            let id: i64 = row.get(0).unwrap();
            let blob: Vec<u8> = row.get(1).unwrap();
            let what = format!("{table}.{column} row {id}");
            let o = &mut outcome;
            match (table, column) {
                ("v1_resource_types", "data") => {
                    self.resource_type(&round_trip::<ResourceType>(&blob, &what, o))
                }
                ("v1_resources", "data") => self.resource(&round_trip::<Resource>(&blob, &what, o)),
                ("v1_entitlements", "data") => {
                    self.entitlement(&round_trip::<Entitlement>(&blob, &what, o))
                }
                ("v1_grants", "data") => self.grant(&round_trip::<Grant>(&blob, &what, o)),
                ("v1_grants", "expansion") => {
                    round_trip::<GrantExpandable>(&blob, &what, o);
                }
                _ => panic!("no message type known for {table}.{column}"),
            }
        }
        self.rows.insert(format!("{table}.{column}"), outcome);
    }
}

/// Opens a v1 `.c1z` fixture as a SQLite database in a temp file.
fn open_c1z(name: &str) -> (tempfile::NamedTempFile, rusqlite::Connection) {
    let bytes = std::fs::read(fixture_dir().join(name)).unwrap();
    let body = bytes
        .strip_prefix(C1Z_V1_MAGIC)
        .unwrap_or_else(|| panic!("{name}: not a v1 c1z"));
    let db_bytes = zstd::decode_all(body).unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), db_bytes).unwrap();
    let db = rusqlite::Connection::open_with_flags(
        file.path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    (file, db)
}

fn columns(db: &rusqlite::Connection, table: &str) -> Vec<String> {
    let mut stmt = db
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .unwrap();
    stmt.query_map([table], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Round-trips every message blob in fixture `name` and checks the row
/// counts against the README.
fn check_fixture(name: &str) -> Report {
    let (_file, db) = open_c1z(name);
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'v1_%'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();

    let mut report = Report::default();
    for table in &tables {
        let columns = columns(&db, table);
        if columns.iter().any(|c| c == "data") {
            if RAW_DATA_TABLES.contains(&table.as_str()) {
                continue;
            }
            report.table(&db, table, "data");
        }
        if columns.iter().any(|c| c == "expansion") {
            report.table(&db, table, "expansion");
        }
    }

    let expected = EXPECTED_ROWS
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, counts)| counts)
        .unwrap();
    for (table, want) in MESSAGE_TABLES.iter().zip(expected) {
        let outcome = report.rows[&format!("{table}.data")];
        assert_eq!(outcome.total(), *want, "{name}: rows checked in {table}");
        // Only grants have a map outside `Any` (their `sources`).
        if *table != "v1_grants" {
            assert_eq!(outcome.map_encoding_differs, 0, "{name}: {table}");
        }
    }
    assert!(
        report.unknown_annotations.is_empty(),
        "{name}: annotation types we do not define: {:?}",
        report.unknown_annotations
    );
    println!(
        "{name}: rows {:?}; annotations {:?}",
        report.rows, report.annotations
    );
    report
}

#[test]
fn every_fixture_file_has_expected_row_counts() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".c1z"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = EXPECTED_ROWS.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn sync_in_progress_blobs_round_trip_without_loss() {
    let report = check_fixture("sync-in-progress.c1z");
    assert_eq!(
        report.rows.get("v1_grants.expansion"),
        Some(&Outcome::default())
    );
    assert!(report.annotations.contains_key(&UserTrait::type_url()));
}

#[test]
fn small_unexpanded_sync_blobs_round_trip_without_loss() {
    let report = check_fixture("sync.36zfOAoWMxQdISbixanQCRBiX7E.unexpanded.c1z");
    assert!(
        report
            .annotations
            .contains_key(&GrantExpandable::type_url())
    );
    assert_eq!(report.rows["v1_grants.data"].map_encoding_differs, 0);
}

#[test]
fn expanded_sync_blobs_round_trip_without_loss() {
    let report = check_fixture("sync.36zfOAoWMxQdISbixanQCRBiX7E.expanded.c1z");
    assert!(report.annotations.contains_key(&GrantImmutable::type_url()));
}

#[test]
fn large_unexpanded_sync_blobs_round_trip_without_loss() {
    let report = check_fixture("sync.36zGvJw3uxU1QMJKU2yPVQ1hBOC.unexpanded.c1z");
    assert!(report.annotations.contains_key(&GroupTrait::type_url()));
    assert_eq!(report.rows["v1_grants.data"].map_encoding_differs, 0);
}
