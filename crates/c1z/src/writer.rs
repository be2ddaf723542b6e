//! The streaming writer: objects go straight into a SQLite working file next to
//! the destination; `finish` checks references, seals the sync run, compresses
//! the database into the `.c1z` envelope and renames it into place.

use std::fs::File;
use std::path::{Path, PathBuf};

use c1_proto::any;
use c1_proto::c1::connector::v2::{
    Entitlement, Grant, GrantExpandable, Resource, ResourceId, ResourceType,
};
use prost::Message;
use rusqlite::{Connection, OpenFlags, params};
use tempfile::TempPath;

use crate::error::{Error, ObjectKind, Result};
use crate::ksuid::Ksuid;
use crate::timestamp::now_sqlite_time;
use crate::{checks, envelope, schema};

/// What a sync covered; stored in `v1_sync_runs.sync_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncType {
    /// Everything the connector lists (the default).
    #[default]
    Full,
    /// A targeted sync of a few resources.
    Partial,
    /// Resource types and resources only (`skip_entitlements_and_grants`).
    ResourcesOnly,
    /// The upserts half of a diff sync.
    PartialUpserts,
    /// The deletions half of a diff sync.
    PartialDeletions,
}

impl SyncType {
    /// The value stored in the `sync_type` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::ResourcesOnly => "resources_only",
            Self::PartialUpserts => "partial_upserts",
            Self::PartialDeletions => "partial_deletions",
        }
    }
}

/// How a [`C1zWriter`] builds its file.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// The sync run's type. Default [`SyncType::Full`].
    pub sync_type: SyncType,
    /// zstd compression level. Default 3.
    pub zstd_level: i32,
    /// Rows written per SQLite transaction. Default 10,000.
    pub rows_per_transaction: usize,
    /// Directory of the SQLite working file. Default: the destination's directory.
    pub work_dir: Option<PathBuf>,
    /// Which references `finish` checks. Default [`ReferenceChecks::All`].
    pub reference_checks: ReferenceChecks,
}

/// Which references [`C1zWriter::finish`] checks (spec §5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReferenceChecks {
    /// Every resource's type and parent, every entitlement's resource, and every grant's
    /// entitlement and principal: the file holds every object the sync could name.
    #[default]
    All,
    /// Every resource's type and every entitlement's resource only. For files that hold
    /// part of an organization (a resource type filter or a targeted sync), whose grants
    /// and child resources may name objects outside the file, as the Go SDK's do.
    WithinScope,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            sync_type: SyncType::Full,
            zstd_level: 3,
            rows_per_transaction: 10_000,
            work_dir: None,
            reference_checks: ReferenceChecks::All,
        }
    }
}

/// Row counts of the four object tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Rows in `v1_resource_types`.
    pub resource_types: u64,
    /// Rows in `v1_resources`.
    pub resources: u64,
    /// Rows in `v1_entitlements`.
    pub entitlements: u64,
    /// Rows in `v1_grants`.
    pub grants: u64,
}

impl Counts {
    /// Counts the rows of a database with the `v1_*` tables.
    pub(crate) fn of(conn: &Connection) -> Result<Self> {
        let count = |table: &str| -> Result<u64> {
            let sql = format!("select count(*) from {table}");
            Ok(conn.query_row(&sql, [], |row| row.get::<_, i64>(0))? as u64)
        };
        Ok(Self {
            resource_types: count("v1_resource_types")?,
            resources: count("v1_resources")?,
            entitlements: count("v1_entitlements")?,
            grants: count("v1_grants")?,
        })
    }
}

/// What [`C1zWriter::finish`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The `.c1z` file.
    pub path: PathBuf,
    /// The sync run's ID (a KSUID).
    pub sync_id: String,
    /// Objects stored (after upserts of repeated IDs).
    pub counts: Counts,
    /// Size of the SQLite database inside the envelope.
    pub database_bytes: u64,
    /// Size of the `.c1z` file.
    pub file_bytes: u64,
}

/// SQLite page size. Larger than SQLite's 4 KiB default: fewer pages to write,
/// read back and balance, a shallower tree, a smaller file.
const PAGE_BYTES: u32 = 32 * 1024;
/// SQLite page-cache budget, KiB. Appends need little cache: the grants table
/// has no live index but the (nearly empty) partial ones. Index builds add the
/// sorter's memory, two runs of 250 pages (the main thread fills one while the
/// helper thread sorts the other).
const CACHE_KIB: u32 = 4 * 1024;

const INSERT_RESOURCE_TYPE: &str = "insert into v1_resource_types
    (external_id, data, sync_id, discovered_at) values (?1, ?2, ?3, ?4)
    on conflict (external_id, sync_id) do update set
    data = excluded.data, discovered_at = excluded.discovered_at";

const INSERT_RESOURCE: &str = "insert into v1_resources
    (resource_type_id, external_id, parent_resource_type_id, parent_resource_id,
     data, sync_id, discovered_at) values (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    on conflict (external_id, sync_id) do update set
    resource_type_id = excluded.resource_type_id,
    parent_resource_type_id = excluded.parent_resource_type_id,
    parent_resource_id = excluded.parent_resource_id,
    data = excluded.data, discovered_at = excluded.discovered_at";

const INSERT_ENTITLEMENT: &str = "insert into v1_entitlements
    (resource_type_id, resource_id, external_id, data, sync_id, discovered_at)
    values (?1, ?2, ?3, ?4, ?5, ?6)
    on conflict (external_id, sync_id) do update set
    resource_type_id = excluded.resource_type_id, resource_id = excluded.resource_id,
    data = excluded.data, discovered_at = excluded.discovered_at";

/// A plain append: repeated grant IDs are resolved when the unique index is
/// built (see `schema`).
const INSERT_GRANT: &str = "insert into v1_grants
    (resource_type_id, resource_id, entitlement_id, principal_resource_type_id,
     principal_resource_id, external_id, expansion, needs_expansion, data, sync_id,
     discovered_at) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/// Writes one sync into a new v1 `.c1z` file.
///
/// Objects are stored as they are put: an ID put twice keeps the last version
/// (all columns). Nothing appears at the destination until [`finish`](Self::finish)
/// succeeds; dropping the writer instead deletes its working files. After a
/// storage error (disk full, ...) the writer refuses further puts; an invalid
/// object is refused without harm.
pub struct C1zWriter {
    // Field order matters: the connection closes before its file is deleted.
    conn: Connection,
    database: TempPath,
    destination: PathBuf,
    options: WriterOptions,
    sync_id: String,
    discovered_at: String,
    rows_in_transaction: usize,
    data: Vec<u8>,
    failed: bool,
}

impl C1zWriter {
    /// Starts a sync that will be written to `path` (replaced if it exists).
    pub fn create(path: impl AsRef<Path>, options: WriterOptions) -> Result<Self> {
        let destination = path.as_ref().to_path_buf();
        let work_dir = match &options.work_dir {
            Some(dir) => dir.clone(),
            None => parent_dir(&destination).to_path_buf(),
        };
        let database = tempfile::Builder::new()
            .prefix(".c1z-")
            .suffix(".db")
            .tempfile_in(work_dir)?
            .into_temp_path();
        let conn = Connection::open_with_flags(
            &database,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // A write-once file: it is only renamed into place once complete, so
        // no journal and no syncs while it is built. The page size must be set
        // before the cache size, which SQLite converts to pages. One helper
        // thread sorts while the index builds read the table.
        conn.execute_batch(&format!(
            "pragma journal_mode = off;
             pragma synchronous = off;
             pragma locking_mode = exclusive;
             pragma temp_store = file;
             pragma page_size = {PAGE_BYTES};
             pragma cache_size = -{CACHE_KIB};
             pragma threads = 1;"
        ))?;
        schema::create_tables(&conn)?;

        let sync_id = Ksuid::new().to_string();
        let started_at = now_sqlite_time();
        conn.execute(
            "insert into v1_sync_runs (sync_id, started_at, sync_token, sync_type, grants_backfilled)
             values (?1, ?2, '{}', ?3, 1)",
            params![sync_id, started_at, options.sync_type.as_str()],
        )?;
        conn.execute_batch("begin")?;
        tracing::debug!(%sync_id, path = %destination.display(), "c1z: sync started");
        Ok(Self {
            conn,
            database,
            destination,
            options,
            sync_id,
            discovered_at: started_at,
            rows_in_transaction: 0,
            data: Vec::with_capacity(1024),
            failed: false,
        })
    }

    /// The sync run's ID (a KSUID).
    pub fn sync_id(&self) -> &str {
        &self.sync_id
    }

    /// Stores a resource type.
    pub fn put_resource_type(&mut self, resource_type: &ResourceType) -> Result<()> {
        self.require_usable()?;
        require(
            !resource_type.id.is_empty(),
            ObjectKind::ResourceType,
            "",
            "empty id",
        )?;
        encode_into(resource_type, &mut self.data);
        let stored = insert(
            &self.conn,
            INSERT_RESOURCE_TYPE,
            params![
                resource_type.id,
                self.data,
                self.sync_id,
                self.discovered_at
            ],
        );
        self.row_written(stored)
    }

    /// Stores a resource.
    pub fn put_resource(&mut self, resource: &Resource) -> Result<()> {
        self.require_usable()?;
        let id = resource_id(resource.id.as_ref(), ObjectKind::Resource, "", "no id")?;
        let parent = resource.parent_resource_id.as_ref();
        encode_into(resource, &mut self.data);
        let stored = insert(
            &self.conn,
            INSERT_RESOURCE,
            params![
                id.resource_type,
                resource_key(id),
                parent.map(|p| &p.resource_type),
                parent.map(|p| &p.resource),
                self.data,
                self.sync_id,
                self.discovered_at
            ],
        );
        self.row_written(stored)
    }

    /// Stores an entitlement.
    pub fn put_entitlement(&mut self, entitlement: &Entitlement) -> Result<()> {
        self.require_usable()?;
        self.require_entitlements_and_grants(ObjectKind::Entitlement)?;
        let kind = ObjectKind::Entitlement;
        require(!entitlement.id.is_empty(), kind, "", "empty id")?;
        let resource = entitlement.resource.as_ref().and_then(|r| r.id.as_ref());
        let resource = resource_id(resource, kind, &entitlement.id, "no resource id")?;
        encode_into(entitlement, &mut self.data);
        let stored = insert(
            &self.conn,
            INSERT_ENTITLEMENT,
            params![
                resource.resource_type,
                resource.resource,
                entitlement.id,
                self.data,
                self.sync_id,
                self.discovered_at
            ],
        );
        self.row_written(stored)
    }

    /// Stores a grant. A `GrantExpandable` annotation moves from the grant's
    /// `data` into the `expansion` column (spec §5.4).
    pub fn put_grant(&mut self, grant: &Grant) -> Result<()> {
        self.require_usable()?;
        self.require_entitlements_and_grants(ObjectKind::Grant)?;
        let kind = ObjectKind::Grant;
        require(!grant.id.is_empty(), kind, "", "empty id")?;
        let entitlement = grant.entitlement.as_ref();
        let entitlement_id = entitlement.map_or("", |e| e.id.as_str());
        require(
            !entitlement_id.is_empty(),
            kind,
            &grant.id,
            "no entitlement id",
        )?;
        let resource = entitlement.and_then(|e| e.resource.as_ref()?.id.as_ref());
        let resource = resource_id(resource, kind, &grant.id, "no entitlement resource id")?;
        let principal = grant.principal.as_ref().and_then(|p| p.id.as_ref());
        let principal = resource_id(principal, kind, &grant.id, "no principal id")?;

        let expansion = split_expansion(grant, &mut self.data)?;
        let stored = insert(
            &self.conn,
            INSERT_GRANT,
            params![
                resource.resource_type,
                resource.resource,
                entitlement_id,
                principal.resource_type,
                principal.resource,
                grant.id,
                expansion,
                expansion.is_some(),
                self.data,
                self.sync_id,
                self.discovered_at
            ],
        );
        self.row_written(stored)
    }

    /// Completes the file: builds the deferred indexes, checks references
    /// (spec §5.5), sets the sync run's `ended_at`, compresses the database
    /// into `<destination>` via a synced temporary file and a rename.
    pub fn finish(self) -> Result<Summary> {
        self.require_usable()?;
        // From here on statements may fail and must roll back cleanly; the
        // journal only holds the few pre-existing pages an index build touches.
        self.conn
            .execute_batch("commit; pragma journal_mode = memory;")?;
        schema::create_deferred_indexes(&self.conn)?;
        checks::verify_references(&self.conn, self.options.reference_checks)?;
        self.conn.execute(
            "update v1_sync_runs set ended_at = ?1 where sync_id = ?2",
            params![now_sqlite_time(), self.sync_id],
        )?;
        let counts = Counts::of(&self.conn)?;

        let Self {
            conn,
            database,
            destination,
            options,
            sync_id,
            ..
        } = self;
        conn.close().map_err(|(_, e)| e)?;
        let (database_bytes, file_bytes) = publish(&database, &destination, options.zstd_level)?;
        drop(database);
        tracing::debug!(%sync_id, ?counts, file_bytes, "c1z: file written");
        Ok(Summary {
            path: destination,
            sync_id,
            counts,
            database_bytes,
            file_bytes,
        })
    }

    fn require_entitlements_and_grants(&self, kind: ObjectKind) -> Result<()> {
        match self.options.sync_type {
            SyncType::ResourcesOnly => Err(Error::NotInSyncType {
                sync_type: SyncType::ResourcesOnly.as_str(),
                kind,
            }),
            _ => Ok(()),
        }
    }

    fn require_usable(&self) -> Result<()> {
        if self.failed {
            return Err(Error::WriterFailed);
        }
        Ok(())
    }

    /// Takes the outcome of storing a row: counts it and commits every
    /// `rows_per_transaction` rows, or marks the writer failed.
    fn row_written(&mut self, stored: rusqlite::Result<()>) -> Result<()> {
        let result = stored.and_then(|()| {
            self.rows_in_transaction += 1;
            if self.rows_in_transaction >= self.options.rows_per_transaction {
                self.conn.execute_batch("commit; begin")?;
                self.rows_in_transaction = 0;
                self.discovered_at = now_sqlite_time();
            }
            Ok(())
        });
        self.failed = result.is_err();
        Ok(result?)
    }
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// `v1_resources.external_id` of a resource: `<resource_type>:<resource_id>`.
fn resource_key(id: &ResourceId) -> String {
    format!("{}:{}", id.resource_type, id.resource)
}

fn require(ok: bool, kind: ObjectKind, id: &str, problem: &'static str) -> Result<()> {
    if ok {
        return Ok(());
    }
    Err(Error::InvalidObject {
        kind,
        id: id.to_owned(),
        problem,
    })
}

/// `id` if it is present with both parts non-empty.
fn resource_id<'a>(
    id: Option<&'a ResourceId>,
    kind: ObjectKind,
    object_id: &str,
    problem: &'static str,
) -> Result<&'a ResourceId> {
    match id {
        Some(id) if !id.resource_type.is_empty() && !id.resource.is_empty() => Ok(id),
        _ => Err(Error::InvalidObject {
            kind,
            id: match id {
                Some(id) if object_id.is_empty() => resource_key(id),
                _ => object_id.to_owned(),
            },
            problem,
        }),
    }
}

/// Runs one cached insert statement.
fn insert(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute(params).map(drop)
}

fn encode_into(message: &impl Message, buf: &mut Vec<u8>) {
    buf.clear();
    message
        .encode(buf)
        .expect("a Vec grows to hold any message");
}

/// Encodes `grant` into `data` without its `GrantExpandable` annotations and
/// returns the first one, re-encoded, if it names a non-blank entitlement.
fn split_expansion(grant: &Grant, data: &mut Vec<u8>) -> Result<Option<Vec<u8>>> {
    if !grant.annotations.iter().any(any::is::<GrantExpandable>) {
        encode_into(grant, data);
        return Ok(None);
    }
    let expandable =
        any::find::<GrantExpandable>(&grant.annotations).map_err(|_| Error::InvalidObject {
            kind: ObjectKind::Grant,
            id: grant.id.clone(),
            problem: "its GrantExpandable annotation does not decode",
        })?;
    let mut stripped = grant.clone();
    stripped
        .annotations
        .retain(|a| !any::is::<GrantExpandable>(a));
    encode_into(&stripped, data);
    Ok(expandable
        .filter(|e| e.entitlement_ids.iter().any(|id| !id.trim().is_empty()))
        .map(|e| e.encode_to_vec()))
}

/// Compresses `database` into a temporary file beside `destination`, syncs it
/// and renames it over `destination`. Returns (database bytes, file bytes).
fn publish(database: &Path, destination: &Path, level: i32) -> Result<(u64, u64)> {
    let mut db = File::open(database)?;
    let database_bytes = db.metadata()?.len();
    let dir = parent_dir(destination);
    let name = destination
        .file_name()
        .map_or_else(|| "c1z".into(), |n| n.to_string_lossy().into_owned());
    let mut out = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    envelope::write_c1z(&mut db, database_bytes, out.as_file_mut(), level)?;
    out.as_file().sync_all()?;
    let file_bytes = out.as_file().metadata()?.len();
    out.persist(destination).map_err(|e| e.error)?;
    // Make the rename itself durable.
    File::open(dir)?.sync_all()?;
    Ok((database_bytes, file_bytes))
}
