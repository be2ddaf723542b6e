//! The soak's tasks: grants and revokes of a workspace role on a fixed set of user and
//! workspace pairs (each pair alternates, one task at a time, so none races another),
//! account creations from a bounded pool of emails (the first creates, later ones find
//! the account), and sync tasks. Each finished task is checked against the Atlassian
//! simulator's ground truth: a successful grant shows the role, a successful revoke does
//! not, a failed one changed nothing, a created account exists, a successful sync uploaded
//! a complete file.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use sim::atlassian::Org;
use sim::controlplane::script::{AccountSpec, TaskSpec};
use sim::controlplane::{ControlPlaneSim, FinishRecord, tasks};

use super::super::{Pair, ROLE, holds};
use super::rng::Rng;

/// The share of account creations among the tasks pushed at random.
const ACCOUNT_SHARE: f64 = 0.05;
/// Distinct emails account creations pick from, so the organization grows by at most this.
const ACCOUNT_POOL: usize = 50;

/// What a soak task does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Grant a workspace role.
    Grant,
    /// Revoke it.
    Revoke,
    /// Create an account.
    CreateAccount,
    /// A full sync, uploaded.
    Sync,
}

impl Kind {
    /// The task type's name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Grant => "grant",
            Kind::Revoke => "revoke",
            Kind::CreateAccount => "create_account",
            Kind::Sync => "sync_full",
        }
    }
}

/// Tasks of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Queued.
    pub pushed: u64,
    /// Finished successfully.
    pub succeeded: u64,
    /// Finished with an error.
    pub failed: u64,
}

/// What a task works on.
#[derive(Clone, Copy, Debug)]
enum Target {
    Pair(usize),
    Account(usize),
    Sync,
}

/// A pushed task not finished yet.
#[derive(Clone, Copy, Debug)]
struct Outstanding {
    kind: Kind,
    target: Target,
}

/// One pair's role, as the last finished task left it.
struct PairState {
    pair: Pair,
    granted: bool,
    busy: bool,
}

/// A finished task whose outcome the organization or the uploads contradict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contradiction {
    /// The task.
    pub task_id: String,
    /// What was expected and what was found.
    pub what: String,
}

/// The tasks, their state and their tallies.
pub struct Workload {
    pairs: Vec<PairState>,
    accounts_busy: [bool; ACCOUNT_POOL],
    account_prefix: String,
    outstanding: HashMap<String, Outstanding>,
    finished: HashSet<String>,
    counts: BTreeMap<Kind, Counts>,
    /// Finishes of a task finished before.
    pub duplicates: Vec<String>,
    /// Outcomes contradicted by the ground truth.
    pub contradictions: Vec<Contradiction>,
    /// Ids of the tasks handed out so far.
    delivered: HashSet<String>,
    /// Tasks handed out again (their lease ran out before their `FinishTask`).
    pub redelivered: u64,
}

impl Workload {
    /// A workload over `pairs` (none holding the role yet); created emails start with
    /// `account_prefix`.
    pub fn new(pairs: Vec<Pair>, account_prefix: &str) -> Workload {
        Workload {
            pairs: pairs
                .into_iter()
                .map(|pair| PairState {
                    pair,
                    granted: false,
                    busy: false,
                })
                .collect(),
            accounts_busy: [false; ACCOUNT_POOL],
            account_prefix: account_prefix.to_owned(),
            outstanding: HashMap::new(),
            finished: HashSet::new(),
            counts: BTreeMap::new(),
            duplicates: Vec::new(),
            contradictions: Vec::new(),
            delivered: HashSet::new(),
            redelivered: 0,
        }
    }

    /// Notes that the control plane handed out `task_id`; a second time is a redelivery.
    pub fn handed_out(&mut self, task_id: &str) {
        if !self.delivered.insert(task_id.to_owned()) {
            self.redelivered += 1;
        }
    }

    /// Tasks pushed and not finished.
    pub fn outstanding(&self) -> usize {
        self.outstanding.len()
    }

    /// The ids of the tasks pushed and not finished.
    pub fn outstanding_ids(&self) -> Vec<String> {
        self.outstanding.keys().cloned().collect()
    }

    /// Per kind, the tasks pushed, succeeded and failed.
    pub fn counts(&self) -> &BTreeMap<Kind, Counts> {
        &self.counts
    }

    /// Pushes a random task: mostly the next grant or revoke of an idle pair, sometimes an
    /// account creation. `None` when everything picked is busy.
    pub fn push_random(&mut self, rng: &mut Rng, c1: &ControlPlaneSim) -> Option<Kind> {
        let (task, kind, target) = if rng.chance(ACCOUNT_SHARE) {
            let index = rng.index(ACCOUNT_POOL);
            if self.accounts_busy[index] {
                return None;
            }
            self.accounts_busy[index] = true;
            let spec = TaskSpec::CreateAccount(AccountSpec {
                login: self.email(index),
                email: Some(self.email(index)),
                profile: BTreeMap::new(),
                resource_type_id: String::new(),
            });
            let task = spec.to_task(None).expect("no last sync is read");
            (task, Kind::CreateAccount, Target::Account(index))
        } else {
            let index = rng.index(self.pairs.len());
            let state = &mut self.pairs[index];
            if state.busy {
                return None;
            }
            state.busy = true;
            let (workspace, user) = &state.pair;
            let entitlement = tasks::entitlement(
                tasks::resource("workspace", workspace),
                &format!("role:{ROLE}"),
            );
            let principal = tasks::resource("user", user);
            let (task, kind) = if state.granted {
                let grant = tasks::grant_of(entitlement, principal);
                (tasks::revoke(grant), Kind::Revoke)
            } else {
                (tasks::grant(entitlement, principal), Kind::Grant)
            };
            (task, kind, Target::Pair(index))
        };
        self.track(c1.push_task(task), kind, target);
        Some(kind)
    }

    /// Pushes a full sync.
    pub fn push_sync(&mut self, c1: &ControlPlaneSim) {
        self.track(c1.push_task(tasks::sync_full()), Kind::Sync, Target::Sync);
    }

    fn track(&mut self, id: String, kind: Kind, target: Target) {
        self.outstanding.insert(id, Outstanding { kind, target });
        self.counts.entry(kind).or_default().pushed += 1;
    }

    /// Takes a finished task into account, checking its outcome against `org`;
    /// `uploads` is the number of complete uploads of the task so far. The task's kind
    /// when this is its first finish.
    pub fn settle(&mut self, finish: &FinishRecord, org: &Org, uploads: usize) -> Option<Kind> {
        let id = &finish.task_id;
        let Some(task) = self.outstanding.remove(id) else {
            if self.finished.contains(id) {
                self.duplicates.push(id.clone());
            }
            return None;
        };
        self.finished.insert(id.clone());
        let counts = self.counts.entry(task.kind).or_default();
        if finish.success {
            counts.succeeded += 1;
        } else {
            counts.failed += 1;
        }
        let contradiction = match task.target {
            Target::Pair(index) => self.settle_pair(index, task.kind, finish.success, org),
            Target::Account(index) => {
                self.accounts_busy[index] = false;
                let email = self.email(index);
                let exists = org
                    .users
                    .iter()
                    .any(|u| u.email.as_deref() == Some(email.as_str()));
                (finish.success && !exists)
                    .then(|| format!("account {email} created, but the organization lacks it"))
            }
            Target::Sync => (finish.success && uploads == 0)
                .then(|| "sync succeeded without a complete upload".to_owned()),
        };
        if let Some(what) = contradiction {
            let annotations: Vec<&str> = finish
                .annotations
                .iter()
                .map(|a| a.type_url.rsplit('.').next().unwrap_or_default())
                .collect();
            let what = if annotations.is_empty() {
                what
            } else {
                format!("{what} (annotations: {})", annotations.join(", "))
            };
            self.contradictions.push(Contradiction {
                task_id: id.clone(),
                what,
            });
        }
        Some(task.kind)
    }

    /// Frees a pair and records its role as the organization shows it; what contradicts
    /// the task's outcome.
    fn settle_pair(
        &mut self,
        index: usize,
        kind: Kind,
        success: bool,
        org: &Org,
    ) -> Option<String> {
        let state = &mut self.pairs[index];
        state.busy = false;
        let (workspace, user) = &state.pair;
        let held = holds(org, user, workspace);
        let expected = match (kind, success) {
            (Kind::Grant, true) => true,
            (Kind::Revoke, true) => false,
            _ => state.granted,
        };
        state.granted = held;
        (held != expected).then(|| {
            let outcome = if success { "succeeded" } else { "failed" };
            let shows = if held { "holds" } else { "lacks" };
            format!(
                "{} {outcome}, but {user} {shows} the role on {workspace}",
                kind.name()
            )
        })
    }

    fn email(&self, index: usize) -> String {
        format!("{}-{index}@soak.example.org", self.account_prefix)
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use sim::atlassian::{OrgSpec, generate};
    use sim::controlplane::ControlPlaneConfig;

    use super::*;
    use crate::sections::service::grant_pairs;

    fn finish(task_id: &str, success: bool) -> FinishRecord {
        FinishRecord {
            at: SystemTime::now(),
            host_id: "test".to_owned(),
            task_id: task_id.to_owned(),
            success,
            non_retryable: false,
            status: None,
            response: None,
            annotations: Vec::new(),
        }
    }

    /// Pushes random tasks until one of `kind` is pushed; its id.
    fn push(workload: &mut Workload, rng: &mut Rng, c1: &ControlPlaneSim, kind: Kind) -> String {
        loop {
            let before: HashSet<String> = workload.outstanding_ids().into_iter().collect();
            if workload.push_random(rng, c1) == Some(kind) {
                let ids = workload.outstanding_ids().into_iter();
                return ids.into_iter().find(|id| !before.contains(id)).unwrap();
            }
        }
    }

    #[test]
    fn finishes_are_checked_against_the_organization_and_counted_once() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let c1 = runtime
            .block_on(ControlPlaneSim::start(ControlPlaneConfig::default()))
            .unwrap();
        let org = generate(&OrgSpec {
            users: 200,
            seed: 3,
        });
        let mut workload = Workload::new(grant_pairs(&org, 1).unwrap(), "test");
        let mut rng = Rng::new(1);

        // The role is not held in `org`: a failed grant agrees, a successful one does not.
        let failed = push(&mut workload, &mut rng, &c1, Kind::Grant);
        // Its one pair is busy until the grant finishes.
        let pushed: Vec<Option<Kind>> = (0..50)
            .map(|_| workload.push_random(&mut rng, &c1))
            .collect();
        assert!(
            pushed.iter().flatten().all(|k| *k == Kind::CreateAccount),
            "{pushed:?}"
        );
        assert_eq!(
            workload.settle(&finish(&failed, false), &org, 0),
            Some(Kind::Grant)
        );
        assert!(workload.contradictions.is_empty());
        let claimed = push(&mut workload, &mut rng, &c1, Kind::Grant);
        workload.settle(&finish(&claimed, true), &org, 0);
        assert_eq!(
            workload.contradictions.len(),
            1,
            "{:?}",
            workload.contradictions
        );
        assert!(workload.contradictions[0].what.contains("grant succeeded"));

        // A second finish of a task is a duplicate, not counted again.
        assert_eq!(workload.settle(&finish(&claimed, true), &org, 0), None);
        assert_eq!(workload.duplicates, std::slice::from_ref(&claimed));
        let grants = workload.counts()[&Kind::Grant];
        assert_eq!((grants.pushed, grants.succeeded, grants.failed), (2, 1, 1));

        // A sync must have uploaded before it succeeds.
        let before = workload.outstanding_ids();
        workload.push_sync(&c1);
        let sync = workload
            .outstanding_ids()
            .into_iter()
            .find(|id| !before.contains(id));
        let sync = sync.unwrap();
        workload.settle(&finish(&sync, true), &org, 0);
        assert!(
            workload.contradictions[1]
                .what
                .contains("without a complete upload")
        );
        assert!(!workload.outstanding_ids().contains(&sync));

        // A task handed out a second time is a redelivery.
        workload.handed_out(&sync);
        workload.handed_out(&claimed);
        workload.handed_out(&sync);
        assert_eq!(workload.redelivered, 1);
        runtime.block_on(c1.shutdown());
    }
}
