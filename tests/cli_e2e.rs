//! End to end: the real `baton-atlassian` binary's command line: configuration from flags
//! and `BATON_*` variables with errors naming both, exit codes, help, `capabilities`, and
//! `inspect` on `.c1z` files written by ConductorOne's Go SDK.

#[path = "support/binary.rs"]
mod binary;

use std::path::PathBuf;

use serde_json::Value;

const NO_ENV: [(&str, &str); 0] = [];

/// The settings every sync and `capabilities` need, as variables.
const REQUIRED: [(&str, &str); 2] = [
    ("BATON_ORGANIZATION_ID", "org-1"),
    ("BATON_ACCESS_TOKEN", "key-1"),
];

/// A file of `tests/fixtures/baton-sdk`.
fn fixture(name: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "tests",
        "fixtures",
        "baton-sdk",
        name,
    ]
    .iter()
    .collect();
    path.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn without_settings_a_sync_stops_with_exit_code_2_naming_the_flag_and_the_variable() {
    let run = binary::run(&[], NO_ENV).await;
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.error_line(),
        "error: missing --organization-id (BATON_ORGANIZATION_ID): the Atlassian organization to sync"
    );
    assert!(run.stdout.is_empty());

    let run = binary::run(&["sync", "--organization-id", "org-1"], NO_ENV).await;
    assert_eq!(run.code, Some(2));
    assert!(
        run.error_line()
            .starts_with("error: missing --access-token (BATON_ACCESS_TOKEN): "),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn malformed_variables_stop_start_up_with_exit_code_2_naming_the_flag_and_the_variable() {
    let cases = [
        (
            "BATON_MAX_CONCURRENCY",
            "lots",
            "error: invalid --max-concurrency (BATON_MAX_CONCURRENCY): ",
        ),
        (
            "BATON_SYNC_LAST_ACTIVE",
            "perhaps",
            "error: invalid --sync-last-active (BATON_SYNC_LAST_ACTIVE): ",
        ),
        (
            "BATON_BASE_URL",
            "api.atlassian.com",
            "error: invalid --base-url (BATON_BASE_URL): ",
        ),
        (
            "BATON_LOG_FORMAT",
            "xml",
            "error: invalid --log-format (BATON_LOG_FORMAT): ",
        ),
        (
            "BATON_SYNC_RESOURCES",
            "group/g-1",
            "error: invalid --sync-resources (BATON_SYNC_RESOURCES): ",
        ),
        (
            "BATON_TEAMS_EMAIL",
            "a@example.com",
            "error: missing --teams-api-token (BATON_TEAMS_API_TOKEN): ",
        ),
    ];
    for (variable, value, expected) in cases {
        let run = binary::run(&[], REQUIRED.into_iter().chain([(variable, value)])).await;
        assert_eq!(run.code, Some(2), "{variable}: {}", run.stderr);
        assert!(
            run.error_line().starts_with(expected),
            "{variable}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("key-1"),
            "the access token was printed"
        );
    }
}

#[tokio::test]
async fn a_flag_wins_over_its_variable() {
    // The malformed variable is overridden, so the next problem reported is the missing id.
    let env = [("BATON_LOG_FORMAT", "xml"), ("BATON_ACCESS_TOKEN", "key-1")];
    let run = binary::run(&["--log-format", "console"], env).await;
    assert_eq!(run.code, Some(2));
    assert!(
        run.error_line()
            .starts_with("error: missing --organization-id (BATON_ORGANIZATION_ID)"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn help_documents_every_option_with_its_variable_and_never_shows_a_secret() {
    let env = [
        ("BATON_ACCESS_TOKEN", "secret-key-value"),
        ("BATON_TEAMS_API_TOKEN", "secret-teams-value"),
    ];
    let run = binary::run(&["--help"], env).await;
    assert_eq!(run.code, Some(0));
    for variable in [
        "BATON_FILE",
        "BATON_ACCESS_TOKEN",
        "BATON_ORGANIZATION_ID",
        "BATON_SCIM_TOKEN",
        "BATON_SCIM_BASE_URL",
        "BATON_BASE_URL",
        "BATON_TEAMS_EMAIL",
        "BATON_TEAMS_API_TOKEN",
        "BATON_TEAMS_SITE_ID",
        "BATON_SYNC_LAST_ACTIVE",
        "BATON_MAX_CONCURRENCY",
        "BATON_LOG_LEVEL",
        "BATON_LOG_FORMAT",
        "BATON_SKIP_ENTITLEMENTS_AND_GRANTS",
        "BATON_SKIP_GRANTS",
        "BATON_SYNC_RESOURCE_TYPES",
        "BATON_SYNC_RESOURCES",
    ] {
        assert!(
            run.stdout.contains(&format!("[env: {variable}")),
            "{variable} is not documented"
        );
    }
    for command in ["sync", "capabilities", "inspect"] {
        assert!(
            run.stdout.contains(&format!("  {command} ")),
            "{command} is not listed"
        );
    }
    assert!(!run.stdout.contains("secret-key-value") && !run.stdout.contains("secret-teams-value"));
}

#[tokio::test]
async fn capabilities_prints_the_go_connectors_json_and_adds_team_with_teams_settings() {
    let run = binary::run(&["capabilities"], REQUIRED).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(
        json["@type"],
        "type.googleapis.com/c1.connector.v2.ConnectorCapabilities"
    );
    let ids = |json: &Value| -> Vec<String> {
        json["resourceTypeCapabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["resourceType"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&json),
        ["api_token", "group", "organization", "user", "workspace"]
    );
    assert_eq!(
        json["connectorCapabilities"],
        serde_json::json!([
            "CAPABILITY_PROVISION",
            "CAPABILITY_SYNC",
            "CAPABILITY_ACCOUNT_PROVISIONING",
            "CAPABILITY_RESOURCE_DELETE",
            "CAPABILITY_ACTIONS"
        ])
    );

    let teams = [
        ("BATON_TEAMS_EMAIL", "a@example.com"),
        ("BATON_TEAMS_API_TOKEN", "t"),
        ("BATON_TEAMS_SITE_ID", "s"),
    ];
    let run = binary::run(&["capabilities"], REQUIRED.into_iter().chain(teams)).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(
        ids(&json),
        [
            "api_token",
            "group",
            "organization",
            "team",
            "user",
            "workspace"
        ]
    );
}

#[tokio::test]
async fn capabilities_without_settings_stops_with_exit_code_2() {
    let run = binary::run(&["capabilities"], [("BATON_ACCESS_TOKEN", "key-1")]).await;
    assert_eq!(run.code, Some(2));
    assert!(
        run.error_line()
            .starts_with("error: missing --organization-id (BATON_ORGANIZATION_ID)")
    );
}

/// The fixtures' counts as their README gives them: resource types, resources,
/// entitlements, grants, and whether the sync run ended.
const FIXTURES: [(&str, [u64; 4], bool); 4] = [
    ("sync-in-progress.c1z", [5, 79, 0, 0], false),
    (
        "sync.36zfOAoWMxQdISbixanQCRBiX7E.unexpanded.c1z",
        [4, 1221, 342, 2909],
        false,
    ),
    (
        "sync.36zfOAoWMxQdISbixanQCRBiX7E.expanded.c1z",
        [4, 1221, 342, 14981],
        true,
    ),
    (
        "sync.36zGvJw3uxU1QMJKU2yPVQ1hBOC.unexpanded.c1z",
        [4, 35217, 334, 66601],
        false,
    ),
];

#[tokio::test]
async fn inspect_json_gives_the_counts_of_go_sdk_files() {
    for (name, [types, resources, entitlements, grants], ended) in FIXTURES {
        let run = binary::run(&["inspect", &fixture(name), "--json"], NO_ENV).await;
        assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
        let json: Value = serde_json::from_str(&run.stdout).expect("valid JSON");
        let totals = &json["totals"];
        let got = ["resourceTypes", "resources", "entitlements", "grants"]
            .map(|k| totals[k].as_u64().unwrap());
        assert_eq!(got, [types, resources, entitlements, grants], "{name}");
        let per_type: u64 = json["resourceTypes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["resources"].as_u64().unwrap())
            .sum();
        assert_eq!(per_type, resources, "{name}");
        let runs = json["syncRuns"].as_array().unwrap();
        assert_eq!(runs.len(), 1, "{name}");
        assert_eq!(!runs[0]["endedAt"].is_null(), ended, "{name}");
    }
}

#[tokio::test]
async fn inspect_prints_the_counts_and_first_rows_of_a_go_sdk_file() {
    let run = binary::run(
        &[
            "inspect",
            &fixture("sync.36zfOAoWMxQdISbixanQCRBiX7E.expanded.c1z"),
        ],
        NO_ENV,
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out = &run.stdout;
    let total: Vec<&str> = out
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(total, ["total", "1221", "342", "14981"]);
    assert!(out.contains("36zfOAoWMxQdISbixanQCRBiX7E  full"), "{out}");
    for heading in [
        "Resources (20 of 1221)",
        "Entitlements (20 of 342)",
        "Grants (20 of 14981)",
    ] {
        assert!(out.contains(heading), "{heading} missing in:\n{out}");
    }
}

#[tokio::test]
async fn inspect_of_one_type_shows_only_rows_of_that_type() {
    let file = fixture("sync.36zfOAoWMxQdISbixanQCRBiX7E.expanded.c1z");
    let run = binary::run(
        &["inspect", &file, "--type", "group", "--limit", "3"],
        NO_ENV,
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.contains("Resources of type group (3 of 21)"), "{out}");
    assert!(
        out.contains("Entitlements of type group (3 of 42)"),
        "{out}"
    );
    let section = |heading: &str| -> Vec<String> {
        let start = out
            .find(heading)
            .unwrap_or_else(|| panic!("{heading} missing in:\n{out}"));
        out[start..]
            .lines()
            .skip(2)
            .take_while(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let resources = section("Resources of type group");
    assert_eq!(resources.len(), 3);
    assert!(
        resources
            .iter()
            .all(|row| row.trim_start().starts_with("group ")),
        "{resources:?}"
    );
    let grants = section("Grants on or to resources of type group");
    assert_eq!(grants.len(), 3);
    assert!(
        grants.iter().all(|row| row.contains("group:")),
        "{grants:?}"
    );
}

#[tokio::test]
async fn inspect_of_a_missing_file_fails_with_one_line_and_exit_code_1() {
    let run = binary::run(&["inspect", "no-such-file.c1z"], NO_ENV).await;
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.error_line()
            .starts_with("error: could not read no-such-file.c1z: "),
        "{}",
        run.stderr
    );
}
