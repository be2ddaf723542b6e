//! What the simulator saw: token requests, calls, Hellos, polls, heartbeats, finishes and
//! uploads, with a way to wait until something has been recorded.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use c1_proto::c1::connectorapi::baton::v1::BatonServiceHelloRequest;
use c1_proto::google::rpc::Status as RpcStatus;
use prost_types::Any;
use tokio::sync::watch;

use super::faults::Method;
use super::state::lock;

/// One `POST /auth/v1/token`.
#[derive(Clone, Debug)]
pub struct TokenRequestRecord {
    /// When it arrived.
    pub at: SystemTime,
    /// The `client_id` form field (empty if absent).
    pub client_id: String,
    /// Thumbprint of the key whose signature verified, if one did.
    pub key_id: Option<String>,
    /// Whether a token was issued.
    pub granted: bool,
    /// Why not: the OAuth error code and description.
    pub error: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
}

/// One gRPC call, whatever its outcome.
#[derive(Clone, Debug)]
pub struct CallRecord {
    /// When it arrived.
    pub at: SystemTime,
    /// Which method.
    pub method: Method,
    /// The `user-agent` metadata.
    pub user_agent: Option<String>,
    /// The client whose bearer token was accepted, if one was.
    pub client_id: Option<String>,
    /// The answer's code (`Ok` for success).
    pub code: tonic::Code,
    /// The error message (empty for success).
    pub message: String,
}

/// One accepted `Hello`.
#[derive(Clone, Debug)]
pub struct HelloRecord {
    /// When it arrived.
    pub at: SystemTime,
    /// The `user-agent` metadata.
    pub user_agent: Option<String>,
    /// The whole request (host id, task id, build and OS info, connector metadata).
    pub request: BatonServiceHelloRequest,
}

/// One accepted `GetTask`.
#[derive(Clone, Debug)]
pub struct GetTaskRecord {
    /// When it arrived.
    pub at: SystemTime,
    /// The request's host id.
    pub host_id: String,
    /// The task handed out, if any.
    pub task_id: Option<String>,
}

/// One accepted `Heartbeat`.
#[derive(Clone, Debug)]
pub struct HeartbeatRecord {
    /// When it arrived.
    pub at: SystemTime,
    /// The request's host id.
    pub host_id: String,
    /// The task it is for.
    pub task_id: String,
    /// Whether the answer said the task is cancelled.
    pub cancelled: bool,
}

/// One accepted `FinishTask`.
#[derive(Clone, Debug)]
pub struct FinishRecord {
    /// When it arrived.
    pub at: SystemTime,
    /// The request's host id.
    pub host_id: String,
    /// The finished task.
    pub task_id: String,
    /// `final_state` is `success` (else `error`).
    pub success: bool,
    /// `error.non_retryable` (false for success).
    pub non_retryable: bool,
    /// The `status` field (code, message, details), if sent.
    pub status: Option<RpcStatus>,
    /// The `response` of `success` or `error`.
    pub response: Option<Any>,
    /// The annotations of `success` or `error`.
    pub annotations: Vec<Any>,
}

impl FinishRecord {
    /// `status.code` (0 when no status was sent).
    pub fn status_code(&self) -> i32 {
        self.status.as_ref().map_or(0, |s| s.code)
    }

    /// `status.message` (empty when no status was sent).
    pub fn status_message(&self) -> &str {
        self.status.as_ref().map_or("", |s| s.message.as_str())
    }
}

/// One complete, verified `UploadAsset` stream.
#[derive(Clone, Debug)]
pub struct UploadRecord {
    /// When the stream ended.
    pub at: SystemTime,
    /// The metadata's host id.
    pub host_id: String,
    /// The metadata's task id.
    pub task_id: String,
    /// Bytes received.
    pub bytes: u64,
    /// Data messages received.
    pub chunks: usize,
    /// The SHA-256 sent in `eof` (verified against the bytes).
    pub sha256: [u8; 32],
    /// Where the bytes are stored.
    pub path: PathBuf,
}

/// Everything recorded so far, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Records {
    /// Token requests.
    pub token_requests: Vec<TokenRequestRecord>,
    /// gRPC calls, including refused ones.
    pub calls: Vec<CallRecord>,
    /// Accepted `Hello`s.
    pub hellos: Vec<HelloRecord>,
    /// Accepted `GetTask`s.
    pub get_tasks: Vec<GetTaskRecord>,
    /// Accepted `Heartbeat`s.
    pub heartbeats: Vec<HeartbeatRecord>,
    /// Accepted `FinishTask`s.
    pub finishes: Vec<FinishRecord>,
    /// Complete uploads.
    pub uploads: Vec<UploadRecord>,
}

impl Records {
    /// The first `FinishTask` of `task_id`.
    pub fn finish_of(&self, task_id: &str) -> Option<&FinishRecord> {
        self.finishes.iter().find(|f| f.task_id == task_id)
    }

    /// The heartbeats of `task_id`.
    pub fn heartbeats_of(&self, task_id: &str) -> Vec<HeartbeatRecord> {
        self.heartbeats
            .iter()
            .filter(|h| h.task_id == task_id)
            .cloned()
            .collect()
    }

    /// The complete uploads of `task_id`.
    pub fn uploads_of(&self, task_id: &str) -> Vec<UploadRecord> {
        self.uploads
            .iter()
            .filter(|u| u.task_id == task_id)
            .cloned()
            .collect()
    }

    /// The calls of `method`.
    pub fn calls_of(&self, method: Method) -> Vec<CallRecord> {
        self.calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }
}

/// A wait that ran out of time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitTimeout {
    /// What was awaited.
    pub waiting_for: String,
    /// How long.
    pub after: Duration,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out after {:?} waiting for {}",
            self.after, self.waiting_for
        )
    }
}

impl std::error::Error for WaitTimeout {}

/// The records, and a version bumped on every change so waiters wake up.
pub(crate) struct Journal {
    records: Mutex<Records>,
    version: watch::Sender<u64>,
}

impl Journal {
    /// An empty journal.
    pub(crate) fn new() -> Journal {
        Journal {
            records: Mutex::default(),
            version: watch::Sender::new(0),
        }
    }

    /// A copy of every record.
    pub(crate) fn snapshot(&self) -> Records {
        self.lock().clone()
    }

    /// Adds to the records and wakes the waiters.
    pub(crate) fn record(&self, add: impl FnOnce(&mut Records)) {
        add(&mut self.lock());
        self.version.send_modify(|v| *v += 1);
    }

    /// Waits until `found` returns something for the records, or `timeout` passes.
    pub(crate) async fn wait_for<T>(
        &self,
        timeout: Duration,
        waiting_for: &str,
        found: impl Fn(&Records) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        let mut changes = self.version.subscribe();
        let wait = async {
            loop {
                changes.borrow_and_update();
                if let Some(value) = found(&self.lock()) {
                    return value;
                }
                // The sender lives as long as `self`, so this only returns on a change.
                let _ = changes.changed().await;
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| WaitTimeout {
                waiting_for: waiting_for.to_owned(),
                after: timeout,
            })
    }

    fn lock(&self) -> MutexGuard<'_, Records> {
        lock(&self.records)
    }
}
