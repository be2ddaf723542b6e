//! The client's [`Error`]: one variant per thing a person can do about a failure, built from
//! the HTTP status, the endpoint, and the error body in any of the shapes Atlassian uses.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::auth::CredentialKind;
use crate::endpoints::Endpoint;
use crate::headers::RateLimitHeaders;

/// Section of the project README that explains the Atlassian Support ticket.
pub const SUPPORT_TICKET_README_SECTION: &str = "Atlassian Support ticket";

/// Text of the Atlassian Support ticket that enables the restricted endpoints for an
/// organization; `{orgId}` stands for the organization id (see [`support_ticket_text`]).
pub const SUPPORT_TICKET: &str = "\
Type: Technical issues and bugs (Level 3)
Summary: Please enable the user access management APIs for organization {orgId}

Please enable the following Atlassian organization admin REST API endpoints for our \
organization (ID {orgId}). We use them from an identity governance system with an \
organization API key without scopes:

1. Grant User Access: POST /admin/v1/orgs/{orgId}/users/{userId}/roles/assign
2. Revoke User Access: POST /admin/v1/orgs/{orgId}/users/{userId}/roles/revoke
3. Invite User to Org: POST /admin/v1/orgs/{orgId}/users/invite
";

/// The Support ticket text for one organization.
pub fn support_ticket_text(org_id: &str) -> String {
    SUPPORT_TICKET.replace("{orgId}", org_id)
}

/// What an error body said, whatever its shape: `errors[]` envelopes (`ADMIN-…`,
/// `ADMIN-UAM-…`), proxy errors `{code, message}`, a bare application error, lifecycle
/// `{key, context}`, SCIM errors and failures, and flat `{message}` bodies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiError {
    /// Machine-readable code: `ADMIN-UAM-409-2`, a lifecycle key such as `accountNotFound`,
    /// or a SCIM `scimType` such as `uniqueness`.
    pub code: Option<String>,
    /// Human-readable explanation (title and detail, or message).
    pub detail: Option<String>,
}

/// Longest detail kept from an error body.
const DETAIL_MAX: usize = 300;

impl ApiError {
    /// Parses an error body leniently; `None` when the body is not JSON or has no known field.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let value: Value = serde_json::from_slice(body).ok()?;
        let object = value.as_object()?;
        let parsed = if let Some(errors) = object.get("errors").and_then(Value::as_array) {
            let first = errors.first().and_then(Value::as_object);
            let details: Vec<String> = errors.iter().filter_map(title_and_detail).collect();
            Self {
                code: first.and_then(|e| text(e.get("code"))),
                detail: (!details.is_empty()).then(|| details.join("; ")),
            }
        } else if let Some(key) = text(object.get("key")) {
            let context = object.get("context");
            let detail = text(object.get("errorDetail"))
                .or_else(|| text(context.and_then(|c| c.get("message"))))
                .or_else(|| text(context))
                .or_else(|| context.filter(|c| !c.is_null()).map(Value::to_string));
            Self {
                code: Some(key),
                detail,
            }
        } else if let Some(scim_type) = text(object.get("scimType")) {
            Self {
                code: Some(scim_type),
                detail: text(object.get("detail")),
            }
        } else if object.get("code").is_some_and(Value::is_number) || object.contains_key("error") {
            let message = text(object.get("message")).or_else(|| text(object.get("error")));
            Self {
                code: None,
                detail: message,
            }
        } else {
            Self {
                code: text(object.get("code")),
                detail: title_and_detail(&value),
            }
        };
        (parsed.code.is_some() || parsed.detail.is_some()).then(|| parsed.shortened())
    }

    fn shortened(mut self) -> Self {
        self.detail = self.detail.map(|d| excerpt(d.as_bytes(), DETAIL_MAX));
        self
    }

    fn code_is(&self, codes: &[&str]) -> bool {
        self.code
            .as_deref()
            .is_some_and(|c| codes.iter().any(|k| c.eq_ignore_ascii_case(k)))
    }

    fn mentions(&self, words: &[&str]) -> bool {
        let detail = self
            .detail
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        words.iter().any(|w| detail.contains(w))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.detail) {
            (Some(code), Some(detail)) => write!(f, "{code}: {detail}"),
            (Some(code), None) => f.write_str(code),
            (None, Some(detail)) => f.write_str(detail),
            (None, None) => f.write_str("no details"),
        }
    }
}

/// A string field, also accepting numbers (`"status": 404`).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `title: detail`, `title`, `detail` or `message` of one error object.
fn title_and_detail(error: &Value) -> Option<String> {
    let title = text(error.get("title"));
    let detail = text(error.get("detail")).or_else(|| text(error.get("message")));
    match (title, detail) {
        (Some(t), Some(d)) if t != d => Some(format!("{t}: {d}")),
        (Some(t), _) => Some(t),
        (None, d) => d,
    }
}

/// The first `max` characters of a body, one line, for error messages.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// Every failure of the client. Each variant says what a person can do about it; none
/// carries a credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401: the credential is wrong, expired or revoked.
    #[error(
        "{endpoint}: the {credential} was refused (wrong, expired or revoked); create a new one \
         and update the configuration ({api})"
    )]
    Unauthorized {
        /// Endpoint key, e.g. `GET /admin/v1/orgs/{orgId}`.
        endpoint: &'static str,
        /// Which credential was refused.
        credential: CredentialKind,
        /// What the service said.
        api: ApiError,
    },

    /// The organization API key has scopes, and this endpoint only accepts a key without scopes.
    #[error(
        "{endpoint}: the organization API key has scopes, but this endpoint needs an API key \
         without scopes; create one in admin.atlassian.com > Settings > API keys ({api})"
    )]
    ScopedKey {
        /// Endpoint key.
        endpoint: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// 403: the credential may not do this (not an org admin, another organization, ...).
    #[error(
        "{endpoint}: the {credential} is not allowed to do this; check that it belongs to an \
         organization admin of this organization, that the target is managed by it, and that \
         the key has no scopes where the endpoint needs a key without ({api})"
    )]
    Forbidden {
        /// Endpoint key.
        endpoint: &'static str,
        /// Which credential was used.
        credential: CredentialKind,
        /// What the service said.
        api: ApiError,
    },

    /// The endpoint must first be enabled for the organization by Atlassian Support.
    #[error(
        "{endpoint}: \"{name}\" is not enabled for this organization; ask Atlassian Support to \
         enable it (see the README section \"Atlassian Support ticket\") ({api})"
    )]
    NotEnabled {
        /// Endpoint key.
        endpoint: &'static str,
        /// The name Atlassian Support uses for the endpoint, e.g. `Grant User Access`.
        name: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// 404 or 410: the organization, directory, user, group or team does not exist (any more).
    #[error("{endpoint}: not found; check the id, it may have been deleted ({api})")]
    NotFound {
        /// Endpoint key.
        endpoint: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// The user is already a member, already has the role, or already exists. Write methods
    /// report this as [`Outcome::AlreadyDone`](crate::Outcome::AlreadyDone) instead.
    #[error("{endpoint}: already done (already a member, already has the role, or exists) ({api})")]
    AlreadyExists {
        /// Endpoint key.
        endpoint: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// The user is not a member or does not have the role being removed. Removal methods
    /// report this as [`Outcome::AlreadyDone`](crate::Outcome::AlreadyDone) instead.
    #[error("{endpoint}: the user is not a member or does not have the role ({api})")]
    NotAMember {
        /// Endpoint key.
        endpoint: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// The group is synced from an identity provider (read-only here); change it in the IdP.
    #[error(
        "{endpoint}: the group is managed by an identity provider and is read-only through this \
         API; change its membership in the identity provider ({api})"
    )]
    GroupManagedByIdp {
        /// Endpoint key.
        endpoint: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// A licence or seat limit of a product was reached; free seats or buy more.
    #[error("{endpoint}: a product licence or user limit is reached; free or buy seats ({api})")]
    LicenceLimit {
        /// Endpoint key.
        endpoint: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// 402: the organization needs at least one paid subscription for this.
    #[error("{endpoint}: the organization needs a paid subscription for this ({api})")]
    PaymentRequired {
        /// Endpoint key.
        endpoint: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// Organization admins cannot be suspended; remove their admin role first.
    #[error(
        "{endpoint}: organization admins cannot be suspended; revoke the admin role first ({api})"
    )]
    OrgAdminProtected {
        /// Endpoint key.
        endpoint: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// The role is not valid for that resource (or the resource id is invalid or unlicensed).
    #[error(
        "{endpoint}: the role is not valid for this resource, or the resource id is wrong or \
         not licensed ({api})"
    )]
    InvalidRole {
        /// Endpoint key.
        endpoint: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// Another 409: the account or resource is not in a state that allows the action.
    #[error("{endpoint}: conflict, the target is not eligible for this action ({api})")]
    Conflict {
        /// Endpoint key.
        endpoint: &'static str,
        /// What the service said.
        api: ApiError,
    },

    /// Any other 4xx: the request itself was rejected (a client bug or a bad argument).
    #[error("{endpoint}: request rejected with status {status} ({api})")]
    BadRequest {
        /// Endpoint key.
        endpoint: &'static str,
        /// HTTP status.
        status: u16,
        /// What the service said.
        api: ApiError,
    },

    /// 429: too many requests; retried automatically until the retry budget ran out.
    #[error("{endpoint}: rate limited{}", wait_text(*retry_after))]
    RateLimited {
        /// Endpoint key.
        endpoint: &'static str,
        /// How long the service asked to wait.
        retry_after: Option<Duration>,
    },

    /// 5xx: the service failed; retried automatically for requests that may be repeated.
    #[error("{endpoint}: server error {status}{} ({api})", wait_text(*retry_after))]
    Server {
        /// Endpoint key.
        endpoint: &'static str,
        /// HTTP status.
        status: u16,
        /// How long the service asked to wait, if it said.
        retry_after: Option<Duration>,
        /// What the service said.
        api: ApiError,
    },

    /// The request did not complete: connection refused or reset, timeout, TLS failure.
    #[error("{endpoint}: transport error: {source}")]
    Transport {
        /// Endpoint key.
        endpoint: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// The response could not be decoded into the expected shape.
    #[error("{endpoint}: undecodable response (status {status}): {reason}; body starts: {excerpt}")]
    Decode {
        /// Endpoint key.
        endpoint: &'static str,
        /// HTTP status.
        status: u16,
        /// What was wrong.
        reason: String,
        /// The start of the body.
        excerpt: String,
    },

    /// A credential the endpoint needs was not configured.
    #[error("{endpoint}: the {credential} is not configured")]
    NotConfigured {
        /// Endpoint key.
        endpoint: &'static str,
        /// The missing credential.
        credential: CredentialKind,
    },

    /// The client configuration is invalid (base URL, TLS setup, ...).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

fn wait_text(wait: Option<Duration>) -> String {
    wait.map(|w| format!(" (retry after {:.1}s)", w.as_secs_f64()))
        .unwrap_or_default()
}

impl Error {
    /// Whether trying again later can succeed: rate limits, server errors, transport errors.
    /// The client already retries these within its retry policy (see the retry rule at
    /// `Effect` in the endpoint table); a caller may schedule a later attempt.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Transport { .. }
        )
    }

    /// How long the service asked to wait before trying again, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::Server { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// The endpoint key of the failed request, when there was one.
    pub fn endpoint(&self) -> Option<&'static str> {
        match self {
            Self::Unauthorized { endpoint, .. }
            | Self::ScopedKey { endpoint, .. }
            | Self::Forbidden { endpoint, .. }
            | Self::NotEnabled { endpoint, .. }
            | Self::NotFound { endpoint, .. }
            | Self::AlreadyExists { endpoint, .. }
            | Self::NotAMember { endpoint, .. }
            | Self::GroupManagedByIdp { endpoint, .. }
            | Self::LicenceLimit { endpoint, .. }
            | Self::PaymentRequired { endpoint, .. }
            | Self::OrgAdminProtected { endpoint, .. }
            | Self::InvalidRole { endpoint, .. }
            | Self::Conflict { endpoint, .. }
            | Self::BadRequest { endpoint, .. }
            | Self::RateLimited { endpoint, .. }
            | Self::Server { endpoint, .. }
            | Self::Transport { endpoint, .. }
            | Self::Decode { endpoint, .. }
            | Self::NotConfigured { endpoint, .. } => Some(endpoint),
            Self::Config(_) => None,
        }
    }

    /// A decode error for a response of `endpoint`.
    pub(crate) fn decode(
        endpoint: &Endpoint,
        status: u16,
        reason: impl fmt::Display,
        body: &[u8],
    ) -> Self {
        Self::Decode {
            endpoint: endpoint.key,
            status,
            reason: reason.to_string(),
            excerpt: excerpt(body, 120),
        }
    }
}

/// Turns a non-success response into an [`Error`].
pub(crate) fn classify(
    endpoint: &Endpoint,
    status: u16,
    limits: &RateLimitHeaders,
    body: &[u8],
) -> Error {
    let key = endpoint.key;
    let api = ApiError::parse(body).unwrap_or_else(|| ApiError {
        code: None,
        detail: (!body.is_empty()).then(|| excerpt(body, DETAIL_MAX)),
    });
    match status {
        429 => Error::RateLimited {
            endpoint: key,
            retry_after: limits.server_wait(),
        },
        500..=599 => Error::Server {
            endpoint: key,
            status,
            retry_after: limits.retry_after,
            api,
        },
        401 | 403 if is_scope_refusal(endpoint, &api) => Error::ScopedKey { endpoint: key, api },
        401 => Error::Unauthorized {
            endpoint: key,
            credential: endpoint.credential,
            api,
        },
        403 => match endpoint.support_name {
            Some(name) => Error::NotEnabled {
                endpoint: key,
                name,
                api,
            },
            None if endpoint.group_write && is_idp_group(&api) => {
                Error::GroupManagedByIdp { endpoint: key, api }
            }
            None => Error::Forbidden {
                endpoint: key,
                credential: endpoint.credential,
                api,
            },
        },
        402 => Error::PaymentRequired { endpoint: key, api },
        404 if endpoint.removal && is_absent_membership(&api) => {
            Error::NotAMember { endpoint: key, api }
        }
        404 | 410 => Error::NotFound { endpoint: key, api },
        409 if is_licence_limit(&api) => Error::LicenceLimit { endpoint: key, api },
        409 if api.code_is(&["ADMIN-UAM-409-2", "uniqueness"]) || api.mentions(&["already"]) => {
            Error::AlreadyExists { endpoint: key, api }
        }
        409 => Error::Conflict { endpoint: key, api },
        400 if api.code_is(&["ADMIN-UAM-400-3", "ADMIN-UAM-400-4", "ADMIN-UAM-400-5"]) => {
            Error::InvalidRole { endpoint: key, api }
        }
        400 if endpoint.suspend && api.mentions(&["admin"]) => {
            Error::OrgAdminProtected { endpoint: key, api }
        }
        _ => Error::BadRequest {
            endpoint: key,
            status,
            api,
        },
    }
}

/// `ADMIN-401-2` (insufficient scope), or a refusal that names scopes.
fn is_scope_refusal(endpoint: &Endpoint, api: &ApiError) -> bool {
    endpoint.credential == CredentialKind::OrgApiKey
        && (api.code_is(&["ADMIN-401-2"]) || api.mentions(&["scope"]))
}

/// A 403 on a group write that is about the group being synced from an identity provider
/// (or `ADMIN-403-5`, not allowed to manage the group).
fn is_idp_group(api: &ApiError) -> bool {
    api.code_is(&["ADMIN-403-5"])
        || api.mentions(&[
            "identity provider",
            "synced",
            "externally managed",
            "external",
            "idp",
        ])
}

/// A 404 on a removal that says the membership or role was not there: the text says so, or
/// `ADMIN-UAM-404-1` is about the user ("One or more user not found in the directory", the
/// answer to removing a non-member) rather than the directory.
fn is_absent_membership(api: &ApiError) -> bool {
    api.mentions(&[
        "not a member",
        "no membership",
        "does not hold",
        "does not have",
        "not assigned",
    ]) || (api.code_is(&["ADMIN-UAM-404-1"]) && api.mentions(&["user"]))
}

/// A 409 for a licence or user limit (`ADMIN-UAM-409-3`).
fn is_licence_limit(api: &ApiError) -> bool {
    api.code_is(&["ADMIN-UAM-409-3"]) || api.mentions(&["licen", "seat", "user limit"])
}

/// Whether a write method should report `err` as already done.
pub(crate) fn is_already_done(err: &Error) -> bool {
    matches!(err, Error::AlreadyExists { .. } | Error::NotAMember { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints;

    fn parse(body: &str) -> ApiError {
        ApiError::parse(body.as_bytes()).expect("body parses")
    }

    fn code(code: &str, detail: &str) -> ApiError {
        ApiError {
            code: Some(code.into()),
            detail: Some(detail.into()),
        }
    }

    #[test]
    fn errors_envelope_with_string_or_number_status_is_parsed() {
        let with_string = parse(
            r#"{"errors":[{"id":"1","status":"404","code":"ADMIN-404-2","title":"Not Found","detail":"Organization not found"}]}"#,
        );
        assert_eq!(
            with_string,
            code("ADMIN-404-2", "Not Found: Organization not found")
        );
        let with_number =
            parse(r#"{"errors":[{"status":409,"code":"ADMIN-UAM-409-2","title":"Conflict"}]}"#);
        assert_eq!(with_number.code.as_deref(), Some("ADMIN-UAM-409-2"));
        assert_eq!(with_number.detail.as_deref(), Some("Conflict"));
    }

    #[test]
    fn several_errors_are_joined() {
        let api = parse(r#"{"errors":[{"code":"A","detail":"one"},{"code":"B","detail":"two"}]}"#);
        assert_eq!(api, code("A", "one; two"));
    }

    #[test]
    fn proxy_error_with_numeric_code_is_parsed() {
        let api = parse(r#"{"code": 401, "message": "Unauthorized; scope does not match"}"#);
        assert_eq!(
            api,
            ApiError {
                code: None,
                detail: Some("Unauthorized; scope does not match".into())
            }
        );
    }

    #[test]
    fn single_application_error_is_parsed() {
        let api = parse(
            r#"{"id":"x","status":"400","code":"ADMIN-400-24","title":"Bad Request","detail":"cursor must be alone"}"#,
        );
        assert_eq!(
            api,
            code("ADMIN-400-24", "Bad Request: cursor must be alone")
        );
    }

    #[test]
    fn lifecycle_errors_take_key_and_context_message() {
        assert_eq!(
            parse(r#"{"key":"accountNotFound"}"#),
            ApiError {
                code: Some("accountNotFound".into()),
                detail: None
            }
        );
        let conflict = parse(
            r#"{"key":"conflict.lifecycleErrors","context":{"message":"Cannot delete","accountId":"a","errorCodes":[{"code":"X"}]}}"#,
        );
        assert_eq!(conflict, code("conflict.lifecycleErrors", "Cannot delete"));
        let detailed = parse(r#"{"key":"forbidden","errorDetail":"scoped keys are not accepted"}"#);
        assert_eq!(detailed, code("forbidden", "scoped keys are not accepted"));
        let with_string_context = parse(r#"{"key":"notFound","context":"no such account"}"#);
        assert_eq!(with_string_context, code("notFound", "no such account"));
    }

    #[test]
    fn scim_errors_and_failures_are_parsed() {
        let scim = parse(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"User already exists"}"#,
        );
        assert_eq!(scim, code("uniqueness", "User already exists"));
        let failure = parse(r#"{"error":"Unauthorized","traceId":"abc"}"#);
        assert_eq!(
            failure,
            ApiError {
                code: None,
                detail: Some("Unauthorized".into())
            }
        );
    }

    #[test]
    fn flat_message_is_parsed() {
        assert_eq!(
            parse(r#"{"message":"Org not found"}"#),
            ApiError {
                code: None,
                detail: Some("Org not found".into())
            }
        );
    }

    #[test]
    fn unknown_or_non_json_bodies_are_not_parsed() {
        assert_eq!(ApiError::parse(b"<html>Bad gateway</html>"), None);
        assert_eq!(ApiError::parse(br#"{"unrelated": true}"#), None);
        assert_eq!(ApiError::parse(b"[]"), None);
    }

    #[test]
    fn long_details_are_shortened() {
        let long = "x".repeat(1000);
        let api = parse(&format!(r#"{{"message":"{long}"}}"#));
        assert!(api.detail.unwrap().chars().count() <= DETAIL_MAX + 1);
    }

    fn classify_body(endpoint: &Endpoint, status: u16, body: &str) -> Error {
        classify(
            endpoint,
            status,
            &RateLimitHeaders::default(),
            body.as_bytes(),
        )
    }

    #[test]
    fn statuses_and_codes_map_to_actionable_variants() {
        use endpoints::*;
        let uam = |code: &str, status: u16| {
            format!(r#"{{"errors":[{{"status":"{status}","code":"{code}","title":"t"}}]}}"#)
        };
        let cases: Vec<(Error, &str)> = vec![
            (
                classify_body(&GET_ORG, 401, r#"{"code":401,"message":"Unauthorized"}"#),
                "Unauthorized",
            ),
            (
                classify_body(&GET_ORG, 401, &uam("ADMIN-401-2", 401)),
                "ScopedKey",
            ),
            (
                classify_body(
                    &DELETE_ACCOUNT,
                    403,
                    r#"{"key":"forbidden","errorDetail":"API keys with scopes are not accepted"}"#,
                ),
                "ScopedKey",
            ),
            (
                classify_body(&LIST_TEAMS, 401, r#"{"message":"scope"}"#),
                "Unauthorized",
            ),
            (
                classify_body(&ASSIGN_ROLE, 403, &uam("ADMIN-UAM-403-1", 403)),
                "NotEnabled",
            ),
            (
                classify_body(&INVITE_V1, 403, &uam("ADMIN-UAM-403-1", 403)),
                "NotEnabled",
            ),
            (
                classify_body(
                    &ADD_GROUP_MEMBER,
                    403,
                    r#"{"errors":[{"code":"ADMIN-403-5","detail":"Group is synced from an identity provider"}]}"#,
                ),
                "GroupManagedByIdp",
            ),
            (
                classify_body(&GET_ORG, 403, &uam("ADMIN-403-3", 403)),
                "Forbidden",
            ),
            (
                classify_body(&GET_USER, 404, &uam("ADMIN-404-8", 404)),
                "NotFound",
            ),
            (
                classify_body(
                    &REMOVE_GROUP_MEMBER,
                    404,
                    r#"{"errors":[{"code":"ADMIN-UAM-404-1","detail":"User is not a member of the group"}]}"#,
                ),
                "NotAMember",
            ),
            (
                classify_body(
                    &REMOVE_GROUP_MEMBER,
                    404,
                    r#"{"errors":[{"code":"ADMIN-UAM-404-1","detail":"One or more user not found in the directory"}]}"#,
                ),
                "NotAMember",
            ),
            (
                classify_body(
                    &REMOVE_GROUP_MEMBER,
                    404,
                    r#"{"errors":[{"code":"ADMIN-UAM-404-1","detail":"Directory not found"}]}"#,
                ),
                "NotFound",
            ),
            (
                classify_body(
                    &REVOKE_ROLE,
                    404,
                    r#"{"errors":[{"code":"ADMIN-UAM-404-1","detail":"The user does not hold this role"}]}"#,
                ),
                "NotAMember",
            ),
            (
                classify_body(
                    &ADD_GROUP_MEMBER,
                    404,
                    r#"{"errors":[{"code":"ADMIN-UAM-404-1","detail":"One or more user not found in the directory"}]}"#,
                ),
                "NotFound",
            ),
            (
                classify_body(
                    &REMOVE_GROUP_MEMBER,
                    404,
                    r#"{"errors":[{"code":"ADMIN-404-10","detail":"Group not found"}]}"#,
                ),
                "NotFound",
            ),
            (
                classify_body(&LIST_TEAMS, 410, r#"{"message":"deleted"}"#),
                "NotFound",
            ),
            (
                classify_body(&ADD_GROUP_MEMBER, 409, &uam("ADMIN-UAM-409-2", 409)),
                "AlreadyExists",
            ),
            (
                classify_body(
                    &SCIM_CREATE_USER,
                    409,
                    r#"{"status":"409","scimType":"uniqueness","detail":"exists"}"#,
                ),
                "AlreadyExists",
            ),
            (
                classify_body(&ASSIGN_ROLE, 409, &uam("ADMIN-UAM-409-3", 409)),
                "LicenceLimit",
            ),
            (
                classify_body(
                    &DELETE_ACCOUNT,
                    409,
                    r#"{"key":"conflict.lifecycleErrors","context":{"message":"m"}}"#,
                ),
                "Conflict",
            ),
            (
                classify_body(&INVITE_V2, 402, &uam("ADMIN-UAM-402-1", 402)),
                "PaymentRequired",
            ),
            (
                classify_body(&ASSIGN_ROLE, 400, &uam("ADMIN-UAM-400-3", 400)),
                "InvalidRole",
            ),
            (
                classify_body(&ASSIGN_ROLE, 400, &uam("ADMIN-UAM-400-5", 400)),
                "InvalidRole",
            ),
            (
                classify_body(
                    &SUSPEND_V2,
                    400,
                    r#"{"errors":[{"code":"ADMIN-UAM-400-1","detail":"Cannot suspend an organization admin"}]}"#,
                ),
                "OrgAdminProtected",
            ),
            (
                classify_body(&LIST_USERS, 400, &uam("ADMIN-400-1", 400)),
                "BadRequest",
            ),
            (
                classify_body(&LIST_USERS, 429, r#"{"code":429,"message":"Too many"}"#),
                "RateLimited",
            ),
            (classify_body(&LIST_USERS, 503, "upstream down"), "Server"),
        ];
        for (error, expected) in cases {
            let name = format!("{error:?}");
            assert!(
                name.starts_with(expected),
                "expected {expected}, got {name}"
            );
        }
    }

    #[test]
    fn only_rate_limits_server_and_transport_errors_are_retryable() {
        let rate = classify_body(&endpoints::LIST_USERS, 429, "");
        let server = classify_body(&endpoints::LIST_USERS, 502, "");
        let not_found = classify_body(&endpoints::LIST_USERS, 404, "");
        assert!(rate.is_retryable() && server.is_retryable());
        assert!(!not_found.is_retryable());
    }

    #[test]
    fn rate_limited_error_carries_the_wait() {
        let limits = RateLimitHeaders {
            retry_after: Some(Duration::from_secs(3)),
            ..Default::default()
        };
        let err = classify(&endpoints::LIST_USERS, 429, &limits, b"");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
        assert!(err.to_string().contains("retry after 3.0s"));
    }

    #[test]
    fn not_enabled_error_names_the_endpoint_and_the_readme_section() {
        let err = classify_body(&endpoints::ASSIGN_ROLE, 403, "");
        let text = err.to_string();
        assert!(text.contains("Grant User Access"), "{text}");
        assert!(text.contains(SUPPORT_TICKET_README_SECTION), "{text}");
        assert!(SUPPORT_TICKET.contains("roles/assign") && SUPPORT_TICKET.contains("users/invite"));
        assert!(support_ticket_text("org-1").contains("organization (ID org-1)"));
    }

    #[test]
    fn decode_error_keeps_a_short_single_line_excerpt() {
        let body = format!("{{not json\n{}", "y".repeat(500));
        let err = Error::decode(
            &endpoints::LIST_USERS,
            200,
            "expected value",
            body.as_bytes(),
        );
        let Error::Decode {
            excerpt, status, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(*status, 200);
        assert!(excerpt.starts_with("{not json y"));
        assert!(excerpt.chars().count() <= 121);
    }
}
