//! Runs the real `baton-atlassian` binary in service mode against both simulators
//! started in the test: an Atlassian organization ([`AtlassianSim`]) and a ConductorOne
//! control plane ([`ControlPlaneSim`], trusted through `BATON_C1_CA_FILE`).
//!
//! Include it next to `binary.rs`: `#[path = "support/binary.rs"] mod binary;` and
//! `#[path = "support/service.rs"] mod service;`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sim::atlassian::{AtlassianSim, OrgSpec, SimConfig};
use sim::controlplane::{ControlPlaneConfig, ControlPlaneSim, FinishRecord, IssuedCredentials};
use tempfile::TempDir;
use tokio::process::Child;

use crate::binary;

/// Users of the simulated organization.
const USERS: usize = 50;
/// The longest a test waits for one thing to happen.
pub const WAIT: Duration = Duration::from_secs(20);
/// The host id the daemon is given.
pub const HOST_ID: &str = "service-e2e";

/// Both simulators, the daemon's credentials and a scratch directory.
pub struct Harness {
    /// The Atlassian organization.
    pub atlassian: AtlassianSim,
    /// The ConductorOne control plane.
    pub c1: ControlPlaneSim,
    /// The daemon's client id and secret.
    pub credentials: IssuedCredentials,
    /// Scratch space: the CA file, the daemon's temp dir and log.
    pub dir: TempDir,
}

impl Harness {
    /// Starts both simulators: a 50-user organization from `seed`, and a control plane
    /// answering polls at once and asking for a heartbeat every second.
    pub async fn start(seed: u64) -> Self {
        Self::start_with(seed, ControlPlaneConfig::default()).await
    }

    /// As [`start`](Self::start), with the control plane's other settings from `c1`.
    pub async fn start_with(seed: u64, c1: ControlPlaneConfig) -> Self {
        let atlassian = AtlassianSim::start(SimConfig {
            org: OrgSpec { users: USERS, seed },
            ..SimConfig::default()
        })
        .await
        .expect("the Atlassian simulator starts");
        let c1 = ControlPlaneSim::start(ControlPlaneConfig {
            next_poll: Duration::from_millis(50),
            next_heartbeat: Duration::from_secs(1),
            ..c1
        })
        .await
        .expect("the control-plane simulator starts");
        let credentials = c1.issue_credentials();
        let dir = tempfile::tempdir().unwrap();
        c1.write_ca_pem(&dir.path().join("ca.pem")).unwrap();
        std::fs::create_dir(dir.path().join("tmp")).unwrap();
        Self {
            atlassian,
            c1,
            credentials,
            dir,
        }
    }

    /// Where the daemon writes its syncs until they are uploaded.
    pub fn temp_dir(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }

    /// The variables pointing the daemon at both simulators.
    pub fn env(&self) -> Vec<(String, String)> {
        let path = |p: &Path| p.to_str().unwrap().to_owned();
        [
            ("BATON_BASE_URL", self.atlassian.base_url().to_string()),
            ("BATON_ORGANIZATION_ID", self.atlassian.org_id()),
            (
                "BATON_ACCESS_TOKEN",
                self.atlassian.credentials().api_key.clone(),
            ),
            ("BATON_CLIENT_ID", self.credentials.client_id.clone()),
            (
                "BATON_CLIENT_SECRET",
                self.credentials.client_secret.clone(),
            ),
            ("BATON_C1_CA_FILE", path(&self.dir.path().join("ca.pem"))),
            ("BATON_HOST_ID", HOST_ID.to_owned()),
            ("BATON_C1Z_TEMP_DIR", path(&self.temp_dir())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Starts the daemon with no subcommand (service mode, as in a container), the
    /// simulators' variables and `extra` ones; its log goes to a file.
    pub fn spawn(&self, extra: &[(&str, &str)]) -> Daemon {
        let log = self
            .dir
            .path()
            .join(format!("daemon-{}.log", fastrand::u32(..)));
        let mut command = binary::command();
        command
            .envs(self.env())
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        Daemon {
            child: command.spawn().expect("the binary starts"),
            log,
        }
    }

    /// Waits for the `FinishTask` of `task_id`; on timeout, fails showing `daemon`'s log.
    pub async fn finish_of(&self, task_id: &str, daemon: &Daemon) -> FinishRecord {
        match self.c1.wait_for_finish(task_id, WAIT).await {
            Ok(finish) => finish,
            Err(timeout) => panic!("{timeout}\n--- daemon log ---\n{}", daemon.log()),
        }
    }
}

/// The daemon, running.
pub struct Daemon {
    child: Child,
    log: PathBuf,
}

/// How the daemon ended.
#[derive(Debug)]
pub struct Stopped {
    /// Its exit code (`None` if a signal ended it).
    pub code: Option<i32>,
    /// Its log (stderr).
    pub log: String,
}

impl Daemon {
    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for it to exit.
    pub async fn terminate(self) -> Stopped {
        self.send_sigterm();
        self.wait().await
    }

    /// Sends SIGTERM and returns at once (the daemon drains, then exits).
    pub fn send_sigterm(&self) {
        self.send_signal("TERM");
    }

    /// Sends the signal `name` (`TERM`, `KILL`...) and returns at once.
    pub fn send_signal(&self, name: &str) {
        let pid = self.child.id().expect("still running").to_string();
        let kill = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(kill.success());
    }

    /// Waits for it to exit on its own.
    pub async fn wait(mut self) -> Stopped {
        let status = tokio::time::timeout(WAIT, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("the daemon did not exit\n{}", self.log()))
            .unwrap();
        Stopped {
            code: status.code(),
            log: self.log(),
        }
    }
}
