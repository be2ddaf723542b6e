//! The service's settings: ConductorOne credentials and connection ([`C1Settings`]), how
//! tasks run ([`TaskSettings`]), scheduled syncs ([`ScheduleSettings`]), all checked with
//! errors that name the flag and its variable.

use std::path::{Path, PathBuf};
use std::time::Duration;

use connector::{ConnectorConfig, SyncOptions};
use controlplane::{ClientId, ClientSecret, SecretSource, SessionConfig};

use super::duration::{Jitter, parse_duration};
use super::health::HealthSettings;
use super::leader::LeaderSettings;
use super::secret_files::SecretFile;
use super::{ConfigError, connector_config, flag_and_variable, secret, sync_options, text};
use crate::cli::{
    C1Args, CheckArgs, ConnectorArgs, HealthArgs, LeaderArgs, ScheduleArgs, ScopeArgs, ServeArgs,
    TaskArgs,
};

/// Most ConductorOne tasks that may run at once (the SDK's limit).
const MAX_TASK_CONCURRENCY: usize = 100;
/// Most snapshots `--snapshot-retention` may keep.
const MAX_RETENTION: usize = 10_000;

/// How to reach ConductorOne.
#[derive(Debug, Clone)]
pub struct C1Settings {
    /// The client id, checked.
    pub client_id: String,
    /// The client secret, or the file it is read from (checked at start-up).
    pub secret: SecretSource,
    /// `BATON_C1_API_HOST`: replaces the client id's host.
    pub api_host: Option<String>,
    /// `BATON_HOST_ID`; `None` uses the hostname.
    pub host_id: Option<String>,
    /// Extra CA certificates (PEM).
    pub ca_file: Option<PathBuf>,
    /// Test only: plaintext to an `http://` API host.
    pub insecure_plaintext: bool,
}

impl C1Settings {
    /// Checks the ConductorOne flags: `None` when no credential is given, an error when
    /// only the id or only the secret is.
    pub fn from_args(args: &C1Args) -> Result<Option<Self>, ConfigError> {
        let client_id = text(&args.client_id);
        let client_secret = secret(&args.client_secret);
        let secret_file = args
            .client_secret_file
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty());
        let pairs = || {
            format!(
                "ConductorOne credentials come in pairs: set {} and {} (or --client-secret-file) together",
                flag_and_variable("client-id"),
                flag_and_variable("client-secret")
            )
        };
        let secret = match (client_secret, secret_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::invalid(
                    "client-secret-file",
                    format!(
                        "give {} or the secret file, not both",
                        flag_and_variable("client-secret")
                    ),
                ));
            }
            (Some(value), None) => Some(SecretSource::Value(
                ClientSecret::parse(value.expose())
                    .map_err(|e| ConfigError::invalid("client-secret", e.to_string()))?,
            )),
            (None, Some(path)) => Some(secret_file_source(path)?),
            (None, None) => None,
        };
        let (client_id, secret) = match (client_id, secret) {
            (None, None) => return Ok(None),
            (Some(id), Some(secret)) => (id, secret),
            (Some(_), None) => return Err(ConfigError::missing("client-secret", pairs())),
            (None, Some(_)) => return Err(ConfigError::missing("client-id", pairs())),
        };
        ClientId::parse(client_id).map_err(|e| ConfigError::invalid("client-id", e.to_string()))?;
        let ca_file = args
            .c1_ca_file
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty());
        if let Some(path) = ca_file
            && !path.is_file()
        {
            return Err(ConfigError::invalid(
                "c1-ca-file",
                format!("the file {} does not exist", path.display()),
            ));
        }
        Ok(Some(Self {
            client_id: client_id.to_owned(),
            secret,
            api_host: text(&args.c1_api_host).map(str::to_owned),
            host_id: text(&args.host_id).map(str::to_owned),
            ca_file: ca_file.cloned(),
            insecure_plaintext: args.c1_insecure_plaintext,
        }))
    }

    /// The session's configuration (the session's defaults for polls and timeouts).
    pub fn session_config(&self) -> SessionConfig {
        let mut config = SessionConfig::new(self.client_id.clone(), self.secret.clone());
        config.api_host_override = self.api_host.clone();
        config.extra_ca_pem = self.ca_file.clone();
        config.allow_plaintext_for_tests = self.insecure_plaintext;
        if let Some(host_id) = &self.host_id {
            config.host_id = host_id.clone();
        }
        config
    }
}

/// A secret file must hold a valid secret at start-up; later changes are picked up by the
/// session (a rotation needs no restart).
fn secret_file_source(path: &Path) -> Result<SecretSource, ConfigError> {
    let content = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::invalid(
            "client-secret-file",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    ClientSecret::parse(&content).map_err(|e| {
        ConfigError::invalid(
            "client-secret-file",
            format!("{} does not hold a client secret: {e}", path.display()),
        )
    })?;
    Ok(SecretSource::File(path.to_path_buf()))
}

/// How ConductorOne's tasks run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSettings {
    /// Provisioning tasks may change access.
    pub provisioning: bool,
    /// No Atlassian write is ever made.
    pub read_only: bool,
    /// Tasks running at once.
    pub concurrency: usize,
    /// Where syncs write their `.c1z` until uploaded.
    pub temp_dir: PathBuf,
    /// How long running tasks may take to finish after SIGINT or SIGTERM.
    pub shutdown_grace: Duration,
    /// The shortest wait before polling again after a poll that found no task (tests and
    /// benchmarks shorten it).
    pub poll_floor: Duration,
}

impl TaskSettings {
    /// Checks the task flags.
    pub fn from_args(args: &TaskArgs) -> Result<Self, ConfigError> {
        let concurrency = args
            .task_concurrency
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_TASK_CONCURRENCY).contains(n))
            .ok_or_else(|| {
                ConfigError::invalid(
                    "task-concurrency",
                    format!(
                        "expected a whole number from 1 to {MAX_TASK_CONCURRENCY}, got '{}'",
                        args.task_concurrency
                    ),
                )
            })?;
        let temp_dir = match args
            .c1z_temp_dir
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty())
        {
            Some(dir) => existing_directory(dir, "c1z-temp-dir")?,
            None => std::env::temp_dir(),
        };
        Ok(Self {
            provisioning: args.provisioning,
            read_only: args.read_only,
            concurrency,
            temp_dir,
            shutdown_grace: duration(&args.shutdown_grace, "shutdown-grace")?,
            poll_floor: duration(&args.poll_floor, "poll-floor")?,
        })
    }
}

/// Periodic local syncs into snapshot files.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleSettings {
    /// Time between scheduled syncs (before jitter).
    pub interval: Duration,
    /// How much each interval may vary.
    pub jitter: Jitter,
    /// Where snapshots are written.
    pub snapshot_dir: PathBuf,
    /// Snapshots kept.
    pub retention: usize,
    /// Shortest pause between a scheduled sync's end and the next one's start.
    pub min_interval: Duration,
}

impl ScheduleSettings {
    /// Checks the schedule flags: `None` when `--sync-interval` is unset or zero.
    pub fn from_args(args: &ScheduleArgs) -> Result<Option<Self>, ConfigError> {
        let Some(interval) = text(&args.sync_interval) else {
            return Ok(None);
        };
        let interval = duration(interval, "sync-interval")?;
        if interval.is_zero() {
            return Ok(None);
        }
        let jitter = Jitter::parse(&args.sync_jitter)
            .map_err(|reason| ConfigError::invalid("sync-jitter", reason))?;
        let snapshot_dir = args
            .snapshot_dir
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty())
            .ok_or_else(|| {
                ConfigError::missing(
                    "snapshot-dir",
                    "the directory scheduled syncs write their .c1z snapshots to",
                )
            })?;
        let retention = args
            .snapshot_retention
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_RETENTION).contains(n))
            .ok_or_else(|| {
                ConfigError::invalid(
                    "snapshot-retention",
                    format!(
                        "expected a whole number from 1 to {MAX_RETENTION}, got '{}'",
                        args.snapshot_retention
                    ),
                )
            })?;
        Ok(Some(Self {
            interval,
            jitter,
            snapshot_dir: existing_directory(snapshot_dir, "snapshot-dir")?,
            retention,
            min_interval: duration(&args.min_sync_interval, "min-sync-interval")?,
        }))
    }
}

/// Everything the service needs.
#[derive(Debug)]
pub struct ServeSettings {
    /// ConductorOne, when configured.
    pub c1: Option<C1Settings>,
    /// How tasks run.
    pub tasks: TaskSettings,
    /// Scheduled syncs, when configured.
    pub schedule: Option<ScheduleSettings>,
    /// The local sync scope: what scheduled syncs cover; its resource types also apply to
    /// ConductorOne's syncs that name none.
    pub local_scope: SyncOptions,
    /// The connector's settings.
    pub connector: ConnectorConfig,
    /// The connector's secrets read from files, watched for rotation.
    pub secret_files: Vec<SecretFile>,
    /// The health and metrics server, when enabled.
    pub health: Option<HealthSettings>,
    /// Leader election, when enabled: only the leader takes tasks and runs scheduled syncs.
    pub leader: Option<LeaderSettings>,
}

impl ServeSettings {
    /// Checks the options of `serve`.
    pub fn from_args(args: &ServeArgs) -> Result<Self, ConfigError> {
        Self::from_parts(
            &args.c1,
            &args.tasks,
            &args.schedule,
            &args.scope,
            &args.connector,
            &args.health,
            &args.leader,
        )
    }

    /// Checks the service's options given apart (the command without a subcommand holds
    /// them beside the sync's). ConductorOne or a sync interval is required.
    pub fn from_parts(
        c1: &C1Args,
        tasks: &TaskArgs,
        schedule: &ScheduleArgs,
        scope: &ScopeArgs,
        connector: &ConnectorArgs,
        health: &HealthArgs,
        leader: &LeaderArgs,
    ) -> Result<Self, ConfigError> {
        let c1 = C1Settings::from_args(c1)?;
        let tasks = TaskSettings::from_args(tasks)?;
        let schedule = ScheduleSettings::from_args(schedule)?;
        if c1.is_none() && schedule.is_none() {
            return Err(ConfigError::missing(
                "client-id",
                format!(
                    "the service needs ConductorOne credentials ({} and {}) or scheduled syncs ({})",
                    flag_and_variable("client-id"),
                    flag_and_variable("client-secret"),
                    flag_and_variable("sync-interval")
                ),
            ));
        }
        Ok(Self {
            c1,
            tasks,
            schedule,
            local_scope: sync_options(scope)?,
            connector: connector_config(connector)?,
            secret_files: SecretFile::all(connector),
            health: HealthSettings::from_args(health)?,
            leader: LeaderSettings::from_args(leader)?,
        })
    }
}

/// Everything `check` needs.
#[derive(Debug)]
pub struct CheckSettings {
    /// ConductorOne, when configured.
    pub c1: Option<C1Settings>,
    /// Whether provisioning is wanted (the Support-gated endpoints are then required).
    pub provisioning: bool,
    /// The connector's settings.
    pub connector: ConnectorConfig,
}

impl CheckSettings {
    /// Checks the options of `check`.
    pub fn from_args(args: &CheckArgs) -> Result<Self, ConfigError> {
        Ok(Self {
            c1: C1Settings::from_args(&args.c1)?,
            provisioning: args.provisioning,
            connector: connector_config(&args.connector)?,
        })
    }
}

/// Whether any ConductorOne credential or a sync interval is given: the command without
/// a subcommand then runs the service rather than a one-shot sync.
pub fn wants_service(c1: &C1Args, schedule: &ScheduleArgs) -> bool {
    let given = |value: &Option<String>| text(value).is_some();
    given(&c1.client_id)
        || secret(&c1.client_secret).is_some()
        || c1
            .client_secret_file
            .as_ref()
            .is_some_and(|p| !p.as_os_str().is_empty())
        || given(&schedule.sync_interval)
}

/// A duration flag.
fn duration(value: &str, flag: &'static str) -> Result<Duration, ConfigError> {
    parse_duration(value).map_err(|reason| ConfigError::invalid(flag, reason))
}

/// A directory that must exist.
fn existing_directory(path: &Path, flag: &'static str) -> Result<PathBuf, ConfigError> {
    if path.is_dir() {
        Ok(path.to_path_buf())
    } else {
        Err(ConfigError::invalid(
            flag,
            format!("the directory {} does not exist", path.display()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::config::Problem;

    /// A client secret that parses (an Ed25519 JWK made for these tests).
    fn secret() -> String {
        controlplane::credentials::generate_client_secret().secret
    }

    fn serve(flags: &[&str]) -> Result<ServeSettings, ConfigError> {
        let mut argv = vec![
            "baton-atlassian",
            "serve",
            "--organization-id",
            "org-1",
            "--access-token",
            "key-1",
        ];
        argv.extend_from_slice(flags);
        let Some(Command::Serve(args)) = Cli::try_parse_from(argv).unwrap().command else {
            panic!("expected serve")
        };
        ServeSettings::from_args(&args)
    }

    const CLIENT_ID: &str = "strange-hydra-68836@acme.conductor.one/pcc";

    #[test]
    fn credentials_give_the_defaults_of_the_go_sdk() {
        let secret = secret();
        let settings = serve(&["--client-id", CLIENT_ID, "--client-secret", &secret]).unwrap();
        let c1 = settings.c1.expect("ConductorOne is configured");
        assert_eq!(c1.client_id, CLIENT_ID);
        assert!(matches!(c1.secret, SecretSource::Value(_)));
        let tasks = settings.tasks;
        assert_eq!(
            (tasks.provisioning, tasks.read_only, tasks.concurrency),
            (false, false, 3)
        );
        assert_eq!(tasks.temp_dir, std::env::temp_dir());
        assert_eq!(tasks.shutdown_grace, Duration::from_secs(30));
        assert_eq!(tasks.poll_floor, Duration::from_secs(1));
        assert!(settings.schedule.is_none());
        let session = c1.session_config();
        assert_eq!(session.client_id, CLIENT_ID);
        assert!(!session.allow_plaintext_for_tests);
    }

    #[test]
    fn debug_output_never_shows_the_client_secret() {
        let secret = secret();
        let argv = [
            "baton-atlassian",
            "serve",
            "--organization-id",
            "org-1",
            "--access-token",
            "key-1",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            &secret,
        ];
        let cli = Cli::try_parse_from(argv).unwrap();
        let shown_cli = format!("{cli:?}");
        let Some(Command::Serve(args)) = cli.command else {
            panic!("expected serve")
        };
        let shown_settings = format!("{:?}", ServeSettings::from_args(&args).unwrap());
        let key = secret.rsplit(':').next().unwrap();
        for shown in [shown_cli, shown_settings] {
            assert!(!shown.contains(key), "{shown}");
            assert!(shown.contains(CLIENT_ID), "{shown}");
        }
    }

    #[test]
    fn an_id_without_a_secret_or_a_secret_without_an_id_names_both() {
        let secret = secret();
        for (flags, missing) in [
            (vec!["--client-id", CLIENT_ID], "client-secret"),
            (vec!["--client-secret", secret.as_str()], "client-id"),
        ] {
            let error = serve(&flags).unwrap_err();
            assert_eq!((error.problem, error.flag), (Problem::Missing, missing));
            let shown = error.to_string();
            for named in [
                "--client-id (BATON_CLIENT_ID)",
                "--client-secret (BATON_CLIENT_SECRET)",
            ] {
                assert!(shown.contains(named), "{shown}");
            }
        }
    }

    #[test]
    fn malformed_credentials_are_refused_without_showing_the_secret() {
        let error =
            serve(&["--client-id", "no-at-sign", "--client-secret", &secret()]).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid --client-id (BATON_CLIENT_ID): client id has no '@'"),
            "{error}"
        );
        let bad = "secret-token:conductorone.com:v2:c2VjcmV0LXZhbHVl";
        let error = serve(&["--client-id", CLIENT_ID, "--client-secret", bad]).unwrap_err();
        assert_eq!(error.flag, "client-secret");
        assert!(!error.to_string().contains("c2VjcmV0LXZhbHVl"), "{error}");
    }

    #[test]
    fn a_secret_file_is_read_and_may_not_come_with_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("client-secret");
        std::fs::write(&file, format!("{}\n", secret())).unwrap();
        let path = file.to_str().unwrap();
        let settings = serve(&["--client-id", CLIENT_ID, "--client-secret-file", path]).unwrap();
        assert!(matches!(settings.c1.unwrap().secret, SecretSource::File(f) if f == file));

        let both = [
            "--client-id",
            CLIENT_ID,
            "--client-secret-file",
            path,
            "--client-secret",
            &secret(),
        ];
        assert_eq!(serve(&both).unwrap_err().flag, "client-secret-file");
        std::fs::write(&file, "not a secret").unwrap();
        let error = serve(&["--client-id", CLIENT_ID, "--client-secret-file", path]).unwrap_err();
        assert!(
            error.to_string().contains("does not hold a client secret"),
            "{error}"
        );
    }

    #[test]
    fn task_settings_are_checked() {
        let secret = secret();
        let with = |more: &[&str]| {
            let mut flags = vec!["--client-id", CLIENT_ID, "--client-secret", secret.as_str()];
            flags.extend_from_slice(more);
            serve(&flags)
        };
        let error = with(&["--task-concurrency", "101"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid --task-concurrency (BATON_TASK_CONCURRENCY): expected a whole number from 1 to 100, got '101'"
        );
        let error = with(&["--c1z-temp-dir", "no-such-directory-here"]).unwrap_err();
        assert_eq!(error.flag, "c1z-temp-dir");
        let error = with(&["--c1-ca-file", "no-such-file.pem"]).unwrap_err();
        assert_eq!(error.flag, "c1-ca-file");
        let error = with(&["--poll-floor", "fast"]).unwrap_err();
        assert_eq!(error.flag, "poll-floor");
        let settings = with(&[
            "--provisioning",
            "--read-only",
            "--task-concurrency",
            "7",
            "--poll-floor",
            "10ms",
        ])
        .unwrap();
        assert!(settings.tasks.provisioning && settings.tasks.read_only);
        assert_eq!(settings.tasks.concurrency, 7);
        assert_eq!(settings.tasks.poll_floor, Duration::from_millis(10));
    }

    #[test]
    fn scheduled_syncs_need_a_snapshot_directory() {
        let error = serve(&["--sync-interval", "30m"]).unwrap_err();
        assert_eq!(
            (error.problem, error.flag),
            (Problem::Missing, "snapshot-dir")
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap();
        let settings = serve(&[
            "--sync-interval",
            "6h",
            "--snapshot-dir",
            path,
            "--sync-jitter",
            "5m",
            "--min-sync-interval",
            "1m",
        ])
        .unwrap();
        assert!(
            settings.c1.is_none(),
            "scheduled syncs run without ConductorOne"
        );
        let schedule = settings.schedule.unwrap();
        assert_eq!(schedule.interval, Duration::from_secs(6 * 3600));
        assert_eq!(schedule.jitter, Jitter::Fixed(Duration::from_secs(300)));
        assert_eq!(schedule.retention, 7);
        assert_eq!(schedule.min_interval, Duration::from_secs(60));
        let error = serve(&["--sync-interval", "soon", "--snapshot-dir", path]).unwrap_err();
        assert_eq!(error.flag, "sync-interval");
    }

    #[test]
    fn serve_needs_conductorone_or_a_sync_interval() {
        let error = serve(&[]).unwrap_err();
        assert_eq!(error.flag, "client-id");
        assert!(
            error
                .to_string()
                .contains("--sync-interval (BATON_SYNC_INTERVAL)"),
            "{error}"
        );
    }

    #[test]
    fn without_a_subcommand_credentials_or_an_interval_mean_the_service() {
        let cli = |flags: &[&str]| {
            let mut argv = vec!["baton-atlassian"];
            argv.extend_from_slice(flags);
            Cli::try_parse_from(argv).unwrap()
        };
        let plain = cli(&["-f", "out.c1z"]);
        assert!(!wants_service(&plain.c1, &plain.schedule));
        let with_id = cli(&["--client-id", CLIENT_ID]);
        assert!(wants_service(&with_id.c1, &with_id.schedule));
        let with_interval = cli(&["--sync-interval", "1h"]);
        assert!(wants_service(&with_interval.c1, &with_interval.schedule));
    }
}
