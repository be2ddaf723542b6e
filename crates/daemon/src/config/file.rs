//! The configuration file (`--config-file`, `BATON_CONFIG_FILE`): the lowest layer of the
//! settings, below the `BATON_*` variables and the flags.
//!
//! The file is a YAML mapping read with the `config` crate; its keys are the long option
//! names, with `-` or `_` (`organization-id` or `organization_id`). Each value becomes the
//! default of every option of that name (top level and subcommands), so clap's own order
//! applies: a flag wins over its variable, which wins over the file.
//!
//! A value is given to its option as text, exactly as its variable would be: strings,
//! numbers and booleans as written, trimmed; a list (or a comma-separated string) for the
//! options that take several values. An empty value leaves the option unset, and a blank
//! variable does not hide the file's value. A key no
//! option has, a list or mapping where one value is expected, one key under both
//! spellings, or an unreadable or malformed file stops start-up (exit code 2) with a
//! message naming the file and the key, never a value.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::error::ErrorKind;
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};
use config::{Config, File, FileFormat, Source as _, Value, ValueKind};

use crate::cli::Cli;

/// The long name of the option naming the file (which the file cannot set).
const CONFIG_FILE: &str = "config-file";
/// Its id in the command (the [`Cli`] field).
const CONFIG_FILE_ID: &str = "config_file";

/// Parses the process's command line over its configuration file; exits as
/// [`clap::Parser::parse`] does (help, version, or an error and exit code 2).
pub fn parse() -> Cli {
    try_parse_from(std::env::args_os()).unwrap_or_else(|error| error.exit())
}

/// Parses `argv` (with the process's `BATON_*` variables) over the configuration file it
/// or `BATON_CONFIG_FILE` names. A problem with the file is an error of kind
/// [`ErrorKind::InvalidValue`], whose message names the file.
pub fn try_parse_from<I, T>(argv: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    let mut command = Cli::command();
    if let Some(path) = config_file(&argv) {
        let settings = read(&path, &command)
            .map_err(|error| clap::Error::raw(ErrorKind::InvalidValue, format!("{error}\n")))?;
        command = apply(command, &settings);
    }
    let mut matches = command.try_get_matches_from(argv)?;
    Cli::from_arg_matches_mut(&mut matches).map_err(|error| error.format(&mut Cli::command()))
}

/// The file `--config-file` or `BATON_CONFIG_FILE` names, from a lenient first pass (a
/// command line clap refuses is parsed again, and refused, without the file).
fn config_file(argv: &[OsString]) -> Option<PathBuf> {
    let matches = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(argv)
        .ok()?;
    matches
        .get_one::<PathBuf>(CONFIG_FILE_ID)
        .filter(|path| !path.as_os_str().is_empty())
        .cloned()
}

/// What the file sets, by long option name.
pub type Settings = BTreeMap<String, Setting>;

/// The value the file gives an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// One value.
    One(String),
    /// The values of an option taking several.
    Many(Vec<String>),
}

/// The configuration file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// It cannot be read.
    #[error("cannot read the configuration file {}: {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// It is not a YAML mapping.
    #[error("the configuration file {} is not a YAML mapping of option names: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The YAML parser's reason (a position, never a value).
        reason: String,
    },
    /// Some of its keys are wrong.
    #[error("{}", describe(path, problems))]
    Keys {
        /// The file.
        path: PathBuf,
        /// Every wrong key, in key order.
        problems: Vec<KeyProblem>,
    },
}

/// A wrong key of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProblem {
    /// The key as written.
    pub key: String,
    /// What is wrong.
    pub fault: Fault,
}

/// What is wrong with a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// No option has that name.
    Unknown,
    /// The key names the file itself.
    ConfigFile,
    /// A list where the option takes one value.
    ListForOneValue,
    /// A mapping (or a list holding lists or mappings) where values are expected.
    Mapping,
    /// The same option is also set under its other spelling (this key).
    BothSpellings(String),
}

impl KeyProblem {
    /// How a message names the key: ``unknown key `x` `` or `` `x` ``.
    fn subject(&self) -> String {
        match &self.fault {
            Fault::Unknown => format!("unknown key `{}`", self.key),
            Fault::BothSpellings(other) => format!("`{}` and `{other}`", self.key),
            _ => format!("`{}`", self.key),
        }
    }

    /// Why the key is wrong.
    fn reason(&self) -> &'static str {
        match self.fault {
            Fault::Unknown => "no such option",
            Fault::ConfigFile => "a configuration file cannot name another",
            Fault::ListForOneValue => "expected one value, got a list",
            Fault::Mapping => "expected a value or a list of values",
            Fault::BothSpellings(_) => "both set the same option; keep one",
        }
    }
}

/// ``unknown key `x` in FILE: no such option; see --help``, problems joined by `; `.
fn describe(path: &Path, problems: &[KeyProblem]) -> String {
    let mut text = problems
        .iter()
        .map(|p| format!("{} in {}: {}", p.subject(), path.display(), p.reason()))
        .collect::<Vec<_>>()
        .join("; ");
    if problems.iter().any(|p| p.fault == Fault::Unknown) {
        text.push_str("; see --help");
    }
    text
}

/// Reads the file at `path` and checks its keys against the options of `command`.
pub fn read(path: &Path, command: &Command) -> Result<Settings, FileError> {
    let text = std::fs::read_to_string(path).map_err(|e| FileError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let values: BTreeMap<String, Value> = if text.trim().is_empty() {
        BTreeMap::new()
    } else {
        Config::builder()
            .add_source(File::from_str(&text, FileFormat::Yaml))
            .build()
            .and_then(|config| config.collect())
            .map_err(|e| FileError::Malformed {
                path: path.to_path_buf(),
                reason: yaml_problem(&e),
            })?
            .into_iter()
            .collect()
    };
    settings(values, &options(command)).map_err(|problems| FileError::Keys {
        path: path.to_path_buf(),
        problems,
    })
}

/// Why the `config` crate refused the file, without the values it may quote (a file
/// holding only a token is a YAML string, which its message would repeat).
fn yaml_problem(error: &config::ConfigError) -> String {
    match error {
        // The root's type error comes boxed twice.
        config::ConfigError::FileParse { cause, .. } => {
            match cause.downcast_ref::<Box<config::ConfigError>>() {
                Some(inner) => yaml_problem(inner),
                None => cause.to_string(),
            }
        }
        config::ConfigError::Type { .. } => "its top level is not a mapping".to_owned(),
        _ => "it cannot be read as YAML".to_owned(),
    }
}

/// Whether each long option of `command` and its subcommands takes several values.
fn options(command: &Command) -> BTreeMap<String, bool> {
    let mut options = BTreeMap::new();
    collect_options(command, &mut options);
    options
}

fn collect_options(command: &Command, options: &mut BTreeMap<String, bool>) {
    for arg in command.get_arguments() {
        if let Some(long) = arg.get_long() {
            *options.entry(long.to_owned()).or_default() |= takes_several(arg);
        }
    }
    for sub in command.get_subcommands() {
        collect_options(sub, options);
    }
}

/// Whether `arg` takes several values (a list, or a delimited string).
fn takes_several(arg: &Arg) -> bool {
    arg.get_value_delimiter().is_some() || matches!(arg.get_action(), ArgAction::Append)
}

/// The file's values checked against `options` (long name: takes several values), or
/// every wrong key.
fn settings(
    values: BTreeMap<String, Value>,
    options: &BTreeMap<String, bool>,
) -> Result<Settings, Vec<KeyProblem>> {
    let mut settings = Settings::new();
    let mut spelled = BTreeMap::<String, String>::new();
    let mut problems = Vec::new();
    for (key, value) in values {
        let name = key.replace('_', "-");
        let fault = if name == CONFIG_FILE {
            Some(Fault::ConfigFile)
        } else if let Some(other) = spelled.insert(name.clone(), key.clone()) {
            Some(Fault::BothSpellings(other))
        } else {
            match options.get(&name) {
                None => Some(Fault::Unknown),
                Some(&several) => match setting(value.kind, several) {
                    Ok(Some(setting)) => {
                        settings.insert(name, setting);
                        None
                    }
                    Ok(None) => None,
                    Err(fault) => Some(fault),
                },
            }
        };
        if let Some(fault) = fault {
            problems.push(KeyProblem { key, fault });
        }
    }
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(problems)
    }
}

/// The setting of a value for an option taking one or `several` values; `None` when it
/// is empty (the option stays unset).
fn setting(value: ValueKind, several: bool) -> Result<Option<Setting>, Fault> {
    if let ValueKind::Array(items) = value {
        if !several {
            return Err(Fault::ListForOneValue);
        }
        let mut values = Vec::new();
        for item in items {
            values.extend(scalar(item.kind)?);
        }
        return Ok((!values.is_empty()).then_some(Setting::Many(values)));
    }
    Ok(scalar(value)?.map(Setting::One))
}

/// A scalar as its option would read it from a variable, trimmed; `None` when empty.
fn scalar(value: ValueKind) -> Result<Option<String>, Fault> {
    let text = match value {
        ValueKind::Nil => String::new(),
        ValueKind::Boolean(b) => b.to_string(),
        ValueKind::I64(n) => n.to_string(),
        ValueKind::I128(n) => n.to_string(),
        ValueKind::U64(n) => n.to_string(),
        ValueKind::U128(n) => n.to_string(),
        ValueKind::Float(n) => n.to_string(),
        ValueKind::String(s) => s,
        ValueKind::Table(_) | ValueKind::Array(_) => return Err(Fault::Mapping),
    };
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// `command` with the file's values as the defaults of the options they name, in every
/// subcommand. A secret option never shows its value in `--help`.
pub fn apply(command: Command, settings: &Settings) -> Command {
    command
        .mut_args(|arg| with_default(arg, settings))
        .mut_subcommands(|sub| apply(sub, settings))
}

fn with_default(arg: Arg, settings: &Settings) -> Arg {
    let Some(setting) = arg.get_long().and_then(|long| settings.get(long)) else {
        return arg;
    };
    let hide = arg.is_hide_env_values_set() || arg.is_hide_default_value_set();
    // A blank variable counts as unset (as everywhere), so it does not hide the file's value.
    let blank_variable = arg
        .get_env()
        .and_then(std::env::var_os)
        .is_some_and(|value| value.to_string_lossy().trim().is_empty());
    let arg = if blank_variable { arg.env(None) } else { arg };
    let arg = match setting {
        Setting::One(value) => arg.default_value(value.clone()),
        Setting::Many(values) => arg.default_values(values.iter().cloned()),
    };
    arg.hide_default_value(hide)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command as Subcommand;

    /// Writes `yaml` to a file in `dir` and returns its path.
    fn file(dir: &tempfile::TempDir, yaml: &str) -> PathBuf {
        let path = dir.path().join("baton.yaml");
        std::fs::write(&path, yaml).unwrap();
        path
    }

    fn read_yaml(yaml: &str) -> Result<Settings, FileError> {
        let dir = tempfile::tempdir().unwrap();
        read(&file(&dir, yaml), &Cli::command())
    }

    /// Every argument of `command` and its subcommands.
    fn all_args(command: &Command) -> Vec<Arg> {
        let mut args: Vec<Arg> = command.get_arguments().cloned().collect();
        for sub in command.get_subcommands() {
            args.extend(all_args(sub));
        }
        args
    }

    fn problems(yaml: &str) -> Vec<KeyProblem> {
        match read_yaml(yaml).unwrap_err() {
            FileError::Keys { problems, .. } => problems,
            other => panic!("expected key problems, got {other:?}"),
        }
    }

    fn problem(key: &str, fault: Fault) -> KeyProblem {
        KeyProblem {
            key: key.into(),
            fault,
        }
    }

    #[test]
    fn every_long_option_can_be_set_from_the_file() {
        let command = Cli::command();
        let longs: std::collections::BTreeSet<String> = all_args(&command)
            .iter()
            .filter_map(Arg::get_long)
            .filter(|long| *long != CONFIG_FILE)
            .map(str::to_owned)
            .collect();
        let yaml: String = longs
            .iter()
            .map(|long| format!("{long}: value-of-{long}\n"))
            .collect();
        let settings = read_yaml(&yaml).unwrap();
        let applied = apply(command, &settings);
        let mut checked = 0;
        for arg in all_args(&applied) {
            let Some(long) = arg.get_long().filter(|long| *long != CONFIG_FILE) else {
                continue;
            };
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            assert_eq!(defaults, [format!("value-of-{long}")], "--{long}");
            checked += 1;
        }
        // Subcommands share most options: each is checked where it appears.
        assert!(
            checked > 100 && longs.len() > 50,
            "{checked} of {}",
            longs.len()
        );
    }

    #[test]
    fn keys_take_dashes_or_underscores_and_values_are_text_as_from_a_variable() {
        let settings = read_yaml(
            "organization_id: \" org-1 \"\nmax-concurrency: 4\nprovisioning: true\n\
             sync-jitter: 0.1\nshutdown_grace: 1h\nsync-resource-types: [user, \" group \"]\n\
             sync-resources: bid:r:user/a,bid:r:user/b\nbase-url:\nlog-level: \"  \"\n",
        )
        .unwrap();
        let one = |v: &str| Setting::One(v.to_owned());
        let expected: Settings = [
            ("organization-id", one("org-1")),
            ("max-concurrency", one("4")),
            ("provisioning", one("true")),
            ("sync-jitter", one("0.1")),
            ("shutdown-grace", one("1h")),
            (
                "sync-resource-types",
                Setting::Many(vec!["user".into(), "group".into()]),
            ),
            ("sync-resources", one("bid:r:user/a,bid:r:user/b")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(settings, expected, "empty values leave their option unset");
    }

    #[test]
    fn wrong_keys_are_all_named_with_the_file_and_why() {
        let found = problems(
            "orgnization-id: o\nmax-concurrency: [1, 2]\nlog-level: {a: 1}\n\
             sync-resource-types: [[user]]\nskip_grants: true\nskip-grants: true\n\
             config-file: other.yaml\n",
        );
        assert_eq!(
            found,
            [
                problem("config-file", Fault::ConfigFile),
                problem("log-level", Fault::Mapping),
                problem("max-concurrency", Fault::ListForOneValue),
                problem("orgnization-id", Fault::Unknown),
                problem("skip_grants", Fault::BothSpellings("skip-grants".into())),
                problem("sync-resource-types", Fault::Mapping),
            ]
        );
        let dir = tempfile::tempdir().unwrap();
        let path = file(&dir, "orgnization-id: secret-looking-value\n");
        let shown = read(&path, &Cli::command()).unwrap_err().to_string();
        assert_eq!(
            shown,
            format!(
                "unknown key `orgnization-id` in {}: no such option; see --help",
                path.display()
            )
        );
    }

    #[test]
    fn an_unreadable_or_malformed_file_is_named_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let absent = dir.path().join("absent.yaml");
        let shown = read(&absent, &Cli::command()).unwrap_err().to_string();
        assert!(
            shown.starts_with(&format!(
                "cannot read the configuration file {}: ",
                absent.display()
            )),
            "{shown}"
        );
        for malformed in [
            "organization-id: [unclosed\n",
            "- a list\n- not a mapping\n",
            "only-a-secret-token-value\n",
        ] {
            let path = file(&dir, malformed);
            let error = read(&path, &Cli::command()).unwrap_err();
            assert!(
                matches!(&error, FileError::Malformed { path: p, .. } if *p == path),
                "{malformed:?}: {error}"
            );
            assert!(!error.to_string().contains("value"), "{error}");
        }
        assert_eq!(read_yaml("# only a comment\n").unwrap(), Settings::new());
    }

    #[test]
    fn a_flag_wins_over_the_file_and_the_file_over_the_built_in_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(
            &dir,
            "log-level: warn\nfile: from-file.c1z\nskip-grants: true\n\
             sync-resource-types: [user, group]\n",
        );
        let path = path.to_str().unwrap();
        let parse = |flags: &[&str]| {
            let mut argv = vec!["baton-atlassian", "sync", "--config-file", path];
            argv.extend_from_slice(flags);
            let cli = try_parse_from(argv).unwrap();
            assert_eq!(cli.config_file.as_deref(), Some(Path::new(path)));
            let Some(Subcommand::Sync(args)) = cli.command else {
                panic!("expected sync")
            };
            args
        };
        let from_file = parse(&[]);
        assert_eq!(from_file.logging.log_level, "warn");
        assert_eq!(from_file.logging.log_format, "json", "built-in default");
        assert_eq!(from_file.file, PathBuf::from("from-file.c1z"));
        assert!(from_file.scope.skip_grants);
        assert_eq!(from_file.scope.sync_resource_types, ["user", "group"]);
        let flagged = parse(&["--log-level", "debug", "--sync-resource-types", "team"]);
        assert_eq!(flagged.logging.log_level, "debug");
        assert_eq!(flagged.scope.sync_resource_types, ["team"]);
    }

    #[test]
    fn a_file_error_is_a_usage_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(&dir, "nope: 1\n");
        let error = try_parse_from(["baton-atlassian", "--config-file", path.to_str().unwrap()])
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidValue);
        assert_eq!(error.exit_code(), 2);
        assert!(
            error.to_string().contains("unknown key `nope` in "),
            "{error}"
        );
    }

    #[test]
    fn help_never_shows_a_secret_from_the_file() {
        let settings: Settings = [
            ("access-token", "file-secret-value"),
            ("organization-id", "org-from-file"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Setting::One(v.to_owned())))
        .collect();
        let help = apply(Cli::command(), &settings).render_help().to_string();
        assert!(!help.contains("file-secret-value"), "{help}");
        assert!(help.contains("[default: org-from-file]"), "{help}");
    }
}
