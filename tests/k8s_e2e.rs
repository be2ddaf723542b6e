//! End to end: leader election of the real `baton-atlassian` binary against a real
//! Kubernetes API server (etcd and kube-apiserver on loopback, see `support/kube.rs`),
//! with the Atlassian and ConductorOne simulators. Replicas are told apart by their pod
//! name (the Lease holder) and, in these tests only, their host id.
//!
//! - two replicas: only the Lease holder polls; after a `kill -9` of it the standby takes
//!   over within the lease duration and every grant task ends exactly once;
//! - SIGTERM of the leader: its running task ends, then it releases the Lease, and the
//!   standby takes over long before the Lease would have run out;
//! - a leader that loses the Lease stops polling and reports its running task retryable;
//! - the identity the chart's Role binds (rendered by helm, applied by kubectl) suffices,
//!   and without it the replica says RBAC refused it and stands by.
//!
//! Needs the tools of `scripts/k8s-tools.sh` (CI installs them); fails without them.

#[path = "support/binary.rs"]
mod binary;
#[path = "support/grants.rs"]
mod grants;
#[path = "support/kube.rs"]
mod k8s;
#[path = "support/ports.rs"]
mod ports;
#[path = "support/service.rs"]
mod service;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use grants::{PROVISIONING, grant_task, holds, workspace_and_user};
use k8s::{ApiServer, TokenUser, Tools, wait_for_lease};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use ports::free_port;
use service::{Daemon, Harness, WAIT};
use sim::atlassian::{Fault, Org};
use sim::controlplane::Records;

/// The namespace of the Lease (as `POD_NAMESPACE`).
const NAMESPACE: &str = "identity";
/// The Lease's name.
const LEASE: &str = "baton-atlassian";

/// A replica's leader election settings and where to find it.
struct Replica {
    /// Its pod name: the Lease holder's identity, and here also its host id.
    name: &'static str,
    /// Its health server's port.
    port: u16,
    daemon: Daemon,
}

/// How a replica is started.
struct Setup<'a> {
    kubeconfig: &'a Path,
    /// `POD_NAMESPACE`; `None` leaves the kubeconfig's namespace.
    namespace: Option<&'a str>,
    lease: &'a str,
    /// Lease duration and renew grace.
    timing: (&'a str, &'a str),
    shutdown_grace: &'a str,
}

impl Setup<'_> {
    /// Starts replica `name` as the chart would (leader election, pod name and namespace,
    /// health server), pointed at the simulators.
    fn spawn(&self, harness: &Harness, name: &'static str) -> Replica {
        let port = free_port();
        let mut env: Vec<(&str, String)> = vec![
            ("BATON_LEADER_ELECTION", "true".into()),
            ("BATON_LEADER_ELECTION_LEASE_NAME", self.lease.into()),
            ("BATON_LEADER_ELECTION_LEASE_DURATION", self.timing.0.into()),
            ("BATON_LEADER_ELECTION_RENEW_GRACE", self.timing.1.into()),
            ("POD_NAME", name.into()),
            ("KUBECONFIG", self.kubeconfig.display().to_string()),
            ("BATON_HOST_ID", name.into()),
            ("BATON_HEALTH_CHECK", "true".into()),
            ("BATON_HEALTH_CHECK_PORT", port.to_string()),
            ("BATON_HEALTH_CHECK_BIND_ADDRESS", "127.0.0.1".into()),
            ("BATON_SHUTDOWN_GRACE", self.shutdown_grace.into()),
            ("BATON_POLL_FLOOR", "100ms".into()),
            (PROVISIONING.0, PROVISIONING.1.into()),
        ];
        if let Some(namespace) = self.namespace {
            env.push(("POD_NAMESPACE", namespace.into()));
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Replica {
            name,
            port,
            daemon: harness.spawn(&env),
        }
    }
}

impl Replica {
    /// `baton_leader` on its `/metrics` (`None` while the health server does not answer).
    async fn leader_gauge(&self) -> Option<f64> {
        let output = tokio::process::Command::new("curl")
            .args(["-sf", &format!("http://127.0.0.1:{}/metrics", self.port)])
            .output()
            .await
            .expect("curl runs");
        let text = String::from_utf8(output.stdout).ok()?;
        text.lines()
            .find_map(|line| line.strip_prefix("baton_leader "))
            .map(|value| value.parse().unwrap())
    }

    /// Waits until its `baton_leader` gauge is `value`.
    async fn wait_for_gauge(&self, value: f64) {
        let deadline = Instant::now() + WAIT;
        while self.leader_gauge().await != Some(value) {
            assert!(
                Instant::now() < deadline,
                "{}: baton_leader never became {value}\n{}",
                self.name,
                self.daemon.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Asserts that its `/readyz` answers 200 (the `health-check` exec probe).
    async fn assert_ready(&self) {
        let probe = binary::run(
            &["health-check", "--endpoint", "ready"],
            [("BATON_HEALTH_CHECK_PORT", self.port.to_string())],
        )
        .await;
        assert_eq!(probe.code, Some(0), "{}: {}", self.name, probe.stderr);
        assert!(probe.stdout.contains("HTTP 200"), "{probe:?}");
    }
}

/// The tools, an API server with `users` and the test namespace, and an admin client.
async fn cluster(users: &[TokenUser]) -> (ApiServer, kube::Client) {
    let tools = Tools::get().await;
    let server = ApiServer::start(&tools, users).await;
    server
        .kubectl(&["create", "namespace", NAMESPACE], "")
        .await;
    let client = server.client().await;
    (server, client)
}

/// Waits until the Lease in `namespace` is held by one of `replicas`; returns its index.
async fn holder_among(client: &kube::Client, namespace: &str, replicas: &[&Replica]) -> usize {
    let names: Vec<&str> = replicas.iter().map(|r| r.name).collect();
    let held = wait_for_lease(client, namespace, LEASE, WAIT, |lease| {
        lease.holder.as_deref().is_some_and(|h| names.contains(&h))
    })
    .await
    .unwrap_or_else(|last| {
        let logs: Vec<String> = replicas.iter().map(|r| r.daemon.log()).collect();
        panic!("no replica took the Lease (last seen: {last:?})\n{logs:#?}")
    });
    let holder = held.holder.unwrap();
    names.iter().position(|n| *n == holder).unwrap()
}

/// A workspace offering the grant role and `n` users who do not hold it there.
fn grantees(org: &Org, n: usize) -> (String, Vec<String>) {
    let (workspace, _) = workspace_and_user(org);
    let users: Vec<String> = org
        .users
        .iter()
        .filter(|u| u.is_active() && u.directory_id.is_some())
        .filter(|u| !holds(org, &u.account_id, &workspace))
        .map(|u| u.account_id.clone())
        .take(n)
        .collect();
    assert_eq!(users.len(), n, "enough users without the role");
    (workspace, users)
}

/// Queues a grant of the role on `workspace` to each of `users`; returns the task ids.
fn queue_grants(harness: &Harness, workspace: &str, users: &[String]) -> Vec<String> {
    users
        .iter()
        .map(|user| harness.c1.push_task(grant_task(workspace, user)))
        .collect()
}

/// Waits until every task of `ids` is finished; fails showing the replicas' logs.
async fn wait_for_finishes(harness: &Harness, ids: &[String], replicas: &[&Replica]) -> Records {
    let waited = harness
        .c1
        .wait_for(WAIT, "every grant finished", |records| {
            ids.iter()
                .all(|id| records.finish_of(id).is_some())
                .then(|| records.clone())
        })
        .await;
    waited.unwrap_or_else(|timeout| {
        let logs: Vec<String> = replicas.iter().map(|r| r.daemon.log()).collect();
        panic!("{timeout}\n{logs:#?}")
    })
}

/// Every task of `ids` was handed out once and finished once, successfully, by `host`.
fn each_once_by(records: &Records, ids: &[String], host: &str) {
    for id in ids {
        let handed: Vec<&str> = records
            .get_tasks
            .iter()
            .filter(|g| g.task_id.as_deref() == Some(id.as_str()))
            .map(|g| g.host_id.as_str())
            .collect();
        assert_eq!(handed, [host], "task {id} handed out");
        let finishes: Vec<_> = records
            .finishes
            .iter()
            .filter(|f| &f.task_id == id)
            .collect();
        assert_eq!(finishes.len(), 1, "task {id}: {finishes:?}");
        assert!(finishes[0].success, "{:?}", finishes[0]);
        assert_eq!(finishes[0].host_id, host);
    }
}

/// When `host` first polled, if it did.
fn first_poll(records: &Records, host: &str) -> Option<SystemTime> {
    records
        .get_tasks
        .iter()
        .find(|g| g.host_id == host)
        .map(|g| g.at)
}

/// Waits until the log of `replica` contains `text`.
async fn wait_for_log(replica: &Replica, text: &str) {
    let deadline = Instant::now() + WAIT;
    while !replica.daemon.log().contains(text) {
        assert!(
            Instant::now() < deadline,
            "{}: the log never said {text:?}\n{}",
            replica.name,
            replica.daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// SIGTERM; it must exit 0.
async fn stop(replica: Replica) -> String {
    let stopped = replica.daemon.terminate().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    stopped.log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_leader_polls_and_a_standby_takes_over_after_a_kill() {
    let (server, client) = cluster(&[]).await;
    let harness = Harness::start(51).await;
    let kubeconfig = server.kubeconfig();
    let setup = Setup {
        kubeconfig: &kubeconfig,
        namespace: Some(NAMESPACE),
        lease: LEASE,
        timing: ("6s", "3s"),
        shutdown_grace: "5s",
    };
    let lease_duration = Duration::from_secs(6);
    let mut replicas = vec![
        setup.spawn(&harness, "replica-a"),
        setup.spawn(&harness, "replica-b"),
    ];
    let leader_at = holder_among(&client, NAMESPACE, &[&replicas[0], &replicas[1]]).await;
    let standby = replicas.remove(1 - leader_at);
    let leader = replicas.remove(0);
    leader.wait_for_gauge(1.0).await;
    standby.wait_for_gauge(0.0).await;
    // A standby is ready: healthy, registered and waiting.
    standby.assert_ready().await;

    let (workspace, users) = grantees(&harness.atlassian.snapshot(), 6);
    let first = queue_grants(&harness, &workspace, &users[..3]);
    let records = wait_for_finishes(&harness, &first, &[&leader, &standby]).await;
    each_once_by(&records, &first, leader.name);
    assert_eq!(
        first_poll(&records, standby.name),
        None,
        "the standby never polls"
    );

    // As when a node dies: nothing is cleaned up, the Lease is not released.
    leader.daemon.send_signal("KILL");
    let stopped = leader.daemon.wait().await;
    let killed_at = SystemTime::now();
    assert_eq!(stopped.code, None, "killed by a signal");
    let second = queue_grants(&harness, &workspace, &users[3..]);
    let polled = harness
        .c1
        .wait_for(WAIT, "a poll of the standby", |r| {
            first_poll(r, standby.name)
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", standby.daemon.log()));
    let takeover = polled.duration_since(killed_at).unwrap_or_default();
    println!("takeover after kill -9: {takeover:?} (lease duration {lease_duration:?})");
    assert!(
        takeover < lease_duration + Duration::from_secs(4),
        "took over after {takeover:?}\n{}",
        standby.daemon.log()
    );
    let records = wait_for_finishes(&harness, &second, &[&standby]).await;
    each_once_by(&records, &second, standby.name);
    assert!(
        records
            .get_tasks
            .iter()
            .filter(|g| g.host_id == standby.name)
            .all(|g| g.at >= killed_at),
        "the standby polled only once the leader was gone"
    );
    let org = harness.atlassian.snapshot();
    for user in &users {
        assert!(holds(&org, user, &workspace), "{user} holds the role");
    }
    let lease = k8s::lease(&client, NAMESPACE, LEASE).await.unwrap();
    assert_eq!(lease.holder.as_deref(), Some(standby.name));
    standby.wait_for_gauge(1.0).await;
    stop(standby).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_running_task_then_hands_the_lease_over_at_once() {
    let (server, client) = cluster(&[]).await;
    let harness = Harness::start(52).await;
    let kubeconfig = server.kubeconfig();
    // No POD_NAMESPACE: the kubeconfig's namespace (`default`) is used.
    let setup = Setup {
        kubeconfig: &kubeconfig,
        namespace: None,
        lease: LEASE,
        timing: ("40s", "5s"),
        shutdown_grace: "20s",
    };
    let mut replicas = vec![
        setup.spawn(&harness, "replica-a"),
        setup.spawn(&harness, "replica-b"),
    ];
    let leader_at = holder_among(&client, "default", &[&replicas[0], &replicas[1]]).await;
    let standby = replicas.remove(1 - leader_at);
    let leader = replicas.remove(0);

    // Every Atlassian answer takes a second: the grant is still running at SIGTERM.
    harness
        .atlassian
        .set_fault("*", Fault::latency(Duration::from_secs(1)));
    let (workspace, users) = grantees(&harness.atlassian.snapshot(), 2);
    let running = queue_grants(&harness, &workspace, &users[..1]);
    harness
        .c1
        .wait_for(WAIT, "the grant handed out", |r| {
            r.get_tasks
                .iter()
                .any(|g| g.task_id.as_ref() == Some(&running[0]))
                .then_some(())
        })
        .await
        .unwrap();
    let before = k8s::lease(&client, "default", LEASE).await.unwrap();
    let would_expire = before.expires().unwrap();
    leader.daemon.send_sigterm();
    let terminated_at = SystemTime::now();

    let taken = wait_for_lease(&client, "default", LEASE, WAIT, |l| {
        l.holder.as_deref() == Some(standby.name)
    })
    .await
    .unwrap_or_else(|last| panic!("not taken over: {last:?}\n{}", leader.daemon.log()));
    let taken_at = SystemTime::now();
    let stopped = leader.daemon.wait().await;
    assert_eq!(stopped.code, Some(0), "{}", stopped.log);
    assert!(stopped.log.contains("Lease released"), "{}", stopped.log);
    println!(
        "takeover after SIGTERM: {:?}; the Lease had {:?} left",
        taken_at.duration_since(terminated_at).unwrap(),
        would_expire.duration_since(terminated_at).unwrap()
    );
    assert!(
        taken_at + Duration::from_secs(10) < would_expire,
        "taken over only near the Lease's end: {taken:?}"
    );

    let records = wait_for_finishes(&harness, &running, &[&standby]).await;
    each_once_by(&records, &running, leader.name);
    let finished_at = records.finish_of(&running[0]).unwrap().at;
    harness.atlassian.clear_faults();
    let next = queue_grants(&harness, &workspace, &users[1..]);
    let records = wait_for_finishes(&harness, &next, &[&standby]).await;
    each_once_by(&records, &next, standby.name);
    let polled = first_poll(&records, standby.name).unwrap();
    assert!(
        finished_at <= polled,
        "the Lease was released only after the running task ended"
    );
    stop(standby).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_that_loses_the_lease_stops_and_reports_its_task_retryable() {
    let (server, client) = cluster(&[]).await;
    let harness = Harness::start(53).await;
    let kubeconfig = server.kubeconfig();
    let setup = Setup {
        kubeconfig: &kubeconfig,
        namespace: Some(NAMESPACE),
        lease: LEASE,
        timing: ("6s", "3s"),
        shutdown_grace: "1s",
    };
    let replica = setup.spawn(&harness, "replica-a");
    holder_among(&client, NAMESPACE, &[&replica]).await;
    replica.wait_for_gauge(1.0).await;

    // Every Atlassian answer takes long: the grant is still running when the Lease goes.
    harness
        .atlassian
        .set_fault("*", Fault::latency(Duration::from_secs(15)));
    let (workspace, users) = grantees(&harness.atlassian.snapshot(), 1);
    let task = queue_grants(&harness, &workspace, &users);
    harness
        .c1
        .wait_for(WAIT, "the grant handed out", |r| {
            r.get_tasks
                .iter()
                .any(|g| g.task_id.as_ref() == Some(&task[0]))
                .then_some(())
        })
        .await
        .unwrap();
    // Another holder takes the Lease, as a standby would after a network partition.
    let patch = serde_json::json!({
        "spec": {
            "holderIdentity": "intruder",
            "acquireTime": MicroTime(Timestamp::now()),
            "renewTime": MicroTime(Timestamp::now()),
            "leaseDurationSeconds": 60,
        }
    });
    kube::Api::<Lease>::namespaced(client.clone(), NAMESPACE)
        .patch(LEASE, &Default::default(), &kube::api::Patch::Merge(patch))
        .await
        .unwrap();
    let lost_at = SystemTime::now();

    let finish = harness.finish_of(&task[0], &replica.daemon).await;
    assert!(!finish.success);
    assert_eq!(
        (finish.status_code(), finish.non_retryable),
        (14, false),
        "{finish:?}"
    );
    assert!(
        finish.status_message().contains("lost the leader Lease"),
        "{finish:?}"
    );
    replica.wait_for_gauge(0.0).await;
    wait_for_log(&replica, "does not hold the Lease any more").await;
    // A second later it still takes no task.
    let idle = queue_grants(&harness, &workspace, &users);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let records = harness.c1.records();
    let late_polls: Vec<_> = records
        .get_tasks
        .iter()
        .filter(|g| g.at > lost_at + Duration::from_secs(1))
        .collect();
    assert!(
        late_polls.is_empty(),
        "polled after losing the Lease: {late_polls:?}"
    );
    assert!(records.finish_of(&idle[0]).is_none());
    assert_eq!(harness.c1.pending_tasks(), 1);
    replica.assert_ready().await;
    stop(replica).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_charts_role_is_all_a_replica_needs_and_without_it_it_stands_by() {
    let account = TokenUser::service_account(NAMESPACE, "baton-atlassian");
    let (server, client) = cluster(std::slice::from_ref(&account)).await;
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../charts/baton-atlassian");
    let render = |templates: &[&str]| {
        let mut args: Vec<String> = [
            "template",
            "baton-atlassian",
            chart.to_str().unwrap(),
            "--namespace",
            NAMESPACE,
            "-f",
        ]
        .map(str::to_owned)
        .to_vec();
        args.push(chart.join("ci/ha-values.yaml").display().to_string());
        for template in templates {
            args.push("-s".to_owned());
            args.push(format!("templates/{template}"));
        }
        args
    };
    let deployment = server
        .helm(
            &render(&["deployment.yaml"])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .await;
    let lease = env_value(&deployment, "BATON_LEADER_ELECTION_LEASE_NAME");
    let harness = Harness::start(54).await;
    let kubeconfig: PathBuf = server.kubeconfig_for(&account, NAMESPACE);
    let setup = Setup {
        kubeconfig: &kubeconfig,
        namespace: Some(NAMESPACE),
        lease: &lease,
        timing: ("6s", "3s"),
        shutdown_grace: "5s",
    };
    let replica = setup.spawn(&harness, "baton-atlassian-5d8f7c9b6-x2k4q");

    // No Role yet: refused, said so, standing by (registered and ready, but not polling).
    wait_for_log(&replica, "refused by RBAC").await;
    assert!(
        !replica.daemon.log().contains(&account.token),
        "no token in the log"
    );
    harness.c1.wait_for_hello(WAIT).await.unwrap();
    replica.assert_ready().await;
    assert_eq!(replica.leader_gauge().await, Some(0.0));
    assert_eq!(first_poll(&harness.c1.records(), replica.name), None);

    let rbac = server
        .helm(
            &render(&["role.yaml", "rolebinding.yaml"])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .await;
    server
        .kubectl(&["apply", "--namespace", NAMESPACE, "-f", "-"], &rbac)
        .await;

    let held = wait_for_lease(&client, NAMESPACE, &lease, WAIT, |l| {
        l.holder.as_deref() == Some(replica.name)
    })
    .await
    .unwrap_or_else(|last| panic!("never led: {last:?}\n{}", replica.daemon.log()));
    assert!(held.acquired.is_some());
    let (workspace, users) = grantees(&harness.atlassian.snapshot(), 1);
    let task = queue_grants(&harness, &workspace, &users);
    let records = wait_for_finishes(&harness, &task, &[&replica]).await;
    each_once_by(&records, &task, replica.name);

    let log = stop(replica).await;
    assert!(log.contains("Lease released"), "{log}");
    let released = k8s::lease(&client, NAMESPACE, &lease).await.unwrap();
    assert_eq!(released.holder, None, "released with the Role's verbs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_leader_election_settings_stop_start_up_naming_them() {
    let harness = Harness::start(55).await;
    let cases = [
        (
            ("POD_NAMESPACE", "Identity"),
            "invalid --leader-election (BATON_LEADER_ELECTION): POD_NAMESPACE 'Identity' is not \
             a Kubernetes namespace name",
        ),
        (
            ("BATON_LEADER_ELECTION_RENEW_GRACE", "15s"),
            "invalid --leader-election-renew-grace (BATON_LEADER_ELECTION_RENEW_GRACE): must be \
             shorter than the lease duration (15s), got 15s",
        ),
    ];
    for (setting, expected) in cases {
        let mut env = harness.env();
        env.push(("BATON_LEADER_ELECTION".into(), "true".into()));
        env.push((setting.0.into(), setting.1.into()));
        let run = binary::run(&["serve"], env).await;
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        assert_eq!(run.error_line(), format!("error: {expected}"));
    }
}

/// The value of the environment variable `name` in a rendered Deployment.
fn env_value(deployment: &str, name: &str) -> String {
    let mut lines = deployment.lines();
    lines
        .find(|line| line.trim() == format!("- name: {name}"))
        .unwrap_or_else(|| panic!("{name} is not set:\n{deployment}"));
    let value = lines.next().unwrap().trim();
    value
        .strip_prefix("value: ")
        .unwrap_or_else(|| panic!("{name} has no plain value: {value}"))
        .trim_matches('"')
        .to_owned()
}
