//! Request inputs: query strings with repeated keys, and JSON bodies.

use serde::de::DeserializeOwned;

/// Query parameters in order; array parameters are repeated keys (`a=1&a=2`, `a[]=1` too).
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a raw query string.
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let pairs = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        Params { pairs }
    }

    /// First value of a key.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of an array key.
    pub(crate) fn all(&self, key: &str) -> Vec<String> {
        let bracketed = format!("{key}[]");
        self.pairs
            .iter()
            .filter(|(k, _)| *k == key || *k == bracketed)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A boolean parameter.
    pub(crate) fn flag(&self, key: &str) -> Result<Option<bool>, String> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(format!("{key} must be true or false, got {other}")),
        }
    }
}

/// Parses a JSON body; an empty body reads as `{}`.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| format!("invalid request body: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_bracketed_keys_collect_into_one_list() {
        let params = Params::parse(Some("groupIds=a&limit=5&groupIds%5B%5D=b&groupIds=c%7Cd"));
        assert_eq!(params.all("groupIds"), ["a", "b", "c|d"]);
        assert_eq!(params.get("limit"), Some("5"));
        assert_eq!(params.flag("mfaEnabled"), Ok(None));
        assert!(
            Params::parse(Some("mfaEnabled=yes"))
                .flag("mfaEnabled")
                .is_err()
        );
    }
}
