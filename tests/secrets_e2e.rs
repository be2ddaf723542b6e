//! Secret hygiene, end to end: the real binary runs full flows with distinctive secret
//! values (the ConductorOne client secret, the Atlassian organization key, the SCIM token,
//! the Teams email and token) at the most verbose log level, through successes and
//! failures (a sync, grants, an account created through SCIM, a Support-gated endpoint
//! refused, the Atlassian key revoked, ConductorOne tokens expired), and every log line,
//! `/metrics`, `/health` and `/ready` body, `check` output and message sent to ConductorOne
//! is searched: no secret may appear in any of them.

#[path = "support/binary.rs"]
mod binary;
#[path = "support/grants.rs"]
mod grants;
#[path = "support/ports.rs"]
mod ports;
#[path = "support/service.rs"]
mod service;

use std::time::Duration;

use grants::{PROVISIONING, grant_task, workspace_and_user};
use ports::free_port;
use service::{Daemon, Harness, WAIT};
use sim::atlassian::{AtlassianSim, Credentials, TeamState};
use sim::controlplane::tasks;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ORG_KEY: &str = "leakcheck-ORGKEY-5f0c2a91d3";
const SCIM_TOKEN: &str = "leakcheck-SCIMTOKEN-8e77b4";
const TEAMS_EMAIL: &str = "leakcheck.teams.owner@example.net";
const TEAMS_TOKEN: &str = "leakcheck-TEAMSTOKEN-c3d912";

/// Both simulators, the Atlassian one accepting only the distinctive credentials.
async fn start(seed: u64) -> Harness {
    let harness = Harness::start(seed).await;
    harness.atlassian.set_credentials(Credentials {
        api_key: ORG_KEY.into(),
        scoped_api_key: "leakcheck-scoped-key".into(),
        teams_email: TEAMS_EMAIL.into(),
        teams_api_token: TEAMS_TOKEN.into(),
        scim_token: SCIM_TOKEN.into(),
    });
    harness
}

/// Every secret the daemon was given, with the parts of the client secret that would
/// betray it (its base64url key material) as separate needles.
fn needles(client_secret: &str) -> Vec<String> {
    let encoded = client_secret
        .rsplit(':')
        .next()
        .expect("secret-token:…:<base64url JWK>");
    let mut needles: Vec<String> = [ORG_KEY, SCIM_TOKEN, TEAMS_EMAIL, TEAMS_TOKEN]
        .map(str::to_owned)
        .into();
    needles.push(client_secret.to_owned());
    // Any 24-character window of the encoded key is enough to find it in a log.
    needles.extend(
        encoded
            .as_bytes()
            .chunks(24)
            .filter(|chunk| chunk.len() == 24)
            .map(|chunk| String::from_utf8(chunk.to_vec()).unwrap()),
    );
    needles
}

/// Fails naming where a secret showed up.
fn assert_clean(needles: &[String], place: &str, text: &str) {
    for needle in needles {
        assert!(
            !text.contains(needle.as_str()),
            "a secret ({}…) appears in {place}:\n{text}",
            &needle[..8]
        );
    }
}

/// `GET /<path>` on the health server: the whole response, headers included.
async fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = format!("GET /{path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

/// Waits until the health server answers `/ready` with 200.
async fn wait_ready(port: u16, daemon: &Daemon) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await {
            let request = "GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
            let mut response = String::new();
            if stream.write_all(request.as_bytes()).await.is_ok()
                && stream.read_to_string(&mut response).await.is_ok()
                && response.starts_with("HTTP/1.1 200")
            {
                return;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never ready\n{}",
            daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The variables giving the daemon SCIM (token in a file) and Teams (token inline).
fn scim_and_teams(harness: &Harness) -> Vec<(String, String)> {
    let org = harness.atlassian.snapshot();
    let directory = &org.directories[0].id;
    let token_file = harness.dir.path().join("scim-token");
    std::fs::write(&token_file, format!("{SCIM_TOKEN}\n")).unwrap();
    let scim_url = harness
        .atlassian
        .base_url()
        .join(&format!("scim/directory/{directory}"))
        .unwrap();
    [
        ("BATON_SCIM_BASE_URL", scim_url.to_string()),
        ("BATON_SCIM_TOKEN_FILE", token_file.to_str().unwrap().into()),
        ("BATON_TEAMS_EMAIL", TEAMS_EMAIL.into()),
        ("BATON_TEAMS_API_TOKEN", TEAMS_TOKEN.into()),
        ("BATON_TEAMS_SITE_ID", org.workspaces[0].cloud_id.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// A grant of membership of a team to a user.
fn team_grant(sim: &AtlassianSim) -> c1_proto::c1::connectorapi::baton::v1::Task {
    let org = sim.snapshot();
    let team = &org
        .teams
        .iter()
        .find(|t| !t.deleted && matches!(t.state, TeamState::Active))
        .expect("an active team")
        .team_id;
    let members = org.team_members.get(team).cloned().unwrap_or_default();
    let user = org
        .users
        .iter()
        .find(|u| u.is_active() && !members.contains(&u.account_id))
        .expect("a user outside the team");
    let entitlement = tasks::entitlement(tasks::resource("team", team), "member");
    tasks::grant(entitlement, tasks::resource("user", &user.account_id))
}

/// A grant of membership of a group (a Support-gated endpoint, turned off in the test).
fn group_grant(sim: &AtlassianSim) -> c1_proto::c1::connectorapi::baton::v1::Task {
    let org = sim.snapshot();
    let group = &org.groups[0].id;
    let members = org.group_members.get(group).cloned().unwrap_or_default();
    let user = org
        .users
        .iter()
        .find(|u| u.is_active() && u.directory_id.is_some() && !members.contains(&u.account_id))
        .expect("a user outside the group");
    let entitlement = tasks::entitlement(tasks::resource("group", group), "member");
    tasks::grant(entitlement, tasks::resource("user", &user.account_id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_logs_metrics_health_or_conductorone_in_success_or_failure() {
    let harness = start(77).await;
    let needles = needles(&harness.credentials.client_secret);
    let port = free_port();
    let mut env: Vec<(String, String)> = scim_and_teams(&harness);
    env.extend(
        [
            PROVISIONING,
            ("BATON_LOG_LEVEL", "trace"),
            ("BATON_HEALTH_CHECK", "true"),
            ("BATON_HEALTH_CHECK_BIND_ADDRESS", "127.0.0.1"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    env.push(("BATON_HEALTH_CHECK_PORT".into(), port.to_string()));
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let daemon = harness.spawn(&extra);
    wait_ready(port, &daemon).await;

    let mut messages = Vec::new();
    let run = |task| {
        let id = harness.c1.push_task(task);
        let daemon = &daemon;
        let harness = &harness;
        async move { harness.finish_of(&id, daemon).await }
    };
    // Successes: a sync with Teams, a workspace role, a team membership, a SCIM account.
    let sync = run(tasks::sync_full()).await;
    assert!(sync.success, "{sync:?}");
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let granted = run(grant_task(&workspace, &user)).await;
    assert!(granted.success, "{granted:?}");
    let joined = run(team_grant(&harness.atlassian)).await;
    assert!(joined.success, "{joined:?}\n{}", daemon.log());
    let account = sim::controlplane::script::TaskSpec::parse_list(
        r#"[{"type": "create_account", "login": "leak.check", "email": "leak.check@example.org"}]"#,
    )
    .unwrap()[0]
        .to_task(None)
        .unwrap();
    let created = run(account).await;
    assert!(created.success, "{created:?}\n{}", daemon.log());
    assert_eq!(
        harness
            .atlassian
            .stats()
            .requests(sim::atlassian::endpoints::SCIM_CREATE_USER),
        1,
        "the account went through SCIM"
    );
    // ConductorOne tokens expire: the daemon logs in again with its secret.
    harness.c1.expire_all_tokens();
    // Failures: a Support-gated endpoint refused, then the Atlassian key revoked.
    harness.atlassian.set_restricted_endpoints_enabled(false);
    let gated = run(group_grant(&harness.atlassian)).await;
    assert!(!gated.success, "{gated:?}");
    messages.push(gated.status_message().to_owned());
    let mut revoked = harness.atlassian.credentials();
    revoked.api_key = "leakcheck-replacement-key".into();
    harness.atlassian.set_credentials(revoked);
    let refused = run(grant_task(&workspace, &user)).await;
    assert!(!refused.success, "{refused:?}");
    messages.push(refused.status_message().to_owned());
    let health = get(port, "health").await;
    assert!(health.starts_with("HTTP/1.1 503"), "{health}");

    for path in ["metrics", "ready", "live"] {
        assert_clean(&needles, &format!("/{path}"), &get(port, path).await);
    }
    assert_clean(&needles, "/health", &health);
    for message in &messages {
        assert_clean(&needles, "a FinishTask message", message);
    }
    let stopped = daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    assert!(
        stopped.log.lines().count() > 100,
        "the trace-level log is too short to mean anything:\n{}",
        stopped.log
    );
    assert_clean(&needles, "the daemon's log", &stopped.log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_and_a_one_shot_sync_show_no_secret_even_when_refused() {
    let harness = start(77).await;
    let needles = needles(&harness.credentials.client_secret);
    let mut env = harness.env();
    env.extend(scim_and_teams(&harness));
    env.push(("BATON_LOG_LEVEL".into(), "debug".into()));
    env.push(("BATON_LOG_FORMAT".into(), "console".into()));
    let output = harness.dir.path().join("one-shot.c1z");
    let output = output.to_str().unwrap();

    let check = binary::run(&["check"], env.clone()).await;
    assert_eq!(check.code, Some(0), "{check:?}");
    let sync = binary::run(&["sync", "--file", output], env.clone()).await;
    assert_eq!(sync.code, Some(0), "{sync:?}");
    // The key revoked: both fail, saying why, without the key.
    let mut revoked = harness.atlassian.credentials();
    revoked.api_key = "leakcheck-replacement-key".into();
    harness.atlassian.set_credentials(revoked);
    let refused_check = binary::run(&["check"], env.clone()).await;
    assert_ne!(refused_check.code, Some(0), "{refused_check:?}");
    let refused_sync = binary::run(&["sync", "--file", output], env).await;
    assert_ne!(refused_sync.code, Some(0), "{refused_sync:?}");
    assert!(
        refused_sync.error_line().contains("API key"),
        "the error says which credential was refused: {refused_sync:?}"
    );

    for (name, run) in [
        ("check", &check),
        ("sync", &sync),
        ("refused check", &refused_check),
        ("refused sync", &refused_sync),
    ] {
        assert_clean(&needles, &format!("{name}'s output"), &run.stdout);
        assert_clean(&needles, &format!("{name}'s log"), &run.stderr);
    }
}
