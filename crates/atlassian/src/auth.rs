//! Credentials: the organization API key, the Teams user token and the SCIM directory token.
//!
//! Every secret is held in a [`Secret`], whose `Debug` and `Display` print `[redacted]`, and
//! is turned into a header value marked sensitive, so it never reaches logs or errors. A
//! built client keeps its secrets in a [`CredentialStore`], where each can be replaced while
//! requests run (a rotated key, see [`Client::set_secret`](crate::Client::set_secret)).

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

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

/// All credentials a client is built with; only the organization API key is required.
#[derive(Clone, Debug)]
pub(crate) struct Credentials {
    pub api_key: Secret,
    pub teams: Option<TeamsCredentials>,
    pub scim: Option<ScimCredentials>,
}

/// The credentials of a built client. Each secret can be replaced while requests run; a
/// request reads the one current when it is sent (a read lock and a reference count).
#[derive(Debug)]
pub(crate) struct CredentialStore {
    api_key: Replaceable,
    /// The Teams account's email and its API token.
    teams: Option<(String, Replaceable)>,
    /// The SCIM directory id and its token.
    scim: Option<(String, Replaceable)>,
}

impl From<Credentials> for CredentialStore {
    fn from(credentials: Credentials) -> Self {
        Self {
            api_key: Replaceable::new(credentials.api_key),
            teams: credentials
                .teams
                .map(|t| (t.email, Replaceable::new(t.api_token))),
            scim: credentials
                .scim
                .map(|s| (s.directory_id, Replaceable::new(s.token))),
        }
    }
}

impl CredentialStore {
    /// Adds the `Authorization` header for `kind` (marked sensitive by reqwest), or returns
    /// `None` when that credential is not configured.
    pub fn authorize(
        &self,
        kind: CredentialKind,
        request: RequestBuilder,
    ) -> Option<RequestBuilder> {
        Some(match kind {
            CredentialKind::OrgApiKey => request.bearer_auth(self.api_key.current().expose()),
            CredentialKind::ScimToken => {
                request.bearer_auth(self.scim.as_ref()?.1.current().expose())
            }
            CredentialKind::TeamsToken => {
                let (email, token) = self.teams.as_ref()?;
                request.basic_auth(email, Some(token.current().expose()))
            }
        })
    }

    /// Replaces the secret of `kind` for the requests sent from now on; `false` (nothing
    /// changes) when that credential is not configured.
    pub fn replace(&self, kind: CredentialKind, secret: Secret) -> bool {
        let slot = match kind {
            CredentialKind::OrgApiKey => Some(&self.api_key),
            CredentialKind::TeamsToken => self.teams.as_ref().map(|(_, token)| token),
            CredentialKind::ScimToken => self.scim.as_ref().map(|(_, token)| token),
        };
        slot.map(|slot| slot.replace(secret)).is_some()
    }

    /// The SCIM directory id, when SCIM credentials were given.
    pub fn scim_directory_id(&self) -> Option<&str> {
        self.scim.as_ref().map(|(directory, _)| directory.as_str())
    }
}

/// A secret that can be replaced while other threads read it.
#[derive(Debug)]
struct Replaceable(RwLock<Arc<Secret>>);

impl Replaceable {
    fn new(secret: Secret) -> Self {
        Self(RwLock::new(Arc::new(secret)))
    }

    /// The current secret. A poisoned lock still holds a whole value (writes only swap it).
    fn current(&self) -> Arc<Secret> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn replace(&self, secret: Secret) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(secret);
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

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
        let store = CredentialStore::from(creds.clone());
        for debug in [format!("{creds:?}"), format!("{store:?}")] {
            assert!(!debug.contains("super-secret-key"), "{debug}");
            assert!(!debug.contains("teams-token-value"), "{debug}");
            assert!(!debug.contains("scim-token-value"), "{debug}");
        }
    }

    /// The `Authorization` header `store` puts on a request for `kind`.
    fn header(store: &CredentialStore, kind: CredentialKind) -> Option<HeaderValue> {
        let request = reqwest::Client::new().get("http://127.0.0.1/");
        let request = store.authorize(kind, request)?.build().unwrap();
        Some(request.headers()[reqwest::header::AUTHORIZATION].clone())
    }

    #[test]
    fn authorization_headers_carry_the_right_credential_and_are_sensitive() {
        let creds = CredentialStore::from(Credentials {
            api_key: Secret::new("k"),
            teams: Some(TeamsCredentials {
                email: "user".into(),
                api_token: Secret::new("pass"),
            }),
            scim: None,
        });
        let header = |kind| header(&creds, kind);
        let basic = header(CredentialKind::TeamsToken).unwrap();
        assert_eq!(basic.to_str().unwrap(), "Basic dXNlcjpwYXNz");
        assert!(basic.is_sensitive());
        let bearer = header(CredentialKind::OrgApiKey).unwrap();
        assert_eq!(bearer.to_str().unwrap(), "Bearer k");
        assert!(bearer.is_sensitive());
        assert!(header(CredentialKind::ScimToken).is_none());
    }

    #[test]
    fn a_replaced_secret_is_used_from_the_next_request_and_an_absent_one_is_not_created() {
        let store = CredentialStore::from(Credentials {
            api_key: Secret::new("old-key"),
            teams: Some(TeamsCredentials {
                email: "user".into(),
                api_token: Secret::new("old"),
            }),
            scim: None,
        });
        assert!(store.replace(CredentialKind::OrgApiKey, Secret::new("new-key")));
        assert!(store.replace(CredentialKind::TeamsToken, Secret::new("pass")));
        assert!(!store.replace(CredentialKind::ScimToken, Secret::new("s")));
        let bearer = header(&store, CredentialKind::OrgApiKey).unwrap();
        assert_eq!(bearer.to_str().unwrap(), "Bearer new-key");
        assert!(bearer.is_sensitive());
        let basic = header(&store, CredentialKind::TeamsToken).unwrap();
        assert_eq!(basic.to_str().unwrap(), "Basic dXNlcjpwYXNz");
        assert!(header(&store, CredentialKind::ScimToken).is_none());
    }
}
