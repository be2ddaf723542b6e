//! Simulator configuration: the org to generate, credentials, rate limit and switches.

use std::fmt;

use super::generate::OrgSpec;

/// Rate limit of the token bucket (one bucket per credential).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Tokens added per second.
    pub per_second: f64,
    /// Bucket size: requests allowed in a burst (also `X-RateLimit-Limit`).
    pub burst: u32,
}

/// Credentials the simulator accepts. `Debug` shows only the email.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Unscoped org API key (`Authorization: Bearer`).
    pub api_key: String,
    /// Org API key with scopes: refused where the real service refuses scoped keys.
    pub scoped_api_key: String,
    /// Teams REST: Basic auth user email.
    pub teams_email: String,
    /// Teams REST: Basic auth user API token.
    pub teams_api_token: String,
    /// SCIM directory token (`Authorization: Bearer`).
    pub scim_token: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            api_key: "sim-org-api-key".into(),
            scoped_api_key: "sim-scoped-api-key".into(),
            teams_email: "teams-admin@example.com".into(),
            teams_api_token: "sim-teams-api-token".into(),
            scim_token: "sim-scim-token".into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("api_key", &"<redacted>")
            .field("scoped_api_key", &"<redacted>")
            .field("teams_email", &self.teams_email)
            .field("teams_api_token", &"<redacted>")
            .field("scim_token", &"<redacted>")
            .finish()
    }
}

/// Simulator configuration. `Default`: a 50-user org with seed 1, no rate limit, restricted
/// endpoints enabled, the default credentials, no exchange recording.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The organization to generate.
    pub org: OrgSpec,
    /// Token-bucket limit per credential; `None` = unlimited.
    pub rate_limit: Option<RateLimit>,
    /// Whether `roles/assign`, `roles/revoke` and the v1 invite answer (Atlassian Support
    /// must enable them for a real org); when off they answer `403 ADMIN-UAM-403-1`.
    pub restricted_endpoints_enabled: bool,
    /// Accepted credentials.
    pub credentials: Credentials,
    /// Keep every request and response (see [`AtlassianSim::exchanges`](super::AtlassianSim::exchanges)).
    pub record_exchanges: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            org: OrgSpec::default(),
            rate_limit: None,
            restricted_endpoints_enabled: true,
            credentials: Credentials::default(),
            record_exchanges: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_secret() {
        let shown = format!("{:?}", SimConfig::default());
        let credentials = Credentials::default();
        for secret in [
            credentials.api_key,
            credentials.scoped_api_key,
            credentials.teams_api_token,
            credentials.scim_token,
        ] {
            assert!(!shown.contains(&secret), "{shown}");
        }
        assert!(shown.contains("teams-admin@example.com"));
    }
}
