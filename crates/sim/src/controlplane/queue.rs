//! The scripted task queue: pending tasks, handed-out tasks and their leases, finished and
//! cancelled tasks.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use c1_proto::c1::connectorapi::baton::v1::Task;

/// A task handed out and not finished yet.
struct Lease {
    task: Task,
    handed_out_at: Instant,
}

/// Tasks waiting, handed out, finished and cancelled.
pub(crate) struct TaskQueue {
    pending: VecDeque<Task>,
    leases: HashMap<String, Lease>,
    /// Every task ever handed out, by id (a finished task may be redelivered by a test).
    delivered: HashMap<String, Task>,
    finished: HashSet<String>,
    cancelled: HashSet<String>,
    lease: Option<Duration>,
}

impl TaskQueue {
    /// An empty queue; with `lease`, a task not finished that long after it was handed out
    /// is handed out again.
    pub(crate) fn new(lease: Option<Duration>) -> TaskQueue {
        TaskQueue {
            pending: VecDeque::new(),
            leases: HashMap::new(),
            delivered: HashMap::new(),
            finished: HashSet::new(),
            cancelled: HashSet::new(),
            lease,
        }
    }

    /// Appends a task.
    pub(crate) fn push(&mut self, task: Task) {
        self.pending.push_back(task);
    }

    /// Hands out the next task: first any whose lease ran out, then the oldest pending.
    pub(crate) fn next(&mut self, now: Instant) -> Option<Task> {
        if let Some(lease) = self.lease {
            let expired: Vec<String> = self
                .leases
                .iter()
                .filter(|(_, l)| now.duration_since(l.handed_out_at) >= lease)
                .map(|(id, _)| id.clone())
                .collect();
            for id in expired.into_iter().rev() {
                let lease = self.leases.remove(&id).expect("listed above");
                self.pending.push_front(lease.task);
            }
        }
        let task = self.pending.pop_front()?;
        self.delivered.insert(task.id.clone(), task.clone());
        self.leases.insert(
            task.id.clone(),
            Lease {
                task: task.clone(),
                handed_out_at: now,
            },
        );
        Some(task)
    }

    /// Whether `task_id` was ever handed out.
    pub(crate) fn was_delivered(&self, task_id: &str) -> bool {
        self.delivered.contains_key(task_id)
    }

    /// Marks a task finished (or acknowledged, for a Hello task): its lease ends.
    pub(crate) fn finish(&mut self, task_id: &str) {
        self.leases.remove(task_id);
        self.finished.insert(task_id.to_owned());
    }

    /// Queues a task handed out before once more, at the front; false if it never was.
    pub(crate) fn redeliver(&mut self, task_id: &str) -> bool {
        let Some(task) = self.delivered.get(task_id) else {
            return false;
        };
        self.pending.push_front(task.clone());
        true
    }

    /// From now on, heartbeats of `task_id` say it is cancelled.
    pub(crate) fn cancel(&mut self, task_id: &str) {
        self.cancelled.insert(task_id.to_owned());
    }

    /// Whether `task_id` was cancelled.
    pub(crate) fn is_cancelled(&self, task_id: &str) -> bool {
        self.cancelled.contains(task_id)
    }

    /// Tasks not handed out yet.
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controlplane::tasks;

    #[test]
    fn a_task_is_handed_out_once_without_a_lease() {
        let mut queue = TaskQueue::new(None);
        let task = tasks::sync_full();
        queue.push(task.clone());
        let now = Instant::now();
        assert_eq!(queue.next(now), Some(task));
        assert_eq!(queue.next(now + Duration::from_secs(3600)), None);
    }

    #[test]
    fn an_unfinished_task_is_handed_out_again_when_its_lease_runs_out() {
        let mut queue = TaskQueue::new(Some(Duration::from_secs(10)));
        let (first, second) = (tasks::sync_full(), tasks::hello());
        queue.push(first.clone());
        queue.push(second.clone());
        let now = Instant::now();
        assert_eq!(queue.next(now), Some(first.clone()));
        assert_eq!(queue.next(now), Some(second.clone()));
        queue.finish(&second.id);
        assert_eq!(queue.next(now + Duration::from_secs(5)), None);
        assert_eq!(
            queue.next(now + Duration::from_secs(10)),
            Some(first.clone())
        );
        assert_eq!(queue.next(now + Duration::from_secs(15)), None);
        queue.finish(&first.id);
        assert_eq!(queue.next(now + Duration::from_secs(60)), None);
    }
}
