//! The running simulator: shared state, start-up, the test-facing controls, shutdown.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

use super::config::{Credentials, RateLimit, SimConfig};
use super::faults::{Fault, Faults};
use super::generate::generate;
use super::model::Org;
use super::ratelimit::RateLimiter;
use super::routes;
use super::stats::{Exchange, Recorder, Stats, lock};
use super::world::World;

/// State shared by every request handler.
pub(crate) struct Shared {
    world: RwLock<World>,
    /// Accepted credentials; tests replace them to rotate a key.
    credentials: RwLock<Credentials>,
    /// `http://127.0.0.1:PORT/`: links in responses hang below it.
    pub(crate) base_url: Url,
    restricted_enabled: AtomicBool,
    pub(crate) limiter: Mutex<RateLimiter>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) recorder: Recorder,
}

/// What handlers receive as state.
pub(crate) type App = Arc<Shared>;

impl Shared {
    /// Shared state for a configuration and an organization.
    pub(crate) fn new(config: &SimConfig, org: Org, base_url: Url) -> Self {
        Shared {
            world: RwLock::new(World::new(org)),
            credentials: RwLock::new(config.credentials.clone()),
            base_url,
            restricted_enabled: AtomicBool::new(config.restricted_endpoints_enabled),
            limiter: Mutex::new(RateLimiter::new(config.rate_limit)),
            faults: Mutex::default(),
            recorder: Recorder::new(config.record_exchanges),
        }
    }

    /// Read access to the organization.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, World> {
        self.world
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Write access to the organization.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, World> {
        self.world
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The credentials accepted now.
    pub(crate) fn credentials(&self) -> RwLockReadGuard<'_, Credentials> {
        self.credentials
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes the accepted credentials: the old ones are refused from the next request.
    pub(crate) fn set_credentials(&self, credentials: Credentials) {
        *self
            .credentials
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = credentials;
    }

    /// Whether the Support-gated endpoints answer.
    pub(crate) fn restricted_enabled(&self) -> bool {
        self.restricted_enabled.load(Ordering::Relaxed)
    }

    /// Turns the Support-gated endpoints on or off.
    pub(crate) fn set_restricted_enabled(&self, on: bool) {
        self.restricted_enabled.store(on, Ordering::Relaxed);
    }

    /// A URL below the base URL (`path` without a leading slash).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// A running simulator on 127.0.0.1: a real HTTP server on its own tokio task, serving the
/// Atlassian paths below [`base_url`](Self::base_url) exactly as below
/// `https://api.atlassian.com/`, plus the `/__sim/...` admin endpoints.
///
/// Dropping it stops the server too; [`shutdown`](Self::shutdown) also waits for that.
pub struct AtlassianSim {
    shared: App,
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl AtlassianSim {
    /// Generates the organization and serves it on 127.0.0.1 on a free port.
    pub async fn start(config: SimConfig) -> io::Result<AtlassianSim> {
        AtlassianSim::start_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Generates the organization and serves it on `addr`.
    pub async fn start_on(config: SimConfig, addr: SocketAddr) -> io::Result<AtlassianSim> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let host = if local_addr.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            local_addr.ip()
        };
        let base_url = Url::parse(&format!(
            "http://{}/",
            SocketAddr::new(host, local_addr.port())
        ))
        .expect("a socket address makes a valid URL");
        let shared = Arc::new(Shared::new(&config, generate(&config.org), base_url));
        let router = routes::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serving = axum::serve(
                listener.tap_io(|tcp| {
                    // Small responses must not wait for the client's delayed ACK.
                    let _ = tcp.set_nodelay(true);
                }),
                router,
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serving.await {
                tracing::error!(%error, "simulator server failed");
            }
        });
        Ok(AtlassianSim {
            shared,
            local_addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> Url {
        self.shared.base_url.clone()
    }

    /// The socket the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The organization id.
    pub fn org_id(&self) -> String {
        self.shared.read().org().id.clone()
    }

    /// The credentials the server accepts now.
    pub fn credentials(&self) -> Credentials {
        self.shared.credentials().clone()
    }

    /// Replaces the accepted credentials (a key rotation): requests with the old ones are
    /// refused with 401 from now on. Also `POST /__sim/credentials`.
    pub fn set_credentials(&self, credentials: Credentials) {
        self.shared.set_credentials(credentials);
    }

    /// Ground truth: a copy of the current organization.
    pub fn snapshot(&self) -> Org {
        self.shared.read().org().clone()
    }

    /// Changes the organization from a test; indexes are rebuilt afterwards.
    pub fn with_org<R>(&self, change: impl FnOnce(&mut Org) -> R) -> R {
        self.shared.write().edit(change)
    }

    /// Turns the Support-gated endpoints (roles assign/revoke, v1 invite) on or off.
    pub fn set_restricted_endpoints_enabled(&self, on: bool) {
        self.shared.set_restricted_enabled(on);
    }

    /// Changes the rate limit; every bucket starts full.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        lock(&self.shared.limiter).set(limit);
    }

    /// Sets the fault of an endpoint key (see [`endpoint_keys`](super::endpoint_keys)) or
    /// `"*"` for every endpoint without its own.
    pub fn set_fault(&self, endpoint: &str, fault: Fault) {
        lock(&self.shared.faults).set(endpoint, fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Request counters.
    pub fn stats(&self) -> Stats {
        self.shared.recorder.stats()
    }

    /// Zeroes the counters and forgets recorded exchanges.
    pub fn reset_stats(&self) {
        self.shared.recorder.reset();
    }

    /// Recorded exchanges (empty unless `record_exchanges`).
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.shared.recorder.exchanges()
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for AtlassianSim {
    fn drop(&mut self) {
        self.signal_stop();
    }
}
