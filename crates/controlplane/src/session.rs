//! The session: one long-lived authenticated gRPC channel to ConductorOne's
//! `BatonService`, and one method per call a connector makes.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use c1_proto::c1::connector::v2::ConnectorMetadata;
use c1_proto::c1::connectorapi::baton::v1::baton_service_client::BatonServiceClient;
use c1_proto::c1::connectorapi::baton::v1::baton_service_finish_task_request::{
    self as finish, FinalState,
};
use c1_proto::c1::connectorapi::baton::v1::baton_service_hello_request::{BuildInfo, OsInfo};
use c1_proto::c1::connectorapi::baton::v1::baton_service_upload_asset_request::UploadMetadata;
use c1_proto::c1::connectorapi::baton::v1::{
    BatonServiceFinishTaskRequest, BatonServiceGetTaskRequest, BatonServiceHeartbeatRequest,
    BatonServiceHelloRequest, Task, task,
};
use c1_proto::google::rpc::Status;
use prost_types::Any;
use tonic::Code;
use tonic::metadata::AsciiMetadataValue;
use tonic::transport::Channel;

use crate::channel::{self, ExtraRoots, Target};
use crate::credentials::ClientId;
use crate::error::{Error, Result};
use crate::host_info::{self, MAX_FIELD_CHARS};
use crate::secret_source::{SecretSource, SecretStore};
use crate::token::TokenSource;
use crate::upload::upload_requests;

/// The most annotations a Hello, Heartbeat or FinishTask may carry.
pub const MAX_ANNOTATIONS: usize = 16;
/// The longest wait between polls or heartbeats the server can ask for.
pub const MAX_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// The heartbeat interval when the server names none.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(30);
/// The deadline of a `FinishTask` call.
pub const FINISH_TASK_DEADLINE: Duration = Duration::from_secs(30);
/// Waits before each `FinishTask` attempt while the failure is retryable: a lost outcome
/// would otherwise wait for ConductorOne's task lease to run out and the task to be
/// handed out again.
const FINISH_ATTEMPT_DELAYS: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];
/// Waits before each upload attempt: the SDK's 3 attempts, 0 s then 1 s apart.
const UPLOAD_ATTEMPT_DELAYS: [Duration; 3] =
    [Duration::ZERO, Duration::ZERO, Duration::from_secs(1)];

/// Everything a session needs. Build it with [`SessionConfig::new`] and
/// adjust the public fields.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The client id, `<client-name>@<host>[:<port>]/<suffix>`.
    pub client_id: String,
    /// Where the client secret comes from.
    pub secret: SecretSource,
    /// `BATON_C1_API_HOST`: replaces the client id's host and port for both
    /// the gRPC channel and the token URL (`aud` still names the client id's
    /// host). `host[:port]` or `https://host[:port]`; `http://` only with
    /// [`allow_plaintext_for_tests`](Self::allow_plaintext_for_tests).
    pub api_host_override: Option<String>,
    /// A PEM file of extra CA certificates, trusted besides the system roots
    /// (tests, private deployments), for both gRPC and token requests.
    pub extra_ca_pem: Option<PathBuf>,
    /// TEST ONLY: accept an `http://` API host override and then talk
    /// plaintext (gRPC and token requests). Never set this in production:
    /// tokens would travel unencrypted.
    pub allow_plaintext_for_tests: bool,
    /// The `host_id` sent in every request (1 to 256 characters).
    pub host_id: String,
    /// The shortest wait before the next `GetTask` (the server may ask for less, or nothing).
    pub min_poll: Duration,
    /// The shortest heartbeat interval (the server may ask for less).
    pub min_heartbeat: Duration,
    /// How long before its expiry a token is replaced.
    pub token_refresh_margin: Duration,
    /// Bound on opening a TCP + TLS connection.
    pub connect_timeout: Duration,
    /// Bound on a whole token request.
    pub token_request_timeout: Duration,
}

impl SessionConfig {
    /// Defaults: host id from [`default_host_id`](crate::default_host_id)
    /// (reads `BATON_HOST_ID`), no override, no extra CA, TLS only, 1 s poll
    /// and heartbeat floors, 10 s token refresh margin, 30 s connect and
    /// token request timeouts.
    pub fn new(client_id: impl Into<String>, secret: SecretSource) -> Self {
        Self {
            client_id: client_id.into(),
            secret,
            api_host_override: None,
            extra_ca_pem: None,
            allow_plaintext_for_tests: false,
            host_id: host_info::default_host_id(),
            min_poll: Duration::from_secs(1),
            min_heartbeat: Duration::from_secs(1),
            token_refresh_margin: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(30),
            token_request_timeout: Duration::from_secs(30),
        }
    }
}

/// The answer to a `GetTask` poll.
#[derive(Debug, Clone, PartialEq)]
pub struct NextTask {
    /// The task to run; `None` when there is none (a `none` task or a task
    /// without a type counts as none).
    pub task: Option<Task>,
    /// When to poll again: the server's `next_poll`, at least
    /// [`SessionConfig::min_poll`] and at most 5 minutes.
    pub next_poll: Duration,
}

/// The answer to a `Heartbeat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeartbeatOutcome {
    /// ConductorOne cancelled the task: stop it and do not finish it.
    pub cancelled: bool,
    /// When to heartbeat again: 30 s when the server names none, else its
    /// value clamped to [`SessionConfig::min_heartbeat`]..5 minutes.
    pub next_heartbeat: Duration,
}

/// How a task ended, as reported by `FinishTask`.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    /// The task succeeded.
    Success {
        /// The response message (for provisioning tasks), packed as `Any`.
        response: Option<Any>,
        /// At most 16 annotations.
        annotations: Vec<Any>,
    },
    /// The task failed.
    Error {
        /// The error's code, message and details.
        status: Status,
        /// Whether ConductorOne must not deliver the task again.
        non_retryable: bool,
        /// At most 16 annotations.
        annotations: Vec<Any>,
    },
}

/// An authenticated session with ConductorOne's `BatonService`. Cheap to
/// clone; clones share the channel and the token cache.
///
/// The binary must install the rustls crypto provider once before the first
/// call: `rustls::crypto::aws_lc_rs::default_provider().install_default()`.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    client: BatonServiceClient<Channel>,
    tokens: TokenSource,
    /// Where the calls go (for error messages).
    target: Target,
    host_id: String,
    min_poll: Duration,
    min_heartbeat: Duration,
    build_info: BuildInfo,
    os_info: OsInfo,
}

impl Session {
    /// Checks the configuration, loads the secret and the extra CA file, and
    /// prepares the channel. Does not touch the network: the first call
    /// fetches the token and connects. Must run inside a Tokio runtime.
    pub async fn connect(config: SessionConfig) -> Result<Self> {
        let client_id = ClientId::parse(&config.client_id)?;
        let host_id = config.host_id.trim().to_owned();
        if host_id.is_empty() || host_id.chars().count() > MAX_FIELD_CHARS {
            return Err(Error::Config(format!(
                "host id must be 1 to {MAX_FIELD_CHARS} characters, got {}",
                host_id.chars().count()
            )));
        }
        let target = Target::resolve(
            &client_id,
            config.api_host_override.as_deref(),
            config.allow_plaintext_for_tests,
        )?;
        let roots = match &config.extra_ca_pem {
            Some(path) => ExtraRoots::load(path)?,
            None => ExtraRoots::default(),
        };
        let secret = SecretStore::open(config.secret).await?;
        let user_agent = channel::user_agent(&client_id);
        let grpc = channel::grpc_channel(&target, &roots, &user_agent, config.connect_timeout)?;
        let http = channel::token_http_client(
            &roots,
            config.connect_timeout,
            config.token_request_timeout,
        )?;
        let tokens = TokenSource::new(
            client_id,
            secret,
            target.token_url(),
            target.host().to_owned(),
            http,
            config.token_refresh_margin,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                client: BatonServiceClient::new(grpc),
                tokens,
                target,
                host_id,
                min_poll: config.min_poll,
                min_heartbeat: config.min_heartbeat,
                build_info: host_info::build_info(),
                os_info: host_info::os_info(),
            }),
        })
    }

    /// The `host_id` sent in every request.
    pub fn host_id(&self) -> &str {
        &self.inner.host_id
    }

    /// How many access tokens were fetched so far (for metrics).
    pub fn token_refreshes(&self) -> u64 {
        self.inner.tokens.refreshes()
    }

    /// Registers this host: at startup with `task_id = None`, and in answer
    /// to a `hello` task with its id. Sends build info, OS info and `metadata`.
    pub async fn hello(&self, task_id: Option<&str>, metadata: ConnectorMetadata) -> Result<()> {
        let request = BatonServiceHelloRequest {
            host_id: self.inner.host_id.clone(),
            task_id: task_id.unwrap_or_default().to_owned(),
            build_info: Some(self.inner.build_info.clone()),
            os_info: Some(self.inner.os_info.clone()),
            connector_metadata: Some(metadata),
            annotations: Vec::new(),
        };
        self.unary("Hello", request, None, |mut client, request| async move {
            client.hello(request).await
        })
        .await
        .map(drop)
    }

    /// Asks for the next task.
    pub async fn get_task(&self) -> Result<NextTask> {
        let request = BatonServiceGetTaskRequest {
            host_id: self.inner.host_id.clone(),
        };
        let response = self
            .unary("GetTask", request, None, |mut client, request| async move {
                client.get_task(request).await
            })
            .await?;
        let task = response
            .task
            .filter(|task| !matches!(task.task_type, None | Some(task::TaskType::None(_))));
        Ok(NextTask {
            task,
            next_poll: next_poll(response.next_poll.as_ref(), self.inner.min_poll),
        })
    }

    /// Reports that `task_id` is still running.
    pub async fn heartbeat(&self, task_id: &str) -> Result<HeartbeatOutcome> {
        let request = BatonServiceHeartbeatRequest {
            host_id: self.inner.host_id.clone(),
            task_id: task_id.to_owned(),
            ..Default::default()
        };
        let response = self
            .unary(
                "Heartbeat",
                request,
                None,
                |mut client, request| async move { client.heartbeat(request).await },
            )
            .await?;
        Ok(HeartbeatOutcome {
            cancelled: response.cancelled,
            next_heartbeat: next_heartbeat(
                response.next_heartbeat.as_ref(),
                self.inner.min_heartbeat,
            ),
        })
    }

    /// Reports how `task_id` ended, with a 30 s deadline. Refuses more than
    /// 16 annotations before sending anything.
    pub async fn finish_task(&self, task_id: &str, outcome: TaskOutcome) -> Result<()> {
        let (status, final_state) = match outcome {
            TaskOutcome::Success {
                response,
                annotations,
            } => (
                None,
                FinalState::Success(finish::Success {
                    annotations: bounded_annotations(annotations)?,
                    response,
                }),
            ),
            TaskOutcome::Error {
                status,
                non_retryable,
                annotations,
            } => (
                Some(status),
                FinalState::Error(finish::Error {
                    non_retryable,
                    annotations: bounded_annotations(annotations)?,
                    response: None,
                }),
            ),
        };
        let request = BatonServiceFinishTaskRequest {
            host_id: self.inner.host_id.clone(),
            task_id: task_id.to_owned(),
            status,
            final_state: Some(final_state),
        };
        let mut failure = None;
        for (attempt, delay) in FINISH_ATTEMPT_DELAYS.into_iter().enumerate() {
            tokio::time::sleep(delay).await;
            let sent = self
                .unary(
                    "FinishTask",
                    request.clone(),
                    Some(FINISH_TASK_DEADLINE),
                    |mut client, request| async move { client.finish_task(request).await },
                )
                .await;
            match sent {
                Ok(_) => return Ok(()),
                Err(error) if error.is_retryable() => {
                    tracing::warn!(attempt = attempt + 1, %error, "FinishTask failed; sending it again");
                    failure = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
        Err(failure.expect("at least one attempt"))
    }

    /// Uploads the file at `path` as the asset of `task_id`, streaming it from
    /// disk in 512 KiB chunks. Up to 3 attempts (0 s, then 1 s apart), each
    /// sending the whole file, while the failure is retryable (or a refused
    /// token, which is then replaced).
    pub async fn upload_asset(&self, task_id: &str, path: &Path) -> Result<()> {
        let mut failure = None;
        for (attempt, delay) in UPLOAD_ATTEMPT_DELAYS.into_iter().enumerate() {
            tokio::time::sleep(delay).await;
            match self.upload_once(task_id, path).await {
                Ok(()) => return Ok(()),
                Err(error)
                    if error.is_retryable() || error.rpc_code() == Some(Code::Unauthenticated) =>
                {
                    tracing::warn!(attempt = attempt + 1, %error, "asset upload failed");
                    failure = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
        Err(failure.expect("at least one upload attempt ran"))
    }

    async fn upload_once(&self, task_id: &str, path: &Path) -> Result<()> {
        let asset_error = |source| Error::Asset {
            path: path.to_owned(),
            source,
        };
        let file = tokio::fs::File::open(path).await.map_err(asset_error)?;
        let metadata = UploadMetadata {
            host_id: self.inner.host_id.clone(),
            task_id: task_id.to_owned(),
            annotations: Vec::new(),
        };
        let (requests, read_failure) = upload_requests(metadata, file);
        let (request, authorization) = self.authorized(requests, None).await?;
        let result = self.inner.client.clone().upload_asset(request).await;
        if let Some(error) = read_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            return Err(asset_error(error));
        }
        match result {
            Ok(_) => Ok(()),
            Err(status) => Err(self.failed("UploadAsset", status, &authorization).await),
        }
    }

    /// Sends a unary call with a token; when the server answers
    /// UNAUTHENTICATED, replaces the token and sends it once more.
    async fn unary<Req, Resp, Fut>(
        &self,
        method: &'static str,
        message: Req,
        deadline: Option<Duration>,
        send: impl Fn(BatonServiceClient<Channel>, tonic::Request<Req>) -> Fut,
    ) -> Result<Resp>
    where
        Req: Clone,
        Fut: Future<Output = Result<tonic::Response<Resp>, tonic::Status>>,
    {
        let mut retried = false;
        loop {
            let (request, authorization) = self.authorized(message.clone(), deadline).await?;
            match send(self.inner.client.clone(), request).await {
                Ok(response) => return Ok(response.into_inner()),
                Err(status) => {
                    let error = self.failed(method, status, &authorization).await;
                    if retried || error.rpc_code() != Some(Code::Unauthenticated) {
                        return Err(error);
                    }
                    tracing::warn!(
                        method,
                        "ConductorOne refused the access token; fetching a new one"
                    );
                    retried = true;
                }
            }
        }
    }

    /// `message` as a request carrying the current token (and the deadline).
    async fn authorized<T>(
        &self,
        message: T,
        deadline: Option<Duration>,
    ) -> Result<(tonic::Request<T>, AsciiMetadataValue)> {
        let authorization = self.inner.tokens.authorization().await?;
        let mut request = tonic::Request::new(message);
        request
            .metadata_mut()
            .insert("authorization", authorization.clone());
        if let Some(deadline) = deadline {
            request.set_timeout(deadline);
        }
        Ok((request, authorization))
    }

    /// Maps a failed call, forgetting the token if the server refused it.
    async fn failed(
        &self,
        method: &'static str,
        status: tonic::Status,
        authorization: &AsciiMetadataValue,
    ) -> Error {
        let error = Error::from_status(method, &self.inner.target, status);
        if error.rpc_code() == Some(Code::Unauthenticated) {
            self.inner.tokens.invalidate(authorization).await;
        }
        error
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("target", &self.inner.target.origin())
            .field("host_id", &self.inner.host_id)
            .finish_non_exhaustive()
    }
}

fn bounded_annotations(annotations: Vec<Any>) -> Result<Vec<Any>> {
    match annotations.len() {
        count if count > MAX_ANNOTATIONS => Err(Error::TooManyAnnotations { count }),
        _ => Ok(annotations),
    }
}

/// A protobuf duration as a `Duration`; `None` when absent, zero or negative.
fn positive(duration: Option<&prost_types::Duration>) -> Option<Duration> {
    let duration = duration?;
    let total = Duration::try_from(*duration).ok()?;
    (!total.is_zero()).then_some(total)
}

/// The wait before the next poll: the server's value within `floor`..5 min
/// (`floor` when absent).
fn next_poll(server: Option<&prost_types::Duration>, floor: Duration) -> Duration {
    positive(server)
        .unwrap_or(floor)
        .max(floor)
        .min(MAX_INTERVAL)
}

/// The wait before the next heartbeat: 30 s when absent or zero, else the
/// server's value within `floor`..5 min.
fn next_heartbeat(server: Option<&prost_types::Duration>, floor: Duration) -> Duration {
    positive(server)
        .unwrap_or(DEFAULT_HEARTBEAT)
        .max(floor)
        .min(MAX_INTERVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proto(seconds: i64, nanos: i32) -> prost_types::Duration {
        prost_types::Duration { seconds, nanos }
    }

    #[test]
    fn next_poll_is_clamped_between_the_floor_and_five_minutes() {
        let floor = Duration::from_secs(1);
        assert_eq!(next_poll(None, floor), floor);
        assert_eq!(next_poll(Some(&proto(0, 0)), floor), floor);
        assert_eq!(next_poll(Some(&proto(-5, 0)), floor), floor);
        assert_eq!(next_poll(Some(&proto(0, 1_000)), floor), floor);
        assert_eq!(
            next_poll(Some(&proto(7, 500_000_000)), floor),
            Duration::from_millis(7_500)
        );
        assert_eq!(next_poll(Some(&proto(3_600, 0)), floor), MAX_INTERVAL);
    }

    #[test]
    fn next_heartbeat_defaults_to_thirty_seconds_and_is_clamped() {
        let floor = Duration::from_secs(1);
        assert_eq!(next_heartbeat(None, floor), DEFAULT_HEARTBEAT);
        assert_eq!(next_heartbeat(Some(&proto(0, 0)), floor), DEFAULT_HEARTBEAT);
        assert_eq!(next_heartbeat(Some(&proto(0, 200_000_000)), floor), floor);
        assert_eq!(
            next_heartbeat(Some(&proto(45, 0)), floor),
            Duration::from_secs(45)
        );
        assert_eq!(next_heartbeat(Some(&proto(7_200, 0)), floor), MAX_INTERVAL);
    }

    #[test]
    fn more_than_sixteen_annotations_are_refused() {
        assert!(bounded_annotations(vec![Any::default(); MAX_ANNOTATIONS]).is_ok());
        let error = bounded_annotations(vec![Any::default(); MAX_ANNOTATIONS + 1]).unwrap_err();
        assert!(matches!(error, Error::TooManyAnnotations { count: 17 }));
    }
}
