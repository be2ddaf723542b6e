//! State shared by the token endpoint, the gRPC service and the test-facing handle; it
//! outlives server restarts.

use std::sync::{Mutex, MutexGuard};

use super::assertion::Nonces;
use super::config::ControlPlaneConfig;
use super::credentials::Clients;
use super::faults::Faults;
use super::queue::TaskQueue;
use super::records::Journal;
use super::token::Tokens;
use super::upload::UploadStore;

/// Everything the simulator knows.
pub(crate) struct State {
    pub(crate) config: ControlPlaneConfig,
    /// `client_host:port`: the token host in client ids.
    pub(crate) host: String,
    pub(crate) clients: Mutex<Clients>,
    pub(crate) nonces: Mutex<Nonces>,
    pub(crate) tokens: Mutex<Tokens>,
    pub(crate) queue: Mutex<TaskQueue>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) journal: Journal,
    pub(crate) uploads: UploadStore,
}

impl State {
    /// Fresh state for a server reachable as `host`.
    pub(crate) fn new(config: ControlPlaneConfig, host: String, uploads: UploadStore) -> State {
        State {
            clients: Mutex::new(Clients::new(config.rotated_key_grace)),
            nonces: Mutex::default(),
            tokens: Mutex::default(),
            queue: Mutex::new(TaskQueue::new(config.task_lease)),
            faults: Mutex::default(),
            journal: Journal::new(),
            uploads,
            host,
            config,
        }
    }
}

/// Locks a mutex, ignoring poisoning (a panicking test thread must not hide the state).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
