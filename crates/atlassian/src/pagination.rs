//! Pages, cursors and lazy item streams over the three pagination styles (query cursor with
//! `links.next`, body cursor, and the Teams `cursor` / Relay `pageInfo` forms).

use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::Error;

/// A stream of items that fetches the next page only when the previous one is consumed.
pub type ItemStream<T> = BoxStream<'static, Result<T, Error>>;

/// An opaque position in a paginated listing, as the service gave it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// Wraps a cursor token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The cursor token.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads a `links.next` value, which is a URL on some endpoints (take its `cursor` query
    /// value) and a bare token on others. `None` when the link is empty (no next page).
    pub fn from_link(link: &str) -> Option<Self> {
        let link = link.trim();
        if link.is_empty() {
            return None;
        }
        let as_url = if link.starts_with("http://") || link.starts_with("https://") {
            Url::parse(link).ok()
        } else if link.starts_with('/') && link.contains('?') {
            Url::parse("http://relative.invalid")
                .and_then(|base| base.join(link))
                .ok()
        } else {
            None
        };
        let from_url = as_url.and_then(|url| {
            url.query_pairs()
                .find(|(key, _)| key == "cursor")
                .map(|(_, value)| value.into_owned())
        });
        match from_url {
            Some(cursor) if cursor.is_empty() => None,
            Some(cursor) => Some(Self(cursor)),
            None => Some(Self(link.to_owned())),
        }
    }
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// Streams the items of every page: calls `fetch` with no cursor for the first page, then
/// with each next cursor only once the items before it are consumed.
pub(crate) fn stream_items<T, F, Fut>(fetch: F) -> ItemStream<T>
where
    T: Send + 'static,
    F: FnMut(Option<Cursor>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
{
    let pages = stream::try_unfold((fetch, Some(None)), |(mut fetch, position)| async move {
        let Some(cursor) = position else {
            return Ok(None);
        };
        let page = fetch(cursor).await?;
        let after = page.next.map(Some);
        Ok(Some((page.items, (fetch, after))))
    });
    pages
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn link_urls_give_their_cursor_value() {
        assert_eq!(
            Cursor::from_link("https://api.atlassian.com/admin/v1/orgs?cursor=abc%3D%3D&x=1"),
            Some(Cursor::new("abc=="))
        );
        assert_eq!(
            Cursor::from_link("/admin/v1/orgs/o/users?cursor=page-2"),
            Some(Cursor::new("page-2"))
        );
        assert_eq!(
            Cursor::from_link("https://api.atlassian.com/x?cursor="),
            None
        );
    }

    #[test]
    fn bare_tokens_are_kept_verbatim() {
        assert_eq!(
            Cursor::from_link("eyJwYWdlIjoyfQ=="),
            Some(Cursor::new("eyJwYWdlIjoyfQ=="))
        );
        assert_eq!(
            Cursor::from_link("/base64/with+slash="),
            Some(Cursor::new("/base64/with+slash="))
        );
    }

    #[test]
    fn empty_links_mean_no_next_page() {
        assert_eq!(Cursor::from_link(""), None);
        assert_eq!(Cursor::from_link("  "), None);
    }

    #[tokio::test]
    async fn stream_fetches_pages_lazily_until_no_next_cursor() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let items = stream_items(move |cursor: Option<Cursor>| {
            log.lock().unwrap().push(cursor.clone());
            async move {
                let n: usize = cursor.map_or(0, |c| c.as_str().parse().unwrap());
                let next = (n < 2).then(|| Cursor::new((n + 1).to_string()));
                Ok(Page {
                    items: vec![n * 10, n * 10 + 1],
                    next,
                })
            }
        });
        let mut items = items;
        assert_eq!(items.next().await.unwrap().unwrap(), 0);
        assert_eq!(seen.lock().unwrap().len(), 1, "second page not fetched yet");
        let rest: Vec<usize> = items.try_collect().await.unwrap();
        assert_eq!(rest, [1, 10, 11, 20, 21]);
        assert_eq!(
            *seen.lock().unwrap(),
            [None, Some(Cursor::new("1")), Some(Cursor::new("2"))]
        );
    }

    #[tokio::test]
    async fn stream_ends_after_an_error() {
        let items = stream_items(|cursor: Option<Cursor>| async move {
            match cursor {
                None => Ok(Page {
                    items: vec![1],
                    next: Some(Cursor::new("x")),
                }),
                Some(_) => Err(Error::Config("boom".into())),
            }
        });
        let all: Vec<Result<i32, Error>> = items.collect().await;
        assert_eq!(all.len(), 2);
        assert!(all[0].is_ok() && all[1].is_err());
    }
}
