//! End to end: secrets rotated in a mounted Kubernetes Secret while the real
//! `baton-atlassian` binary runs in service mode, against both simulators. The files are
//! written as kubelet writes them (a new directory, then the `..data` symlink swapped by a
//! rename). A blank new key keeps the one in use; then the Atlassian key
//! (`BATON_ACCESS_TOKEN_FILE`) and the ConductorOne client secret
//! (`BATON_CLIENT_SECRET_FILE`) are rotated in both simulators, which refuse the old ones
//! at once, and in the mounted Secret: the next task succeeds with the new ones, the
//! process never restarted (one registration, a clean exit on SIGTERM), no value reaches
//! the log, and `check` finds the keys in the mount working.

#[path = "support/binary.rs"]
mod binary;
#[path = "support/grants.rs"]
mod grants;
#[path = "support/service.rs"]
mod service;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use grants::{PROVISIONING, grant_task, holds, workspace_and_user};
use service::{Daemon, Harness, WAIT};
use sim::controlplane::tasks;

const ACCESS_TOKEN: &str = "access-token";
const CLIENT_SECRET: &str = "client-secret";

/// A directory laid out as kubelet mounts a Secret: `name -> ..data/name`, with `..data`
/// a symlink to the current version's directory.
struct MountedSecret {
    dir: PathBuf,
    versions: u32,
}

impl MountedSecret {
    /// The mount at `dir` holding `files`.
    fn new(dir: PathBuf, files: &[(&str, &str)]) -> Self {
        std::fs::create_dir(&dir).unwrap();
        let mut secret = Self { dir, versions: 0 };
        secret.update(files);
        for (name, _) in files {
            std::os::unix::fs::symlink(Path::new("..data").join(name), secret.path(name)).unwrap();
        }
        secret
    }

    /// The path of the file `name`, as the daemon is given it.
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes a new version holding `files` and swaps `..data` to it atomically.
    fn update(&mut self, files: &[(&str, &str)]) {
        self.versions += 1;
        let version = format!("..version_{}", self.versions);
        std::fs::create_dir(self.dir.join(&version)).unwrap();
        for (name, content) in files {
            std::fs::write(self.dir.join(&version).join(name), content).unwrap();
        }
        let staged = self.dir.join("..data_tmp");
        std::os::unix::fs::symlink(&version, &staged).unwrap();
        std::fs::rename(&staged, self.dir.join("..data")).unwrap();
        if self.versions > 1 {
            let previous = format!("..version_{}", self.versions - 1);
            std::fs::remove_dir_all(self.dir.join(previous)).unwrap();
        }
    }
}

/// Waits until `daemon`'s log holds `text`; on timeout, fails showing it.
async fn wait_for_log(daemon: &Daemon, text: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let content = daemon.log();
        if content.contains(text) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the log never showed {text:?}\n--- daemon log ---\n{content}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotated_in_a_mounted_secret_serve_the_next_task_without_a_restart() {
    let harness = Harness::start(81).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let old_key = harness.atlassian.credentials().api_key;
    let old_secret = harness.credentials.client_secret.clone();
    let mut mounted = MountedSecret::new(
        harness.dir.path().join("secret"),
        &[(ACCESS_TOKEN, &old_key), (CLIENT_SECRET, &old_secret)],
    );
    let key_file = mounted.path(ACCESS_TOKEN).display().to_string();
    let secret_file = mounted.path(CLIENT_SECRET).display().to_string();
    // The values of the harness's variables are blanked (unset): the files hold them.
    let files = [
        ("BATON_ACCESS_TOKEN", ""),
        ("BATON_CLIENT_SECRET", ""),
        ("BATON_ACCESS_TOKEN_FILE", key_file.as_str()),
        ("BATON_CLIENT_SECRET_FILE", secret_file.as_str()),
    ];
    let daemon = harness.spawn(&[&files[..], &[PROVISIONING]].concat());
    harness.c1.wait_for_hello(WAIT).await.unwrap();

    // A blank new key is refused: the old one stays in use.
    mounted.update(&[(ACCESS_TOKEN, "\n"), (CLIENT_SECRET, &old_secret)]);
    wait_for_log(&daemon, "keeping the organization API key in use").await;
    let sync = harness.c1.push_task(tasks::sync_full());
    let synced = harness.finish_of(&sync, &daemon).await;
    assert!(synced.success, "{synced:?}");

    // Rotate in Atlassian and ConductorOne (the old ones are refused from now on), then
    // in the mounted Secret.
    let rotated_at = SystemTime::now();
    let new_key = "rotated-org-api-key";
    let mut atlassian = harness.atlassian.credentials();
    atlassian.api_key = new_key.to_owned();
    harness.atlassian.set_credentials(atlassian);
    let rotated = harness
        .c1
        .rotate_credentials(&harness.credentials.client_id)
        .unwrap();
    mounted.update(&[
        (ACCESS_TOKEN, new_key),
        (CLIENT_SECRET, &rotated.client_secret),
    ]);
    wait_for_log(
        &daemon,
        &format!("reloaded the organization API key from {key_file}"),
    )
    .await;
    harness.c1.expire_all_tokens();
    harness.atlassian.reset_stats();

    let grant = harness.c1.push_task(grant_task(&workspace, &user));
    let granted = harness.finish_of(&grant, &daemon).await;
    assert!(granted.success, "{granted:?}\n{}", daemon.log());
    assert!(holds(&harness.atlassian.snapshot(), &user, &workspace));

    // Atlassian saw only the new key: the old one would have been answered 401.
    let stats = harness.atlassian.stats();
    assert!(stats.total > 0, "{stats:?}");
    for (endpoint, counts) in &stats.by_endpoint {
        assert!(
            !counts.by_status.contains_key(&401),
            "{endpoint}: {counts:?}"
        );
    }
    // ConductorOne's tokens since the rotation were signed with the new key only.
    let records = harness.c1.records();
    let tokens: Vec<_> = records
        .token_requests
        .iter()
        .filter(|t| t.at >= rotated_at)
        .collect();
    assert!(!tokens.is_empty());
    assert!(
        tokens
            .iter()
            .all(|t| t.granted && t.key_id.as_deref() == Some(rotated.key_id.as_str())),
        "{tokens:?}"
    );
    // One process did it all: a restarted one would have registered again, and this one
    // is still there to stop cleanly.
    assert_eq!(records.hellos.len(), 1, "{:?}", records.hellos);
    let stopped = daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    for secret in [
        old_key.as_str(),
        new_key,
        &old_secret,
        &rotated.client_secret,
    ] {
        assert!(!stopped.log.contains(secret), "a secret reached the log");
    }

    // The mount as a new process sees it holds the working keys.
    let mut env = harness.env();
    env.extend(files.map(|(k, v)| (k.to_owned(), v.to_owned())));
    let check = binary::run(&["check"], env).await;
    assert_eq!(
        check.code,
        Some(0),
        "{}\n{}",
        check.stdout,
        check.error_line()
    );
}
