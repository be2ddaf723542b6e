//! Teams REST API (`/public/teams/v1/org/{orgId}/...`, Basic auth): list, one team,
//! members (Relay-style page), add and remove members. Errors are `{"message"}`.

use std::ops::Bound;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Answer, ok};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::{Org, Team, TeamState, TeamType};
use crate::atlassian::pagination::{Keyset, encode, page_size, take_page};
use crate::atlassian::params::{Params, json_body};
use crate::atlassian::server::App;
use crate::atlassian::world::World;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TeamView<'a> {
    team_id: &'a str,
    display_name: &'a str,
    description: &'a str,
    organization_id: &'a str,
    state: TeamState,
    team_type: TeamType,
    #[serde(skip_serializing_if = "Option::is_none")]
    creator_id: Option<&'a str>,
}

impl<'a> TeamView<'a> {
    fn new(org: &'a Org, team: &'a Team) -> Self {
        TeamView {
            team_id: &team.team_id,
            display_name: &team.display_name,
            description: &team.description,
            organization_id: &org.id,
            state: team.state,
            team_type: team.team_type,
            creator_id: team.creator_id.as_deref(),
        }
    }
}

fn check_org(org: &Org, org_id: &str) -> Result<(), ApiError> {
    if org.id == org_id {
        Ok(())
    } else {
        Err(ApiError::flat(404, "Organization not found"))
    }
}

/// A live team: 404 unknown, 410 deleted.
fn live_team<'a>(org: &'a Org, team_id: &str) -> Result<&'a Team, ApiError> {
    match org.team(team_id) {
        None => Err(ApiError::flat(404, "Team not found")),
        Some(team) if team.deleted => Err(ApiError::flat(410, "Team has been deleted")),
        Some(team) => Ok(team),
    }
}

/// `GET .../teams?siteId=&size=&cursor=` → `{"entities","cursor"}`; size default 50, at
/// most 300. Org-wide teams always, site-scoped ones only for their `siteId`.
pub(crate) async fn list(
    State(app): State<App>,
    Path(org_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params = Params::parse(query.as_deref());
    let size = page_size(params.get("size"), 50, 300).map_err(|e| ApiError::flat(400, e))?;
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id)?;
    let cursor = Keyset::resume(params.get("cursor"), || {
        Ok(params.get("siteId").map(str::to_string))
    })
    .map_err(|_| ApiError::flat(400, "Invalid cursor"))?;
    let site = cursor.filter.as_deref();
    let start = cursor.after.as_deref().map_or(0, |a| {
        org.teams.partition_point(|t| t.team_id.as_str() <= a)
    });
    let teams = org.teams[start..]
        .iter()
        .filter(|t| !t.deleted && t.site_id.as_deref().is_none_or(|s| Some(s) == site));
    let (page, links) = cursor.page(teams, size, |t| &t.team_id);
    let entities: Vec<TeamView> = page.into_iter().map(|t| TeamView::new(org, t)).collect();
    ok(&json!({ "entities": entities, "cursor": links.next }))
}

/// `GET .../teams/{teamId}` → the team with `userPermissions`.
pub(crate) async fn get(
    State(app): State<App>,
    Path((org_id, team_id)): Path<(String, String)>,
) -> Answer {
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id)?;
    let team = live_team(org, &team_id)?;
    let mut body = serde_json::to_value(TeamView::new(org, team)).expect("teams serialize");
    body["userPermissions"] = json!({
        "UPDATE_TEAM": true,
        "DELETE_TEAM": true,
        "ADD_MEMBER_TO_TEAM": true,
        "REMOVE_MEMBER_FROM_TEAM": true,
    });
    ok(&body)
}

/// `POST .../teams/{teamId}/members` `{"first","after"}` → `{"pageInfo","results"}`;
/// `first` default 50, at most 100.
pub(crate) async fn members(
    State(app): State<App>,
    Path((org_id, team_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    #[derive(Deserialize)]
    struct MembersPage {
        first: Option<usize>,
        after: Option<String>,
    }
    let body: MembersPage = json_body(&body).map_err(|e| ApiError::flat(400, e))?;
    let first = page_size(body.first.map(|f| f.to_string()).as_deref(), 50, 100)
        .map_err(|e| ApiError::flat(400, e))?;
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id)?;
    live_team(org, &team_id)?;
    let cursor: Keyset<()> = Keyset::resume(body.after.as_deref(), || Ok(()))
        .map_err(|_| ApiError::flat(400, "Invalid cursor"))?;
    let after = cursor
        .after
        .as_deref()
        .map_or(Bound::Unbounded, Bound::Excluded);
    let members = org
        .team_members
        .get(&team_id)
        .into_iter()
        .flat_map(|m| m.range::<str, _>((after, Bound::Unbounded)));
    let (page, more) = take_page(members, first);
    let end_cursor = page.last().map(|last| {
        encode(&Keyset {
            filter: (),
            after: Some(last.to_string()),
        })
    });
    let results: Vec<_> = page.iter().map(|id| json!({ "accountId": id })).collect();
    ok(&json!({ "pageInfo": { "endCursor": end_cursor, "hasNextPage": more }, "results": results }))
}

#[derive(Deserialize)]
struct MemberChanges {
    members: Vec<MemberRef>,
}

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct MemberRef {
    account_id: String,
}

/// Why a member change was refused: `(code, message)`.
type Refusal = (&'static str, &'static str);

/// Applies `change` to each listed member → `{"members": [done...], "errors": [...]}`.
fn change_members(
    app: &App,
    org_id: &str,
    team_id: &str,
    body: &Bytes,
    change: fn(&mut World, &str, &str) -> Result<(), Refusal>,
) -> Answer {
    let body: MemberChanges = json_body(body).map_err(|e| ApiError::flat(400, e))?;
    let mut world = app.write();
    check_org(world.org(), org_id)?;
    live_team(world.org(), team_id)?;
    let mut done = Vec::new();
    let mut errors = Vec::new();
    for member in body.members {
        match change(&mut world, team_id, &member.account_id) {
            Ok(()) => done.push(member),
            Err((code, message)) => errors
                .push(json!({ "accountId": member.account_id, "code": code, "message": message })),
        }
    }
    ok(&json!({ "members": done, "errors": errors }))
}

/// `POST .../teams/{teamId}/members/add` `{"members":[{"accountId"}]}`; adding a member
/// twice succeeds, unknown accounts are reported in `errors`.
pub(crate) async fn add_members(
    State(app): State<App>,
    Path((org_id, team_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    change_members(&app, &org_id, &team_id, &body, |world, team, account| {
        if world.org().user(account).is_none() {
            return Err(("USER_NOT_FOUND", "No such user"));
        }
        world.add_team_member(team, account);
        Ok(())
    })
}

/// `POST .../teams/{teamId}/members/remove` `{"members":[{"accountId"}]}`; non-members are
/// reported in `errors`.
pub(crate) async fn remove_members(
    State(app): State<App>,
    Path((org_id, team_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    change_members(&app, &org_id, &team_id, &body, |world, team, account| {
        if world.remove_team_member(team, account) {
            Ok(())
        } else {
            Err(("MEMBER_NOT_FOUND", "The user is not a member of the team"))
        }
    })
}
