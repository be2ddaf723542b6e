//! End to end: the real `baton-atlassian` binary configured by a YAML file
//! (`--config-file` or `BATON_CONFIG_FILE`) whose keys are the long option names. A
//! variable wins over the file and a flag over both; one file drives a sync against the
//! Atlassian simulator (lists, booleans, numbers) and `inspect` (its own options); the
//! service runs from a file under blank variables (which count as unset) and carries out
//! a grant; wrong keys and unreadable files stop start-up with exit code 2, naming the
//! file and the key.

#[path = "support/binary.rs"]
mod binary;
#[path = "support/grants.rs"]
mod grants;
#[path = "support/service.rs"]
mod service;

use std::path::{Path, PathBuf};

use grants::{PROVISIONING, grant_task, holds, workspace_and_user};
use serde_json::Value;
use service::Harness;
use sim::atlassian::{AtlassianSim, OrgSpec, SimConfig};

const NO_ENV: [(&str, &str); 0] = [];

/// Writes `yaml` to `name` in `dir`.
fn write(dir: &Path, name: &str, yaml: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, yaml).unwrap();
    path
}

/// A YAML double-quoted scalar of `value` (JSON strings are valid YAML).
fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap()
}

#[tokio::test]
async fn a_variable_wins_over_the_file_and_a_flag_over_both() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "baton.yaml",
        "organization-id: org-1\naccess-token: key-1\nmax-concurrency: from-the-file\n",
    );
    let file = file.to_str().unwrap();
    let error_of = |run: binary::Run| {
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        run.error_line().to_owned()
    };
    let expected = |value: &str| {
        format!(
            "error: invalid --max-concurrency (BATON_MAX_CONCURRENCY): expected a whole number \
             from 1 to 256, got '{value}'"
        )
    };
    let from_file = binary::run(&["sync", "--config-file", file], NO_ENV).await;
    assert_eq!(error_of(from_file), expected("from-the-file"));
    let variable = [
        ("BATON_CONFIG_FILE", file),
        ("BATON_MAX_CONCURRENCY", "from-the-variable"),
    ];
    let from_variable = binary::run(&["sync"], variable).await;
    assert_eq!(error_of(from_variable), expected("from-the-variable"));
    let from_flag = binary::run(&["sync", "--max-concurrency", "from-the-flag"], variable).await;
    assert_eq!(error_of(from_flag), expected("from-the-flag"));
}

#[tokio::test]
async fn one_file_drives_a_sync_with_lists_booleans_and_numbers_and_then_inspect() {
    let sim = AtlassianSim::start(SimConfig {
        org: OrgSpec {
            users: 30,
            seed: 71,
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("from-file.c1z");
    let yaml = format!(
        "# both spellings of the keys work\n\
         base_url: {}\norganization-id: {}\naccess-token: {}\nfile: {}\n\
         sync-resource-types: [user, group]\nskip-grants: true\nmax_concurrency: 2\n\
         log-format: console\njson: true\n",
        quoted(sim.base_url().as_str()),
        quoted(&sim.org_id()),
        quoted(&sim.credentials().api_key),
        quoted(output.to_str().unwrap()),
    );
    let file = write(dir.path(), "baton.yaml", &yaml);
    let file = file.to_str().unwrap();

    let sync = binary::run(&["--config-file", file], NO_ENV).await;
    assert_eq!(sync.code, Some(0), "{}", sync.stderr);
    assert!(
        !sync.stderr.trim_start().starts_with('{'),
        "console logs: {}",
        sync.stderr
    );
    let inspect = binary::run(
        &["inspect", output.to_str().unwrap(), "--config-file", file],
        NO_ENV,
    )
    .await;
    assert_eq!(inspect.code, Some(0), "{}", inspect.stderr);
    let summary: Value = serde_json::from_str(&inspect.stdout).expect("`json: true` applies");
    let mut types: Vec<&str> = summary["resourceTypes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["resources"].as_u64() > Some(0))
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    assert_eq!(types, ["group", "user"], "{summary}");
    assert_eq!(summary["totals"]["grants"], 0, "skip-grants: true");
    assert!(summary["totals"]["entitlements"].as_u64() > Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_runs_from_the_file_under_blank_variables_and_carries_out_a_grant() {
    let harness = Harness::start(72).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let settings: Vec<(String, String)> = harness
        .env()
        .into_iter()
        .chain([PROVISIONING].map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    // Every variable as a key in the `_` spelling, plus durations and numbers.
    let mut yaml: String = settings
        .iter()
        .map(|(variable, value)| {
            let key = variable.trim_start_matches("BATON_").to_ascii_lowercase();
            format!("{key}: {}\n", quoted(value))
        })
        .collect();
    yaml.push_str("task-concurrency: 2\nshutdown-grace: 5s\npoll-floor: 10ms\n");
    let file = write(harness.dir.path(), "baton.yaml", &yaml);
    let file = file.to_str().unwrap();
    // The same variables, blank: they count as unset and leave the file's values.
    let mut env: Vec<(&str, &str)> = settings.iter().map(|(k, _)| (k.as_str(), "")).collect();
    env.push(("BATON_CONFIG_FILE", file));
    let daemon = harness.spawn(&env);

    let task_id = harness.c1.push_task(grant_task(&workspace, &user));
    let finish = harness.finish_of(&task_id, &daemon).await;
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    assert!(holds(&harness.atlassian.snapshot(), &user, &workspace));
    let stopped = daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    assert!(
        stopped.log.contains("registered with ConductorOne"),
        "{}",
        stopped.log
    );
}

#[tokio::test]
async fn wrong_keys_and_unreadable_files_stop_start_up_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = write(
        dir.path(),
        "wrong.yaml",
        "orgnization-id: org-1\nlog-level: [info, debug]\n",
    );
    let run = binary::run(&["--config-file", wrong.to_str().unwrap()], NO_ENV).await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let path = wrong.display();
    assert_eq!(
        run.error_line(),
        format!(
            "error: `log-level` in {path}: expected one value, got a list; unknown key \
             `orgnization-id` in {path}: no such option; see --help"
        )
    );

    let malformed = write(dir.path(), "malformed.yaml", "organization-id: [unclosed\n");
    let run = binary::run(&["sync"], [("BATON_CONFIG_FILE", &malformed)]).await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.error_line().starts_with(&format!(
            "error: the configuration file {} is not a YAML mapping of option names: ",
            malformed.display()
        )),
        "{}",
        run.stderr
    );

    let absent = dir.path().join("absent.yaml");
    let run = binary::run(
        &["capabilities", "--config-file", absent.to_str().unwrap()],
        NO_ENV,
    )
    .await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.error_line().starts_with(&format!(
            "error: cannot read the configuration file {}: ",
            absent.display()
        )),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn help_documents_the_file_and_its_variable() {
    let run = binary::run(&["--help"], NO_ENV).await;
    assert_eq!(run.code, Some(0));
    assert!(
        run.stdout.contains("--config-file <PATH>"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[env: BATON_CONFIG_FILE"),
        "{}",
        run.stdout
    );
    let serve = binary::run(&["serve", "--help"], NO_ENV).await;
    assert!(
        serve.stdout.contains("--config-file <PATH>"),
        "{}",
        serve.stdout
    );
}
