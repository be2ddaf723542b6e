//! `c1-sim`: a simulated ConductorOne control plane that runs a task script against a
//! connector in service mode, then reports each task's outcome.

use std::fs;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use sim::controlplane::script::{self, TaskReport, TaskSpec};
use sim::controlplane::{ControlPlaneConfig, ControlPlaneSim};

/// Serve ConductorOne's service-mode API (BatonService gRPC and POST /auth/v1/token) over
/// TLS with a fresh test CA, hand out the tasks of a script one after another, and write a
/// report.
///
/// Files written to --out-dir: `host` (HOST:PORT to dial), `client-id`, `client-secret`
/// (mode 600), `ca.pem` (the CA to trust), `uploads/` (uploaded c1z files) and, at the end,
/// `report.json`. The files are written before "ready" is printed.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// JSON task script: [{"type":"sync_full"}, {"type":"grant","entitlement_id":"...",
    /// "principal":{"type":"user","id":"..."}}, ...]; types: sync_full, grant, revoke,
    /// create_account, hello, none, event_feed.
    #[arg(long)]
    tasks: PathBuf,
    /// Folder for the credentials, the CA, the uploads and the report.
    #[arg(long)]
    out_dir: PathBuf,
    /// Port to listen on (0 = any free port; read it from OUT_DIR/host).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    listen: IpAddr,
    /// Host name in the client id (the certificate covers 127.0.0.1 and localhost).
    #[arg(long, default_value = "127.0.0.1")]
    client_host: String,
    /// next_poll of GetTask answers, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    next_poll_ms: u64,
    /// next_heartbeat of Heartbeat answers, in seconds.
    #[arg(long, default_value_t = 30)]
    heartbeat_secs: u64,
    /// How long to wait for each task's outcome, in seconds.
    #[arg(long, default_value_t = 600)]
    task_timeout_secs: u64,
    /// After the script, keep serving until Ctrl-C.
    #[arg(long)]
    keep_serving: bool,
}

#[tokio::main]
async fn main() -> io::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(io::stderr)
        .init();
    let args = Args::parse();
    let specs = TaskSpec::parse_list(&fs::read_to_string(&args.tasks)?).map_err(|e| {
        io::Error::new(io::ErrorKind::InvalidData, format!("{:?}: {e}", args.tasks))
    })?;

    fs::create_dir_all(&args.out_dir)?;
    let config = ControlPlaneConfig {
        next_poll: Duration::from_millis(args.next_poll_ms),
        next_heartbeat: Duration::from_secs(args.heartbeat_secs),
        client_host: args.client_host.clone(),
        upload_dir: Some(args.out_dir.join("uploads")),
        ..ControlPlaneConfig::default()
    };
    let sim = ControlPlaneSim::start_on(config, SocketAddr::new(args.listen, args.port)).await?;
    let credentials = sim.issue_credentials();
    let out = |name: &str| args.out_dir.join(name);
    fs::write(out("host"), sim.host())?;
    fs::write(out("client-id"), &credentials.client_id)?;
    write_private(&out("client-secret"), &credentials.client_secret)?;
    sim.write_ca_pem(&out("ca.pem"))?;

    println!(
        "ConductorOne control-plane simulator: https://{}",
        sim.host()
    );
    println!("  client id:      {}", credentials.client_id);
    println!("  client secret:  {}", out("client-secret").display());
    println!("  CA certificate: {}", out("ca.pem").display());
    println!(
        "  tasks:          {} from {}",
        specs.len(),
        args.tasks.display()
    );
    println!("ready");
    io::stdout().flush()?;

    let timeout = Duration::from_secs(args.task_timeout_secs);
    let mut reports = Vec::with_capacity(specs.len());
    let interrupted = tokio::select! {
        () = script::run(&sim, &specs, timeout, &mut reports) => false,
        _ = tokio::signal::ctrl_c() => true,
    };
    let done = reports.len();
    reports.extend(
        specs
            .iter()
            .enumerate()
            .skip(done)
            .map(|(index, spec)| TaskReport::not_run(index, spec)),
    );
    fs::write(
        out("report.json"),
        serde_json::to_vec_pretty(&reports).map_err(io::Error::other)?,
    )?;
    print_table(&reports);
    println!("report: {}", out("report.json").display());

    if args.keep_serving && !interrupted {
        println!("serving until Ctrl-C");
        tokio::signal::ctrl_c().await?;
    }
    sim.shutdown().await;
    Ok(if reports.iter().all(TaskReport::completed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Writes a secret readable by its owner only.
fn write_private(path: &Path, secret: &str) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(secret.as_bytes())
}

/// One line per task: position, type, id, outcome, status, and what the task produced.
fn print_table(reports: &[TaskReport]) {
    println!(
        "{:>3}  {:<14}  {:<27}  {:<12}  {:<6}  details",
        "#", "type", "task id", "outcome", "code"
    );
    for r in reports {
        let details = match (&r.upload, &r.response_type, &r.status_message) {
            (Some(u), _, _) => format!(
                "c1z {} bytes: {} resources, {} entitlements, {} grants",
                u.bytes,
                count(u.resources),
                count(u.entitlements),
                count(u.grants)
            ),
            (None, _, Some(message)) if !message.is_empty() => message.clone(),
            (None, Some(type_url), _) => type_url.clone(),
            _ => String::new(),
        };
        println!(
            "{:>3}  {:<14}  {:<27}  {:<12}  {:<6}  {details}",
            r.index,
            r.kind,
            r.task_id.as_deref().unwrap_or("-"),
            r.outcome.to_string(),
            r.status_code.map_or("-".to_owned(), |c| c.to_string()),
        );
    }
}

/// A count, or `?` when the c1z could not be read.
fn count(n: Option<u64>) -> String {
    n.map_or("?".to_owned(), |n| n.to_string())
}
