//! Atlassian organization simulator: a real HTTP server serving the organization admin
//! API (v1 / v2 orgs, directories, users, groups, workspaces, roles, invites, suspension),
//! the user-management lifecycle API, SCIM user creation, the API-token inventory and the
//! Teams REST API from an in-memory, deterministically generated organization.
//!
//! Paths are the real ones below `https://api.atlassian.com/`. Writes change later reads.
//! Faithful quirks: three pagination styles and their limits, the real error body shapes,
//! proxy 401 / 429, scoped-key refusals ([`endpoints`]), IdP-synced groups refusing
//! membership changes, the `jira-admin` workspace refused by `roles/assign`, licence
//! capacity, Support-gated endpoints, per-credential token-bucket rate limiting with
//! `Retry-After` and `X-RateLimit-*` headers. Tests can inject faults, read counters and
//! recorded exchanges, and read or change the ground truth.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sim::atlassian::{AtlassianSim, OrgSpec, SimConfig};
//! let sim = AtlassianSim::start(SimConfig { org: OrgSpec { users: 1000, seed: 7 }, ..SimConfig::default() }).await?;
//! let users_url = sim.base_url().join(&format!("admin/v2/orgs/{}/directories/-/users", sim.org_id())).unwrap();
//! # let _ = users_url;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod auth;
mod config;
pub mod endpoints;
mod errors;
mod faults;
mod gateway;
mod generate;
mod model;
mod pagination;
mod params;
mod products;
mod ratelimit;
mod rng;
mod routes;
mod server;
mod stats;
mod world;

pub use config::{Credentials, RateLimit, SimConfig};
pub use endpoints::endpoint_keys;
pub use faults::Fault;
pub use generate::{OrgSpec, generate};
pub use model::*;
pub use products::valid_roles;
pub use server::AtlassianSim;
pub use stats::{EndpointStats, Exchange, Stats};

/// Role ids (`atlassian/...`).
pub mod roles {
    pub use super::products::{
        ADMIN, BASIC, CONTRIBUTOR, CUSTOMER, GUEST, ORG_ADMIN, SITE_ADMIN, STAKEHOLDER, USER,
        USER_ACCESS_ADMIN,
    };
}
