//! OpenTelemetry traces: the tracer provider behind this process's `tracing` spans,
//! exporting them over OTLP/gRPC when `--otlp-endpoint` is set, and the trace ids that
//! JSON log lines carry ([`WithTraceIds`]).
//!
//! The spans: `task` (one ConductorOne task: `task_id`, `task_type`), `sync` (one sync of
//! the organization) with a `sync.phase` per phase (`phase`: `organization`, `workspaces`,
//! `users`, `groups`, `api_tokens`, `teams`), `c1z.finish` (the `.c1z` file completed),
//! `c1.upload` (a sync sent to ConductorOne) and `atlassian.request`, one per HTTP attempt
//! (`endpoint`, `http.request.method`, `attempt`, `http.response.status_code`). No span or
//! attribute holds a credential, a request body or a query string.
//!
//! Only this workspace's crates are traced: their spans from DEBUG (the per-request spans),
//! their events from INFO (as span events). The service name is `baton-atlassian` unless
//! `OTEL_SERVICE_NAME` is set. Without an endpoint, spans still get trace ids (sampled out:
//! nothing is recorded), so log lines can be correlated, and the per-request spans are
//! off, costing nothing.

mod exporter;
mod log_ids;

use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{WithExportConfig as _, WithTonicConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tonic::transport::ClientTlsConfig;
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{FilterFn, LevelFilter};
use tracing_subscriber::registry::LookupSpan;

use crate::config::{ConfigError, TraceSettings};

pub use log_ids::WithTraceIds;

/// The service name exported unless `OTEL_SERVICE_NAME` is set.
const SERVICE_NAME: &str = "baton-atlassian";

/// The longest wait for the last spans to reach the collector at exit.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// The crates whose spans and events are traced (their `tracing` targets).
const TRACED_CRATES: [&str; 5] = [
    "baton_atlassian",
    "connector",
    "atlassian",
    "controlplane",
    "c1z",
];

/// The process's tracer provider; [`shutdown`](Self::shutdown) sends what is left.
#[derive(Debug)]
pub struct Telemetry {
    provider: SdkTracerProvider,
    exporting: bool,
}

impl Telemetry {
    /// A provider that exports to the endpoint of `settings`, or only makes trace ids
    /// without one. With an endpoint it must be called inside a Tokio runtime (the gRPC
    /// channel lives on it), which must outlive [`shutdown`](Self::shutdown).
    pub fn new(settings: &TraceSettings) -> Result<Self, ConfigError> {
        let Some(endpoint) = &settings.otlp_endpoint else {
            let provider = SdkTracerProvider::builder()
                .with_sampler(Sampler::AlwaysOff)
                .build();
            return Ok(Self {
                provider,
                exporting: false,
            });
        };
        let mut builder = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.as_str().trim_end_matches('/'));
        if endpoint.scheme() == "https" {
            builder = builder.with_tls_config(ClientTlsConfig::new().with_enabled_roots());
        }
        let exporter = builder
            .build()
            .map_err(|e| ConfigError::invalid("otlp-endpoint", e.to_string()))?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter::Reported::new(exporter))
            .with_resource(resource())
            .build();
        Ok(Self {
            provider,
            exporting: true,
        })
    }

    /// The layer that turns the traced crates' spans into OpenTelemetry spans.
    pub fn layer<S>(&self) -> impl Layer<S> + Send + Sync + 'static
    where
        S: Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
    {
        let exporting = self.exporting;
        let hint = if exporting {
            LevelFilter::DEBUG
        } else {
            LevelFilter::INFO
        };
        let filter = FilterFn::new(move |metadata: &Metadata<'_>| {
            traced(
                metadata.target(),
                *metadata.level(),
                metadata.is_span(),
                exporting,
            )
        })
        .with_max_level_hint(hint);
        tracing_opentelemetry::layer()
            .with_tracer(self.provider.tracer(SERVICE_NAME))
            .with_threads(false)
            .with_filter(filter)
    }

    /// Sends the spans still buffered and stops exporting, waiting at most
    /// [`FLUSH_TIMEOUT`]; a collector that cannot be reached is reported on the log.
    pub fn shutdown(self) {
        if !self.exporting {
            return;
        }
        if let Err(error) = self.provider.shutdown_with_timeout(FLUSH_TIMEOUT) {
            tracing::warn!(%error, "could not send the last traces to the OTLP collector");
        }
    }
}

/// Whether a span or event becomes OpenTelemetry data: spans of the traced crates from
/// DEBUG when exporting (INFO otherwise), their events from INFO when exporting only.
fn traced(target: &str, level: Level, is_span: bool, exporting: bool) -> bool {
    let ours = TRACED_CRATES.iter().any(|name| {
        target
            .strip_prefix(name)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    });
    ours && if is_span {
        level <= if exporting { Level::DEBUG } else { Level::INFO }
    } else {
        exporting && level <= Level::INFO
    }
}

/// The exported resource: the service's name (unless `OTEL_SERVICE_NAME` sets it) and
/// version, plus `OTEL_RESOURCE_ATTRIBUTES`.
fn resource() -> Resource {
    let builder = Resource::builder()
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    let named = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|name| !name.trim().is_empty());
    if named {
        builder.build()
    } else {
        builder.with_service_name(SERVICE_NAME).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_workspace_crates_are_traced_and_request_spans_only_when_exporting() {
        let span = |target, level, exporting| traced(target, level, true, exporting);
        let event = |target, level, exporting| traced(target, level, false, exporting);
        for exporting in [true, false] {
            assert!(span(
                "baton_atlassian::service::runner",
                Level::INFO,
                exporting
            ));
            assert!(span("connector", Level::INFO, exporting));
            assert!(!span("h2::proto", Level::INFO, exporting));
            assert!(!span("connectors::x", Level::INFO, exporting));
            assert!(!span("atlassian::client", Level::TRACE, exporting));
            assert!(!event("atlassian::client", Level::DEBUG, exporting));
        }
        assert!(span("atlassian::client", Level::DEBUG, true));
        assert!(!span("atlassian::client", Level::DEBUG, false));
        assert!(event("connector::sync", Level::WARN, true));
        assert!(!event("connector::sync", Level::WARN, false));
    }

    #[test]
    fn without_an_endpoint_spans_get_ids_but_nothing_is_recorded() {
        use opentelemetry::trace::{Span as _, Tracer as _};
        let telemetry = Telemetry::new(&TraceSettings::default()).unwrap();
        let span = telemetry.provider.tracer("t").start("s");
        assert!(span.span_context().is_valid());
        assert!(!span.is_recording());
        telemetry.shutdown();
    }
}
