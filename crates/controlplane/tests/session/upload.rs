//! UploadAsset: message order, chunk sizes, checksum, retries.

use c1_proto::c1::connectorapi::baton::v1::baton_service_upload_asset_request::Msg;
use controlplane::Error;
use controlplane::credentials::generate_client_secret;
use sha2::{Digest, Sha256};
use tonic::Code;

use crate::support::{FakeC1, HOST_ID, TASK_ID, install_crypto};

/// 1.3 MiB of varied bytes: two full chunks and a shorter last one.
fn asset_content() -> Vec<u8> {
    (0..(1_300 * 1024u32))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// Checks one attempt: metadata, non-empty chunks of at most 512 KiB that add up to `content`, eof with its SHA-256.
fn check_attempt(messages: &[Msg], content: &[u8]) {
    let Some(Msg::Metadata(metadata)) = messages.first() else {
        panic!("first message is not metadata");
    };
    assert_eq!(metadata.host_id, HOST_ID);
    assert_eq!(metadata.task_id, TASK_ID);
    let Some(Msg::Eof(eof)) = messages.last() else {
        panic!("last message is not eof");
    };
    assert_eq!(eof.sha256_checksum.len(), 32);
    assert_eq!(eof.sha256_checksum, Sha256::digest(content).to_vec());
    let mut sent = Vec::new();
    for message in &messages[1..messages.len() - 1] {
        let Msg::Data(data) = message else {
            panic!("metadata or eof in the middle of the stream");
        };
        assert!(!data.data.is_empty(), "empty chunk");
        assert!(
            data.data.len() <= 512 * 1024,
            "chunk of {}",
            data.data.len()
        );
        sent.extend_from_slice(&data.data);
    }
    assert!(sent == content, "the chunks do not add up to the file");
}

async fn started() -> (FakeC1, controlplane::Session, tempfile::TempDir) {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    let session = fake.session(&secret.secret).await;
    (fake, session, tempfile::tempdir().unwrap())
}

#[tokio::test]
async fn upload_sends_metadata_then_bounded_chunks_then_eof_with_the_sha256() {
    let (fake, session, dir) = started().await;
    let path = dir.path().join("sync.c1z");
    let content = asset_content();
    std::fs::write(&path, &content).unwrap();

    session.upload_asset(TASK_ID, &path).await.unwrap();

    let recorded = fake.recorded();
    assert_eq!(recorded.uploads.len(), 1);
    check_attempt(&recorded.uploads[0], &content);
    assert_eq!(
        recorded.uploads[0].len(),
        1 + 3 + 1,
        "metadata, 3 chunks, eof"
    );
}

#[tokio::test]
async fn failed_upload_attempt_is_retried_with_the_whole_file() {
    let (fake, session, dir) = started().await;
    let path = dir.path().join("sync.c1z");
    let content = asset_content();
    std::fs::write(&path, &content).unwrap();
    fake.behave(|b| b.failing_uploads = 1);

    session.upload_asset(TASK_ID, &path).await.unwrap();

    let recorded = fake.recorded();
    assert_eq!(recorded.uploads.len(), 2);
    for attempt in &recorded.uploads {
        check_attempt(attempt, &content);
    }
}

#[tokio::test]
async fn upload_gives_up_after_three_failed_attempts() {
    let (fake, session, dir) = started().await;
    let path = dir.path().join("sync.c1z");
    std::fs::write(&path, b"small").unwrap();
    fake.behave(|b| b.failing_uploads = 10);

    let error = session.upload_asset(TASK_ID, &path).await.unwrap_err();

    assert_eq!(error.rpc_code(), Some(Code::Unavailable), "{error}");
    assert_eq!(fake.recorded().uploads.len(), 3);
}

#[tokio::test]
async fn missing_asset_file_fails_without_contacting_the_server() {
    let (fake, session, dir) = started().await;

    let error = session
        .upload_asset(TASK_ID, &dir.path().join("absent.c1z"))
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Asset { .. }), "{error:?}");
    assert!(!error.is_retryable());
    assert!(fake.recorded().calls.is_empty());
}
