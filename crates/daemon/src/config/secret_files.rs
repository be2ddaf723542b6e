//! Rotation of the Atlassian secrets read from files (`--access-token-file`,
//! `--scim-token-file`, `--teams-api-token-file`) while the service runs, without a restart.
//!
//! Every [`POLL_INTERVAL`] each file is read again and its trimmed content compared with
//! the secret in use (content, not modification time: kubelet updates a mounted Secret by
//! swapping a symlink). A new, non-blank content goes to the Atlassian client for the
//! requests sent from then on, is logged as `reloaded the ... from PATH` and counted in
//! `baton_secret_reloads_total`. A file that cannot be read or is blank keeps the secret in
//! use, with one warning naming the path until its content changes. Values are never logged.

use std::path::PathBuf;
use std::time::Duration;

use atlassian::{CredentialKind, Secret};
use connector::{AtlassianConnector, ConnectorConfig};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::cli::ConnectorArgs;
use crate::health::metrics;

/// How often the files are read.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// A secret the connector read from a file at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFile {
    /// Which credential it holds.
    pub kind: CredentialKind,
    /// The option of the secret (`access-token`), the `secret` label of the reload counter.
    pub secret: &'static str,
    /// The file.
    pub path: PathBuf,
}

impl SecretFile {
    /// The secret files among the connector's options (those set and not blank).
    pub fn all(args: &ConnectorArgs) -> Vec<Self> {
        [
            (
                CredentialKind::OrgApiKey,
                "access-token",
                &args.access_token_file,
            ),
            (
                CredentialKind::ScimToken,
                "scim-token",
                &args.scim_token_file,
            ),
            (
                CredentialKind::TeamsToken,
                "teams-api-token",
                &args.teams_api_token_file,
            ),
        ]
        .into_iter()
        .filter_map(|(kind, secret, path)| {
            let path = path.as_ref().filter(|p| !p.as_os_str().is_empty())?;
            Some(Self {
                kind,
                secret,
                path: path.clone(),
            })
        })
        .collect()
    }

    /// What the file holds, as log lines name it.
    fn what(&self) -> &'static str {
        match self.kind {
            CredentialKind::OrgApiKey => "organization API key",
            CredentialKind::ScimToken => "SCIM token",
            CredentialKind::TeamsToken => "Teams API token",
        }
    }
}

/// Starts watching `files` on the current Tokio runtime until `shutdown`, giving each new
/// content to `connector`'s Atlassian client (shared by all its clones).
pub fn watch(files: &[SecretFile], connector: &AtlassianConnector, shutdown: CancellationToken) {
    let watched: Vec<Watched> = files
        .iter()
        .filter_map(|file| Watched::new(file.clone(), connector.config()))
        .collect();
    if watched.is_empty() {
        return;
    }
    let client = connector.client().clone();
    tokio::spawn(async move {
        let mut watched = watched;
        let mut ticks = tokio::time::interval(POLL_INTERVAL);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            for watched in &mut watched {
                if let Some(secret) = watched.poll().await {
                    let file = &watched.file;
                    let replaced = client.set_secret(file.kind, secret);
                    debug_assert!(replaced, "a secret read from a file is configured");
                    metrics::record_secret_reload(file.secret);
                    tracing::info!(
                        path = %file.path.display(),
                        "reloaded the {} from {}",
                        file.what(),
                        file.path.display()
                    );
                }
            }
        }
    });
}

/// A secret file and the secret in use.
struct Watched {
    file: SecretFile,
    current: Secret,
    /// The problem last warned about, so that a lasting one is logged once.
    reported: Option<String>,
}

impl Watched {
    /// Starts from the secret the connector was configured with; `None` if it has none
    /// of that kind (the settings' checks make that impossible).
    fn new(file: SecretFile, config: &ConnectorConfig) -> Option<Self> {
        let current = match file.kind {
            CredentialKind::OrgApiKey => Some(config.access_token.clone()),
            CredentialKind::ScimToken => config.scim_token.clone(),
            CredentialKind::TeamsToken => config.teams.as_ref().map(|t| t.api_token.clone()),
        }?;
        Some(Self {
            file,
            current,
            reported: None,
        })
    }

    /// Reads the file: the new secret when its content changed and can be used.
    async fn poll(&mut self) -> Option<Secret> {
        match read(&self.file).await {
            Ok(secret) => {
                self.reported = None;
                if secret == self.current {
                    return None;
                }
                self.current = secret.clone();
                Some(secret)
            }
            Err(problem) => {
                if self.reported.as_ref() != Some(&problem) {
                    tracing::warn!(
                        path = %self.file.path.display(),
                        "keeping the {} in use: {problem}",
                        self.file.what()
                    );
                    self.reported = Some(problem);
                }
                None
            }
        }
    }
}

/// The file's trimmed content, or why it cannot be used (naming the path, never the content).
async fn read(file: &SecretFile) -> Result<Secret, String> {
    let path = file.path.display();
    let content = tokio::fs::read_to_string(&file.path)
        .await
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    let content = content.trim();
    if content.is_empty() {
        return Err(format!("{path} is empty"));
    }
    Ok(Secret::from(content))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Writes `content` to `name` in `dir` as kubelet does: a new directory, then a symlink
    /// `..data` swapped to it by a rename; `name` links to `..data/name`.
    fn kubelet_write(dir: &Path, name: &str, content: &str) {
        let version = dir.join(format!("..version-{}", fastrand::u64(..)));
        std::fs::create_dir(&version).unwrap();
        std::fs::write(version.join(name), content).unwrap();
        let staged = dir.join("..data_tmp");
        std::os::unix::fs::symlink(version.file_name().unwrap(), &staged).unwrap();
        std::fs::rename(&staged, dir.join("..data")).unwrap();
        let link = dir.join(name);
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(Path::new("..data").join(name), &link).unwrap();
        }
    }

    fn watched(path: PathBuf, current: &str) -> Watched {
        Watched {
            file: SecretFile {
                kind: CredentialKind::OrgApiKey,
                secret: "access-token",
                path,
            },
            current: Secret::new(current),
            reported: None,
        }
    }

    #[tokio::test]
    async fn a_swapped_content_is_taken_once_and_a_blank_or_missing_file_keeps_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        kubelet_write(dir.path(), "access-token", "key-1\n");
        let mut watched = watched(dir.path().join("access-token"), "key-1");
        assert_eq!(watched.poll().await, None, "unchanged");

        kubelet_write(dir.path(), "access-token", " key-2\n");
        assert_eq!(watched.poll().await, Some(Secret::new("key-2")));
        assert_eq!(watched.poll().await, None, "taken once");

        kubelet_write(dir.path(), "access-token", "\n");
        assert_eq!(watched.poll().await, None);
        let reported = watched.reported.clone().unwrap();
        assert!(reported.ends_with("access-token is empty"), "{reported}");
        assert_eq!(watched.current, Secret::new("key-2"), "the old key is kept");

        std::fs::remove_file(dir.path().join("access-token")).unwrap();
        assert_eq!(watched.poll().await, None);
        assert!(watched.reported.as_ref().unwrap().contains("cannot read "));

        kubelet_write(dir.path(), "access-token", "key-3");
        assert_eq!(watched.poll().await, Some(Secret::new("key-3")));
        assert_eq!(watched.reported, None);
    }

    #[tokio::test]
    async fn the_watcher_gives_a_rotated_key_to_the_client_and_counts_it() {
        let sim = sim::atlassian::AtlassianSim::start(Default::default())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let old_key = sim.credentials().api_key;
        kubelet_write(dir.path(), "access-token", &old_key);
        let config = ConnectorConfig {
            base_url: Some(sim.base_url()),
            ..ConnectorConfig::new(sim.org_id(), old_key)
        };
        let connector = AtlassianConnector::new(config).unwrap();
        let shutdown = CancellationToken::new();
        let file = watched(dir.path().join("access-token"), "").file;
        watch(&[file], &connector, shutdown.clone());
        connector.validate().await.unwrap();

        let mut rotated = sim.credentials();
        rotated.api_key = "rotated-org-api-key".into();
        sim.set_credentials(rotated);
        assert!(
            connector.validate().await.is_err(),
            "the old key is refused"
        );
        kubelet_write(dir.path(), "access-token", "rotated-org-api-key\n");
        let deadline = tokio::time::Instant::now() + POLL_INTERVAL * 10;
        while connector.validate().await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "never reloaded");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let scraped = metrics::render(connector.client(), None);
        assert!(
            scraped.contains(r#"baton_secret_reloads_total{secret="access-token"} 1"#),
            "{scraped}"
        );
        shutdown.cancel();
    }

    #[test]
    fn only_the_secret_options_given_as_files_are_watched() {
        use clap::Parser;

        let cli = crate::cli::Cli::try_parse_from([
            "baton-atlassian",
            "--access-token-file",
            "secrets/key",
            "--scim-token",
            "not-a-file",
        ])
        .unwrap();
        let files = SecretFile::all(&cli.sync.connector);
        assert_eq!(
            files,
            [SecretFile {
                kind: CredentialKind::OrgApiKey,
                secret: "access-token",
                path: PathBuf::from("secrets/key"),
            }]
        );
    }
}
