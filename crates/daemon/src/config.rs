//! Checks the command line's values and turns them into typed settings: the connector's
//! [`ConnectorConfig`], the sync's [`SyncOptions`], the [`LogSettings`] and the
//! [`TraceSettings`]; the service's
//! settings are in [`service`], durations and jitter in [`duration`]. The configuration
//! file below the variables is read in [`file`]; secrets read from files are reloaded while
//! the service runs by [`secret_files`].
//!
//! Every problem is a [`ConfigError`] naming the flag and its environment variable, e.g.
//! `missing --organization-id (BATON_ORGANIZATION_ID): the Atlassian organization to sync`.
//! Empty values count as unset, and surrounding whitespace (a trailing newline from a
//! mounted secret file) is dropped.

use std::fmt;
use std::path::{Path, PathBuf};

use atlassian::Secret;
use c1_proto::c1::connector::v2::ResourceId;
use connector::{ConnectorConfig, ResourceKind, SyncOptions, TeamsConfig};
use url::Url;

use crate::cli::{ConnectorArgs, LogArgs, ScopeArgs, SyncArgs, TelemetryArgs};

pub mod duration;
pub mod file;
pub mod health;
pub mod leader;
#[cfg(test)]
mod props;
pub mod secret_files;
pub mod service;

/// Highest accepted `--max-concurrency`.
const MAX_CONCURRENCY: usize = 256;

/// A missing or malformed setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} {}: {detail}", flag_and_variable(flag))]
pub struct ConfigError {
    /// Missing or invalid.
    pub problem: Problem,
    /// The flag's name without dashes (`organization-id`).
    pub flag: &'static str,
    /// What the setting is for, or what is wrong with it.
    pub detail: String,
}

/// What is wrong with a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// It is required and unset.
    Missing,
    /// Its value cannot be used.
    Invalid,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Problem::Missing => "missing",
            Problem::Invalid => "invalid",
        })
    }
}

impl ConfigError {
    /// `flag` is required and unset; `purpose` says what it is for.
    pub fn missing(flag: &'static str, purpose: impl Into<String>) -> Self {
        Self {
            problem: Problem::Missing,
            flag,
            detail: purpose.into(),
        }
    }

    /// `flag`'s value cannot be used, for `reason`.
    pub fn invalid(flag: &'static str, reason: impl Into<String>) -> Self {
        Self {
            problem: Problem::Invalid,
            flag,
            detail: reason.into(),
        }
    }
}

/// The environment variable of a flag: `BATON_` and the flag in capitals, `-` as `_`.
pub fn variable_of(flag: &str) -> String {
    format!("BATON_{}", flag.to_ascii_uppercase().replace('-', "_"))
}

/// `--flag (BATON_FLAG)`, how messages name a setting.
pub fn flag_and_variable(flag: &str) -> String {
    format!("--{flag} ({})", variable_of(flag))
}

/// Everything a one-shot sync needs.
#[derive(Debug)]
pub struct SyncSettings {
    /// The `.c1z` file to write.
    pub file: PathBuf,
    /// What to sync.
    pub options: SyncOptions,
    /// The connector's settings.
    pub connector: ConnectorConfig,
}

impl SyncSettings {
    /// Checks the options of `sync` (or of the command without a subcommand).
    pub fn from_args(args: &SyncArgs) -> Result<Self, ConfigError> {
        Ok(Self {
            file: output_file(&args.file)?,
            options: sync_options(&args.scope)?,
            connector: connector_config(&args.connector)?,
        })
    }
}

/// How logs are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// A `tracing` filter: a level, or directives such as `info,atlassian=debug`.
    pub filter: String,
    /// One JSON object per line, or console text.
    pub format: LogFormat,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (the Go SDK's default).
    Json,
    /// Human-readable lines.
    Console,
}

impl LogSettings {
    /// Checks `--log-level` and `--log-format`.
    pub fn from_args(args: &LogArgs) -> Result<Self, ConfigError> {
        let level = args.log_level.trim().to_ascii_lowercase();
        let known_level = matches!(
            level.as_str(),
            "trace" | "debug" | "info" | "warn" | "error"
        );
        // Directives (`info,atlassian=debug`) are passed on; a lone word must be a level,
        // as a misspelt one would otherwise silently filter out every line.
        if !known_level && !level.contains('=') {
            return Err(ConfigError::invalid(
                "log-level",
                format!(
                    "expected debug, info, warn or error, got '{}'",
                    args.log_level
                ),
            ));
        }
        let format = match args.log_format.trim().to_ascii_lowercase().as_str() {
            "json" => LogFormat::Json,
            "console" => LogFormat::Console,
            _ => {
                return Err(ConfigError::invalid(
                    "log-format",
                    format!("expected json or console, got '{}'", args.log_format),
                ));
            }
        };
        Ok(Self {
            filter: level,
            format,
        })
    }
}

/// Where traces go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceSettings {
    /// The OTLP gRPC endpoint (`http(s)://host:port`); `None`: traces are not exported
    /// (log lines still carry trace ids).
    pub otlp_endpoint: Option<Url>,
}

impl TraceSettings {
    /// Checks `--otlp-endpoint`: an http(s) URL naming a host and at most a port, without
    /// credentials, path, query or fragment (a gRPC endpoint has none).
    pub fn from_args(args: &TelemetryArgs) -> Result<Self, ConfigError> {
        const FLAG: &str = "otlp-endpoint";
        // A value with user info is not repeated: it may hold a password.
        if text(&args.otlp_endpoint).is_some_and(|value| value.contains('@')) {
            return Err(ConfigError::invalid(
                FLAG,
                "credentials in the URL are not supported",
            ));
        }
        let Some(endpoint) = url(&args.otlp_endpoint, FLAG)? else {
            return Ok(Self::default());
        };
        if endpoint.path() != "/" || endpoint.query().is_some() || endpoint.fragment().is_some() {
            return Err(ConfigError::invalid(
                FLAG,
                format!(
                    "expected http(s)://host:port without a path, query or fragment, got '{endpoint}'"
                ),
            ));
        }
        Ok(Self {
            otlp_endpoint: Some(endpoint),
        })
    }
}

/// Checks the connector settings and builds the [`ConnectorConfig`].
pub fn connector_config(args: &ConnectorArgs) -> Result<ConnectorConfig, ConfigError> {
    let organization_id = text(&args.organization_id).ok_or_else(|| {
        ConfigError::missing("organization-id", "the Atlassian organization to sync")
    })?;
    let access_token = secret_or_file(
        &args.access_token,
        &args.access_token_file,
        "access-token",
        "access-token-file",
    )?
    .ok_or_else(|| {
        ConfigError::missing(
            "access-token",
            "an organization API key (admin.atlassian.com > Settings > API keys)",
        )
    })?;
    let max_concurrency = args
        .max_concurrency
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_CONCURRENCY).contains(n))
        .ok_or_else(|| {
            ConfigError::invalid(
                "max-concurrency",
                format!(
                    "expected a whole number from 1 to {MAX_CONCURRENCY}, got '{}'",
                    args.max_concurrency
                ),
            )
        })?;
    let scim_token = secret_or_file(
        &args.scim_token,
        &args.scim_token_file,
        "scim-token",
        "scim-token-file",
    )?;
    let scim_base_url = url(&args.scim_base_url, "scim-base-url")?;
    match (&scim_token, &scim_base_url) {
        (Some(_), None) => {
            return Err(ConfigError::missing(
                "scim-base-url",
                "the SCIM token needs its base URL",
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::missing(
                "scim-token",
                "the SCIM base URL needs its token",
            ));
        }
        _ => {}
    }
    Ok(ConnectorConfig {
        organization_id: organization_id.to_owned(),
        access_token,
        base_url: url(&args.base_url, "base-url")?,
        scim_token,
        scim_base_url,
        teams: teams(args)?,
        sync_last_active: args.sync_last_active,
        max_concurrency,
    })
}

/// The Teams settings: all three or none.
fn teams(args: &ConnectorArgs) -> Result<Option<TeamsConfig>, ConfigError> {
    let email = text(&args.teams_email);
    let api_token = secret_or_file(
        &args.teams_api_token,
        &args.teams_api_token_file,
        "teams-api-token",
        "teams-api-token-file",
    )?;
    let site_id = text(&args.teams_site_id);
    match (email, api_token, site_id) {
        (None, None, None) => Ok(None),
        (Some(email), Some(api_token), Some(site_id)) => Ok(Some(TeamsConfig {
            email: email.to_owned(),
            api_token,
            site_id: site_id.to_owned(),
        })),
        (email, api_token, _) => {
            let missing = if email.is_none() {
                "teams-email"
            } else if api_token.is_none() {
                "teams-api-token"
            } else {
                "teams-site-id"
            };
            Err(ConfigError::missing(
                missing,
                "syncing teams needs --teams-email, --teams-api-token and --teams-site-id together",
            ))
        }
    }
}

/// Checks the sync scope flags.
pub fn sync_options(args: &ScopeArgs) -> Result<SyncOptions, ConfigError> {
    let mut resource_type_ids = Vec::new();
    for id in args
        .sync_resource_types
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        if ResourceKind::from_id(id).is_none() {
            let known: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.id()).collect();
            return Err(ConfigError::invalid(
                "sync-resource-types",
                format!("unknown resource type '{id}' (known: {})", known.join(", ")),
            ));
        }
        resource_type_ids.push(id.to_owned());
    }
    let targeted_resources = args
        .sync_resources
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|bid| {
            parse_resource_bid(bid).map_err(|reason| {
                ConfigError::invalid(
                    "sync-resources",
                    format!("'{bid}' is not a resource baton id: {reason}"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(SyncOptions {
        skip_entitlements_and_grants: args.skip_entitlements_and_grants,
        skip_grants: args.skip_grants,
        resource_type_ids,
        targeted_resources,
    })
}

/// The output file; its directory must exist.
fn output_file(path: &Path) -> Result<PathBuf, ConfigError> {
    if path.as_os_str().is_empty() {
        return Err(ConfigError::missing(
            "file",
            "the path of the .c1z file to write",
        ));
    }
    let directory = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !directory.is_dir() {
        return Err(ConfigError::invalid(
            "file",
            format!("the directory {} does not exist", directory.display()),
        ));
    }
    Ok(path.to_path_buf())
}

/// A resource's baton id as the Go SDK writes it: `bid:r:<type>/<id>`, or
/// `bid:r:<parent type>/<parent id>/<type>/<id>`, with `\` escaping `:`, `/` and `\`.
pub fn parse_resource_bid(bid: &str) -> Result<ResourceId, String> {
    let rest = bid
        .strip_prefix("bid:r:")
        .ok_or("expected it to start with bid:r:")?;
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ (':' | '/' | '\\')) => part.push(escaped),
                _ => return Err("'\\' may only escape ':', '/' or '\\'".into()),
            },
            '/' => parts.push(std::mem::take(&mut part)),
            ':' => return Err("an unescaped ':' (write \\: inside ids)".into()),
            c => part.push(c),
        }
    }
    parts.push(part);
    if parts.iter().any(String::is_empty) {
        return Err("empty type or id".into());
    }
    match parts.as_slice() {
        [resource_type, resource] | [_, _, resource_type, resource] => Ok(ResourceId {
            resource_type: resource_type.clone(),
            resource: resource.clone(),
            baton_resource: false,
        }),
        _ => Err("expected <type>/<id> after bid:r:".into()),
    }
}

/// A set, non-blank text value, trimmed.
fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A set, non-blank secret, trimmed.
fn secret(value: &Option<Secret>) -> Option<Secret> {
    value
        .as_ref()
        .map(|s| s.expose().trim())
        .filter(|v| !v.is_empty())
        .map(Secret::from)
}

/// A secret given as a value (`flag`) or as a file holding it (`file_flag`, read now and
/// trimmed), not both. A file that cannot be read or is blank stops start-up; the message
/// names the flag, its variable and the path, never the content.
fn secret_or_file(
    value: &Option<Secret>,
    file: &Option<PathBuf>,
    flag: &'static str,
    file_flag: &'static str,
) -> Result<Option<Secret>, ConfigError> {
    let value = secret(value);
    let Some(path) = file.as_ref().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(value);
    };
    if value.is_some() {
        return Err(ConfigError::invalid(
            file_flag,
            format!("give {} or the file, not both", flag_and_variable(flag)),
        ));
    }
    let content = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::invalid(file_flag, format!("cannot read {}: {e}", path.display()))
    })?;
    let content = content.trim();
    if content.is_empty() {
        return Err(ConfigError::invalid(
            file_flag,
            format!("{} is empty", path.display()),
        ));
    }
    Ok(Some(Secret::from(content)))
}

/// An absolute http(s) URL, if set.
fn url(value: &Option<String>, flag: &'static str) -> Result<Option<Url>, ConfigError> {
    let Some(value) = text(value) else {
        return Ok(None);
    };
    let url = Url::parse(value)
        .map_err(|e| ConfigError::invalid(flag, format!("'{value}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::invalid(
            flag,
            format!("expected an http(s) URL, got '{value}'"),
        ));
    }
    Ok(Some(url))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    /// The sync settings of a command line given as flags only (variables are covered by
    /// the workspace's `tests/cli_e2e.rs`, which runs the binary with a chosen environment).
    fn settings(flags: &[&str]) -> Result<SyncSettings, ConfigError> {
        let mut argv = vec!["baton-atlassian", "sync"];
        argv.extend_from_slice(flags);
        let cli = Cli::try_parse_from(argv).expect("flags parse");
        let Some(Command::Sync(args)) = cli.command else {
            panic!("expected sync")
        };
        SyncSettings::from_args(&args)
    }

    const REQUIRED: [&str; 4] = ["--organization-id", "org-1", "--access-token", "key-1"];

    fn with_required<'a>(more: &[&'a str]) -> Vec<&'a str> {
        let mut flags: Vec<&'a str> = REQUIRED.to_vec();
        flags.extend_from_slice(more);
        flags
    }

    #[test]
    fn required_flags_give_a_default_full_sync_of_the_organization() {
        let settings = settings(&REQUIRED).unwrap();
        assert_eq!(settings.file, PathBuf::from("sync.c1z"));
        assert_eq!(settings.options, SyncOptions::default());
        let config = settings.connector;
        assert_eq!(config.organization_id, "org-1");
        assert_eq!(config.access_token.expose(), "key-1");
        assert_eq!(config.max_concurrency, connector::DEFAULT_MAX_CONCURRENCY);
        assert!(config.base_url.is_none() && config.teams.is_none() && config.scim_token.is_none());
        assert!(!config.sync_last_active);
    }

    #[test]
    fn missing_organization_names_the_flag_the_variable_and_its_purpose() {
        let error = settings(&["--access-token", "k"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "missing --organization-id (BATON_ORGANIZATION_ID): the Atlassian organization to sync"
        );
    }

    #[test]
    fn blank_access_token_counts_as_missing() {
        let error = settings(&["--organization-id", "o", "--access-token", "  "]).unwrap_err();
        assert_eq!(
            (error.problem, error.flag),
            (Problem::Missing, "access-token")
        );
        assert!(
            error
                .to_string()
                .starts_with("missing --access-token (BATON_ACCESS_TOKEN): ")
        );
    }

    #[test]
    fn access_token_file_is_read_and_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "key-from-file\n").unwrap();
        let path = path.to_str().unwrap();
        let settings = settings(&["--organization-id", "o", "--access-token-file", path]).unwrap();
        assert_eq!(settings.connector.access_token.expose(), "key-from-file");
    }

    #[test]
    fn access_token_and_its_file_together_are_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "k").unwrap();
        let flags = with_required(&["--access-token-file", path.to_str().unwrap()]);
        let shown = settings(&flags).unwrap_err().to_string();
        assert!(
            shown.starts_with("invalid --access-token-file (BATON_ACCESS_TOKEN_FILE): give --access-token (BATON_ACCESS_TOKEN)"),
            "{shown}"
        );
    }

    #[test]
    fn missing_or_empty_secret_file_names_the_flag_the_variable_and_the_path_not_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let absent = dir.path().join("absent");
        let flags = [
            "--organization-id",
            "o",
            "--access-token-file",
            absent.to_str().unwrap(),
        ];
        let shown = settings(&flags).unwrap_err().to_string();
        assert!(
            shown
                .starts_with("invalid --access-token-file (BATON_ACCESS_TOKEN_FILE): cannot read "),
            "{shown}"
        );
        assert!(shown.contains(absent.to_str().unwrap()), "{shown}");
        let blank = dir.path().join("blank");
        std::fs::write(&blank, " \n").unwrap();
        let flags = with_required(&[
            "--scim-base-url",
            "https://x.test/scim",
            "--scim-token-file",
            blank.to_str().unwrap(),
        ]);
        let shown = settings(&flags).unwrap_err().to_string();
        assert_eq!(
            shown,
            format!(
                "invalid --scim-token-file (BATON_SCIM_TOKEN_FILE): {} is empty",
                blank.display()
            )
        );
    }

    #[test]
    fn values_are_trimmed() {
        let settings =
            settings(&["--organization-id", " org-1\n", "--access-token", "key-1\n"]).unwrap();
        assert_eq!(settings.connector.organization_id, "org-1");
        assert_eq!(settings.connector.access_token.expose(), "key-1");
    }

    #[test]
    fn malformed_values_name_the_flag_and_the_variable() {
        let cases: [(&[&str], &str); 6] = [
            (
                &["--max-concurrency", "many"],
                "invalid --max-concurrency (BATON_MAX_CONCURRENCY): expected a whole number from 1 to 256, got 'many'",
            ),
            (
                &["--max-concurrency", "0"],
                "invalid --max-concurrency (BATON_MAX_CONCURRENCY)",
            ),
            (
                &["--base-url", "not a url"],
                "invalid --base-url (BATON_BASE_URL): 'not a url' is not a URL",
            ),
            (
                &["--base-url", "ftp://example.com/"],
                "invalid --base-url (BATON_BASE_URL): expected an http(s) URL",
            ),
            (
                &["--sync-resource-types", "user,usr"],
                "invalid --sync-resource-types (BATON_SYNC_RESOURCE_TYPES): unknown resource type 'usr'",
            ),
            (
                &["--sync-resources", "group/g-1"],
                "invalid --sync-resources (BATON_SYNC_RESOURCES): 'group/g-1' is not a resource baton id",
            ),
        ];
        for (flags, expected) in cases {
            let error = settings(&with_required(flags)).unwrap_err();
            assert!(
                error.to_string().starts_with(expected),
                "{flags:?}: {error}"
            );
            assert_eq!(error.problem, Problem::Invalid);
        }
    }

    #[test]
    fn teams_settings_come_all_three_or_none_and_the_missing_one_is_named() {
        let error = settings(&with_required(&[
            "--teams-email",
            "a@example.com",
            "--teams-site-id",
            "s",
        ]))
        .unwrap_err();
        assert_eq!(
            (error.problem, error.flag),
            (Problem::Missing, "teams-api-token")
        );
        assert!(
            error
                .to_string()
                .contains("--teams-api-token (BATON_TEAMS_API_TOKEN)"),
            "{error}"
        );
        let error = settings(&with_required(&["--teams-api-token", "t"])).unwrap_err();
        assert_eq!(error.flag, "teams-email");
        let error = settings(&with_required(&[
            "--teams-email",
            "a@example.com",
            "--teams-api-token",
            "t",
        ]))
        .unwrap_err();
        assert_eq!(error.flag, "teams-site-id");

        let all = [
            "--teams-email",
            "a@example.com",
            "--teams-api-token",
            "t-1",
            "--teams-site-id",
            "site-1",
        ];
        let teams = settings(&with_required(&all))
            .unwrap()
            .connector
            .teams
            .unwrap();
        assert_eq!(
            (
                teams.email.as_str(),
                teams.api_token.expose(),
                teams.site_id.as_str()
            ),
            ("a@example.com", "t-1", "site-1")
        );
    }

    #[test]
    fn scim_token_and_base_url_come_together() {
        let error = settings(&with_required(&["--scim-token", "s"])).unwrap_err();
        assert_eq!(
            (error.problem, error.flag),
            (Problem::Missing, "scim-base-url")
        );
        let error = settings(&with_required(&[
            "--scim-base-url",
            "https://api.atlassian.com/scim/directory/d",
        ]))
        .unwrap_err();
        assert_eq!(error.flag, "scim-token");
        let both = [
            "--scim-token",
            "s",
            "--scim-base-url",
            "https://api.atlassian.com/scim/directory/d",
        ];
        let config = settings(&with_required(&both)).unwrap().connector;
        assert_eq!(
            config.scim_base_url.unwrap().as_str(),
            "https://api.atlassian.com/scim/directory/d"
        );
    }

    #[test]
    fn scope_flags_become_sync_options() {
        let flags = [
            "--skip-grants",
            "--sync-resource-types",
            "user, group",
            "--sync-resources",
            r"bid:r:group/g-1,bid:r:workspace/ari\:cloud\:jira-software\:\:site\/abc",
            "--sync-last-active",
            "--max-concurrency",
            "3",
            "--base-url",
            "http://127.0.0.1:9/",
        ];
        let settings = settings(&with_required(&flags)).unwrap();
        let options = settings.options;
        assert!(options.skip_grants && !options.skip_entitlements_and_grants);
        assert_eq!(options.resource_type_ids, ["user", "group"]);
        let targets: Vec<(&str, &str)> = options
            .targeted_resources
            .iter()
            .map(|r| (r.resource_type.as_str(), r.resource.as_str()))
            .collect();
        assert_eq!(
            targets,
            [
                ("group", "g-1"),
                ("workspace", "ari:cloud:jira-software::site/abc")
            ]
        );
        assert!(settings.connector.sync_last_active);
        assert_eq!(settings.connector.max_concurrency, 3);
        assert_eq!(
            settings.connector.base_url.unwrap().as_str(),
            "http://127.0.0.1:9/"
        );
    }

    #[test]
    fn resource_baton_ids_parse_as_the_sdk_writes_them() {
        let id = parse_resource_bid("bid:r:user/acc-1").unwrap();
        assert_eq!(
            (id.resource_type.as_str(), id.resource.as_str()),
            ("user", "acc-1")
        );
        let child = parse_resource_bid("bid:r:group/sales/user/george").unwrap();
        assert_eq!(
            (child.resource_type.as_str(), child.resource.as_str()),
            ("user", "george")
        );
        let escaped = parse_resource_bid(r"bid:r:workspace/a\\b\/c").unwrap();
        assert_eq!(escaped.resource, r"a\b/c");
        for bad in [
            "user/acc-1",
            "bid:e:group/g:member",
            "bid:r:user",
            "bid:r:user/",
            r"bid:r:user/a\x",
            "bid:r:a/b/c",
        ] {
            assert!(parse_resource_bid(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn output_directory_must_exist() {
        let error = settings(&with_required(&[
            "--file",
            "no-such-directory-here/sync.c1z",
        ]))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid --file (BATON_FILE): the directory no-such-directory-here does not exist"
        );
        assert_eq!(
            settings(&with_required(&["-f", "out.c1z"])).unwrap().file,
            PathBuf::from("out.c1z")
        );
    }

    #[test]
    fn log_settings_accept_levels_directives_and_two_formats() {
        let log = |level: &str, format: &str| {
            LogSettings::from_args(&LogArgs {
                log_level: level.into(),
                log_format: format.into(),
            })
        };
        assert_eq!(
            log("INFO", "json").unwrap(),
            LogSettings {
                filter: "info".into(),
                format: LogFormat::Json
            }
        );
        assert_eq!(
            log("info,atlassian=debug", "console").unwrap().format,
            LogFormat::Console
        );
        assert_eq!(log("verbose", "json").unwrap_err().flag, "log-level");
        let error = log("info", "xml").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid --log-format (BATON_LOG_FORMAT): expected json or console, got 'xml'"
        );
    }

    #[test]
    fn otlp_endpoint_is_an_http_url_of_a_host_and_port() {
        let traces = |value: &str| {
            TraceSettings::from_args(&TelemetryArgs {
                otlp_endpoint: Some(value.to_owned()),
            })
        };
        let unset = TraceSettings::from_args(&TelemetryArgs {
            otlp_endpoint: None,
        });
        assert_eq!(unset.unwrap(), TraceSettings::default());
        assert_eq!(traces(" \n").unwrap().otlp_endpoint, None);
        for (given, used) in [
            ("http://otel-collector:4317", "http://otel-collector:4317/"),
            (
                " https://collector.example.com/\n",
                "https://collector.example.com/",
            ),
            ("http://127.0.0.1:4317", "http://127.0.0.1:4317/"),
        ] {
            let endpoint = traces(given).unwrap().otlp_endpoint.unwrap();
            assert_eq!(endpoint.as_str(), used, "{given:?}");
        }
        let cases = [
            (
                "localhost:4317",
                "expected an http(s) URL, got 'localhost:4317'",
            ),
            ("otel-collector", "'otel-collector' is not a URL"),
            ("grpc://c:4317", "expected an http(s) URL"),
            ("http://c:99999", "'http://c:99999' is not a URL"),
            (
                "http://c:4317/v1/traces",
                "without a path, query or fragment",
            ),
            ("http://c:4317/?x=1", "without a path, query or fragment"),
            ("http://c:4317#f", "without a path, query or fragment"),
        ];
        for (given, expected) in cases {
            let error = traces(given).unwrap_err();
            assert_eq!(
                (error.problem, error.flag),
                (Problem::Invalid, "otlp-endpoint")
            );
            let shown = error.to_string();
            assert!(
                shown.starts_with("invalid --otlp-endpoint (BATON_OTLP_ENDPOINT): "),
                "{shown}"
            );
            assert!(shown.contains(expected), "{given:?}: {shown}");
        }
        for with_password in ["http://user:s3cret@c:4317", "http://user:s3cret@c:bad"] {
            assert_eq!(
                traces(with_password).unwrap_err().to_string(),
                "invalid --otlp-endpoint (BATON_OTLP_ENDPOINT): credentials in the URL are not supported"
            );
        }
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let flags = [
            "--scim-token",
            "scim-secret-value",
            "--scim-base-url",
            "https://api.atlassian.com/scim/directory/d",
            "--teams-email",
            "a@example.com",
            "--teams-api-token",
            "teams-secret-value",
            "--teams-site-id",
            "s",
            "--organization-id",
            "o",
            "--access-token",
            "org-secret-value",
        ];
        let mut argv = vec!["baton-atlassian", "sync"];
        argv.extend_from_slice(&flags);
        let cli = Cli::try_parse_from(argv).unwrap();
        let shown_cli = format!("{cli:?}");
        let Some(Command::Sync(args)) = cli.command else {
            panic!("expected sync")
        };
        let shown_settings = format!("{:?}", SyncSettings::from_args(&args).unwrap());
        for shown in [shown_cli, shown_settings] {
            for secret in [
                "scim-secret-value",
                "teams-secret-value",
                "org-secret-value",
            ] {
                assert!(!shown.contains(secret), "{shown}");
            }
            assert!(shown.contains("a@example.com"));
        }
    }
}
