//! Shared set-up of the integration tests: a simulator on a real socket and a client for it.
#![allow(dead_code)]

use std::time::Duration;

use atlassian::{Client, ClientBuilder, RetryPolicy, ScimCredentials, Secret, TeamsCredentials};
use sim::atlassian::{AtlassianSim, OrgSpec, SimConfig};

/// A simulator of an organization with `users` accounts.
pub async fn sim_with_users(users: usize) -> AtlassianSim {
    start(SimConfig {
        org: OrgSpec { users, seed: 7 },
        ..SimConfig::default()
    })
    .await
}

/// A simulator with `config`.
pub async fn start(config: SimConfig) -> AtlassianSim {
    AtlassianSim::start(config).await.expect("simulator starts")
}

/// Retries that wait milliseconds, so tests of retries stay fast.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        max_server_wait: Duration::from_secs(5),
        deadline: Duration::from_secs(30),
    }
}

/// A builder for the simulator with every credential it accepts and quick retries.
pub fn builder(sim: &AtlassianSim) -> ClientBuilder {
    let credentials = sim.credentials();
    let scim_directory = sim.snapshot().directories[0].id.clone();
    Client::builder(sim.org_id(), credentials.api_key.as_str())
        .base_url(sim.base_url())
        .teams_credentials(TeamsCredentials {
            email: credentials.teams_email.clone(),
            api_token: Secret::new(credentials.teams_api_token.as_str()),
        })
        .scim_credentials(ScimCredentials {
            directory_id: scim_directory,
            token: Secret::new(credentials.scim_token.as_str()),
        })
        .retry_policy(quick_retries())
}

/// A client for the simulator.
pub fn client(sim: &AtlassianSim) -> Client {
    builder(sim).build().expect("client builds")
}

/// Requests the simulator received for an endpoint key.
pub fn requests(sim: &AtlassianSim, endpoint: &str) -> u64 {
    sim.stats().requests(endpoint)
}
