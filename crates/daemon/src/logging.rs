//! The log subscriber: every log line goes to stderr, as JSON objects (the Go SDK's
//! default) or console text, filtered by `--log-level`. Standard output is left to the
//! commands' results (sync summary, capabilities JSON, inspect tables). In JSON, a line
//! logged while a service task runs carries the task's span as `span` (`task_id`,
//! `task_type`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{ConfigError, LogFormat, LogSettings};

/// Installs the global subscriber for `settings`.
pub fn init(settings: &LogSettings) -> Result<(), ConfigError> {
    let filter = EnvFilter::try_new(&settings.filter).map_err(|e| {
        ConfigError::invalid(
            "log-level",
            format!("'{}' is not a log filter: {e}", settings.filter),
        )
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Only the first subscriber of a process counts; a later call changes nothing.
    let _ = match settings.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Console => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
    Ok(())
}
