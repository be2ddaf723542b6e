//! The running simulator: start-up, the TLS accept loop serving HTTP/1.1 and HTTP/2 on one
//! port, restarts, and the test-facing controls.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use c1_proto::c1::connectorapi::baton::v1::Task;
use c1_proto::c1::connectorapi::baton::v1::baton_service_server::BatonServiceServer;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tonic::Code;

use super::config::ControlPlaneConfig;
use super::credentials::IssuedCredentials;
use super::faults::{Faults, Method, Times};
use super::records::{FinishRecord, HeartbeatRecord, HelloRecord, Records, WaitTimeout};
use super::service::Baton;
use super::state::{State, lock};
use super::tls::TlsIdentity;
use super::token::{TOKEN_PATH, token_endpoint};
use super::upload::{MAX_CHUNK_BYTES, UploadStore};

/// Suffix of every client id (`name@host/pcc`).
const CLIENT_ID_SUFFIX: &str = "pcc";
/// Name of the client [`ControlPlaneSim::issue_credentials`] issues.
const DEFAULT_CLIENT_NAME: &str = "sim-client";

/// A simulated ConductorOne control plane on 127.0.0.1: `BatonService` and
/// `POST /auth/v1/token` on one TLS port. Dropping it stops the server.
pub struct ControlPlaneSim {
    state: Arc<State>,
    address: SocketAddr,
    tls: TlsIdentity,
    acceptor: TlsAcceptor,
    app: Router,
    server: Option<JoinHandle<()>>,
}

impl ControlPlaneSim {
    /// Starts on 127.0.0.1 on a free port.
    pub async fn start(config: ControlPlaneConfig) -> io::Result<ControlPlaneSim> {
        ControlPlaneSim::start_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts on `address` (port 0 picks a free port).
    pub async fn start_on(
        config: ControlPlaneConfig,
        address: SocketAddr,
    ) -> io::Result<ControlPlaneSim> {
        let tls = match &config.tls {
            Some(identity) => identity.clone(),
            None => TlsIdentity::generate().map_err(io::Error::other)?,
        };
        let acceptor = TlsAcceptor::from(tls.server_config()?);
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let host = format!("{}:{}", config.client_host, address.port());
        let uploads = UploadStore::new(config.upload_dir.as_deref())?;
        let state = Arc::new(State::new(config, host, uploads));
        let app = app(state.clone());
        let server = tokio::spawn(serve(listener, acceptor.clone(), app.clone()));
        Ok(ControlPlaneSim {
            state,
            address,
            tls,
            acceptor,
            app,
            server: Some(server),
        })
    }

    /// The socket the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `client_host:PORT` (default `127.0.0.1:PORT`): the token host in client ids, and
    /// the address to dial for gRPC and tokens.
    pub fn host(&self) -> String {
        self.state.host.clone()
    }

    /// `https://client_host:PORT/auth/v1/token`.
    pub fn token_url(&self) -> String {
        format!("https://{}{TOKEN_PATH}", self.state.host)
    }

    /// The test CA certificate (PEM) clients must trust.
    pub fn ca_pem(&self) -> &str {
        self.tls.ca_pem()
    }

    /// Writes the CA certificate (PEM) to `path`.
    pub fn write_ca_pem(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, self.ca_pem())
    }

    /// Credentials for the client `sim-client@HOST/pcc`, with a fresh key; if that client
    /// was issued before, this rotates its key.
    pub fn issue_credentials(&self) -> IssuedCredentials {
        self.issue_credentials_named(DEFAULT_CLIENT_NAME)
    }

    /// Credentials for the client `name@HOST/pcc`, with a fresh key (rotating any key the
    /// client had).
    pub fn issue_credentials_named(&self, name: &str) -> IssuedCredentials {
        let client_id = format!("{name}@{}/{CLIENT_ID_SUFFIX}", self.state.host);
        lock(&self.state.clients).issue(client_id, Instant::now())
    }

    /// A new key for an issued client, as the UI's Rotate does: the old key is refused
    /// from now on, or after [`ControlPlaneConfig::rotated_key_grace`]. `None` if the
    /// client id was never issued.
    pub fn rotate_credentials(&self, client_id: &str) -> Option<IssuedCredentials> {
        let mut clients = lock(&self.state.clients);
        clients
            .contains(client_id)
            .then(|| clients.issue(client_id.to_owned(), Instant::now()))
    }

    /// Queues a task; returns its id.
    pub fn push_task(&self, task: Task) -> String {
        let id = task.id.clone();
        lock(&self.state.queue).push(task);
        id
    }

    /// Queues a task that was handed out before once more, at the front (a duplicate
    /// delivery); false if it never was handed out.
    pub fn redeliver(&self, task_id: &str) -> bool {
        lock(&self.state.queue).redeliver(task_id)
    }

    /// Cancels a task: every later heartbeat of it answers `cancelled = true`.
    pub fn cancel_task(&self, task_id: &str) {
        lock(&self.state.queue).cancel(task_id);
    }

    /// Tasks queued and not handed out yet.
    pub fn pending_tasks(&self) -> usize {
        lock(&self.state.queue).pending()
    }

    /// Revokes one access token; false if it was never issued.
    pub fn revoke_token(&self, access_token: &str) -> bool {
        lock(&self.state.tokens).revoke(access_token)
    }

    /// Revokes every access token issued so far.
    pub fn revoke_all_tokens(&self) {
        lock(&self.state.tokens).revoke_all();
    }

    /// Makes every access token issued so far expire now.
    pub fn expire_all_tokens(&self) {
        lock(&self.state.tokens).expire_all(Instant::now());
    }

    /// Token requests answer HTTP `status` (401: `invalid_client`; other statuses, such as
    /// 503: `temporarily_unavailable`) instead of a token, `times`.
    pub fn refuse_tokens(&self, status: u16, times: Times) {
        lock(&self.state.faults).refuse_tokens(status, times);
    }

    /// Calls of `method` fail with `code` (for example `Unavailable`) `times`, before the
    /// token is checked.
    pub fn fail_calls(&self, method: Method, code: Code, times: Times) {
        lock(&self.state.faults).fail_calls(method, code, times);
    }

    /// The next upload stream fails with `UNAVAILABLE` after its first data chunk.
    pub fn cut_next_upload(&self) {
        lock(&self.state.faults).cut_next_upload();
    }

    /// The next upload stream stalls `pause` after its first data chunk (an upload that
    /// is still under way), then goes on.
    pub fn stall_next_upload(&self, pause: Duration) {
        lock(&self.state.faults).stall_next_upload(pause);
    }

    /// Removes every injected fault (cancellations stay).
    pub fn clear_faults(&self) {
        *lock(&self.state.faults) = Faults::default();
    }

    /// A copy of everything recorded so far.
    pub fn records(&self) -> Records {
        self.state.journal.snapshot()
    }

    /// Where the first complete upload of `task_id` (the c1z of a sync) is stored.
    pub fn uploaded_c1z(&self, task_id: &str) -> Option<PathBuf> {
        self.records()
            .uploads_of(task_id)
            .into_iter()
            .next()
            .map(|u| u.path)
    }

    /// Waits until `found` returns something for the records (checked now and after every
    /// new record); `waiting_for` describes it in the timeout error.
    pub async fn wait_for<T>(
        &self,
        timeout: Duration,
        waiting_for: &str,
        found: impl Fn(&Records) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        self.state
            .journal
            .wait_for(timeout, waiting_for, found)
            .await
    }

    /// Waits for the first `FinishTask` of `task_id`.
    pub async fn wait_for_finish(
        &self,
        task_id: &str,
        timeout: Duration,
    ) -> Result<FinishRecord, WaitTimeout> {
        self.wait_for(timeout, &format!("FinishTask of {task_id}"), |r| {
            r.finish_of(task_id).cloned()
        })
        .await
    }

    /// Waits for the first accepted `Hello`.
    pub async fn wait_for_hello(&self, timeout: Duration) -> Result<HelloRecord, WaitTimeout> {
        self.wait_for(timeout, "a Hello", |r| r.hellos.first().cloned())
            .await
    }

    /// Waits until `task_id` has at least `n` heartbeats; returns them all.
    pub async fn wait_for_heartbeats(
        &self,
        task_id: &str,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<HeartbeatRecord>, WaitTimeout> {
        self.wait_for(timeout, &format!("{n} heartbeats of {task_id}"), |r| {
            Some(r.heartbeats_of(task_id)).filter(|h| h.len() >= n)
        })
        .await
    }

    /// Stops listening and drops every open connection (in-flight calls fail). The state
    /// stays.
    pub async fn stop_serving(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    /// Listens again on the same port after [`stop_serving`](Self::stop_serving).
    pub async fn resume_serving(&mut self) -> io::Result<()> {
        if self.server.is_none() {
            let listener = TcpListener::bind(self.address).await?;
            let serving = serve(listener, self.acceptor.clone(), self.app.clone());
            self.server = Some(tokio::spawn(serving));
        }
        Ok(())
    }

    /// Drops every connection and listens again on the same port, keeping all state
    /// (clients, tokens, queue, records, faults).
    pub async fn restart(&mut self) -> io::Result<()> {
        self.stop_serving().await;
        self.resume_serving().await
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(mut self) {
        self.stop_serving().await;
    }
}

impl Drop for ControlPlaneSim {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// The token endpoint and the gRPC service, routed by path.
fn app(state: Arc<State>) -> Router {
    let token = Router::new()
        .route(TOKEN_PATH, post(token_endpoint))
        .with_state(state.clone());
    // Upload chunks reach 1 MiB; leave room for the message framing.
    let baton = BatonServiceServer::new(Baton::new(state))
        .max_decoding_message_size(MAX_CHUNK_BYTES + 64 * 1024);
    tonic::service::Routes::from(token)
        .add_service(baton)
        .prepare()
        .into_axum_router()
}

/// Accepts connections until aborted; aborting drops every connection too.
async fn serve(listener: TcpListener, acceptor: TlsAcceptor, app: Router) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    // Small gRPC frames (a response and its trailers) must not wait for the
                    // peer's delayed ACK, as they don't with Go's server.
                    let _ = tcp.set_nodelay(true);
                    connections.spawn(serve_connection(tcp, acceptor.clone(), app.clone()));
                }
                Err(error) => {
                    // Out of file descriptors and the like: do not spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// TLS handshake, then HTTP/1.1 or HTTP/2 (as the client speaks) on one connection.
async fn serve_connection(tcp: TcpStream, acceptor: TlsAcceptor, app: Router) {
    let tls = match acceptor.accept(tcp).await {
        Ok(tls) => tls,
        Err(error) => {
            tracing::debug!(%error, "TLS handshake failed");
            return;
        }
    };
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(TokioIo::new(tls), TowerToHyperService::new(app));
    if let Err(error) = connection.await {
        tracing::debug!(%error, "connection ended with an error");
    }
}
