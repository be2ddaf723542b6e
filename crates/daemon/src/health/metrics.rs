//! The service's Prometheus metrics. Task code records through [`record_task`],
//! scheduled syncs through [`record_sync`] and leader election through [`set_leader`]; the
//! Atlassian client's and the ConductorOne session's counters are read at scrape time by
//! [`render`].
//!
//! Names: `baton_tasks_total{type,outcome}`, `baton_task_duration_seconds{type}`,
//! `baton_sync_duration_seconds{source}`,
//! `baton_last_successful_sync_timestamp_seconds{source}` (`source`: `conductorone` for
//! sync tasks, `scheduled` for scheduled local syncs),
//! `baton_atlassian_requests_total{endpoint,status}`, `baton_atlassian_retries_total`,
//! `baton_atlassian_rate_limited_total`, `baton_atlassian_rate_limit_waits_total`,
//! `baton_atlassian_rate_limit_wait_seconds_total`, `baton_c1_token_refreshes_total`,
//! `baton_leader` (1 while this replica leads or leader election is off, 0 while it stands by),
//! `baton_secret_reloads_total{secret}` (secrets reloaded from their rotated files, see
//! [`record_secret_reload`]), `baton_synced_objects_total{kind}` (objects written by
//! successful syncs, `kind`: `resources`, `entitlements`, `grants`; see [`record_synced`]).

use std::sync::LazyLock;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use atlassian::MetricsSnapshot;
use connector::SyncReport;
use controlplane::{Session, TaskOutcome};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Task type and outcome labels.
type TaskLabels = [(&'static str, String); 2];
/// One label: the task type, or where a sync comes from.
type OneLabel = [(&'static str, String); 1];

/// The task metrics, recorded by the service as tasks end.
#[derive(Debug)]
struct TaskMetrics {
    tasks: Family<TaskLabels, Counter>,
    task_duration: Family<OneLabel, Histogram>,
    sync_duration: Family<OneLabel, Gauge<f64, AtomicU64>>,
    last_sync_success: Family<OneLabel, Gauge>,
}

static TASKS: LazyLock<TaskMetrics> = LazyLock::new(|| TaskMetrics {
    tasks: Family::default(),
    // 50 ms to about 7 hours.
    task_duration: Family::new_with_constructor(|| {
        Histogram::new(exponential_buckets(0.05, 4.0, 10))
    }),
    sync_duration: Family::default(),
    last_sync_success: Family::default(),
});

/// Whether this replica leads (holds the leader Lease, or leader election is off).
static LEADER: LazyLock<Gauge> = LazyLock::new(Gauge::default);

/// Records whether this replica leads: only the leader takes tasks and runs scheduled syncs.
pub fn set_leader(leads: bool) {
    LEADER.set(i64::from(leads));
}

/// Secrets reloaded from their files, by option (`access-token`, ...).
static SECRET_RELOADS: LazyLock<Family<OneLabel, Counter>> = LazyLock::new(Family::default);

/// Records that the secret of option `secret` (`access-token`) was reloaded from its file.
pub fn record_secret_reload(secret: &'static str) {
    SECRET_RELOADS
        .get_or_create(&[("secret", secret.to_owned())])
        .inc();
}

/// Objects written by successful syncs, by kind.
static SYNCED: LazyLock<Family<OneLabel, Counter>> = LazyLock::new(Family::default);

/// Records what a successful sync wrote (its `report`).
pub fn record_synced(report: &SyncReport) {
    let total = report.total();
    for (kind, count) in [
        ("resources", total.resources),
        ("entitlements", total.entitlements),
        ("grants", total.grants),
    ] {
        SYNCED
            .get_or_create(&[("kind", kind.to_owned())])
            .inc_by(count);
    }
}

/// The `outcome` label of a task's result: `success`, `error`, or `no_finish` when no
/// `FinishTask` was due (hello tasks, syncs ConductorOne cancelled before they started).
pub fn outcome_label(outcome: Option<&TaskOutcome>) -> &'static str {
    match outcome {
        Some(TaskOutcome::Success { .. }) => "success",
        Some(TaskOutcome::Error { .. }) => "error",
        None => "no_finish",
    }
}

/// Records a ConductorOne task of type `task_type` (the oneof field's name) that ended
/// with `outcome` after `elapsed`. A `sync_full` task is also recorded as a sync from
/// `conductorone` (see [`record_sync`]).
pub fn record_task(task_type: &'static str, outcome: &'static str, elapsed: Duration) {
    let metrics = &*TASKS;
    metrics
        .tasks
        .get_or_create(&[("type", task_type.into()), ("outcome", outcome.into())])
        .inc();
    metrics
        .task_duration
        .get_or_create(&[("type", task_type.into())])
        .observe(elapsed.as_secs_f64());
    if task_type == "sync_full" {
        record_sync("conductorone", elapsed, outcome == "success");
    }
}

/// Records a sync from `source` (`conductorone` or `scheduled`) that took `elapsed`; on
/// success, also the time it ended.
pub fn record_sync(source: &'static str, elapsed: Duration, succeeded: bool) {
    let metrics = &*TASKS;
    let labels = [("source", source.to_owned())];
    metrics
        .sync_duration
        .get_or_create(&labels)
        .set(elapsed.as_secs_f64());
    if succeeded {
        metrics
            .last_sync_success
            .get_or_create(&labels)
            .set(chrono::Utc::now().timestamp());
    }
}

/// The metrics in Prometheus text format (version 0.0.4), with the counters of the
/// `atlassian` client and of the ConductorOne `session` (when there is one) as they are now.
pub fn render(atlassian: &atlassian::Client, session: Option<&Session>) -> String {
    let mut registry = Registry::default();
    let metrics = &*TASKS;
    registry.register(
        "baton_tasks",
        "ConductorOne tasks ended, by type and outcome",
        metrics.tasks.clone(),
    );
    registry.register(
        "baton_task_duration_seconds",
        "Time ConductorOne tasks took, by type",
        metrics.task_duration.clone(),
    );
    registry.register(
        "baton_sync_duration_seconds",
        "Time the last sync took, by source (conductorone, scheduled)",
        metrics.sync_duration.clone(),
    );
    registry.register(
        "baton_last_successful_sync_timestamp_seconds",
        "When the last successful sync ended (Unix seconds), by source (conductorone, scheduled)",
        metrics.last_sync_success.clone(),
    );
    registry.register(
        "baton_leader",
        "1 while this replica leads (holds the leader Lease, or leader election is off), 0 while it stands by",
        LEADER.clone(),
    );
    registry.register(
        "baton_secret_reloads",
        "Secrets reloaded from their rotated files, by option (access-token, scim-token, teams-api-token)",
        SECRET_RELOADS.clone(),
    );
    registry.register(
        "baton_synced_objects",
        "Objects written by successful syncs, by kind (resources, entitlements, grants)",
        SYNCED.clone(),
    );
    registry.register_collector(Box::new(ScrapeTime {
        atlassian: atlassian.metrics(),
        token_refreshes: session.map(Session::token_refreshes),
    }));
    let mut text = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut text, &registry)
        .expect("writing to a String cannot fail");
    text
}

/// Counters copied at scrape time.
#[derive(Debug)]
struct ScrapeTime {
    atlassian: MetricsSnapshot,
    token_refreshes: Option<u64>,
}

impl Collector for ScrapeTime {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let counter = |encoder: &mut DescriptorEncoder, name: &str, help: &str, value: u64| {
            let metric = ConstCounter::new(value);
            let family = encoder.encode_descriptor(name, help, None, metric.metric_type())?;
            metric.encode(family)
        };
        let requests = ConstCounter::new(0u64);
        let mut family = encoder.encode_descriptor(
            "baton_atlassian_requests",
            "Atlassian API responses by endpoint and HTTP status (transport_error: no response)",
            None,
            requests.metric_type(),
        )?;
        for (endpoint, counts) in &self.atlassian.by_endpoint {
            let statuses = counts
                .by_status
                .iter()
                .map(|(status, n)| (status.to_string(), *n))
                .chain(
                    (counts.transport_errors > 0)
                        .then(|| ("transport_error".to_owned(), counts.transport_errors)),
                );
            for (status, n) in statuses {
                let labels = [("endpoint", endpoint.as_str()), ("status", status.as_str())];
                ConstCounter::new(n).encode(family.encode_family(&labels)?)?;
            }
        }
        let snapshot = &self.atlassian;
        counter(
            &mut encoder,
            "baton_atlassian_retries",
            "Atlassian requests that retried an earlier failed attempt",
            snapshot.retries,
        )?;
        counter(
            &mut encoder,
            "baton_atlassian_rate_limited",
            "Atlassian responses with status 429",
            snapshot.rate_limited,
        )?;
        counter(
            &mut encoder,
            "baton_atlassian_rate_limit_waits",
            "Times an Atlassian request was held back by rate-limit pacing",
            snapshot.pacing_waits,
        )?;
        let waited = ConstCounter::new(snapshot.pacing_wait_total.as_secs_f64());
        waited.encode(encoder.encode_descriptor(
            "baton_atlassian_rate_limit_wait_seconds",
            "Time Atlassian requests were held back by rate-limit pacing",
            None,
            waited.metric_type(),
        )?)?;
        if let Some(refreshes) = self.token_refreshes {
            counter(
                &mut encoder,
                "baton_c1_token_refreshes",
                "ConductorOne access tokens obtained",
                refreshes,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leader_gauge_is_rendered() {
        let client = atlassian::Client::builder("org-1", atlassian::Secret::new("k"))
            .build()
            .unwrap();
        set_leader(true);
        let text = render(&client, None);
        assert!(text.contains("# TYPE baton_leader gauge"), "{text}");
        assert!(text.lines().any(|l| l == "baton_leader 1"), "{text}");
    }
}
