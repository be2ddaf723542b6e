//! The ConductorOne loop: the bootstrap `Hello` (retried with backoff while the failure
//! may pass, fatal when ConductorOne refuses it), then the poll loop. Each iteration waits
//! (see [`poll_wait`], or the error backoff), takes a free task slot, asks `GetTask`, and
//! runs the task it gets in its own Tokio task and tracing span (`task_id`, `task_type`),
//! so polling goes on while slots are free. A task's panic is caught and reported as
//! `INTERNAL`. Polling happens only while this replica leads (see [`Leadership`]; always
//! without leader election). On shutdown, or when the replica stops leading, polling stops
//! and running tasks get the grace period to end; those still running then stop and are
//! reported as retryable (`UNAVAILABLE`), so ConductorOne can hand them out again without
//! waiting for their lease to run out. A task handed out again while it runs, or after it
//! ended for good, is not run twice (see [`Deliveries`]).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use c1_proto::c1::connectorapi::baton::v1::Task;
use c1_proto::c1::connectorapi::baton::v1::task::TaskType;
use controlplane::{Session, TaskOutcome};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;
use tonic::Code;
use tracing::Instrument as _;

use super::backoff::{hello_delay, poll_error_delay};
use super::deliveries::{Admission, Deliveries, Running};
use super::leader::Leadership;
use super::tasks::{Executor, failed, type_name_of};
use crate::health::Readiness;

/// The poll loop's settings.
#[derive(Debug)]
pub struct Runner {
    /// Runs the tasks; shares the session.
    pub executor: Arc<Executor>,
    /// Task slots.
    pub concurrency: usize,
    /// How long running tasks may take to end after a shutdown request.
    pub shutdown_grace: Duration,
    /// The shortest wait after a poll that found no task.
    pub poll_floor: Duration,
    /// Marked registered once the bootstrap `Hello` succeeds (the health server's `/ready`).
    pub readiness: Arc<Readiness>,
}

impl Runner {
    /// Registers with ConductorOne (a standby too: it is ready to take over), then, while
    /// this replica leads, polls and runs tasks, until `shutdown`. Fails only when
    /// ConductorOne refuses the bootstrap `Hello`.
    pub async fn run(
        self,
        shutdown: CancellationToken,
        mut leadership: Leadership,
    ) -> anyhow::Result<()> {
        if !self.bootstrap_hello(&shutdown).await? {
            return Ok(());
        }
        self.readiness.registered();
        let deliveries = Arc::new(Deliveries::default());
        while let Some(term) = leadership.term(&shutdown).await {
            let reason = self.poll(&term, &shutdown, &deliveries).await;
            if reason == Stopping::LostLeadership {
                tracing::info!("not the leader any more: no ConductorOne tasks are taken");
            }
        }
        Ok(())
    }

    /// Polls and runs tasks until `term` ends (at `shutdown`, or when this replica stops
    /// leading), then drains the running tasks; returns why it stopped.
    async fn poll(
        &self,
        term: &CancellationToken,
        shutdown: &CancellationToken,
        deliveries: &Arc<Deliveries>,
    ) -> Stopping {
        let session = &self.executor.session;
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let mut running = JoinSet::new();
        // Set when the grace period ends: tasks still running then report themselves.
        let (abandon, _) = watch::channel(None);
        let mut wait = Duration::ZERO;
        let mut failures = 0;
        loop {
            while running.try_join_next().is_some() {}
            let slot = tokio::select! {
                () = term.cancelled() => break,
                slot = free_slot(&slots, wait) => slot,
            };
            let polled = tokio::select! {
                () = term.cancelled() => break,
                polled = session.get_task() => polled,
            };
            match polled {
                Ok(next) => {
                    failures = 0;
                    wait = poll_wait(next.task.is_some(), next.next_poll, self.poll_floor);
                    if let Some(task) = next.task {
                        self.start(task, slot, deliveries, &mut running, &abandon);
                    }
                }
                Err(error) => {
                    failures += 1;
                    wait = poll_error_delay(failures);
                    tracing::warn!(%error, failures, retry_in = ?wait, "GetTask failed");
                }
            }
        }
        let reason = if shutdown.is_cancelled() {
            Stopping::Shutdown
        } else {
            Stopping::LostLeadership
        };
        self.drain(running, &abandon, reason).await;
        reason
    }

    /// Runs a task just handed out in `running`, answers it again if it ended for good, or
    /// leaves it to the run under way.
    fn start(
        &self,
        task: Task,
        slot: OwnedSemaphorePermit,
        deliveries: &Arc<Deliveries>,
        running: &mut JoinSet<()>,
        abandon: &watch::Sender<Option<Stopping>>,
    ) {
        match deliveries.admit(&task.id) {
            Admission::Run(marked) => {
                let executor = self.executor.clone();
                running.spawn(run_task(executor, task, slot, abandon.subscribe(), marked));
            }
            Admission::Ended(outcome) => {
                let session = self.executor.session.clone();
                running.spawn(answer_again(session, task, outcome, slot));
            }
            Admission::AlreadyRunning => tracing::info!(
                task_id = %task.id,
                "handed out again while it runs: the run under way will finish it"
            ),
        }
    }

    /// Sends `Hello` until it is accepted: `Ok(true)`; `Ok(false)` if shut down first; an
    /// error when ConductorOne refuses it (bad credentials, certificate, request).
    async fn bootstrap_hello(&self, shutdown: &CancellationToken) -> anyhow::Result<bool> {
        let session = &self.executor.session;
        let mut failures = 0;
        loop {
            let metadata = self.executor.connector.metadata();
            let result = tokio::select! {
                () = shutdown.cancelled() => return Ok(false),
                result = session.hello(None, metadata) => result,
            };
            match result {
                Ok(()) => {
                    tracing::info!(host_id = session.host_id(), "registered with ConductorOne");
                    return Ok(true);
                }
                Err(error) if error.is_retryable() => {
                    failures += 1;
                    let delay = hello_delay(failures);
                    tracing::warn!(%error, retry_in = ?delay, "Hello failed; trying again");
                    tokio::select! {
                        () = shutdown.cancelled() => return Ok(false),
                        () = tokio::time::sleep(delay) => {}
                    }
                }
                Err(error) => {
                    return Err(error).context("could not register with ConductorOne (Hello)");
                }
            }
        }
    }

    /// Lets running tasks end within the grace period; the rest stop for `reason` and
    /// report themselves to ConductorOne as retryable, so it can hand them out again at once.
    async fn drain(
        &self,
        mut running: JoinSet<()>,
        abandon: &watch::Sender<Option<Stopping>>,
        reason: Stopping,
    ) {
        while running.try_join_next().is_some() {}
        if running.is_empty() {
            return;
        }
        tracing::info!(
            tasks = running.len(),
            grace = ?self.shutdown_grace,
            ?reason,
            "stopping: waiting for running tasks"
        );
        let all_done = async { while running.join_next().await.is_some() {} };
        if tokio::time::timeout(self.shutdown_grace, all_done)
            .await
            .is_err()
        {
            tracing::warn!(
                tasks = running.len(),
                "tasks still running after the grace period stop and are reported as retryable"
            );
            abandon.send_replace(Some(reason));
            let reported = async { while running.join_next().await.is_some() {} };
            if tokio::time::timeout(ABANDON_REPORT_TIMEOUT, reported)
                .await
                .is_err()
            {
                tracing::warn!("ConductorOne did not take every report in time");
                running.shutdown().await;
            }
        }
    }
}

/// The wait before the next `GetTask`, given whether the last one handed out a task and
/// the `next_poll` ConductorOne asked for (at most 5 minutes). After a task, just that
/// wait: more tasks are likely queued, and the task slots bound how many run at once.
/// After a poll that found nothing, at least `idle_floor`, so an idle daemon never spins.
fn poll_wait(got_task: bool, next_poll: Duration, idle_floor: Duration) -> Duration {
    if got_task {
        next_poll
    } else {
        next_poll.max(idle_floor)
    }
}

/// A free slot, after `wait`.
async fn free_slot(slots: &Arc<Semaphore>, wait: Duration) -> OwnedSemaphorePermit {
    // A zero sleep would still wait for the timer's next tick (up to a millisecond).
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    slots
        .clone()
        .acquire_owned()
        .await
        .expect("the slots are never closed")
}

/// How long tasks stopped at shutdown may take to report themselves to ConductorOne.
const ABANDON_REPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs one task in its own span and Tokio task, then records its outcome in `marked`
/// and sends its `FinishTask` (if due); the slot is free again when this returns. When
/// `abandon` gives a reason first (the grace period after a shutdown or a lost leadership
/// ran out), the work stops and the task is reported as retryable.
async fn run_task(
    executor: Arc<Executor>,
    task: Task,
    _slot: OwnedSemaphorePermit,
    mut abandon: watch::Receiver<Option<Stopping>>,
    marked: Running,
) {
    let task_id = task.id.clone();
    // A hello task is acknowledged by a Hello, never by FinishTask.
    let finishes = !matches!(
        task.task_type,
        None | Some(TaskType::Hello(_) | TaskType::None(_))
    );
    let span = tracing::info_span!("task", task_id = %task_id, task_type = type_name_of(&task));
    async move {
        tracing::info!("task started");
        let session = executor.session.clone();
        let work = async move { executor.execute(task).await }.in_current_span();
        // Aborted with this future, so a task abandoned at shutdown stops too.
        let mut handle = AbortOnDropHandle::new(tokio::spawn(work));
        let outcome = tokio::select! {
            joined = &mut handle => settle(joined),
            reason = abandoned(&mut abandon) => {
                handle.abort();
                finishes.then(|| reason.outcome())
            }
        };
        match outcome {
            Some(outcome) => {
                marked.ended(&outcome);
                finish(&session, &task_id, outcome).await;
            }
            None => tracing::info!("task done"),
        }
    }
    .instrument(span)
    .await
}

/// Answers a task handed out again after it ended for good with the outcome it ended
/// with, in the task's span, without running it again.
async fn answer_again(
    session: Session,
    task: Task,
    outcome: TaskOutcome,
    _slot: OwnedSemaphorePermit,
) {
    let span = tracing::info_span!("task", task_id = %task.id, task_type = type_name_of(&task));
    async move {
        tracing::info!("handed out again after it ended: answering as before");
        finish(&session, &task.id, outcome).await;
    }
    .instrument(span)
    .await
}

/// The outcome of a task's Tokio task: a panic becomes `INTERNAL` (not retryable: the
/// same task would fail the same way).
fn settle(joined: Result<Option<TaskOutcome>, JoinError>) -> Option<TaskOutcome> {
    match joined {
        Ok(outcome) => outcome,
        Err(error) if error.is_panic() => {
            let panic = error.into_panic();
            let reason = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".to_owned());
            tracing::error!(%reason, "the task panicked");
            Some(failed(
                Code::Internal,
                format!("the task failed unexpectedly: {reason}"),
                true,
            ))
        }
        Err(_) => None,
    }
}

/// Why running tasks are stopped before they end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stopping {
    /// SIGINT or SIGTERM.
    Shutdown,
    /// Another replica holds the leader Lease now.
    LostLeadership,
}

impl Stopping {
    /// The outcome of a task stopped for this reason: `UNAVAILABLE`, retryable.
    fn outcome(self) -> TaskOutcome {
        let message = match self {
            Stopping::Shutdown => "the connector shut down before the task ended; it can run again",
            Stopping::LostLeadership => {
                "this replica lost the leader Lease before the task ended; it can run again"
            }
        };
        failed(Code::Unavailable, message, false)
    }
}

/// The reason `abandon` gives; never returns if it gives none.
async fn abandoned(abandon: &mut watch::Receiver<Option<Stopping>>) -> Stopping {
    let reason = abandon
        .wait_for(Option::is_some)
        .await
        .map(|reason| *reason);
    match reason {
        Ok(Some(reason)) => reason,
        _ => std::future::pending().await,
    }
}

/// Sends `FinishTask`; a failure is logged (ConductorOne hands the task out again when
/// its lease runs out).
async fn finish(session: &Session, task_id: &str, outcome: TaskOutcome) {
    match &outcome {
        TaskOutcome::Success { .. } => tracing::info!("task succeeded"),
        TaskOutcome::Error {
            status,
            non_retryable,
            ..
        } => tracing::warn!(
            code = ?Code::from(status.code),
            non_retryable,
            "task failed: {}",
            status.message
        ),
    }
    if let Err(error) = session.finish_task(task_id, outcome).await {
        tracing::error!(%error, "FinishTask failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::tasks::error_parts;

    const FLOOR: Duration = Duration::from_secs(1);

    #[test]
    fn after_a_task_the_next_poll_waits_only_what_the_server_asks() {
        assert_eq!(poll_wait(true, Duration::ZERO, FLOOR), Duration::ZERO);
        let short = Duration::from_millis(50);
        assert_eq!(poll_wait(true, short, FLOOR), short);
        let long = Duration::from_secs(90);
        assert_eq!(poll_wait(true, long, FLOOR), long);
    }

    #[test]
    fn after_a_poll_without_a_task_the_next_waits_at_least_the_floor() {
        assert_eq!(poll_wait(false, Duration::ZERO, FLOOR), FLOOR);
        assert_eq!(poll_wait(false, Duration::from_millis(50), FLOOR), FLOOR);
        let long = Duration::from_secs(90);
        assert_eq!(poll_wait(false, long, FLOOR), long);
        let floor = Duration::from_millis(10);
        assert_eq!(poll_wait(false, Duration::ZERO, floor), floor);
    }

    #[tokio::test]
    async fn a_panicking_task_is_finished_as_internal() {
        let joined = tokio::spawn(async {
            if true {
                panic!("index out of bounds");
            }
            None
        })
        .await;
        let outcome = settle(joined).expect("a panic is reported");
        assert_eq!(
            error_parts(&outcome),
            (
                13,
                "the task failed unexpectedly: index out of bounds",
                true
            )
        );
    }

    #[tokio::test]
    async fn a_task_reports_its_own_outcome_or_none() {
        let outcome = failed(Code::Unknown, "x", false);
        let joined = tokio::spawn({
            let outcome = outcome.clone();
            async move { Some(outcome) }
        })
        .await;
        assert_eq!(settle(joined), Some(outcome));
        assert_eq!(settle(tokio::spawn(async { None }).await), None);
    }

    #[test]
    fn tasks_stopped_early_are_unavailable_and_retryable_saying_why() {
        assert_eq!(
            error_parts(&Stopping::Shutdown.outcome()),
            (
                14,
                "the connector shut down before the task ended; it can run again",
                false
            )
        );
        assert_eq!(
            error_parts(&Stopping::LostLeadership.outcome()),
            (
                14,
                "this replica lost the leader Lease before the task ended; it can run again",
                false
            )
        );
    }

    #[tokio::test]
    async fn a_task_waits_for_the_reason_it_is_abandoned() {
        let (abandon, _) = watch::channel(None);
        let mut receiver = abandon.subscribe();
        let waiting = tokio::spawn(async move { abandoned(&mut receiver).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished());
        abandon.send_replace(Some(Stopping::LostLeadership));
        assert_eq!(waiting.await.unwrap(), Stopping::LostLeadership);
    }

    #[tokio::test]
    async fn an_aborted_task_reports_nothing() {
        let handle = tokio::spawn(async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            None
        });
        handle.abort();
        assert_eq!(settle(handle.await), None);
    }
}
