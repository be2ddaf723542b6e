//! Client listing: the Atlassian client lists every user of a simulated organization
//! (`examples/list_users_bench`); its speed, its requests against the fewest possible
//! (one per page of 100) and the requests the simulator saw, its peak RSS.

use serde::Deserialize;
use sim::atlassian::endpoints as ep;

use super::{Context, progress};
use crate::minimum::listed_users;
use bench::measure;
use bench::report::{Line, Row, Target, Unit};
use bench::table;

/// The example, below the binaries' folder.
const PROGRAM: &str = "examples/list_users_bench";

/// The example's JSON line (the fields the bench reads).
#[derive(Debug, Deserialize)]
struct Figures {
    /// Users listed.
    items: u64,
    /// Users listed per second of listing.
    items_per_sec: f64,
    /// Requests the client issued.
    requests: u64,
    /// `ceil(items / 100)`: one request per full page.
    min_requests: u64,
}

/// Lists an organization of `users` accounts through the client.
pub fn run(context: &Context, users: usize) -> Vec<Line> {
    let section = format!("client {}", table::users(users));
    let program = match context.program(PROGRAM) {
        Ok(program) => program,
        Err(reason) => return vec![Line::Skipped { section, reason }],
    };
    match measure_listing(context, &program, users, &section) {
        Ok(rows) => rows.into_iter().map(Line::Figure).collect(),
        Err(error) => vec![Line::Failed {
            section,
            error: format!("{error:#}"),
        }],
    }
}

fn measure_listing(
    context: &Context,
    program: &std::path::Path,
    users: usize,
    section: &str,
) -> anyhow::Result<Vec<Row>> {
    progress(section, "starting the simulator");
    let sim = context.start_sim(users)?;
    let listed = listed_users(&sim.snapshot()).len();
    let mut command = measure::command(program);
    command
        .env("ATLASSIAN_BASE_URL", sim.base_url().as_str())
        .env("ATLASSIAN_API_KEY", &sim.credentials().api_key)
        .env("ATLASSIAN_ORG_ID", sim.org_id());
    sim.reset_stats();
    progress(section, &format!("listing {listed} users"));
    let measured = context.measure(&command);
    let stats = sim.stats();
    context.stop_sim(sim);
    let measured = measured?;
    let figures: Figures = serde_json::from_str(measured.last_line())?;

    let row = |what: &str, unit, ours: u64| Row::info(section, what, unit, ours as f64);
    Ok(vec![
        row("users listed", Unit::Count, figures.items).against(listed as f64, Target::Equal),
        Row::info(
            section,
            "listing speed",
            Unit::PerSecond,
            figures.items_per_sec,
        ),
        row(
            "requests vs one per 100 users",
            Unit::Count,
            figures.requests,
        )
        .against(figures.min_requests as f64, Target::AtMost(1.0)),
        row(
            "requests the simulator saw",
            Unit::Count,
            stats.requests(ep::USERS),
        )
        .against(figures.requests as f64, Target::Equal),
        row("peak RSS", Unit::Bytes, measured.peak_rss_bytes),
    ])
}
