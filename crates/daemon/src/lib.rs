//! The `baton-atlassian` binary as a library: its command line ([`cli`]), the checks that
//! turn flags and `BATON_*` variables into settings ([`config`]), logging ([`logging`]),
//! the commands ([`commands`]): a one-shot sync into a `.c1z` file, the service, a check
//! of the setup, the connector's capabilities as JSON, and a readable summary of a `.c1z`
//! file; the service itself ([`service`]): ConductorOne's tasks and scheduled syncs; the
//! service's health and metrics server ([`health`]); and OpenTelemetry traces
//! ([`telemetry`]).
//!
//! `main.rs` only installs the TLS crypto provider, parses the command line and calls
//! [`commands::run`]; tests reach the parser and the commands here.

pub mod cli;
pub mod commands;
pub mod config;
pub mod health;
pub mod logging;
mod render;
pub mod service;
pub mod telemetry;
