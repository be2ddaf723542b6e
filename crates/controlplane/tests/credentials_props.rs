//! Properties of the client credential parsers over arbitrary text: a client id parses
//! into its parts or says which part is wrong; a client secret parses into a key or fails
//! with a message that is the same whatever the secret was, so nothing of it shows.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use controlplane::credentials::generate_client_secret;
use controlplane::{ClientId, ClientSecret, SecretError};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::Config;
use serde_json::Value;

/// Anything: any characters, or printable ASCII (more likely to look like a value).
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[ -~]{0,40}"]
}

/// A host a client id may name: DNS names, IPv4 and bracketed IPv6 addresses.
fn host() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        // Labels start with a letter (a name ending in a number is read as an IPv4 address)
        // and hold no "--" (`xn--` starts a punycode label).
        "[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,4})?(\\.[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,4})?){0,3}"
            .prop_map(|h| (h.clone(), h)),
        any::<[u8; 4]>().prop_map(|ip| {
            let host = std::net::Ipv4Addr::from(ip).to_string();
            (host.clone(), host)
        }),
        any::<[u16; 8]>().prop_map(|ip| {
            let host = std::net::Ipv6Addr::from(ip).to_string();
            (format!("[{host}]"), host)
        }),
    ]
}

/// Text that looks like a client id, with one part possibly wrong, or anything.
fn client_id_text() -> impl Strategy<Value = String> {
    let name = prop_oneof!["[!-?A-~]{1,12}", any_text()];
    let port = prop::option::of(prop_oneof![
        any::<u16>().prop_map(|p| p.to_string()),
        any_text()
    ]);
    let host = prop_oneof![host().prop_map(|(written, _)| written), any_text()];
    prop_oneof![
        (name, host, port, any_text()).prop_map(|(name, host, port, suffix)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            format!("{name}@{host}{port}/{suffix}")
        }),
        any_text(),
    ]
}

/// Every message a client secret error can have.
fn secret_messages() -> Vec<String> {
    [
        SecretError::Empty,
        SecretError::Shape,
        SecretError::Version,
        SecretError::KeyEncoding,
        SecretError::KeyJson,
        SecretError::KeyType,
        SecretError::Curve,
        SecretError::MissingPublic,
        SecretError::MissingPrivate,
        SecretError::Component("x"),
        SecretError::Component("d"),
        SecretError::Mismatch,
    ]
    .iter()
    .map(ToString::to_string)
    .collect()
}

/// A secret whose key part is `jwk`, encoded as ConductorOne writes it.
fn secret_with_key(jwk: &Value) -> String {
    format!(
        "secret-token:conductorone.com:v1:{}",
        URL_SAFE_NO_PAD.encode(jwk.to_string())
    )
}

/// One change to a secret's JWK: a field set to another value, or removed.
fn jwk_edit() -> impl Strategy<Value = (&'static str, Option<Value>)> {
    let field = select(&["kty", "crv", "x", "d", "kid"][..]);
    let value = prop_oneof![
        any_text().prop_map(Value::String),
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        select(&["OKP", "EC", "Ed25519", "X25519"][..]).prop_map(Value::from),
        prop::collection::vec(any::<u8>(), 31..34)
            .prop_map(|bytes| Value::String(URL_SAFE_NO_PAD.encode(bytes))),
    ];
    prop_oneof![
        (field.clone(), value).prop_map(|(f, v)| (f, Some(v))),
        field.prop_map(|f| (f, None)),
    ]
}

/// A real secret's JWK.
fn real_jwk(secret: &str) -> Value {
    let key = secret.rsplit(':').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(key).unwrap()).unwrap()
}

/// Secrets near real ones (JWK fields changed or removed, one character changed, cut
/// short, other separators) or anything.
fn secret_text() -> impl Strategy<Value = String> {
    let edited = prop::collection::vec(jwk_edit(), 1..3).prop_map(|edits| {
        let mut jwk = real_jwk(&generate_client_secret().secret);
        for (field, value) in edits {
            match value {
                Some(v) => jwk[field] = v,
                None => drop(jwk.as_object_mut().unwrap().remove(field)),
            }
        }
        secret_with_key(&jwk)
    });
    let changed = (any::<Index>(), any::<char>()).prop_map(|(at, c)| {
        let mut chars: Vec<char> = generate_client_secret().secret.chars().collect();
        let at = at.index(chars.len());
        chars[at] = c;
        chars.into_iter().collect()
    });
    let cut = any::<Index>().prop_map(|at| {
        let secret = generate_client_secret().secret;
        secret[..at.index(secret.len())].to_owned()
    });
    let version = select(&["v0", "v2", "V1", ""][..]).prop_map(|version| {
        generate_client_secret()
            .secret
            .replacen(":v1:", &format!(":{version}:"), 1)
    });
    prop_oneof![edited, changed, cut, version, any_text()]
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn any_client_id_parses_into_its_parts_or_fails(text in client_id_text()) {
        if let Ok(id) = ClientId::parse(&text) {
            prop_assert_eq!(id.as_str(), text.trim());
            prop_assert_eq!(id.to_string(), text.trim());
            prop_assert!(!id.client_name().is_empty());
            prop_assert!(id.client_name().bytes().all(|b| b.is_ascii_graphic()));
            prop_assert!(!id.host().is_empty());
            prop_assert_ne!(id.port(), Some(0));
            prop_assert_eq!(ClientId::parse(id.as_str()), Ok(id.clone()));
        }
    }

    #[test]
    fn a_well_formed_client_id_reads_back_its_parts(
        name in "[!-?A-~]{1,12}",
        (written, host) in host(),
        port in prop::option::of(1u16..),
        suffix in "[!-~]{1,12}",
    ) {
        let port_text = port.map(|p| format!(":{p}")).unwrap_or_default();
        let text = format!(" {name}@{written}{port_text}/{suffix}\n");
        let id = ClientId::parse(&text).unwrap();
        prop_assert_eq!(id.client_name(), name);
        prop_assert_eq!(id.host(), host);
        prop_assert_eq!(id.port(), port);
    }

    #[test]
    fn a_client_secret_error_never_depends_on_the_secret(text in secret_text()) {
        match ClientSecret::parse(&text) {
            Ok(secret) => prop_assert_eq!(format!("{secret:?}"), "[redacted]"),
            Err(error) => {
                let message = error.to_string();
                prop_assert!(secret_messages().contains(&message), "{}", message);
                let key = text.trim().splitn(4, ':').nth(3).unwrap_or_default();
                if key.len() >= 6 {
                    let shown = format!("{error:?}");
                    prop_assert!(!shown.contains(key), "{}", shown);
                }
            }
        }
    }
}

#[test]
fn a_generated_secret_parses_to_its_public_key() {
    let generated = generate_client_secret();
    let secret = ClientSecret::parse(&format!("  {}\n", generated.secret)).unwrap();
    assert_eq!(secret.public_key(), generated.public_key);
}
