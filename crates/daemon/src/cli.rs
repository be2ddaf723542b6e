//! The command line: subcommands, flags and their `BATON_*` environment variables.
//!
//! Flag and variable names are those of ConductorOne's Go connector and SDK: every flag
//! `--foo-bar` also reads `BATON_FOO_BAR`, and a flag given on the command line wins over
//! its variable. Values are kept as given here; [`crate::config`] checks them and turns
//! them into the connector's settings, with errors that name the flag and the variable.

use std::ffi::OsStr;
use std::path::PathBuf;

use atlassian::Secret;
use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Arg, ArgAction, Args, Parser, Subcommand};

use crate::config::flag_and_variable;

/// What the binary was asked to do.
#[derive(Debug, Parser)]
#[command(
    name = "baton-atlassian",
    version,
    about = "ConductorOne connector for an Atlassian Cloud organization",
    long_about = "ConductorOne connector for an Atlassian Cloud organization.\n\n\
        Without a subcommand it runs a full sync of the organization (users, groups, \
        workspaces, roles, API tokens and, with Teams settings, teams) and writes a .c1z \
        file, as `sync` does; with ConductorOne credentials (--client-id and \
        --client-secret) or --sync-interval it runs as a service instead, as `serve` does. \
        Every option can also be set through the environment variable shown next to it, or \
        in a YAML configuration file (--config-file) whose keys are the option names; a \
        flag wins over its variable, which wins over the file.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// The subcommand; none runs a sync with the options below, or the service when
    /// ConductorOne credentials or a sync interval are given.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// YAML file of settings, keys named as the long options (organization-id: ..., provisioning: true, sync-resource-types: [user, group]); variables and flags win over it. Prefer the *-file options for secrets
    #[arg(long, env = "BATON_CONFIG_FILE", value_name = "PATH", global = true)]
    pub config_file: Option<PathBuf>,
    /// Options of the sync run when no subcommand is given.
    #[command(flatten)]
    pub sync: SyncArgs,
    /// ConductorOne credentials: with them, no subcommand runs the service.
    #[command(flatten)]
    pub c1: C1Args,
    /// How the service runs ConductorOne's tasks.
    #[command(flatten)]
    pub tasks: TaskArgs,
    /// Scheduled local syncs.
    #[command(flatten)]
    pub schedule: ScheduleArgs,
    /// The service's health and metrics server.
    #[command(flatten)]
    pub health: HealthArgs,
    /// Leader election among the service's replicas.
    #[command(flatten)]
    pub leader: LeaderArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sync the organization into a .c1z file (the default without a subcommand)
    Sync(SyncArgs),
    /// Run as a service: ConductorOne's tasks (sync, grant, revoke, ...) and/or scheduled local syncs
    Serve(Box<ServeArgs>),
    /// Check the configuration, the ConductorOne and Atlassian credentials, and what the API key may do
    Check(Box<CheckArgs>),
    /// Print the connector's capabilities as JSON (as the Go connector's `capabilities`)
    Capabilities(CapabilitiesArgs),
    /// Summarize a .c1z file: sync runs, counts per resource type, sample rows
    Inspect(InspectArgs),
    /// Ask the running service's health server (for exec probes): exits 0 on HTTP 200, 1 otherwise
    HealthCheck(HealthCheckArgs),
}

/// Options of a sync.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The path of the .c1z file to write
    #[arg(short = 'f', long, env = "BATON_FILE", default_value = "sync.c1z")]
    pub file: PathBuf,
    /// What to sync.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// How to reach the organization.
    #[command(flatten)]
    pub connector: ConnectorArgs,
    /// Log output.
    #[command(flatten)]
    pub logging: LogArgs,
    /// Traces.
    #[command(flatten)]
    pub telemetry: TelemetryArgs,
}

/// Options of `serve` (and of the command without a subcommand in service mode).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// ConductorOne credentials (optional: without them only scheduled syncs run).
    #[command(flatten)]
    pub c1: C1Args,
    /// How ConductorOne's tasks run.
    #[command(flatten)]
    pub tasks: TaskArgs,
    /// Scheduled local syncs.
    #[command(flatten)]
    pub schedule: ScheduleArgs,
    /// The health and metrics server.
    #[command(flatten)]
    pub health: HealthArgs,
    /// Leader election among replicas.
    #[command(flatten)]
    pub leader: LeaderArgs,
    /// What scheduled syncs cover; the resource type filter also applies to ConductorOne's
    /// syncs that name no types.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// How to reach the organization.
    #[command(flatten)]
    pub connector: ConnectorArgs,
    /// Log output.
    #[command(flatten)]
    pub logging: LogArgs,
    /// Traces.
    #[command(flatten)]
    pub telemetry: TelemetryArgs,
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// ConductorOne credentials, checked when given.
    #[command(flatten)]
    pub c1: C1Args,
    /// Provisioning is wanted: the endpoints Atlassian Support must enable are then required
    #[arg(long, env = "BATON_PROVISIONING", action = ArgAction::SetTrue, value_parser = Switch)]
    pub provisioning: bool,
    /// How to reach the organization.
    #[command(flatten)]
    pub connector: ConnectorArgs,
    /// Log output.
    #[command(flatten)]
    pub logging: LogArgs,
}

/// Options of `capabilities`: the connector's settings (teams add the `team` type).
#[derive(Debug, Args)]
pub struct CapabilitiesArgs {
    /// How to reach the organization.
    #[command(flatten)]
    pub connector: ConnectorArgs,
    /// Log output.
    #[command(flatten)]
    pub logging: LogArgs,
}

/// Options of `inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The .c1z file to read
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Only rows of this resource type (resources of it, entitlements on them, grants on or to them)
    #[arg(short = 't', long = "type", value_name = "RESOURCE_TYPE")]
    pub resource_type: Option<String>,
    /// Rows shown per table
    #[arg(short = 'n', long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Print a machine-readable summary (sync runs and counts) as JSON instead of tables
    #[arg(long)]
    pub json: bool,
}

/// What a sync covers (the Go SDK's sync flags).
#[derive(Debug, Args)]
#[command(next_help_heading = "Sync scope")]
pub struct ScopeArgs {
    /// Sync only resource types and resources, no entitlements or grants
    #[arg(long, env = "BATON_SKIP_ENTITLEMENTS_AND_GRANTS", action = ArgAction::SetTrue, value_parser = Switch)]
    pub skip_entitlements_and_grants: bool,
    /// Sync resource types, resources and entitlements, no grants
    #[arg(long, env = "BATON_SKIP_GRANTS", action = ArgAction::SetTrue, value_parser = Switch)]
    pub skip_grants: bool,
    /// Sync only these resource types (comma-separated: user, workspace, group, organization, api_token, team)
    #[arg(
        long,
        env = "BATON_SYNC_RESOURCE_TYPES",
        value_name = "TYPES",
        value_delimiter = ','
    )]
    pub sync_resource_types: Vec<String>,
    /// Targeted sync of these resources only, as baton ids (comma-separated, e.g. bid:r:group/<group id>)
    #[arg(
        long,
        env = "BATON_SYNC_RESOURCES",
        value_name = "IDS",
        value_delimiter = ','
    )]
    pub sync_resources: Vec<String>,
}

/// The Atlassian organization and how to reach it (the Go connector's settings, plus
/// Teams, last-active dates and concurrency).
#[derive(Debug, Args)]
#[command(next_help_heading = "Atlassian")]
pub struct ConnectorArgs {
    /// Organization API key (created without scopes) for the Atlassian admin API [required, secret]
    #[arg(long, env = "BATON_ACCESS_TOKEN", value_name = "TOKEN", hide_env_values = true, value_parser = secret)]
    pub access_token: Option<Secret>,
    /// File holding the organization API key (e.g. a mounted Kubernetes Secret), instead of --access-token; the service reloads it when it changes (no restart for a rotated key)
    #[arg(long, env = "BATON_ACCESS_TOKEN_FILE", value_name = "PATH")]
    pub access_token_file: Option<PathBuf>,
    /// ID of the Atlassian organization to sync [required]
    #[arg(long, env = "BATON_ORGANIZATION_ID", value_name = "ID")]
    pub organization_id: Option<String>,
    /// SCIM directory token, for account creation [secret]
    #[arg(long, env = "BATON_SCIM_TOKEN", value_name = "TOKEN", hide_env_values = true, value_parser = secret)]
    pub scim_token: Option<Secret>,
    /// File holding the SCIM directory token, instead of --scim-token; the service reloads it when it changes
    #[arg(long, env = "BATON_SCIM_TOKEN_FILE", value_name = "PATH")]
    pub scim_token_file: Option<PathBuf>,
    /// SCIM base URL given with the SCIM token (https://api.atlassian.com/scim/directory/<directory id>)
    #[arg(long, env = "BATON_SCIM_BASE_URL", value_name = "URL")]
    pub scim_base_url: Option<String>,
    /// Base URL of the Atlassian APIs, for testing against the bundled simulator (default https://api.atlassian.com/)
    #[arg(long, env = "BATON_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Teams: email of the Atlassian account owning the Teams API token (teams are synced only with all three Teams options)
    #[arg(long, env = "BATON_TEAMS_EMAIL", value_name = "EMAIL")]
    pub teams_email: Option<String>,
    /// Teams: API token of that account [secret]
    #[arg(long, env = "BATON_TEAMS_API_TOKEN", value_name = "TOKEN", hide_env_values = true, value_parser = secret)]
    pub teams_api_token: Option<Secret>,
    /// File holding the Teams API token, instead of --teams-api-token; the service reloads it when it changes
    #[arg(long, env = "BATON_TEAMS_API_TOKEN_FILE", value_name = "PATH")]
    pub teams_api_token_file: Option<PathBuf>,
    /// Teams: the site (cloud) ID whose site-scoped teams are synced besides organization-wide ones
    #[arg(long, env = "BATON_TEAMS_SITE_ID", value_name = "ID")]
    pub teams_site_id: Option<String>,
    /// Fetch each user's last-active dates (one more request per user)
    #[arg(long, env = "BATON_SYNC_LAST_ACTIVE", action = ArgAction::SetTrue, value_parser = Switch)]
    pub sync_last_active: bool,
    /// Atlassian requests in flight at once
    #[arg(
        long,
        env = "BATON_MAX_CONCURRENCY",
        value_name = "N",
        default_value = "8"
    )]
    pub max_concurrency: String,
}

/// How to reach ConductorOne (the Go SDK's service-mode settings, plus a secret file and
/// an extra CA).
#[derive(Debug, Args)]
#[command(next_help_heading = "ConductorOne")]
pub struct C1Args {
    /// ConductorOne client id (<name>@<tenant host>/pcc); with the client secret, runs as a ConductorOne service
    #[arg(long, env = "BATON_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,
    /// ConductorOne client secret (secret-token:...) [secret]
    #[arg(long, env = "BATON_CLIENT_SECRET", value_name = "SECRET", hide_env_values = true, value_parser = secret)]
    pub client_secret: Option<Secret>,
    /// File holding the client secret (e.g. a mounted Kubernetes Secret); re-read when it changes, so a rotated secret needs no restart
    #[arg(long, env = "BATON_CLIENT_SECRET_FILE", value_name = "PATH")]
    pub client_secret_file: Option<PathBuf>,
    /// ConductorOne host[:port] to use instead of the client id's host (private deployments, tests)
    #[arg(long, env = "BATON_C1_API_HOST", value_name = "HOST[:PORT]")]
    pub c1_api_host: Option<String>,
    /// The host id sent to ConductorOne; keep it stable per deployment [default: the hostname]
    #[arg(long, env = "BATON_HOST_ID", value_name = "ID")]
    pub host_id: Option<String>,
    /// PEM file of extra CA certificates trusted for ConductorOne (private deployments, tests)
    #[arg(long, env = "BATON_C1_CA_FILE", value_name = "PATH")]
    pub c1_ca_file: Option<PathBuf>,
    /// TEST ONLY: accept an http:// --c1-api-host and talk to it without TLS (tokens would travel unencrypted)
    #[arg(long, env = "BATON_C1_INSECURE_PLAINTEXT", hide = true, action = ArgAction::SetTrue, value_parser = Switch)]
    pub c1_insecure_plaintext: bool,
}

/// How the service runs ConductorOne's tasks (the Go SDK's flags, plus read-only mode
/// and a shutdown grace period).
#[derive(Debug, Args)]
#[command(next_help_heading = "Service")]
pub struct TaskArgs {
    /// Let ConductorOne change access: grant, revoke, create and delete accounts, suspend and restore users
    #[arg(long, env = "BATON_PROVISIONING", action = ArgAction::SetTrue, value_parser = Switch)]
    pub provisioning: bool,
    /// Never call an Atlassian endpoint that changes anything (provisioning tasks are refused)
    #[arg(long, env = "BATON_READ_ONLY", action = ArgAction::SetTrue, value_parser = Switch)]
    pub read_only: bool,
    /// ConductorOne tasks run at once (1 to 100)
    #[arg(
        long,
        env = "BATON_TASK_CONCURRENCY",
        value_name = "N",
        default_value = "3"
    )]
    pub task_concurrency: String,
    /// Directory for the .c1z files of ConductorOne's syncs until they are uploaded (must exist) [default: the OS temp directory]
    #[arg(long, env = "BATON_C1Z_TEMP_DIR", value_name = "DIR")]
    pub c1z_temp_dir: Option<PathBuf>,
    /// On SIGINT or SIGTERM, how long running tasks may take to finish (e.g. 30s, 2m)
    #[arg(
        long,
        env = "BATON_SHUTDOWN_GRACE",
        value_name = "DURATION",
        default_value = "30s"
    )]
    pub shutdown_grace: String,
    /// TEST/BENCH ONLY: the shortest wait before polling again after a poll that found no task (e.g. 10ms); keep the default in production
    #[arg(
        long,
        env = "BATON_POLL_FLOOR",
        value_name = "DURATION",
        default_value = "1s",
        hide = true
    )]
    pub poll_floor: String,
}

/// The service's HTTP health and metrics server (the Go SDK's flags; other bind default).
#[derive(Debug, Args)]
#[command(next_help_heading = "Health server")]
pub struct HealthArgs {
    /// Serve /live (/healthz), /ready (/readyz), /health (checks the Atlassian key) and /metrics (Prometheus) over HTTP while the service runs
    #[arg(long, env = "BATON_HEALTH_CHECK", action = ArgAction::SetTrue, value_parser = Switch)]
    pub health_check: bool,
    /// Port of the health server
    #[arg(
        long,
        env = "BATON_HEALTH_CHECK_PORT",
        value_name = "PORT",
        default_value = "8081"
    )]
    pub health_check_port: String,
    /// Address the health server listens on; 0.0.0.0 (unlike the Go SDK's 127.0.0.1) so kubelet httpGet probes reach it
    #[arg(
        long,
        env = "BATON_HEALTH_CHECK_BIND_ADDRESS",
        value_name = "ADDRESS",
        default_value = "0.0.0.0"
    )]
    pub health_check_bind_address: String,
    /// How long /health waits for the Atlassian check before answering unhealthy (e.g. 30s)
    #[arg(
        long,
        env = "BATON_HEALTH_CHECK_TIMEOUT",
        value_name = "DURATION",
        default_value = "30s"
    )]
    pub health_check_timeout: String,
}

/// Leader election on a Kubernetes Lease, so that of several replicas only one works.
#[derive(Debug, Args)]
#[command(next_help_heading = "Leader election")]
pub struct LeaderArgs {
    /// Several replicas, one leader: only the replica holding the Lease polls ConductorOne and runs scheduled syncs, the others stand by to take over. Needs the Kubernetes API (in-cluster service account or KUBECONFIG); the holder is named by POD_NAME [default: the hostname], the Lease's namespace by POD_NAMESPACE [default: the service account's or kubeconfig's namespace]
    #[arg(long, env = "BATON_LEADER_ELECTION", action = ArgAction::SetTrue, value_parser = Switch)]
    pub leader_election: bool,
    /// Name of the coordination.k8s.io Lease the replicas share
    #[arg(
        long,
        env = "BATON_LEADER_ELECTION_LEASE_NAME",
        value_name = "NAME",
        default_value = "baton-atlassian"
    )]
    pub leader_election_lease_name: String,
    /// How long the Lease stays the leader's after its last renewal; a standby takes over when it runs out (whole seconds, e.g. 15s)
    #[arg(
        long,
        env = "BATON_LEADER_ELECTION_LEASE_DURATION",
        value_name = "DURATION",
        default_value = "15s"
    )]
    pub leader_election_lease_duration: String,
    /// How long before the Lease runs out the leader renews it, and the clock skew tolerated between replicas (whole seconds, less than the lease duration)
    #[arg(
        long,
        env = "BATON_LEADER_ELECTION_RENEW_GRACE",
        value_name = "DURATION",
        default_value = "5s"
    )]
    pub leader_election_renew_grace: String,
}

/// Options of `health-check`.
#[derive(Debug, Args)]
pub struct HealthCheckArgs {
    /// The endpoint asked: health (checks Atlassian), ready or live
    #[arg(long, value_name = "ENDPOINT", default_value = "health", value_parser = ["health", "ready", "live"])]
    pub endpoint: String,
    /// Seconds to wait for the answer
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub timeout: u64,
    /// Port of the health server
    #[arg(
        long,
        env = "BATON_HEALTH_CHECK_PORT",
        value_name = "PORT",
        default_value = "8081"
    )]
    pub health_check_port: u16,
    /// Address the health server listens on (0.0.0.0 is asked at 127.0.0.1)
    #[arg(
        long,
        env = "BATON_HEALTH_CHECK_BIND_ADDRESS",
        value_name = "ADDRESS",
        default_value = "0.0.0.0"
    )]
    pub health_check_bind_address: String,
}

/// Scheduled local syncs: snapshots written on an interval, with or without ConductorOne.
#[derive(Debug, Args)]
#[command(next_help_heading = "Scheduled syncs")]
pub struct ScheduleArgs {
    /// Sync into --snapshot-dir every DURATION (e.g. 30m, 6h) [default: off]
    #[arg(long, env = "BATON_SYNC_INTERVAL", value_name = "DURATION")]
    pub sync_interval: Option<String>,
    /// Random spread of each interval: a fraction (0.1 or 10%) or a duration (5m)
    #[arg(
        long,
        env = "BATON_SYNC_JITTER",
        value_name = "JITTER",
        default_value = "10%"
    )]
    pub sync_jitter: String,
    /// Directory of the scheduled syncs' snapshots, sync-<timestamp>.c1z (must exist)
    #[arg(long, env = "BATON_SNAPSHOT_DIR", value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,
    /// Snapshots kept; older ones are deleted
    #[arg(
        long,
        env = "BATON_SNAPSHOT_RETENTION",
        value_name = "N",
        default_value = "7"
    )]
    pub snapshot_retention: String,
    /// Shortest pause between the end of a scheduled sync and the start of the next (e.g. 1m)
    #[arg(
        long,
        env = "BATON_MIN_SYNC_INTERVAL",
        value_name = "DURATION",
        default_value = "0"
    )]
    pub min_sync_interval: String,
}

/// Log output (the Go SDK's flags).
#[derive(Debug, Args)]
#[command(next_help_heading = "Logging")]
pub struct LogArgs {
    /// The log level: debug, info, warn, error (or a filter such as info,atlassian=debug)
    #[arg(
        long,
        env = "BATON_LOG_LEVEL",
        value_name = "LEVEL",
        default_value = "info"
    )]
    pub log_level: String,
    /// The output format for logs (on stderr): json, console
    #[arg(
        long,
        env = "BATON_LOG_FORMAT",
        value_name = "FORMAT",
        default_value = "json"
    )]
    pub log_format: String,
}

/// OpenTelemetry traces of the sync and the service.
#[derive(Debug, Args)]
#[command(next_help_heading = "Logging")]
pub struct TelemetryArgs {
    /// OTLP gRPC endpoint that receives traces, e.g. http://otel-collector:4317 [default: off]
    #[arg(long, env = "BATON_OTLP_ENDPOINT", value_name = "URL")]
    pub otlp_endpoint: Option<String>,
}

/// Wraps a secret value as soon as it is read, so no `Debug` output shows it.
fn secret(value: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(value))
}

/// Reads a switch from its environment variable: `true`/`false`, `1`/`0`, `yes`/`no`,
/// `on`/`off` (an empty value is false). Anything else stops start-up with a message naming
/// the flag and the variable.
#[derive(Clone, Copy, Debug)]
struct Switch;

impl TypedValueParser for Switch {
    type Value = bool;

    fn parse_ref(
        &self,
        _command: &clap::Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<bool, clap::Error> {
        let text = value.to_string_lossy();
        match text.trim().to_ascii_lowercase().as_str() {
            "1" | "t" | "true" | "y" | "yes" | "on" => Ok(true),
            "" | "0" | "f" | "false" | "n" | "no" | "off" => Ok(false),
            _ => {
                let flag = arg.and_then(Arg::get_long).unwrap_or("?");
                let message = format!(
                    "invalid {}: expected true or false, got '{text}'\n",
                    flag_and_variable(flag)
                );
                Err(clap::Error::raw(ErrorKind::ValueValidation, message))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::config::variable_of;

    /// Every argument of `command` and its subcommands.
    fn all_args(command: &clap::Command) -> Vec<Arg> {
        let mut args: Vec<Arg> = command.get_arguments().cloned().collect();
        for sub in command.get_subcommands() {
            args.extend(all_args(sub));
        }
        args
    }

    #[test]
    fn every_environment_variable_is_baton_and_the_flag_name_in_capitals() {
        let mut checked = 0;
        for arg in all_args(&Cli::command()) {
            if let Some(env) = arg.get_env() {
                let flag = arg.get_long().expect("a variable belongs to a long flag");
                assert_eq!(env.to_str(), Some(variable_of(flag).as_str()), "--{flag}");
                checked += 1;
            }
        }
        // Sync: 4 scope + 13 connector + 2 logging + 1 telemetry + file = 21; service: 7
        // ConductorOne + 6 tasks + 5 schedule + 4 health + 4 leader election = 26. The top
        // level has both, `sync` the first, `serve` the service's and sync's but the file,
        // `check` 7 + 1 + 13 + 2, `capabilities` 13 + 2, `health-check` 2; the global
        // --config-file once, at the top level.
        assert_eq!(checked, (21 + 26 + 1) + 21 + (26 + 20) + 23 + 15 + 2);
    }

    #[test]
    fn secret_flags_never_show_their_environment_value_in_help() {
        let secrets = [
            "access-token",
            "scim-token",
            "teams-api-token",
            "client-secret",
        ];
        for arg in all_args(&Cli::command()) {
            let long = arg.get_long().unwrap_or_default();
            assert_eq!(
                arg.is_hide_env_values_set(),
                secrets.contains(&long),
                "--{long}"
            );
        }
    }

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_reads_the_sync_options() {
        let cli =
            Cli::try_parse_from(["baton-atlassian", "-f", "out.c1z", "--skip-grants"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.sync.file, PathBuf::from("out.c1z"));
        assert!(cli.sync.scope.skip_grants);
        assert!(!cli.sync.scope.skip_entitlements_and_grants);
    }

    #[test]
    fn list_flags_split_on_commas() {
        let cli = Cli::try_parse_from([
            "baton-atlassian",
            "sync",
            "--sync-resource-types",
            "user,group",
            "--sync-resource-types=team",
        ])
        .unwrap();
        let Some(Command::Sync(args)) = cli.command else {
            panic!("expected sync")
        };
        assert_eq!(args.scope.sync_resource_types, ["user", "group", "team"]);
    }

    #[test]
    fn inspect_takes_a_file_a_type_and_a_limit() {
        let cli = Cli::try_parse_from([
            "baton-atlassian",
            "inspect",
            "x.c1z",
            "--type",
            "user",
            "-n",
            "5",
        ])
        .unwrap();
        let Some(Command::Inspect(args)) = cli.command else {
            panic!("expected inspect")
        };
        assert_eq!(args.file, PathBuf::from("x.c1z"));
        assert_eq!(args.resource_type.as_deref(), Some("user"));
        assert_eq!(args.limit, 5);
        assert!(!args.json);
    }

    #[test]
    fn switch_values_are_read_like_the_sdk_reads_booleans() {
        let command = clap::Command::new("t");
        let arg = Arg::new("sync-last-active").long("sync-last-active");
        for (value, expected) in [
            ("true", true),
            ("1", true),
            ("TRUE", true),
            ("false", false),
            ("0", false),
            ("", false),
        ] {
            assert_eq!(
                Switch
                    .parse_ref(&command, Some(&arg), OsStr::new(value))
                    .unwrap(),
                expected,
                "{value:?}"
            );
        }
        let error = Switch
            .parse_ref(&command, Some(&arg), OsStr::new("maybe"))
            .unwrap_err();
        let shown = error.to_string();
        assert!(
            shown.contains("--sync-last-active (BATON_SYNC_LAST_ACTIVE)"),
            "{shown}"
        );
        assert!(shown.contains("'maybe'"), "{shown}");
    }
}
