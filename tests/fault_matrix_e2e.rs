//! The fault matrix (issue 6, §1): for each fault, the daemon recovers by itself, every task
//! ends once with the right outcome, and the Atlassian organization holds exactly what the
//! finished tasks say. This file is the whole matrix in one place: the table says, row by
//! row, which tests elsewhere cover the fault and what they assert, and the tests below
//! add what they do not. Every test here runs the real binary against both simulators
//! (`support/service.rs`), injects the fault, and prints how long recovery took
//! (`cargo nextest run -p baton-atlassian --test fault_matrix_e2e --no-capture`).
//!
//! | # | fault | covered elsewhere (what it asserts) | added here |
//! | --- | --- | --- | --- |
//! | 1 | control plane unreachable at start, back later | `health_e2e::readiness_follows_the_hello_and_metrics_count_tasks` (two `Hello`s fail UNAVAILABLE, retried; not ready until registered); controlplane `session::token::unreachable_token_endpoint_is_a_retryable_transport_error`; `service_e2e::a_refused_client_secret_stops_start_up_with_exit_code_1` (a refusal, unlike an outage, is fatal). Not asserted: nothing listening at all (token endpoint included), a task queued meanwhile running once afterwards | [`row_1_control_plane_unreachable_at_start_then_back`] |
//! | 2 | connection dropped mid-poll, mid-upload | `service_e2e::the_daemon_survives_a_control_plane_restart_and_polls_errors_away` (restart while idle, one GetTask UNAVAILABLE); controlplane `session::upload::failed_upload_attempt_is_retried_with_the_whole_file`, `upload_gives_up_after_three_failed_attempts` (fake server); sim `a_cut_upload_fails_once_and_the_retry_is_stored`. Not asserted: the binary's sync upload cut mid-stream; an outage of some length while polling | [`row_2_control_plane_drops_mid_poll_and_mid_upload`]: one complete verified file, holding the organization |
//! | 3 | token endpoint fails then recovers; token expires mid-sync | `service_e2e::an_expired_token_is_replaced_and_the_next_call_succeeds` (expiry while idle); controlplane `session::token::refused_token_is_replaced_and_the_call_sent_once_more`, `token_close_to_expiry_is_replaced_before_the_next_call`, `token_endpoint_refusing_the_key_is_a_non_retryable_auth_error`. Not asserted: token endpoint 503 at start-up; expiry while a sync heartbeats and uploads, with the endpoint failing then | [`row_3_token_endpoint_failures_and_a_token_expiring_mid_sync`] |
//! | 4 | client secret rotated on disk while tasks run | `rotation_e2e::keys_rotated_in_a_mounted_secret_serve_the_next_task_without_a_restart` (between tasks: only the new key signs, one `Hello`, clean exit); `service_e2e::a_rotated_secret_file_is_picked_up_without_a_restart`; controlplane `session::rotation::*`. Not asserted: rotation during a running task | [`row_4_client_secret_rotated_on_disk_mid_sync`] |
//! | 5 | Atlassian 429 storm, 5xx bursts, timeouts, resets, malformed JSON | `sync_e2e::sync_through_rate_limits_and_server_errors_writes_the_same_content` (one-shot sync through bounded 429/5xx: same content); connector `sync::rate_limits_and_server_errors_are_retried_into_the_same_content`, `provision::rate_limiting_beyond_the_retry_deadline_is_retryable_with_the_reset_time`; atlassian `retries::*` (429 waits, 5xx retried then given up, `invitations_are_not_repeated_after_a_server_error_but_are_after_a_429`, `a_malformed_body_is_a_decode_error_not_a_panic_nor_a_retry`, `connection_failures_are_retried_then_reported_as_transport_errors`). Not asserted: service mode; a 429 on every request for a while; resets mid-conversation; a sync failed by a malformed answer and retried; one write per grant; an invitation whose answer is lost after Atlassian acted. **Timeouts are not exercised end to end**: the request timeout is a fixed 60 s; a timeout is the same transport error as a reset | [`row_5_a_sync_rides_a_429_storm_server_errors_resets_and_a_malformed_answer`], [`row_5_a_grant_through_a_429_storm_server_errors_and_resets_writes_once`], [`row_5_an_invitation_failed_or_lost_is_retried_into_exactly_one_account`] |
//! | 6 | restricted endpoints off; key with scopes; key revoked mid-sync | `service_e2e::a_grant_through_an_endpoint_support_has_not_enabled_fails_for_good_saying_so` (FAILED_PRECONDITION, not retryable, ticket text, nothing granted), `check_with_support_endpoints_off_and_provisioning_wanted_exits_1`; atlassian `errors::a_scoped_key_is_told_to_use_a_key_without_scopes`; sim `gateway::the_scoped_key_reads_workspaces_but_not_directory_users_or_user_management`; `sync_e2e::a_refused_api_key_fails_with_one_line_exit_code_1_and_no_file` (one-shot). Not asserted: a service-mode sync with a scoped key or with its key revoked while it runs; recovery once a working key is mounted | [`row_6_a_scoped_key_and_a_key_revoked_mid_sync_fail_clearly_then_recover`] |
//! | 7 | the same task delivered twice | `service_e2e::a_grant_shows_in_atlassian_a_repeat_already_exists_and_a_revoke_removes_it` (a second task for the same grant: `GrantAlreadyExists`); connector `provision::granting_twice_reports_already_exists_and_changes_nothing_more`; `k8s_e2e::only_the_leader_polls_and_a_standby_takes_over_after_a_kill` (grants end exactly once across replicas); sim `a_task_can_be_delivered_twice`. Not asserted: the same task id again — after it ended, while it runs (its lease ran out), after its `FinishTask` was lost — and the write count | [`row_7_a_task_delivered_twice_is_answered_without_a_second_write`]; the daemon's `service::deliveries` unit tests |
//! | 8 | SIGTERM mid-grant, mid-sync, mid-upload | `health_e2e::sigterm_during_a_grant_drains_readiness_finishes_the_grant_and_exits_0` (one write, success, exit 0); `service_e2e::a_task_still_running_when_the_shutdown_grace_ends_is_reported_retryable` (mid-sync past the grace: UNAVAILABLE, retryable, no upload); `sync_e2e::sigterm_stops_the_sync_with_exit_code_130_and_leaves_no_file` (one-shot); `k8s_e2e::sigterm_finishes_the_running_task_then_hands_the_lease_over_at_once`. Not asserted: the temporary directory after a sync stopped at shutdown; SIGTERM during the upload; a grant cut at the grace never applied after it was reported failed | [`row_8_sigterm_mid_upload_within_the_grace_uploads_and_succeeds`], [`row_8_sigterm_mid_upload_past_the_grace_uploads_nothing_and_cleans_up`], [`row_8_sigterm_mid_sync_past_the_grace_cleans_up`], [`row_8_sigterm_mid_grant_past_the_grace_leaves_the_grant_unapplied`] |
//! | 9 | leadership lost mid-sync | `k8s_e2e::a_leader_that_loses_the_lease_stops_and_reports_its_task_retryable` (real kube-apiserver; the Lease taken while a *grant* runs: UNAVAILABLE "lost the leader Lease", retryable, no poll afterwards, still ready); `leader.rs` unit tests. Not asserted: the running task being a sync. Not added here (it needs the Kubernetes tools): a lost Lease stops tasks through the same abandon path as SIGTERM past the grace, whose sync case row 8 covers | none |
//! | 10 | disk full or unwritable while writing the c1z | connector `sync::a_sink_failure_ends_the_sync_with_the_sinks_error` (the writer's failure ends the sync). Not asserted: anything with the binary | [`row_10_a_full_disk_fails_the_sync_retryably_and_leaves_nothing`] (`ulimit -f`), [`row_10_an_unwritable_temp_dir_fails_the_sync_until_it_is_fixed`] |
//! | 11 | heartbeat says cancelled | `service_e2e::a_sync_cancelled_through_its_heartbeat_finishes_cancelled_without_an_upload` (during the reads: CANCELLED, no upload, temp dir empty); `heartbeat.rs` unit tests; sim `a_cancelled_task_is_reported_cancelled_by_the_next_heartbeat`. Not asserted: a cancel during the upload; the next sync afterwards; a grant (grants send no heartbeats, spec §3.6) cancelled mid-write | [`row_11_cancelled_mid_upload_nothing_is_kept_and_a_grant_is_never_half_done`] |
//! | 12 | clock skew within the JWT limits | sim `assertion::tests::times_are_checked_with_the_clock_skew`; controlplane `session::token::client_assertion_has_exactly_the_sdk_header_claims_and_form` (`iat`, `nbf = iat - 120`, `exp = iat + 120`). Not asserted: the binary against a control plane whose clock is off | [`row_12_clock_skew_inside_the_jwt_window_logs_in_and_outside_fails_clearly`] (the simulator's `clock_offset_secs`) |

#[path = "support/binary.rs"]
mod binary;
#[path = "support/c1z_contents.rs"]
mod c1z_contents;
#[path = "support/expected.rs"]
mod expected;
#[path = "support/fault_proxy.rs"]
mod fault_proxy;
#[path = "support/grants.rs"]
mod grants;
#[path = "support/service.rs"]
mod service;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use c1_proto::any;
use c1_proto::c1::connector::v2::account_info::Email;
use c1_proto::c1::connector::v2::create_account_response::Result as Created;
use c1_proto::c1::connector::v2::{AccountInfo, CreateAccountResponse, GrantAlreadyExists};
use fault_proxy::FaultProxy;
use grants::{PROVISIONING, grant_task, holds, workspace_and_user};
use service::{Daemon, Harness, WAIT};
use sim::atlassian::endpoints as ep;
use sim::atlassian::{Fault, Stats};
use sim::controlplane::{ControlPlaneConfig, FinishRecord, Method, Times, tasks};

/// Polls soon again after an empty poll, so queued tasks start at once.
const FAST_POLL: (&str, &str) = ("BATON_POLL_FLOOR", "100ms");

/// Prints how long recovery from a fault took (shown with `--no-capture`).
fn recovered(row: u32, what: &str, since: Instant) {
    eprintln!(
        "fault matrix row {row}: {what}: recovered in {:.2?}",
        since.elapsed()
    );
}

/// Waits until `done` holds; on timeout, fails naming `what` and showing `daemon`'s log.
async fn until(daemon: &Daemon, what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n--- daemon log ---\n{}",
            daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the daemon's log holds `text`.
async fn logged(daemon: &Daemon, text: &str) {
    until(daemon, &format!("{text:?} in the log"), || {
        daemon.log().contains(text)
    })
    .await;
}

/// Every `FinishTask` of `task_id` so far.
fn finishes(harness: &Harness, task_id: &str) -> Vec<FinishRecord> {
    let records = harness.c1.records();
    records
        .finishes
        .into_iter()
        .filter(|f| f.task_id == task_id)
        .collect()
}

/// Waits for the `n`th `FinishTask` of `task_id`; returns them all.
async fn nth_finish(
    harness: &Harness,
    task_id: &str,
    n: usize,
    daemon: &Daemon,
) -> Vec<FinishRecord> {
    until(daemon, &format!("finish {n} of {task_id}"), || {
        finishes(harness, task_id).len() >= n
    })
    .await;
    finishes(harness, task_id)
}

/// Requests of `endpoint` Atlassian answered with a 2xx status: the writes it applied.
fn applied(stats: &Stats, endpoint: &str) -> u64 {
    stats.by_endpoint.get(endpoint).map_or(0, |e| {
        e.by_status
            .iter()
            .filter(|(status, _)| (200..300).contains(*status))
            .map(|(_, n)| n)
            .sum()
    })
}

/// Requests of `endpoint` Atlassian answered with `status`.
fn answered(stats: &Stats, endpoint: &str, status: u16) -> u64 {
    stats
        .by_endpoint
        .get(endpoint)
        .and_then(|e| e.by_status.get(&status).copied())
        .unwrap_or(0)
}

/// Whether the daemon's c1z temporary directory holds nothing.
fn temp_dir_is_empty(harness: &Harness) -> bool {
    std::fs::read_dir(harness.temp_dir())
        .unwrap()
        .next()
        .is_none()
}

/// Code, message and `non_retryable` of a failed finish.
fn failure(finish: &FinishRecord) -> (i32, &str, bool) {
    assert!(!finish.success, "expected a failure: {finish:?}");
    (
        finish.status_code(),
        finish.status_message(),
        finish.non_retryable,
    )
}

/// Asserts the single upload of a sync task holds exactly the organization.
fn assert_uploaded_the_organization(harness: &Harness, task_id: &str) {
    let uploads = harness.c1.records().uploads_of(task_id);
    assert_eq!(
        uploads.len(),
        1,
        "one complete, verified upload: {uploads:?}"
    );
    let expected = expected::expected_from_ground_truth(
        &harness.atlassian.snapshot(),
        &harness.atlassian.org_id(),
        false,
    );
    assert_eq!(c1z_contents::ids_in(&uploads[0].path), expected);
}

/// Hands the failed sync `task_id` out again: the retry uploads the whole organization
/// and leaves nothing behind; prints the recovery time for `row` as `what`, then stops.
async fn retried_sync_uploads(
    harness: &Harness,
    daemon: Daemon,
    task_id: &str,
    row: u32,
    what: &str,
) {
    let retry = Instant::now();
    assert!(harness.c1.redeliver(task_id));
    let tries = nth_finish(harness, task_id, 2, &daemon).await;
    recovered(row, what, retry);
    assert!(tries[1].success, "{:?}", tries[1]);
    assert_uploaded_the_organization(harness, task_id);
    assert!(temp_dir_is_empty(harness));
    stop(daemon).await;
}

/// Sends SIGTERM and asserts a clean exit.
async fn stop(daemon: Daemon) -> String {
    let stopped = daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    stopped.log
}

/// Every Atlassian answer waits `per_request`: a sync long enough to be hit mid-way.
fn slow_atlassian(harness: &Harness, per_request: Duration) {
    harness
        .atlassian
        .set_fault("*", Fault::latency(per_request));
}

/// Waits until a sync is under way: heartbeating, and Atlassian has been asked something.
async fn sync_under_way(harness: &Harness, task_id: &str, daemon: &Daemon) {
    harness
        .c1
        .wait_for_heartbeats(task_id, 1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", daemon.log()));
    until(daemon, "a request to Atlassian", || {
        harness.atlassian.stats().total > 0
    })
    .await;
}

/// The sync has been written and its upload has started (the log says so first).
async fn upload_under_way(daemon: &Daemon) {
    logged(daemon, "sync finished; uploading").await;
    // The stalled stream is open by now; the stall lasts seconds.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_1_control_plane_unreachable_at_start_then_back() {
    let mut harness = Harness::start(101).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    harness.c1.stop_serving().await;
    let daemon = harness.spawn(&[PROVISIONING, FAST_POLL]);
    let task_id = harness.c1.push_task(grant_task(&workspace, &user));

    logged(&daemon, "Hello failed; trying again").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    harness.c1.resume_serving().await.unwrap();
    let back = Instant::now();

    let finish = harness.finish_of(&task_id, &daemon).await;
    recovered(1, "control plane back after an outage at start", back);
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    assert!(holds(&harness.atlassian.snapshot(), &user, &workspace));
    assert_eq!(applied(&harness.atlassian.stats(), ep::ROLES_ASSIGN), 1);
    let records = harness.c1.records();
    assert_eq!(records.hellos.len(), 1, "registered once, no restart");
    assert_eq!(finishes(&harness, &task_id).len(), 1);
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_2_control_plane_drops_mid_poll_and_mid_upload() {
    let mut harness = Harness::start(102).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let daemon = harness.spawn(&[PROVISIONING, FAST_POLL]);
    harness.c1.wait_for_hello(WAIT).await.unwrap();

    // Mid-poll: every connection dropped, nothing listening for a while.
    harness.c1.stop_serving().await;
    let grant = harness.c1.push_task(grant_task(&workspace, &user));
    tokio::time::sleep(Duration::from_millis(500)).await;
    harness.c1.resume_serving().await.unwrap();
    let back = Instant::now();
    let granted = harness.finish_of(&grant, &daemon).await;
    recovered(2, "control plane back after dropping polls", back);
    assert!(granted.success, "{granted:?}");
    assert!(holds(&harness.atlassian.snapshot(), &user, &workspace));
    assert_eq!(applied(&harness.atlassian.stats(), ep::ROLES_ASSIGN), 1);

    // Mid-upload: the stream is cut after its first chunk; the whole file is sent again.
    harness.c1.cut_next_upload();
    let sync = harness.c1.push_task(tasks::sync_full());
    let synced = harness.finish_of(&sync, &daemon).await;
    assert!(synced.success, "{synced:?}\n{}", daemon.log());
    let records = harness.c1.records();
    let cut = records
        .calls_of(Method::UploadAsset)
        .into_iter()
        .filter(|c| c.code == tonic::Code::Unavailable)
        .count();
    assert_eq!(cut, 1, "the injected cut was met");
    let cut_at = records
        .calls_of(Method::UploadAsset)
        .first()
        .map(|c| c.at)
        .unwrap();
    let done_at = records.uploads_of(&sync)[0].at;
    eprintln!(
        "fault matrix row 2: upload cut mid-stream: recovered in {:.2?}",
        done_at.duration_since(cut_at).unwrap_or_default()
    );
    assert_uploaded_the_organization(&harness, &sync);
    assert!(temp_dir_is_empty(&harness));
    for id in [&grant, &sync] {
        assert_eq!(finishes(&harness, id).len(), 1, "{id} ends once");
    }
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_3_token_endpoint_failures_and_a_token_expiring_mid_sync() {
    let harness = Harness::start(103).await;
    // The token endpoint fails the first two requests: the first Hello waits for it.
    harness.c1.refuse_tokens(503, Times::Next(2));
    let started = Instant::now();
    let daemon = harness.spawn(&[FAST_POLL]);
    harness
        .c1
        .wait_for_hello(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", daemon.log()));
    recovered(3, "token endpoint failing at start-up", started);

    slow_atlassian(&harness, Duration::from_millis(150));
    let sync = harness.c1.push_task(tasks::sync_full());
    sync_under_way(&harness, &sync, &daemon).await;
    // The token in use stops working mid-sync, and getting a new one fails twice.
    let expired_at = SystemTime::now();
    harness.c1.expire_all_tokens();
    harness.c1.refuse_tokens(503, Times::Next(2));
    let expiry = Instant::now();

    let finish = harness.finish_of(&sync, &daemon).await;
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    harness.atlassian.clear_faults();
    assert_uploaded_the_organization(&harness, &sync);
    let records = harness.c1.records();
    let refused_calls = records
        .calls
        .iter()
        .filter(|c| c.at >= expired_at && c.message == "access token expired")
        .count();
    assert!(refused_calls >= 1, "the expiry hit the running sync");
    let after: Vec<_> = records
        .token_requests
        .iter()
        .filter(|t| t.at >= expired_at)
        .collect();
    let failed = after.iter().filter(|t| !t.granted).count();
    assert_eq!(failed, 2, "{after:?}");
    let renewed_at = after.iter().find(|t| t.granted).expect("a new token").at;
    eprintln!(
        "fault matrix row 3: token expired mid-sync, endpoint failing: new token after {:.2?} \
         (sync finished {:.2?} after the expiry)",
        renewed_at.duration_since(expired_at).unwrap_or_default(),
        expiry.elapsed()
    );
    assert_eq!(finishes(&harness, &sync).len(), 1);
    assert!(temp_dir_is_empty(&harness));
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_4_client_secret_rotated_on_disk_mid_sync() {
    let harness = Harness::start(104).await;
    let secret_file = harness.dir.path().join("client-secret");
    std::fs::write(&secret_file, &harness.credentials.client_secret).unwrap();
    let secret_path = secret_file.display().to_string();
    let daemon = harness.spawn(&[
        FAST_POLL,
        ("BATON_CLIENT_SECRET", ""),
        ("BATON_CLIENT_SECRET_FILE", &secret_path),
    ]);
    harness.c1.wait_for_hello(WAIT).await.unwrap();

    slow_atlassian(&harness, Duration::from_millis(150));
    let sync = harness.c1.push_task(tasks::sync_full());
    sync_under_way(&harness, &sync, &daemon).await;
    // Rotated in ConductorOne (the old key is refused from now on), then on disk, as a
    // mounted Secret is updated: a new file renamed over the old one.
    let rotated_at = SystemTime::now();
    let rotation = Instant::now();
    let rotated = harness
        .c1
        .rotate_credentials(&harness.credentials.client_id)
        .unwrap();
    let staged = harness.dir.path().join("client-secret.new");
    std::fs::write(&staged, &rotated.client_secret).unwrap();
    std::fs::rename(&staged, &secret_file).unwrap();
    harness.c1.expire_all_tokens();

    let finish = harness.finish_of(&sync, &daemon).await;
    recovered(4, "client secret rotated mid-sync", rotation);
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    assert_uploaded_the_organization(&harness, &sync);
    let records = harness.c1.records();
    let tokens: Vec<_> = records
        .token_requests
        .iter()
        .filter(|t| t.at >= rotated_at)
        .collect();
    assert!(!tokens.is_empty(), "the running sync needed a new token");
    assert!(
        tokens
            .iter()
            .all(|t| t.granted && t.key_id.as_deref() == Some(rotated.key_id.as_str())),
        "{tokens:?}"
    );
    assert_eq!(records.hellos.len(), 1, "no restart");
    assert_eq!(finishes(&harness, &sync).len(), 1);
    let log = stop(daemon).await;
    for secret in [&harness.credentials.client_secret, &rotated.client_secret] {
        assert!(!log.contains(secret.as_str()), "a secret reached the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_5_a_sync_rides_a_429_storm_server_errors_resets_and_a_malformed_answer() {
    let harness = Harness::start(105).await;
    let proxy = FaultProxy::start(harness.atlassian.local_addr()).await;
    let url = proxy.url();
    let daemon = harness.spawn(&[FAST_POLL, ("BATON_BASE_URL", &url)]);
    harness.c1.wait_for_hello(WAIT).await.unwrap();

    // Every request is refused with 429 for a second and a half; two endpoints also answer
    // 5xx bursts, and two requests lose their connection.
    harness
        .atlassian
        .set_fault("*", Fault::error(429).retry_after(1));
    harness
        .atlassian
        .set_fault(ep::USERS, Fault::error(503).retry_after(0).times(2));
    harness
        .atlassian
        .set_fault(ep::GROUPS, Fault::error(502).times(2));
    proxy.reset_requests("GET /admin/v2/orgs/", 2);
    let sync = harness.c1.push_task(tasks::sync_full());
    until(&daemon, "the storm to start", || {
        answered(&harness.atlassian.stats(), ep::ORG, 429) > 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    harness.atlassian.set_fault("*", Fault::default());
    let calm = Instant::now();

    let finish = harness.finish_of(&sync, &daemon).await;
    recovered(5, "sync through a 429 storm, 5xx bursts and resets", calm);
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    let stats = harness.atlassian.stats();
    assert_eq!(answered(&stats, ep::USERS, 503), 2, "{stats:?}");
    assert_eq!(answered(&stats, ep::GROUPS, 502), 2, "{stats:?}");
    assert_eq!(proxy.fired(), 2, "every reset was met");
    assert_uploaded_the_organization(&harness, &sync);

    // A malformed answer fails the sync, retryably, with nothing uploaded; the control
    // plane's retry of the same task then succeeds.
    harness
        .atlassian
        .set_fault(ep::WORKSPACES, Fault::malformed().times(1));
    let second = harness.c1.push_task(tasks::sync_full());
    let first_try = harness.finish_of(&second, &daemon).await;
    let (code, message, non_retryable) = failure(&first_try);
    assert!(!non_retryable, "{message}");
    assert!(message.starts_with("sync failed: "), "{code} {message}");
    assert!(harness.c1.records().uploads_of(&second).is_empty());
    assert!(temp_dir_is_empty(&harness));
    retried_sync_uploads(
        &harness,
        daemon,
        &second,
        5,
        "sync retried after a malformed answer",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_5_a_grant_through_a_429_storm_server_errors_and_resets_writes_once() {
    let harness = Harness::start(106).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let proxy = FaultProxy::start(harness.atlassian.local_addr()).await;
    let url = proxy.url();
    let daemon = harness.spawn(&[PROVISIONING, FAST_POLL, ("BATON_BASE_URL", &url)]);
    harness.c1.wait_for_hello(WAIT).await.unwrap();

    harness
        .atlassian
        .set_fault("*", Fault::error(429).retry_after(1));
    harness
        .atlassian
        .set_fault(ep::ROLES_ASSIGN, Fault::error(503).retry_after(0).times(2));
    proxy.reset_requests("/roles/assign HTTP", 1);
    proxy.reset_requests("/role-assignments", 1);
    let grant = harness.c1.push_task(grant_task(&workspace, &user));
    until(&daemon, "the storm to meet the grant", || {
        answered(&harness.atlassian.stats(), ep::USER_ROLE_ASSIGNMENTS, 429) > 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    harness.atlassian.set_fault("*", Fault::default());
    let calm = Instant::now();

    let finish = harness.finish_of(&grant, &daemon).await;
    recovered(5, "grant through a 429 storm, 5xx and resets", calm);
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    assert!(holds(&harness.atlassian.snapshot(), &user, &workspace));
    let stats = harness.atlassian.stats();
    assert_eq!(answered(&stats, ep::ROLES_ASSIGN, 503), 2, "{stats:?}");
    assert_eq!(proxy.fired(), 2, "every reset was met");
    assert_eq!(applied(&stats, ep::ROLES_ASSIGN), 1, "one write: {stats:?}");
    assert_eq!(finishes(&harness, &grant).len(), 1);
    stop(daemon).await;
}

/// An account creation for `email`, as ConductorOne's form sends it.
fn create_account_task(email: &str) -> c1_proto::c1::connectorapi::baton::v1::Task {
    let info = AccountInfo {
        login: email.to_owned(),
        emails: vec![Email {
            address: email.to_owned(),
            is_primary: true,
        }],
        ..AccountInfo::default()
    };
    tasks::create_account(info, None, "user")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_5_an_invitation_failed_or_lost_is_retried_into_exactly_one_account() {
    let harness = Harness::start(107).await;
    let proxy = FaultProxy::start(harness.atlassian.local_addr()).await;
    let url = proxy.url();
    let daemon = harness.spawn(&[PROVISIONING, FAST_POLL, ("BATON_BASE_URL", &url)]);
    let email = "fault.matrix@partner.example.org";

    // First delivery: Atlassian answers 500 (nothing done). Second: Atlassian invites,
    // but the answer is lost in a reset. Neither may be repeated by the client: each
    // ends the task retryably, and the control plane delivers it again.
    harness
        .atlassian
        .set_fault(ep::V2_INVITE, Fault::error(500).times(1));
    let task = harness.c1.push_task(create_account_task(email));
    let first = harness.finish_of(&task, &daemon).await;
    let (code, message, non_retryable) = failure(&first);
    assert_eq!((code, non_retryable), (14, false), "{message}");
    assert_eq!(harness.atlassian.stats().requests(ep::V2_INVITE), 1);
    let retry = Instant::now();
    proxy.lose_answers("/users/invite HTTP", 1);
    assert!(harness.c1.redeliver(&task));
    let tries = nth_finish(&harness, &task, 2, &daemon).await;
    let (code, message, non_retryable) = failure(&tries[1]);
    assert_eq!((code, non_retryable), (14, false), "{message}");
    assert_eq!(proxy.fired(), 1, "the answer was lost");
    assert!(harness.c1.redeliver(&task));
    let tries = nth_finish(&harness, &task, 3, &daemon).await;
    recovered(5, "account creation through a 500 and a lost answer", retry);
    assert!(tries[2].success, "{:?}\n{}", tries[2], daemon.log());
    let response: CreateAccountResponse = any::unpack(tries[2].response.as_ref().unwrap())
        .unwrap()
        .expect("a CreateAccountResponse");
    assert!(
        matches!(response.result, Some(Created::AlreadyExists(_))),
        "the account the lost answer created is found: {response:?}"
    );

    let stats = harness.atlassian.stats();
    assert_eq!(stats.requests(ep::V2_INVITE), 2, "{stats:?}");
    assert_eq!(applied(&stats, ep::V2_INVITE), 1, "{stats:?}");
    let accounts = harness
        .atlassian
        .snapshot()
        .users
        .iter()
        .filter(|u| u.email.as_deref() == Some(email))
        .count();
    assert_eq!(accounts, 1, "exactly one account");
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_6_a_scoped_key_and_a_key_revoked_mid_sync_fail_clearly_then_recover() {
    let harness = Harness::start(108).await;
    let credentials = harness.atlassian.credentials();
    let key_file = harness.dir.path().join("access-token");
    std::fs::write(&key_file, &credentials.scoped_api_key).unwrap();
    let key_path = key_file.display().to_string();
    let daemon = harness.spawn(&[
        FAST_POLL,
        ("BATON_ACCESS_TOKEN", ""),
        ("BATON_ACCESS_TOKEN_FILE", &key_path),
    ]);

    // A key with scopes cannot read the directory: the sync fails saying so.
    let scoped = harness.c1.push_task(tasks::sync_full());
    let finish = harness.finish_of(&scoped, &daemon).await;
    let (code, message, non_retryable) = failure(&finish);
    assert_eq!((code, non_retryable), (7, false), "{message}");
    assert!(message.contains("scopes"), "{message}");
    assert!(harness.c1.records().uploads_of(&scoped).is_empty());
    assert!(temp_dir_is_empty(&harness));

    // A working key is mounted: the next sync works.
    let fixed = Instant::now();
    std::fs::write(&key_file, &credentials.api_key).unwrap();
    logged(&daemon, "reloaded the organization API key").await;
    let good = harness.c1.push_task(tasks::sync_full());
    assert!(harness.finish_of(&good, &daemon).await.success);
    recovered(6, "a key without scopes mounted", fixed);

    // The key is revoked while a sync runs: it fails, uploads nothing, leaves nothing.
    slow_atlassian(&harness, Duration::from_millis(150));
    let revoked = harness.c1.push_task(tasks::sync_full());
    sync_under_way(&harness, &revoked, &daemon).await;
    let mut replaced = credentials.clone();
    replaced.api_key = "fault-matrix-new-org-api-key".to_owned();
    harness.atlassian.set_credentials(replaced.clone());
    let finish = harness.finish_of(&revoked, &daemon).await;
    let (code, message, non_retryable) = failure(&finish);
    assert_eq!((code, non_retryable), (16, false), "{message}");
    assert!(message.starts_with("sync failed: "), "{message}");
    assert!(harness.c1.records().uploads_of(&revoked).is_empty());
    assert!(temp_dir_is_empty(&harness));

    // The new key is mounted: the next sync works again.
    harness.atlassian.clear_faults();
    let fixed = Instant::now();
    std::fs::write(&key_file, &replaced.api_key).unwrap();
    until(&daemon, "the second reload", || {
        daemon
            .log()
            .matches("reloaded the organization API key")
            .count()
            >= 2
    })
    .await;
    let again = harness.c1.push_task(tasks::sync_full());
    let finish = harness.finish_of(&again, &daemon).await;
    recovered(6, "a new key mounted after a revocation", fixed);
    assert!(finish.success, "{finish:?}");
    assert_uploaded_the_organization(&harness, &again);
    let log = stop(daemon).await;
    for key in [
        &credentials.api_key,
        &credentials.scoped_api_key,
        &replaced.api_key,
    ] {
        assert!(!log.contains(key.as_str()), "a key reached the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_7_a_task_delivered_twice_is_answered_without_a_second_write() {
    // A task not finished a second after it was handed out is handed out again.
    let harness = Harness::start_with(
        109,
        ControlPlaneConfig {
            task_lease: Some(Duration::from_secs(1)),
            ..ControlPlaneConfig::default()
        },
    )
    .await;
    let daemon = harness.spawn(&[PROVISIONING, FAST_POLL]);
    let grant = |harness: &Harness| {
        let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
        (harness.c1.push_task(grant_task(&workspace, &user)), user)
    };

    // Delivered again after it ended: the same answer, no request to Atlassian.
    let (ended, _) = grant(&harness);
    assert!(harness.finish_of(&ended, &daemon).await.success);
    let before = harness.atlassian.stats().total;
    let again = Instant::now();
    assert!(harness.c1.redeliver(&ended));
    let answers = nth_finish(&harness, &ended, 2, &daemon).await;
    recovered(7, "a repeated delivery answered", again);
    assert_eq!(answers[1].success, answers[0].success);
    assert_eq!(answers[1].response, answers[0].response);
    assert_eq!(answers[1].annotations, answers[0].annotations);
    assert_eq!(harness.atlassian.stats().total, before, "nothing re-run");

    // A group membership (whose repeat would be a second write) delivered again.
    let org = harness.atlassian.snapshot();
    let (group, member) = org
        .groups
        .iter()
        .filter(|g| !g.external_synced)
        .find_map(|g| {
            let outside = org.users.iter().find(|u| {
                u.is_active()
                    && u.directory_id.as_deref() == Some(g.directory_id.as_str())
                    && !org.members_of(&g.id).any(|m| m == u.account_id)
            })?;
            Some((g, outside))
        })
        .expect("a group and a user of its directory outside it");
    let entitlement = tasks::entitlement(tasks::resource("group", &group.id), "member");
    let membership = harness.c1.push_task(tasks::grant(
        entitlement,
        tasks::resource("user", &member.account_id),
    ));
    let added = harness.finish_of(&membership, &daemon).await;
    assert!(added.success, "{added:?}");
    assert!(harness.c1.redeliver(&membership));
    let answers = nth_finish(&harness, &membership, 2, &daemon).await;
    assert!(answers[1].success, "{:?}", answers[1]);
    assert_eq!(harness.atlassian.stats().requests(ep::GROUP_MEMBER_ADD), 1);

    // Handed out again while it runs (its lease ran out): one run, one write, one end.
    harness.atlassian.reset_stats();
    harness.atlassian.set_fault(
        ep::ROLES_ASSIGN,
        Fault::latency(Duration::from_millis(2500)).times(1),
    );
    let (slow, user) = grant(&harness);
    until(&daemon, "a second delivery of the running grant", || {
        let records = harness.c1.records();
        let deliveries = records.get_tasks.iter();
        deliveries
            .filter(|g| g.task_id.as_deref() == Some(slow.as_str()))
            .count()
            >= 2
    })
    .await;
    let finish = harness.finish_of(&slow, &daemon).await;
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    // Later deliveries (if any) are answered from the first run.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stats = harness.atlassian.stats();
    assert_eq!(stats.requests(ep::ROLES_ASSIGN), 1, "one write: {stats:?}");
    assert_eq!(stats.requests(ep::USER_ROLE_ASSIGNMENTS), 1, "one run");
    assert!(
        finishes(&harness, &slow).iter().all(|f| f.success),
        "{:?}",
        finishes(&harness, &slow)
    );
    let org = harness.atlassian.snapshot();
    assert!(org.roles_of(&sim::atlassian::Principal::User(user)).count() > 0);

    // Its FinishTask fails once: it is sent again (or, were it lost for good, the
    // redelivery after the lease would get the first run's answer), never run twice.
    harness.atlassian.reset_stats();
    harness
        .c1
        .fail_calls(Method::FinishTask, tonic::Code::Unavailable, Times::Next(1));
    let (lost, _) = grant(&harness);
    let lost_at = Instant::now();
    let answers = nth_finish(&harness, &lost, 1, &daemon).await;
    recovered(7, "a failed FinishTask sent again", lost_at);
    assert!(answers[0].success, "{:?}", answers[0]);
    assert!(
        any::find::<GrantAlreadyExists>(&answers[0].annotations)
            .unwrap()
            .is_none(),
        "the first run's answer, not a second run's"
    );
    let stats = harness.atlassian.stats();
    assert_eq!(stats.requests(ep::ROLES_ASSIGN), 1, "one write: {stats:?}");
    assert_eq!(stats.requests(ep::USER_ROLE_ASSIGNMENTS), 1, "one run");
    stop(daemon).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_8_sigterm_mid_upload_within_the_grace_uploads_and_succeeds() {
    let harness = Harness::start(110).await;
    harness.c1.stall_next_upload(Duration::from_secs(2));
    let daemon = harness.spawn(&[FAST_POLL, ("BATON_SHUTDOWN_GRACE", "60s")]);
    let sync = harness.c1.push_task(tasks::sync_full());
    upload_under_way(&daemon).await;
    let signalled = Instant::now();
    daemon.send_sigterm();
    let finish = harness.finish_of(&sync, &daemon).await;
    recovered(8, "SIGTERM mid-upload, within the grace", signalled);
    assert!(finish.success, "{finish:?}\n{}", daemon.log());
    assert_uploaded_the_organization(&harness, &sync);
    let stopped = daemon.wait().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    assert!(temp_dir_is_empty(&harness));
    assert_eq!(finishes(&harness, &sync).len(), 1);
}

/// SIGTERM with a one-second grace while `task_id` runs: it is reported retryable, the
/// daemon exits 0, and nothing of the task is left on disk.
async fn sigterm_past_the_grace(harness: &Harness, daemon: Daemon, task_id: &str) {
    let signalled = Instant::now();
    let stopped = daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    let finish = harness
        .c1
        .wait_for_finish(task_id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", stopped.log));
    eprintln!(
        "fault matrix row 8: SIGTERM past the grace: reported and stopped in {:.2?}",
        signalled.elapsed()
    );
    let (code, message, non_retryable) = failure(&finish);
    assert_eq!((code, non_retryable), (14, false), "{message}");
    assert!(message.contains("shut down"), "{message}");
    assert_eq!(finishes(harness, task_id).len(), 1);
    assert!(
        temp_dir_is_empty(harness),
        "left behind: {:?}\n{}",
        std::fs::read_dir(harness.temp_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect::<Vec<_>>(),
        stopped.log
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_8_sigterm_mid_upload_past_the_grace_uploads_nothing_and_cleans_up() {
    let harness = Harness::start(111).await;
    harness.c1.stall_next_upload(Duration::from_secs(5));
    let daemon = harness.spawn(&[FAST_POLL, ("BATON_SHUTDOWN_GRACE", "1s")]);
    let sync = harness.c1.push_task(tasks::sync_full());
    upload_under_way(&daemon).await;
    sigterm_past_the_grace(&harness, daemon, &sync).await;
    // The stalled stream ends now that the daemon is gone: nothing complete arrived.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(harness.c1.records().uploads_of(&sync).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_8_sigterm_mid_sync_past_the_grace_cleans_up() {
    let harness = Harness::start(112).await;
    slow_atlassian(&harness, Duration::from_secs(15));
    let daemon = harness.spawn(&[FAST_POLL, ("BATON_SHUTDOWN_GRACE", "1s")]);
    let sync = harness.c1.push_task(tasks::sync_full());
    sync_under_way(&harness, &sync, &daemon).await;
    sigterm_past_the_grace(&harness, daemon, &sync).await;
    assert!(harness.c1.records().uploads_of(&sync).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_8_sigterm_mid_grant_past_the_grace_leaves_the_grant_unapplied() {
    let harness = Harness::start(113).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let write_takes = Duration::from_secs(3);
    harness
        .atlassian
        .set_fault(ep::ROLES_ASSIGN, Fault::latency(write_takes));
    let daemon = harness.spawn(&[PROVISIONING, FAST_POLL, ("BATON_SHUTDOWN_GRACE", "1s")]);
    let grant = harness.c1.push_task(grant_task(&workspace, &user));
    until(&daemon, "the grant's write", || {
        harness.atlassian.stats().requests(ep::ROLES_ASSIGN) > 0
    })
    .await;
    sigterm_past_the_grace(&harness, daemon, &grant).await;
    // Past the time the write would have taken: it was abandoned, never applied.
    tokio::time::sleep(write_takes).await;
    assert!(!holds(&harness.atlassian.snapshot(), &user, &workspace));
    assert_eq!(applied(&harness.atlassian.stats(), ep::ROLES_ASSIGN), 0);
}

/// The daemon in service mode under `/bin/sh` with a file-size limit of `kib` KiB
/// (`ulimit -f`) and `SIGXFSZ` ignored, so that a write past the limit fails with `EFBIG`
/// as on a full disk. Its stderr goes to `log` (which the limit bounds too).
fn spawn_with_file_size_limit(
    harness: &Harness,
    kib: u32,
    extra: &[(&str, &str)],
    log: &Path,
) -> tokio::process::Child {
    let script = format!("trap '' XFSZ; ulimit -f {kib} && exec \"$0\"");
    let mut command = tokio::process::Command::new("/bin/sh");
    command
        .args(["-c", &script, env!("CARGO_BIN_EXE_baton-atlassian")])
        .env_clear()
        .envs(harness.env())
        .envs(extra.iter().copied())
        .kill_on_drop(true)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    command.spawn().expect("the shell starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_10_a_full_disk_fails_the_sync_retryably_and_leaves_nothing() {
    let harness = Harness::start(114).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    let log = harness.dir.path().join("limited.log");
    let mut daemon = spawn_with_file_size_limit(&harness, 64, &[PROVISIONING, FAST_POLL], &log);
    let show_log = || std::fs::read_to_string(&log).unwrap_or_default();

    let sync = harness.c1.push_task(tasks::sync_full());
    let finish = harness
        .c1
        .wait_for_finish(&sync, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", show_log()));
    let (code, message, non_retryable) = failure(&finish);
    assert!(!non_retryable, "{code} {message}");
    assert!(message.starts_with("sync failed: "), "{code} {message}");
    eprintln!("fault matrix row 10: full disk: {message}");
    assert!(
        message.contains("disk") || message.contains("too large"),
        "the message says what happened: {message}"
    );
    assert!(harness.c1.records().uploads_of(&sync).is_empty());
    assert!(temp_dir_is_empty(&harness), "{}", show_log());

    // The daemon goes on: a task that needs no disk still works.
    let going_on = Instant::now();
    let grant = harness.c1.push_task(grant_task(&workspace, &user));
    let granted = harness
        .c1
        .wait_for_finish(&grant, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", show_log()));
    recovered(10, "next task after a full disk", going_on);
    assert!(granted.success, "{granted:?}");
    let pid = daemon.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::time::timeout(WAIT, daemon.wait())
        .await
        .expect("the daemon exits")
        .unwrap();
    assert_eq!(status.code(), Some(0), "{}", show_log());
    assert_eq!(finishes(&harness, &sync).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_10_an_unwritable_temp_dir_fails_the_sync_until_it_is_fixed() {
    let harness = Harness::start(115).await;
    let daemon = harness.spawn(&[FAST_POLL]);
    harness.c1.wait_for_hello(WAIT).await.unwrap();
    // The directory's volume goes away: a file now stands where it was.
    let temp_dir = harness.temp_dir();
    std::fs::remove_dir(&temp_dir).unwrap();
    std::fs::write(&temp_dir, "not a directory").unwrap();

    let sync = harness.c1.push_task(tasks::sync_full());
    let finish = harness.finish_of(&sync, &daemon).await;
    let (code, message, non_retryable) = failure(&finish);
    assert!(!non_retryable, "{code} {message}");
    assert!(
        message.contains("could not create a temporary directory in"),
        "{message}"
    );
    assert!(harness.c1.records().uploads_of(&sync).is_empty());

    std::fs::remove_file(&temp_dir).unwrap();
    std::fs::create_dir(&temp_dir).unwrap();
    retried_sync_uploads(&harness, daemon, &sync, 10, "temp dir writable again").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_11_cancelled_mid_upload_nothing_is_kept_and_a_grant_is_never_half_done() {
    let harness = Harness::start(116).await;
    let (workspace, user) = workspace_and_user(&harness.atlassian.snapshot());
    harness.c1.stall_next_upload(Duration::from_secs(5));
    let daemon = harness.spawn(&[PROVISIONING, FAST_POLL]);
    let sync = harness.c1.push_task(tasks::sync_full());
    upload_under_way(&daemon).await;
    let cancelled = Instant::now();
    harness.c1.cancel_task(&sync);
    let finish = harness.finish_of(&sync, &daemon).await;
    eprintln!(
        "fault matrix row 11: cancelled mid-upload: stopped in {:.2?}",
        cancelled.elapsed()
    );
    let (code, message, _) = failure(&finish);
    assert_eq!(code, 1, "{message}");
    assert!(message.contains("cancelled"), "{message}");
    assert!(temp_dir_is_empty(&harness));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(harness.c1.records().uploads_of(&sync).is_empty());

    // The daemon goes on with the next sync.
    let next = harness.c1.push_task(tasks::sync_full());
    assert!(harness.finish_of(&next, &daemon).await.success);
    recovered(11, "next sync after a cancelled upload", cancelled);
    assert_uploaded_the_organization(&harness, &next);

    // A grant sends no heartbeats (as the SDK's): cancelled while its write is in flight,
    // it completes, and what it reports is what Atlassian holds.
    harness.atlassian.set_fault(
        ep::ROLES_ASSIGN,
        Fault::latency(Duration::from_millis(1500)).times(1),
    );
    let grant = harness.c1.push_task(grant_task(&workspace, &user));
    until(&daemon, "the grant's write", || {
        harness.atlassian.stats().requests(ep::ROLES_ASSIGN) > 0
    })
    .await;
    harness.c1.cancel_task(&grant);
    let finish = harness.finish_of(&grant, &daemon).await;
    assert!(finish.success, "{finish:?}");
    assert!(holds(&harness.atlassian.snapshot(), &user, &workspace));
    assert_eq!(applied(&harness.atlassian.stats(), ep::ROLES_ASSIGN), 1);
    stop(daemon).await;
}

/// Both simulators, the control plane's clock `offset_secs` off.
async fn skewed(seed: u64, offset_secs: i64) -> Harness {
    Harness::start_with(
        seed,
        ControlPlaneConfig {
            clock_offset_secs: offset_secs,
            ..ControlPlaneConfig::default()
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_12_clock_skew_inside_the_jwt_window_logs_in_and_outside_fails_clearly() {
    // The assertion is valid from 120 s before to 120 s after the daemon's now, and the
    // control plane allows 60 s of skew on top but refuses an `iat` in its future: it may
    // run up to 180 s ahead and 60 s behind.
    for (seed, offset) in [(117, 170), (118, -50)] {
        let started = Instant::now();
        let harness = skewed(seed, offset).await;
        let daemon = harness.spawn(&[FAST_POLL]);
        harness
            .c1
            .wait_for_hello(WAIT)
            .await
            .unwrap_or_else(|e| panic!("clock {offset:+} s: {e}\n{}", daemon.log()));
        let task = harness.c1.push_task(tasks::event_feed());
        harness.finish_of(&task, &daemon).await;
        recovered(
            12,
            &format!("logged in with a clock {offset:+} s off"),
            started,
        );
        stop(daemon).await;
    }
    for (seed, offset, refusal) in [
        (119, 200, "assertion expired"),
        (120, -90, "assertion issued in the future"),
    ] {
        let harness = skewed(seed, offset).await;
        // Service mode (no subcommand) ends on its own: ConductorOne refuses it.
        let run = binary::run(&[], harness.env()).await;
        assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
        let last = run.error_line();
        assert!(
            last.starts_with("error: could not register with ConductorOne"),
            "{last}"
        );
        assert!(last.contains(refusal), "clock {offset:+} s: {last}");
        assert!(
            last.contains("clock"),
            "the message points at the clock: {last}"
        );
        assert!(harness.c1.records().hellos.is_empty());
    }
}
