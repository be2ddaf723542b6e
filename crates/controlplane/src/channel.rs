//! Where ConductorOne is and how to reach it: the address (from the client id
//! or `BATON_C1_API_HOST`), the TLS settings shared by the gRPC channel and the
//! token HTTPS client, and the long-lived gRPC channel itself.

use std::path::Path;
use std::time::Duration;

use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use url::Url;

use crate::credentials::ClientId;
use crate::error::{Error, Result};

/// The SDK version the user agent claims to speak for (the spec's baseline).
pub const BATON_SDK_VERSION: &str = "v0.25.0";

/// How long a TCP keepalive probe waits on an idle connection.
const TCP_KEEPALIVE: Duration = Duration::from_secs(60);

/// The ConductorOne address both the gRPC calls and the token requests go to.
#[derive(Debug)]
pub(crate) struct Target {
    /// `https`, or `http` when plaintext was explicitly allowed for tests.
    scheme: &'static str,
    /// Host name or IP address (IPv6 without brackets); also the TLS server name.
    host: String,
    port: u16,
}

impl Target {
    /// The client id's host and port (443 unless given), or the override
    /// (`host[:port]`, or a `https://`/`http://` URL; `http` only with
    /// `allow_plaintext`).
    pub(crate) fn resolve(
        client_id: &ClientId,
        api_host_override: Option<&str>,
        allow_plaintext: bool,
    ) -> Result<Self> {
        let Some(text) = api_host_override.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Self {
                scheme: "https",
                host: client_id.host().to_owned(),
                port: client_id.port().unwrap_or(443),
            });
        };
        let invalid = || {
            Error::Config(format!(
                "API host override {text:?} is not host[:port] or an https:// URL"
            ))
        };
        let url = match text.contains("://") {
            true => Url::parse(text),
            false => Url::parse(&format!("https://{text}")),
        }
        .map_err(|_| invalid())?;
        let scheme = match url.scheme() {
            "https" => "https",
            "http" if allow_plaintext => "http",
            "http" => {
                return Err(Error::PlaintextRefused {
                    target: text.to_owned(),
                });
            }
            _ => return Err(invalid()),
        };
        if !matches!(url.path(), "" | "/") || url.query().is_some() || !url.username().is_empty() {
            return Err(invalid());
        }
        let host = match url.host().ok_or_else(invalid)? {
            url::Host::Domain(domain) => domain.to_owned(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => ip.to_string(),
        };
        let port = url.port_or_known_default().ok_or_else(invalid)?;
        Ok(Self { scheme, host, port })
    }

    /// The host name the server's certificate must name.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    /// `scheme://host[:port]` (no port when it is the scheme's default),
    /// with IPv6 hosts in brackets.
    pub(crate) fn origin(&self) -> String {
        let host = match self.host.contains(':') {
            true => format!("[{}]", self.host),
            false => self.host.clone(),
        };
        match (self.scheme, self.port) {
            ("https", 443) | ("http", 80) => format!("{}://{host}", self.scheme),
            (scheme, port) => format!("{scheme}://{host}:{port}"),
        }
    }

    /// `POST` target of token requests.
    pub(crate) fn token_url(&self) -> String {
        format!("{}/auth/v1/token", self.origin())
    }

    fn is_tls(&self) -> bool {
        self.scheme == "https"
    }
}

/// Extra trust anchors (a PEM bundle) added to the system roots.
#[derive(Default)]
pub(crate) struct ExtraRoots {
    pem: Option<Vec<u8>>,
    certs: Vec<reqwest::Certificate>,
}

impl ExtraRoots {
    /// Reads a PEM file that must hold at least one certificate.
    pub(crate) fn load(path: &Path) -> Result<Self> {
        let pem = std::fs::read(path).map_err(|error| {
            Error::Config(format!("cannot read CA file {}: {error}", path.display()))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|certs| !certs.is_empty())
            .ok_or_else(|| {
                Error::Config(format!(
                    "CA file {} holds no PEM certificate",
                    path.display()
                ))
            })?;
        Ok(Self {
            pem: Some(pem),
            certs,
        })
    }
}

/// The gRPC user agent: `<client-name> baton-sdk/<ver> baton-atlassian-rs/<ver>`
/// (tonic appends ` tonic/<ver>`).
pub(crate) fn user_agent(client_id: &ClientId) -> String {
    format!(
        "{} baton-sdk/{BATON_SDK_VERSION} baton-atlassian-rs/{}",
        client_id.client_name(),
        env!("CARGO_PKG_VERSION")
    )
}

/// A lazily connecting, reconnecting gRPC channel to `target` (TLS ≥ 1.2,
/// system roots plus `roots`, server name = host). Needs a Tokio runtime.
pub(crate) fn grpc_channel(
    target: &Target,
    roots: &ExtraRoots,
    user_agent: &str,
    connect_timeout: Duration,
) -> Result<Channel> {
    let endpoint = Endpoint::from_shared(target.origin())
        .map_err(|error| Error::Config(format!("bad ConductorOne address: {error}")))?
        .user_agent(user_agent)
        .map_err(|_| Error::Config(format!("user agent {user_agent:?} is not a header value")))?
        .connect_timeout(connect_timeout)
        .tcp_keepalive(Some(TCP_KEEPALIVE));
    let endpoint = match target.is_tls() {
        true => with_tls(endpoint, target, roots)?,
        false => endpoint,
    };
    Ok(endpoint.connect_lazy())
}

/// Adds TLS with the system roots and the extra roots. A machine without
/// system roots still works when extra roots are given.
fn with_tls(endpoint: Endpoint, target: &Target, roots: &ExtraRoots) -> Result<Endpoint> {
    let mut tls = ClientTlsConfig::new().domain_name(target.host());
    if let Some(pem) = &roots.pem {
        tls = tls.ca_certificate(Certificate::from_pem(pem));
    }
    match endpoint.clone().tls_config(tls.clone().with_native_roots()) {
        Ok(endpoint) => Ok(endpoint),
        Err(error) if roots.pem.is_some() => {
            tracing::warn!(%error, "no usable system CA certificates; trusting only the extra CA file");
            endpoint.tls_config(tls).map_err(tls_setup_error)
        }
        Err(error) => Err(tls_setup_error(error)),
    }
}

fn tls_setup_error(error: tonic::transport::Error) -> Error {
    Error::Config(format!(
        "cannot set up TLS (are the system CA certificates installed?): {error}"
    ))
}

/// The HTTPS client for token requests, with the same trust anchors.
pub(crate) fn token_http_client(
    roots: &ExtraRoots,
    connect_timeout: Duration,
    request_timeout: Duration,
) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent("baton-c1-credential-provider")
        .tls_certs_merge(roots.certs.iter().cloned())
        .tls_version_min(reqwest::tls::Version::TLS_1_2)
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .build()
        .map_err(|error| Error::Config(format!("cannot build the token HTTP client: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use c1_proto::c1::connectorapi::baton::v1::BatonServiceGetTaskRequest;
    use c1_proto::c1::connectorapi::baton::v1::baton_service_client::BatonServiceClient;
    use c1_proto::c1::connectorapi::baton::v1::baton_service_server::{
        BatonService, BatonServiceServer,
    };

    fn client_id(text: &str) -> ClientId {
        ClientId::parse(text).unwrap()
    }

    #[test]
    fn target_defaults_to_port_443_of_the_client_id_host() {
        let target = Target::resolve(&client_id("n@acme.conductor.one/pcc"), None, false).unwrap();
        assert_eq!(target.origin(), "https://acme.conductor.one");
        assert_eq!(target.port, 443);
        assert_eq!(
            target.token_url(),
            "https://acme.conductor.one/auth/v1/token"
        );
    }

    #[test]
    fn target_keeps_the_client_id_port() {
        let target = Target::resolve(&client_id("n@c1dev.example:2443/pcc"), None, false).unwrap();
        assert_eq!(target.origin(), "https://c1dev.example:2443");
    }

    #[test]
    fn override_replaces_host_and_port() {
        let id = client_id("n@acme.conductor.one:2443/pcc");
        let target = Target::resolve(&id, Some("api.example:8443"), false).unwrap();
        assert_eq!(target.origin(), "https://api.example:8443");
        assert_eq!(target.host(), "api.example");
        let target = Target::resolve(&id, Some("api.example"), false).unwrap();
        assert_eq!((target.host(), target.port), ("api.example", 443));
        let target = Target::resolve(&id, Some("https://[::1]:9000"), false).unwrap();
        assert_eq!(target.origin(), "https://[::1]:9000");
        assert_eq!(target.host(), "::1");
    }

    #[test]
    fn plaintext_override_needs_the_test_flag() {
        let id = client_id("n@acme.conductor.one/pcc");
        let refused = Target::resolve(&id, Some("http://127.0.0.1:9000"), false).unwrap_err();
        assert!(
            matches!(refused, Error::PlaintextRefused { .. }),
            "{refused:?}"
        );
        let allowed = Target::resolve(&id, Some("http://127.0.0.1:9000"), true).unwrap();
        assert_eq!(allowed.origin(), "http://127.0.0.1:9000");
    }

    #[test]
    fn override_with_a_path_or_another_scheme_is_rejected() {
        let id = client_id("n@acme.conductor.one/pcc");
        for bad in [
            "https://api.example/v1",
            "ftp://api.example",
            "api.example:x",
        ] {
            let error = Target::resolve(&id, Some(bad), true).unwrap_err();
            assert!(matches!(error, Error::Config(_)), "{bad}: {error:?}");
        }
    }

    #[test]
    fn user_agent_starts_with_the_client_name_and_sdk_version() {
        let ua = user_agent(&client_id("strange-hydra-68836@acme.conductor.one/pcc"));
        assert_eq!(
            ua,
            format!(
                "strange-hydra-68836 baton-sdk/v0.25.0 baton-atlassian-rs/{}",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    /// A BatonService answering UNIMPLEMENTED to everything.
    struct Unimplemented;

    #[tonic::async_trait]
    impl BatonService for Unimplemented {}

    #[tokio::test]
    async fn grpc_call_to_a_server_with_an_untrusted_certificate_fails_with_a_certificate_error() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let identity =
            tonic::transport::Identity::from_pem(cert.cert.pem(), cert.signing_key.serialize_pem());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(
            tonic::transport::Server::builder()
                .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
                .unwrap()
                .add_service(BatonServiceServer::new(Unimplemented))
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        let id = client_id(&format!("n@localhost:{port}/pcc"));
        let target = Target::resolve(&id, None, false).unwrap();
        let channel = grpc_channel(
            &target,
            &ExtraRoots::default(),
            &user_agent(&id),
            Duration::from_secs(5),
        )
        .unwrap();

        let status = BatonServiceClient::new(channel)
            .get_task(BatonServiceGetTaskRequest::default())
            .await
            .unwrap_err();
        server.abort();

        let error = Error::from_status("GetTask", &target, status);
        assert!(
            error.to_string().starts_with(
                "certificate verify failed for host localhost: invalid peer certificate"
            ),
            "{error}"
        );
    }
}
