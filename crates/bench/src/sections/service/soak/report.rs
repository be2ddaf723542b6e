//! The soak's report: printed as text, written as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use serde_json::json;

use super::chaos::FaultKind;
use super::errors::Errors;
use super::memory::{self, FLAT_RATIO, Sample};
use super::workload::{Counts, Workload};

/// Rows of the memory-over-time table.
const MEMORY_ROWS: usize = 20;
/// Ids listed of each kind of failure.
const LISTED: usize = 5;

/// Everything a soak found.
pub struct Summary {
    /// Seconds of load asked for.
    pub seconds: u64,
    /// Tasks pushed per second asked for.
    pub rate: f64,
    /// The seed.
    pub seed: u64,
    /// Whether faults were injected.
    pub faulty: bool,
    /// Users of the simulated organization at the start.
    pub users: usize,
    /// User and workspace pairs.
    pub pairs: usize,
    /// The daemon's task slots.
    pub slots: &'static str,
    /// From the first task to the end of the drain.
    pub elapsed: Duration,
    /// Tasks never finished.
    pub lost: Vec<String>,
    /// Snapshots the daemon's scheduled syncs wrote.
    pub scheduled_snapshots: usize,
    /// Faults injected, by kind.
    pub faults: BTreeMap<FaultKind, u64>,
    /// Why the daemon crashed or did not stop cleanly, if it did.
    pub crash: Option<String>,
    /// The daemon's memory over time.
    pub samples: Vec<Sample>,
    /// The tasks: counts, duplicates, contradictions.
    pub workload: Workload,
    /// Errors by kind.
    pub errors: Errors,
    /// The daemon's whole log.
    pub daemon_log: String,
}

impl Summary {
    /// No crash, nothing lost, nothing finished twice, nothing contradicted.
    pub fn passed(&self) -> bool {
        self.failures().is_empty()
    }

    /// What makes the run fail.
    fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        if let Some(crash) = &self.crash {
            failures.push(format!("the daemon failed: {crash}"));
        }
        for (what, ids) in [
            ("lost (never finished)", &self.lost),
            ("finished twice", &self.workload.duplicates),
        ] {
            if !ids.is_empty() {
                failures.push(format!("{} tasks {what}: {}", ids.len(), listed(ids)));
            }
        }
        let contradictions = &self.workload.contradictions;
        if !contradictions.is_empty() {
            let first: Vec<String> = contradictions
                .iter()
                .take(LISTED)
                .map(|c| format!("{} ({})", c.task_id, c.what))
                .collect();
            failures.push(format!(
                "{} outcomes contradict the ground truth: {}",
                contradictions.len(),
                first.join("; ")
            ));
        }
        failures
    }

    fn total(&self) -> Counts {
        self.workload
            .counts()
            .values()
            .fold(Counts::default(), |sum, c| Counts {
                pushed: sum.pushed + c.pushed,
                succeeded: sum.succeeded + c.succeeded,
                failed: sum.failed + c.failed,
            })
    }
}

/// `m:ss`.
pub fn clock(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// The report as text.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let s = summary;
    let total = s.total();
    let finished = total.succeeded + total.failed;
    let _ = writeln!(
        out,
        "\nsoak: {} s of tasks offered at {}/s {}, seed {}; {} users, {} role pairs, {} task \
         slots; {} in all with the drain, {:.1} tasks finished per second",
        s.seconds,
        s.rate,
        if s.faulty {
            "with random faults"
        } else {
            "without faults"
        },
        s.seed,
        s.users,
        s.pairs,
        s.slots,
        clock(s.elapsed),
        finished as f64 / s.elapsed.as_secs_f64().max(1.0),
    );
    let _ = writeln!(
        out,
        "\n{:<16} {:>8} {:>10} {:>8}",
        "tasks", "pushed", "succeeded", "failed"
    );
    let rows = s.workload.counts().iter().map(|(k, c)| (k.name(), *c));
    for (name, c) in rows.chain([("total", total)]) {
        let _ = writeln!(
            out,
            "{name:<16} {:>8} {:>10} {:>8}",
            c.pushed, c.succeeded, c.failed
        );
    }
    let _ = writeln!(
        out,
        "scheduled syncs (snapshots written): {}\nhanded out again (no FinishTask within the \
         lease): {}\nlost (never finished): {}\nfinished twice: {}\n\
         outcomes contradicting the ground truth: {}",
        s.scheduled_snapshots,
        s.workload.redelivered,
        s.lost.len(),
        s.workload.duplicates.len(),
        s.workload.contradictions.len()
    );
    let faults: u64 = s.faults.values().sum();
    let _ = writeln!(out, "\nfaults injected: {faults}");
    for (kind, count) in &s.faults {
        let _ = writeln!(out, "  {:<34} {count:>6}", kind.name());
    }
    let mut errors: Vec<(&String, &u64)> = s.errors.by_kind.iter().collect();
    errors.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let _ = writeln!(out, "\nerrors by kind");
    if errors.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for (kind, count) in errors {
        let _ = writeln!(out, "  {count:>7}  {kind}");
    }
    render_memory(&mut out, &s.samples);
    let failures = s.failures();
    if failures.is_empty() {
        let _ = writeln!(
            out,
            "\nresult: ok (no crash, nothing lost or finished twice)"
        );
    } else {
        let _ = writeln!(out, "\nresult: FAILED");
        for failure in failures {
            let _ = writeln!(out, "  {failure}");
        }
    }
    out
}

fn render_memory(out: &mut String, samples: &[Sample]) {
    let _ = writeln!(
        out,
        "\ndaemon RSS over time (VmRSS, {} samples)",
        samples.len()
    );
    for row in memory::over_time(samples, MEMORY_ROWS) {
        let _ = writeln!(
            out,
            "  {:>6} - {:<6}  mean {:>7.1} MB  max {:>7.1} MB",
            clock(Duration::from_secs_f64(row.from_secs)),
            clock(Duration::from_secs_f64(row.to_secs)),
            row.mean / 1e6,
            row.max as f64 / 1e6
        );
    }
    match memory::flatness(samples) {
        Some(f) => {
            let verdict = if f.is_flat() {
                format!("flat (ratio <= {FLAT_RATIO:.2})")
            } else {
                format!("GROWING (ratio > {FLAT_RATIO:.2})")
            };
            let _ = writeln!(
                out,
                "after warm-up (the first third): second third {:.1} MB, last third {:.1} MB, \
                 ratio {:.3}, slope {:+.2} MB/min: {verdict}",
                f.middle_mean / 1e6,
                f.last_mean / 1e6,
                f.ratio,
                f.slope_per_minute / 1e6
            );
        }
        None => {
            let _ = writeln!(out, "too few samples to tell whether it stayed flat");
        }
    }
}

/// Writes the figures as JSON to `path`.
pub fn write_json(summary: &Summary, path: &Path) -> anyhow::Result<()> {
    let s = summary;
    let counts: BTreeMap<&str, Counts> = s
        .workload
        .counts()
        .iter()
        .map(|(k, c)| (k.name(), *c))
        .collect();
    let faults: BTreeMap<&str, u64> = s.faults.iter().map(|(k, n)| (k.name(), *n)).collect();
    let contradictions: Vec<String> = s
        .workload
        .contradictions
        .iter()
        .map(|c| format!("{}: {}", c.task_id, c.what))
        .collect();
    let value = json!({
        "seconds": s.seconds,
        "rate": s.rate,
        "seed": s.seed,
        "faults_injected": s.faulty,
        "users": s.users,
        "elapsed_secs": s.elapsed.as_secs_f64(),
        "tasks": counts,
        "scheduled_snapshots": s.scheduled_snapshots,
        "redelivered": s.workload.redelivered,
        "lost": s.lost,
        "finished_twice": s.workload.duplicates,
        "contradictions": contradictions,
        "faults": faults,
        "errors": s.errors.by_kind,
        "rss_samples": s.samples,
        "rss_after_warm_up": memory::flatness(&s.samples),
        "crash": s.crash,
        "passed": s.passed(),
    });
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("could not create {}", folder.display()))?;
    }
    let text = serde_json::to_string_pretty(&value)?;
    std::fs::write(path, text + "\n").with_context(|| format!("could not write {}", path.display()))
}

/// The first ids of a list, and how many more.
fn listed(ids: &[String]) -> String {
    let mut shown = ids
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > LISTED {
        let _ = write!(shown, " and {} more", ids.len() - LISTED);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::super::workload::Contradiction;
    use super::*;

    fn summary() -> Summary {
        Summary {
            seconds: 60,
            rate: 20.0,
            seed: 1,
            faulty: true,
            users: 200,
            pairs: 0,
            slots: "4",
            elapsed: Duration::from_secs(61),
            lost: Vec::new(),
            scheduled_snapshots: 2,
            faults: BTreeMap::new(),
            crash: None,
            samples: Vec::new(),
            workload: Workload::new(Vec::new(), "test"),
            errors: Errors::default(),
            daemon_log: String::new(),
        }
    }

    #[test]
    fn only_a_crash_a_lost_or_twice_finished_task_or_a_contradiction_fails_the_run() {
        let mut noisy = summary();
        noisy
            .errors
            .by_kind
            .insert("task failed: grant".to_owned(), 3);
        noisy.samples = (0..30)
            .map(|i| Sample {
                at_secs: f64::from(i) * 2.0,
                bytes: 10_000_000 * (1 + u64::from(i as u8)),
            })
            .collect();
        assert!(noisy.passed());
        assert!(render(&noisy).contains("GROWING"));
        assert!(render(&noisy).contains("result: ok"));

        let mut crashed = summary();
        crashed.crash = Some("baton-atlassian exited (signal 9)".to_owned());
        let mut lost = summary();
        lost.lost.push("t1".to_owned());
        let mut twice = summary();
        twice.workload.duplicates.push("t2".to_owned());
        let mut contradicted = summary();
        contradicted.workload.contradictions.push(Contradiction {
            task_id: "t3".to_owned(),
            what: "grant failed, but u holds the role on w".to_owned(),
        });
        for (failed, shown) in [
            (crashed, "signal 9"),
            (lost, "1 tasks lost (never finished): t1"),
            (twice, "1 tasks finished twice: t2"),
            (contradicted, "t3 (grant failed"),
        ] {
            assert!(!failed.passed());
            let text = render(&failed);
            assert!(
                text.contains("result: FAILED") && text.contains(shown),
                "{text}"
            );
        }
    }

    #[test]
    fn clock_shows_minutes_and_seconds() {
        assert_eq!(clock(Duration::from_secs(0)), "0:00");
        assert_eq!(clock(Duration::from_secs(605)), "10:05");
    }

    #[test]
    fn long_lists_show_their_first_ids_and_how_many_more() {
        let ids: Vec<String> = (1..=7).map(|i| format!("t{i}")).collect();
        assert_eq!(listed(&ids), "t1, t2, t3, t4, t5 and 2 more");
        assert_eq!(listed(&ids[..2]), "t1, t2");
    }
}
