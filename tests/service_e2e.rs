//! End to end: the real `baton-atlassian` binary in service mode (no subcommand, credentials
//! in the environment, as in a container) against the Atlassian simulator and the
//! ConductorOne control-plane simulator, both started in the test on loopback ports. Tasks
//! are queued in the control plane; what the daemon sends back (Hello, heartbeats,
//! uploads, FinishTask) and what changed in the organization is checked.

#[path = "support/binary.rs"]
mod binary;
#[path = "support/c1z_contents.rs"]
mod c1z_contents;
#[path = "support/expected.rs"]
mod expected;
#[path = "support/grants.rs"]
mod grants;
#[path = "support/service.rs"]
mod service;

use std::time::Duration;

use c1_proto::any;
use c1_proto::c1::connector::v2::{
    BatonActionStatus, GrantAlreadyExists, GrantManagerServiceGrantResponse,
    GrantManagerServiceRevokeResponse, InvokeActionResponse,
};
use c1_proto::c1::connectorapi::baton::v1::task::{ActionInvokeTask, GrantTask, TaskType};
use c1_proto::prost_types::value::Kind;
use c1_proto::prost_types::{Any, Struct, Value};
use grants::{PROVISIONING, grant_task, holds, workspace_and_user};
use prost::Name;
use service::{Daemon, HOST_ID, Harness, WAIT};
use sim::atlassian::{Fault, MembershipStatus};
use sim::controlplane::{ControlPlaneConfig, FinishRecord, Method, Times, tasks};

fn type_url_of(response: &Option<Any>) -> &str {
    response.as_ref().map_or("", |any| any.type_url.as_str())
}

/// Code, message and non-retryable flag of a failed task.
fn failure(finish: &FinishRecord) -> (i32, &str, bool) {
    assert!(!finish.success, "expected a failure: {finish:?}");
    (
        finish.status_code(),
        finish.status_message(),
        finish.non_retryable,
    )
}

async fn stop(daemon: Daemon) {
    let stopped = daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_with_its_metadata_and_answers_a_hello_task_with_a_hello() {
    let harness = Harness::start(31).await;
    let daemon = harness.spawn(&[]);
    let hello = harness.c1.wait_for_hello(WAIT).await.unwrap();
    let request = &hello.request;
    assert_eq!(request.host_id, HOST_ID);
    assert_eq!(request.task_id, "");
    let metadata = request.connector_metadata.as_ref().unwrap();
    assert_eq!(metadata.display_name, connector::DISPLAY_NAME);
    let capabilities = metadata.capabilities.as_ref().unwrap();
    let types: Vec<&str> = capabilities
        .resource_type_capabilities
        .iter()
        .map(|c| c.resource_type.as_ref().unwrap().id.as_str())
        .collect();
    assert!(
        types.contains(&"user") && types.contains(&"workspace"),
        "{types:?}"
    );
    assert!(!capabilities.connector_capabilities.is_empty());

    let task_id = harness.c1.push_task(tasks::hello());
    let answered = harness
        .c1
        .wait_for(WAIT, "the Hello of the hello task", |r| {
            r.hellos
                .iter()
                .find(|h| h.request.task_id == task_id)
                .cloned()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", daemon.log()));
    assert!(answered.request.connector_metadata.is_some());
    // A later task shows the daemon went on; the hello task itself gets no FinishTask.
    let later = harness.c1.push_task(tasks::event_feed());
    harness.finish_of(&later, &daemon).await;
    assert!(harness.c1.records().finish_of(&task_id).is_none());
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_task_uploads_exactly_the_organization_and_leaves_no_temporary_file() {
    let harness = Harness::start(32).await;
    let daemon = harness.spawn(&[]);
    let task_id = harness.c1.push_task(tasks::sync_full());
    let finish = harness.finish_of(&task_id, &daemon).await;
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    assert!(finish.response.is_none() && finish.annotations.is_empty());

    let records = harness.c1.records();
    assert!(
        !records.heartbeats_of(&task_id).is_empty(),
        "the sync heartbeats"
    );
    let uploaded = harness
        .c1
        .uploaded_c1z(&task_id)
        .expect("a c1z was uploaded");
    let expected = expected::expected_from_ground_truth(
        &harness.atlassian.snapshot(),
        &harness.atlassian.org_id(),
        false,
    );
    assert_eq!(c1z_contents::ids_in(&uploaded), expected);
    assert!(
        std::fs::read_dir(harness.temp_dir())
            .unwrap()
            .next()
            .is_none(),
        "the temporary .c1z is deleted"
    );
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_shows_in_atlassian_a_repeat_already_exists_and_a_revoke_removes_it() {
    let harness = Harness::start(33).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let daemon = harness.spawn(&[PROVISIONING]);

    let first = harness.c1.push_task(grant_task(&workspace, &user));
    let granted = harness.finish_of(&first, &daemon).await;
    assert!(granted.success, "{granted:?}\n{}", daemon.log());
    assert_eq!(
        type_url_of(&granted.response),
        GrantManagerServiceGrantResponse::type_url()
    );
    assert!(
        any::find::<GrantAlreadyExists>(&granted.annotations)
            .unwrap()
            .is_none()
    );
    assert!(holds(&harness.atlassian.snapshot(), &user, &workspace));

    let again = harness.c1.push_task(grant_task(&workspace, &user));
    let repeated = harness.finish_of(&again, &daemon).await;
    assert!(repeated.success, "{repeated:?}");
    assert!(
        any::find::<GrantAlreadyExists>(&repeated.annotations)
            .unwrap()
            .is_some(),
        "{repeated:?}"
    );

    let Some(TaskType::Grant(GrantTask {
        entitlement: Some(entitlement),
        principal: Some(principal),
        ..
    })) = grant_task(&workspace, &user).task_type
    else {
        unreachable!()
    };
    let revoke = harness
        .c1
        .push_task(tasks::revoke(tasks::grant_of(entitlement, principal)));
    let revoked = harness.finish_of(&revoke, &daemon).await;
    assert!(revoked.success, "{revoked:?}\n{}", daemon.log());
    assert_eq!(
        type_url_of(&revoked.response),
        GrantManagerServiceRevokeResponse::type_url()
    );
    assert!(!holds(&harness.atlassian.snapshot(), &user, &workspace));
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_through_an_endpoint_support_has_not_enabled_fails_for_good_saying_so() {
    let harness = Harness::start(34).await;
    harness.atlassian.set_restricted_endpoints_enabled(false);
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let daemon = harness.spawn(&[PROVISIONING]);
    let task_id = harness.c1.push_task(grant_task(&workspace, &user));
    let finish = harness.finish_of(&task_id, &daemon).await;
    let (code, message, non_retryable) = failure(&finish);
    assert_eq!((code, non_retryable), (9, true), "{message}");
    assert!(message.contains("Atlassian Support"), "{message}");
    assert!(!holds(&harness.atlassian.snapshot(), &user, &workspace));
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_provisioning_a_grant_fails_naming_baton_provisioning_and_changes_nothing() {
    let harness = Harness::start(35).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let daemon = harness.spawn(&[]);
    let task_id = harness.c1.push_task(grant_task(&workspace, &user));
    let finish = harness.finish_of(&task_id, &daemon).await;
    let (code, message, non_retryable) = failure(&finish);
    assert_eq!((code, non_retryable), (9, true), "{message}");
    assert!(message.contains("BATON_PROVISIONING"), "{message}");
    assert!(!holds(&harness.atlassian.snapshot(), &user, &workspace));
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_cancelled_through_its_heartbeat_finishes_cancelled_without_an_upload() {
    let harness = Harness::start(36).await;
    // Every Atlassian answer takes long: the sync cannot end before it is cancelled.
    harness
        .atlassian
        .set_fault("*", Fault::latency(Duration::from_secs(15)));
    let daemon = harness.spawn(&[]);
    let task_id = harness.c1.push_task(tasks::sync_full());
    harness
        .c1
        .wait_for_heartbeats(&task_id, 1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", daemon.log()));
    harness.c1.cancel_task(&task_id);

    let finish = harness.finish_of(&task_id, &daemon).await;
    let (code, message, _) = failure(&finish);
    assert_eq!(code, 1, "{message}");
    assert!(message.contains("cancelled"), "{message}");
    assert!(harness.c1.records().uploads_of(&task_id).is_empty());
    assert!(
        std::fs::read_dir(harness.temp_dir())
            .unwrap()
            .next()
            .is_none(),
        "the temporary .c1z is deleted"
    );
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_and_malformed_tasks_are_answered_and_the_daemon_goes_on() {
    let harness = Harness::start(37).await;
    let daemon = harness.spawn(&[PROVISIONING]);
    let unsupported = harness.c1.push_task(tasks::event_feed());
    let malformed = harness.c1.push_task(tasks::malformed_grant());
    let later = harness.c1.push_task(tasks::hello());

    let finish = harness.finish_of(&unsupported, &daemon).await;
    assert_eq!(
        failure(&finish),
        (2, "unsupported task type: event_feed", false),
        "answered as the Go SDK answers it: UNKNOWN, retryable"
    );
    let finish = harness.finish_of(&malformed, &daemon).await;
    let (code, message, non_retryable) = failure(&finish);
    assert_eq!((code, non_retryable), (3, true));
    assert!(message.contains("no entitlement"), "{message}");
    harness
        .c1
        .wait_for(WAIT, "the later task's Hello", |r| {
            r.hellos
                .iter()
                .find(|h| h.request.task_id == later)
                .cloned()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", daemon.log()));
    let stopped = daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    // JSON log lines of a task carry its span.
    let in_span = stopped
        .log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .any(|line| {
            line["span"]["task_id"] == unsupported.as_str()
                && line["span"]["task_type"] == "event_feed"
        });
    assert!(in_span, "{}", stopped.log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_disable_user_action_suspends_the_user_and_answers_with_its_result() {
    let harness = Harness::start(47).await;
    let (_, user) = workspace_and_user(&harness.atlassian.snapshot());
    let daemon = harness.spawn(&[PROVISIONING]);
    let args = Struct {
        fields: [(
            "user_id".to_owned(),
            Value {
                kind: Some(Kind::StringValue(user.clone())),
            },
        )]
        .into(),
    };
    let task_id = harness
        .c1
        .push_task(tasks::with_type(TaskType::ActionInvoke(ActionInvokeTask {
            name: "disable_user".into(),
            args: Some(args),
            ..ActionInvokeTask::default()
        })));
    let finish = harness.finish_of(&task_id, &daemon).await;
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    let response: InvokeActionResponse = any::unpack(finish.response.as_ref().unwrap())
        .unwrap()
        .expect("an InvokeActionResponse");
    assert_eq!(response.name, "disable_user");
    assert_eq!(response.status, BatonActionStatus::Complete as i32);
    assert_eq!(response.id.len(), 27);
    let snapshot = harness.atlassian.snapshot();
    let suspended = snapshot.user(&user).unwrap();
    assert_eq!(suspended.membership_status, MembershipStatus::Suspended);
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_refuses_a_grant_even_with_provisioning_on() {
    let harness = Harness::start(48).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let daemon = harness.spawn(&[PROVISIONING, ("BATON_READ_ONLY", "true")]);
    let task_id = harness.c1.push_task(grant_task(&workspace, &user));
    let finish = harness.finish_of(&task_id, &daemon).await;
    let (code, message, non_retryable) = failure(&finish);
    assert_eq!((code, non_retryable), (9, true), "{message}");
    assert!(message.contains("read-only"), "{message}");
    assert!(!holds(&harness.atlassian.snapshot(), &user, &workspace));
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_replaced_and_the_next_call_succeeds() {
    let harness = Harness::start(38).await;
    let daemon = harness.spawn(&[]);
    harness.c1.wait_for_hello(WAIT).await.unwrap();
    harness.c1.expire_all_tokens();
    let task_id = harness.c1.push_task(tasks::event_feed());
    harness.finish_of(&task_id, &daemon).await;
    let granted = harness
        .c1
        .records()
        .token_requests
        .iter()
        .filter(|t| t.granted)
        .count();
    assert!(granted >= 2, "tokens issued: {granted}");
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_secret_file_is_picked_up_without_a_restart() {
    let harness = Harness::start(45).await;
    let secret_file = harness.dir.path().join("client-secret");
    std::fs::write(&secret_file, &harness.credentials.client_secret).unwrap();
    let env: Vec<(String, String)> = harness
        .env()
        .into_iter()
        .filter(|(k, _)| k != "BATON_CLIENT_SECRET")
        .collect();
    let mut command = binary::command();
    command
        .envs(env)
        .env("BATON_CLIENT_SECRET_FILE", &secret_file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let _daemon = command.spawn().unwrap();
    harness.c1.wait_for_hello(WAIT).await.unwrap();

    // Rotate in ConductorOne (the old key is refused at once), update the mounted file.
    let rotated = harness
        .c1
        .rotate_credentials(&harness.credentials.client_id)
        .unwrap();
    std::fs::write(&secret_file, &rotated.client_secret).unwrap();
    harness.c1.expire_all_tokens();
    let task_id = harness.c1.push_task(tasks::event_feed());
    let finish = harness
        .c1
        .wait_for_finish(&task_id, WAIT)
        .await
        .expect("the task is finished with a token signed by the new key");
    assert!(!finish.success);
    let records = harness.c1.records();
    let last_token = records
        .token_requests
        .iter()
        .rev()
        .find(|t| t.granted)
        .unwrap();
    assert_eq!(last_token.key_id.as_deref(), Some(rotated.key_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_host_variable_redirects_calls_away_from_the_client_id_host() {
    // Client ids name a host that does not resolve; only BATON_C1_API_HOST reaches the sim.
    let harness = Harness::start_with(
        46,
        ControlPlaneConfig {
            client_host: "c1.invalid".to_owned(),
            ..ControlPlaneConfig::default()
        },
    )
    .await;
    let address = format!("127.0.0.1:{}", harness.c1.address().port());
    let daemon = harness.spawn(&[("BATON_C1_API_HOST", address.as_str())]);
    harness
        .c1
        .wait_for_hello(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", daemon.log()));
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_survives_a_control_plane_restart_and_polls_errors_away() {
    let mut harness = Harness::start(39).await;
    let daemon = harness.spawn(&[]);
    harness.c1.wait_for_hello(WAIT).await.unwrap();
    harness.c1.restart().await.unwrap();
    harness
        .c1
        .fail_calls(Method::GetTask, tonic::Code::Unavailable, Times::Next(1));
    let task_id = harness.c1.push_task(tasks::event_feed());
    let finish = harness.finish_of(&task_id, &daemon).await;
    assert_eq!(failure(&finish).0, 2);
    let refused = harness.c1.records().calls_of(Method::GetTask);
    assert!(
        refused.iter().any(|c| c.code == tonic::Code::Unavailable),
        "the injected failure was met"
    );
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_idle_stops_the_daemon_with_exit_code_0() {
    let harness = Harness::start(40).await;
    let daemon = harness.spawn(&[]);
    harness
        .c1
        .wait_for(WAIT, "a poll", |r| r.get_tasks.first().cloned())
        .await
        .unwrap();
    let stopped = daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    assert!(stopped.log.contains("SIGTERM"), "{}", stopped.log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_still_running_when_the_shutdown_grace_ends_is_reported_retryable() {
    let harness = Harness::start(42).await;
    // Every Atlassian answer takes long: the sync is still running at SIGTERM.
    harness
        .atlassian
        .set_fault("*", Fault::latency(Duration::from_secs(15)));
    let daemon = harness.spawn(&[("BATON_SHUTDOWN_GRACE", "1s")]);
    let task_id = harness.c1.push_task(tasks::sync_full());
    harness
        .c1
        .wait_for_heartbeats(&task_id, 1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", daemon.log()));

    let stopped = daemon.terminate().await;

    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    let finish = harness
        .c1
        .wait_for_finish(&task_id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", stopped.log));
    let (code, message, non_retryable) = failure(&finish);
    assert_eq!((code, non_retryable), (14, false), "{message}");
    assert!(message.contains("shut down"), "{message}");
    assert!(harness.c1.records().uploads_of(&task_id).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_client_secret_stops_start_up_with_exit_code_1() {
    let harness = Harness::start(41).await;
    // The key the daemon is given is replaced: ConductorOne refuses it.
    harness
        .c1
        .rotate_credentials(&harness.credentials.client_id)
        .unwrap();
    let stopped = harness.spawn(&[]).wait().await;
    assert_eq!(stopped.code, Some(1), "{}", stopped.log);
    let last = stopped.log.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: could not register with ConductorOne"),
        "{last}"
    );
    assert!(!stopped.log.contains(&harness.credentials.client_secret));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_without_conductorone_writes_scheduled_snapshots() {
    let harness = Harness::start(42).await;
    let snapshots = harness.dir.path().join("snapshots");
    std::fs::create_dir(&snapshots).unwrap();
    let mut command = binary::command();
    let env = harness.env();
    command
        .arg("serve")
        .envs(
            env.into_iter()
                .filter(|(k, _)| !k.starts_with("BATON_CLIENT")),
        )
        .env("BATON_SYNC_INTERVAL", "1h")
        .env("BATON_SNAPSHOT_DIR", &snapshots)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    let written = async {
        loop {
            let names: Vec<String> = std::fs::read_dir(&snapshots)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|n| n.starts_with("sync-") && n.ends_with(".c1z"))
                .collect();
            if let [name] = names.as_slice() {
                return snapshots.join(name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let snapshot = tokio::time::timeout(WAIT, written)
        .await
        .expect("a snapshot is written");
    let expected = expected::expected_from_ground_truth(
        &harness.atlassian.snapshot(),
        &harness.atlassian.org_id(),
        false,
    );
    assert_eq!(c1z_contents::ids_in(&snapshot), expected);
    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let output = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{log}");
    assert!(log.contains("scheduled local syncs only"), "{log}");
    assert!(harness.c1.records().hellos.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_every_capability_working_and_exits_0() {
    let harness = Harness::start(43).await;
    let before = serde_json::to_value(harness.atlassian.snapshot()).unwrap();
    let run = binary::run(&["check"], harness.env()).await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    for capability in [
        "configuration",
        "ConductorOne credentials",
        "read users",
        "grant workspace roles (roles/assign)",
        "invite users, v1 (users/invite)",
    ] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(capability))
            .unwrap_or_else(|| panic!("{capability}:\n{}", run.stdout));
        assert!(line.contains(" ok"), "{line}");
    }
    assert!(
        harness.c1.records().hellos.is_empty(),
        "check registers nothing"
    );
    let after = serde_json::to_value(harness.atlassian.snapshot()).unwrap();
    assert!(before == after, "the probes changed the organization");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_support_endpoints_off_and_provisioning_wanted_exits_1() {
    let harness = Harness::start(44).await;
    harness.atlassian.set_restricted_endpoints_enabled(false);
    let mut env = harness.env();
    env.push(("BATON_PROVISIONING".into(), "true".into()));
    let run = binary::run(&["check"], env).await;
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    let assign = run
        .stdout
        .lines()
        .find(|l| l.contains("roles/assign"))
        .unwrap();
    assert!(assign.contains("not enabled"), "{assign}");
    assert!(run.stdout.contains("Atlassian Support ticket to raise:"));
    assert!(run.error_line().contains("needed check(s) did not pass"));
}
