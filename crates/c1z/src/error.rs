//! Errors of the writer and the reader.

use std::fmt;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong writing or reading a `.c1z`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file-system operation failed.
    #[error("c1z I/O: {0}")]
    Io(#[from] std::io::Error),
    /// SQLite reported an error.
    #[error("c1z SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored `data` or `expansion` blob is not a valid protobuf message.
    #[error("c1z: {table} row {row} does not decode: {source}")]
    Decode {
        /// The table holding the row.
        table: &'static str,
        /// The row's `id` (rowid).
        row: i64,
        /// What the protobuf decoder said.
        source: prost::DecodeError,
    },
    /// The file does not start with a `.c1z` header.
    #[error("not a .c1z file: it starts with {0:02x?}, not C1ZF\\0")]
    NotC1z(Vec<u8>),
    /// The file is a `.c1z` in a format this crate does not read.
    #[error("unsupported .c1z format: {0}")]
    UnsupportedFormat(&'static str),
    /// The decompressed database would exceed the reader's size limit.
    #[error("the .c1z decompresses to more than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A storage error happened earlier; the writer's file cannot be trusted.
    #[error("the c1z writer failed earlier and accepts no more calls")]
    WriterFailed,
    /// An object lacks a field the file format needs (an ID, a resource, ...).
    #[error("invalid {kind} {id:?}: {problem}")]
    InvalidObject {
        /// What kind of object it is.
        kind: ObjectKind,
        /// Its ID, as far as it has one.
        id: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// An object refers to another object the file does not hold.
    #[error(transparent)]
    Dangling(#[from] DanglingReference),
    /// The sync type does not allow this kind of object (a `resources_only`
    /// sync holds no entitlements or grants).
    #[error("a {sync_type} sync holds no {kind}s")]
    NotInSyncType {
        /// The writer's sync type.
        sync_type: &'static str,
        /// The kind of object that was put.
        kind: ObjectKind,
    },
}

impl From<rusqlite::types::FromSqlError> for Error {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        Self::Sqlite(e.into())
    }
}

/// The four kinds of connector objects a sync stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// `c1.connector.v2.ResourceType`
    ResourceType,
    /// `c1.connector.v2.Resource`
    Resource,
    /// `c1.connector.v2.Entitlement`
    Entitlement,
    /// `c1.connector.v2.Grant`
    Grant,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ResourceType => "resource type",
            Self::Resource => "resource",
            Self::Entitlement => "entitlement",
            Self::Grant => "grant",
        })
    }
}

/// A row whose reference points at nothing (spec §5.5 referential hygiene).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{table} row {id:?}: its {missing} {missing_id:?} is not in the sync")]
pub struct DanglingReference {
    /// The table of the offending row, for example `v1_grants`.
    pub table: &'static str,
    /// The row's `external_id`.
    pub id: String,
    /// What kind of object is missing.
    pub missing: MissingTarget,
    /// The ID of the missing object, as the table's `external_id` would hold it
    /// (`<resource_type>:<resource_id>` for resources).
    pub missing_id: String,
}

/// What a dangling reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingTarget {
    /// A resource's type.
    ResourceType,
    /// A resource's parent resource.
    ParentResource,
    /// The resource an entitlement is on.
    Resource,
    /// A grant's entitlement.
    Entitlement,
    /// A grant's principal resource.
    Principal,
}

impl fmt::Display for MissingTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ResourceType => "resource type",
            Self::ParentResource => "parent resource",
            Self::Resource => "resource",
            Self::Entitlement => "entitlement",
            Self::Principal => "principal",
        })
    }
}
