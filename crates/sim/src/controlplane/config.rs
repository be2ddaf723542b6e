//! How the simulated control plane behaves.

use std::path::PathBuf;
use std::time::Duration;

use super::tls::TlsIdentity;

/// Settings of a [`ControlPlaneSim`](super::ControlPlaneSim). `Default` gives values close
/// to the real service's; tests shorten the durations.
#[derive(Clone, Debug)]
pub struct ControlPlaneConfig {
    /// Lifetime of an access token, sent as `expires_in` (default 3600 s).
    pub token_ttl: Duration,
    /// Clock skew tolerated on an assertion's `iat`, `nbf` and `exp` (default 60 s).
    pub clock_skew: Duration,
    /// Seconds the simulator's clock runs ahead of the real one (negative: behind) when it
    /// checks an assertion's times, as a control plane whose clock is off (default 0).
    pub clock_offset_secs: i64,
    /// `next_poll` of every `GetTask` answer (default 1 s).
    pub next_poll: Duration,
    /// `next_heartbeat` of every `GetTask` and `Heartbeat` answer (default 30 s).
    pub next_heartbeat: Duration,
    /// Hands a task out again when its `FinishTask` has not arrived this long after it was
    /// handed out (default `None`: never).
    pub task_lease: Option<Duration>,
    /// How long a key replaced by a rotation keeps working (default `None`: refused at once).
    pub rotated_key_grace: Option<Duration>,
    /// Host name put in client ids and so in assertion audiences (default `127.0.0.1`;
    /// `localhost` also matches the certificate).
    pub client_host: String,
    /// Certificate and key to serve; `None` generates a test CA and a server certificate.
    pub tls: Option<TlsIdentity>,
    /// Folder for uploaded assets; `None` uses a temporary folder removed with the simulator.
    pub upload_dir: Option<PathBuf>,
}

impl Default for ControlPlaneConfig {
    fn default() -> Self {
        ControlPlaneConfig {
            token_ttl: Duration::from_secs(3600),
            clock_skew: Duration::from_secs(60),
            clock_offset_secs: 0,
            next_poll: Duration::from_secs(1),
            next_heartbeat: Duration::from_secs(30),
            task_lease: None,
            rotated_key_grace: None,
            client_host: "127.0.0.1".to_owned(),
            tls: None,
            upload_dir: None,
        }
    }
}
