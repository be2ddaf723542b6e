//! Token requests: the assertion, the form, caching and refreshing.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use controlplane::credentials::generate_client_secret;
use controlplane::{Error, Session};
use serde_json::Value;
use tonic::Code;

use crate::support::{FakeC1, install_crypto};

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn client_assertion_has_exactly_the_sdk_header_claims_and_form() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    let session = fake.session(&secret.secret).await;

    let before = unix_now();
    session.get_task().await.unwrap();
    let after = unix_now();

    let recorded = fake.recorded();
    assert_eq!(recorded.token_requests.len(), 1);
    let request = &recorded.token_requests[0];
    assert_eq!(request.signed_by, Some(secret.public_key));
    assert_eq!(request.content_type, "application/x-www-form-urlencoded");
    assert_eq!(request.user_agent, "baton-c1-credential-provider");

    assert_eq!(keys(&request.header), BTreeSet::from(["alg", "nonce"]));
    assert_eq!(request.header["alg"], "EdDSA");
    let nonce = request.header["nonce"].as_str().unwrap();
    assert_eq!(nonce.len(), 32);
    assert!(
        nonce.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
        "{nonce}"
    );

    let claims = &request.claims;
    assert_eq!(
        keys(claims),
        BTreeSet::from(["aud", "exp", "iat", "iss", "nbf", "sub"])
    );
    let client_id = fake.client_id();
    assert_eq!(claims["iss"], client_id.as_str());
    assert_eq!(claims["sub"], client_id.as_str());
    assert_eq!(claims["aud"], Value::String("localhost".into()));
    let iat = claims["iat"].as_i64().unwrap();
    assert!(
        (before..=after).contains(&iat),
        "iat {iat} not in {before}..={after}"
    );
    assert_eq!(claims["nbf"].as_i64(), Some(iat - 120));
    assert_eq!(claims["exp"].as_i64(), Some(iat + 120));

    let names: Vec<&str> = request.form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([
            "client_assertion",
            "client_assertion_type",
            "client_id",
            "grant_type"
        ])
    );
    assert_eq!(names.len(), 4);
    let field = |name: &str| {
        request
            .form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap()
    };
    assert_eq!(field("client_id"), client_id);
    assert_eq!(field("grant_type"), "client_credentials");
    assert_eq!(
        field("client_assertion_type"),
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
}

#[tokio::test]
async fn token_is_fetched_once_and_reused_across_calls() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    let session = fake.session(&secret.secret).await;

    for _ in 0..3 {
        session.get_task().await.unwrap();
    }
    session.heartbeat(crate::support::TASK_ID).await.unwrap();

    let recorded = fake.recorded();
    assert_eq!(recorded.token_requests.len(), 1);
    assert_eq!(session.token_refreshes(), 1);
    assert_eq!(recorded.calls.len(), 4);
    for call in &recorded.calls {
        assert_eq!(call.authorization.as_deref(), Some("Bearer tok-1"));
    }
}

#[tokio::test]
async fn token_close_to_expiry_is_replaced_before_the_next_call() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    // Tokens live 5 s, less than the 10 s refresh margin: each call needs a new one.
    fake.behave(|b| b.expires_in = 5);
    let session = fake.session(&secret.secret).await;

    for _ in 0..3 {
        session.get_task().await.unwrap();
    }

    let recorded = fake.recorded();
    assert_eq!(recorded.token_requests.len(), 3);
    assert_eq!(session.token_refreshes(), 3);
    let bearers: Vec<_> = recorded
        .calls
        .iter()
        .map(|c| c.authorization.clone().unwrap())
        .collect();
    assert_eq!(bearers, ["Bearer tok-1", "Bearer tok-2", "Bearer tok-3"]);
    let nonces: BTreeSet<_> = recorded
        .token_requests
        .iter()
        .map(|r| r.header["nonce"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(nonces.len(), 3, "every assertion has a fresh nonce");
}

#[tokio::test]
async fn refused_token_is_replaced_and_the_call_sent_once_more() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    let session = fake.session(&secret.secret).await;
    session.get_task().await.unwrap();

    fake.revoke_tokens();
    session.get_task().await.unwrap();

    let recorded = fake.recorded();
    assert_eq!(recorded.token_requests.len(), 2);
    let bearers: Vec<_> = recorded
        .calls
        .iter()
        .map(|c| c.authorization.clone().unwrap())
        .collect();
    assert_eq!(bearers, ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
    assert_eq!(
        recorded.get_tasks.len(),
        2,
        "the refused call did not reach the handler"
    );
}

#[tokio::test]
async fn call_refused_with_a_fresh_token_too_fails_as_unauthenticated() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    fake.behave(|b| b.refuse_all_calls = true);
    let session = fake.session(&secret.secret).await;

    let error = session.get_task().await.unwrap_err();

    assert_eq!(error.rpc_code(), Some(Code::Unauthenticated), "{error}");
    assert!(!error.is_retryable());
    let recorded = fake.recorded();
    assert_eq!(recorded.calls.len(), 2, "one retry, no more");
    assert_eq!(recorded.token_requests.len(), 2);
}

#[tokio::test]
async fn token_endpoint_refusing_the_key_is_a_non_retryable_auth_error() {
    install_crypto();
    let secret = generate_client_secret();
    let other = generate_client_secret();
    let fake = FakeC1::start(other.public_key).await;
    let session = fake.session(&secret.secret).await;

    let error = session.hello(None, Default::default()).await.unwrap_err();

    assert!(
        matches!(error, Error::TokenRefused { status: 401, .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert!(error.to_string().contains("invalid_client"), "{error}");
    let key_part = secret.secret.rsplit(':').next().unwrap();
    assert!(!error.to_string().contains(key_part));
    assert!(
        fake.recorded().calls.is_empty(),
        "no gRPC call without a token"
    );
}

#[tokio::test]
async fn api_host_override_moves_the_url_but_aud_stays_the_client_id_host() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    fake.behave(|b| b.expected_aud = "tenant.c1.invalid".into());
    let mut config = fake.config(&secret.secret);
    config.client_id = "test-client@tenant.c1.invalid:2443/pcc".into();
    config.api_host_override = Some(format!("localhost:{}", fake.addr.port()));
    let session = Session::connect(config).await.unwrap();

    session.get_task().await.unwrap();

    let recorded = fake.recorded();
    let claims = &recorded.token_requests[0].claims;
    assert_eq!(claims["aud"], "tenant.c1.invalid");
    assert_eq!(claims["iss"], "test-client@tenant.c1.invalid:2443/pcc");
    assert_eq!(recorded.get_tasks.len(), 1);
}

#[tokio::test]
async fn unreachable_token_endpoint_is_a_retryable_transport_error() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut config = fake.config(&secret.secret);
    config.client_id = format!("test-client@localhost:{port}/pcc");
    let session = Session::connect(config).await.unwrap();

    let error = session.get_task().await.unwrap_err();

    assert!(matches!(error, Error::Unavailable { .. }), "{error:?}");
    assert!(error.is_retryable());
}
