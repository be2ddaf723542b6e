//! The message stream of one `UploadAsset` attempt (spec §3.7): metadata
//! first, then the file in chunks read from disk as the stream is consumed,
//! then `eof` with the SHA-256 of every byte sent.

use std::sync::{Arc, Mutex};

use c1_proto::c1::connectorapi::baton::v1::BatonServiceUploadAssetRequest;
use c1_proto::c1::connectorapi::baton::v1::baton_service_upload_asset_request::{
    Msg, UploadData, UploadEof, UploadMetadata,
};
use futures::Stream;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

/// Size of every data chunk but the last (the SDK's 512 KiB; the protocol allows up to 1 MiB).
pub const UPLOAD_CHUNK_BYTES: usize = 512 * 1024;

/// Where a read error met while streaming is kept for the caller, since a
/// request stream cannot fail: the stream just ends without `eof`.
pub(crate) type ReadFailure = Arc<Mutex<Option<std::io::Error>>>;

enum Step {
    Metadata(UploadMetadata),
    Data,
    Done,
}

struct Reader {
    step: Step,
    file: tokio::fs::File,
    hasher: Sha256,
    failure: ReadFailure,
}

/// The requests of one attempt to upload `file`, and the slot that receives
/// a read error if one stops the stream early.
pub(crate) fn upload_requests(
    metadata: UploadMetadata,
    file: tokio::fs::File,
) -> (
    impl Stream<Item = BatonServiceUploadAssetRequest> + Send + 'static,
    ReadFailure,
) {
    let failure = ReadFailure::default();
    let reader = Reader {
        step: Step::Metadata(metadata),
        file,
        hasher: Sha256::new(),
        failure: failure.clone(),
    };
    let stream = futures::stream::unfold(reader, |mut reader| async move {
        let msg = match std::mem::replace(&mut reader.step, Step::Done) {
            Step::Metadata(metadata) => {
                reader.step = Step::Data;
                Msg::Metadata(metadata)
            }
            Step::Data => match read_chunk(&mut reader.file).await {
                Ok(chunk) if chunk.is_empty() => Msg::Eof(UploadEof {
                    sha256_checksum: reader.hasher.finalize_reset().to_vec(),
                    annotations: Vec::new(),
                }),
                Ok(chunk) => {
                    reader.hasher.update(&chunk);
                    reader.step = Step::Data;
                    Msg::Data(UploadData { data: chunk })
                }
                Err(error) => {
                    *reader.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(error);
                    return None;
                }
            },
            Step::Done => return None,
        };
        Some((BatonServiceUploadAssetRequest { msg: Some(msg) }, reader))
    });
    (stream, failure)
}

/// Reads up to [`UPLOAD_CHUNK_BYTES`]; empty only at the end of the file.
async fn read_chunk(file: &mut tokio::fs::File) -> std::io::Result<Vec<u8>> {
    let mut chunk = Vec::with_capacity(UPLOAD_CHUNK_BYTES);
    file.take(UPLOAD_CHUNK_BYTES as u64)
        .read_to_end(&mut chunk)
        .await?;
    Ok(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    async fn messages_for(content: &[u8]) -> Vec<Msg> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("asset");
        std::fs::write(&path, content).unwrap();
        let file = tokio::fs::File::open(&path).await.unwrap();
        let metadata = UploadMetadata {
            host_id: "host".into(),
            task_id: "task".into(),
            annotations: Vec::new(),
        };
        let (stream, failure) = upload_requests(metadata, file);
        let msgs = stream.map(|request| request.msg.unwrap()).collect().await;
        assert!(failure.lock().unwrap().is_none());
        msgs
    }

    #[tokio::test]
    async fn exact_multiple_of_the_chunk_size_sends_full_chunks_then_eof() {
        let content = vec![7u8; 2 * UPLOAD_CHUNK_BYTES];
        let msgs = messages_for(&content).await;
        assert_eq!(msgs.len(), 4);
        assert!(matches!(&msgs[0], Msg::Metadata(m) if m.task_id == "task"));
        for msg in &msgs[1..3] {
            assert!(matches!(msg, Msg::Data(d) if d.data.len() == UPLOAD_CHUNK_BYTES));
        }
        let Msg::Eof(eof) = &msgs[3] else {
            panic!("last message is not eof")
        };
        assert_eq!(eof.sha256_checksum, Sha256::digest(&content).to_vec());
    }

    #[tokio::test]
    async fn empty_file_sends_metadata_and_eof_only() {
        let msgs = messages_for(b"").await;
        assert_eq!(msgs.len(), 2);
        let Msg::Eof(eof) = &msgs[1] else {
            panic!("second message is not eof")
        };
        assert_eq!(eof.sha256_checksum, Sha256::digest(b"").to_vec());
    }
}
