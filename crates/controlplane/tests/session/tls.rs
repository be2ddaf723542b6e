//! Transport security: trusted CAs and the test-only plaintext switch.

use controlplane::credentials::generate_client_secret;
use controlplane::{Error, Session};

use crate::support::{FakeC1, Pki, install_crypto};

#[tokio::test]
async fn server_from_an_unknown_ca_fails_with_a_certificate_error_naming_the_host() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    let dir = tempfile::tempdir().unwrap();
    let other_ca = dir.path().join("other-ca.pem");
    std::fs::write(&other_ca, Pki::new().ca_pem).unwrap();

    for extra_ca in [None, Some(other_ca)] {
        let mut config = fake.config(&secret.secret);
        config.extra_ca_pem = extra_ca;
        let session = Session::connect(config).await.unwrap();
        let error = session.get_task().await.unwrap_err();
        assert!(matches!(error, Error::Certificate { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with("certificate verify failed for host localhost: "),
            "{error}"
        );
        assert!(!error.is_retryable());
    }
    assert!(fake.recorded().token_requests.is_empty());
}

#[tokio::test]
async fn extra_ca_file_without_a_certificate_is_a_setting_error() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate").unwrap();
    let mut config = fake.config(&secret.secret);
    config.extra_ca_pem = Some(empty);

    let error = Session::connect(config).await.unwrap_err();

    assert!(matches!(error, Error::Config(_)), "{error:?}");
}

#[tokio::test]
async fn plaintext_address_is_refused_without_the_test_flag() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start_with(secret.public_key, false).await;
    let mut config = fake.config(&secret.secret);
    config.api_host_override = Some(format!("http://localhost:{}", fake.addr.port()));

    let error = Session::connect(config).await.unwrap_err();

    assert!(matches!(error, Error::PlaintextRefused { .. }), "{error:?}");
}

#[tokio::test]
async fn plaintext_works_only_with_the_test_flag() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start_with(secret.public_key, false).await;
    let mut config = fake.config(&secret.secret);
    config.api_host_override = Some(format!("http://localhost:{}", fake.addr.port()));
    config.allow_plaintext_for_tests = true;
    let session = Session::connect(config).await.unwrap();

    session.get_task().await.unwrap();

    let recorded = fake.recorded();
    assert_eq!(recorded.token_requests.len(), 1);
    assert_eq!(recorded.get_tasks.len(), 1);
}
