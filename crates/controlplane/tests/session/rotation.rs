//! A client secret read from a file picks up rotations without a restart.

use controlplane::credentials::generate_client_secret;
use controlplane::{Error, SecretSource, Session};

use crate::support::{FakeC1, install_crypto};

async fn file_session(fake: &FakeC1, path: &std::path::Path) -> Session {
    let mut config = fake.config(&generate_client_secret().secret);
    config.secret = SecretSource::File(path.to_owned());
    Session::connect(config).await.unwrap()
}

#[tokio::test]
async fn replaced_secret_file_signs_the_next_token_request_with_the_new_key() {
    install_crypto();
    let old = generate_client_secret();
    let new = generate_client_secret();
    let fake = FakeC1::start(old.public_key).await;
    // Short-lived tokens: every call fetches a new one.
    fake.behave(|b| b.expires_in = 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client-secret");
    std::fs::write(&path, format!("{}\n", old.secret)).unwrap();
    let session = file_session(&fake, &path).await;
    session.get_task().await.unwrap();

    std::fs::write(&path, &new.secret).unwrap();
    fake.behave(|b| b.accepted_keys = vec![new.public_key]);
    session.get_task().await.unwrap();

    let recorded = fake.recorded();
    let signers: Vec<_> = recorded
        .token_requests
        .iter()
        .map(|r| r.signed_by)
        .collect();
    assert_eq!(signers, [Some(old.public_key), Some(new.public_key)]);
}

#[tokio::test]
async fn malformed_replacement_keeps_the_previous_key() {
    install_crypto();
    let old = generate_client_secret();
    let fake = FakeC1::start(old.public_key).await;
    fake.behave(|b| b.expires_in = 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client-secret");
    std::fs::write(&path, &old.secret).unwrap();
    let session = file_session(&fake, &path).await;

    std::fs::write(&path, "secret-token:conductorone.com:v1:not-a-key").unwrap();
    session.get_task().await.unwrap();
    session.get_task().await.unwrap();

    let recorded = fake.recorded();
    assert_eq!(recorded.token_requests.len(), 2);
    assert!(
        recorded
            .token_requests
            .iter()
            .all(|r| r.signed_by == Some(old.public_key))
    );
}

#[tokio::test]
async fn missing_or_malformed_secret_file_fails_connect() {
    install_crypto();
    let fake = FakeC1::start(generate_client_secret().public_key).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = fake.config(&generate_client_secret().secret);

    config.secret = SecretSource::File(dir.path().join("absent"));
    let missing = Session::connect(config.clone()).await.unwrap_err();
    assert!(matches!(missing, Error::SecretFile { .. }), "{missing:?}");

    let path = dir.path().join("bad");
    std::fs::write(&path, "secret-token:conductorone.com:v2:abc").unwrap();
    config.secret = SecretSource::File(path);
    let malformed = Session::connect(config).await.unwrap_err();
    assert!(matches!(malformed, Error::ClientSecret(_)), "{malformed:?}");
}
