//! The client credentials ConductorOne issues to a connector: the client id
//! (`<client-name>@<host>[:<port>]/<suffix>`) and the client secret
//! (`secret-token:<issuer>:v1:<unpadded base64url of a private Ed25519 JWK>`).
//!
//! Parsing checks every part and says which one is wrong. Nothing taken from
//! a client secret ever appears in an error message or in `Debug` output.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use serde::Deserialize;

/// A parsed ConductorOne client id, such as `strange-hydra-68836@acme.conductor.one/pcc`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientId {
    full: String,
    name: String,
    host: String,
    port: Option<u16>,
}

/// What is wrong with a client id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientIdError {
    /// The id has no `@` between the client name and the host.
    #[error("client id has no '@': expected <client-name>@<host>/<suffix>")]
    MissingAt,
    /// Nothing comes before the `@`.
    #[error("client id has an empty client name before '@'")]
    EmptyName,
    /// The client name holds spaces or control characters.
    #[error("client id client name {0:?} holds spaces or control characters")]
    InvalidName(String),
    /// The id has no `/` after the host.
    #[error("client id has no '/' after the host: expected <client-name>@<host>/<suffix>")]
    MissingSlash,
    /// Nothing comes between `@` and `/`.
    #[error("client id has an empty host between '@' and '/'")]
    EmptyHost,
    /// The host is not a valid host name or IP address.
    #[error("client id host {0:?} is not a valid host name")]
    InvalidHost(String),
    /// The port after the host is not a number from 1 to 65535.
    #[error("client id port {0:?} is not a number from 1 to 65535")]
    InvalidPort(String),
    /// Nothing comes after the `/`.
    #[error("client id has an empty suffix after '/'")]
    EmptySuffix,
}

impl ClientId {
    /// Parses a client id; surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self, ClientIdError> {
        let full = text.trim();
        let (name, rest) = full.split_once('@').ok_or(ClientIdError::MissingAt)?;
        if name.is_empty() {
            return Err(ClientIdError::EmptyName);
        }
        if !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ClientIdError::InvalidName(name.to_owned()));
        }
        let (host_port, suffix) = rest.split_once('/').ok_or(ClientIdError::MissingSlash)?;
        if host_port.is_empty() {
            return Err(ClientIdError::EmptyHost);
        }
        if suffix.is_empty() {
            return Err(ClientIdError::EmptySuffix);
        }
        let (host, port) = split_host_port(host_port)?;
        Ok(Self {
            full: full.to_owned(),
            name: name.to_owned(),
            host,
            port,
        })
    }

    /// The whole id, used as `client_id`, `iss` and `sub` of token requests.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The part before `@`, which starts the gRPC user agent.
    pub fn client_name(&self) -> &str {
        &self.name
    }

    /// The host between `@` and `/`, without a port (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port written after the host, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
}

/// Splits `host[:port]` (or `[ipv6][:port]`) and checks both parts.
fn split_host_port(host_port: &str) -> Result<(String, Option<u16>), ClientIdError> {
    let (host, port) = match host_port.strip_prefix('[') {
        Some(bracketed) => {
            let (v6, after) = bracketed
                .split_once(']')
                .ok_or_else(|| ClientIdError::InvalidHost(host_port.to_owned()))?;
            match after {
                "" => (v6, None),
                _ => match after.strip_prefix(':') {
                    Some(port) => (v6, Some(port)),
                    None => return Err(ClientIdError::InvalidHost(host_port.to_owned())),
                },
            }
        }
        None => match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        },
    };
    if host.is_empty() {
        return Err(ClientIdError::EmptyHost);
    }
    let valid_host = match host.parse::<std::net::Ipv6Addr>() {
        Ok(_) => true,
        Err(_) => !host.contains(':') && url::Host::parse(host).is_ok(),
    };
    if !valid_host {
        return Err(ClientIdError::InvalidHost(host.to_owned()));
    }
    let port = port
        .map(|text| match text.parse::<u16>() {
            Ok(port) if port != 0 => Ok(port),
            _ => Err(ClientIdError::InvalidPort(text.to_owned())),
        })
        .transpose()?;
    Ok((host.to_owned(), port))
}

impl FromStr for ClientId {
    type Err = ClientIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({:?})", self.full)
    }
}

/// A parsed ConductorOne client secret: a private Ed25519 key.
///
/// `Debug` prints `[redacted]`; there is no `Display`.
#[derive(Clone)]
pub struct ClientSecret {
    /// Boxed: the key with its precomputed public half is large.
    key: Box<SigningKey>,
    kid: Option<String>,
}

/// What is wrong with a client secret. The messages never quote the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The secret is empty.
    #[error("client secret is empty")]
    Empty,
    /// The secret does not have four `:`-separated parts.
    #[error(
        "client secret is not of the form secret-token:<issuer>:v1:<key> (4 ':'-separated parts)"
    )]
    Shape,
    /// The third part is not `v1`.
    #[error("client secret version (third ':'-separated part) is not v1")]
    Version,
    /// The key part is not unpadded base64url.
    #[error("client secret key part is not unpadded base64url")]
    KeyEncoding,
    /// The key part does not decode to a JSON Web Key object.
    #[error("client secret key part is not a JSON Web Key object")]
    KeyJson,
    /// The JWK's `kty` is not `OKP`.
    #[error("client secret key type (kty) is not OKP")]
    KeyType,
    /// The JWK's `crv` is not `Ed25519`.
    #[error("client secret key curve (crv) is not Ed25519")]
    Curve,
    /// The JWK has no public part `x`.
    #[error("client secret key has no public part (x)")]
    MissingPublic,
    /// The JWK has no private part `d`: it is a public key.
    #[error("client secret key has no private part (d): it is a public key")]
    MissingPrivate,
    /// A key component is not 32 bytes of unpadded base64url.
    #[error("client secret key part {0} is not 32 bytes of unpadded base64url")]
    Component(&'static str),
    /// The public part does not belong to the private part.
    #[error("client secret key public part (x) does not match its private part (d)")]
    Mismatch,
}

/// The fields of an OKP JSON Web Key that matter here.
#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    d: Option<String>,
    kid: Option<String>,
}

/// The DER prefix that wraps a 32-byte Ed25519 seed as a PKCS#8 v1 private key.
const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

impl ClientSecret {
    /// Parses a client secret; surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SecretError::Empty);
        }
        let parts: Vec<&str> = text.splitn(4, ':').collect();
        let [_, _, version, key] = parts[..] else {
            return Err(SecretError::Shape);
        };
        if version != "v1" {
            return Err(SecretError::Version);
        }
        let json = URL_SAFE_NO_PAD
            .decode(key)
            .map_err(|_| SecretError::KeyEncoding)?;
        let jwk: Jwk = serde_json::from_slice(&json).map_err(|_| SecretError::KeyJson)?;
        if jwk.kty.as_deref() != Some("OKP") {
            return Err(SecretError::KeyType);
        }
        if jwk.crv.as_deref() != Some("Ed25519") {
            return Err(SecretError::Curve);
        }
        let x = jwk.x.as_deref().ok_or(SecretError::MissingPublic)?;
        let d = jwk.d.as_deref().ok_or(SecretError::MissingPrivate)?;
        let public = decode_component(x, "x")?;
        let key = Box::new(SigningKey::from_bytes(&decode_component(d, "d")?));
        if key.verifying_key().to_bytes() != public {
            return Err(SecretError::Mismatch);
        }
        Ok(Self { key, kid: jwk.kid })
    }

    /// The Ed25519 public key (the JWK's `x`).
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The JWK's `kid`, if it had one (normally not).
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key in the form `jsonwebtoken` signs with (PKCS#8 v1 DER).
    pub(crate) fn encoding_key(&self) -> jsonwebtoken::EncodingKey {
        let mut der = Vec::with_capacity(48);
        der.extend_from_slice(&PKCS8_ED25519_PREFIX);
        der.extend_from_slice(self.key.as_bytes());
        jsonwebtoken::EncodingKey::from_ed_der(&der)
    }
}

fn decode_component(text: &str, name: &'static str) -> Result<[u8; 32], SecretError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or(SecretError::Component(name))
}

impl FromStr for ClientSecret {
    type Err = SecretError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A freshly minted client secret, for tests and simulators.
#[cfg(feature = "test-support")]
pub struct GeneratedSecret {
    /// The secret text, as ConductorOne shows it to the operator.
    pub secret: String,
    /// The matching Ed25519 public key, which verifies the client assertions.
    pub public_key: [u8; 32],
}

/// Mints a new random client secret in ConductorOne's format.
#[cfg(feature = "test-support")]
pub fn generate_client_secret() -> GeneratedSecret {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the operating system's random source works");
    let key = SigningKey::from_bytes(&seed);
    let public_key = key.verifying_key().to_bytes();
    let jwk = serde_json::json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": URL_SAFE_NO_PAD.encode(public_key),
        "d": URL_SAFE_NO_PAD.encode(seed),
    });
    GeneratedSecret {
        secret: format!(
            "secret-token:conductorone.com:v1:{}",
            URL_SAFE_NO_PAD.encode(jwk.to_string())
        ),
        public_key,
    }
}

#[cfg(feature = "test-support")]
impl fmt::Debug for GeneratedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedSecret")
            .field("secret", &"[redacted]")
            .field("public_key", &self.public_key)
            .finish()
    }
}
