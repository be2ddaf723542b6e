//! Trace ids in JSON log lines: a line logged inside a traced span starts with the
//! `trace_id` and `span_id` of the innermost such span, in lowercase hex as OpenTelemetry
//! exports them, so a line can be found from a trace and the other way round.

use std::fmt;

use opentelemetry::trace::{SpanContext, TraceContextExt as _};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// A JSON event format with `trace_id` and `span_id` added in front of the other fields.
#[derive(Debug)]
pub struct WithTraceIds<F>(pub F);

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some(ids) = span_context(ctx) else {
            return self.0.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(rest) => write!(
                writer,
                "{{\"trace_id\":\"{}\",\"span_id\":\"{}\",{rest}",
                ids.trace_id(),
                ids.span_id()
            ),
            None => writer.write_str(&line),
        }
    }
}

/// The OpenTelemetry ids of the innermost span around the event that has valid ones.
fn span_context<S, N>(ctx: &FmtContext<'_, S, N>) -> Option<SpanContext>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    let mut scope = ctx.event_scope()?;
    tracing::dispatcher::get_default(|dispatch| {
        scope.find_map(|span| {
            let context = tracing_opentelemetry::get_otel_context(&span.id(), dispatch)?;
            let ids = context.span().span_context().clone();
            ids.is_valid().then_some(ids)
        })
    })
}
