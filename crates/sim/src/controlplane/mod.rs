//! ConductorOne control-plane simulator: the `BatonService` gRPC API and the OAuth token
//! endpoint `POST /auth/v1/token`, served together on one loopback port over TLS with a
//! test CA, as the real ConductorOne host serves them.
//!
//! It checks what the real control plane checks (spec `c1-service-mode.md` §1–3): the token
//! request's four form fields, the Ed25519 client assertion (signature against the key it
//! issued, `alg`, `nonce`, `iss`/`sub`/`aud`, `iat`/`nbf`/`exp`), the bearer token on every
//! call, `host_id`, task ids, annotation counts and the upload stream's shape and SHA-256.
//! Tests script the task queue, record every exchange, wait for outcomes, and inject faults
//! (refused tokens, failing methods, a cut or stalled upload, a cancelled task, a restart,
//! a clock that is off).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! use sim::controlplane::{ControlPlaneConfig, ControlPlaneSim, tasks};
//! let sim = ControlPlaneSim::start(ControlPlaneConfig::default()).await?;
//! let credentials = sim.issue_credentials();
//! sim.write_ca_pem(std::path::Path::new("ca.pem"))?;
//! let task_id = sim.push_task(tasks::sync_full());
//! // ... run the connector with `credentials` against `sim.host()` ...
//! let finish = sim.wait_for_finish(&task_id, Duration::from_secs(30)).await.unwrap();
//! assert!(finish.success);
//! # let _ = credentials;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod assertion;
mod config;
mod credentials;
mod faults;
mod queue;
mod records;
pub mod script;
mod server;
mod service;
mod state;
pub mod tasks;
mod tls;
mod token;
mod upload;
mod validate;

pub use config::ControlPlaneConfig;
pub use credentials::IssuedCredentials;
pub use faults::{Method, Times};
pub use records::{
    CallRecord, FinishRecord, GetTaskRecord, HeartbeatRecord, HelloRecord, Records,
    TokenRequestRecord, UploadRecord, WaitTimeout,
};
pub use server::ControlPlaneSim;
pub use tls::TlsIdentity;
pub use upload::MAX_CHUNK_BYTES;
