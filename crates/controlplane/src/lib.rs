//! The ConductorOne session of a connector in service mode.
//!
//! - [`credentials`]: the client id and client secret, parsed and checked.
//! - [`SecretSource`]: a secret given once, or read from a file that may be
//!   rotated while the process runs.
//! - Tokens: an OAuth2 client-credentials request signed with an EdDSA JWT
//!   assertion, cached until shortly before expiry, replaced when refused.
//! - [`Session`]: one long-lived TLS gRPC channel to `BatonService` with
//!   `Hello`, `GetTask`, `Heartbeat`, `FinishTask` and `UploadAsset`.
//!
//! TLS uses rustls: the binary must install the aws-lc-rs crypto provider
//! before the first call,
//! `rustls::crypto::aws_lc_rs::default_provider().install_default()`.
//! The `test-support` feature adds `credentials::generate_client_secret`
//! for tests and simulators.

mod channel;
pub mod credentials;
mod error;
mod host_info;
mod secret_source;
mod session;
mod token;
mod upload;

pub use channel::BATON_SDK_VERSION;
pub use credentials::{ClientId, ClientIdError, ClientSecret, SecretError};
pub use error::{Error, Result, is_retryable_code};
pub use host_info::{HOST_ID_ENV, default_host_id};
pub use secret_source::SecretSource;
pub use session::{
    DEFAULT_HEARTBEAT, FINISH_TASK_DEADLINE, HeartbeatOutcome, MAX_ANNOTATIONS, MAX_INTERVAL,
    NextTask, Session, SessionConfig, TaskOutcome,
};
pub use upload::UPLOAD_CHUNK_BYTES;

/// Environment variable that overrides the ConductorOne host (`BATON_C1_API_HOST`).
pub const API_HOST_ENV: &str = "BATON_C1_API_HOST";
