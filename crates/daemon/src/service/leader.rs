//! Leader election (`--leader-election`): of the replicas sharing one ConductorOne client,
//! only the one holding a `coordination.k8s.io/v1` Lease polls for tasks and runs scheduled
//! syncs ([`Leadership`]); the others stand by, healthy and ready, to take over.
//!
//! `kube-lease-manager` takes, renews and releases the Lease (server-side apply, so two
//! replicas never both take it; it uses `get`, `patch` and, once, `create` on leases).
//! Beside it the [`Elector`] reads the Lease every [`check_interval`], because the manager
//! alone:
//! - looks at a Lease held by another replica only when it would expire, so a Lease
//!   released on shutdown would wait that long: when the Lease is seen released, the
//!   standby's manager is restarted and takes it at once;
//! - goes on reporting leadership while it cannot renew (API server unreachable): the
//!   leader stops leading when it has not seen its own renewal for so long that the Lease
//!   is half the renew grace from running out, before a standby may take it over.
//!
//! Without the Kubernetes API (no client, the Lease refused by RBAC) the replica says so in
//! the log, stands by and keeps trying.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use k8s_openapi::api::coordination::v1::Lease;
use kube::{Api, Client};
use kube_lease_manager::{LeaseManager, LeaseManagerBuilder, LeaseManagerError};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::hello_delay;
use crate::config::leader::LeaderSettings;
use crate::health::metrics;

/// Longest wait between two attempts to reach the Kubernetes API.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);
/// Longest wait for the Lease to be released at shutdown.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest time between two reads of the Lease.
const MAX_CHECK_INTERVAL: Duration = Duration::from_secs(2);

/// Whether this replica may work now: it leads. Clones follow the same election.
#[derive(Clone, Debug)]
pub struct Leadership {
    leads: watch::Receiver<bool>,
    /// Keeps the channel open when there is no election.
    _always: Option<Arc<watch::Sender<bool>>>,
}

impl Leadership {
    /// Without leader election: this replica always leads.
    fn always() -> Self {
        metrics::set_leader(true);
        let (sender, leads) = watch::channel(true);
        Self {
            leads,
            _always: Some(Arc::new(sender)),
        }
    }

    /// Waits until this replica leads, then returns its term: a token cancelled at
    /// `shutdown` or when the replica stops leading. `None` when `shutdown` comes first.
    pub async fn term(&mut self, shutdown: &CancellationToken) -> Option<CancellationToken> {
        let leads = tokio::select! {
            biased;
            () = shutdown.cancelled() => return None,
            leads = self.leads.wait_for(|leads| *leads) => leads.is_ok(),
        };
        if !leads {
            // The election ended: no more terms.
            shutdown.cancelled().await;
            return None;
        }
        let term = shutdown.child_token();
        let mut leadership = self.leads.clone();
        tokio::spawn({
            let term = term.clone();
            async move {
                tokio::select! {
                    () = term.cancelled() => {}
                    _ = leadership.wait_for(|leads| !*leads) => term.cancel(),
                }
            }
        });
        Some(term)
    }
}

/// The election, running in its own Tokio task until [`release`](Self::release).
#[derive(Debug)]
pub struct Elector {
    running: Option<(CancellationToken, JoinHandle<()>)>,
}

impl Elector {
    /// Starts the election `settings` describe; without settings there is none and this
    /// replica always leads.
    pub fn start(settings: Option<LeaderSettings>) -> (Leadership, Elector) {
        let Some(settings) = settings else {
            return (Leadership::always(), Elector { running: None });
        };
        metrics::set_leader(false);
        let (publish, leads) = watch::channel(false);
        let stop = CancellationToken::new();
        let election = Election {
            lease: format!(
                "{}/{}",
                settings.namespace.as_deref().unwrap_or("(default)"),
                settings.lease_name
            ),
            settings,
            publish,
            stop: stop.clone(),
        };
        let task = tokio::spawn(election.run());
        let leadership = Leadership {
            leads,
            _always: None,
        };
        (
            leadership,
            Elector {
                running: Some((stop, task)),
            },
        )
    }

    /// Ends the election; if this replica holds the Lease, releases it so a standby takes
    /// over at once (else it does when the Lease runs out).
    pub async fn release(self) {
        if let Some((stop, task)) = self.running {
            stop.cancel();
            let _ = task.await;
        }
    }
}

/// One replica's part in the election.
struct Election {
    settings: LeaderSettings,
    /// `namespace/name`, for the log.
    lease: String,
    /// Whether this replica leads, as the runner and the scheduler see it.
    publish: watch::Sender<bool>,
    /// The election ends.
    stop: CancellationToken,
}

/// A running lease manager: its view of whether this replica holds the Lease, and its task.
struct Manager {
    leads: watch::Receiver<bool>,
    task: JoinHandle<Result<LeaseManager, LeaseManagerError>>,
}

/// Why following a manager ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// The election is over.
    Stopped,
    /// The Lease was released while the manager waits for it to expire: start a new one.
    Released,
    /// The manager's task ended on its own.
    ManagerGone,
}

impl Election {
    async fn run(mut self) {
        tracing::info!(
            lease = %self.lease,
            identity = %self.settings.identity,
            duration = ?self.settings.lease_duration,
            renew_grace = ?self.settings.renew_grace,
            "leader election: standing by until this replica holds the Lease"
        );
        let Some(client) = self.connect().await else {
            return;
        };
        let namespace = self
            .settings
            .namespace
            .clone()
            .unwrap_or_else(|| client.default_namespace().to_owned());
        self.lease = format!("{namespace}/{}", self.settings.lease_name);
        let api = Api::<Lease>::namespaced(client.clone(), &namespace);
        loop {
            let Some(mut manager) = self.start_manager(&client, &namespace).await else {
                return;
            };
            match self.follow(&mut manager, &api).await {
                Ended::Stopped => return self.release(manager).await,
                Ended::Released => {
                    tracing::info!(
                        lease = %self.lease,
                        "leader election: the Lease was released; taking it"
                    );
                    manager.task.abort();
                }
                Ended::ManagerGone => {
                    self.publish(false);
                    tracing::warn!(
                        lease = %self.lease,
                        "leader election: the lease manager stopped; starting it again"
                    );
                    if !self.pause(retry_delay(1)).await {
                        return;
                    }
                }
            }
        }
    }

    /// A client of the Kubernetes API (in-cluster service account, or KUBECONFIG), tried
    /// again until it can be made; `None` when the election stops first.
    async fn connect(&self) -> Option<Client> {
        let mut failures = 0;
        loop {
            match Client::try_default().await {
                Ok(client) => return Some(client),
                Err(error) => {
                    failures += 1;
                    let delay = retry_delay(failures);
                    tracing::warn!(
                        retry_in = ?delay,
                        "leader election: no Kubernetes API client (in-cluster service account or \
                         KUBECONFIG): {}; standing by",
                        describe(&error)
                    );
                    if !self.pause(delay).await {
                        return None;
                    }
                }
            }
        }
    }

    /// A lease manager for the Lease (created when it does not exist), tried again until
    /// the API server lets it; `None` when the election stops first.
    async fn start_manager(&self, client: &Client, namespace: &str) -> Option<Manager> {
        let settings = &self.settings;
        let mut failures = 0;
        loop {
            let built = tokio::select! {
                () = self.stop.cancelled() => return None,
                built = LeaseManagerBuilder::new(client.clone(), &settings.lease_name)
                    .with_namespace(namespace)
                    .with_identity(&settings.identity)
                    .with_duration(settings.lease_duration.as_secs())
                    .with_grace(settings.renew_grace.as_secs())
                    .build() => built,
            };
            match built {
                Ok(manager) => {
                    let (leads, task) = manager.watch().await;
                    return Some(Manager { leads, task });
                }
                Err(error) => {
                    failures += 1;
                    let delay = retry_delay(failures);
                    tracing::warn!(
                        lease = %self.lease,
                        retry_in = ?delay,
                        "leader election: cannot read or create the Lease: {}; standing by",
                        describe_manager(&error)
                    );
                    if !self.pause(delay).await {
                        return None;
                    }
                }
            }
        }
    }

    /// Publishes whether this replica leads, from the manager's view checked against the
    /// Lease as read every [`check_interval`], until the election stops, the Lease is seen
    /// released while the manager waits, or the manager ends.
    async fn follow(&self, manager: &mut Manager, api: &Api<Lease>) -> Ended {
        let settings = &self.settings;
        let margin = settings.renew_grace / 2;
        let mut view = View::default();
        let mut checks = tokio::time::interval(check_interval(settings.renew_grace));
        checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut reachable = true;
        loop {
            let now = Instant::now();
            let leads = view.leads(now);
            self.publish(leads);
            let deadline = view.until.filter(|_| leads).unwrap_or(now);
            tokio::select! {
                () = self.stop.cancelled() => return Ended::Stopped,
                changed = manager.leads.changed() => {
                    if changed.is_err() {
                        return Ended::ManagerGone;
                    }
                    let holds = *manager.leads.borrow_and_update();
                    view.manager_says(holds, Instant::now() + settings.lease_duration - margin);
                }
                _ = checks.tick() => match self.read(api).await {
                    Ok(lease) => {
                        if !reachable {
                            tracing::info!(
                                lease = %self.lease,
                                "leader election: the Lease can be read again"
                            );
                            reachable = true;
                        }
                        let seen = Seen::of(lease.as_ref(), &settings.identity, margin);
                        if view.lease_seen(seen) {
                            return Ended::Released;
                        }
                    }
                    Err(problem) => {
                        if reachable {
                            tracing::warn!(
                                lease = %self.lease,
                                "leader election: cannot read the Lease: {problem}"
                            );
                        }
                        reachable = false;
                    }
                },
                () = tokio::time::sleep_until(deadline), if leads => {}
            }
        }
    }

    /// The Lease (`None` if it does not exist), or what kept it from being read.
    async fn read(&self, api: &Api<Lease>) -> Result<Option<Lease>, String> {
        match tokio::time::timeout(READ_TIMEOUT, api.get_opt(&self.settings.lease_name)).await {
            Ok(read) => read.map_err(|error| describe(&error)),
            Err(_) => Err(format!("no answer within {READ_TIMEOUT:?}")),
        }
    }

    /// Stops the manager, which releases the Lease if this replica holds it.
    async fn release(&self, mut manager: Manager) {
        let led = *self.publish.borrow();
        self.publish(false);
        drop(manager.leads);
        match tokio::time::timeout(RELEASE_TIMEOUT, &mut manager.task).await {
            Ok(Ok(Ok(_))) if led => {
                tracing::info!(lease = %self.lease, "leader election: Lease released; a standby takes over")
            }
            Ok(Ok(Ok(_))) => {}
            Ok(Ok(Err(error))) => tracing::warn!(
                lease = %self.lease,
                "leader election: could not release the Lease ({}); a standby takes over when it \
                 runs out",
                describe_manager(&error)
            ),
            Ok(Err(_)) | Err(_) => {
                manager.task.abort();
                tracing::warn!(
                    lease = %self.lease,
                    "leader election: the Lease was not released in time; a standby takes over when it runs out"
                );
            }
        }
    }

    /// Tells the runner and the scheduler whether this replica leads, and the log and
    /// `/metrics` when that changes.
    fn publish(&self, leads: bool) {
        let changed = self.publish.send_if_modified(|led| {
            let changed = *led != leads;
            *led = leads;
            changed
        });
        if !changed {
            return;
        }
        metrics::set_leader(leads);
        if leads {
            tracing::info!(
                lease = %self.lease,
                identity = %self.settings.identity,
                "leader election: this replica leads: it takes ConductorOne's tasks and runs scheduled syncs"
            );
        } else {
            tracing::warn!(
                lease = %self.lease,
                "leader election: this replica does not hold the Lease any more: it stops taking work"
            );
        }
    }

    /// Waits `delay`: false if the election stops first.
    async fn pause(&self, delay: Duration) -> bool {
        tokio::select! {
            () = self.stop.cancelled() => false,
            () = tokio::time::sleep(delay) => true,
        }
    }
}

/// Longest wait for one read of the Lease.
const READ_TIMEOUT: Duration = Duration::from_secs(2);

/// How often the Lease is read: a quarter of the renew grace (at most 2 s), so the
/// leader sees its renewal (due a renew grace before the Lease runs out) well before it
/// would stop leading (half a renew grace before).
fn check_interval(renew_grace: Duration) -> Duration {
    (renew_grace / 4).min(MAX_CHECK_INTERVAL)
}

/// The wait after the `failures`-th failed attempt to reach the Kubernetes API in a row:
/// 1 s doubling, at most 30 s.
fn retry_delay(failures: u32) -> Duration {
    hello_delay(failures).min(MAX_RETRY_DELAY)
}

/// What a read of the Lease showed, from this replica's side.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// This replica holds it; it may lead until then (the Lease's end less a margin).
    Mine(Instant),
    /// Another replica holds it.
    Other,
    /// Nobody holds it (or it does not exist).
    Free,
}

impl Seen {
    /// Reads `lease` for `identity`: `Mine` lasts until `margin` before the Lease ends.
    fn of(lease: Option<&Lease>, identity: &str, margin: Duration) -> Seen {
        let Some(spec) = lease.and_then(|lease| lease.spec.as_ref()) else {
            return Seen::Free;
        };
        match spec.holder_identity.as_deref() {
            None | Some("") => Seen::Free,
            Some(holder) if holder == identity => {
                let renewed = spec.renew_time.as_ref().map(|t| SystemTime::from(t.0));
                let duration = spec
                    .lease_duration_seconds
                    .map(|s| Duration::from_secs(u64::try_from(s).unwrap_or(0)));
                let left = match (renewed, duration) {
                    (Some(renewed), Some(duration)) => (renewed + duration)
                        .checked_sub(margin)
                        .and_then(|until| until.duration_since(SystemTime::now()).ok())
                        .unwrap_or(Duration::ZERO),
                    _ => Duration::ZERO,
                };
                Seen::Mine(Instant::now() + left)
            }
            Some(_) => Seen::Other,
        }
    }
}

/// What this replica knows about its leadership.
#[derive(Debug, Default)]
struct View {
    /// The lease manager says this replica holds the Lease.
    manager_holds: bool,
    /// Until when it may lead without seeing a newer renewal.
    until: Option<Instant>,
    /// Another replica was seen holding the Lease.
    other_seen: bool,
}

impl View {
    /// Whether this replica leads at `now`.
    fn leads(&self, now: Instant) -> bool {
        self.manager_holds && self.until.is_some_and(|until| now < until)
    }

    /// The manager says whether this replica holds the Lease: when it has just taken it,
    /// it may lead `until` (the Lease's end from now, less the margin).
    fn manager_says(&mut self, holds: bool, until: Instant) {
        self.manager_holds = holds;
        self.until = holds.then_some(until);
    }

    /// What a read of the Lease showed; true when it was released by another replica
    /// while the manager waits for it (the manager should be started again).
    fn lease_seen(&mut self, seen: Seen) -> bool {
        match seen {
            Seen::Mine(until) => {
                if self.manager_holds {
                    self.until = Some(until);
                }
                false
            }
            Seen::Other => {
                self.until = None;
                self.other_seen = true;
                false
            }
            Seen::Free => {
                self.until = None;
                self.other_seen && !self.manager_holds
            }
        }
    }
}

/// A lease manager's error, as [`describe`] words the Kubernetes API's.
fn describe_manager(error: &LeaseManagerError) -> String {
    match error {
        LeaseManagerError::KubeError(error) => describe(error),
        other => other.to_string(),
    }
}

/// A Kubernetes API error in words that say what to fix (no credentials appear in it).
fn describe(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) if status.code == 401 => format!(
            "the API server did not accept this replica's credentials (service account token or \
             kubeconfig user): {}",
            status.message
        ),
        kube::Error::Api(status) if status.code == 403 => format!(
            "refused by RBAC: this replica's service account needs get, create and patch on \
             leases (the chart's Role grants them): {}",
            status.message
        ),
        kube::Error::Api(status) => format!(
            "the API server answered {}: {}",
            status.code, status.message
        ),
        other => format!("cannot reach the Kubernetes API server: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::coordination::v1::LeaseSpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
    use k8s_openapi::jiff::Timestamp;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn lease(holder: Option<&str>, renewed_ago: Duration, seconds: i32) -> Lease {
        let renewed = SystemTime::now() - renewed_ago;
        Lease {
            spec: Some(LeaseSpec {
                holder_identity: holder.map(str::to_owned),
                renew_time: Some(MicroTime(Timestamp::try_from(renewed).unwrap())),
                lease_duration_seconds: Some(seconds),
                ..LeaseSpec::default()
            }),
            ..Lease::default()
        }
    }

    /// `until` is about `expected` from now.
    fn about(until: Instant, expected: Duration) -> bool {
        let left = until.saturating_duration_since(Instant::now());
        left <= expected && expected - left < SECOND / 2
    }

    #[test]
    fn a_read_lease_is_mine_until_a_margin_before_it_ends_or_another_s_or_free() {
        let margin = SECOND;
        let Seen::Mine(until) = Seen::of(Some(&lease(Some("me"), 2 * SECOND, 15)), "me", margin)
        else {
            panic!("mine")
        };
        assert!(about(until, 12 * SECOND));
        let Seen::Mine(until) = Seen::of(Some(&lease(Some("me"), 20 * SECOND, 15)), "me", margin)
        else {
            panic!("mine, expired")
        };
        assert!(until <= Instant::now());
        assert_eq!(
            Seen::of(Some(&lease(Some("pod-b"), SECOND, 15)), "me", margin),
            Seen::Other
        );
        assert_eq!(
            Seen::of(Some(&lease(Some(""), SECOND, 15)), "me", margin),
            Seen::Free
        );
        assert_eq!(
            Seen::of(Some(&lease(None, SECOND, 15)), "me", margin),
            Seen::Free
        );
        assert_eq!(Seen::of(Some(&Lease::default()), "me", margin), Seen::Free);
        assert_eq!(Seen::of(None, "me", margin), Seen::Free);
    }

    #[test]
    fn a_replica_leads_only_while_the_manager_holds_and_the_lease_is_seen_renewed() {
        let now = Instant::now();
        let mut view = View::default();
        assert!(!view.leads(now));
        // The manager has just taken the Lease.
        view.manager_says(true, now + 10 * SECOND);
        assert!(view.leads(now));
        assert!(!view.leads(now + 10 * SECOND), "no renewal seen in time");
        // A read shows the renewal.
        assert!(!view.lease_seen(Seen::Mine(now + 20 * SECOND)));
        assert!(view.leads(now + 15 * SECOND));
        // Another replica holds it now: stop at once, whatever the manager says.
        assert!(!view.lease_seen(Seen::Other));
        assert!(!view.leads(now));
        // The manager notices too.
        view.manager_says(false, now);
        assert!(!view.leads(now));
        // A read of our own name while the manager says no changes nothing.
        assert!(!view.lease_seen(Seen::Mine(now + 20 * SECOND)));
        assert!(!view.leads(now));
    }

    #[test]
    fn a_standby_restarts_its_manager_when_the_holder_releases_the_lease() {
        let mut view = View::default();
        // Free from the start: the new manager takes it by itself.
        assert!(!view.lease_seen(Seen::Free));
        assert!(!view.lease_seen(Seen::Other));
        assert!(view.lease_seen(Seen::Free), "released by its holder");
        // The leader itself never restarts on a free Lease: it stops leading.
        let mut leader = View::default();
        leader.manager_says(true, Instant::now() + 10 * SECOND);
        leader.other_seen = true;
        assert!(!leader.lease_seen(Seen::Free));
        assert!(!leader.leads(Instant::now()));
    }

    #[test]
    fn the_lease_is_read_often_enough_to_see_each_renewal_before_stepping_down() {
        assert_eq!(
            check_interval(Duration::from_secs(5)),
            Duration::from_millis(1250)
        );
        assert_eq!(
            check_interval(Duration::from_secs(1)),
            Duration::from_millis(250)
        );
        assert_eq!(check_interval(Duration::from_secs(60)), MAX_CHECK_INTERVAL);
        assert_eq!(retry_delay(1), SECOND);
        assert_eq!(retry_delay(3), 4 * SECOND);
        assert_eq!(retry_delay(20), MAX_RETRY_DELAY);
    }

    #[tokio::test]
    async fn without_election_every_term_lasts_until_shutdown() {
        let (mut leadership, elector) = Elector::start(None);
        let shutdown = CancellationToken::new();
        let term = leadership.term(&shutdown).await.expect("leads at once");
        assert!(!term.is_cancelled());
        shutdown.cancel();
        term.cancelled().await;
        assert!(leadership.term(&shutdown).await.is_none());
        elector.release().await;
    }

    #[tokio::test]
    async fn a_term_ends_when_the_replica_stops_leading_and_the_next_waits_for_leadership() {
        let (publish, leads) = watch::channel(false);
        let mut leadership = Leadership {
            leads,
            _always: None,
        };
        let shutdown = CancellationToken::new();
        let waiting = tokio::spawn({
            let (mut leadership, shutdown) = (leadership.clone(), shutdown.clone());
            async move { leadership.term(&shutdown).await.is_some() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "a standby has no term");
        publish.send_replace(true);
        assert!(waiting.await.unwrap());
        let term = leadership.term(&shutdown).await.unwrap();
        publish.send_replace(false);
        tokio::time::timeout(SECOND, term.cancelled())
            .await
            .expect("the term ends with the leadership");
        assert!(!shutdown.is_cancelled());
        // The election is over (the sender is gone): no new term, until shutdown.
        drop(publish);
        let next = tokio::spawn({
            let shutdown = shutdown.clone();
            async move { leadership.term(&shutdown).await.is_none() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!next.is_finished());
        shutdown.cancel();
        assert!(next.await.unwrap());
    }
}
