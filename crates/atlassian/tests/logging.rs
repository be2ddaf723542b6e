//! Retry waits are logged. Alone in its test binary: a thread-local tracing subscriber
//! sees every event only when no other test registers the same call sites concurrently.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use atlassian::{ALL_DIRECTORIES, UserFilter};
use sim::atlassian::{Fault, endpoints};

use common::{client, sim_with_users};

/// A log sink shared with the tracing subscriber.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_retry_wait_is_logged_with_endpoint_attempt_wait_and_reason() {
    let sim = sim_with_users(20).await;
    sim.set_fault(endpoints::USERS_COUNT, Fault::error(500).times(1));
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    client(&sim)
        .count_users(ALL_DIRECTORIES, &UserFilter::default())
        .await
        .unwrap();

    let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("retrying"))
        .expect("a retry event");
    assert!(
        line.contains(&format!("endpoint=\"{}\"", endpoints::USERS_COUNT)),
        "{line}"
    );
    assert!(line.contains("attempt=1"), "{line}");
    assert!(line.contains("wait_ms="), "{line}");
    assert!(
        line.contains("reason=") && line.contains("server error 500"),
        "{line}"
    );
    assert!(
        !log.contains(sim.credentials().api_key.as_str()),
        "no secret in logs"
    );
}
