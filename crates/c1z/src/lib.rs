//! The ConductorOne `.c1z` file, v1 (SQLite) format: a streaming writer that
//! turns one connector sync into the file C1 ingests, and a reader for it.
//!
//! A v1 `.c1z` is the header `C1ZF\0` followed by one zstd frame holding a
//! SQLite database with the Go SDK's `v1_*` tables; every object is stored as
//! its protobuf bytes plus a few indexed columns (spec §5).
//!
//! - [`C1zWriter`] stores resource types, resources, entitlements and grants as
//!   they are put, checks references when finished, and renames a complete,
//!   compressed file into place.
//! - [`C1zReader`] opens a `.c1z` (ours or the Go SDK's) and lists its objects.
//! - [`reference`](mod@reference) builds the benchmark's reference dataset.

mod checks;
mod envelope;
mod error;
mod ksuid;
mod reader;
pub mod reference;
mod schema;
mod timestamp;
mod writer;

pub use envelope::{V1_HEADER, V3_HEADER};
pub use error::{DanglingReference, Error, MissingTarget, ObjectKind, Result};
pub use ksuid::{KSUID_EPOCH, Ksuid, KsuidError};
pub use reader::{
    C1zReader, GrantFilter, GrantRecord, ReaderOptions, ResourceTypeCounts, Rows, SyncRun,
};
pub use schema::create_schema;
pub use timestamp::{format_sqlite_time, now_sqlite_time};
pub use writer::{C1zWriter, Counts, ReferenceChecks, Summary, SyncType, WriterOptions};
