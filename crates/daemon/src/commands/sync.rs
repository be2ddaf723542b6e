//! `sync` (and the command without a subcommand): one full, filtered or targeted sync of
//! the organization into a `.c1z` file, then a summary on stdout. The connector logs each
//! phase while it runs; SIGINT or SIGTERM stops it without leaving a file behind.

use std::future::Future;
use std::path::Path;

use anyhow::Context as _;
use connector::{AtlassianConnector, SyncOptions, SyncReport};

use super::{Failure, connector_failure, runtime_with_telemetry};
use crate::cli::SyncArgs;
use crate::config::{LogSettings, SyncSettings, TraceSettings};
use crate::render::{self, Table};

/// Checks the settings, syncs, sends the traces, prints the summary.
pub(super) fn run(args: &SyncArgs) -> Result<(), Failure> {
    let log = LogSettings::from_args(&args.logging)?;
    let traces = TraceSettings::from_args(&args.telemetry)?;
    let settings = SyncSettings::from_args(args)?;
    let (runtime, telemetry) = runtime_with_telemetry(&log, &traces)?;
    let connector = AtlassianConnector::new(settings.connector).map_err(connector_failure)?;
    tracing::info!(file = %settings.file.display(), options = ?settings.options, "starting sync");
    let outcome = runtime.block_on(until_signal(sync(
        &connector,
        &settings.file,
        &settings.options,
    )));
    telemetry.shutdown();
    let (report, written) = outcome??;
    print!(
        "{}",
        summary(
            connector.config().organization_id.as_str(),
            &report,
            &written
        )
    );
    Ok(())
}

async fn sync(
    connector: &AtlassianConnector,
    file: &Path,
    options: &SyncOptions,
) -> Result<(SyncReport, c1z::Summary), Failure> {
    connector
        .sync_to_c1z(file, options)
        .await
        .map_err(connector_failure)
}

/// Runs `work` unless SIGINT or SIGTERM comes first.
async fn until_signal<T>(work: impl Future<Output = T>) -> Result<T, Failure> {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("could not listen for SIGTERM")?;
    tokio::select! {
        output = work => Ok(output),
        _ = interrupt => Err(Failure::Interrupted),
        _ = terminate.recv() => Err(Failure::Interrupted),
    }
}

/// What the sync did, for people: where the file is, how long it took, counts per type.
fn summary(organization: &str, report: &SyncReport, written: &c1z::Summary) -> String {
    let mut table = Table::new(&["resource type", "#resources", "#entitlements", "#grants"]);
    for (resource_type, counts) in &report.counts {
        table.row(vec![
            resource_type.clone(),
            counts.resources.to_string(),
            counts.entitlements.to_string(),
            counts.grants.to_string(),
        ]);
    }
    let total = report.total();
    table.row(vec![
        "total".into(),
        total.resources.to_string(),
        total.entitlements.to_string(),
        total.grants.to_string(),
    ]);
    let mut out = format!(
        "Synced organization {organization} in {} with {} Atlassian requests.\n\
         Wrote {} ({}, sync {}).\n\n{}",
        render::duration(report.elapsed),
        report.requests,
        written.path.display(),
        render::bytes(written.file_bytes),
        written.sync_id,
        table.render(),
    );
    if report.dropped_role_assignments > 0 {
        out.push_str(&format!(
            "\n{} role assignments were left out: no entitlement offers their role \
             (e.g. platform atlassian/user).\n",
            report.dropped_role_assignments
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::time::Duration;

    use connector::Counts;

    use super::*;

    #[test]
    fn summary_names_the_file_its_size_and_the_counts_per_type() {
        let counts = |resources, entitlements, grants| Counts {
            resources,
            entitlements,
            grants,
        };
        let report = SyncReport {
            counts: BTreeMap::from([
                ("group".to_owned(), counts(3, 3, 9)),
                ("user".to_owned(), counts(10, 0, 4)),
            ]),
            requests: 42,
            elapsed: Duration::from_millis(1500),
            dropped_role_assignments: 2,
        };
        let written = c1z::Summary {
            path: PathBuf::from("out/sync.c1z"),
            sync_id: "2abcdefghijklmnopqrstuvwxyz".into(),
            counts: c1z::Counts::default(),
            database_bytes: 0,
            file_bytes: 2048,
        };
        let text = summary("org-1", &report, &written);
        assert!(text.starts_with(
            "Synced organization org-1 in 1.5 s with 42 Atlassian requests.\n\
             Wrote out/sync.c1z (2.0 KiB, sync 2abcdefghijklmnopqrstuvwxyz).\n"
        ));
        assert!(
            text.contains("  RESOURCE TYPE  RESOURCES  ENTITLEMENTS  GRANTS\n"),
            "{text}"
        );
        assert!(
            text.contains("  group                  3             3       9\n"),
            "{text}"
        );
        assert!(
            text.contains("  total                 13             3      13\n"),
            "{text}"
        );
        assert!(text.contains("2 role assignments were left out"), "{text}");
    }
}
