//! The bytes on disk: envelope, SQLite schema, sync run row, and no leftovers.

mod common;

use std::collections::BTreeSet;

use c1z::{C1zReader, C1zWriter, Error, Ksuid, SyncType, WriterOptions};
use chrono::NaiveDateTime;
use common::{SmallSync, files_in, fixture};
use rusqlite::Connection;

fn schema_names(conn: &Connection) -> BTreeSet<(String, String)> {
    let mut stmt = conn
        .prepare("select type, name from sqlite_master where name not like 'sqlite_%'")
        .unwrap();
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn columns(conn: &Connection, table: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare("select name from pragma_table_info(?1) order by cid")
        .unwrap();
    stmt.query_map([table], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn file_is_the_header_then_one_zstd_frame_of_a_rollback_journal_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let summary = SmallSync::new().write(&path);

    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..5], b"C1ZF\0");
    let frame = &bytes[5..];
    assert_eq!(
        zstd::zstd_safe::find_frame_compressed_size(frame).unwrap(),
        frame.len(),
        "exactly one frame, running to the end of the file"
    );
    assert_eq!(
        zstd::zstd_safe::get_frame_content_size(frame).unwrap(),
        Some(summary.database_bytes)
    );
    let db = zstd::decode_all(frame).unwrap();
    assert_eq!(db.len() as u64, summary.database_bytes);
    assert_eq!(&db[..16], b"SQLite format 3\0");
    // File format write/read versions 1 = rollback journal (2 would be WAL).
    assert_eq!((db[18], db[19]), (1, 1));
    // Only the .c1z remains: no journal, WAL, SHM, working or temporary file.
    assert_eq!(files_in(dir.path()), ["sync.c1z"]);
}

#[test]
fn schema_has_the_go_sdk_tables_and_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    SmallSync::new().write(&path);
    let ours = C1zReader::open(&path).unwrap();
    let sdk = C1zReader::open(fixture("sync-in-progress.c1z")).unwrap();

    let mut expected = schema_names(sdk.connection());
    // Added by SDK migrations newer than the one that wrote the fixture.
    expected.insert((
        "index".into(),
        "idx_grants_entitlement_sync_grant_v1".into(),
    ));
    assert_eq!(schema_names(ours.connection()), expected);

    // Same columns as the fixture, plus those of newer SDK migrations at the end.
    for table in [
        "v1_resource_types",
        "v1_resources",
        "v1_entitlements",
        "v1_grants",
        "v1_assets",
        "v1_connector_sessions",
    ] {
        assert_eq!(
            columns(ours.connection(), table),
            columns(sdk.connection(), table),
            "{table}"
        );
    }
    let mut sync_runs = columns(sdk.connection(), "v1_sync_runs");
    sync_runs.extend(
        [
            "stats",
            "ingest_invariant_generation",
            "ingest_invariant_coverage",
            "ingest_invariant_mode",
        ]
        .map(String::from),
    );
    assert_eq!(columns(ours.connection(), "v1_sync_runs"), sync_runs);

    // The unique and partial indexes are what the SDK declares.
    let index_sql = |name: &str| -> String {
        ours.connection()
            .query_row(
                "select lower(sql) from sqlite_master where name = ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(index_sql("idx_grants_external_sync_v1").contains("unique index"));
    assert!(index_sql("idx_grants_sync_needs_expansion_v1").ends_with("where needs_expansion = 1"));
    assert!(
        index_sql("idx_resources_external_sync_v1")
            .ends_with("(parent_resource_type_id, parent_resource_id)")
    );
}

#[test]
fn sync_run_row_is_finished_full_and_backfilled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let before = chrono::Local::now().naive_local();
    let summary = SmallSync::new().write(&path);
    let after = chrono::Local::now().naive_local();

    let reader = C1zReader::open(&path).unwrap();
    let runs = reader.sync_runs().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.sync_id, summary.sync_id);
    assert_eq!(run.sync_id.len(), 27);
    let ksuid: Ksuid = run.sync_id.parse().unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!((now - 60..=now).contains(&ksuid.unix_seconds()));

    let parse = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap();
    let started = parse(&run.started_at);
    let ended = parse(run.ended_at.as_deref().expect("ended_at is set"));
    let second = chrono::Duration::seconds(1);
    assert!(before - second <= started && started <= ended && ended <= after + second);
    if let Some((_, fraction)) = run.started_at.split_once('.') {
        assert!(
            !fraction.ends_with('0'),
            "fraction trimmed: {}",
            run.started_at
        );
    }

    assert_eq!(run.sync_type, "full");
    assert_eq!(run.sync_token, "{}");
    assert_eq!(
        (run.parent_sync_id.as_str(), run.linked_sync_id.as_str()),
        ("", "")
    );
    assert!(!run.supports_diff);
    assert!(run.grants_backfilled);
    assert_eq!(run.stats, None);

    // Every object row carries the sync ID.
    let foreign: i64 = reader
        .connection()
        .query_row(
            "select (select count(*) from v1_resource_types where sync_id <> ?1)
                  + (select count(*) from v1_resources where sync_id <> ?1)
                  + (select count(*) from v1_entitlements where sync_id <> ?1)
                  + (select count(*) from v1_grants where sync_id <> ?1)",
            [&run.sync_id],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(foreign, 0);
}

#[test]
fn resources_only_sync_records_its_type_and_refuses_grants() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let sync = SmallSync::new();
    let options = WriterOptions {
        sync_type: SyncType::ResourcesOnly,
        ..Default::default()
    };
    let mut writer = C1zWriter::create(&path, options).unwrap();
    for rt in &sync.resource_types {
        writer.put_resource_type(rt).unwrap();
    }
    for r in &sync.resources {
        writer.put_resource(r).unwrap();
    }
    assert!(matches!(
        writer.put_entitlement(&sync.entitlements[0]),
        Err(Error::NotInSyncType { .. })
    ));
    assert!(matches!(
        writer.put_grant(&sync.grants[0]),
        Err(Error::NotInSyncType { .. })
    ));
    writer.finish().unwrap();

    let run = &C1zReader::open(&path).unwrap().sync_runs().unwrap()[0];
    assert_eq!(run.sync_type, "resources_only");
}

#[test]
fn dropped_writer_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let mut writer = C1zWriter::create(&path, WriterOptions::default()).unwrap();
    SmallSync::new().put_into(&mut writer);
    assert_eq!(
        files_in(dir.path()).len(),
        1,
        "the working database exists meanwhile"
    );
    drop(writer);
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn finishing_replaces_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    std::fs::write(&path, b"old contents").unwrap();
    let summary = SmallSync::new().write(&path);
    let reader = C1zReader::open(&path).unwrap();
    assert_eq!(reader.sync_runs().unwrap()[0].sync_id, summary.sync_id);
    assert_eq!(files_in(dir.path()), ["sync.c1z"]);
}

#[test]
fn working_files_can_live_in_another_directory() {
    let (dir, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let path = dir.path().join("sync.c1z");
    let options = WriterOptions {
        work_dir: Some(work.path().to_path_buf()),
        ..Default::default()
    };
    let mut writer = C1zWriter::create(&path, options).unwrap();
    SmallSync::new().put_into(&mut writer);
    assert!(files_in(dir.path()).is_empty());
    assert_eq!(files_in(work.path()).len(), 1);
    writer.finish().unwrap();
    assert_eq!(files_in(dir.path()), ["sync.c1z"]);
    assert!(files_in(work.path()).is_empty());
}

#[test]
fn non_c1z_files_are_refused_by_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    std::fs::write(&path, b"SQLite format 3\0").unwrap();
    assert!(matches!(C1zReader::open(&path), Err(Error::NotC1z(_))));
    std::fs::write(&path, b"C1Z3\0\0\0\0\0").unwrap();
    assert!(matches!(
        C1zReader::open(&path),
        Err(Error::UnsupportedFormat(_))
    ));
}
