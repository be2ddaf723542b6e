//! The settings the connector needs (built by the daemon from flags and environment),
//! their validation, and the Atlassian client they configure.

use atlassian::{Client, ClientBuilder, ScimCredentials, Secret, TeamsCredentials, Url};

use crate::error::Error;

/// Default number of Atlassian requests in flight.
pub const DEFAULT_MAX_CONCURRENCY: usize = 8;

/// Settings of the connector. Secrets are [`Secret`]s: `Debug` never shows them.
#[derive(Clone, Debug)]
pub struct ConnectorConfig {
    /// The organization to sync (`organization-id`, `BATON_ORGANIZATION_ID`).
    pub organization_id: String,
    /// Organization API key without scopes (`access-token`, `BATON_ACCESS_TOKEN`).
    pub access_token: Secret,
    /// Base URL of the Atlassian APIs (`base-url`; testing and the simulator); `None` is
    /// `https://api.atlassian.com/`.
    pub base_url: Option<Url>,
    /// SCIM directory token for account creation (`scim-token`).
    pub scim_token: Option<Secret>,
    /// SCIM base URL, `https://api.atlassian.com/scim/directory/{directoryId}` (`scim-base-url`).
    pub scim_base_url: Option<Url>,
    /// Teams REST credentials; teams are synced only when set.
    pub teams: Option<TeamsConfig>,
    /// Fetch each user's last-active dates (one request per user; off by default).
    pub sync_last_active: bool,
    /// Atlassian requests in flight at once (default 8).
    pub max_concurrency: usize,
}

/// What the Teams REST API needs: a user's email and API token (Basic auth) and the site
/// whose site-scoped teams are listed besides the organization-wide ones.
#[derive(Clone, Debug)]
pub struct TeamsConfig {
    /// Email of the Atlassian account owning the token (`teams-email`).
    pub email: String,
    /// That account's API token (`teams-api-token`).
    pub api_token: Secret,
    /// The site (cloud) id (`teams-site-id`).
    pub site_id: String,
}

impl ConnectorConfig {
    /// Settings for `organization_id` with its API key, everything else at its default.
    pub fn new(organization_id: impl Into<String>, access_token: impl Into<Secret>) -> Self {
        Self {
            organization_id: organization_id.into(),
            access_token: access_token.into(),
            base_url: None,
            scim_token: None,
            scim_base_url: None,
            teams: None,
            sync_last_active: false,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
        }
    }

    /// Checks the settings and builds the Atlassian client they describe.
    pub(crate) fn client(&self) -> Result<Client, Error> {
        Ok(self.client_builder()?.build()?)
    }

    /// Checks the settings and prepares the Atlassian client they describe.
    pub(crate) fn client_builder(&self) -> Result<ClientBuilder, Error> {
        let invalid = |key: &'static str, reason: &str| Error::Config {
            key,
            reason: reason.to_owned(),
        };
        if self.organization_id.trim().is_empty() {
            return Err(invalid(
                "organization-id",
                "the organization id is required",
            ));
        }
        if self.access_token.expose().trim().is_empty() {
            return Err(invalid(
                "access-token",
                "the organization API key is required",
            ));
        }
        if self.max_concurrency == 0 {
            return Err(invalid(
                "max-concurrency",
                "at least one request must be allowed in flight",
            ));
        }
        let mut builder = Client::builder(self.organization_id.clone(), self.access_token.clone())
            .max_concurrency(self.max_concurrency)
            .user_agent(concat!("baton-atlassian/", env!("CARGO_PKG_VERSION")));
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url.clone());
        }
        if let Some(teams) = &self.teams {
            if teams.email.trim().is_empty() {
                return Err(invalid(
                    "teams-email",
                    "the Teams API needs the email of the token's owner",
                ));
            }
            if teams.site_id.trim().is_empty() {
                return Err(invalid(
                    "teams-site-id",
                    "the Teams API needs the site (cloud) id",
                ));
            }
            let credentials = TeamsCredentials {
                email: teams.email.clone(),
                api_token: teams.api_token.clone(),
            };
            builder = builder.teams_credentials(credentials);
        }
        match (&self.scim_token, &self.scim_base_url) {
            (None, None) => {}
            (Some(token), Some(url)) => {
                let directory_id = scim_directory_id(url).ok_or_else(|| {
                    invalid(
                        "scim-base-url",
                        "expected https://api.atlassian.com/scim/directory/{directoryId}",
                    )
                })?;
                builder = builder.scim_credentials(ScimCredentials {
                    directory_id,
                    token: token.clone(),
                });
            }
            (Some(_), None) => return Err(invalid("scim-base-url", "required with scim-token")),
            (None, Some(_)) => return Err(invalid("scim-token", "required with scim-base-url")),
        }
        Ok(builder)
    }
}

/// The `{directoryId}` of `.../scim/directory/{directoryId}`.
fn scim_directory_id(url: &Url) -> Option<String> {
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let position = segments.iter().position(|s| *s == "directory")?;
    segments.get(position + 1).map(|id| (*id).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(config: &ConnectorConfig) -> &'static str {
        match config.client() {
            Err(Error::Config { key, .. }) => key,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn missing_or_invalid_settings_name_their_key() {
        assert_eq!(key_of(&ConnectorConfig::new("", "key")), "organization-id");
        assert_eq!(key_of(&ConnectorConfig::new("org", "")), "access-token");
        let zero = ConnectorConfig {
            max_concurrency: 0,
            ..ConnectorConfig::new("org", "key")
        };
        assert_eq!(key_of(&zero), "max-concurrency");
        let teams = |email: &str, site: &str| ConnectorConfig {
            teams: Some(TeamsConfig {
                email: email.into(),
                api_token: "t".into(),
                site_id: site.into(),
            }),
            ..ConnectorConfig::new("org", "key")
        };
        assert_eq!(key_of(&teams("", "site")), "teams-email");
        assert_eq!(key_of(&teams("a@example.com", " ")), "teams-site-id");
        let scim = |token: Option<&str>, url: Option<&str>| ConnectorConfig {
            scim_token: token.map(Secret::from),
            scim_base_url: url.map(|u| Url::parse(u).unwrap()),
            ..ConnectorConfig::new("org", "key")
        };
        assert_eq!(key_of(&scim(Some("s"), None)), "scim-base-url");
        assert_eq!(
            key_of(&scim(
                None,
                Some("https://api.atlassian.com/scim/directory/d")
            )),
            "scim-token"
        );
        assert_eq!(
            key_of(&scim(Some("s"), Some("https://api.atlassian.com/other"))),
            "scim-base-url"
        );
    }

    #[test]
    fn a_complete_configuration_builds_a_client_with_the_scim_directory() {
        let config = ConnectorConfig {
            scim_token: Some("scim-secret".into()),
            scim_base_url: Some(
                Url::parse("https://api.atlassian.com/scim/directory/dir-1/").unwrap(),
            ),
            ..ConnectorConfig::new("org", "key")
        };
        let client = config.client().unwrap();
        assert_eq!(client.org_id(), "org");
        assert_eq!(client.scim_directory_id(), Some("dir-1"));
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let config = ConnectorConfig {
            scim_token: Some("scim-secret-value".into()),
            teams: Some(TeamsConfig {
                email: "a@example.com".into(),
                api_token: "teams-secret-value".into(),
                site_id: "s".into(),
            }),
            ..ConnectorConfig::new("org", "org-secret-value")
        };
        let shown = format!("{config:?}");
        for secret in [
            "scim-secret-value",
            "teams-secret-value",
            "org-secret-value",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
