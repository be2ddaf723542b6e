//! Simulators for tests, the demo and benchmarks.
//!
//! [`atlassian`] serves the Atlassian Cloud organization admin API over real sockets from a
//! generated in-memory organization, so the Atlassian client and the connector are
//! exercised end to end without the internet.
//!
//! [`controlplane`] serves ConductorOne's service-mode API (`BatonService` gRPC and the
//! token endpoint) over TLS with a test CA, with a scripted task queue, so the daemon's
//! service mode is exercised end to end.

pub mod atlassian;
pub mod controlplane;
