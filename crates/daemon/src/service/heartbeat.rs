//! The heartbeat loop of a running sync task: a `Heartbeat` every `next_heartbeat` (the
//! server's answer, clamped by the session), until ConductorOne says the task is cancelled
//! or [`MAX_FAILURES`] heartbeats in a row have failed.

use std::future::Future;
use std::time::Duration;

use controlplane::HeartbeatOutcome;

/// Consecutive failed heartbeats after which the task is given up (the SDK's limit).
pub const MAX_FAILURES: u32 = 10;

/// Why a running task must stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// ConductorOne cancelled the task.
    Cancelled,
    /// ConductorOne did not answer [`MAX_FAILURES`] heartbeats in a row.
    HeartbeatsFailed,
}

impl StopReason {
    /// The message reported with the task's end.
    pub fn message(self) -> String {
        match self {
            StopReason::Cancelled => "the task was cancelled by ConductorOne".to_owned(),
            StopReason::HeartbeatsFailed => format!(
                "the task was stopped: ConductorOne did not answer {MAX_FAILURES} heartbeats in a row"
            ),
        }
    }
}

/// Sends `beat` every `interval` (each answer gives the next interval) and returns only
/// when the task must stop. Runs beside the task's work, which ends it by dropping it.
pub async fn until_stopped<F, Fut>(mut beat: F, mut interval: Duration) -> StopReason
where
    F: FnMut() -> Fut,
    Fut: Future<Output = controlplane::Result<HeartbeatOutcome>>,
{
    let mut failures = 0;
    loop {
        tokio::time::sleep(interval).await;
        match beat().await {
            Ok(outcome) if outcome.cancelled => {
                tracing::info!("ConductorOne cancelled the task");
                return StopReason::Cancelled;
            }
            Ok(outcome) => {
                failures = 0;
                interval = outcome.next_heartbeat;
            }
            Err(error) => {
                failures += 1;
                tracing::warn!(%error, failures, "heartbeat failed");
                if failures >= MAX_FAILURES {
                    return StopReason::HeartbeatsFailed;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    use super::*;

    const TICK: Duration = Duration::from_millis(1);

    /// A scripted heartbeat: each call takes the next answer (`None` = a failure); the
    /// script must not run out.
    fn scripted(
        answers: Vec<Option<bool>>,
    ) -> (
        impl FnMut() -> std::future::Ready<controlplane::Result<HeartbeatOutcome>>,
        Arc<Mutex<usize>>,
    ) {
        let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
        let calls = Arc::new(Mutex::new(0));
        let counted = calls.clone();
        let beat = move || {
            *counted.lock().unwrap() += 1;
            let answer = answers
                .lock()
                .unwrap()
                .pop_front()
                .expect("script long enough");
            std::future::ready(match answer {
                Some(cancelled) => Ok(HeartbeatOutcome {
                    cancelled,
                    next_heartbeat: TICK,
                }),
                None => Err(controlplane::Error::Unavailable {
                    target: "c1.example".into(),
                    reason: "connection refused".into(),
                }),
            })
        };
        (beat, calls)
    }

    #[tokio::test]
    async fn a_cancelled_answer_stops_the_task() {
        let (beat, calls) = scripted(vec![Some(false), Some(false), Some(true)]);
        assert_eq!(until_stopped(beat, TICK).await, StopReason::Cancelled);
        assert_eq!(*calls.lock().unwrap(), 3);
    }

    #[tokio::test]
    async fn ten_failures_in_a_row_stop_the_task() {
        let (beat, calls) = scripted(vec![None; 10]);
        assert_eq!(
            until_stopped(beat, TICK).await,
            StopReason::HeartbeatsFailed
        );
        assert_eq!(*calls.lock().unwrap(), 10);
    }

    #[tokio::test]
    async fn a_success_resets_the_failure_count() {
        let mut answers = vec![None; 9];
        answers.push(Some(false));
        answers.extend(vec![None; 9]);
        answers.push(Some(true));
        let (beat, calls) = scripted(answers);
        assert_eq!(until_stopped(beat, TICK).await, StopReason::Cancelled);
        assert_eq!(*calls.lock().unwrap(), 20);
    }
}
