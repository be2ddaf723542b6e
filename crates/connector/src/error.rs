//! The connector's [`Error`]: each variant says where the failure is and what to do.

use crate::sink::SinkError;

/// Every failure of the connector.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An Atlassian API call failed; the client's error says what to do (credentials,
    /// permissions, Support enablement, rate limits...).
    #[error(transparent)]
    Atlassian(#[from] atlassian::Error),
    /// The sink refused an object (for a `.c1z`: a disk or SQLite problem).
    #[error("the sync output could not be written: {0}")]
    Sink(#[from] SinkError),
    /// The `.c1z` file could not be created or completed.
    #[error("the .c1z file could not be written: {0}")]
    C1z(#[from] c1z::Error),
    /// A configuration value is missing or invalid; `key` is the setting's name.
    #[error("invalid configuration {key}: {reason}")]
    Config {
        /// The setting, as its flag is named (e.g. `organization-id`).
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The thread writing the sync output stopped without a result (it panicked).
    #[error("the sync output writer stopped unexpectedly: {0}")]
    Writer(String),
}
