//! Directory users: list, search, details, role assignments, counts, stats, last-active dates.

use serde::Serialize;

use super::{LinkListing, V2_PAGE_SIZE, to_query};
use crate::client::{Call, Client};
use crate::endpoints::{
    COUNT_USERS, GET_USER, LAST_ACTIVE_DATES, LIST_USERS, SEARCH_USERS, USER_ROLE_ASSIGNMENTS,
    USER_STATS,
};
use crate::error::Error;
use crate::models::{
    CountResponse, DataEnvelope, DirectoryUser, LastActiveDates, ListEnvelope, RoleAssignment,
    RoleAssignmentFilter, UserFilter, UserSearch, UserStats,
};
use crate::pagination::{Cursor, ItemStream, Page, stream_items};

/// Body of one users-search page: the search on the first page, the cursor alone after.
#[derive(Serialize)]
#[serde(untagged)]
enum SearchPage<'a> {
    First {
        #[serde(flatten)]
        search: &'a UserSearch,
        limit: u32,
    },
    Next {
        cursor: &'a str,
        limit: u32,
    },
}

/// `{"data": LastActiveDates, "links": {"next"}}` of one last-active-dates page.
#[derive(serde::Deserialize)]
struct LastActivePage {
    data: LastActiveDates,
    #[serde(default)]
    links: Option<crate::models::Links>,
}

impl Client {
    /// One page of users (`GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users`,
    /// 100 per page). `directory_id` may be [`ALL_DIRECTORIES`](crate::ALL_DIRECTORIES).
    pub async fn users_page(
        &self,
        directory_id: &str,
        filter: &UserFilter,
        cursor: Option<&Cursor>,
    ) -> Result<Page<DirectoryUser>, Error> {
        self.link_page(&self.users_listing(directory_id, filter), cursor)
            .await
    }

    /// Every user matching `filter`; pages are fetched as the stream is consumed.
    pub fn users(&self, directory_id: &str, filter: &UserFilter) -> ItemStream<DirectoryUser> {
        self.link_stream(self.users_listing(directory_id, filter))
    }

    /// The members of a group (the users list filtered by one group id).
    pub fn group_members(&self, directory_id: &str, group_id: &str) -> ItemStream<DirectoryUser> {
        let filter = UserFilter {
            group_ids: vec![group_id.to_owned()],
            ..UserFilter::default()
        };
        self.users(directory_id, &filter)
    }

    fn users_listing(&self, directory_id: &str, filter: &UserFilter) -> LinkListing {
        LinkListing::v2(
            &LIST_USERS,
            &[self.org_id(), directory_id],
            to_query(filter),
        )
    }

    /// One page of a users search (`POST .../directories/{directoryId}/users/search`).
    pub async fn search_users_page(
        &self,
        directory_id: &str,
        search: &UserSearch,
        cursor: Option<&Cursor>,
    ) -> Result<Page<DirectoryUser>, Error> {
        let body = match cursor {
            None => SearchPage::First {
                search,
                limit: V2_PAGE_SIZE,
            },
            Some(cursor) => SearchPage::Next {
                cursor: cursor.as_str(),
                limit: V2_PAGE_SIZE,
            },
        };
        let call = Call::new(&SEARCH_USERS, &[self.org_id(), directory_id]).json(&body);
        let envelope: ListEnvelope<DirectoryUser> = self.fetch(call).await?;
        Ok(envelope.into_page())
    }

    /// Every user found by `search`.
    pub fn search_users(
        &self,
        directory_id: &str,
        search: &UserSearch,
    ) -> ItemStream<DirectoryUser> {
        let client = self.clone();
        let directory_id = directory_id.to_owned();
        let search = search.clone();
        stream_items(move |cursor| {
            let (client, directory_id, search) =
                (client.clone(), directory_id.clone(), search.clone());
            async move {
                client
                    .search_users_page(&directory_id, &search, cursor.as_ref())
                    .await
            }
        })
    }

    /// One user (`GET .../directories/{directoryId}/users/{accountId}`).
    pub async fn user(&self, directory_id: &str, account_id: &str) -> Result<DirectoryUser, Error> {
        let call = Call::new(&GET_USER, &[self.org_id(), directory_id, account_id]);
        let envelope: DataEnvelope<DirectoryUser> = self.fetch(call).await?;
        Ok(envelope.data)
    }

    /// One page of a user's role assignments
    /// (`GET .../directories/{directoryId}/users/{accountId}/role-assignments`).
    pub async fn user_role_assignments_page(
        &self,
        directory_id: &str,
        account_id: &str,
        filter: &RoleAssignmentFilter,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RoleAssignment>, Error> {
        let listing = self.user_roles_listing(directory_id, account_id, filter);
        self.link_page(&listing, cursor).await
    }

    /// Every role assignment of a user.
    pub fn user_role_assignments(
        &self,
        directory_id: &str,
        account_id: &str,
        filter: &RoleAssignmentFilter,
    ) -> ItemStream<RoleAssignment> {
        self.link_stream(self.user_roles_listing(directory_id, account_id, filter))
    }

    fn user_roles_listing(
        &self,
        directory_id: &str,
        account_id: &str,
        filter: &RoleAssignmentFilter,
    ) -> LinkListing {
        let args = [self.org_id(), directory_id, account_id];
        LinkListing::v2(&USER_ROLE_ASSIGNMENTS, &args, to_query(filter))
    }

    /// Number of users matching `filter` (`GET .../users/count`).
    pub async fn count_users(&self, directory_id: &str, filter: &UserFilter) -> Result<u64, Error> {
        let call = Call::new(&COUNT_USERS, &[self.org_id(), directory_id]).query(to_query(filter));
        let count: CountResponse = self.fetch(call).await?;
        Ok(count.count)
    }

    /// Users per role and per account status (`GET .../users/stats`).
    pub async fn user_stats(&self, directory_id: &str) -> Result<UserStats, Error> {
        self.fetch(Call::new(&USER_STATS, &[self.org_id(), directory_id]))
            .await
    }

    /// When a user was last active in each product, all pages merged
    /// (`GET /admin/v1/orgs/{orgId}/directory/users/{accountId}/last-active-dates`).
    pub async fn last_active_dates(&self, account_id: &str) -> Result<LastActiveDates, Error> {
        let args = [self.org_id(), account_id];
        let mut merged: Option<LastActiveDates> = None;
        let mut cursor: Option<Cursor> = None;
        loop {
            let query = cursor
                .iter()
                .map(|c| ("cursor".to_owned(), c.as_str().to_owned()));
            let page: LastActivePage = self
                .fetch(Call::new(&LAST_ACTIVE_DATES, &args).query(query))
                .await?;
            match merged.as_mut() {
                None => merged = Some(page.data),
                Some(dates) => dates.product_access.extend(page.data.product_access),
            }
            cursor = page
                .links
                .and_then(|l| l.next)
                .and_then(|n| Cursor::from_link(&n));
            if cursor.is_none() {
                return Ok(merged.unwrap_or_default());
            }
        }
    }
}
