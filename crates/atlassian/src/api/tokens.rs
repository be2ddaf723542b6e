//! User API tokens inventory.

use super::{LinkListing, V2_PAGE_SIZE};
use crate::client::Client;
use crate::endpoints::LIST_API_TOKENS;
use crate::error::Error;
use crate::models::ApiToken;
use crate::pagination::{Cursor, ItemStream, Page};

impl Client {
    /// One page of the organization's user API tokens
    /// (`GET /admin/api-access/v1/orgs/{orgId}/api-tokens`).
    pub async fn api_tokens_page(&self, cursor: Option<&Cursor>) -> Result<Page<ApiToken>, Error> {
        self.link_page(&self.api_tokens_listing(), cursor).await
    }

    /// Every user API token of the organization.
    pub fn api_tokens(&self) -> ItemStream<ApiToken> {
        self.link_stream(self.api_tokens_listing())
    }

    /// The vendor's page-size parameter here is `pageSize` (not `limit`).
    fn api_tokens_listing(&self) -> LinkListing {
        let listing = LinkListing::v2(&LIST_API_TOKENS, &[self.org_id()], Vec::new());
        LinkListing {
            page_size: Some(("pageSize", V2_PAGE_SIZE)),
            ..listing
        }
    }
}
