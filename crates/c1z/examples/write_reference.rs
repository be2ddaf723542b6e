//! Benchmark: writes the reference dataset (bench/reference-dataset.md) of N
//! users and prints one JSON line of figures.
//!
//! ```text
//! write_reference N [--out FILE] [--level L]   C1zWriter → .c1z (FILE kept if given)
//! write_reference N --baseline [--out FILE]    the same rows, plain rusqlite, one transaction, no compression
//! write_reference --read FILE                  C1zReader: open, then list and count every grant
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use c1_proto::c1::connector::v2::{Entitlement, Grant, Resource};
use c1z::reference::ReferenceDataset;
use c1z::{C1zReader, C1zWriter, GrantFilter, WriterOptions};
use prost::Message;
use rusqlite::{Connection, params};

type Failure = Box<dyn std::error::Error>;

enum Mode {
    Write { users: usize, level: i32 },
    Baseline { users: usize },
    Read,
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("write_reference: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), Failure> {
    let (mode, out) = parse_args(&args)?;
    match mode {
        Mode::Read => read(&out.ok_or("--read needs a file")?),
        Mode::Write { users, level } => with_output(out, "c1z", |path| write(users, level, path)),
        Mode::Baseline { users } => with_output(out, "db", |path| baseline(users, path)),
    }
}

fn parse_args(args: &[String]) -> Result<(Mode, Option<PathBuf>), Failure> {
    let usage = "usage: write_reference N [--out FILE] [--level L] [--baseline] | --read FILE";
    let (mut users, mut out, mut baseline, mut read) = (None, None, false, false);
    let mut level = 3;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--baseline" => baseline = true,
            "--out" => out = Some(PathBuf::from(args.next().ok_or(usage)?)),
            "--read" => {
                read = true;
                out = Some(PathBuf::from(args.next().ok_or(usage)?));
            }
            "--level" => level = args.next().ok_or(usage)?.parse()?,
            n => {
                users = Some(
                    n.replace(['_', ','], "")
                        .parse::<usize>()
                        .map_err(|_| usage)?,
                )
            }
        }
    }
    let mode = match (read, baseline, users) {
        (true, _, _) => Mode::Read,
        (false, true, Some(users)) => Mode::Baseline { users },
        (false, false, Some(users)) => Mode::Write { users, level },
        _ => return Err(usage.into()),
    };
    Ok((mode, out))
}

/// Runs `f` on `out`, or on a temporary file deleted afterwards.
fn with_output(
    out: Option<PathBuf>,
    extension: &str,
    f: impl FnOnce(&Path) -> Result<(), Failure>,
) -> Result<(), Failure> {
    match out {
        Some(path) => f(&path),
        None => {
            let dir = tempfile::tempdir()?;
            f(&dir.path().join(format!("reference.{extension}")))
        }
    }
}

fn write(users: usize, level: i32, path: &Path) -> Result<(), Failure> {
    let dataset = ReferenceDataset::new(users);
    let start = Instant::now();
    let options = WriterOptions {
        zstd_level: level,
        ..Default::default()
    };
    let mut writer = C1zWriter::create(path, options)?;
    for rt in dataset.resource_types() {
        writer.put_resource_type(&rt)?;
    }
    for resource in dataset.resources() {
        writer.put_resource(&resource)?;
    }
    for entitlement in dataset.entitlements() {
        writer.put_entitlement(&entitlement)?;
    }
    dataset.for_each_grant(|grant| writer.put_grant(grant))?;
    let put_seconds = start.elapsed().as_secs_f64();
    let summary = writer.finish()?;
    let seconds = start.elapsed().as_secs_f64();
    print_figures(
        "c1z",
        users,
        summary.counts.grants,
        seconds,
        summary.file_bytes,
        &format!(
            r#","put_seconds":{put_seconds:.3},"finish_seconds":{:.3},"database_bytes":{}"#,
            seconds - put_seconds,
            summary.database_bytes
        ),
    );
    Ok(())
}

/// The same rows into the same schema with plain rusqlite: default settings,
/// every index live, one transaction, plain inserts, no compression.
fn baseline(users: usize, path: &Path) -> Result<(), Failure> {
    let dataset = ReferenceDataset::new(users);
    let start = Instant::now();
    let mut conn = Connection::open(path)?;
    c1z::create_schema(&conn)?;
    let tx = conn.transaction()?;
    let sync_id = c1z::Ksuid::new().to_string();
    let now = c1z::now_sqlite_time();
    tx.execute(
        "insert into v1_sync_runs (sync_id, started_at, sync_token) values (?1, ?2, '')",
        params![sync_id, now],
    )?;
    let mut grants = 0u64;
    {
        let mut rt_stmt = tx.prepare(
            "insert into v1_resource_types (external_id, data, sync_id, discovered_at) values (?1, ?2, ?3, ?4)",
        )?;
        for rt in dataset.resource_types() {
            rt_stmt.execute(params![rt.id, rt.encode_to_vec(), sync_id, now])?;
        }
        let mut resource_stmt = tx.prepare(
            "insert into v1_resources (resource_type_id, external_id, data, sync_id, discovered_at) values (?1, ?2, ?3, ?4, ?5)",
        )?;
        for r in dataset.resources() {
            let id = resource_id(&r);
            resource_stmt.execute(params![
                id.0,
                format!("{}:{}", id.0, id.1),
                r.encode_to_vec(),
                sync_id,
                now
            ])?;
        }
        let mut entitlement_stmt = tx.prepare(
            "insert into v1_entitlements (resource_type_id, resource_id, external_id, data, sync_id, discovered_at) values (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for e in dataset.entitlements() {
            let id = entitlement_resource(&e);
            entitlement_stmt.execute(params![id.0, id.1, e.id, e.encode_to_vec(), sync_id, now])?;
        }
        let mut grant_stmt = tx.prepare(
            "insert into v1_grants (resource_type_id, resource_id, entitlement_id, principal_resource_type_id, principal_resource_id, external_id, data, sync_id, discovered_at) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        dataset.for_each_grant(|g: &Grant| -> Result<(), Failure> {
            let entitlement = g.entitlement.as_ref().ok_or("grant without entitlement")?;
            let resource = entitlement_resource(entitlement);
            let principal = resource_id(g.principal.as_ref().ok_or("grant without principal")?);
            grant_stmt.execute(params![
                resource.0,
                resource.1,
                entitlement.id,
                principal.0,
                principal.1,
                g.id,
                g.encode_to_vec(),
                sync_id,
                now
            ])?;
            grants += 1;
            Ok(())
        })?;
    }
    tx.commit()?;
    conn.close().map_err(|(_, e)| e)?;
    let seconds = start.elapsed().as_secs_f64();
    let file_bytes = std::fs::metadata(path)?.len();
    print_figures("baseline", users, grants, seconds, file_bytes, "");
    Ok(())
}

fn read(path: &Path) -> Result<(), Failure> {
    let start = Instant::now();
    let reader = C1zReader::open(path)?;
    let open_seconds = start.elapsed().as_secs_f64();
    let mut grants = 0u64;
    for grant in reader.grants(&GrantFilter::default()) {
        grant?;
        grants += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    let file_bytes = std::fs::metadata(path)?.len();
    print_figures(
        "read",
        0,
        grants,
        seconds,
        file_bytes,
        &format!(
            r#","open_seconds":{open_seconds:.3},"list_seconds":{:.3}"#,
            seconds - open_seconds
        ),
    );
    Ok(())
}

fn resource_id(r: &Resource) -> (&str, &str) {
    r.id.as_ref()
        .map_or(("", ""), |id| (&id.resource_type, &id.resource))
}

fn entitlement_resource(e: &Entitlement) -> (&str, &str) {
    e.resource.as_ref().map_or(("", ""), resource_id)
}

fn print_figures(
    mode: &str,
    users: usize,
    grants: u64,
    seconds: f64,
    file_bytes: u64,
    extra: &str,
) {
    println!(
        r#"{{"mode":"{mode}","users":{users},"grants":{grants},"seconds":{seconds:.3},"grants_per_sec":{:.0},"peak_rss_kib":{},"file_bytes":{file_bytes}{extra}}}"#,
        grants as f64 / seconds,
        peak_rss_kib()
    );
}

/// VmHWM (peak resident set) of this process, KiB; 0 where /proc is absent.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}
