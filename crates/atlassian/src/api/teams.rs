//! Teams public REST API: teams of the organization and their members (Basic auth).

use crate::client::{Call, Client};
use crate::endpoints::{
    ADD_TEAM_MEMBERS, Endpoint, GET_TEAM, LIST_TEAM_MEMBERS, LIST_TEAMS, REMOVE_TEAM_MEMBERS,
};
use crate::error::{ApiError, Error, is_already_done};
use crate::models::{
    MemberRef, MembersChange, MembersPage, MembersQuery, Outcome, Team, TeamMember,
    TeamMemberError, TeamMembersChange, TeamsPage,
};
use crate::pagination::{Cursor, ItemStream, Page, stream_items};

/// Largest `size` of the teams list.
const TEAMS_PAGE_SIZE: u32 = 300;
/// `first` of the team members list: its documented default (no maximum is documented).
const TEAM_MEMBERS_PAGE_SIZE: u32 = 50;

fn site_query(site_id: &str) -> [(String, String); 1] {
    [("siteId".to_owned(), site_id.to_owned())]
}

impl Client {
    /// One page of the organization's teams visible on site `site_id` (the cloudId)
    /// (`GET /public/teams/v1/org/{orgId}/teams`, 300 per page).
    pub async fn teams_page(
        &self,
        site_id: &str,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Team>, Error> {
        let mut query = vec![("size".to_owned(), TEAMS_PAGE_SIZE.to_string())];
        query.extend(site_query(site_id));
        if let Some(cursor) = cursor {
            query.push(("cursor".to_owned(), cursor.as_str().to_owned()));
        }
        let page: TeamsPage = self
            .fetch(Call::new(&LIST_TEAMS, &[self.org_id()]).query(query))
            .await?;
        let next = page.cursor.as_deref().and_then(Cursor::from_link);
        // An empty page ends the listing even if the service hands out a cursor.
        let next = next.filter(|_| !page.entities.is_empty());
        Ok(Page {
            items: page.entities,
            next,
        })
    }

    /// Every team visible on site `site_id`.
    pub fn teams(&self, site_id: &str) -> ItemStream<Team> {
        let client = self.clone();
        let site_id = site_id.to_owned();
        stream_items(move |cursor| {
            let (client, site_id) = (client.clone(), site_id.clone());
            async move { client.teams_page(&site_id, cursor.as_ref()).await }
        })
    }

    /// One team (`GET .../teams/{teamId}`); a deleted team is [`Error::NotFound`].
    pub async fn team(&self, team_id: &str, site_id: &str) -> Result<Team, Error> {
        self.fetch(Call::new(&GET_TEAM, &[self.org_id(), team_id]).query(site_query(site_id)))
            .await
    }

    /// One page of a team's members (`POST .../teams/{teamId}/members`, Relay style).
    pub async fn team_members_page(
        &self,
        team_id: &str,
        site_id: &str,
        cursor: Option<&Cursor>,
    ) -> Result<Page<TeamMember>, Error> {
        let body = MembersQuery {
            first: TEAM_MEMBERS_PAGE_SIZE,
            after: cursor.map(Cursor::as_str),
        };
        let call = Call::new(&LIST_TEAM_MEMBERS, &[self.org_id(), team_id])
            .query(site_query(site_id))
            .json(&body);
        let page: MembersPage = self.fetch(call).await?;
        let next = page
            .page_info
            .filter(|info| info.has_next_page)
            .and_then(|info| info.end_cursor)
            .and_then(|c| Cursor::from_link(&c));
        Ok(Page {
            items: page.results,
            next,
        })
    }

    /// Every member of a team.
    pub fn team_members(&self, team_id: &str, site_id: &str) -> ItemStream<TeamMember> {
        let client = self.clone();
        let (team_id, site_id) = (team_id.to_owned(), site_id.to_owned());
        stream_items(move |cursor| {
            let (client, team_id, site_id) = (client.clone(), team_id.clone(), site_id.clone());
            async move {
                client
                    .team_members_page(&team_id, &site_id, cursor.as_ref())
                    .await
            }
        })
    }

    /// Adds members to a team (`POST .../teams/{teamId}/members/add`).
    pub async fn add_team_members(
        &self,
        team_id: &str,
        site_id: &str,
        account_ids: &[&str],
    ) -> Result<TeamMembersChange, Error> {
        self.change_team_members(&ADD_TEAM_MEMBERS, team_id, site_id, account_ids)
            .await
    }

    /// Removes members from a team (`POST .../teams/{teamId}/members/remove`).
    pub async fn remove_team_members(
        &self,
        team_id: &str,
        site_id: &str,
        account_ids: &[&str],
    ) -> Result<TeamMembersChange, Error> {
        self.change_team_members(&REMOVE_TEAM_MEMBERS, team_id, site_id, account_ids)
            .await
    }

    /// Adds one member; an existing member is [`Outcome::AlreadyDone`], an unknown account
    /// [`Error::NotFound`].
    pub async fn add_team_member(
        &self,
        team_id: &str,
        site_id: &str,
        account_id: &str,
    ) -> Result<Outcome, Error> {
        let change = self
            .add_team_members(team_id, site_id, &[account_id])
            .await?;
        member_outcome(&ADD_TEAM_MEMBERS, change)
    }

    /// Removes one member; a user who was not a member is [`Outcome::AlreadyDone`].
    pub async fn remove_team_member(
        &self,
        team_id: &str,
        site_id: &str,
        account_id: &str,
    ) -> Result<Outcome, Error> {
        let change = self
            .remove_team_members(team_id, site_id, &[account_id])
            .await?;
        member_outcome(&REMOVE_TEAM_MEMBERS, change)
    }

    async fn change_team_members(
        &self,
        endpoint: &'static Endpoint,
        team_id: &str,
        site_id: &str,
        account_ids: &[&str],
    ) -> Result<TeamMembersChange, Error> {
        let members = account_ids
            .iter()
            .map(|account_id| MemberRef { account_id })
            .collect();
        let call = Call::new(endpoint, &[self.org_id(), team_id])
            .query(site_query(site_id))
            .json(&MembersChange { members });
        self.fetch(call).await
    }
}

/// The outcome of a one-member change, from its per-member errors.
fn member_outcome(
    endpoint: &'static Endpoint,
    change: TeamMembersChange,
) -> Result<Outcome, Error> {
    let Some(failure) = change.errors.into_iter().next() else {
        return Ok(Outcome::Done);
    };
    let error = member_error(endpoint, failure);
    if is_already_done(&error) {
        Ok(Outcome::AlreadyDone)
    } else {
        Err(error)
    }
}

/// The [`Error`] a per-member error code stands for.
fn member_error(endpoint: &'static Endpoint, failure: TeamMemberError) -> Error {
    let code = failure
        .code
        .clone()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let api = ApiError {
        code: failure.code,
        detail: failure.message,
    };
    let endpoint = endpoint.key;
    if code.contains("ALREADY") {
        Error::AlreadyExists { endpoint, api }
    } else if code.contains("MEMBER_NOT_FOUND") || code.contains("NOT_A_MEMBER") {
        Error::NotAMember { endpoint, api }
    } else if code.contains("NOT_FOUND") {
        Error::NotFound { endpoint, api }
    } else {
        Error::Conflict { endpoint, api }
    }
}
