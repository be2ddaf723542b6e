//! The one error type of a ConductorOne session, and which errors are worth retrying.

use std::error::Error as StdError;
use std::path::PathBuf;

use tonic::Code;

use crate::channel::Target;
use crate::credentials::{ClientIdError, SecretError};

/// Everything that can go wrong talking to ConductorOne.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The client id is malformed (the message names the part).
    #[error("invalid client id: {0}")]
    ClientId(#[from] ClientIdError),
    /// The client secret is malformed (the message names the part, never the secret).
    #[error("invalid client secret: {0}")]
    ClientSecret(#[from] SecretError),
    /// The client secret file cannot be read.
    #[error("cannot read the client secret file {path}: {source}")]
    SecretFile {
        /// The file.
        path: PathBuf,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// A session setting is invalid (API host override, extra CA file, host id).
    #[error("invalid ConductorOne session setting: {0}")]
    Config(String),
    /// A plaintext (`http://`) address was given without the test-only flag.
    #[error(
        "refusing plaintext connection to {target}: use https, plaintext is only for tests (allow_plaintext_for_tests)"
    )]
    PlaintextRefused {
        /// The address given.
        target: String,
    },
    /// The token endpoint refused the client credentials (HTTP 400, 401 or 403).
    #[error(
        "ConductorOne refused the client credentials (HTTP {status}{detail}); check the client id and secret, and that this host's clock is right"
    )]
    TokenRefused {
        /// The HTTP status.
        status: u16,
        /// The OAuth error code and description the endpoint gave, if any (starting with ": ").
        detail: String,
    },
    /// The token endpoint answered with another unexpected HTTP status.
    #[error("token endpoint {url} answered HTTP {status}")]
    TokenEndpoint {
        /// The token URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The token endpoint answered 200 with a body that holds no usable token.
    #[error("token endpoint {url} sent an unusable answer: {reason}")]
    TokenResponse {
        /// The token URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client assertion could not be signed.
    #[error("cannot sign the client assertion: {0}")]
    Signing(String),
    /// The server's TLS certificate was not trusted.
    #[error("certificate verify failed for host {host}: {reason}")]
    Certificate {
        /// The host name that was checked.
        host: String,
        /// What the TLS library said.
        reason: String,
    },
    /// ConductorOne could not be reached (connection, TLS handshake, timeout).
    #[error("cannot reach ConductorOne at {target}: {reason}")]
    Unavailable {
        /// The address or URL.
        target: String,
        /// What failed.
        reason: String,
    },
    /// A BatonService call was answered with a gRPC error status.
    #[error("{method} failed with {code:?}: {message}")]
    Rpc {
        /// The RPC, such as `GetTask`.
        method: &'static str,
        /// The gRPC status code.
        code: Code,
        /// The status message.
        message: String,
    },
    /// More annotations than the protocol allows (16) were given.
    #[error("too many annotations: {count} (at most {max})", max = crate::session::MAX_ANNOTATIONS)]
    TooManyAnnotations {
        /// How many were given.
        count: usize,
    },
    /// The asset file to upload cannot be read.
    #[error("cannot read the asset {path}: {source}")]
    Asset {
        /// The file.
        path: PathBuf,
        /// Why it cannot be read.
        source: std::io::Error,
    },
}

/// Result of session operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether trying again later may succeed: transport failures, token
    /// endpoint hiccups (5xx, 408, 429, bad body) and gRPC codes that
    /// [`is_retryable_code`] accepts. Bad credentials, refused tokens,
    /// certificate failures and local errors are not retryable.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Unavailable { .. } | Error::TokenResponse { .. } => true,
            Error::TokenEndpoint { status, .. } => {
                *status >= 500 || *status == 408 || *status == 429
            }
            Error::Rpc { code, .. } => is_retryable_code(*code),
            _ => false,
        }
    }

    /// The gRPC code when the server answered with an error status.
    pub fn rpc_code(&self) -> Option<Code> {
        match self {
            Error::Rpc { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Maps a failed call: a certificate failure, a transport failure (a status
    /// made locally, which carries a source error) or the server's status.
    pub(crate) fn from_status(
        method: &'static str,
        target: &Target,
        status: tonic::Status,
    ) -> Self {
        if let Some(reason) = certificate_failure(&status) {
            return Error::Certificate {
                host: target.host().to_owned(),
                reason,
            };
        }
        if status.source().is_some() {
            return Error::Unavailable {
                target: target.origin(),
                reason: chain_message(&status),
            };
        }
        Error::Rpc {
            method,
            code: status.code(),
            message: status.message().to_owned(),
        }
    }

    /// Maps a failed token HTTP request.
    pub(crate) fn from_http(url: &str, host: &str, error: reqwest::Error) -> Self {
        match certificate_failure(&error) {
            Some(reason) => Error::Certificate {
                host: host.to_owned(),
                reason,
            },
            None => Error::Unavailable {
                target: url.to_owned(),
                reason: chain_message(&error),
            },
        }
    }
}

/// The Hello retry rule of the Go SDK: retry every code except those that
/// mean the request or the credentials are wrong.
pub fn is_retryable_code(code: Code) -> bool {
    !matches!(
        code,
        Code::Unauthenticated
            | Code::PermissionDenied
            | Code::InvalidArgument
            | Code::Unimplemented
            | Code::FailedPrecondition
            | Code::NotFound
    )
}

/// The message of a rustls certificate error anywhere in `error`'s source
/// chain (also inside `io::Error`s, whose `source()` skips their payload).
fn certificate_failure(error: &(dyn StdError + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(current) = next {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            )
            .then(|| tls.to_string());
        }
        if let Some(inner) = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            && let Some(found) = certificate_failure(inner)
        {
            return Some(found);
        }
        next = current.source();
    }
    None
}

/// `error` and its sources joined with ": ", skipping repeats.
fn chain_message(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        let text = current.to_string();
        if !text.is_empty() && !parts.iter().any(|seen| seen.contains(&text)) {
            parts.push(text);
        }
        next = current.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::ClientId;

    fn target() -> Target {
        let client_id = ClientId::parse("n@c1.example/pcc").unwrap();
        Target::resolve(&client_id, None, false).unwrap()
    }

    #[test]
    fn hello_rule_retries_all_but_request_and_credential_codes() {
        for code in [
            Code::Unavailable,
            Code::Internal,
            Code::Unknown,
            Code::DeadlineExceeded,
            Code::ResourceExhausted,
            Code::Aborted,
        ] {
            assert!(is_retryable_code(code), "{code:?}");
        }
        for code in [
            Code::Unauthenticated,
            Code::PermissionDenied,
            Code::InvalidArgument,
            Code::Unimplemented,
            Code::FailedPrecondition,
            Code::NotFound,
        ] {
            assert!(!is_retryable_code(code), "{code:?}");
        }
    }

    #[test]
    fn status_from_the_server_keeps_its_code() {
        let error =
            Error::from_status("GetTask", &target(), tonic::Status::permission_denied("no"));
        assert_eq!(error.rpc_code(), Some(Code::PermissionDenied));
        assert!(!error.is_retryable());
    }

    #[test]
    fn status_made_from_a_local_failure_is_a_retryable_transport_error() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let status = tonic::Status::from_error(Box::new(io));
        let error = Error::from_status("GetTask", &target(), status);
        assert!(
            matches!(&error, Error::Unavailable { target, reason }
                if target == "https://c1.example" && reason.contains("refused")),
            "{error:?}"
        );
        assert!(error.is_retryable());
    }

    #[test]
    fn certificate_error_inside_an_io_error_is_found() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let status = tonic::Status::from_error(Box::new(io));
        let error = Error::from_status("Hello", &target(), status);
        assert_eq!(
            error.to_string(),
            "certificate verify failed for host c1.example: invalid peer certificate: UnknownIssuer"
        );
        assert!(!error.is_retryable());
    }

    #[test]
    fn token_endpoint_statuses_are_retryable_only_when_transient() {
        let endpoint = |status| Error::TokenEndpoint {
            url: "https://c1.example/auth/v1/token".into(),
            status,
        };
        assert!(endpoint(503).is_retryable());
        assert!(endpoint(429).is_retryable());
        assert!(!endpoint(404).is_retryable());
        let refused = Error::TokenRefused {
            status: 401,
            detail: String::new(),
        };
        assert!(!refused.is_retryable());
    }
}
