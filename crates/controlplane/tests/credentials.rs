//! Parsing the client id and the client secret.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use controlplane::credentials::generate_client_secret;
use controlplane::{
    ClientId, ClientIdError, ClientSecret, SecretError, SecretSource, SessionConfig,
};
use serde_json::{Value, json};

#[test]
fn client_id_splits_into_name_host_and_port() {
    let id = ClientId::parse("strange-hydra-68836@acme.conductor.one/pcc").unwrap();
    assert_eq!(id.as_str(), "strange-hydra-68836@acme.conductor.one/pcc");
    assert_eq!(id.client_name(), "strange-hydra-68836");
    assert_eq!(id.host(), "acme.conductor.one");
    assert_eq!(id.port(), None);

    let dev = ClientId::parse(" n@c1dev.x.dev.ductone.com:2443/pcc\n").unwrap();
    assert_eq!(dev.as_str(), "n@c1dev.x.dev.ductone.com:2443/pcc");
    assert_eq!(dev.host(), "c1dev.x.dev.ductone.com");
    assert_eq!(dev.port(), Some(2443));
}

#[test]
fn client_id_errors_name_the_wrong_part() {
    let cases = [
        ("acme.conductor.one/pcc", ClientIdError::MissingAt),
        ("@acme.conductor.one/pcc", ClientIdError::EmptyName),
        (
            "my app@acme.conductor.one/pcc",
            ClientIdError::InvalidName("my app".into()),
        ),
        ("n@acme.conductor.one", ClientIdError::MissingSlash),
        ("n@/pcc", ClientIdError::EmptyHost),
        ("n@:443/pcc", ClientIdError::EmptyHost),
        (
            "n@acme conductor/pcc",
            ClientIdError::InvalidHost("acme conductor".into()),
        ),
        (
            "n@acme.conductor.one:http/pcc",
            ClientIdError::InvalidPort("http".into()),
        ),
        (
            "n@acme.conductor.one:0/pcc",
            ClientIdError::InvalidPort("0".into()),
        ),
        ("n@acme.conductor.one/", ClientIdError::EmptySuffix),
    ];
    for (text, expected) in cases {
        assert_eq!(ClientId::parse(text), Err(expected), "{text}");
    }
    assert!(
        ClientIdError::InvalidPort("x".into())
            .to_string()
            .contains("port")
    );
    assert!(ClientIdError::MissingAt.to_string().contains("'@'"));
}

/// A secret whose JWK is `jwk`, in ConductorOne's format.
fn secret_with(jwk: &Value) -> String {
    format!(
        "secret-token:conductorone.com:v1:{}",
        URL_SAFE_NO_PAD.encode(jwk.to_string())
    )
}

/// The JWK of a freshly generated secret.
fn generated_jwk() -> (Value, [u8; 32]) {
    let generated = generate_client_secret();
    let b64 = generated.secret.rsplit(':').next().unwrap();
    let jwk = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(b64).unwrap()).unwrap();
    (jwk, generated.public_key)
}

#[test]
fn generated_secret_parses_to_its_public_key() {
    let generated = generate_client_secret();
    let secret = ClientSecret::parse(&format!("  {}\n", generated.secret)).unwrap();
    assert_eq!(secret.public_key(), generated.public_key);
    let (jwk, _) = generated_jwk();
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
}

#[test]
fn client_secret_errors_name_the_wrong_part() {
    let (jwk, _) = generated_jwk();
    let (other, _) = generated_jwk();
    let with = |change: &dyn Fn(&mut Value)| {
        let mut jwk = jwk.clone();
        change(&mut jwk);
        secret_with(&jwk)
    };
    let good_b64 = secret_with(&jwk).rsplit(':').next().unwrap().to_owned();
    let cases = [
        ("".to_owned(), SecretError::Empty),
        (format!("secret-token:v1:{good_b64}"), SecretError::Shape),
        (
            format!("secret-token:conductorone.com:v2:{good_b64}"),
            SecretError::Version,
        ),
        (
            format!("secret-token:conductorone.com:v1:{good_b64}="),
            SecretError::KeyEncoding,
        ),
        (
            format!(
                "secret-token:conductorone.com:v1:{}",
                URL_SAFE_NO_PAD.encode("[1,2]")
            ),
            SecretError::KeyJson,
        ),
        (with(&|j| j["kty"] = json!("RSA")), SecretError::KeyType),
        (with(&|j| j["crv"] = json!("X25519")), SecretError::Curve),
        (
            with(&|j| {
                j.as_object_mut().unwrap().remove("x");
            }),
            SecretError::MissingPublic,
        ),
        (
            with(&|j| {
                j.as_object_mut().unwrap().remove("d");
            }),
            SecretError::MissingPrivate,
        ),
        (
            with(&|j| j["d"] = json!("c2hvcnQ")),
            SecretError::Component("d"),
        ),
        (
            with(&|j| j["x"] = json!("not base64 !")),
            SecretError::Component("x"),
        ),
        (
            with(&|j| j["x"] = other["x"].clone()),
            SecretError::Mismatch,
        ),
    ];
    for (text, expected) in cases {
        let error = ClientSecret::parse(&text).unwrap_err();
        assert_eq!(error, expected, "{expected}");
        assert_no_fragment_of(&text, &error.to_string());
        assert_no_fragment_of(&text, &format!("{error:?}"));
        let wrapped = controlplane::Error::from(error);
        assert_no_fragment_of(&text, &wrapped.to_string());
    }
}

/// Fails if `shown` holds any 8 consecutive characters of the secret's key part.
fn assert_no_fragment_of(secret: &str, shown: &str) {
    let key: Vec<char> = secret.rsplit(':').next().unwrap().chars().collect();
    for window in key.windows(8) {
        let fragment: String = window.iter().collect();
        assert!(!shown.contains(&fragment), "{shown:?} quotes the secret");
    }
}

#[test]
fn debug_output_never_shows_the_secret() {
    let generated = generate_client_secret();
    let secret = ClientSecret::parse(&generated.secret).unwrap();
    assert_eq!(format!("{secret:?}"), "[redacted]");
    let config = SessionConfig::new("n@acme.conductor.one/pcc", SecretSource::Value(secret));
    let shown = format!("{config:?} {generated:?}");
    assert!(shown.contains("[redacted]"));
    assert_no_fragment_of(&generated.secret, &shown);
}
