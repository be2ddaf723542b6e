//! `atlassian-sim`: serves a generated Atlassian organization until Ctrl-C.

use std::net::{IpAddr, SocketAddr};

use clap::Parser;
use sim::atlassian::{AtlassianSim, OrgSpec, RateLimit, SimConfig};

/// Serve a simulated Atlassian organization (admin API, user management, SCIM, Teams) on
/// a local port, from a deterministic generated org. Prints the base URL, the org id and
/// the credentials to use.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Number of accounts to generate (groups, workspaces, teams scale with it).
    #[arg(long, default_value_t = 1000)]
    users: usize,
    /// Generator seed: the same users + seed always give the same organization.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Requests per second allowed per credential (token bucket; burst = the same number).
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Answer roles/assign, roles/revoke and the v1 invite with 403, as for an org where
    /// Atlassian Support has not enabled them.
    #[arg(long)]
    restricted_endpoints_off: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args = Args::parse();
    let config = SimConfig {
        org: OrgSpec {
            users: args.users,
            seed: args.seed,
        },
        rate_limit: args.rate_limit.map(|n| RateLimit {
            per_second: f64::from(n),
            burst: n.max(1),
        }),
        restricted_endpoints_enabled: !args.restricted_endpoints_off,
        ..SimConfig::default()
    };
    let sim = AtlassianSim::start_on(config, SocketAddr::new(args.host, args.port)).await?;
    let credentials = sim.credentials();
    println!("Atlassian simulator listening on {}", sim.base_url());
    println!("  org id:          {}", sim.org_id());
    println!(
        "  org API key:     {} (Authorization: Bearer)",
        credentials.api_key
    );
    println!(
        "  scoped API key:  {} (refused where the real service refuses scoped keys)",
        credentials.scoped_api_key
    );
    println!(
        "  teams (Basic):   {}:{}",
        credentials.teams_email, credentials.teams_api_token
    );
    println!(
        "  SCIM token:      {} (Authorization: Bearer)",
        credentials.scim_token
    );
    if let Some(site) = sim.snapshot().workspaces.first() {
        println!("  site id:         {} (for Teams: siteId)", site.cloud_id);
    }
    println!(
        "  admin:           {}__sim/stats, {}__sim/state",
        sim.base_url(),
        sim.base_url()
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
