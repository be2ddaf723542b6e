//! Reading a v1 `.c1z`: the database is decompressed to a temporary file and
//! opened read-only; objects are listed page by page (by rowid), so a table of
//! millions of rows never sits in memory at once.
//!
//! The reader takes every row of the file regardless of its sync ID; files from
//! [`C1zWriter`](crate::C1zWriter) and the SDK's uploads hold one sync. It also
//! reads older SDK files whose `v1_grants` lacks the expansion columns.

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};

use c1_proto::c1::connector::v2::{
    Entitlement, Grant, GrantExpandable, Resource, ResourceId, ResourceType,
};
use rusqlite::types::{FromSql, Value};
use rusqlite::{Connection, OpenFlags, Row, params_from_iter};
use tempfile::TempPath;

use crate::envelope;
use crate::error::{Error, Result};
use crate::writer::Counts;

/// Rows fetched per page while iterating.
const PAGE_ROWS: i64 = 1000;

/// How [`C1zReader`] opens a file.
#[derive(Debug, Clone)]
pub struct ReaderOptions {
    /// Where the decompressed database goes. Default: the system temp directory.
    pub temp_dir: Option<PathBuf>,
    /// Refuse files that decompress to more than this. Default 10 GiB, as the SDK.
    pub max_decoded_bytes: u64,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        Self {
            temp_dir: None,
            max_decoded_bytes: 10 << 30,
        }
    }
}

/// One row of `v1_sync_runs`. Columns an older file lacks read as their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRun {
    /// The row's `id`.
    pub id: i64,
    /// The sync's KSUID.
    pub sync_id: String,
    /// Start time, in the SDK's `datetime` text layout.
    pub started_at: String,
    /// End time; `None` while the sync is unfinished.
    pub ended_at: Option<String>,
    /// The syncer's checkpoint JSON.
    pub sync_token: String,
    /// `full`, `partial`, `resources_only`, ...
    pub sync_type: String,
    /// The base sync of a partial sync, or empty.
    pub parent_sync_id: String,
    /// The paired sync of a diff sync, or empty.
    pub linked_sync_id: String,
    /// Whether the sync supports diffs.
    pub supports_diff: bool,
    /// Whether the grants' expansion column has been filled.
    pub grants_backfilled: bool,
    /// Cached statistics JSON, if computed.
    pub stats: Option<String>,
}

/// A stored grant with its expansion columns.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantRecord {
    /// The grant as stored in `data` (without its `GrantExpandable` annotation
    /// when the writer moved that to `expansion`).
    pub grant: Grant,
    /// The `expansion` column, decoded.
    pub expansion: Option<GrantExpandable>,
    /// The `needs_expansion` column.
    pub needs_expansion: bool,
}

impl GrantRecord {
    /// The grant with its `GrantExpandable` annotation put back (appended), as
    /// the connector emitted it.
    pub fn into_grant_with_expansion(self) -> Grant {
        let mut grant = self.grant;
        if let Some(expandable) = &self.expansion {
            grant.annotations.push(c1_proto::any::pack(expandable));
        }
        grant
    }
}

/// Object counts of one resource type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceTypeCounts {
    /// The resource type ID.
    pub resource_type: String,
    /// Resources of the type.
    pub resources: u64,
    /// Entitlements on resources of the type.
    pub entitlements: u64,
    /// Grants of entitlements on resources of the type.
    pub grants: u64,
}

/// Which grants [`C1zReader::grants`] lists; unset fields match everything.
#[derive(Debug, Clone, Default)]
pub struct GrantFilter {
    /// Only grants of this entitlement.
    pub entitlement_id: Option<String>,
    /// Only grants of entitlements on this resource.
    pub resource: Option<ResourceId>,
    /// Only grants to this principal.
    pub principal: Option<ResourceId>,
}

/// A v1 `.c1z` opened for reading. The decompressed copy is deleted on drop.
pub struct C1zReader {
    // Field order matters: the connection closes before its file is deleted.
    conn: Connection,
    _database: TempPath,
    grants_have_expansion: bool,
}

impl C1zReader {
    /// Opens `path` with default [`ReaderOptions`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &ReaderOptions::default())
    }

    /// Opens `path`: checks the header, decompresses, opens the database read-only.
    pub fn open_with(path: impl AsRef<Path>, options: &ReaderOptions) -> Result<Self> {
        let mut c1z = File::open(path)?;
        let temp_dir = options.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
        let (mut file, database) = tempfile::Builder::new()
            .prefix(".c1z-read-")
            .suffix(".db")
            .tempfile_in(temp_dir)?
            .into_parts();
        envelope::read_c1z(&mut c1z, &mut file, options.max_decoded_bytes)?;
        drop(file);
        let conn = Connection::open_with_flags(
            sqlite_uri(&database),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let grants_have_expansion = conn
            .prepare("select 1 from pragma_table_info('v1_grants') where name = 'expansion'")?
            .exists([])?;
        Ok(Self {
            conn,
            _database: database,
            grants_have_expansion,
        })
    }

    /// The read-only SQLite connection, for queries this API does not cover.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// All sync runs, oldest first.
    pub fn sync_runs(&self) -> Result<Vec<SyncRun>> {
        let mut stmt = self
            .conn
            .prepare("select * from v1_sync_runs order by id")?;
        let runs = stmt.query_map([], |row| {
            Ok(SyncRun {
                id: row.get("id")?,
                sync_id: row.get("sync_id")?,
                started_at: row.get("started_at")?,
                ended_at: row.get("ended_at")?,
                sync_token: row.get("sync_token")?,
                sync_type: column_or(row, "sync_type", "full".to_owned())?,
                parent_sync_id: column_or(row, "parent_sync_id", String::new())?,
                linked_sync_id: column_or(row, "linked_sync_id", String::new())?,
                supports_diff: column_or(row, "supports_diff", false)?,
                grants_backfilled: column_or(row, "grants_backfilled", false)?,
                stats: column_or(row, "stats", None)?,
            })
        })?;
        Ok(runs.collect::<rusqlite::Result<_>>()?)
    }

    /// Row counts of the four object tables.
    pub fn counts(&self) -> Result<Counts> {
        Counts::of(&self.conn)
    }

    /// Counts per resource type (every type stored or referenced), by type ID.
    pub fn counts_by_resource_type(&self) -> Result<Vec<ResourceTypeCounts>> {
        let mut by_type = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare("select external_id from v1_resource_types")?;
        for resource_type in stmt.query_map([], |row| row.get(0))? {
            type_counts(&mut by_type, resource_type?);
        }
        let grouped: [(&str, CountField); 3] = [
            ("v1_resources", |c| &mut c.resources),
            ("v1_entitlements", |c| &mut c.entitlements),
            ("v1_grants", |c| &mut c.grants),
        ];
        for (table, field) in grouped {
            let sql =
                format!("select resource_type_id, count(*) from {table} group by resource_type_id");
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)?)))?;
            for row in rows {
                let (resource_type, count) = row?;
                *field(type_counts(&mut by_type, resource_type)) = count as u64;
            }
        }
        Ok(by_type.into_values().collect())
    }

    /// All resource types, in insertion order.
    pub fn resource_types(&self) -> Rows<'_, ResourceType> {
        self.rows(
            "select id, data from v1_resource_types where id > ?1",
            Vec::new(),
            |row| decode_data(row, "v1_resource_types"),
        )
    }

    /// Resources, of one type or all, in insertion order.
    pub fn resources(&self, resource_type: Option<&str>) -> Rows<'_, Resource> {
        let mut sql = "select id, data from v1_resources where id > ?1".to_owned();
        let args = filter_args(&mut sql, [("resource_type_id", resource_type)]);
        self.rows(&sql, args, |row| decode_data(row, "v1_resources"))
    }

    /// Entitlements, of one resource or all, in insertion order.
    pub fn entitlements(&self, resource: Option<&ResourceId>) -> Rows<'_, Entitlement> {
        let mut sql = "select id, data from v1_entitlements where id > ?1".to_owned();
        let args = filter_args(
            &mut sql,
            [
                (
                    "resource_type_id",
                    resource.map(|r| r.resource_type.as_str()),
                ),
                ("resource_id", resource.map(|r| r.resource.as_str())),
            ],
        );
        self.rows(&sql, args, |row| decode_data(row, "v1_entitlements"))
    }

    /// Grants matching `filter`, with their expansion columns, in insertion order.
    pub fn grants(&self, filter: &GrantFilter) -> Rows<'_, GrantRecord> {
        let expansion = if self.grants_have_expansion {
            "expansion, needs_expansion"
        } else {
            "null, 0"
        };
        let mut sql = format!("select id, data, {expansion} from v1_grants where id > ?1");
        let (resource, principal) = (filter.resource.as_ref(), filter.principal.as_ref());
        let args = filter_args(
            &mut sql,
            [
                ("entitlement_id", filter.entitlement_id.as_deref()),
                (
                    "resource_type_id",
                    resource.map(|r| r.resource_type.as_str()),
                ),
                ("resource_id", resource.map(|r| r.resource.as_str())),
                (
                    "principal_resource_type_id",
                    principal.map(|p| p.resource_type.as_str()),
                ),
                (
                    "principal_resource_id",
                    principal.map(|p| p.resource.as_str()),
                ),
            ],
        );
        self.rows(&sql, args, |row| {
            let expansion = match row.get_ref(2)?.as_blob_or_null()? {
                Some(bytes) => Some(decode_blob(bytes, row, "v1_grants")?),
                None => None,
            };
            Ok(GrantRecord {
                grant: decode_data(row, "v1_grants")?,
                expansion,
                needs_expansion: row.get(3)?,
            })
        })
    }

    fn rows<T>(&self, select: &str, args: Vec<Value>, decode: Decode<T>) -> Rows<'_, T> {
        Rows {
            conn: &self.conn,
            sql: format!("{select} order by id limit {PAGE_ROWS}"),
            args,
            decode,
            after: 0,
            page: VecDeque::new(),
            done: false,
        }
    }
}

/// Selects one counter of a [`ResourceTypeCounts`].
type CountField = fn(&mut ResourceTypeCounts) -> &mut u64;

/// The entry of `resource_type` in `by_type`, created empty if absent.
fn type_counts(
    by_type: &mut BTreeMap<String, ResourceTypeCounts>,
    resource_type: String,
) -> &mut ResourceTypeCounts {
    by_type
        .entry(resource_type.clone())
        .or_insert_with(|| ResourceTypeCounts {
            resource_type,
            ..Default::default()
        })
}

/// Turns one result row (column 0 is the rowid) into an object.
type Decode<T> = fn(&Row<'_>) -> Result<T>;

/// An iterator over stored objects, fetched a page at a time in rowid order.
pub struct Rows<'r, T> {
    conn: &'r Connection,
    sql: String,
    args: Vec<Value>,
    decode: Decode<T>,
    after: i64,
    page: VecDeque<T>,
    done: bool,
}

impl<T> Rows<'_, T> {
    fn fetch_page(&mut self) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(&self.sql)?;
        let args = std::iter::once(Value::Integer(self.after)).chain(self.args.iter().cloned());
        let mut rows = stmt.query(params_from_iter(args))?;
        let mut fetched = 0;
        while let Some(row) = rows.next()? {
            self.after = row.get(0)?;
            self.page.push_back((self.decode)(row)?);
            fetched += 1;
        }
        self.done = fetched < PAGE_ROWS;
        Ok(())
    }
}

impl<T> Iterator for Rows<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.page.is_empty()
            && !self.done
            && let Err(e) = self.fetch_page()
        {
            self.done = true;
            return Some(Err(e));
        }
        self.page.pop_front().map(Ok)
    }
}

/// Appends `and <column> = ?n` to `sql` for each set filter; returns the values.
fn filter_args<'a>(
    sql: &mut String,
    filters: impl IntoIterator<Item = (&'static str, Option<&'a str>)>,
) -> Vec<Value> {
    let mut args = Vec::new();
    for (column, value) in filters {
        if let Some(value) = value {
            args.push(Value::Text(value.to_owned()));
            sql.push_str(&format!(" and {column} = ?{}", args.len() + 1));
        }
    }
    args
}

fn decode_data<M: prost::Message + Default>(row: &Row<'_>, table: &'static str) -> Result<M> {
    decode_blob(row.get_ref(1)?.as_blob()?, row, table)
}

fn decode_blob<M: prost::Message + Default>(
    bytes: &[u8],
    row: &Row<'_>,
    table: &'static str,
) -> Result<M> {
    M::decode(bytes).map_err(|source| Error::Decode {
        table,
        row: row.get(0).unwrap_or_default(),
        source,
    })
}

/// The named column, or `default` if the table has no such column.
fn column_or<T: FromSql>(row: &Row<'_>, name: &str, default: T) -> rusqlite::Result<T> {
    match row.get(name) {
        Err(rusqlite::Error::InvalidColumnName(_)) => Ok(default),
        other => other,
    }
}

/// A `file:` URI for `path`, opened immutable: nothing else writes the copy,
/// so SQLite needs no locks and no `-shm` even for a WAL-mode database.
fn sqlite_uri(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'.' | b'-' | b'_' | b'~' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    uri
}
