//! A real Kubernetes API server for tests: etcd and kube-apiserver on loopback ports
//! (`scripts/k8s/start-apiserver.sh`), with kubectl and helm. The tools come from
//! `scripts/k8s-tools.sh` (which installs them once and caches them outside the clone);
//! when they cannot be had, the test fails saying so.
//!
//! Include it with `#[path = "support/kube.rs"] mod kube;`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, SystemTime};

use k8s_openapi::api::coordination::v1::Lease;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// The repository's root.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// kubectl, helm and kube-apiserver, as `scripts/k8s-tools.sh` prints them.
#[derive(Clone, Debug)]
pub struct Tools {
    /// `PATH` with kubectl and helm first.
    path: OsString,
    /// The kube-apiserver binary.
    kube_apiserver: PathBuf,
}

impl Tools {
    /// Runs `scripts/k8s-tools.sh` (fast once installed; `flock` keeps parallel tests from
    /// installing at once) and reads its `export` lines; fails the test when it fails.
    pub async fn get() -> Tools {
        let script = repo_root().join("scripts/k8s-tools.sh");
        let lock = Path::new(env!("CARGO_TARGET_TMPDIR")).join("k8s-tools.lock");
        let mut command = if which("flock") {
            let mut command = Command::new("flock");
            command.arg(&lock).arg(&script);
            command
        } else {
            Command::new(&script)
        };
        let output = command
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "the Kubernetes test tools (kube-apiserver, etcd, kubectl, helm) are missing and \
             scripts/k8s-tools.sh could not install them; run it by hand to see why.\n{}\n{}",
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
        let exported = |name: &str| {
            stdout
                .lines()
                .find_map(|line| line.strip_prefix(&format!("export {name}=")))
                .map(|value| value.trim_matches('"').to_owned())
                .unwrap_or_else(|| panic!("scripts/k8s-tools.sh printed no {name}:\n{stdout}"))
        };
        let current = std::env::var("PATH").unwrap_or_default();
        let tools = Tools {
            path: exported("PATH").replace("$PATH", &current).into(),
            kube_apiserver: exported("KUBE_APISERVER").into(),
        };
        assert!(
            tools.kube_apiserver.is_file(),
            "no kube-apiserver at {} (scripts/k8s-tools.sh builds it)",
            tools.kube_apiserver.display()
        );
        tools
    }

    /// `program` with the tools on `PATH`.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("PATH", &self.path)
            .env("KUBE_APISERVER", &self.kube_apiserver)
            .kill_on_drop(true);
        command
    }
}

/// Whether `program` is on `PATH`.
fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// A user of the token file (RBAC applies to it).
#[derive(Clone, Debug)]
pub struct TokenUser {
    /// The user name, e.g. `system:serviceaccount:NS:SA`.
    pub name: String,
    /// Its groups.
    pub groups: Vec<String>,
    /// Its bearer token.
    pub token: String,
}

impl TokenUser {
    /// The user a ServiceAccount's token authenticates as.
    pub fn service_account(namespace: &str, name: &str) -> TokenUser {
        TokenUser {
            name: format!("system:serviceaccount:{namespace}:{name}"),
            groups: vec![
                "system:serviceaccounts".to_owned(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".to_owned(),
            ],
            token: format!("{:032x}", fastrand::u128(..)),
        }
    }
}

/// etcd and kube-apiserver, stopped when dropped.
pub struct ApiServer {
    tools: Tools,
    dir: TempDir,
    port: u16,
}

impl ApiServer {
    /// Starts both on free loopback ports, with `users` besides the admin.
    pub async fn start(tools: &Tools, users: &[TokenUser]) -> ApiServer {
        let dir = tempfile::tempdir().unwrap();
        let lines: String = users
            .iter()
            .map(|u| {
                format!(
                    "{},{},{},\"{}\"\n",
                    u.token,
                    u.name,
                    u.name,
                    u.groups.join(",")
                )
            })
            .collect();
        std::fs::write(dir.path().join("tokens.csv"), lines).unwrap();
        let (port, etcd_port) = free_ports();
        let output = tools
            .command(
                &repo_root()
                    .join("scripts/k8s/start-apiserver.sh")
                    .display()
                    .to_string(),
            )
            .arg(dir.path())
            .arg(port.to_string())
            .arg(etcd_port.to_string())
            .output()
            .await
            .unwrap();
        let server = ApiServer {
            tools: tools.clone(),
            dir,
            port,
        };
        assert!(
            output.status.success(),
            "the API server did not start: {}\n{}\n--- apiserver.log ---\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            server.log()
        );
        server
    }

    /// The admin's kubeconfig.
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// A kubeconfig for `user`, with `namespace` as its context's namespace.
    pub fn kubeconfig_for(&self, user: &TokenUser, namespace: &str) -> PathBuf {
        let path = self
            .dir
            .path()
            .join(format!("kubeconfig-{}", fastrand::u32(..)));
        let ca = self.dir.path().join("ca.crt");
        let text = format!(
            "apiVersion: v1\nkind: Config\n\
             clusters:\n- name: local\n  cluster: {{server: \"https://127.0.0.1:{}\", certificate-authority: \"{}\"}}\n\
             users:\n- name: user\n  user: {{token: \"{}\"}}\n\
             contexts:\n- name: local\n  context: {{cluster: local, user: user, namespace: {namespace}}}\n\
             current-context: local\n",
            self.port,
            ca.display(),
            user.token
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    /// A client acting as the admin.
    pub async fn client(&self) -> Client {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let kubeconfig = Kubeconfig::read_from(self.kubeconfig()).unwrap();
        let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .unwrap();
        Client::try_from(config).unwrap()
    }

    /// Runs kubectl as the admin with `input` on stdin; fails the test when it fails.
    pub async fn kubectl(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .tools
            .command("kubectl")
            .env("KUBECONFIG", self.kubeconfig())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl starts");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).await.unwrap();
        drop(stdin);
        let output = child.wait_with_output().await.unwrap();
        assert!(
            output.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Runs helm; fails the test when it fails; returns its standard output.
    pub async fn helm(&self, args: &[&str]) -> String {
        let output = self
            .tools
            .command("helm")
            .args(args)
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "helm {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// The API server's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("apiserver.log")).unwrap_or_default()
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = std::process::Command::new(repo_root().join("scripts/k8s/stop-apiserver.sh"))
            .arg(self.dir.path())
            .status();
    }
}

/// Two free loopback ports for the API server and etcd (etcd also listens on the second
/// plus 10, for peers).
fn free_ports() -> (u16, u16) {
    let bind = |port: u16| std::net::TcpListener::bind(("127.0.0.1", port));
    let api = bind(0).unwrap();
    loop {
        let etcd = bind(0).unwrap();
        let port = etcd.local_addr().unwrap().port();
        if port < u16::MAX - 10 && bind(port + 10).is_ok() {
            return (api.local_addr().unwrap().port(), port);
        }
    }
}

/// Who holds a Lease and when it was renewed, as the API server has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseState {
    /// `spec.holderIdentity`.
    pub holder: Option<String>,
    /// `spec.renewTime`.
    pub renewed: Option<SystemTime>,
    /// `spec.acquireTime`.
    pub acquired: Option<SystemTime>,
    /// `spec.leaseDurationSeconds`.
    pub duration: Option<Duration>,
}

impl LeaseState {
    /// When the Lease runs out if it is not renewed.
    pub fn expires(&self) -> Option<SystemTime> {
        Some(self.renewed? + self.duration?)
    }
}

/// The Lease `name` in `namespace`; `None` if it does not exist.
pub async fn lease(client: &Client, namespace: &str, name: &str) -> Option<LeaseState> {
    let lease = Api::<Lease>::namespaced(client.clone(), namespace)
        .get_opt(name)
        .await
        .expect("the API server answers")?;
    let spec = lease.spec.unwrap_or_default();
    Some(LeaseState {
        holder: spec.holder_identity.filter(|h| !h.is_empty()),
        renewed: spec.renew_time.map(|t| t.0.into()),
        acquired: spec.acquire_time.map(|t| t.0.into()),
        duration: spec
            .lease_duration_seconds
            .map(|s| Duration::from_secs(u64::try_from(s).unwrap())),
    })
}

/// Waits until `holds` is true of the Lease, up to `timeout`; returns it, or `Err` with
/// the last state seen.
pub async fn wait_for_lease(
    client: &Client,
    namespace: &str,
    name: &str,
    timeout: Duration,
    holds: impl Fn(&LeaseState) -> bool,
) -> Result<LeaseState, Option<LeaseState>> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let state = lease(client, namespace, name).await;
        if let Some(state) = &state
            && holds(state)
        {
            return Ok(state.clone());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(state);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
