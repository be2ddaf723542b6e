//! Lists every user of an already running Atlassian API (usually the simulator) through the
//! client and prints one JSON line:
//! `{"items", "seconds", "items_per_sec", "requests", "min_requests", "peak_rss_kib"}`.
//!
//! Usage: `list_users_bench [BASE_URL [API_KEY [ORG_ID]]]`, or the environment variables
//! `ATLASSIAN_BASE_URL`, `ATLASSIAN_API_KEY` and `ATLASSIAN_ORG_ID`. Without an org id the
//! first organization the key can see is used.

use std::time::Instant;

use atlassian::{ALL_DIRECTORIES, Client, Url, UserFilter};
use futures::TryStreamExt;

/// The `position`-th argument, else the environment variable `name`.
fn setting(position: usize, name: &str) -> Option<String> {
    std::env::args()
        .nth(position)
        .or_else(|| std::env::var(name).ok())
        .filter(|v| !v.is_empty())
}

/// Peak resident set size of this process (`VmHWM` of `/proc/self/status`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = Url::parse(&setting(1, "ATLASSIAN_BASE_URL").ok_or("set ATLASSIAN_BASE_URL")?)?;
    let api_key = setting(2, "ATLASSIAN_API_KEY").ok_or("set ATLASSIAN_API_KEY")?;
    let org_id = match setting(3, "ATLASSIAN_ORG_ID") {
        Some(org_id) => org_id,
        None => {
            let probe = Client::builder("", api_key.as_str())
                .base_url(base_url.clone())
                .build()?;
            let first = probe
                .orgs()
                .try_next()
                .await?
                .ok_or("the API key sees no organization")?;
            first.id
        }
    };
    let client = Client::builder(org_id, api_key)
        .base_url(base_url)
        .build()?;

    let started = Instant::now();
    let items = client
        .users(ALL_DIRECTORIES, &UserFilter::default())
        .try_fold(0u64, |count, _user| async move { Ok(count + 1) })
        .await?;
    let seconds = started.elapsed().as_secs_f64();

    let line = serde_json::json!({
        "items": items,
        "seconds": seconds,
        "items_per_sec": items as f64 / seconds,
        "requests": client.metrics().requests,
        "min_requests": items.div_ceil(100),
        "peak_rss_kib": peak_rss_kib(),
    });
    println!("{line}");
    Ok(())
}
