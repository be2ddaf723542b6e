//! End to end: the real `baton-atlassian` binary syncs an organization served by the
//! Atlassian simulator (started in this test's runtime on a loopback port) into a `.c1z`
//! file, which is read back and compared id for id with the simulator's ground truth.

#[path = "support/binary.rs"]
mod binary;
#[path = "support/expected.rs"]
mod expected;

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::Path;

use c1z::{C1zReader, GrantFilter, SyncRun};
use expected::{Expected, expected_from_ground_truth, teams_site_id};
use sim::atlassian::{AtlassianSim, Fault, OrgSpec, SimConfig, endpoints as ep};

/// Users of the simulated organization (with its groups, workspaces, teams and tokens).
const USERS: usize = 200;

async fn start_sim(seed: u64) -> AtlassianSim {
    let config = SimConfig {
        org: OrgSpec { users: USERS, seed },
        ..SimConfig::default()
    };
    AtlassianSim::start(config).await.expect("simulator starts")
}

/// The variables that point the binary at `sim`, with or without the Teams settings.
fn sim_env(sim: &AtlassianSim, with_teams: bool) -> Vec<(&'static str, String)> {
    let credentials = sim.credentials();
    let mut env = vec![
        ("BATON_BASE_URL", sim.base_url().to_string()),
        ("BATON_ORGANIZATION_ID", sim.org_id()),
        ("BATON_ACCESS_TOKEN", credentials.api_key.clone()),
    ];
    if with_teams {
        env.extend([
            ("BATON_TEAMS_EMAIL", credentials.teams_email.clone()),
            ("BATON_TEAMS_API_TOKEN", credentials.teams_api_token.clone()),
            ("BATON_TEAMS_SITE_ID", teams_site_id(&sim.snapshot())),
        ]);
    }
    env
}

/// The ids stored in a `.c1z`; fails if any object is stored twice.
fn contents(path: &Path) -> Expected {
    let reader = C1zReader::open(path).expect("the file opens");
    let resources: Vec<(String, String)> = reader
        .resources(None)
        .map(|r| {
            let id = r.unwrap().id.unwrap();
            (id.resource_type, id.resource)
        })
        .collect();
    let entitlements: Vec<String> = reader.entitlements(None).map(|e| e.unwrap().id).collect();
    let grants: Vec<String> = reader
        .grants(&GrantFilter::default())
        .map(|g| g.unwrap().grant.id)
        .collect();
    let ids = Expected {
        resources: resources.iter().cloned().collect(),
        entitlements: entitlements.iter().cloned().collect(),
        grants: grants.iter().cloned().collect(),
    };
    assert_eq!(
        (resources.len(), entitlements.len(), grants.len()),
        (
            ids.resources.len(),
            ids.entitlements.len(),
            ids.grants.len()
        ),
        "an object is stored twice"
    );
    ids
}

/// The file's only sync run.
fn sync_run(path: &Path) -> SyncRun {
    let mut runs = C1zReader::open(path).unwrap().sync_runs().unwrap();
    assert_eq!(runs.len(), 1, "one sync per file");
    runs.remove(0)
}

/// Compares two sets of ids, showing a few of the differences.
fn assert_same(actual: &Expected, expected: &Expected) {
    fn same<T: Ord + Debug>(what: &str, actual: &BTreeSet<T>, expected: &BTreeSet<T>) {
        let missing: Vec<&T> = expected.difference(actual).take(10).collect();
        let extra: Vec<&T> = actual.difference(expected).take(10).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{what}: missing {missing:?}, extra {extra:?}"
        );
    }
    same("resources", &actual.resources, &expected.resources);
    same("entitlements", &actual.entitlements, &expected.entitlements);
    same("grants", &actual.grants, &expected.grants);
}

/// The kinds of resources in a set of ids.
fn kinds(ids: &Expected) -> BTreeSet<&str> {
    ids.resources
        .iter()
        .map(|(kind, _)| kind.as_str())
        .collect()
}

/// The numbers of the summary's `total` row: resources, entitlements, grants.
fn summary_totals(stdout: &str) -> Vec<usize> {
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .expect("a total row");
    line.split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_writes_every_object_of_the_organization_once_and_nothing_else() {
    let sim = start_sim(3).await;
    let expected = expected_from_ground_truth(&sim.snapshot(), &sim.org_id(), true);
    assert_eq!(
        kinds(&expected),
        BTreeSet::from([
            "api_token",
            "group",
            "organization",
            "team",
            "user",
            "workspace"
        ]),
        "the organization has every kind of object"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("org.c1z");
    let secrets = [
        sim.credentials().api_key.clone(),
        sim.credentials().teams_api_token.clone(),
    ];

    let run = binary::run(
        &["--file", file.to_str().unwrap(), "--log-level", "debug"],
        sim_env(&sim, true),
    )
    .await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let synced = contents(&file);
    assert_same(&synced, &expected);
    let run_row = sync_run(&file);
    assert_eq!(run_row.sync_type, "full");
    assert!(run_row.ended_at.is_some(), "the sync is finished");
    assert!(
        run.stdout.contains(&format!("Wrote {} (", file.display())),
        "{}",
        run.stdout
    );
    assert_eq!(
        summary_totals(&run.stdout),
        [
            expected.resources.len(),
            expected.entitlements.len(),
            expected.grants.len()
        ]
    );
    for line in run.stderr.lines() {
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
        assert!(
            parsed.is_ok_and(|v| v.is_object()),
            "a log line that is not a JSON object: {line}"
        );
    }
    for secret in &secrets {
        assert!(
            !run.stderr.contains(secret.as_str()) && !run.stdout.contains(secret.as_str()),
            "a secret was printed"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_teams_settings_the_default_file_in_the_working_directory_has_no_teams() {
    let sim = start_sim(5).await;
    let expected = expected_from_ground_truth(&sim.snapshot(), &sim.org_id(), false);
    let dir = tempfile::tempdir().unwrap();
    let mut command = binary::command();
    command.current_dir(dir.path()).envs(sim_env(&sim, false));

    let run = binary::finish(command).await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let synced = contents(&dir.path().join("sync.c1z"));
    assert!(!kinds(&synced).contains("team"));
    assert_same(&synced, &expected);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_through_rate_limits_and_server_errors_writes_the_same_content() {
    let sim = start_sim(7).await;
    let expected = expected_from_ground_truth(&sim.snapshot(), &sim.org_id(), true);
    let faults = [
        (ep::USERS, Fault::error(429).retry_after(0).times(3)),
        (
            ep::USER_ROLE_ASSIGNMENTS,
            Fault::error(503).retry_after(0).times(5),
        ),
        (ep::GROUP_ROLE_ASSIGNMENTS, Fault::error(500).times(2)),
        (ep::WORKSPACES, Fault::error(502).times(1)),
        (ep::TEAMS, Fault::error(429).retry_after(1).times(1)),
    ];
    for (endpoint, fault) in faults.clone() {
        sim.set_fault(endpoint, fault);
    }
    // Every tenth request of the other endpoints (organization, groups, tokens, team members).
    sim.set_fault("*", Fault::error(503).retry_after(0).rate(0.1));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("faulty.c1z");
    let mut env = sim_env(&sim, true);
    env.push(("BATON_FILE", file.display().to_string()));

    let run = binary::run(&["sync"], env).await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_same(&contents(&file), &expected);
    let stats = sim.stats();
    for (endpoint, fault) in faults {
        let served = stats.by_endpoint[endpoint]
            .by_status
            .get(&fault.status)
            .copied();
        assert_eq!(
            served, fault.remaining,
            "{endpoint}: every injected failure was served"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_entitlements_and_grants_from_the_environment_writes_resources_only() {
    let sim = start_sim(11).await;
    let expected = expected_from_ground_truth(&sim.snapshot(), &sim.org_id(), true);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("resources.c1z");
    let mut env = sim_env(&sim, true);
    env.push(("BATON_SKIP_ENTITLEMENTS_AND_GRANTS", "true".into()));

    let run = binary::run(&["-f", file.to_str().unwrap()], env).await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let synced = contents(&file);
    assert_same(
        &synced,
        &Expected {
            resources: expected.resources,
            ..Expected::default()
        },
    );
    assert_eq!(sync_run(&file).sync_type, "resources_only");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_type_filter_syncs_only_the_named_types() {
    let sim = start_sim(13).await;
    let expected = expected_from_ground_truth(&sim.snapshot(), &sim.org_id(), false);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("filtered.c1z");

    let args = [
        "sync",
        "-f",
        file.to_str().unwrap(),
        "--sync-resource-types",
        "workspace,organization",
        "--skip-grants",
    ];
    let run = binary::run(&args, sim_env(&sim, false)).await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let synced = contents(&file);
    let wanted = |kind: &str| kind == "workspace" || kind == "organization";
    let expected = Expected {
        resources: expected
            .resources
            .into_iter()
            .filter(|(kind, _)| wanted(kind))
            .collect(),
        entitlements: expected
            .entitlements
            .into_iter()
            .filter(|e| wanted(e.split(':').next().unwrap()))
            .collect(),
        grants: BTreeSet::new(),
    };
    assert!(!expected.entitlements.is_empty());
    assert_same(&synced, &expected);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targeted_sync_of_one_group_writes_a_partial_sync_of_that_group() {
    let sim = start_sim(17).await;
    let truth = sim.snapshot();
    let expected = expected_from_ground_truth(&truth, &sim.org_id(), false);
    let group = &truth
        .groups
        .iter()
        .find(|g| truth.members_of(&g.id).next().is_some())
        .expect("a group with members")
        .id;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targeted.c1z");
    let target = format!("bid:r:group/{group}");

    let run = binary::run(
        &["-f", file.to_str().unwrap(), "--sync-resources", &target],
        sim_env(&sim, false),
    )
    .await;

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let synced = contents(&file);
    assert_eq!(
        synced.resources,
        BTreeSet::from([("group".to_owned(), group.clone())])
    );
    assert_eq!(
        synced.entitlements,
        BTreeSet::from([format!("group:{group}:member")])
    );
    let memberships: BTreeSet<String> = expected
        .grants
        .iter()
        .filter(|g| g.starts_with(&format!("group:{group}:member:")))
        .cloned()
        .collect();
    assert!(!memberships.is_empty());
    assert!(synced.grants.is_superset(&memberships));
    assert!(synced.grants.is_subset(&expected.grants));
    assert_eq!(sync_run(&file).sync_type, "partial");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_api_key_fails_with_one_line_exit_code_1_and_no_file() {
    let sim = start_sim(19).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("never.c1z");
    let mut env = sim_env(&sim, false);
    env.retain(|(name, _)| *name != "BATON_ACCESS_TOKEN");
    env.push(("BATON_ACCESS_TOKEN", "not-the-right-key".into()));

    let run = binary::run(
        &["-f", file.to_str().unwrap(), "--log-format", "console"],
        env,
    )
    .await;

    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let line = run.error_line();
    assert!(line.starts_with("error: "), "{}", run.stderr);
    assert!(
        !run.stderr.contains("not-the-right-key"),
        "the key was printed: {}",
        run.stderr
    );
    assert!(!file.exists(), "no file is left behind");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "no temporary file is left behind"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_sync_with_exit_code_130_and_leaves_no_file() {
    let sim = start_sim(23).await;
    sim.set_fault("*", Fault::latency(std::time::Duration::from_millis(300)));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stopped.c1z");
    let mut command = binary::command();
    command
        .args(["-f", file.to_str().unwrap()])
        .envs(sim_env(&sim, false));
    command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("the binary starts");
    while sim.stats().total == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let pid = child.id().expect("still running").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the binary stops")
        .unwrap();

    assert_eq!(output.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.lines().last(),
        Some("error: interrupted before the sync finished; no file was written")
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "no file is left behind"
    );
    sim.shutdown().await;
}
