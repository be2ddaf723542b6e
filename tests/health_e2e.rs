//! End to end: the real `baton-atlassian` binary in service mode with its health server
//! on (`BATON_HEALTH_CHECK=true`, a free loopback port), against both simulators: `/readyz`
//! answers 503 until ConductorOne accepts the bootstrap `Hello` and 200 after, `/live`
//! 200, `/metrics` is Prometheus text whose task counter moves when a task runs, and the
//! `health-check` subcommand exits 0. SIGTERM during a grant: `/readyz` turns 503 while
//! the grant finishes, which ConductorOne then hears as a success, and the exit code is 0.
//! Also: the Atlassian key read from `BATON_ACCESS_TOKEN_FILE`.

#[path = "support/binary.rs"]
mod binary;
#[path = "support/grants.rs"]
mod grants;
#[path = "support/ports.rs"]
mod ports;
#[path = "support/service.rs"]
mod service;

use std::time::Duration;

use grants::{PROVISIONING, grant_task, holds, workspace_and_user};
use ports::free_port;
use service::{Daemon, Harness, WAIT};
use sim::atlassian::Fault;
use sim::controlplane::{Method, Times, tasks};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `GET /<path>` on the health server: the status code and the body, or `None` when
/// nothing answers (yet).
async fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let request = format!("GET /{path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let (_, body) = response.split_once("\r\n\r\n")?;
    Some((status, body.to_owned()))
}

/// Polls `path` until it answers `status`; on timeout, fails showing the daemon's log.
async fn wait_for_status(port: u16, path: &str, status: u16, daemon: &Daemon) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some((got, body)) = get(port, path).await
            && got == status
        {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/{path} never answered {status}\n--- daemon log ---\n{}",
            daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The value of the sample line starting with `prefix` (`name{labels}`), 0 when absent.
fn sample(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .map_or(0.0, |value| value.parse().unwrap())
}

/// Every line is a `# HELP`/`# TYPE` comment or a `name{labels} value` sample.
fn assert_prometheus_text(text: &str) {
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(
                comment.starts_with("HELP ") || comment.starts_with("TYPE "),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
        value
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        let name = series.split('{').next().unwrap();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        assert_eq!(series.contains('{'), series.ends_with('}'), "{line}");
    }
}

#[tokio::test]
async fn readiness_follows_the_hello_and_metrics_count_tasks() {
    let harness = Harness::start(31).await;
    // The first two Hellos fail: the retries leave seconds before the service registers.
    harness
        .c1
        .fail_calls(Method::Hello, tonic::Code::Unavailable, Times::Next(2));
    let port = free_port().to_string();
    let daemon = harness.spawn(&[
        ("BATON_HEALTH_CHECK", "true"),
        ("BATON_HEALTH_CHECK_PORT", &port),
        ("BATON_HEALTH_CHECK_BIND_ADDRESS", "127.0.0.1"),
    ]);
    let port: u16 = port.parse().unwrap();
    let live = wait_for_status(port, "live", 200, &daemon).await;
    assert!(live.contains(r#""status":"alive""#), "{live}");
    let (status, body) = get(port, "readyz").await.expect("an answer");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains(r#""status":"not_ready""#), "{body}");

    harness.c1.wait_for_hello(WAIT).await.expect("a Hello");
    let ready = wait_for_status(port, "readyz", 200, &daemon).await;
    assert!(ready.contains(r#""status":"ready""#), "{ready}");
    let healthy = wait_for_status(port, "health", 200, &daemon).await;
    assert!(healthy.contains(r#""status":"healthy""#), "{healthy}");

    let probe = binary::run(
        &["health-check", "--endpoint", "ready"],
        [
            ("BATON_HEALTH_CHECK_PORT", port.to_string()),
            ("BATON_HEALTH_CHECK_BIND_ADDRESS", "0.0.0.0".to_owned()),
        ],
    )
    .await;
    assert_eq!(probe.code, Some(0), "{probe:?}");
    assert!(probe.stdout.contains("HTTP 200"), "{probe:?}");

    let counter = r#"baton_tasks_total{type="sync_full",outcome="success"}"#;
    let before = wait_for_status(port, "metrics", 200, &daemon).await;
    assert_prometheus_text(&before);
    let task_id = harness.c1.push_task(tasks::sync_full());
    assert!(harness.finish_of(&task_id, &daemon).await.success);
    let after = wait_for_status(port, "metrics", 200, &daemon).await;
    assert_prometheus_text(&after);
    assert!(
        after.contains("# TYPE baton_tasks_total counter"),
        "{after}"
    );
    assert_eq!(
        sample(&after, counter),
        sample(&before, counter) + 1.0,
        "{after}"
    );
    assert!(
        sample(
            &after,
            r#"baton_last_successful_sync_timestamp_seconds{source="conductorone"}"#
        ) > 0.0
    );
    assert!(
        after.contains(r#"baton_atlassian_requests_total{endpoint="#),
        "{after}"
    );
    for kind in ["resources", "entitlements", "grants"] {
        let synced = format!(r#"baton_synced_objects_total{{kind="{kind}"}}"#);
        assert!(sample(&after, &synced) > 0.0, "{synced}\n{after}");
    }

    let stopped = daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    let probe = binary::run(
        &["health-check", "--endpoint", "live", "--timeout", "1"],
        [("BATON_HEALTH_CHECK_PORT", port.to_string())],
    )
    .await;
    assert_eq!(probe.code, Some(1), "{probe:?}");
}

#[tokio::test]
async fn access_token_file_feeds_a_sync_and_a_missing_one_is_named() {
    let harness = Harness::start(32).await;
    let key_file = harness.dir.path().join("access-token");
    std::fs::write(
        &key_file,
        format!("{}\n", harness.atlassian.credentials().api_key),
    )
    .unwrap();
    let output = harness.dir.path().join("out.c1z");
    let env = |key_path: &std::path::Path| {
        [
            ("BATON_BASE_URL", harness.atlassian.base_url().to_string()),
            ("BATON_ORGANIZATION_ID", harness.atlassian.org_id()),
            ("BATON_ACCESS_TOKEN_FILE", key_path.display().to_string()),
            ("BATON_FILE", output.display().to_string()),
        ]
    };
    let run = binary::run(&["sync"], env(&key_file)).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(output.is_file());

    let absent = harness.dir.path().join("absent");
    let run = binary::run(&["sync"], env(&absent)).await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let line = run.error_line();
    assert!(
        line.starts_with(
            "error: invalid --access-token-file (BATON_ACCESS_TOKEN_FILE): cannot read "
        ),
        "{line}"
    );
    assert!(line.contains(&absent.display().to_string()), "{line}");
}

/// The Atlassian endpoint that assigns a workspace role to a user.
const ROLE_ASSIGN: &str = "POST /admin/v1/orgs/{orgId}/users/{userId}/roles/assign";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_grant_drains_readiness_finishes_the_grant_and_exits_0() {
    let harness = Harness::start(43).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    // The role assignment answers after 3 s: SIGTERM arrives while it is in flight.
    harness
        .atlassian
        .set_fault(ROLE_ASSIGN, Fault::latency(Duration::from_secs(3)));
    let port = free_port().to_string();
    let daemon = harness.spawn(&[
        PROVISIONING,
        ("BATON_SHUTDOWN_GRACE", "60s"),
        ("BATON_HEALTH_CHECK", "true"),
        ("BATON_HEALTH_CHECK_PORT", &port),
        ("BATON_HEALTH_CHECK_BIND_ADDRESS", "127.0.0.1"),
    ]);
    let port: u16 = port.parse().unwrap();
    wait_for_status(port, "readyz", 200, &daemon).await;

    let task_id = harness.c1.push_task(grant_task(&workspace, &user));
    let deadline = tokio::time::Instant::now() + WAIT;
    while harness.atlassian.stats().requests(ROLE_ASSIGN) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the grant never reached Atlassian\n{}",
            daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    daemon.send_sigterm();

    let draining = wait_for_status(port, "readyz", 503, &daemon).await;
    assert!(draining.contains(r#""status":"not_ready""#), "{draining}");
    assert!(
        harness.c1.records().finish_of(&task_id).is_none(),
        "the grant was reported before Atlassian answered"
    );
    let finish = harness.finish_of(&task_id, &daemon).await;
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    assert!(holds(&harness.atlassian.snapshot(), &user, &workspace));
    let stopped = daemon.wait().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    assert_eq!(harness.atlassian.stats().requests(ROLE_ASSIGN), 1);
}
