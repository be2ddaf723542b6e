//! The workspaces query (body-cursor pagination).

use serde::Serialize;

use crate::client::{Call, Client};
use crate::endpoints::QUERY_WORKSPACES;
use crate::error::Error;
use crate::models::{ListEnvelope, Workspace, WorkspaceQuery};
use crate::pagination::{Cursor, ItemStream, Page, stream_items};

/// Largest page the client asks for on the first workspaces page.
const WORKSPACES_PAGE_SIZE: u32 = 100;

/// Body of one workspaces page: the query on the first page; the cursor alone after it
/// (the service refuses any other property next to a cursor).
#[derive(Serialize)]
#[serde(untagged)]
enum WorkspacesPage<'a> {
    First {
        #[serde(flatten)]
        query: &'a WorkspaceQuery,
        limit: u32,
    },
    Next {
        cursor: &'a str,
    },
}

impl Client {
    /// One page of workspaces (`POST /admin/v2/orgs/{orgId}/workspaces`).
    pub async fn workspaces_page(
        &self,
        query: &WorkspaceQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Workspace>, Error> {
        let body = match cursor {
            None => WorkspacesPage::First {
                query,
                limit: WORKSPACES_PAGE_SIZE,
            },
            Some(cursor) => WorkspacesPage::Next {
                cursor: cursor.as_str(),
            },
        };
        let call = Call::new(&QUERY_WORKSPACES, &[self.org_id()]).json(&body);
        let envelope: ListEnvelope<Workspace> = self.fetch(call).await?;
        Ok(envelope.into_page())
    }

    /// Every workspace matching `query` (use `WorkspaceQuery::default()` for all).
    pub fn workspaces(&self, query: &WorkspaceQuery) -> ItemStream<Workspace> {
        let client = self.clone();
        let query = query.clone();
        stream_items(move |cursor| {
            let (client, query) = (client.clone(), query.clone());
            async move { client.workspaces_page(&query, cursor.as_ref()).await }
        })
    }
}
