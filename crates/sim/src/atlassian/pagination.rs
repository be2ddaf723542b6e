//! The three pagination styles' shared parts: opaque cursor tokens, page limits and
//! keyset pages.
//!
//! A cursor is URL-safe base64 of a small JSON state (the filters of the first request plus
//! the key of the last item served), so a page is found with a binary search or an index
//! range instead of a scan, and a cursor the server did not issue is refused with
//! `400 ADMIN-400-1`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::errors::ApiError;

/// Encodes a continuation state as an opaque token.
pub(crate) fn encode<T: Serialize>(state: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).expect("cursor states serialize"))
}

/// Decodes a token made by [`encode`].
pub(crate) fn decode<T: DeserializeOwned>(token: &str) -> Result<T, ApiError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| ApiError::bad_cursor())?;
    serde_json::from_slice(&bytes).map_err(|_| ApiError::bad_cursor())
}

/// Reads a page size: `default` when absent, an error outside `1..=max`.
pub(crate) fn page_size(raw: Option<&str>, default: usize, max: usize) -> Result<usize, String> {
    let Some(raw) = raw else { return Ok(default) };
    match raw.parse::<usize>() {
        Ok(size) if (1..=max).contains(&size) => Ok(size),
        _ => Err(format!("page size must be between 1 and {max}, got {raw}")),
    }
}

/// Takes up to `limit` items and tells whether more follow.
pub(crate) fn take_page<I: Iterator>(items: I, limit: usize) -> (Vec<I::Item>, bool) {
    let mut page: Vec<I::Item> = items.take(limit + 1).collect();
    let more = page.len() > limit;
    page.truncate(limit);
    (page, more)
}

/// A keyset cursor: the request's filters and the key of the last item served.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Keyset<F> {
    #[serde(rename = "f")]
    pub(crate) filter: F,
    #[serde(rename = "a")]
    pub(crate) after: Option<String>,
}

/// `links` of a v2 page: opaque tokens.
#[derive(Serialize)]
pub(crate) struct Links {
    #[serde(rename = "self")]
    pub(crate) this: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next: Option<String>,
}

impl<F: Serialize + DeserializeOwned> Keyset<F> {
    /// The state to serve: the cursor's when one is given (the request's other filters are
    /// ignored, as the real API does), else a first page with `fresh()` filters.
    pub(crate) fn resume(
        cursor: Option<&str>,
        fresh: impl FnOnce() -> Result<F, ApiError>,
    ) -> Result<Self, ApiError> {
        match cursor {
            Some(token) if !token.is_empty() => decode(token),
            _ => Ok(Keyset {
                filter: fresh()?,
                after: None,
            }),
        }
    }

    /// Links of this page, with `next` continuing after `last_key` when more items follow.
    pub(crate) fn links(&self, last_key: Option<&str>) -> Links {
        let token = |after: Option<&str>| {
            encode(&Keyset {
                filter: &self.filter,
                after: after.map(str::to_string),
            })
        };
        Links {
            this: token(self.after.as_deref()),
            next: last_key.map(|key| token(Some(key))),
        }
    }

    /// Serves one page of `items` (already positioned after the cursor) and its links.
    pub(crate) fn page<T>(
        &self,
        items: impl Iterator<Item = T>,
        limit: usize,
        key: impl Fn(&T) -> &str,
    ) -> (Vec<T>, Links) {
        let (page, more) = take_page(items, limit);
        let links = self.links(if more { page.last().map(&key) } else { None });
        (page, links)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_foreign_tokens_are_refused() {
        let state = Keyset {
            filter: vec!["g1".to_string()],
            after: Some("u9".to_string()),
        };
        let back: Keyset<Vec<String>> = decode(&encode(&state)).unwrap();
        assert_eq!((back.filter, back.after), (state.filter, state.after));
        for bad in ["not base64!", "bm90IGpzb24", ""] {
            let refused = decode::<Keyset<Vec<String>>>(bad).unwrap_err();
            assert_eq!(refused.body()["errors"][0]["code"], "ADMIN-400-1", "{bad}");
        }
    }

    #[test]
    fn page_sizes_outside_the_range_are_refused() {
        assert_eq!(page_size(None, 20, 100), Ok(20));
        assert_eq!(page_size(Some("100"), 20, 100), Ok(100));
        assert!(page_size(Some("101"), 20, 100).is_err());
        assert!(page_size(Some("0"), 20, 100).is_err());
        assert!(page_size(Some("ten"), 20, 100).is_err());
    }

    #[test]
    fn a_page_links_to_the_next_only_when_more_items_follow() {
        let cursor = Keyset {
            filter: (),
            after: None,
        };
        let (page, links) = cursor.page(["a", "b", "c"].into_iter(), 2, |s| s);
        assert_eq!(page, ["a", "b"]);
        let next: Keyset<()> = decode(links.next.as_deref().unwrap()).unwrap();
        assert_eq!(next.after.as_deref(), Some("b"));
        let (_, last) = cursor.page(["a", "b"].into_iter(), 2, |s| s);
        assert!(last.next.is_none());
    }
}
