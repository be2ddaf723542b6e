//! The sync's output: batches of objects go through a bounded channel to the sink, which
//! runs on a blocking thread, so Atlassian requests and storage work overlap while memory
//! stays bounded by the channel. Every batch is counted on the way, per resource type (the
//! report) and per phase (the progress lines).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use c1_proto::c1::connector::v2::{Entitlement, Grant, Resource, ResourceType};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Counts;
use crate::error::Error;
use crate::sink::{Sink, SinkError};

/// Batches the channel holds before senders wait for the sink.
const CHANNEL_BATCHES: usize = 64;

/// One object of the sync (boxed: a batch moves pointers, not messages).
pub(crate) enum Item {
    ResourceType(ResourceType),
    Resource(Box<Resource>),
    Entitlement(Box<Entitlement>),
    Grant(Box<Grant>),
}

impl From<Resource> for Item {
    fn from(resource: Resource) -> Self {
        Item::Resource(Box::new(resource))
    }
}

impl From<Entitlement> for Item {
    fn from(entitlement: Entitlement) -> Self {
        Item::Entitlement(Box::new(entitlement))
    }
}

impl From<Grant> for Item {
    fn from(grant: Grant) -> Self {
        Item::Grant(Box::new(grant))
    }
}

/// Which count of [`Counts`] an object bumps.
type Counter = fn(&mut Counts) -> &mut u64;

impl Item {
    fn write(&self, sink: &mut impl Sink) -> Result<(), SinkError> {
        match self {
            Item::ResourceType(rt) => sink.resource_type(rt),
            Item::Resource(r) => sink.resource(r),
            Item::Entitlement(e) => sink.entitlement(e),
            Item::Grant(g) => sink.grant(g),
        }
    }

    /// The resource type the object counts under (a grant's is its entitlement's
    /// resource's, as in the `.c1z` statistics) and which counter it bumps.
    fn tally(&self) -> Option<(&str, Counter)> {
        match self {
            Item::ResourceType(_) => None,
            Item::Resource(r) => Some((type_of(Some(r))?, |c| &mut c.resources)),
            Item::Entitlement(e) => Some((type_of(e.resource.as_ref())?, |c| &mut c.entitlements)),
            Item::Grant(g) => {
                let entitled = g.entitlement.as_ref().and_then(|e| e.resource.as_ref());
                Some((type_of(entitled)?, |c| &mut c.grants))
            }
        }
    }
}

/// The resource type id of a resource, if it has an id.
fn type_of(resource: Option<&Resource>) -> Option<&str> {
    resource
        .and_then(|r| r.id.as_ref())
        .map(|id| id.resource_type.as_str())
}

/// Starts the sink's thread; returns the sending side and the handle that gives the sink
/// back once every sender is gone.
pub(crate) fn start<S: Sink>(sink: S) -> (Emitter, Writer<S>) {
    let (tx, mut rx) = mpsc::channel::<Vec<Item>>(CHANNEL_BATCHES);
    let handle = tokio::task::spawn_blocking(move || {
        let mut sink = sink;
        while let Some(batch) = rx.blocking_recv() {
            for item in &batch {
                item.write(&mut sink)?;
            }
        }
        Ok(sink)
    });
    let emitter = Emitter {
        tx,
        totals: Arc::default(),
        phase: Arc::new(Phase::new("resource types")),
    };
    (emitter, Writer { handle })
}

/// The sink's thread.
pub(crate) struct Writer<S> {
    handle: JoinHandle<Result<S, SinkError>>,
}

impl<S> Writer<S> {
    /// Waits until every batch is written (all [`Emitter`]s must be dropped) and returns
    /// the sink, or the sink's first error.
    pub async fn finish(self) -> Result<S, Error> {
        match self.handle.await {
            Ok(written) => Ok(written?),
            Err(join) => Err(Error::Writer(join.to_string())),
        }
    }
}

/// Counts of one phase, for its progress line.
struct Phase {
    name: &'static str,
    started: Instant,
    resources: AtomicU64,
    entitlements: AtomicU64,
    grants: AtomicU64,
}

impl Phase {
    fn new(name: &'static str) -> Self {
        Phase {
            name,
            started: Instant::now(),
            resources: 0.into(),
            entitlements: 0.into(),
            grants: 0.into(),
        }
    }

    fn add(&self, counts: Counts) {
        self.resources
            .fetch_add(counts.resources, Ordering::Relaxed);
        self.entitlements
            .fetch_add(counts.entitlements, Ordering::Relaxed);
        self.grants.fetch_add(counts.grants, Ordering::Relaxed);
    }
}

/// Sends batches to the sink and counts them; cheap to clone.
#[derive(Clone)]
pub(crate) struct Emitter {
    tx: mpsc::Sender<Vec<Item>>,
    totals: Arc<Mutex<BTreeMap<String, Counts>>>,
    phase: Arc<Phase>,
}

impl Emitter {
    /// An emitter counting into a new phase called `name`.
    pub fn phase(&self, name: &'static str) -> Emitter {
        Emitter {
            phase: Arc::new(Phase::new(name)),
            ..self.clone()
        }
    }

    /// Counts and sends one batch (nothing for an empty one); waits while the channel is full.
    pub async fn send(&self, batch: Vec<Item>) -> Result<(), Error> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut counted = Counts::default();
        {
            let mut totals = self.totals.lock().expect("counters lock");
            for (resource_type, counter) in batch.iter().filter_map(Item::tally) {
                let counts = match totals.get_mut(resource_type) {
                    Some(counts) => counts,
                    None => totals.entry(resource_type.to_owned()).or_default(),
                };
                *counter(counts) += 1;
                *counter(&mut counted) += 1;
            }
        }
        self.phase.add(counted);
        self.tx
            .send(batch)
            .await
            .map_err(|_| Error::Writer("the sink stopped accepting objects".into()))
    }

    /// Logs the phase's progress line: counts, time and rate.
    pub fn finish_phase(&self) {
        let phase = &self.phase;
        let (resources, entitlements, grants) = (
            phase.resources.load(Ordering::Relaxed),
            phase.entitlements.load(Ordering::Relaxed),
            phase.grants.load(Ordering::Relaxed),
        );
        let elapsed = phase.started.elapsed();
        let per_second =
            (resources + entitlements + grants) as f64 / elapsed.as_secs_f64().max(1e-3);
        tracing::info!(
            phase = phase.name,
            resources,
            entitlements,
            grants,
            elapsed_ms = elapsed.as_millis() as u64,
            objects_per_second = per_second.round() as u64,
            "sync phase done"
        );
    }

    /// The counts per resource type so far.
    pub fn totals(&self) -> BTreeMap<String, Counts> {
        self.totals.lock().expect("counters lock").clone()
    }
}
