//! End to end: the real `baton-atlassian` binary sends OpenTelemetry traces over OTLP/gRPC
//! to a real collector (rotel, started by the test on loopback ports; CI installs it with
//! `eval "$(scripts/otel-tools.sh)"`, and without it these tests fail saying so): a
//! one-shot sync against the Atlassian simulator, and the service's sync and grant tasks
//! from the ConductorOne simulator. Checked: span names, attributes and nesting, the
//! service name, that the JSON log lines carry the exported trace and span ids, that no
//! secret reaches the collector or the log, that a collector that cannot be reached only
//! costs a warning, and that a malformed endpoint stops start-up naming the flag.

#[path = "support/binary.rs"]
mod binary;
#[path = "support/collector.rs"]
mod collector;
#[path = "support/grants.rs"]
mod grants;
#[path = "support/ports.rs"]
mod ports;
#[path = "support/service.rs"]
mod service;

use std::collections::{BTreeMap, BTreeSet};

use collector::{Collector, ReceivedSpan};
use grants::{PROVISIONING, grant_task, workspace_and_user};
use ports::free_port;
use serde_json::Value;
use service::Harness;
use sim::atlassian::{AtlassianSim, Credentials, Fault, OrgSpec, SimConfig, endpoints as ep};
use sim::controlplane::tasks;

/// The simulator's organization API key and Teams token: no trace or log line may hold them.
const ORG_KEY: &str = "otel-e2e-org-key-7f3c9a";
const TEAMS_TOKEN: &str = "otel-e2e-teams-token-51be0d";

/// The phases of a full sync with Teams, as the `phase` attribute names them.
const PHASES: [&str; 6] = [
    "api_tokens",
    "groups",
    "organization",
    "teams",
    "users",
    "workspaces",
];

/// The attributes a request span may have: what the issue asks for, and what the tracing
/// layer adds (code location, target, timings). Nothing else: no URL, header or body.
const REQUEST_ATTRIBUTES: [&str; 10] = [
    "endpoint",
    "http.request.method",
    "attempt",
    "http.response.status_code",
    "code.file.path",
    "code.module.name",
    "code.line.number",
    "target",
    "busy_ns",
    "idle_ns",
];

async fn start_sim() -> AtlassianSim {
    let config = SimConfig {
        org: OrgSpec {
            users: 30,
            seed: 61,
        },
        credentials: Credentials {
            api_key: ORG_KEY.into(),
            teams_api_token: TEAMS_TOKEN.into(),
            ..Credentials::default()
        },
        ..SimConfig::default()
    };
    AtlassianSim::start(config).await.expect("simulator starts")
}

/// The variables of a one-shot sync of `sim` (with Teams) into `file`, traced to `endpoint`.
fn sync_env(sim: &AtlassianSim, file: &str, endpoint: &str) -> Vec<(&'static str, String)> {
    let credentials = sim.credentials();
    vec![
        ("BATON_BASE_URL", sim.base_url().to_string()),
        ("BATON_ORGANIZATION_ID", sim.org_id()),
        ("BATON_ACCESS_TOKEN", credentials.api_key.clone()),
        ("BATON_TEAMS_EMAIL", credentials.teams_email.clone()),
        ("BATON_TEAMS_API_TOKEN", credentials.teams_api_token.clone()),
        (
            "BATON_TEAMS_SITE_ID",
            sim.snapshot().workspaces[0].cloud_id.clone(),
        ),
        ("BATON_FILE", file.to_owned()),
        ("BATON_OTLP_ENDPOINT", endpoint.to_owned()),
    ]
}

/// The log's lines, each a JSON object.
fn json_lines(log: &str) -> Vec<Value> {
    log.lines()
        .map(|line| {
            serde_json::from_str::<Value>(line)
                .ok()
                .filter(Value::is_object)
                .unwrap_or_else(|| panic!("a log line that is not a JSON object: {line}"))
        })
        .collect()
}

/// The number of Atlassian requests the sync summary reports ("... with N Atlassian requests.").
fn requests_in_summary(stdout: &str) -> usize {
    let (before, _) = stdout
        .split_once(" Atlassian requests.")
        .unwrap_or_else(|| panic!("no request count in the summary: {stdout}"));
    before.rsplit(' ').next().unwrap().parse().unwrap()
}

fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> Vec<&'a ReceivedSpan> {
    spans.iter().filter(|s| s.name == name).collect()
}

fn the_one<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let found = named(spans, name);
    assert_eq!(found.len(), 1, "one {name} span: {found:#?}");
    found[0]
}

/// Checks a request span's attributes: the endpoint key and its method, the attempt, the
/// status code (all numbers as integers), and nothing that could hold a secret.
fn check_request(span: &ReceivedSpan) {
    assert_eq!(span.kind, "SPAN_KIND_CLIENT", "{span:#?}");
    let endpoint = span.attribute("endpoint");
    let (method, path) = endpoint.split_once(' ').expect("METHOD /path");
    assert!(path.starts_with('/') && !path.contains('?'), "{span:#?}");
    assert_eq!(span.attribute("http.request.method"), method, "{span:#?}");
    for number in ["attempt", "http.response.status_code"] {
        assert_eq!(span.attributes[number].kind, "Int", "{span:#?}");
    }
    for key in span.attributes.keys() {
        assert!(
            REQUEST_ATTRIBUTES.contains(&key.as_str()),
            "{key}: {span:#?}"
        );
    }
}

/// Fails if a secret shows in what the collector received or in the daemon's log.
fn assert_no_secret(secrets: &[&str], collector: &Collector, log: &str) {
    let received = collector.output();
    for secret in secrets {
        assert!(
            !received.contains(secret),
            "the collector received {secret}"
        );
        assert!(!log.contains(secret), "the log shows {secret}");
    }
}

/// The trace and span ids of the JSON lines that have them, with their message.
fn logged_ids(lines: &[Value]) -> Vec<(String, String, String)> {
    lines
        .iter()
        .filter_map(|line| {
            let text = |key: &str| line[key].as_str().map(str::to_owned);
            Some((text("trace_id")?, text("span_id")?, text("message")?))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_exports_its_phases_and_requests_and_logs_their_trace_id() {
    let collector = Collector::start().await;
    let sim = start_sim().await;
    // The first workspaces request fails once: two attempts, two spans.
    sim.set_fault(ep::WORKSPACES, Fault::error(502).times(1));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sync.c1z").display().to_string();

    let run = binary::run(&["sync"], sync_env(&sim, &file, &collector.endpoint())).await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let requests = requests_in_summary(&run.stdout);
    let spans = collector
        .wait_for("the sync, its phases and all its requests", |spans| {
            !named(spans, "sync").is_empty()
                && !named(spans, "c1z.finish").is_empty()
                && named(spans, "sync.phase").len() >= PHASES.len()
                && named(spans, "atlassian.request").len() >= requests
        })
        .await;

    let sync = the_one(&spans, "sync");
    assert_eq!(sync.parent_id, "", "the sync is the root: {sync:#?}");
    assert_eq!(sync.attribute("targeted"), "false");
    for span in &spans {
        assert_eq!(span.service_name, "baton-atlassian", "{span:#?}");
        assert_eq!(span.trace_id, sync.trace_id, "one trace: {span:#?}");
    }
    let phases: BTreeMap<&str, &ReceivedSpan> = named(&spans, "sync.phase")
        .into_iter()
        .map(|span| (span.attribute("phase"), span))
        .collect();
    assert_eq!(phases.keys().copied().collect::<Vec<_>>(), PHASES);
    for phase in phases.values() {
        assert_eq!(phase.parent_id, sync.span_id, "{phase:#?}");
    }
    assert_eq!(the_one(&spans, "c1z.finish").parent_id, sync.span_id);

    let request_spans = named(&spans, "atlassian.request");
    assert_eq!(request_spans.len(), requests, "a span per request");
    let phase_of = |span: &ReceivedSpan| {
        phases
            .iter()
            .find(|(_, phase)| phase.span_id == span.parent_id)
            .map(|(name, _)| *name)
            .unwrap_or_else(|| panic!("a request outside the phases: {span:#?}"))
    };
    let mut phases_with_requests = BTreeSet::new();
    for span in &request_spans {
        check_request(span);
        phases_with_requests.insert(phase_of(span));
    }
    assert_eq!(phases_with_requests.into_iter().collect::<Vec<_>>(), PHASES);
    let org = request_spans
        .iter()
        .find(|s| s.attribute("endpoint") == ep::ORG)
        .expect("the organization request");
    assert_eq!(phase_of(org), "organization");
    let mut workspaces: Vec<(&str, &str, &str)> = request_spans
        .iter()
        .filter(|s| s.attribute("endpoint") == ep::WORKSPACES)
        .map(|s| {
            (
                s.attribute("attempt"),
                s.attribute("http.response.status_code"),
                s.status.as_str(),
            )
        })
        .collect();
    workspaces.sort();
    assert_eq!(
        workspaces[..2],
        [
            ("1", "502", "STATUS_CODE_ERROR"),
            ("2", "200", "STATUS_CODE_UNSET")
        ]
    );

    let lines = json_lines(&run.stderr);
    let logged = logged_ids(&lines);
    let exported: BTreeSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
    assert!(
        logged.iter().any(|(_, _, m)| m == "sync phase done"),
        "{}",
        run.stderr
    );
    for (trace_id, span_id, message) in &logged {
        assert_eq!(trace_id, &sync.trace_id, "{message}");
        assert!(exported.contains(span_id.as_str()), "{message}: {span_id}");
    }
    let outside = lines
        .iter()
        .find(|line| line["message"] == "starting sync")
        .expect("the first line");
    assert!(outside.get("trace_id").is_none(), "no span, no trace id");
    assert_no_secret(&[ORG_KEY, TEAMS_TOKEN], &collector, &run.stderr);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_tasks_are_traced_under_the_configured_service_name() {
    let collector = Collector::start().await;
    let harness = Harness::start(62).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let endpoint = collector.endpoint();
    let daemon = harness.spawn(&[
        PROVISIONING,
        ("BATON_OTLP_ENDPOINT", &endpoint),
        ("OTEL_SERVICE_NAME", "atlassian-connector-e2e"),
    ]);
    let sync_id = harness.c1.push_task(tasks::sync_full());
    let finish = harness.finish_of(&sync_id, &daemon).await;
    assert!(finish.success, "{finish:?}");
    let grant_id = harness.c1.push_task(grant_task(&workspace, &user));
    let finish = harness.finish_of(&grant_id, &daemon).await;
    assert!(finish.success, "{finish:?}");
    let stopped = daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);

    let task_span = |spans: &[ReceivedSpan], id: &str| {
        spans
            .iter()
            .find(|s| s.name == "task" && s.attribute("task_id") == id)
            .cloned()
    };
    let spans = collector
        .wait_for("both tasks", |spans| {
            task_span(spans, &sync_id).is_some()
                && task_span(spans, &grant_id).is_some()
                && !named(spans, "c1.upload").is_empty()
        })
        .await;
    for span in &spans {
        assert_eq!(span.service_name, "atlassian-connector-e2e", "{span:#?}");
    }

    let sync_task = task_span(&spans, &sync_id).unwrap();
    assert_eq!(sync_task.parent_id, "");
    assert_eq!(sync_task.attribute("task_type"), "sync_full");
    let sync = the_one(&spans, "sync");
    assert_eq!(
        (sync.trace_id.as_str(), sync.parent_id.as_str()),
        (sync_task.trace_id.as_str(), sync_task.span_id.as_str())
    );
    let upload = the_one(&spans, "c1.upload");
    assert_eq!(upload.parent_id, sync_task.span_id);
    let phases = named(&spans, "sync.phase");
    assert!(phases.len() >= 5, "{phases:#?}");
    assert!(phases.iter().all(|p| p.parent_id == sync.span_id));

    let grant_task = task_span(&spans, &grant_id).unwrap();
    assert_eq!(grant_task.parent_id, "");
    assert_ne!(grant_task.trace_id, sync_task.trace_id, "a trace per task");
    let grant_requests: Vec<&ReceivedSpan> = named(&spans, "atlassian.request")
        .into_iter()
        .filter(|s| s.trace_id == grant_task.trace_id)
        .collect();
    assert!(
        grant_requests
            .iter()
            .any(|s| s.attribute("endpoint") == ep::ROLES_ASSIGN
                && s.attribute("http.response.status_code").starts_with('2')),
        "{grant_requests:#?}"
    );
    for span in &grant_requests {
        assert_eq!(span.parent_id, grant_task.span_id, "{span:#?}");
        check_request(span);
    }

    // The task's log lines carry its trace and span ids.
    let lines: Vec<Value> = stopped
        .log
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    for task in [&sync_task, &grant_task] {
        let started = lines
            .iter()
            .find(|l| {
                l["message"] == "task started" && l["span"]["task_id"] == task.attribute("task_id")
            })
            .unwrap_or_else(|| panic!("no 'task started' line\n{}", stopped.log));
        assert_eq!(started["trace_id"], task.trace_id.as_str());
        assert_eq!(started["span_id"], task.span_id.as_str());
    }
    let secrets = [
        harness.atlassian.credentials().api_key,
        harness.credentials.client_secret.clone(),
    ];
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret(&secrets, &collector, &stopped.log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_cannot_be_reached_only_costs_a_warning() {
    let sim = start_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sync.c1z").display().to_string();
    let nobody = format!("http://127.0.0.1:{}", free_port());

    let run = binary::run(&["sync"], sync_env(&sim, &file, &nobody)).await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(std::path::Path::new(&file).is_file());
    let lines = json_lines(&run.stderr);
    let warnings = lines
        .iter()
        .filter(|line| {
            line["message"]
                .as_str()
                .is_some_and(|m| m.contains("OTLP collector"))
        })
        .count();
    assert!((1..=2).contains(&warnings), "{}", run.stderr);
    assert!(
        !logged_ids(&lines).is_empty(),
        "log lines still carry trace ids\n{}",
        run.stderr
    );
    sim.shutdown().await;
}

/// Runs `command` with the required settings and `endpoint`.
async fn with_endpoint(command: &str, endpoint: &str) -> binary::Run {
    let env = [
        ("BATON_ORGANIZATION_ID", "org-1"),
        ("BATON_ACCESS_TOKEN", "key-1"),
        ("BATON_OTLP_ENDPOINT", endpoint),
    ];
    binary::run(&[command], env).await
}

#[tokio::test]
async fn a_malformed_endpoint_stops_start_up_naming_the_flag() {
    let sync = with_endpoint("sync", "otel-collector:4317").await;
    assert_eq!(sync.code, Some(2), "{}", sync.stderr);
    assert_eq!(
        sync.error_line(),
        "error: invalid --otlp-endpoint (BATON_OTLP_ENDPOINT): expected an http(s) URL, got \
         'otel-collector:4317'"
    );
    let serve = with_endpoint("serve", "http://collector:s3cret-pass@otel:4317").await;
    assert_eq!(serve.code, Some(2), "{}", serve.stderr);
    assert_eq!(
        serve.error_line(),
        "error: invalid --otlp-endpoint (BATON_OTLP_ENDPOINT): credentials in the URL are not \
         supported"
    );
    assert!(!serve.stderr.contains("s3cret-pass"));
}
