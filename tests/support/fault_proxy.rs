//! A TCP proxy between the daemon and the Atlassian simulator that breaks chosen HTTP/1.1
//! requests with a connection reset: before the request reaches the simulator (nothing
//! happened there), or after the simulator answered, in place of the answer (the server
//! acted; the client never learns it). A request is chosen by a text its request head
//! contains, such as `/users/invite HTTP`.
//!
//! Include it with `#[path = "support/fault_proxy.rs"] mod fault_proxy;`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Where a chosen request's connection is reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    /// Before the request is passed on.
    BeforeServer,
    /// When the answer comes back, instead of passing it on.
    AfterServer,
}

/// The requests still to break, and how many were.
#[derive(Debug, Default)]
struct Plan {
    /// Text of the request head, where to cut, how many more times.
    rules: Vec<(String, Cut, u32)>,
    fired: u32,
}

impl Plan {
    /// The cut for a chunk read from the client, if it starts a chosen request.
    fn take(&mut self, chunk: &[u8]) -> Option<Cut> {
        let text = String::from_utf8_lossy(chunk);
        if !text.contains(" HTTP/1.1\r\n") {
            return None;
        }
        let (_, cut, left) = self
            .rules
            .iter_mut()
            .find(|(matching, _, left)| *left > 0 && text.contains(matching.as_str()))?;
        *left -= 1;
        self.fired += 1;
        Some(*cut)
    }
}

/// The proxy, listening on 127.0.0.1; dropping it closes every connection.
pub struct FaultProxy {
    address: SocketAddr,
    plan: Arc<Mutex<Plan>>,
    server: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` on a free port.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let plan = Arc::new(Mutex::new(Plan::default()));
        let server = tokio::spawn(accept(listener, upstream, plan.clone()));
        Self {
            address,
            plan,
            server,
        }
    }

    /// The proxy's base URL, to give the daemon as `BATON_BASE_URL`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// Resets the connection of the next `times` requests whose head contains `matching`,
    /// before they reach the simulator.
    pub fn reset_requests(&self, matching: &str, times: u32) {
        self.add(matching, Cut::BeforeServer, times);
    }

    /// Passes the next `times` requests whose head contains `matching` on, then resets
    /// their connection instead of passing the answer back.
    pub fn lose_answers(&self, matching: &str, times: u32) {
        self.add(matching, Cut::AfterServer, times);
    }

    /// How many requests were broken so far.
    pub fn fired(&self) -> u32 {
        self.plan.lock().unwrap().fired
    }

    fn add(&self, matching: &str, cut: Cut, times: u32) {
        let mut plan = self.plan.lock().unwrap();
        plan.rules.push((matching.to_owned(), cut, times));
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Accepts connections until aborted; aborting drops every connection too.
async fn accept(listener: TcpListener, upstream: SocketAddr, plan: Arc<Mutex<Plan>>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((client, _)) = accepted {
                    connections.spawn(relay(client, upstream, plan.clone()));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Passes bytes both ways between the client and a new connection to `upstream`, breaking
/// the requests the plan chooses.
async fn relay(client: TcpStream, upstream: SocketAddr, plan: Arc<Mutex<Plan>>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    let mut client = client;
    let (mut from_client, mut from_server) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    let mut answer_lost = false;
    loop {
        tokio::select! {
            read = client.read(&mut from_client) => {
                let Ok(n @ 1..) = read else { return };
                let cut = plan.lock().unwrap().take(&from_client[..n]);
                if cut == Some(Cut::BeforeServer) {
                    return reset(client);
                }
                answer_lost |= cut == Some(Cut::AfterServer);
                if server.write_all(&from_client[..n]).await.is_err() {
                    return;
                }
            }
            read = server.read(&mut from_server) => {
                let Ok(n @ 1..) = read else { return };
                if answer_lost {
                    return reset(client);
                }
                if client.write_all(&from_server[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Closes `stream` with a reset (RST) rather than an orderly shutdown.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}
