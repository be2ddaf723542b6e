//! Credentials: the organization API key, the Teams user token and the SCIM directory token.
//!
//! Every secret is held in a [`Secret`], whose `Debug` and `Display` print `[redacted]`, and
//! is turned into a header value marked sensitive, so it never reaches logs or errors.

use std::fmt;

use reqwest::RequestBuilder;

/// A secret string (API key or token). Its `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only to put it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Email and user API token for the Teams REST API (sent as HTTP Basic).
#[derive(Clone, Debug)]
pub struct TeamsCredentials {
    /// Email of the Atlassian account that owns the token.
    pub email: String,
    /// The user API token created at id.atlassian.com.
    pub api_token: Secret,
}

/// SCIM provisioning credentials: the directory the token belongs to and the token.
#[derive(Clone, Debug)]
pub struct ScimCredentials {
    /// Identity-provider directory id (the `{directoryId}` of `/scim/directory/{directoryId}`).
    pub directory_id: String,
    /// SCIM bearer token generated when the identity provider was connected.
    pub token: Secret,
}

/// Which credential an endpoint uses; errors say which one was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// The organization API key (Bearer).
    OrgApiKey,
    /// The Teams email + user API token (Basic).
    TeamsToken,
    /// The SCIM directory token (Bearer).
    ScimToken,
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OrgApiKey => "organization API key",
            Self::TeamsToken => "Teams email and API token",
            Self::ScimToken => "SCIM directory token",
        })
    }
}

/// All credentials a client holds; only the organization API key is required.
#[derive(Clone, Debug)]
pub(crate) struct Credentials {
    pub api_key: Secret,
    pub teams: Option<TeamsCredentials>,
    pub scim: Option<ScimCredentials>,
}

impl Credentials {
    /// Adds the `Authorization` header for `kind` (marked sensitive by reqwest), or returns
    /// `None` when that credential is not configured.
    pub fn authorize(
        &self,
        kind: CredentialKind,
        request: RequestBuilder,
    ) -> Option<RequestBuilder> {
        Some(match kind {
            CredentialKind::OrgApiKey => request.bearer_auth(self.api_key.expose()),
            CredentialKind::ScimToken => request.bearer_auth(self.scim.as_ref()?.token.expose()),
            CredentialKind::TeamsToken => {
                let teams = self.teams.as_ref()?;
                request.basic_auth(&teams.email, Some(teams.api_token.expose()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_and_display_are_redacted() {
        let secret = Secret::new("super-secret-key");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret}"), "[redacted]");
        let creds = Credentials {
            api_key: secret,
            teams: Some(TeamsCredentials {
                email: "a@example.com".into(),
                api_token: Secret::new("teams-token-value"),
            }),
            scim: Some(ScimCredentials {
                directory_id: "d".into(),
                token: Secret::new("scim-token-value"),
            }),
        };
        let debug = format!("{creds:?}");
        assert!(!debug.contains("super-secret-key"));
        assert!(!debug.contains("teams-token-value"));
        assert!(!debug.contains("scim-token-value"));
    }

    #[test]
    fn authorization_headers_carry_the_right_credential_and_are_sensitive() {
        let creds = Credentials {
            api_key: Secret::new("k"),
            teams: Some(TeamsCredentials {
                email: "user".into(),
                api_token: Secret::new("pass"),
            }),
            scim: None,
        };
        let http = reqwest::Client::new();
        let header = |kind| {
            let builder = creds.authorize(kind, http.get("http://127.0.0.1/"))?;
            let request = builder.build().unwrap();
            Some(request.headers()[reqwest::header::AUTHORIZATION].clone())
        };
        let basic = header(CredentialKind::TeamsToken).unwrap();
        assert_eq!(basic.to_str().unwrap(), "Basic dXNlcjpwYXNz");
        assert!(basic.is_sensitive());
        let bearer = header(CredentialKind::OrgApiKey).unwrap();
        assert_eq!(bearer.to_str().unwrap(), "Bearer k");
        assert!(bearer.is_sensitive());
        assert!(header(CredentialKind::ScimToken).is_none());
    }
}
