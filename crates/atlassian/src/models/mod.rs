//! Typed request and response bodies, one module per API family. Response fields the
//! service may omit are `Option`s or empty `Vec`s; unknown fields are ignored and unknown
//! enum values decode as `Other`.

mod groups;
mod invites;
mod orgs;
mod roles;
mod scim;
mod teams;
mod tokens;
mod users;
mod workspaces;

pub use groups::*;
pub use invites::*;
pub use orgs::*;
pub use roles::*;
pub use scim::*;
pub use teams::*;
pub use tokens::*;
pub use users::*;
pub use workspaces::*;

use serde::Deserialize;

use crate::pagination::{Cursor, Page};

/// The directory id that means "every directory the key may manage"; fine for reads, but
/// writes need the real directory id (see [`Group::directory_id`]).
pub const ALL_DIRECTORIES: &str = "-";

/// Result of a write that may already have been in effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The change was made.
    Done,
    /// Nothing to do: the user already was a member / had the role, or already was not.
    AlreadyDone,
}

/// `links` of a paginated response: cursor tokens (v2) or URLs (v1).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Links {
    #[serde(default)]
    pub next: Option<String>,
}

/// `{"data": [...], "links": {...}}`, the usual list envelope.
#[derive(Debug, Deserialize)]
pub(crate) struct ListEnvelope<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub links: Option<Links>,
}

impl<T> ListEnvelope<T> {
    /// The page, with `links.next` read as a URL or a bare cursor.
    pub fn into_page(self) -> Page<T> {
        let next = self
            .links
            .and_then(|l| l.next)
            .and_then(|n| Cursor::from_link(&n));
        Page {
            items: self.data,
            next,
        }
    }
}

/// `{"data": {...}}`, the single-object envelope.
#[derive(Debug, Deserialize)]
pub(crate) struct DataEnvelope<T> {
    pub data: T,
}

/// A count response, `{"count": n}`.
#[derive(Debug, Deserialize)]
pub(crate) struct CountResponse {
    pub count: u64,
}
