//! `UploadAsset`: checks the stream's shape (metadata first, data chunks of 1 byte to
//! 1 MiB, exactly one 32-byte SHA-256 `eof`, nothing after it), verifies the checksum and
//! stores the bytes in a file.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use c1_proto::c1::connectorapi::baton::v1::BatonServiceUploadAssetRequest;
use c1_proto::c1::connectorapi::baton::v1::baton_service_upload_asset_request::Msg;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tonic::{Status, Streaming};

use super::records::UploadRecord;
use super::state::{State, lock};
use super::validate;

/// Largest data chunk the protocol allows (1 MiB).
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

/// The folder uploads are stored in.
pub(crate) struct UploadStore {
    dir: PathBuf,
    /// Keeps a temporary folder alive (and removes it with the store).
    _temp: Option<TempDir>,
    next: AtomicU64,
}

impl UploadStore {
    /// Stores uploads in `dir` (created if missing), or in a new temporary folder.
    pub(crate) fn new(dir: Option<&Path>) -> io::Result<UploadStore> {
        let (dir, temp) = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                (dir.to_path_buf(), None)
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("c1-sim-uploads-")
                    .tempdir()?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        Ok(UploadStore {
            dir,
            _temp: temp,
            next: AtomicU64::new(1),
        })
    }

    /// A new file path for an upload of `task_id`.
    fn path_for(&self, task_id: &str) -> PathBuf {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!("{task_id}-{n}.c1z"))
    }
}

/// Receives one upload stream and stores it; the file is removed if the stream is refused.
pub(crate) async fn receive(
    state: &State,
    mut stream: Streaming<BatonServiceUploadAssetRequest>,
) -> Result<UploadRecord, Status> {
    let metadata = match next_msg(&mut stream).await? {
        Some(Msg::Metadata(metadata)) => metadata,
        Some(_) => return Err(invalid("the first upload message must be metadata")),
        None => return Err(invalid("the upload stream is empty")),
    };
    validate::host_id(&metadata.host_id)?;
    validate::task_id(&metadata.task_id)?;
    validate::annotations("metadata", &metadata.annotations)?;
    if !lock(&state.queue).was_delivered(&metadata.task_id) {
        return Err(Status::not_found(format!(
            "task {} was never handed out",
            metadata.task_id
        )));
    }
    let path = state.uploads.path_for(&metadata.task_id);
    let (cut, stall) = {
        let mut faults = lock(&state.faults);
        (faults.take_upload_cut(), faults.take_upload_stall())
    };
    match store(&mut stream, &path, cut, stall).await {
        Ok(stored) => Ok(UploadRecord {
            at: SystemTime::now(),
            host_id: metadata.host_id,
            task_id: metadata.task_id,
            bytes: stored.bytes,
            chunks: stored.chunks,
            sha256: stored.sha256,
            path,
        }),
        Err(status) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(status)
        }
    }
}

/// What [`store`] wrote.
struct Stored {
    bytes: u64,
    chunks: usize,
    sha256: [u8; 32],
}

/// Writes the data chunks to `path` until `eof`, then checks the checksum and that the
/// stream ends there. With `cut`, fails after the first chunk as a dropped stream would;
/// with `stall`, waits that long after the first chunk.
async fn store(
    stream: &mut Streaming<BatonServiceUploadAssetRequest>,
    path: &Path,
    cut: bool,
    mut stall: Option<Duration>,
) -> Result<Stored, Status> {
    let mut file = tokio::fs::File::create(path).await.map_err(internal)?;
    let mut hasher = Sha256::new();
    let (mut bytes, mut chunks) = (0u64, 0usize);
    loop {
        match next_msg(stream).await? {
            None => return Err(invalid("the upload stream ended without eof")),
            Some(Msg::Metadata(_)) => return Err(invalid("metadata sent twice")),
            Some(Msg::Data(data)) => {
                let len = data.data.len();
                if !(1..=MAX_CHUNK_BYTES).contains(&len) {
                    return Err(invalid(format!(
                        "a data chunk has {len} bytes, allowed 1..={MAX_CHUNK_BYTES}"
                    )));
                }
                if cut {
                    return Err(Status::unavailable(
                        "upload interrupted by an injected fault",
                    ));
                }
                if let Some(pause) = stall.take() {
                    tokio::time::sleep(pause).await;
                }
                hasher.update(&data.data);
                file.write_all(&data.data).await.map_err(internal)?;
                bytes += len as u64;
                chunks += 1;
            }
            Some(Msg::Eof(eof)) => {
                validate::annotations("eof", &eof.annotations)?;
                let sent: [u8; 32] = eof.sha256_checksum.as_slice().try_into().map_err(|_| {
                    invalid(format!(
                        "eof sha256_checksum has {} bytes, must be 32",
                        eof.sha256_checksum.len()
                    ))
                })?;
                if sent != <[u8; 32]>::from(hasher.finalize()) {
                    return Err(invalid("sha256_checksum does not match the data"));
                }
                if next_msg(stream).await?.is_some() {
                    return Err(invalid("messages after eof"));
                }
                file.flush().await.map_err(internal)?;
                return Ok(Stored {
                    bytes,
                    chunks,
                    sha256: sent,
                });
            }
        }
    }
}

/// The next message's content; a message without `msg` is refused.
async fn next_msg(
    stream: &mut Streaming<BatonServiceUploadAssetRequest>,
) -> Result<Option<Msg>, Status> {
    match stream.message().await? {
        None => Ok(None),
        Some(BatonServiceUploadAssetRequest { msg: Some(msg) }) => Ok(Some(msg)),
        Some(_) => Err(invalid("an upload message without content")),
    }
}

fn invalid(message: impl Into<String>) -> Status {
    Status::invalid_argument(message)
}

fn internal(error: io::Error) -> Status {
    Status::internal(format!("storing the upload failed: {error}"))
}
