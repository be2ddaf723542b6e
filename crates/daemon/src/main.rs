//! `baton-atlassian`: see the library crate for what it does.

use std::process::ExitCode;

use baton_atlassian::{commands, config};

fn main() -> ExitCode {
    // Every TLS connection of the process (reqwest, and later tonic) uses aws-lc-rs.
    // Installing fails only if a provider is already installed, which then stays in use.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    commands::run(config::file::parse())
}
