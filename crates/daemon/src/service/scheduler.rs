//! Scheduled local syncs: one right away, then one every `--sync-interval` (moved by up to
//! the jitter either way, never sooner than `--min-sync-interval` after the previous one
//! ended), each written to `--snapshot-dir/sync-<UTC timestamp>.c1z`; only the
//! `--snapshot-retention` newest snapshots are kept. A sync that comes due while a
//! ConductorOne sync runs is skipped. Syncs run only while this replica leads (see
//! [`Leadership`]; always without leader election): one that came due on a standby runs
//! when it takes over. A shutdown, or losing the leadership, stops a running scheduled
//! sync at once (no snapshot is written).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use connector::{AtlassianConnector, SyncOptions};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::leader::Leadership;
use super::sync_gate::SyncGate;
use crate::config::service::ScheduleSettings;
use crate::health::metrics;

/// Name prefix and suffix of snapshot files.
const SNAPSHOT_PREFIX: &str = "sync-";
const SNAPSHOT_SUFFIX: &str = ".c1z";

/// Runs scheduled syncs.
#[derive(Debug)]
pub struct Scheduler {
    /// When and where.
    pub settings: ScheduleSettings,
    /// The connector.
    pub connector: Arc<AtlassianConnector>,
    /// What each sync covers.
    pub options: SyncOptions,
    /// One sync at a time.
    pub gate: SyncGate,
}

impl Scheduler {
    /// Runs while this replica leads, until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken, mut leadership: Leadership) {
        let settings = &self.settings;
        tracing::info!(
            interval = ?settings.interval,
            jitter = ?settings.jitter,
            directory = %settings.snapshot_dir.display(),
            retention = settings.retention,
            "scheduled syncs: the first one now"
        );
        let mut due = Instant::now();
        while let Some(term) = leadership.term(&shutdown).await {
            due = self.run_term(&term, due).await;
        }
    }

    /// Runs the syncs, the first when `due`, until `term` ends (shutdown or lost
    /// leadership); returns when the next is due.
    async fn run_term(&self, term: &CancellationToken, mut due: Instant) -> Instant {
        let settings = &self.settings;
        loop {
            tokio::select! {
                () = term.cancelled() => return due,
                () = tokio::time::sleep_until(due) => {}
            }
            let started = Instant::now();
            match self.gate.try_scheduled() {
                Err(running) => {
                    tracing::info!(?running, "scheduled sync skipped: another sync is running")
                }
                Ok(_turn) => {
                    let outcome = tokio::select! {
                        () = term.cancelled() => {
                            tracing::info!("scheduled sync interrupted; no snapshot written");
                            return due;
                        }
                        outcome = self.sync_once() => outcome,
                    };
                    metrics::record_sync("scheduled", started.elapsed(), outcome.is_ok());
                    match outcome {
                        Ok(path) => {
                            tracing::info!(snapshot = %path.display(), "scheduled sync written")
                        }
                        Err(error) => tracing::error!("scheduled sync failed: {error:#}"),
                    }
                }
            }
            let spread = settings.jitter.spread(settings.interval);
            let wait = next_wait(
                started.elapsed(),
                settings.interval,
                spread,
                fastrand::f64() * 2.0 - 1.0,
                settings.min_interval,
            );
            tracing::debug!(?wait, "next scheduled sync");
            due = Instant::now() + wait;
        }
    }

    /// One sync into a new snapshot, then the oldest snapshots beyond the retention go.
    async fn sync_once(&self) -> anyhow::Result<PathBuf> {
        let directory = &self.settings.snapshot_dir;
        let path = directory.join(snapshot_name(Utc::now()));
        let (report, _) = self
            .connector
            .sync_to_c1z(&path, &self.options)
            .await
            .context("the sync failed")?;
        metrics::record_synced(&report);
        for removed in prune(directory, self.settings.retention)? {
            tracing::info!(snapshot = %removed.display(), "old snapshot deleted");
        }
        Ok(path)
    }
}

/// How long to wait, once a sync that ran for `ran` has ended, before the next starts:
/// the interval moved by `spread × sample` (`sample` from -1 to 1) counted from the
/// sync's start, and at least `min_pause` after its end.
pub fn next_wait(
    ran: Duration,
    interval: Duration,
    spread: Duration,
    sample: f64,
    min_pause: Duration,
) -> Duration {
    let jittered =
        (interval.as_secs_f64() + spread.as_secs_f64() * sample.clamp(-1.0, 1.0)).max(0.0);
    Duration::from_secs_f64(jittered)
        .saturating_sub(ran)
        .max(min_pause)
}

/// `sync-20260314T101500.123Z.c1z`: names sort by time.
pub fn snapshot_name(at: DateTime<Utc>) -> String {
    format!(
        "{SNAPSHOT_PREFIX}{}{SNAPSHOT_SUFFIX}",
        at.format("%Y%m%dT%H%M%S%.3fZ")
    )
}

/// The snapshots among `names` beyond the `keep` newest (other files are never chosen).
pub fn beyond_retention(names: &[String], keep: usize) -> Vec<String> {
    let mut snapshots: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with(SNAPSHOT_PREFIX) && n.ends_with(SNAPSHOT_SUFFIX))
        .collect();
    snapshots.sort_unstable_by(|a, b| b.cmp(a));
    snapshots.into_iter().skip(keep).cloned().collect()
}

/// Deletes the snapshots in `directory` beyond the `keep` newest; returns them.
fn prune(directory: &Path, keep: usize) -> anyhow::Result<Vec<PathBuf>> {
    let listing = || format!("could not list {}", directory.display());
    let mut names = Vec::new();
    for entry in std::fs::read_dir(directory).with_context(listing)? {
        if let Ok(name) = entry.with_context(listing)?.file_name().into_string() {
            names.push(name);
        }
    }
    let mut removed = Vec::new();
    for name in beyond_retention(&names, keep) {
        let path = directory.join(name);
        std::fs::remove_file(&path)
            .with_context(|| format!("could not delete the old snapshot {}", path.display()))?;
        removed.push(path);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn the_next_sync_is_an_interval_after_the_last_start_moved_by_the_jitter() {
        let hour = 60 * MINUTE;
        let spread = 6 * MINUTE;
        let ran = 10 * MINUTE;
        assert_eq!(
            next_wait(ran, hour, spread, 0.0, Duration::ZERO),
            50 * MINUTE
        );
        assert_eq!(
            next_wait(ran, hour, spread, 1.0, Duration::ZERO),
            56 * MINUTE
        );
        assert_eq!(
            next_wait(ran, hour, spread, -1.0, Duration::ZERO),
            44 * MINUTE
        );
        assert_eq!(
            next_wait(ran, hour, spread, -7.0, Duration::ZERO),
            44 * MINUTE
        );
    }

    #[test]
    fn a_long_sync_is_followed_by_at_least_the_minimum_pause() {
        let ran = 90 * MINUTE;
        assert_eq!(
            next_wait(ran, 60 * MINUTE, Duration::ZERO, 0.0, Duration::ZERO),
            Duration::ZERO
        );
        assert_eq!(
            next_wait(ran, 60 * MINUTE, Duration::ZERO, 0.0, 5 * MINUTE),
            5 * MINUTE
        );
        assert_eq!(
            next_wait(MINUTE, 2 * MINUTE, 10 * MINUTE, -1.0, Duration::ZERO),
            Duration::ZERO
        );
    }

    #[test]
    fn snapshot_names_sort_by_time() {
        let early = Utc.with_ymd_and_hms(2026, 3, 14, 9, 5, 0).unwrap();
        let late = Utc.with_ymd_and_hms(2026, 3, 14, 10, 15, 0).unwrap();
        assert_eq!(snapshot_name(early), "sync-20260314T090500.000Z.c1z");
        assert!(snapshot_name(early) < snapshot_name(late));
    }

    #[test]
    fn retention_keeps_the_newest_snapshots_and_ignores_other_files() {
        let names: Vec<String> = [
            "sync-20260101T000000.000Z.c1z",
            "sync-20260103T000000.000Z.c1z",
            "notes.txt",
            "sync-20260102T000000.000Z.c1z",
            "sync-20260104T000000.000Z.c1z.tmp",
            "other.c1z",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            beyond_retention(&names, 1),
            [
                "sync-20260102T000000.000Z.c1z",
                "sync-20260101T000000.000Z.c1z"
            ]
        );
        assert!(beyond_retention(&names, 3).is_empty());
    }

    #[test]
    fn pruning_deletes_only_old_snapshots_from_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "sync-20260101T000000.000Z.c1z",
            "sync-20260102T000000.000Z.c1z",
            "sync-20260103T000000.000Z.c1z",
            "keep-me.txt",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let removed = prune(dir.path(), 2).unwrap();
        assert_eq!(removed, [dir.path().join("sync-20260101T000000.000Z.c1z")]);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "keep-me.txt",
                "sync-20260102T000000.000Z.c1z",
                "sync-20260103T000000.000Z.c1z"
            ]
        );
    }
}
