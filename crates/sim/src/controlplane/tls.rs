//! The server's TLS identity: a test CA and a certificate for `localhost` and `127.0.0.1`
//! (generated with rcgen), or PEMs given by the caller.

use std::fmt;
use std::io;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Names the generated server certificate is valid for.
const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A CA certificate clients should trust, and the server's certificate chain and key.
#[derive(Clone)]
pub struct TlsIdentity {
    ca_pem: String,
    cert_chain_pem: String,
    key_pem: String,
}

impl TlsIdentity {
    /// A fresh test CA and a server certificate it signed for `localhost`, `127.0.0.1`
    /// and `::1`.
    pub fn generate() -> Result<TlsIdentity, rcgen::Error> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "control-plane simulator test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate()?;
        let mut server_params = CertificateParams::new(SERVER_NAMES.map(str::to_owned).to_vec())?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params.signed_by(&server_key, &issuer)?;

        Ok(TlsIdentity {
            ca_pem: ca_cert.pem(),
            cert_chain_pem: server_cert.pem(),
            key_pem: server_key.serialize_pem(),
        })
    }

    /// An identity from PEM text: the CA clients trust, the server's chain (leaf first)
    /// and its private key.
    pub fn from_pem(ca_pem: String, cert_chain_pem: String, key_pem: String) -> TlsIdentity {
        TlsIdentity {
            ca_pem,
            cert_chain_pem,
            key_pem,
        }
    }

    /// The CA certificate (PEM) clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The rustls server configuration: aws-lc-rs, TLS 1.2+, ALPN `h2` then `http/1.1`.
    pub(crate) fn server_config(&self) -> io::Result<Arc<rustls::ServerConfig>> {
        let chain = CertificateDer::pem_slice_iter(self.cert_chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid_pem)?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(invalid_pem)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(io::Error::other)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("ca_pem", &self.ca_pem)
            .field("cert_chain_pem", &self.cert_chain_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

fn invalid_pem(error: rustls::pki_types::pem::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("invalid PEM: {error}"))
}
