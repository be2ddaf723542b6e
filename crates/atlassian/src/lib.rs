//! Typed async client of the Atlassian Cloud organization admin APIs: organizations,
//! directories, users, groups, workspaces, roles, invitations, access lifecycle, SCIM user
//! creation, API-token inventory and Teams.
//!
//! - **One [`Client`] per organization**, built with [`Client::builder`]: base URL (the real
//!   `https://api.atlassian.com/` or a simulator), credentials (org API key as Bearer,
//!   optional Teams email + token as Basic, optional SCIM token), timeouts, concurrency limit,
//!   rate-limit pacing and retry policy. Secrets are [`Secret`]s and never printed.
//! - **Listings** stream items ([`ItemStream`]) and fetch the next page only when needed;
//!   every listing also has a `_page` method taking a [`Cursor`] for callers that fetch
//!   pages themselves. Page sizes are the largest each endpoint allows.
//! - **Writes that converge** (group membership, roles) return [`Outcome::AlreadyDone`]
//!   instead of an error when the state was already as asked.
//! - **Retries**: 429 always; 5xx and transport errors only where repeating does no harm
//!   (everything but invitations, SCIM creation and group creation); waits follow
//!   `Retry-After` / `X-RateLimit-Reset`, else exponential backoff with full jitter, within a
//!   bounded number of attempts and a total deadline. Each wait is a `tracing` event.
//! - **Pacing**: when `X-RateLimit-Remaining` runs low the client spreads the remaining
//!   requests until `X-RateLimit-Reset`; after a 429 every request waits. Counters are in
//!   [`Client::metrics`].
//! - **Errors**: one [`Error`] enum whose variants say what to do; endpoints that need
//!   Atlassian Support fail with [`Error::NotEnabled`] (ticket text: [`SUPPORT_TICKET`]).

#![warn(missing_docs)]

mod api;
mod auth;
mod client;
mod config;
mod endpoints;
mod error;
mod headers;
mod metrics;
mod models;
mod pagination;
#[cfg(test)]
mod props;
mod ratelimit;
mod retry;

pub use auth::{CredentialKind, ScimCredentials, Secret, TeamsCredentials};
pub use client::{Client, ClientBuilder};
pub use config::{DEFAULT_BASE_URL, RateLimitSettings, RetryPolicy};
pub use error::{
    ApiError, Error, SUPPORT_TICKET, SUPPORT_TICKET_README_SECTION, support_ticket_text,
};
pub use metrics::{EndpointMetrics, MetricsSnapshot};
pub use models::*;
pub use pagination::{Cursor, ItemStream, Page};
pub use url::Url;
