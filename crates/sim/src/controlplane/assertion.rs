//! Token request checks: the four form fields, then the client assertion (a compact EdDSA
//! JWS) against the client's keys, with the header and claims the SDK sends (spec §1.2–1.3).

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signature;
use serde_json::{Map, Value};

use super::credentials::ClientKey;

/// `grant_type` of a client-credentials grant.
const GRANT_TYPE: &str = "client_credentials";
/// `client_assertion_type` of a JWT-bearer client assertion.
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The form fields a token request carries, no more.
const FIELDS: [&str; 4] = [
    "client_id",
    "grant_type",
    "client_assertion_type",
    "client_assertion",
];
/// Header members an assertion may carry (`kid` only when the JWK had one).
const HEADER_MEMBERS: [&str; 3] = ["alg", "nonce", "kid"];
/// Longest accepted assertion lifetime (`exp - iat`); the SDK uses 120 s.
const MAX_LIFETIME_SECS: i64 = 300;

/// Why a token request was refused: an OAuth error code and a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) error: &'static str,
    pub(crate) description: String,
}

impl Refusal {
    fn request(description: impl Into<String>) -> Refusal {
        Refusal {
            error: "invalid_request",
            description: description.into(),
        }
    }

    pub(crate) fn client(description: impl Into<String>) -> Refusal {
        Refusal {
            error: "invalid_client",
            description: description.into(),
        }
    }
}

/// The checked form of a token request.
#[derive(Debug)]
pub(crate) struct TokenForm {
    pub(crate) client_id: String,
    pub(crate) assertion: String,
}

/// Parses an `application/x-www-form-urlencoded` body holding exactly the four fields,
/// each once, with the expected grant and assertion types.
pub(crate) fn parse_form(body: &[u8]) -> Result<TokenForm, Refusal> {
    let mut values: [Option<String>; 4] = Default::default();
    for (name, value) in url::form_urlencoded::parse(body) {
        let slot = FIELDS
            .iter()
            .position(|field| *field == name)
            .ok_or_else(|| Refusal::request(format!("unexpected form field {name:?}")))?;
        if values[slot].replace(value.into_owned()).is_some() {
            return Err(Refusal::request(format!("form field {name:?} repeated")));
        }
    }
    let [client_id, grant_type, assertion_type, assertion] = values;
    let missing = |field: &str| Refusal::request(format!("form field {field:?} missing"));
    let client_id = client_id.ok_or_else(|| missing("client_id"))?;
    let grant_type = grant_type.ok_or_else(|| missing("grant_type"))?;
    let assertion_type = assertion_type.ok_or_else(|| missing("client_assertion_type"))?;
    let assertion = assertion.ok_or_else(|| missing("client_assertion"))?;
    if grant_type != GRANT_TYPE {
        return Err(Refusal {
            error: "unsupported_grant_type",
            description: format!("grant_type must be {GRANT_TYPE}"),
        });
    }
    if assertion_type != ASSERTION_TYPE {
        return Err(Refusal::request(format!(
            "client_assertion_type must be {ASSERTION_TYPE}"
        )));
    }
    Ok(TokenForm {
        client_id,
        assertion,
    })
}

/// What a valid assertion proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    /// Thumbprint of the key that signed it.
    pub(crate) key_id: String,
    /// The header's nonce (the caller refuses replays).
    pub(crate) nonce: String,
}

/// Checks `form.assertion` for `form.client_id`: signed by one of `keys`, `alg=EdDSA`, a
/// 32-hex-character `nonce`, no `typ` or `jwk`; `iss = sub = client_id`, `aud` = the token
/// host of the client id without port (a string), and `iat`/`nbf`/`exp` valid at
/// `now_unix` within `skew_secs`.
pub(crate) fn verify(
    form: &TokenForm,
    keys: &[ClientKey],
    now_unix: i64,
    skew_secs: i64,
) -> Result<Verified, Refusal> {
    let parts: Vec<&str> = form.assertion.split('.').collect();
    let [header_b64, claims_b64, signature_b64] = parts[..] else {
        return Err(Refusal::client(
            "client_assertion is not a compact JWS (three parts)",
        ));
    };
    let header = decode_object(header_b64, "header")?;
    let claims = decode_object(claims_b64, "claims")?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .ok()
        .and_then(|bytes| Signature::from_slice(&bytes).ok())
        .ok_or_else(|| {
            Refusal::client("assertion signature is not a base64url Ed25519 signature")
        })?;

    let nonce = check_header(&header)?;
    let signed = &form.assertion.as_bytes()[..header_b64.len() + 1 + claims_b64.len()];
    let key_id = keys
        .iter()
        .find(|k| k.key.verify_strict(signed, &signature).is_ok())
        .map(|k| k.key_id.clone())
        .ok_or_else(|| Refusal::client("assertion signature does not match the client's key"))?;
    check_claims(&claims, &form.client_id, now_unix, skew_secs)?;
    Ok(Verified { key_id, nonce })
}

/// Base64url-decodes one JWS part holding a JSON object.
fn decode_object(part: &str, what: &str) -> Result<Map<String, Value>, Refusal> {
    URL_SAFE_NO_PAD
        .decode(part)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| Refusal::client(format!("assertion {what} is not base64url JSON object")))
}

/// Checks the protected header and returns its nonce.
fn check_header(header: &Map<String, Value>) -> Result<String, Refusal> {
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err(Refusal::client("assertion alg must be EdDSA"));
    }
    if let Some(extra) = header
        .keys()
        .find(|k| !HEADER_MEMBERS.contains(&k.as_str()))
    {
        return Err(Refusal::client(format!(
            "assertion header must not carry {extra:?}"
        )));
    }
    match header.get("nonce").and_then(Value::as_str) {
        Some(nonce)
            if nonce.len() == 32
                && nonce
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Ok(nonce.to_owned())
        }
        _ => Err(Refusal::client(
            "assertion nonce must be 32 lowercase hex characters",
        )),
    }
}

/// Checks the claims against the client id and the clock.
fn check_claims(
    claims: &Map<String, Value>,
    client_id: &str,
    now: i64,
    skew: i64,
) -> Result<(), Refusal> {
    for claim in ["iss", "sub"] {
        if claims.get(claim).and_then(Value::as_str) != Some(client_id) {
            return Err(Refusal::client(format!(
                "assertion {claim} must be the client id"
            )));
        }
    }
    let audience = token_host_without_port(client_id)
        .ok_or_else(|| Refusal::client("client id is not <name>@<host>/<suffix>"))?;
    if claims.get("aud").and_then(Value::as_str) != Some(audience) {
        return Err(Refusal::client(format!(
            "assertion aud must be the string {audience:?}"
        )));
    }
    let time = |claim: &str| {
        claims
            .get(claim)
            .and_then(Value::as_i64)
            .ok_or_else(|| Refusal::client(format!("assertion {claim} must be integer seconds")))
    };
    let (iat, nbf, exp) = (time("iat")?, time("nbf")?, time("exp")?);
    if exp <= now - skew {
        return Err(Refusal::client("assertion expired"));
    }
    if iat > now + skew || nbf > now + skew {
        return Err(Refusal::client("assertion issued in the future"));
    }
    if nbf > iat || iat >= exp || exp - iat > MAX_LIFETIME_SECS {
        return Err(Refusal::client(
            "assertion times must satisfy nbf <= iat < exp <= iat + 300",
        ));
    }
    Ok(())
}

/// The token host of `name@host[:port]/suffix`, without its port.
fn token_host_without_port(client_id: &str) -> Option<&str> {
    let (_, rest) = client_id.split_once('@')?;
    let (host, _) = rest.split_once('/')?;
    Some(host.split_once(':').map_or(host, |(name, _)| name))
}

/// Remembers nonces so an assertion cannot be replayed.
#[derive(Default)]
pub(crate) struct Nonces(HashSet<String>);

impl Nonces {
    /// Records `nonce`; false if it was seen before.
    pub(crate) fn first_use(&mut self, nonce: String) -> bool {
        self.0.insert(nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A form body with the SDK's four fields, `grant_type` replaced by `grant_type`, and
    /// `extra` appended.
    fn body(grant_type: &str, extra: &[(&str, &str)]) -> String {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("client_id", "n@h/pcc")
            .append_pair("grant_type", grant_type)
            .append_pair("client_assertion_type", ASSERTION_TYPE)
            .append_pair("client_assertion", "x.y.z");
        form.extend_pairs(extra);
        form.finish()
    }

    #[test]
    fn the_four_fields_parse() {
        let form = parse_form(body(GRANT_TYPE, &[]).as_bytes()).unwrap();
        assert_eq!(
            (form.client_id.as_str(), form.assertion.as_str()),
            ("n@h/pcc", "x.y.z")
        );
    }

    #[test]
    fn a_form_with_an_extra_or_repeated_field_is_refused() {
        let extra = parse_form(body(GRANT_TYPE, &[("scope", "all")]).as_bytes()).unwrap_err();
        assert_eq!(extra.error, "invalid_request");
        assert!(extra.description.contains("scope"));
        let repeated = parse_form(body(GRANT_TYPE, &[("client_id", "m@h/pcc")]).as_bytes());
        assert!(repeated.unwrap_err().description.contains("repeated"));
    }

    #[test]
    fn a_form_with_another_grant_type_is_refused() {
        let refusal = parse_form(body("password", &[]).as_bytes()).unwrap_err();
        assert_eq!(refusal.error, "unsupported_grant_type");
    }

    #[test]
    fn audience_is_the_token_host_without_port() {
        let host = token_host_without_port;
        assert_eq!(host("n@127.0.0.1:4433/pcc"), Some("127.0.0.1"));
        assert_eq!(host("n@acme.conductor.one/pcc"), Some("acme.conductor.one"));
        assert_eq!(host("n@acme.conductor.one"), None);
    }

    #[test]
    fn times_are_checked_with_the_clock_skew() {
        let id = "n@127.0.0.1:1/pcc";
        let now = 1_000_000;
        // The SDK's window around `iat`, moved by `offset` seconds from now.
        let check = |offset: i64, lifetime: i64| {
            let iat = now + offset;
            let claims = serde_json::json!({
                "iss": id, "sub": id, "aud": "127.0.0.1",
                "iat": iat, "nbf": iat - 120, "exp": iat + lifetime,
            });
            check_claims(claims.as_object().unwrap(), id, now, 60).map_err(|r| r.description)
        };
        assert_eq!(check(0, 120), Ok(()));
        assert_eq!(check(50, 120), Ok(()), "ahead within the skew");
        assert_eq!(check(-170, 120), Ok(()), "expired within the skew");
        assert_eq!(check(-190, 120), Err("assertion expired".into()));
        assert_eq!(check(70, 120), Err("assertion issued in the future".into()));
        assert!(check(0, 3600).unwrap_err().contains("exp <= iat + 300"));
    }
}
