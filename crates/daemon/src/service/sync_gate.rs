//! One sync at a time, whoever asks: ConductorOne's sync tasks and scheduled local syncs
//! share a [`SyncGate`]. A scheduled sync that comes due while another sync runs is
//! skipped; a ConductorOne sync waits for the running one (in arrival order), then runs
//! its own, since its options may differ.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// Who runs a sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncKind {
    /// A `sync_full` task from ConductorOne.
    ControlPlane,
    /// A scheduled local sync.
    Scheduled,
}

/// The gate; clones share it.
#[derive(Clone, Debug, Default)]
pub struct SyncGate {
    turn: Arc<AsyncMutex<()>>,
    holder: Arc<Mutex<Option<SyncKind>>>,
}

/// The right to run a sync, until dropped.
#[derive(Debug)]
pub struct SyncPermit {
    holder: Arc<Mutex<Option<SyncKind>>>,
    _turn: OwnedMutexGuard<()>,
}

impl Drop for SyncPermit {
    fn drop(&mut self) {
        // Runs before the turn is released, so a new holder is never overwritten.
        *lock(&self.holder) = None;
    }
}

impl SyncGate {
    /// The permit for a scheduled sync if no sync runs; else the kind that runs.
    pub fn try_scheduled(&self) -> Result<SyncPermit, SyncKind> {
        match self.turn.clone().try_lock_owned() {
            Ok(turn) => Ok(self.permit(turn, SyncKind::Scheduled)),
            Err(_) => Err(self.running().unwrap_or(SyncKind::ControlPlane)),
        }
    }

    /// The permit for a ConductorOne sync, once the running sync (if any) has ended.
    pub async fn control_plane(&self) -> SyncPermit {
        if let Ok(turn) = self.turn.clone().try_lock_owned() {
            return self.permit(turn, SyncKind::ControlPlane);
        }
        tracing::info!(
            running = ?self.running(),
            "another sync is running; this sync starts when it ends"
        );
        let turn = self.turn.clone().lock_owned().await;
        self.permit(turn, SyncKind::ControlPlane)
    }

    /// The kind of sync running now, if any.
    pub fn running(&self) -> Option<SyncKind> {
        *lock(&self.holder)
    }

    fn permit(&self, turn: OwnedMutexGuard<()>, kind: SyncKind) -> SyncPermit {
        *lock(&self.holder) = Some(kind);
        SyncPermit {
            holder: self.holder.clone(),
            _turn: turn,
        }
    }
}

fn lock(holder: &Mutex<Option<SyncKind>>) -> MutexGuard<'_, Option<SyncKind>> {
    holder
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_scheduled_sync_is_refused_while_a_control_plane_sync_runs() {
        let gate = SyncGate::default();
        let running = gate.control_plane().await;
        assert_eq!(gate.running(), Some(SyncKind::ControlPlane));
        assert_eq!(gate.try_scheduled().unwrap_err(), SyncKind::ControlPlane);
        drop(running);
        assert_eq!(gate.running(), None);
        let scheduled = gate.try_scheduled().expect("free again");
        assert_eq!(gate.running(), Some(SyncKind::Scheduled));
        assert_eq!(gate.try_scheduled().unwrap_err(), SyncKind::Scheduled);
        drop(scheduled);
    }

    #[tokio::test]
    async fn a_control_plane_sync_waits_for_the_scheduled_sync_then_runs() {
        let gate = SyncGate::default();
        let scheduled = gate.try_scheduled().unwrap();
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move {
                let _permit = gate.control_plane().await;
                gate.running()
            }
        });
        // Give the waiter every chance to (wrongly) get through.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !waiting.is_finished(),
            "it waits while the scheduled sync runs"
        );
        assert_eq!(gate.running(), Some(SyncKind::Scheduled));
        drop(scheduled);
        assert_eq!(waiting.await.unwrap(), Some(SyncKind::ControlPlane));
        assert_eq!(gate.running(), None);
    }
}
