//! The SQLite schema of a v1 `.c1z`, as the Go SDK (v0.25.0) creates it: seven
//! `v1_*` tables and their indexes, with the SDK's names (including its swapped
//! `idx_resources_*` names, which are what exists in the wild).
//!
//! The writer creates the tables, the small tables' unique indexes (their
//! upserts need them) and the partial expansion indexes up front, and the other
//! indexes only once all rows are in: building an index from sorted rows is much
//! cheaper than keeping it current through millions of inserts. (The Go SDK's
//! bulk-load mode defers the same non-unique set.) The grants' unique index is
//! deferred too, so grants are plain appends; a grant ID put twice is resolved
//! when that index is built: the last row put wins, as an upsert would have it.

use rusqlite::{Connection, ErrorCode};

/// One table: its name, its `CREATE TABLE`, the indexes that must exist while
/// rows are written, and the indexes built after the last row.
struct Table {
    name: &'static str,
    create: &'static str,
    live_indexes: &'static [&'static str],
    deferred_indexes: &'static [&'static str],
}

/// The tables in the order the SDK creates them.
const TABLES: [Table; 7] = [
    Table {
        name: "v1_resource_types",
        create: "create table v1_resource_types (
    id integer primary key,
    external_id text not null,
    data blob not null,
    sync_id text not null,
    discovered_at datetime not null
)",
        live_indexes: &[
            "create unique index idx_resource_types_external_sync_v1 on v1_resource_types (external_id, sync_id)",
        ],
        deferred_indexes: &[],
    },
    Table {
        name: "v1_resources",
        create: "create table v1_resources (
    id integer primary key,
    resource_type_id text not null,
    external_id text not null,
    parent_resource_type_id text,
    parent_resource_id text,
    data blob not null,
    sync_id text not null,
    discovered_at datetime not null
)",
        live_indexes: &[
            "create unique index idx_resources_parent_resource_id_v1 on v1_resources (external_id, sync_id)",
        ],
        deferred_indexes: &[
            "create index idx_resources_resource_type_id_v1 on v1_resources (resource_type_id)",
            "create index idx_resources_external_sync_v1 on v1_resources (parent_resource_type_id, parent_resource_id)",
        ],
    },
    Table {
        name: "v1_entitlements",
        create: "create table v1_entitlements (
    id integer primary key,
    resource_type_id text not null,
    resource_id text not null,
    external_id text not null,
    data blob not null,
    sync_id text not null,
    discovered_at datetime not null
)",
        live_indexes: &[
            "create unique index idx_entitlements_external_sync_v1 on v1_entitlements (external_id, sync_id)",
        ],
        deferred_indexes: &[
            "create index idx_entitlements_resource_id_v1 on v1_entitlements (resource_type_id, resource_id)",
        ],
    },
    Table {
        name: "v1_sync_runs",
        create: "create table v1_sync_runs (
    id integer primary key,
    sync_id text not null,
    started_at datetime not null,
    ended_at datetime,
    sync_token text not null,
    sync_type text not null default 'full',
    parent_sync_id text not null default '',
    linked_sync_id text not null default '',
    supports_diff integer not null default 0,
    grants_backfilled integer not null default 0,
    stats text,
    ingest_invariant_generation text not null default '',
    ingest_invariant_coverage text not null default '',
    ingest_invariant_mode text not null default ''
)",
        live_indexes: &["create unique index idx_sync_runs_sync_id_v1 on v1_sync_runs (sync_id)"],
        deferred_indexes: &[],
    },
    Table {
        name: "v1_grants",
        create: "create table v1_grants (
    id integer primary key,
    resource_type_id text not null,
    resource_id text not null,
    entitlement_id text not null,
    principal_resource_type_id text not null,
    principal_resource_id text not null,
    external_id text not null,
    expansion blob,
    needs_expansion integer not null default 0,
    data blob not null,
    sync_id text not null,
    discovered_at datetime not null
)",
        live_indexes: &[
            "create index idx_grants_sync_expansion_v1 on v1_grants (sync_id) where expansion is not null",
            "create index idx_grants_sync_needs_expansion_v1 on v1_grants (sync_id) where needs_expansion = 1",
        ],
        deferred_indexes: &[
            // First, so that resolving repeated IDs happens before the other indexes exist.
            "create unique index idx_grants_external_sync_v1 on v1_grants (external_id, sync_id)",
            "create index idx_grants_resource_type_id_resource_id_v1 on v1_grants (resource_type_id, resource_id)",
            "create index idx_grants_principal_id_v1 on v1_grants (principal_resource_type_id, principal_resource_id)",
            "create index idx_grants_entitlement_id_principal_id_v1 on v1_grants (entitlement_id, principal_resource_type_id, principal_resource_id)",
            "create index idx_grants_entitlement_sync_grant_v1 on v1_grants (entitlement_id, sync_id, id)",
        ],
    },
    Table {
        name: "v1_assets",
        create: "create table v1_assets (
    id integer primary key,
    external_id text not null,
    content_type text not null,
    data blob not null,
    sync_id text not null,
    discovered_at datetime not null
)",
        live_indexes: &[
            "create unique index idx_assets_external_sync_v1 on v1_assets (external_id, sync_id)",
        ],
        deferred_indexes: &[],
    },
    Table {
        name: "v1_connector_sessions",
        create: "create table v1_connector_sessions (
    id integer primary key,
    sync_id text not null,
    key text not null,
    value blob not null
)",
        live_indexes: &[
            "create unique index idx_session_store_sync_key_v1 on v1_connector_sessions (sync_id, key)",
        ],
        deferred_indexes: &[],
    },
];

/// Creates every table with the indexes needed while rows are written.
pub(crate) fn create_tables(conn: &Connection) -> rusqlite::Result<()> {
    for table in &TABLES {
        conn.execute(table.create, [])?;
        for index in table.live_indexes {
            conn.execute(index, [])?;
        }
    }
    Ok(())
}

/// Creates every table and every index at once, as the Go SDK does for a new
/// file (the writer itself defers part of the indexes; see the module doc).
pub fn create_schema(conn: &Connection) -> rusqlite::Result<()> {
    create_tables(conn)?;
    create_deferred_indexes(conn)
}

/// Builds the indexes deferred until all rows are written. A unique index that
/// meets repeated keys gets them resolved (the last row wins) and is built again;
/// the connection must journal (not `journal_mode = off`) so the failed build
/// rolls back cleanly.
pub(crate) fn create_deferred_indexes(conn: &Connection) -> rusqlite::Result<()> {
    for table in &TABLES {
        for index in table.deferred_indexes {
            match conn.execute(index, []) {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == ErrorCode::ConstraintViolation =>
                {
                    keep_last_of_each_id(conn, table.name)?;
                    conn.execute(index, [])?;
                }
                other => {
                    other?;
                }
            }
        }
    }
    Ok(())
}

/// Deletes every row of `table` that a later row with the same
/// (external_id, sync_id) supersedes.
fn keep_last_of_each_id(conn: &Connection, table: &str) -> rusqlite::Result<()> {
    tracing::debug!(table, "c1z: resolving repeated IDs");
    conn.execute_batch(&format!(
        "create index c1z_repeated_ids on {table} (external_id, sync_id);
         delete from {table} where exists (select 1 from {table} later
             where later.external_id = {table}.external_id
               and later.sync_id = {table}.sync_id
               and later.id > {table}.id);
         drop index c1z_repeated_ids;"
    ))
}
