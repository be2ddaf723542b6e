//! Client credentials: minting Ed25519 keys as ConductorOne client secrets, and the
//! registry of each client's current (and recently rotated) public keys.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Prefix of a client secret before the base64url JWK.
const SECRET_PREFIX: &str = "secret-token:conductorone.com:v1:";

/// A client id and secret as the ConductorOne UI hands them out. `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCredentials {
    /// `<name>@<host:port>/pcc`.
    pub client_id: String,
    /// `secret-token:conductorone.com:v1:<base64url JWK>` with a private Ed25519 key.
    pub client_secret: String,
    /// Hex SHA-256 JWK thumbprint (RFC 7638) of the key; token requests record it.
    pub key_id: String,
}

impl fmt::Debug for IssuedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("key_id", &self.key_id)
            .finish()
    }
}

/// A public key a client may sign assertions with.
#[derive(Clone)]
pub(crate) struct ClientKey {
    pub(crate) key: VerifyingKey,
    pub(crate) key_id: String,
    /// When a rotation replaced it; `None` while current.
    retired_at: Option<Instant>,
}

/// Every issued client and its keys.
pub(crate) struct Clients {
    keys: HashMap<String, Vec<ClientKey>>,
    grace: Option<Duration>,
}

impl Clients {
    /// An empty registry; rotated keys keep working for `grace`.
    pub(crate) fn new(grace: Option<Duration>) -> Clients {
        Clients {
            keys: HashMap::new(),
            grace,
        }
    }

    /// Mints a key for `client_id`, replacing (rotating) its current key if it has one.
    pub(crate) fn issue(&mut self, client_id: String, now: Instant) -> IssuedCredentials {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("the OS random source works");
        let signing = SigningKey::from_bytes(&seed);
        let public = signing.verifying_key();
        let x = URL_SAFE_NO_PAD.encode(public.as_bytes());
        let d = URL_SAFE_NO_PAD.encode(seed);
        let jwk = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","d":"{d}"}}"#);
        let key_id = thumbprint(public.as_bytes());

        let keys = self.keys.entry(client_id.clone()).or_default();
        for key in keys.iter_mut().filter(|k| k.retired_at.is_none()) {
            key.retired_at = Some(now);
        }
        keys.push(ClientKey {
            key: public,
            key_id: key_id.clone(),
            retired_at: None,
        });
        IssuedCredentials {
            client_id,
            client_secret: format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(jwk)),
            key_id,
        }
    }

    /// Whether `client_id` was issued.
    pub(crate) fn contains(&self, client_id: &str) -> bool {
        self.keys.contains_key(client_id)
    }

    /// The keys `client_id` may sign with at `now`: the current one, and rotated ones
    /// within the grace period.
    pub(crate) fn accepted_keys(&self, client_id: &str, now: Instant) -> Vec<ClientKey> {
        let Some(keys) = self.keys.get(client_id) else {
            return Vec::new();
        };
        keys.iter()
            .filter(|k| match (k.retired_at, self.grace) {
                (None, _) => true,
                (Some(retired), Some(grace)) => now.duration_since(retired) < grace,
                (Some(_), None) => false,
            })
            .cloned()
            .collect()
    }
}

/// Hex SHA-256 of the RFC 7638 thumbprint input of an Ed25519 public key.
fn thumbprint(public: &[u8; 32]) -> String {
    let x = URL_SAFE_NO_PAD.encode(public);
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    hex(&Sha256::digest(canonical.as_bytes()))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_secret_decodes_to_a_private_ed25519_jwk_matching_its_public_key() {
        let mut clients = Clients::new(None);
        let issued = clients.issue("a@h/pcc".into(), Instant::now());
        let b64 = issued.client_secret.strip_prefix(SECRET_PREFIX).unwrap();
        let jwk: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(b64).unwrap()).unwrap();
        assert_eq!(jwk["kty"], "OKP");
        assert_eq!(jwk["crv"], "Ed25519");
        let d: [u8; 32] = URL_SAFE_NO_PAD
            .decode(jwk["d"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
        assert_eq!(
            SigningKey::from_bytes(&d).verifying_key().as_bytes(),
            &x[..]
        );
        assert!(!format!("{issued:?}").contains(b64));
    }

    #[test]
    fn rotation_retires_the_old_key_unless_a_grace_period_is_set() {
        let now = Instant::now();
        let mut strict = Clients::new(None);
        let first = strict.issue("a@h/pcc".into(), now);
        let second = strict.issue("a@h/pcc".into(), now);
        let ids: Vec<_> = strict
            .accepted_keys("a@h/pcc", now)
            .into_iter()
            .map(|k| k.key_id)
            .collect();
        assert_eq!(ids, vec![second.key_id.clone()]);

        let mut lenient = Clients::new(Some(Duration::from_secs(60)));
        let old = lenient.issue("a@h/pcc".into(), now);
        lenient.issue("a@h/pcc".into(), now);
        assert_eq!(lenient.accepted_keys("a@h/pcc", now).len(), 2);
        let later = now + Duration::from_secs(61);
        assert!(
            lenient
                .accepted_keys("a@h/pcc", later)
                .iter()
                .all(|k| k.key_id != old.key_id)
        );
        assert_ne!(first.key_id, second.key_id);
    }
}
