//! Organizations (v1) and directories (v2).

use super::LinkListing;
use crate::client::{Call, Client};
use crate::endpoints::{GET_ORG, LIST_DIRECTORIES, LIST_MANAGED_ACCOUNTS, LIST_ORGS};
use crate::error::Error;
use crate::models::{DataEnvelope, Directory, ManagedAccount, Organization};
use crate::pagination::{Cursor, ItemStream, Page};

impl Client {
    /// One page of the organizations the key can see (`GET /admin/v1/orgs`).
    pub async fn orgs_page(&self, cursor: Option<&Cursor>) -> Result<Page<Organization>, Error> {
        self.link_page(&LinkListing::v1(&LIST_ORGS, &[]), cursor)
            .await
    }

    /// Every organization the key can see.
    pub fn orgs(&self) -> ItemStream<Organization> {
        self.link_stream(LinkListing::v1(&LIST_ORGS, &[]))
    }

    /// The client's organization (`GET /admin/v1/orgs/{orgId}`); a cheap credential check.
    pub async fn org(&self) -> Result<Organization, Error> {
        let envelope: DataEnvelope<Organization> =
            self.fetch(Call::new(&GET_ORG, &[self.org_id()])).await?;
        Ok(envelope.data)
    }

    /// One page of the organization's managed accounts (`GET /admin/v1/orgs/{orgId}/users`).
    pub async fn managed_accounts_page(
        &self,
        cursor: Option<&Cursor>,
    ) -> Result<Page<ManagedAccount>, Error> {
        self.link_page(
            &LinkListing::v1(&LIST_MANAGED_ACCOUNTS, &[self.org_id()]),
            cursor,
        )
        .await
    }

    /// Every managed account of the organization (v1; prefer [`users`](Self::users)).
    pub fn managed_accounts(&self) -> ItemStream<ManagedAccount> {
        self.link_stream(LinkListing::v1(&LIST_MANAGED_ACCOUNTS, &[self.org_id()]))
    }

    /// One page of the organization's directories (`GET /admin/v2/orgs/{orgId}/directories`).
    pub async fn directories_page(
        &self,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Directory>, Error> {
        self.link_page(&self.directories_listing(), cursor).await
    }

    /// Every directory of the organization.
    pub fn directories(&self) -> ItemStream<Directory> {
        self.link_stream(self.directories_listing())
    }

    fn directories_listing(&self) -> LinkListing {
        LinkListing::v2(&LIST_DIRECTORIES, &[self.org_id()], Vec::new())
    }
}
