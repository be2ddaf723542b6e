//! [`ProvisionError`]: why a provisioning call failed, as the task runner reports it to
//! ConductorOne (a gRPC status code, a message, whether a later attempt can succeed, and
//! annotations such as a `RateLimitDescription`).

use std::time::{Duration, SystemTime};

use c1_proto::any;
use c1_proto::c1::connector::v2::RateLimitDescription;
use c1_proto::c1::connector::v2::rate_limit_description::Status as RateLimitStatus;
use c1_proto::google::rpc::Status;
use c1_proto::prost_types::{Any, Timestamp};

/// The gRPC status codes a provisioning failure carries (numeric values of `google.rpc.Code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// 3: the request is malformed (an id that does not parse, a missing field, a
    /// principal of the wrong type, a role the resource does not accept).
    InvalidArgument = 3,
    /// 5: the user, group, team or organization does not exist.
    NotFound = 5,
    /// 6: the object to create already exists.
    AlreadyExists = 6,
    /// 7: the API key may not do this.
    PermissionDenied = 7,
    /// 8: a product licence limit is reached.
    ResourceExhausted = 8,
    /// 9: the request is valid but the organization's state refuses it (read-only mode,
    /// endpoint not enabled by Atlassian Support, IdP-managed group, org admin...).
    FailedPrecondition = 9,
    /// 12: this connector cannot provision that entitlement.
    Unimplemented = 12,
    /// 13: Atlassian answered something this connector does not understand.
    Internal = 13,
    /// 14: rate limited, server error or network failure; try again later.
    Unavailable = 14,
    /// 16: the API key was refused.
    Unauthenticated = 16,
}

impl Code {
    /// The numeric code, as in `google.rpc.Status.code`.
    pub fn value(self) -> i32 {
        self as i32
    }
}

/// A failed provisioning call. `retryable` tells the runner whether ConductorOne may try
/// again later (FinishTask's `non_retryable` is its negation); `annotations` go into
/// FinishTask's error annotations and status details.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ProvisionError {
    /// The gRPC status code.
    pub code: Code,
    /// What failed and what to do about it; never contains a credential.
    pub message: String,
    /// Whether trying again later can succeed.
    pub retryable: bool,
    /// Annotations for ConductorOne, e.g. a `c1.connector.v2.RateLimitDescription`.
    pub annotations: Vec<Any>,
}

impl ProvisionError {
    /// A failure that trying again will not fix.
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retryable: false,
            annotations: Vec::new(),
        }
    }

    /// A malformed request.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidArgument, message)
    }

    /// The failure of an Atlassian call made while doing `doing` (e.g. `grant of
    /// group:g:member to user:u`), classified (table in the module documentation of
    /// [`provision`](crate::provision)). An endpoint that Atlassian Support must enable
    /// gets the text of the ticket for `org_id`.
    pub(crate) fn atlassian(doing: &str, error: &atlassian::Error, org_id: &str) -> Self {
        use atlassian::Error as E;
        let mut message = format!("{doing} failed: {error}");
        let code = match error {
            E::NotEnabled { .. } => {
                message.push_str("\n\nAtlassian Support ticket to raise:\n");
                message.push_str(&atlassian::support_ticket_text(org_id));
                Code::FailedPrecondition
            }
            E::RateLimited { .. } | E::Server { .. } | E::Transport { .. } => Code::Unavailable,
            E::LicenceLimit { .. } => Code::ResourceExhausted,
            E::GroupManagedByIdp { .. }
            | E::OrgAdminProtected { .. }
            | E::PaymentRequired { .. }
            | E::Conflict { .. }
            | E::NotConfigured { .. } => Code::FailedPrecondition,
            E::InvalidRole { .. } | E::BadRequest { .. } => Code::InvalidArgument,
            E::NotFound { .. } | E::NotAMember { .. } => Code::NotFound,
            E::AlreadyExists { .. } => Code::AlreadyExists,
            E::Unauthorized { .. } => Code::Unauthenticated,
            E::ScopedKey { .. } | E::Forbidden { .. } => Code::PermissionDenied,
            _ => Code::Internal,
        };
        Self {
            code,
            message,
            retryable: error.is_retryable(),
            annotations: rate_limit(error)
                .map(|d| any::pack(&d))
                .into_iter()
                .collect(),
        }
    }

    /// The `google.rpc.Status` of FinishTask: code, message, annotations as details.
    pub fn status(&self) -> Status {
        Status {
            code: self.code.value(),
            message: self.message.clone(),
            details: self.annotations.clone(),
        }
    }
}

/// What ConductorOne should know about a rate limit: over the limit after a 429, and
/// when to try again (from `Retry-After`) after a 429 or a server error that said so.
fn rate_limit(error: &atlassian::Error) -> Option<RateLimitDescription> {
    let status = match error {
        atlassian::Error::RateLimited { .. } => RateLimitStatus::Overlimit,
        _ if error.retry_after().is_some() => RateLimitStatus::Error,
        _ => return None,
    };
    Some(RateLimitDescription {
        status: status as i32,
        limit: 0,
        remaining: 0,
        reset_at: error.retry_after().map(from_now),
    })
}

/// The time `wait` from now.
fn from_now(wait: Duration) -> Timestamp {
    Timestamp::from(SystemTime::now() + wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(retry_after: Option<u64>) -> atlassian::Error {
        atlassian::Error::Server {
            endpoint: "POST /x",
            status: 503,
            retry_after: retry_after.map(Duration::from_secs),
            api: atlassian::ApiError::default(),
        }
    }

    #[test]
    fn server_errors_are_retryable_and_describe_a_wait_only_when_atlassian_gave_one() {
        let plain = ProvisionError::atlassian("grant", &server(None), "org");
        assert_eq!((plain.code, plain.retryable), (Code::Unavailable, true));
        assert!(plain.annotations.is_empty());
        let before = SystemTime::now();
        let told = ProvisionError::atlassian("grant", &server(Some(30)), "org");
        let description = any::find::<RateLimitDescription>(&told.annotations)
            .unwrap()
            .unwrap();
        assert_eq!(description.status, RateLimitStatus::Error as i32);
        let reset = description.reset_at.unwrap();
        let earliest = Timestamp::from(before + Duration::from_secs(30));
        assert!(
            reset.seconds >= earliest.seconds,
            "{reset:?} < {earliest:?}"
        );
    }

    #[test]
    fn refusals_that_a_retry_cannot_fix_are_classified_by_what_to_do() {
        use atlassian::{ApiError, CredentialKind, Error as E};
        let api = ApiError::default;
        let endpoint = "POST /x";
        let cases = [
            (
                E::Unauthorized {
                    endpoint,
                    credential: CredentialKind::OrgApiKey,
                    api: api(),
                },
                Code::Unauthenticated,
            ),
            (
                E::ScopedKey {
                    endpoint,
                    api: api(),
                },
                Code::PermissionDenied,
            ),
            (
                E::NotFound {
                    endpoint,
                    api: api(),
                },
                Code::NotFound,
            ),
            (
                E::PaymentRequired {
                    endpoint,
                    api: api(),
                },
                Code::FailedPrecondition,
            ),
            (
                E::BadRequest {
                    endpoint,
                    status: 400,
                    api: api(),
                },
                Code::InvalidArgument,
            ),
            (
                E::Decode {
                    endpoint,
                    status: 200,
                    reason: "not JSON".into(),
                    excerpt: "<html>".into(),
                },
                Code::Internal,
            ),
        ];
        for (error, code) in cases {
            let classified = ProvisionError::atlassian("grant", &error, "org");
            assert_eq!(classified.code, code, "{error}");
            assert!(!classified.retryable && classified.annotations.is_empty());
            assert_eq!(classified.message, format!("grant failed: {error}"));
        }
    }

    #[test]
    fn the_status_carries_code_message_and_annotations() {
        let error = ProvisionError::atlassian(
            "revoke",
            &atlassian::Error::RateLimited {
                endpoint: "POST /x",
                retry_after: None,
            },
            "org",
        );
        let status = error.status();
        assert_eq!(status.code, 14);
        assert!(
            status
                .message
                .starts_with("revoke failed: POST /x: rate limited")
        );
        assert_eq!(status.details, error.annotations);
        assert_eq!(status.details.len(), 1);
        let malformed = ProvisionError::invalid("bad");
        assert_eq!((malformed.code.value(), malformed.retryable), (3, false));
    }
}
