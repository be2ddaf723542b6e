//! A minimal fake of ConductorOne for these tests: a tonic `BatonService`
//! and the `POST /auth/v1/token` endpoint on one 127.0.0.1 port, over TLS
//! from a test CA (or plaintext), recording everything it receives.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use c1_proto::c1::connectorapi::baton::v1::baton_service_server::{
    BatonService, BatonServiceServer,
};
use c1_proto::c1::connectorapi::baton::v1::baton_service_upload_asset_request::Msg;
use c1_proto::c1::connectorapi::baton::v1::{
    BatonServiceFinishTaskRequest, BatonServiceFinishTaskResponse, BatonServiceGetTaskRequest,
    BatonServiceGetTaskResponse, BatonServiceHeartbeatRequest, BatonServiceHeartbeatResponse,
    BatonServiceHelloRequest, BatonServiceHelloResponse, BatonServiceUploadAssetRequest,
    BatonServiceUploadAssetResponse, Task,
};
use controlplane::{ClientSecret, SecretSource, Session, SessionConfig};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use serde_json::Value;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tonic::{Code, Request, Status, Streaming};

/// A task id in ConductorOne's format (27 alphanumerics).
pub const TASK_ID: &str = "2mVbDyJ9A8H1rXoZ3k4QeT7uWcP";
/// The host id the test sessions send.
pub const HOST_ID: &str = "test-host";

/// Installs the rustls provider once, as the binary does at startup.
pub fn install_crypto() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// A test CA and a server certificate it signed for `localhost` and 127.0.0.1.
pub struct Pki {
    pub ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

impl Pki {
    pub fn new() -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "controlplane test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &ca).unwrap();
        Self {
            ca_pem: ca.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// One token request as the fake received it.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub content_type: String,
    pub user_agent: String,
    pub form: Vec<(String, String)>,
    /// The JWS header and claims, decoded (`Null` when undecodable).
    pub header: Value,
    pub claims: Value,
    /// The accepted public key whose signature check passed, if any.
    pub signed_by: Option<[u8; 32]>,
}

/// One gRPC call as the fake received it.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: &'static str,
    pub authorization: Option<String>,
    pub user_agent: Option<String>,
    pub grpc_timeout: Option<String>,
}

/// What the fake answers.
pub struct Behavior {
    /// Public keys whose assertions get a token.
    pub accepted_keys: Vec<[u8; 32]>,
    /// The `aud` an assertion must name.
    pub expected_aud: String,
    pub expires_in: u64,
    /// Every gRPC call is answered UNAUTHENTICATED.
    pub refuse_all_calls: bool,
    pub task: Option<Task>,
    pub next_poll: Option<prost_types::Duration>,
    pub next_heartbeat: Option<prost_types::Duration>,
    pub cancelled: bool,
    /// The answer to Hello when it should fail.
    pub hello_error: Option<Code>,
    /// How many upload attempts still fail (after reading the whole stream).
    pub failing_uploads: u32,
    /// How many FinishTask calls still fail UNAVAILABLE (recorded all the same).
    pub failing_finishes: u32,
}

/// Everything the fake received.
#[derive(Default)]
pub struct Recorded {
    pub token_requests: Vec<TokenRequest>,
    pub calls: Vec<Call>,
    pub hellos: Vec<BatonServiceHelloRequest>,
    pub get_tasks: Vec<BatonServiceGetTaskRequest>,
    pub heartbeats: Vec<BatonServiceHeartbeatRequest>,
    pub finishes: Vec<BatonServiceFinishTaskRequest>,
    /// The messages of each upload attempt, in order.
    pub uploads: Vec<Vec<Msg>>,
}

struct Shared {
    behavior: Mutex<Behavior>,
    recorded: Mutex<Recorded>,
    valid_tokens: Mutex<HashSet<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// The running fake.
pub struct FakeC1 {
    pub addr: SocketAddr,
    /// The test CA as a PEM file.
    pub ca_file: PathBuf,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl FakeC1 {
    /// Starts a TLS fake that accepts assertions signed with `public_key`.
    pub async fn start(public_key: [u8; 32]) -> Self {
        Self::start_with(public_key, true).await
    }

    /// Starts a fake speaking TLS or, when `tls` is false, plaintext.
    pub async fn start_with(public_key: [u8; 32], tls: bool) -> Self {
        let pki = Pki::new();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, &pki.ca_pem).unwrap();
        let shared = Arc::new(Shared {
            behavior: Mutex::new(Behavior {
                accepted_keys: vec![public_key],
                expected_aud: "localhost".to_owned(),
                expires_in: 3600,
                refuse_all_calls: false,
                task: None,
                next_poll: None,
                next_heartbeat: None,
                cancelled: false,
                hello_error: None,
                failing_uploads: 0,
                failing_finishes: 0,
            }),
            recorded: Mutex::default(),
            valid_tokens: Mutex::default(),
        });
        let token_route = axum::Router::new()
            .route("/auth/v1/token", axum::routing::post(token_endpoint))
            .with_state(shared.clone());
        let routes = tonic::service::Routes::from(token_route)
            .add_service(BatonServiceServer::new(FakeBaton(shared.clone())));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
        let mut builder = match tls {
            true => Server::builder()
                .tls_config(
                    ServerTlsConfig::new()
                        .identity(Identity::from_pem(&pki.cert_pem, &pki.key_pem)),
                )
                .unwrap(),
            false => Server::builder().accept_http1(true),
        };
        let server = tokio::spawn(async move {
            let _ = builder
                .add_routes(routes)
                .serve_with_incoming(incoming)
                .await;
        });
        Self {
            addr,
            ca_file,
            shared,
            server,
            _dir: dir,
        }
    }

    /// A client id whose host is this fake.
    pub fn client_id(&self) -> String {
        format!("test-client@localhost:{}/pcc", self.addr.port())
    }

    /// Changes what the fake answers.
    pub fn behave(&self, change: impl FnOnce(&mut Behavior)) {
        change(&mut lock(&self.shared.behavior));
    }

    /// What the fake received so far.
    pub fn recorded(&self) -> MutexGuard<'_, Recorded> {
        lock(&self.shared.recorded)
    }

    /// Makes every token issued so far invalid for gRPC calls.
    pub fn revoke_tokens(&self) {
        lock(&self.shared.valid_tokens).clear();
    }

    /// A session config for this fake that trusts its CA.
    pub fn config(&self, secret: &str) -> SessionConfig {
        let secret = ClientSecret::parse(secret).unwrap();
        let mut config = SessionConfig::new(self.client_id(), SecretSource::Value(secret));
        config.extra_ca_pem = Some(self.ca_file.clone());
        config.host_id = HOST_ID.to_owned();
        config.min_poll = Duration::from_millis(10);
        config
    }

    /// A connected session for this fake.
    pub async fn session(&self, secret: &str) -> Session {
        Session::connect(self.config(secret)).await.unwrap()
    }
}

impl Drop for FakeC1 {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// `POST /auth/v1/token`: checks the form and the assertion, records both,
/// and issues `tok-<n>` for assertions signed by an accepted key.
async fn token_endpoint(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let header_text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let assertion = field("client_assertion");
    let (header, claims, signed_input, signature) = split_jws(&assertion);
    let (accepted_keys, expected_aud, expires_in) = {
        let behavior = lock(&shared.behavior);
        (
            behavior.accepted_keys.clone(),
            behavior.expected_aud.clone(),
            behavior.expires_in,
        )
    };
    let signed_by = accepted_keys.into_iter().find(|key| {
        let key = ed25519_dalek::VerifyingKey::from_bytes(key).unwrap();
        ed25519_dalek::Signature::from_slice(&signature)
            .is_ok_and(|sig| key.verify_strict(signed_input.as_bytes(), &sig).is_ok())
    });
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let client_id = field("client_id");
    let claims_valid = claims["iss"] == client_id.as_str()
        && claims["sub"] == client_id.as_str()
        && claims["aud"] == expected_aud.as_str()
        && claims["nbf"].as_i64().is_some_and(|nbf| nbf <= now)
        && claims["exp"].as_i64().is_some_and(|exp| exp >= now);
    let form_valid = field("grant_type") == "client_credentials"
        && field("client_assertion_type")
            == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    lock(&shared.recorded).token_requests.push(TokenRequest {
        content_type: header_text("content-type"),
        user_agent: header_text("user-agent"),
        form: form.clone(),
        header,
        claims,
        signed_by,
    });
    if signed_by.is_none() || !claims_valid || !form_valid {
        let body = serde_json::json!({"error": "invalid_client", "error_description": "assertion rejected"});
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    let token = {
        let mut valid = lock(&shared.valid_tokens);
        let issued = lock(&shared.recorded).token_requests.len();
        let token = format!("tok-{issued}");
        valid.insert(token.clone());
        token
    };
    axum::Json(serde_json::json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
    }))
    .into_response()
}

/// Header JSON, claims JSON, signing input and signature of a compact JWS.
fn split_jws(jws: &str) -> (Value, Value, String, Vec<u8>) {
    let parts: Vec<&str> = jws.split('.').collect();
    let decode_json = |part: Option<&&str>| {
        part.and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(Value::Null)
    };
    let signature = parts
        .get(2)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .unwrap_or_default();
    let signed_input = parts.get(..2).map(|p| p.join(".")).unwrap_or_default();
    (
        decode_json(parts.first()),
        decode_json(parts.get(1)),
        signed_input,
        signature,
    )
}

struct FakeBaton(Arc<Shared>);

impl FakeBaton {
    /// Records the call and checks its bearer token.
    fn admit<T>(&self, method: &'static str, request: &Request<T>) -> Result<(), Status> {
        let meta = |name: &str| {
            request
                .metadata()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let authorization = meta("authorization");
        lock(&self.0.recorded).calls.push(Call {
            method,
            authorization: authorization.clone(),
            user_agent: meta("user-agent"),
            grpc_timeout: meta("grpc-timeout"),
        });
        let token = authorization
            .as_deref()
            .and_then(|value| value.strip_prefix("Bearer "));
        let known = token.is_some_and(|token| lock(&self.0.valid_tokens).contains(token));
        if !known || lock(&self.0.behavior).refuse_all_calls {
            return Err(Status::unauthenticated("invalid bearer token"));
        }
        Ok(())
    }

    fn behavior(&self) -> MutexGuard<'_, Behavior> {
        lock(&self.0.behavior)
    }

    fn record(&self) -> MutexGuard<'_, Recorded> {
        lock(&self.0.recorded)
    }
}

#[tonic::async_trait]
impl BatonService for FakeBaton {
    async fn hello(
        &self,
        request: Request<BatonServiceHelloRequest>,
    ) -> Result<tonic::Response<BatonServiceHelloResponse>, Status> {
        self.admit("Hello", &request)?;
        self.record().hellos.push(request.into_inner());
        match self.behavior().hello_error {
            Some(code) => Err(Status::new(code, "hello refused by the fake")),
            None => Ok(tonic::Response::new(BatonServiceHelloResponse::default())),
        }
    }

    async fn get_task(
        &self,
        request: Request<BatonServiceGetTaskRequest>,
    ) -> Result<tonic::Response<BatonServiceGetTaskResponse>, Status> {
        self.admit("GetTask", &request)?;
        self.record().get_tasks.push(request.into_inner());
        let behavior = self.behavior();
        Ok(tonic::Response::new(BatonServiceGetTaskResponse {
            task: behavior.task.clone(),
            next_poll: behavior.next_poll,
            ..Default::default()
        }))
    }

    async fn heartbeat(
        &self,
        request: Request<BatonServiceHeartbeatRequest>,
    ) -> Result<tonic::Response<BatonServiceHeartbeatResponse>, Status> {
        self.admit("Heartbeat", &request)?;
        self.record().heartbeats.push(request.into_inner());
        let behavior = self.behavior();
        Ok(tonic::Response::new(BatonServiceHeartbeatResponse {
            next_heartbeat: behavior.next_heartbeat,
            cancelled: behavior.cancelled,
            ..Default::default()
        }))
    }

    async fn finish_task(
        &self,
        request: Request<BatonServiceFinishTaskRequest>,
    ) -> Result<tonic::Response<BatonServiceFinishTaskResponse>, Status> {
        self.admit("FinishTask", &request)?;
        self.record().finishes.push(request.into_inner());
        let mut behavior = self.behavior();
        if behavior.failing_finishes > 0 {
            behavior.failing_finishes -= 1;
            return Err(Status::unavailable("fake control plane hiccup"));
        }
        Ok(tonic::Response::new(
            BatonServiceFinishTaskResponse::default(),
        ))
    }

    async fn upload_asset(
        &self,
        request: Request<Streaming<BatonServiceUploadAssetRequest>>,
    ) -> Result<tonic::Response<BatonServiceUploadAssetResponse>, Status> {
        self.admit("UploadAsset", &request)?;
        let mut stream = request.into_inner();
        let mut messages = Vec::new();
        while let Some(message) = stream.message().await? {
            messages.push(
                message
                    .msg
                    .ok_or_else(|| Status::invalid_argument("empty msg"))?,
            );
        }
        self.record().uploads.push(messages);
        let mut behavior = self.behavior();
        if behavior.failing_uploads > 0 {
            behavior.failing_uploads -= 1;
            return Err(Status::unavailable("fake storage hiccup"));
        }
        Ok(tonic::Response::new(
            BatonServiceUploadAssetResponse::default(),
        ))
    }
}
