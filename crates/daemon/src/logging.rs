//! The log subscriber: every log line goes to stderr, as JSON objects (the Go SDK's
//! default) or console text, filtered by `--log-level`. Standard output is left to the
//! commands' results (sync summary, capabilities JSON, inspect tables). In JSON, a line
//! logged inside spans carries the innermost as `span` and all of them, outermost first,
//! as `spans` (a service task's `task_id` and `task_type`, a sync phase's `phase`), and a
//! line logged inside a traced span (a task, a sync, a sync phase) starts with its
//! OpenTelemetry `trace_id` and `span_id` (see [`crate::telemetry`]), whether traces are
//! exported or not.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::{ConfigError, LogFormat, LogSettings, TraceSettings};
use crate::telemetry::{Telemetry, WithTraceIds};

/// Installs the global subscriber for `settings`, without exporting traces.
pub fn init(settings: &LogSettings) -> Result<(), ConfigError> {
    init_with_traces(settings, &TraceSettings::default()).map(drop)
}

/// Installs the global subscriber for `settings`, with traces exported as `traces` asks:
/// with an endpoint, inside a Tokio runtime (see [`Telemetry::new`]). The caller shuts the
/// returned [`Telemetry`] down before exiting.
pub fn init_with_traces(
    settings: &LogSettings,
    traces: &TraceSettings,
) -> Result<Telemetry, ConfigError> {
    let filter = EnvFilter::try_new(&settings.filter).map_err(|e| {
        ConfigError::invalid(
            "log-level",
            format!("'{}' is not a log filter: {e}", settings.filter),
        )
    })?;
    let telemetry = Telemetry::new(traces)?;
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let lines = match settings.format {
        LogFormat::Json => {
            let format = tracing_subscriber::fmt::format()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(true);
            lines
                .json()
                .event_format(WithTraceIds(format))
                .with_filter(filter)
                .boxed()
        }
        LogFormat::Console => lines
            .with_ansi(std::io::stderr().is_terminal())
            .with_filter(filter)
            .boxed(),
    };
    // Only the first subscriber of a process counts; a later call changes nothing.
    let _ = tracing_subscriber::registry()
        .with(lines)
        .with(telemetry.layer())
        .try_init();
    Ok(telemetry)
}
