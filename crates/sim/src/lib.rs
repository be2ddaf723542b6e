//! Simulators for tests, the demo and benchmarks.
//!
//! [`atlassian`] serves the Atlassian Cloud organization admin API over real sockets from a
//! generated in-memory organization, so the Atlassian client and the connector are
//! exercised end to end without the internet.

pub mod atlassian;
