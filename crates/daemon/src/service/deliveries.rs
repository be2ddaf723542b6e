//! Tasks ConductorOne hands out more than once (its lease on a task ran out while the task
//! still ran, or the `FinishTask` never reached it): a task already running is not
//! started again (the run under way finishes it), and a task that ended for good (a
//! success, or a failure not to be retried) is answered again with the same outcome
//! without running it, so nothing is written twice. A task that failed retryably runs
//! again: that is what the new delivery asks for. The last [`REMEMBERED`] endings are
//! kept.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use controlplane::TaskOutcome;

/// How many final outcomes are remembered (oldest forgotten first).
pub const REMEMBERED: usize = 1024;

/// Running task ids and the final outcomes of recent ones.
#[derive(Debug, Default)]
pub struct Deliveries {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    running: HashSet<String>,
    ended: HashMap<String, TaskOutcome>,
    /// The ids in `ended`, oldest first.
    order: VecDeque<String>,
}

/// What to do with a task just handed out.
#[derive(Debug)]
pub enum Admission {
    /// Run it; the guard marks it running until dropped.
    Run(Running),
    /// It is running already: nothing to do.
    AlreadyRunning,
    /// It ended for good: answer with this outcome again.
    Ended(TaskOutcome),
}

/// A task marked running; dropping it unmarks it.
#[derive(Debug)]
pub struct Running {
    deliveries: Arc<Deliveries>,
    task_id: String,
}

impl Deliveries {
    /// Decides what to do with a delivery of `task_id`.
    pub fn admit(self: &Arc<Self>, task_id: &str) -> Admission {
        let mut state = self.lock();
        if state.running.contains(task_id) {
            return Admission::AlreadyRunning;
        }
        if let Some(outcome) = state.ended.get(task_id) {
            return Admission::Ended(outcome.clone());
        }
        state.running.insert(task_id.to_owned());
        Admission::Run(Running {
            deliveries: self.clone(),
            task_id: task_id.to_owned(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Running {
    /// Records how the task ended; only a final outcome is remembered.
    pub fn ended(&self, outcome: &TaskOutcome) {
        let last_word = match outcome {
            TaskOutcome::Success { .. } => true,
            TaskOutcome::Error { non_retryable, .. } => *non_retryable,
        };
        if !last_word {
            return;
        }
        let mut state = self.deliveries.lock();
        if state
            .ended
            .insert(self.task_id.clone(), outcome.clone())
            .is_none()
        {
            state.order.push_back(self.task_id.clone());
        }
        while state.order.len() > REMEMBERED {
            if let Some(oldest) = state.order.pop_front() {
                state.ended.remove(&oldest);
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.deliveries.lock().running.remove(&self.task_id);
    }
}

#[cfg(test)]
mod tests {
    use tonic::Code;

    use super::*;
    use crate::service::tasks::failed;

    fn success() -> TaskOutcome {
        TaskOutcome::Success {
            response: None,
            annotations: Vec::new(),
        }
    }

    fn run(deliveries: &Arc<Deliveries>, id: &str) -> Running {
        match deliveries.admit(id) {
            Admission::Run(running) => running,
            other => panic!("{id} should run, got {other:?}"),
        }
    }

    #[test]
    fn a_task_delivered_while_it_runs_is_not_started_again() {
        let deliveries = Arc::new(Deliveries::default());
        let running = run(&deliveries, "a");
        assert!(matches!(deliveries.admit("a"), Admission::AlreadyRunning));
        run(&deliveries, "b");
        drop(running);
        run(&deliveries, "a");
    }

    #[test]
    fn a_task_that_ended_for_good_is_answered_again_and_a_retryable_one_runs_again() {
        let deliveries = Arc::new(Deliveries::default());
        let refused = failed(Code::FailedPrecondition, "not enabled", true);
        for (id, outcome) in [("ok", success()), ("refused", refused)] {
            run(&deliveries, id).ended(&outcome);
            match deliveries.admit(id) {
                Admission::Ended(again) => assert_eq!(again, outcome),
                other => panic!("{id}: {other:?}"),
            }
        }
        run(&deliveries, "busy").ended(&failed(Code::Unavailable, "429", false));
        run(&deliveries, "busy");
    }

    #[test]
    fn only_the_latest_endings_are_remembered() {
        let deliveries = Arc::new(Deliveries::default());
        for n in 0..=REMEMBERED {
            run(&deliveries, &n.to_string()).ended(&success());
        }
        run(&deliveries, "0");
        let last = REMEMBERED.to_string();
        assert!(matches!(deliveries.admit(&last), Admission::Ended(_)));
        assert_eq!(deliveries.lock().ended.len(), REMEMBERED);
    }
}
