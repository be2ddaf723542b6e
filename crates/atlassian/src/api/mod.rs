//! The endpoints, as methods of [`Client`](crate::Client), one module per API family.
//! Listings come in two forms: `xxx_page` fetches one page at a cursor (to fetch independent
//! pages concurrently), and `xxx` streams every item, fetching pages lazily.

mod groups;
mod invites;
mod lifecycle;
mod orgs;
mod roles;
mod scim;
mod teams;
mod tokens;
mod users;
mod workspaces;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::{Call, Client};
use crate::endpoints::Endpoint;
use crate::error::{Error, is_already_done};
use crate::models::{ListEnvelope, Outcome};
use crate::pagination::{Cursor, ItemStream, Page, stream_items};

/// Largest `limit` of the v2 directory listings.
pub(crate) const V2_PAGE_SIZE: u32 = 100;

/// Query parameters from a filter struct: arrays become repeated keys, `None`/empty skipped.
pub(crate) fn to_query(filter: &impl Serialize) -> Vec<(String, String)> {
    let Ok(Value::Object(fields)) = serde_json::to_value(filter) else {
        return Vec::new();
    };
    let mut pairs = Vec::new();
    for (key, value) in fields {
        let values = match value {
            Value::Array(values) => values,
            single => vec![single],
        };
        for value in values {
            match value {
                Value::String(s) => pairs.push((key.clone(), s)),
                Value::Null => {}
                other => pairs.push((key.clone(), other.to_string())),
            }
        }
    }
    pairs
}

/// A listing with a query cursor and `links.next`: the endpoint, its path values, its query
/// and the page-size parameter (`None` for v1 endpoints, which take none).
#[derive(Clone)]
pub(crate) struct LinkListing {
    pub endpoint: &'static Endpoint,
    pub args: Vec<String>,
    pub query: Vec<(String, String)>,
    pub page_size: Option<(&'static str, u32)>,
}

impl LinkListing {
    /// A v2 listing of `endpoint` at `args`: `limit=100`.
    pub fn v2(endpoint: &'static Endpoint, args: &[&str], query: Vec<(String, String)>) -> Self {
        let args = args.iter().map(|a| (*a).to_owned()).collect();
        Self {
            endpoint,
            args,
            query,
            page_size: Some(("limit", V2_PAGE_SIZE)),
        }
    }

    /// A v1 listing (no page size parameter).
    pub fn v1(endpoint: &'static Endpoint, args: &[&str]) -> Self {
        Self {
            page_size: None,
            ..Self::v2(endpoint, args, Vec::new())
        }
    }
}

impl Client {
    /// One page of a `links.next` listing.
    pub(crate) async fn link_page<T: DeserializeOwned>(
        &self,
        listing: &LinkListing,
        cursor: Option<&Cursor>,
    ) -> Result<Page<T>, Error> {
        let args: Vec<&str> = listing.args.iter().map(String::as_str).collect();
        let mut query = listing.query.clone();
        if let Some((name, size)) = listing.page_size {
            query.push((name.into(), size.to_string()));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor".into(), cursor.as_str().to_owned()));
        }
        let call = Call::new(listing.endpoint, &args).query(query);
        let envelope: ListEnvelope<T> = self.fetch(call).await?;
        Ok(envelope.into_page())
    }

    /// Every item of a `links.next` listing.
    pub(crate) fn link_stream<T>(&self, listing: LinkListing) -> ItemStream<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        stream_items(move |cursor| {
            let client = client.clone();
            let listing = listing.clone();
            async move { client.link_page(&listing, cursor.as_ref()).await }
        })
    }

    /// Runs a write whose "already a member / already has it / not there" answer means the
    /// state the caller wanted is already in place.
    pub(crate) async fn converge(&self, call: Call) -> Result<Outcome, Error> {
        match self.execute(call).await {
            Ok(()) => Ok(Outcome::Done),
            Err(error) if is_already_done(&error) => Ok(Outcome::AlreadyDone),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{UserFilter, UserStatus};

    #[test]
    fn filters_become_repeated_query_keys_and_empty_fields_are_left_out() {
        let filter = UserFilter {
            group_ids: vec!["g1".into(), "g2".into()],
            status: vec![UserStatus::Active, UserStatus::NotInvited],
            mfa_enabled: Some(true),
            search_term: Some("ann".into()),
            ..Default::default()
        };
        let pairs = to_query(&filter);
        let expected = [
            ("groupIds", "g1"),
            ("groupIds", "g2"),
            ("mfaEnabled", "true"),
            ("searchTerm", "ann"),
            ("status", "active"),
            ("status", "not_invited"),
        ];
        let mut sorted = pairs.clone();
        sorted.sort();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        assert_eq!(sorted, expected);
        assert!(to_query(&UserFilter::default()).is_empty());
    }
}
