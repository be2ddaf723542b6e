//! A real OpenTelemetry collector for the trace tests: `rotel-agent` (installed by
//! `scripts/otel-tools.sh`, found on `PATH`), started on loopback ports with an OTLP/gRPC
//! receiver, a blackhole exporter and its detailed debug log of the traces it receives on
//! stdout, which is read back as [`ReceivedSpan`]s.
//!
//! Include it with `#[path = "support/collector.rs"] mod collector;`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tempfile::TempDir;
use tokio::process::{Child, Command};

use crate::ports::free_port;

/// The collector's program.
const AGENT: &str = "rotel-agent";

/// The longest wait for the collector to listen, or for spans to arrive.
const WAIT: Duration = Duration::from_secs(30);

/// A running collector; killed when dropped.
pub struct Collector {
    _child: Child,
    dir: TempDir,
    port: u16,
}

/// An attribute as the collector shows it: its type (`Str`, `Int`, `Bool`...) and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// `Str`, `Int`, `Bool`, `Double`...
    pub kind: String,
    /// The value as text.
    pub value: String,
}

/// One span the collector received.
#[derive(Clone, Debug, Default)]
pub struct ReceivedSpan {
    /// The `service.name` of its resource.
    pub service_name: String,
    /// Lowercase hex.
    pub trace_id: String,
    /// Lowercase hex.
    pub span_id: String,
    /// Empty for a root span.
    pub parent_id: String,
    /// The span's name.
    pub name: String,
    /// `SPAN_KIND_CLIENT`, `SPAN_KIND_INTERNAL`...
    pub kind: String,
    /// `STATUS_CODE_UNSET`, `STATUS_CODE_ERROR`...
    pub status: String,
    /// Its attributes by key.
    pub attributes: BTreeMap<String, Attribute>,
}

impl ReceivedSpan {
    /// The value of attribute `key` (empty when absent).
    pub fn attribute(&self, key: &str) -> &str {
        self.attributes.get(key).map_or("", |a| a.value.as_str())
    }
}

impl Collector {
    /// Starts the collector; fails the test with what to do when it is not installed.
    pub async fn start() -> Self {
        let agent = find_agent().unwrap_or_else(|| {
            panic!(
                "{AGENT} (the OpenTelemetry collector these tests send traces to) is not on \
                 PATH; install it with: eval \"$(scripts/otel-tools.sh)\""
            )
        });
        let dir = tempfile::tempdir().unwrap();
        let (grpc, http) = (free_port(), free_port());
        let path = |name: &str| dir.path().join(name);
        let mut command = Command::new(agent);
        command
            .env_clear()
            .arg("start")
            .args(["--otlp-grpc-endpoint", &format!("127.0.0.1:{grpc}")])
            .args(["--otlp-http-endpoint", &format!("127.0.0.1:{http}")])
            .args(["--exporter", "blackhole"])
            .args(["--debug-log", "traces", "--debug-log-verbosity", "detailed"])
            .args(["--batch-timeout", "50ms"])
            .arg("--pid-file")
            .arg(path("rotel.pid"))
            .arg("--log-file")
            .arg(path("rotel.log"))
            .stdout(std::fs::File::create(path("stdout")).unwrap())
            .stderr(std::fs::File::create(path("stderr")).unwrap())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("rotel-agent starts");
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(("127.0.0.1", grpc))
            .await
            .is_err()
        {
            let exited = child.try_wait().unwrap();
            let stderr = std::fs::read_to_string(path("stderr")).unwrap_or_default();
            assert!(exited.is_none(), "{AGENT} exited: {exited:?}\n{stderr}");
            assert!(
                tokio::time::Instant::now() < deadline,
                "{AGENT} does not listen\n{stderr}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self {
            _child: child,
            dir,
            port: grpc,
        }
    }

    /// Its OTLP/gRPC endpoint, as `--otlp-endpoint` takes it.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Everything it printed about what it received.
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout")).unwrap_or_default()
    }

    /// The spans received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        parse(&self.output())
    }

    /// Waits until the spans received satisfy `done`, then returns them; on timeout, fails
    /// saying `what` was awaited and showing the collector's output.
    pub async fn wait_for(
        &self,
        what: &str,
        done: impl Fn(&[ReceivedSpan]) -> bool,
    ) -> Vec<ReceivedSpan> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let spans = self.spans();
            if done(&spans) {
                return spans;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the collector did not receive {what}\n--- its output ---\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// `rotel-agent` on `PATH`.
fn find_agent() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(AGENT))
        .find(|candidate| candidate.is_file())
}

/// Where a line of the debug log belongs.
#[derive(Clone, Copy, PartialEq)]
enum Section {
    Other,
    Resource,
    SpanAttributes,
}

/// Reads rotel's detailed debug log: `ResourceSpans #n` blocks with `Resource attributes:`,
/// then `Span #n` blocks of `Key : value` lines, `Attributes:` with `-> key: Type(value)`
/// lines, and `Events:` (skipped).
fn parse(output: &str) -> Vec<ReceivedSpan> {
    let mut spans: Vec<ReceivedSpan> = Vec::new();
    let mut resource = BTreeMap::new();
    let mut section = Section::Other;
    for line in output.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("ResourceSpans #") {
            resource.clear();
            section = Section::Other;
        } else if trimmed == "Resource attributes:" {
            section = Section::Resource;
        } else if trimmed.starts_with("ScopeSpans #") || trimmed == "Events:" {
            section = Section::Other;
        } else if trimmed.starts_with("Span #") {
            spans.push(ReceivedSpan {
                service_name: resource
                    .get("service.name")
                    .map_or(String::new(), |a: &Attribute| a.value.clone()),
                ..ReceivedSpan::default()
            });
            section = Section::Other;
        } else if trimmed == "Attributes:" && !spans.is_empty() {
            section = Section::SpanAttributes;
        } else if let Some(attribute) = trimmed.strip_prefix("-> ") {
            let Some((key, value)) = attribute_of(attribute) else {
                continue;
            };
            match section {
                Section::Resource => {
                    resource.insert(key, value);
                }
                Section::SpanAttributes => {
                    spans.last_mut().unwrap().attributes.insert(key, value);
                }
                Section::Other => {}
            }
        } else if let (Some(span), Some((key, value))) = (spans.last_mut(), trimmed.split_once(':'))
        {
            let value = value.trim().to_owned();
            match key.trim() {
                "Trace ID" => span.trace_id = value,
                "Parent ID" => span.parent_id = value,
                "ID" => span.span_id = value,
                "Name" => span.name = value,
                "Kind" => span.kind = value,
                "Status code" => span.status = value,
                _ => {}
            }
        }
    }
    spans
}

/// `key: Type(value)`.
fn attribute_of(text: &str) -> Option<(String, Attribute)> {
    let (key, typed) = text.split_once(": ")?;
    let (kind, value) = typed.split_once('(')?;
    let value = value.strip_suffix(')')?;
    Some((
        key.to_owned(),
        Attribute {
            kind: kind.to_owned(),
            value: value.to_owned(),
        },
    ))
}
