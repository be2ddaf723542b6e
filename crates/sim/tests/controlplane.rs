//! The control-plane simulator over real TLS sockets: token requests signed by hand with
//! jsonwebtoken, and tonic's generated `BatonService` client trusting the test CA.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use c1_proto::c1::connector::v2::{ConnectorMetadata, GrantManagerServiceGrantResponse};
use c1_proto::c1::connectorapi::baton::v1::baton_service_client::BatonServiceClient;
use c1_proto::c1::connectorapi::baton::v1::baton_service_finish_task_request::{
    Error as FinishError, FinalState, Success,
};
use c1_proto::c1::connectorapi::baton::v1::baton_service_upload_asset_request::{
    Msg, UploadData, UploadEof, UploadMetadata,
};
use c1_proto::c1::connectorapi::baton::v1::task::TaskType;
use c1_proto::c1::connectorapi::baton::v1::{
    BatonServiceFinishTaskRequest, BatonServiceGetTaskRequest, BatonServiceHeartbeatRequest,
    BatonServiceHelloRequest, BatonServiceUploadAssetRequest, Task,
};
use c1_proto::google::rpc::Status as RpcStatus;
use c1z::{C1zReader, GrantFilter};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sim::controlplane::script::{self, TaskOutcome, TaskSpec};
use sim::controlplane::{
    ControlPlaneConfig, ControlPlaneSim, IssuedCredentials, Method, Times, tasks,
};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Request};

const HOST_ID: &str = "test-host";
const USER_AGENT: &str = "sim-client baton-sdk/v0.25.0";
const WAIT: Duration = Duration::from_secs(10);
/// PKCS#8 v1 prefix of an Ed25519 private key; the 32-byte seed follows.
const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

// ---------------------------------------------------------------------------------------
// Harness

/// A running simulator, issued credentials and an HTTPS client trusting its CA.
struct Harness {
    sim: ControlPlaneSim,
    credentials: IssuedCredentials,
    http: reqwest::Client,
}

async fn harness() -> Harness {
    harness_with(ControlPlaneConfig::default()).await
}

async fn harness_with(config: ControlPlaneConfig) -> Harness {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let sim = ControlPlaneSim::start(config).await.unwrap();
    let credentials = sim.issue_credentials();
    let http = https_client(&sim, reqwest::Client::builder());
    Harness {
        sim,
        credentials,
        http,
    }
}

fn https_client(sim: &ControlPlaneSim, builder: reqwest::ClientBuilder) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap();
    builder
        .tls_certs_only([ca])
        .user_agent("baton-c1-credential-provider")
        .build()
        .unwrap()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).unwrap();
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A client assertion, built as the SDK builds it unless a test changes a field.
struct Assertion {
    header: Header,
    claims: Value,
}

impl Assertion {
    fn for_client(client_id: &str) -> Assertion {
        let host = client_id
            .split_once('@')
            .unwrap()
            .1
            .split_once('/')
            .unwrap()
            .0;
        let audience = host.split_once(':').map_or(host, |(name, _)| name);
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = None;
        header.nonce = Some(random_hex(16));
        let iat = now();
        Assertion {
            header,
            claims: json!({
                "iss": client_id, "sub": client_id, "aud": audience,
                "iat": iat, "nbf": iat - 120, "exp": iat + 120,
            }),
        }
    }

    /// Signs with the private key of a `secret-token:conductorone.com:v1:<JWK>` secret.
    fn sign(&self, client_secret: &str) -> String {
        let b64 = client_secret.splitn(4, ':').nth(3).unwrap();
        let jwk: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(b64).unwrap()).unwrap();
        let seed = URL_SAFE_NO_PAD.decode(jwk["d"].as_str().unwrap()).unwrap();
        let der = [&PKCS8_ED25519_PREFIX[..], &seed].concat();
        jsonwebtoken::encode(&self.header, &self.claims, &EncodingKey::from_ed_der(&der)).unwrap()
    }
}

/// Moves the assertion's `iat` to `iat`, with `nbf` and `exp` 120 s either side.
fn shift_times(assertion: &mut Assertion, iat: i64) {
    assertion.claims["iat"] = json!(iat);
    assertion.claims["nbf"] = json!(iat - 120);
    assertion.claims["exp"] = json!(iat + 120);
}

/// The four form fields of a token request.
fn token_form(client_id: &str, assertion: &str) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", client_id.to_owned()),
        ("grant_type", "client_credentials".to_owned()),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
        ),
        ("client_assertion", assertion.to_owned()),
    ]
}

impl Harness {
    async fn post_token(&self, form: &[(&'static str, String)]) -> (u16, Value) {
        post_token(&self.http, &self.sim, form).await
    }

    /// A token for the issued credentials.
    async fn token(&self) -> String {
        let assertion = Assertion::for_client(&self.credentials.client_id);
        let form = token_form(
            &self.credentials.client_id,
            &assertion.sign(&self.credentials.client_secret),
        );
        let (status, body) = self.post_token(&form).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    async fn grpc(&self) -> BatonServiceClient<Channel> {
        let tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(self.sim.ca_pem()));
        let channel = Endpoint::from_shared(format!("https://{}", self.sim.host()))
            .unwrap()
            .user_agent(USER_AGENT)
            .unwrap()
            .tls_config(tls)
            .unwrap()
            .connect()
            .await
            .unwrap();
        BatonServiceClient::new(channel)
    }
}

async fn post_token(
    http: &reqwest::Client,
    sim: &ControlPlaneSim,
    form: &[(&'static str, String)],
) -> (u16, Value) {
    let response = http.post(sim.token_url()).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `message` with `authorization: Bearer <token>`.
fn authed<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

fn get_task() -> BatonServiceGetTaskRequest {
    BatonServiceGetTaskRequest {
        host_id: HOST_ID.into(),
    }
}

fn hello_request() -> BatonServiceHelloRequest {
    BatonServiceHelloRequest {
        host_id: HOST_ID.into(),
        connector_metadata: Some(ConnectorMetadata {
            display_name: "Atlassian".into(),
            ..ConnectorMetadata::default()
        }),
        ..BatonServiceHelloRequest::default()
    }
}

fn heartbeat(task_id: &str) -> BatonServiceHeartbeatRequest {
    BatonServiceHeartbeatRequest {
        host_id: HOST_ID.into(),
        task_id: task_id.into(),
        ..BatonServiceHeartbeatRequest::default()
    }
}

fn finish_success(
    task_id: &str,
    response: Option<prost_types::Any>,
) -> BatonServiceFinishTaskRequest {
    BatonServiceFinishTaskRequest {
        host_id: HOST_ID.into(),
        task_id: task_id.into(),
        status: None,
        final_state: Some(FinalState::Success(Success {
            annotations: Vec::new(),
            response,
        })),
    }
}

fn finish_error(task_id: &str, code: Code, message: &str) -> BatonServiceFinishTaskRequest {
    BatonServiceFinishTaskRequest {
        host_id: HOST_ID.into(),
        task_id: task_id.into(),
        status: Some(RpcStatus {
            code: code as i32,
            message: message.into(),
            details: Vec::new(),
        }),
        final_state: Some(FinalState::Error(FinishError {
            non_retryable: false,
            annotations: Vec::new(),
            response: None,
        })),
    }
}

/// Hands out the next task through GetTask.
async fn take_task(client: &mut BatonServiceClient<Channel>, token: &str) -> Option<Task> {
    client
        .get_task(authed(get_task(), token))
        .await
        .unwrap()
        .into_inner()
        .task
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/baton-sdk")
        .join(name)
}

const FIXTURE: &str = "sync.36zfOAoWMxQdISbixanQCRBiX7E.unexpanded.c1z";

/// An upload stream: metadata, `data` in chunks of `chunk` bytes, then eof with `sha`.
fn upload_stream(
    task_id: &str,
    data: &[u8],
    chunk: usize,
    sha: Vec<u8>,
) -> Vec<BatonServiceUploadAssetRequest> {
    let message = |msg| BatonServiceUploadAssetRequest { msg: Some(msg) };
    let mut stream = vec![message(Msg::Metadata(UploadMetadata {
        host_id: HOST_ID.into(),
        task_id: task_id.into(),
        annotations: Vec::new(),
    }))];
    stream.extend(
        data.chunks(chunk)
            .map(|c| message(Msg::Data(UploadData { data: c.to_vec() }))),
    );
    stream.push(message(Msg::Eof(UploadEof {
        sha256_checksum: sha,
        annotations: Vec::new(),
    })));
    stream
}

async fn upload(
    client: &mut BatonServiceClient<Channel>,
    token: &str,
    stream: Vec<BatonServiceUploadAssetRequest>,
) -> Result<(), tonic::Status> {
    client
        .upload_asset(authed(tokio_stream::iter(stream), token))
        .await
        .map(drop)
}

// ---------------------------------------------------------------------------------------
// Token endpoint

#[tokio::test]
async fn a_good_assertion_gets_a_bearer_token_and_the_request_is_recorded() {
    let h = harness().await;
    let assertion = Assertion::for_client(&h.credentials.client_id);
    let form = token_form(
        &h.credentials.client_id,
        &assertion.sign(&h.credentials.client_secret),
    );
    let (status, body) = h.post_token(&form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(!body["access_token"].as_str().unwrap().is_empty());

    let records = h.sim.records();
    let [request] = &records.token_requests[..] else {
        panic!("one token request expected: {:?}", records.token_requests);
    };
    assert!(request.granted);
    assert_eq!(request.client_id, h.credentials.client_id);
    assert_eq!(
        request.key_id.as_deref(),
        Some(h.credentials.key_id.as_str())
    );
    assert_eq!(
        request.user_agent.as_deref(),
        Some("baton-c1-credential-provider")
    );
}

#[tokio::test]
async fn client_id_and_secret_have_the_conductorone_shapes() {
    let h = harness().await;
    let port = h.sim.address().port();
    assert_eq!(
        h.credentials.client_id,
        format!("sim-client@127.0.0.1:{port}/pcc")
    );
    assert_eq!(h.sim.host(), format!("127.0.0.1:{port}"));
    assert!(
        h.credentials
            .client_secret
            .starts_with("secret-token:conductorone.com:v1:")
    );
    assert!(!format!("{:?}", h.credentials).contains(&h.credentials.client_secret));
}

#[tokio::test]
async fn bad_assertions_are_refused_with_401_and_no_token() {
    let h = harness().await;
    let client_id = h.credentials.client_id.clone();
    let other = h.sim.issue_credentials_named("other");
    type Change = fn(&mut Assertion);
    // (case, change, sign with another client's key, expected words in the description)
    let cases: [(&str, Change, bool, &str); 7] = [
        (
            "wrong aud",
            |a| a.claims["aud"] = json!("example.com"),
            false,
            "aud",
        ),
        (
            "aud as array",
            |a| a.claims["aud"] = json!(["127.0.0.1"]),
            false,
            "aud",
        ),
        ("expired", |a| shift_times(a, now() - 600), false, "expired"),
        (
            "issued in the future",
            |a| shift_times(a, now() + 600),
            false,
            "future",
        ),
        ("missing nonce", |a| a.header.nonce = None, false, "nonce"),
        (
            "typ present",
            |a| a.header.typ = Some("JWT".into()),
            false,
            "typ",
        ),
        ("another client's key", |_| {}, true, "signature"),
    ];
    for (case, change, other_key, words) in cases {
        let mut assertion = Assertion::for_client(&client_id);
        change(&mut assertion);
        let secret = if other_key {
            &other.client_secret
        } else {
            &h.credentials.client_secret
        };
        let (status, body) = h
            .post_token(&token_form(&client_id, &assertion.sign(secret)))
            .await;
        assert_eq!(status, 401, "{case}: {body}");
        assert_eq!(body["error"], "invalid_client", "{case}");
        let description = body["error_description"].as_str().unwrap();
        assert!(description.contains(words), "{case}: {description}");
        assert!(body.get("access_token").is_none(), "{case}");
    }
    assert!(h.sim.records().token_requests.iter().all(|r| !r.granted));
}

#[tokio::test]
async fn malformed_token_forms_are_refused() {
    let h = harness().await;
    let assertion =
        Assertion::for_client(&h.credentials.client_id).sign(&h.credentials.client_secret);
    let good = token_form(&h.credentials.client_id, &assertion);

    let mut extra = good.clone();
    extra.push(("scope", "all".into()));
    let mut wrong_grant = good.clone();
    wrong_grant[1].1 = "password".into();
    let missing_type: Vec<_> = good
        .iter()
        .filter(|(k, _)| *k != "client_assertion_type")
        .cloned()
        .collect();
    let mut unknown_client = good.clone();
    unknown_client[0].1 = format!("nobody@{}/pcc", h.sim.host());

    for (case, form, error) in [
        ("extra field", extra, "invalid_request"),
        ("wrong grant type", wrong_grant, "unsupported_grant_type"),
        ("missing assertion type", missing_type, "invalid_request"),
        ("unknown client", unknown_client, "invalid_client"),
    ] {
        let (status, body) = h.post_token(&form).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert_eq!(body["error"], error, "{case}");
    }
}

#[tokio::test]
async fn a_replayed_assertion_is_refused() {
    let h = harness().await;
    let assertion =
        Assertion::for_client(&h.credentials.client_id).sign(&h.credentials.client_secret);
    let form = token_form(&h.credentials.client_id, &assertion);
    assert_eq!(h.post_token(&form).await.0, 200);
    let (status, body) = h.post_token(&form).await;
    assert_eq!(status, 401);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("replay")
    );
}

#[tokio::test]
async fn after_rotation_the_old_key_is_refused_and_the_new_one_accepted() {
    let h = harness().await;
    let rotated = h.sim.rotate_credentials(&h.credentials.client_id).unwrap();
    assert_eq!(rotated.client_id, h.credentials.client_id);
    assert_ne!(rotated.key_id, h.credentials.key_id);

    let sign_with = |secret: &str| {
        let assertion = Assertion::for_client(&h.credentials.client_id).sign(secret);
        token_form(&h.credentials.client_id, &assertion)
    };
    assert_eq!(
        h.post_token(&sign_with(&h.credentials.client_secret))
            .await
            .0,
        401
    );
    assert_eq!(
        h.post_token(&sign_with(&rotated.client_secret)).await.0,
        200
    );
    let last = h.sim.records().token_requests.pop().unwrap();
    assert_eq!(last.key_id.as_deref(), Some(rotated.key_id.as_str()));
    assert!(h.sim.rotate_credentials("nobody@x/pcc").is_none());
}

#[tokio::test]
async fn with_a_grace_period_the_rotated_key_still_works() {
    let h = harness_with(ControlPlaneConfig {
        rotated_key_grace: Some(Duration::from_secs(600)),
        ..ControlPlaneConfig::default()
    })
    .await;
    h.sim.rotate_credentials(&h.credentials.client_id).unwrap();
    let assertion =
        Assertion::for_client(&h.credentials.client_id).sign(&h.credentials.client_secret);
    let (status, _) = h
        .post_token(&token_form(&h.credentials.client_id, &assertion))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_token_endpoint_also_answers_http1_clients() {
    let h = harness().await;
    let http1 = https_client(&h.sim, reqwest::Client::builder().http1_only());
    let assertion =
        Assertion::for_client(&h.credentials.client_id).sign(&h.credentials.client_secret);
    let (status, body) = post_token(
        &http1,
        &h.sim,
        &token_form(&h.credentials.client_id, &assertion),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn refused_tokens_fault_answers_the_given_status_then_clears() {
    let h = harness().await;
    h.sim.refuse_tokens(503, Times::Next(1));
    let sign = || {
        let assertion =
            Assertion::for_client(&h.credentials.client_id).sign(&h.credentials.client_secret);
        token_form(&h.credentials.client_id, &assertion)
    };
    let (status, body) = h.post_token(&sign()).await;
    assert_eq!(status, 503);
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(h.post_token(&sign()).await.0, 200);
}

// ---------------------------------------------------------------------------------------
// Bearer tokens on gRPC calls

#[tokio::test]
async fn calls_without_a_valid_bearer_token_are_unauthenticated() {
    let h = harness().await;
    let mut client = h.grpc().await;
    let missing = client.get_task(Request::new(get_task())).await.unwrap_err();
    assert_eq!(missing.code(), Code::Unauthenticated);
    let wrong = client
        .get_task(authed(get_task(), "not-a-token"))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);

    let token = h.token().await;
    assert!(client.get_task(authed(get_task(), &token)).await.is_ok());
    h.sim.expire_all_tokens();
    let expired = client
        .get_task(authed(get_task(), &token))
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Code::Unauthenticated);

    let fresh = h.token().await;
    assert!(h.sim.revoke_token(&fresh));
    let revoked = client
        .get_task(authed(get_task(), &fresh))
        .await
        .unwrap_err();
    assert_eq!(revoked.code(), Code::Unauthenticated);

    let codes: Vec<Code> = h
        .sim
        .records()
        .calls_of(Method::GetTask)
        .iter()
        .map(|c| c.code)
        .collect();
    use Code::{Ok as Fine, Unauthenticated as Refused};
    assert_eq!(codes, [Refused, Refused, Fine, Refused, Refused]);
}

#[tokio::test]
async fn a_short_token_lifetime_expires_the_token() {
    let h = harness_with(ControlPlaneConfig {
        token_ttl: Duration::from_secs(1),
        ..ControlPlaneConfig::default()
    })
    .await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let error = client
        .get_task(authed(get_task(), &token))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::Unauthenticated);
}

// ---------------------------------------------------------------------------------------
// Hello and the task queue

#[tokio::test]
async fn hello_is_recorded_with_its_metadata_and_user_agent() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    client.hello(authed(hello_request(), &token)).await.unwrap();
    let hello = h.sim.wait_for_hello(WAIT).await.unwrap();
    assert_eq!(hello.request.host_id, HOST_ID);
    assert_eq!(
        hello.request.connector_metadata.unwrap().display_name,
        "Atlassian"
    );
    assert!(hello.user_agent.unwrap().starts_with(USER_AGENT));
    let call = &h.sim.records().calls_of(Method::Hello)[0];
    assert_eq!(
        call.client_id.as_deref(),
        Some(h.credentials.client_id.as_str())
    );
}

#[tokio::test]
async fn invalid_requests_are_refused_with_invalid_argument() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let no_host = BatonServiceHelloRequest {
        host_id: String::new(),
        ..hello_request()
    };
    let no_metadata = BatonServiceHelloRequest {
        connector_metadata: None,
        ..hello_request()
    };
    let too_many_annotations = BatonServiceHelloRequest {
        annotations: vec![prost_types::Any::default(); 17],
        ..hello_request()
    };
    for (case, request) in [
        ("no host id", no_host),
        ("no metadata", no_metadata),
        ("17 annotations", too_many_annotations),
    ] {
        let error = client.hello(authed(request, &token)).await.unwrap_err();
        assert_eq!(error.code(), Code::InvalidArgument, "{case}");
    }
    let bad_id = client
        .heartbeat(authed(heartbeat("short"), &token))
        .await
        .unwrap_err();
    assert_eq!(bad_id.code(), Code::InvalidArgument);
    let no_host = client
        .get_task(authed(
            BatonServiceGetTaskRequest {
                host_id: String::new(),
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(no_host.code(), Code::InvalidArgument);
    assert!(h.sim.records().hellos.is_empty());
}

#[tokio::test]
async fn a_scripted_task_is_handed_out_once_and_its_finish_recorded() {
    let h = harness_with(ControlPlaneConfig {
        next_poll: Duration::from_millis(50),
        ..ControlPlaneConfig::default()
    })
    .await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let group = tasks::resource("group", "g1");
    let task = tasks::grant(
        tasks::entitlement(group, "member"),
        tasks::resource("user", "u1"),
    );
    let task_id = h.sim.push_task(task.clone());

    let first = client
        .get_task(authed(get_task(), &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.task, Some(task));
    assert_eq!(first.next_poll.unwrap().nanos, 50_000_000);
    assert_eq!(take_task(&mut client, &token).await, None);

    let response = c1_proto::any::pack(&GrantManagerServiceGrantResponse::default());
    client
        .finish_task(authed(
            finish_success(&task_id, Some(response.clone())),
            &token,
        ))
        .await
        .unwrap();
    let finish = h.sim.wait_for_finish(&task_id, WAIT).await.unwrap();
    assert!(finish.success);
    assert_eq!(finish.response, Some(response));
    assert_eq!(finish.host_id, HOST_ID);
    let polls = h.sim.records().get_tasks;
    assert_eq!(polls.len(), 2);
    assert_eq!(polls[0].task_id.as_deref(), Some(task_id.as_str()));
}

#[tokio::test]
async fn an_error_finish_records_status_and_retryability() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let task_id = h.sim.push_task(tasks::event_feed());
    take_task(&mut client, &token).await.unwrap();
    client
        .finish_task(authed(
            finish_error(&task_id, Code::Unknown, "unsupported task type"),
            &token,
        ))
        .await
        .unwrap();
    let finish = h.sim.wait_for_finish(&task_id, WAIT).await.unwrap();
    assert!(!finish.success);
    assert!(!finish.non_retryable);
    assert_eq!(finish.status_code(), Code::Unknown as i32);
    assert_eq!(finish.status_message(), "unsupported task type");
}

#[tokio::test]
async fn finishing_a_task_never_handed_out_is_not_found() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let queued = h.sim.push_task(tasks::sync_full());
    let error = client
        .finish_task(authed(finish_success(&queued, None), &token))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound);
    assert!(h.sim.records().finishes.is_empty());
}

#[tokio::test]
async fn a_hello_with_the_task_id_acknowledges_a_hello_task() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let task_id = h.sim.push_task(tasks::hello());
    let task = take_task(&mut client, &token).await.unwrap();
    assert!(matches!(task.task_type, Some(TaskType::Hello(_))));
    let request = BatonServiceHelloRequest {
        task_id: task_id.clone(),
        ..hello_request()
    };
    client.hello(authed(request, &token)).await.unwrap();
    let hello = h.sim.wait_for_hello(WAIT).await.unwrap();
    assert_eq!(hello.request.task_id, task_id);
}

#[tokio::test]
async fn a_task_can_be_delivered_twice() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let task_id = h.sim.push_task(tasks::sync_full());
    assert!(!h.sim.redeliver(&task_id), "not handed out yet");
    assert_eq!(take_task(&mut client, &token).await.unwrap().id, task_id);
    assert!(h.sim.redeliver(&task_id));
    assert_eq!(take_task(&mut client, &token).await.unwrap().id, task_id);
    assert_eq!(take_task(&mut client, &token).await, None);
}

#[tokio::test]
async fn an_unfinished_task_is_handed_out_again_after_its_lease() {
    let h = harness_with(ControlPlaneConfig {
        task_lease: Some(Duration::from_secs(1)),
        ..ControlPlaneConfig::default()
    })
    .await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let task_id = h.sim.push_task(tasks::sync_full());
    assert_eq!(take_task(&mut client, &token).await.unwrap().id, task_id);
    assert_eq!(take_task(&mut client, &token).await, None);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(take_task(&mut client, &token).await.unwrap().id, task_id);
}

// ---------------------------------------------------------------------------------------
// Heartbeats

#[tokio::test]
async fn a_cancelled_task_is_reported_cancelled_by_the_next_heartbeat() {
    let h = harness_with(ControlPlaneConfig {
        next_heartbeat: Duration::from_secs(2),
        ..ControlPlaneConfig::default()
    })
    .await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let task_id = h.sim.push_task(tasks::sync_full());
    take_task(&mut client, &token).await.unwrap();

    let first = client
        .heartbeat(authed(heartbeat(&task_id), &token))
        .await
        .unwrap()
        .into_inner();
    assert!(!first.cancelled);
    assert_eq!(first.next_heartbeat.unwrap().seconds, 2);
    h.sim.cancel_task(&task_id);
    let second = client
        .heartbeat(authed(heartbeat(&task_id), &token))
        .await
        .unwrap()
        .into_inner();
    assert!(second.cancelled);

    let beats = h.sim.wait_for_heartbeats(&task_id, 2, WAIT).await.unwrap();
    assert_eq!(
        beats.iter().map(|b| b.cancelled).collect::<Vec<_>>(),
        [false, true]
    );
    assert!(beats[0].at <= beats[1].at);
}

#[tokio::test]
async fn a_heartbeat_for_a_task_never_handed_out_is_not_found() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let error = client
        .heartbeat(authed(heartbeat(&tasks::new_task_id()), &token))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound);
}

// ---------------------------------------------------------------------------------------
// Uploads

#[tokio::test]
async fn an_upload_with_a_wrong_checksum_is_refused_and_a_good_one_stored_and_readable() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let task_id = h.sim.push_task(tasks::sync_full());
    take_task(&mut client, &token).await.unwrap();
    let bytes = std::fs::read(fixture(FIXTURE)).unwrap();
    let sha = Sha256::digest(&bytes).to_vec();

    let wrong = upload(
        &mut client,
        &token,
        upload_stream(&task_id, &bytes, 64 * 1024, vec![0; 32]),
    )
    .await;
    assert_eq!(wrong.unwrap_err().code(), Code::InvalidArgument);
    assert!(h.sim.uploaded_c1z(&task_id).is_none());

    upload(
        &mut client,
        &token,
        upload_stream(&task_id, &bytes, 512 * 1024, sha.clone()),
    )
    .await
    .unwrap();
    let record = h.sim.records().uploads_of(&task_id).pop().unwrap();
    assert_eq!(record.bytes, bytes.len() as u64);
    assert_eq!(record.sha256.to_vec(), sha);
    let path = h.sim.uploaded_c1z(&task_id).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let original = C1zReader::open(fixture(FIXTURE)).unwrap().counts().unwrap();
    assert_eq!(C1zReader::open(&path).unwrap().counts().unwrap(), original);
}

#[tokio::test]
async fn malformed_upload_streams_are_refused() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let task_id = h.sim.push_task(tasks::sync_full());
    take_task(&mut client, &token).await.unwrap();
    let data = vec![7u8; 1024];
    let sha = Sha256::digest(&data).to_vec();
    let good = upload_stream(&task_id, &data, 512, sha.clone());

    let data_first = good[1..].to_vec();
    let mut empty_chunk = good.clone();
    empty_chunk.insert(
        1,
        BatonServiceUploadAssetRequest {
            msg: Some(Msg::Data(UploadData { data: Vec::new() })),
        },
    );
    let no_eof = good[..good.len() - 1].to_vec();
    let mut two_eofs = good.clone();
    two_eofs.push(good.last().unwrap().clone());
    let short_sha = upload_stream(&task_id, &data, 512, sha[..16].to_vec());
    let oversized = upload_stream(
        &task_id,
        &vec![1u8; 1024 * 1024 + 1],
        1024 * 1024 + 1,
        vec![0; 32],
    );
    let never_handed_out = upload_stream(&tasks::new_task_id(), &data, 512, sha.clone());

    for (case, stream, code) in [
        ("data before metadata", data_first, Code::InvalidArgument),
        ("empty chunk", empty_chunk, Code::InvalidArgument),
        ("no eof", no_eof, Code::InvalidArgument),
        ("two eofs", two_eofs, Code::InvalidArgument),
        ("16-byte sha", short_sha, Code::InvalidArgument),
        ("chunk over 1 MiB", oversized, Code::InvalidArgument),
        ("unknown task", never_handed_out, Code::NotFound),
    ] {
        let error = upload(&mut client, &token, stream).await.unwrap_err();
        assert_eq!(error.code(), code, "{case}: {error:?}");
    }
    assert!(h.sim.records().uploads.is_empty());
    upload(&mut client, &token, good).await.unwrap();
    assert_eq!(h.sim.records().uploads_of(&task_id).len(), 1);
}

#[tokio::test]
async fn a_cut_upload_fails_once_and_the_retry_is_stored() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let task_id = h.sim.push_task(tasks::sync_full());
    take_task(&mut client, &token).await.unwrap();
    let data = vec![3u8; 4096];
    let stream = || upload_stream(&task_id, &data, 1024, Sha256::digest(&data).to_vec());
    h.sim.cut_next_upload();
    let cut = upload(&mut client, &token, stream()).await.unwrap_err();
    assert_eq!(cut.code(), Code::Unavailable);
    upload(&mut client, &token, stream()).await.unwrap();
    let uploads = h.sim.records().uploads_of(&task_id);
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].chunks, 4);
}

// ---------------------------------------------------------------------------------------
// Faults and restarts

#[tokio::test]
async fn unavailable_fault_fails_the_next_calls_of_one_method_only() {
    let h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    h.sim
        .fail_calls(Method::GetTask, Code::Unavailable, Times::Next(2));
    for _ in 0..2 {
        let error = client
            .get_task(authed(get_task(), &token))
            .await
            .unwrap_err();
        assert_eq!(error.code(), Code::Unavailable);
    }
    client.hello(authed(hello_request(), &token)).await.unwrap();
    client.get_task(authed(get_task(), &token)).await.unwrap();

    h.sim
        .fail_calls(Method::Hello, Code::Unavailable, Times::Always);
    for _ in 0..3 {
        let error = client
            .hello(authed(hello_request(), &token))
            .await
            .unwrap_err();
        assert_eq!(error.code(), Code::Unavailable);
    }
    h.sim.clear_faults();
    client.hello(authed(hello_request(), &token)).await.unwrap();
}

#[tokio::test]
async fn restart_keeps_state_and_listens_on_the_same_port() {
    let mut h = harness().await;
    let token = h.token().await;
    let mut client = h.grpc().await;
    let first = h.sim.push_task(tasks::sync_full());
    let second = h.sim.push_task(tasks::hello());
    assert_eq!(take_task(&mut client, &token).await.unwrap().id, first);
    let address = h.sim.address();

    h.sim.stop_serving().await;
    assert!(client.get_task(authed(get_task(), &token)).await.is_err());
    assert!(tokio::net::TcpStream::connect(address).await.is_err());
    h.sim.resume_serving().await.unwrap();
    assert_eq!(h.sim.address(), address);

    let mut fresh = h.grpc().await;
    assert_eq!(take_task(&mut fresh, &token).await.unwrap().id, second);
    fresh
        .finish_task(authed(finish_success(&first, None), &token))
        .await
        .unwrap();

    h.sim.restart().await.unwrap();
    let mut again = h.grpc().await;
    again.hello(authed(hello_request(), &token)).await.unwrap();
    let records = h.sim.records();
    assert_eq!(records.get_tasks.len(), 2);
    assert!(records.finish_of(&first).is_some());
    assert_eq!(records.token_requests.len(), 1);
}

#[tokio::test]
async fn waiting_for_something_that_never_happens_times_out() {
    let h = harness().await;
    let error = h
        .sim
        .wait_for_finish(&tasks::new_task_id(), Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("FinishTask"));
}

// ---------------------------------------------------------------------------------------
// The demo script

#[tokio::test]
async fn a_script_runs_in_order_and_grants_carry_the_synced_entitlement() {
    let h = harness_with(ControlPlaneConfig {
        next_poll: Duration::from_millis(20),
        ..ControlPlaneConfig::default()
    })
    .await;
    let reader = C1zReader::open(fixture(FIXTURE)).unwrap();
    let synced = reader
        .grants(&GrantFilter::default())
        .next()
        .unwrap()
        .unwrap()
        .grant;
    let entitlement = synced.entitlement.clone().unwrap();
    let principal = synced.principal.clone().unwrap().id.unwrap();
    let full_entitlement = reader
        .entitlements(None)
        .map(Result::unwrap)
        .find(|e| e.id == entitlement.id)
        .unwrap();
    let specs = TaskSpec::parse_list(
        &json!([
            {"type": "sync_full", "skip_expand_grants": true},
            {"type": "grant", "entitlement_id": entitlement.id,
             "principal": {"type": principal.resource_type, "id": principal.resource}},
            {"type": "none"},
            {"type": "event_feed"},
        ])
        .to_string(),
    )
    .unwrap();

    let token = h.token().await;
    let mut client = h.grpc().await;
    let connector = async {
        let mut seen = Vec::new();
        while seen.len() < 4 {
            let Some(task) = take_task(&mut client, &token).await else {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            };
            match task.task_type.clone().unwrap() {
                TaskType::SyncFull(_) => {
                    let bytes = std::fs::read(fixture(FIXTURE)).unwrap();
                    let sha = Sha256::digest(&bytes).to_vec();
                    upload(
                        &mut client,
                        &token,
                        upload_stream(&task.id, &bytes, 512 * 1024, sha),
                    )
                    .await
                    .unwrap();
                    client
                        .finish_task(authed(finish_success(&task.id, None), &token))
                        .await
                        .unwrap();
                }
                TaskType::Grant(_) => {
                    let response =
                        c1_proto::any::pack(&GrantManagerServiceGrantResponse::default());
                    client
                        .finish_task(authed(finish_success(&task.id, Some(response)), &token))
                        .await
                        .unwrap();
                }
                TaskType::None(_) => {}
                _ => {
                    client
                        .finish_task(authed(
                            finish_error(&task.id, Code::Unknown, "unsupported task type"),
                            &token,
                        ))
                        .await
                        .unwrap();
                }
            }
            seen.push(task);
        }
        seen
    };
    let mut reports = Vec::new();
    let (seen, ()) = tokio::join!(connector, script::run(&h.sim, &specs, WAIT, &mut reports));

    let outcomes: Vec<_> = reports.iter().map(|r| r.outcome.clone()).collect();
    assert_eq!(
        outcomes,
        [
            TaskOutcome::Succeeded,
            TaskOutcome::Succeeded,
            TaskOutcome::Delivered,
            TaskOutcome::Failed
        ]
    );
    assert!(reports.iter().all(|r| r.completed()));
    let upload = reports[0].upload.as_ref().unwrap();
    assert_eq!(upload.grants, Some(2909));
    assert_eq!(reports[3].status_code, Some(Code::Unknown as i32));
    let Some(TaskType::Grant(grant)) = &seen[1].task_type else {
        panic!("the second task is the grant");
    };
    assert_eq!(grant.entitlement.as_ref(), Some(&full_entitlement));
    assert_eq!(
        grant.principal.as_ref().unwrap().id.as_ref(),
        Some(&principal)
    );
}
