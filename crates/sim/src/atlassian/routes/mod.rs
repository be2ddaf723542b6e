//! The API routes, one file per API family, and what they share.

mod access;
mod assignments;
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

use axum::Router;
use axum::handler::Handler;
use axum::http::{Method, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};
use serde::Serialize;

use super::admin;
use super::endpoints::{self as ep, split};
use super::errors::ApiError;
use super::gateway::gateway;
use super::model::Org;
use super::pagination::Links;
use super::server::App;

/// What a handler answers.
pub(crate) type Answer = Result<Response, ApiError>;

/// The whole HTTP surface: API routes behind the gateway, the admin routes, fallbacks.
pub(crate) fn router(app: App) -> Router {
    let api = Router::new();
    let api = add(api, ep::ORGS, orgs::list);
    let api = add(api, ep::ORG, orgs::get);
    let api = add(api, ep::V1_USERS, orgs::v1_users);
    let api = add(api, ep::DIRECTORIES, users::directories);
    let api = add(api, ep::USERS, users::list);
    let api = add(api, ep::USERS_SEARCH, users::search);
    let api = add(api, ep::USERS_COUNT, users::count);
    let api = add(api, ep::USERS_STATS, users::stats);
    let api = add(api, ep::USER, users::get);
    let api = add(api, ep::USER_ROLE_ASSIGNMENTS, users::role_assignments);
    let api = add(api, ep::LAST_ACTIVE_DATES, users::last_active_dates);
    let api = add(api, ep::GROUPS, groups::list);
    let api = add(api, ep::GROUP_CREATE, groups::create);
    let api = add(api, ep::GROUP, groups::get);
    let api = add(api, ep::GROUP_DELETE, groups::delete);
    let api = add(api, ep::GROUP_MEMBER_ADD, groups::add_member);
    let api = add(api, ep::GROUP_MEMBER_REMOVE, groups::remove_member);
    let api = add(api, ep::GROUP_ROLE_ASSIGNMENTS, groups::role_assignments);
    let api = add(api, ep::GROUP_ROLE_ASSIGN, groups::assign_role);
    let api = add(api, ep::GROUP_ROLE_REVOKE, groups::revoke_role);
    let api = add(api, ep::V1_GROUP_MEMBER_ADD, groups::v1_add_member);
    let api = add(api, ep::V1_GROUP_MEMBER_REMOVE, groups::v1_remove_member);
    let api = add(api, ep::WORKSPACES, workspaces::query);
    let api = add(api, ep::ROLES_ASSIGN, roles::assign);
    let api = add(api, ep::ROLES_REVOKE, roles::revoke);
    let api = add(api, ep::ORG_ROLE_ASSIGN, roles::assign_org_role);
    let api = add(api, ep::ORG_ROLE_REVOKE, roles::revoke_org_role);
    let api = add(api, ep::V1_INVITE, invites::v1);
    let api = add(api, ep::V2_INVITE, invites::v2);
    let api = add(api, ep::V1_SUSPEND, access::v1_suspend);
    let api = add(api, ep::V1_RESTORE, access::v1_restore);
    let api = add(api, ep::V2_SUSPEND, access::v2_suspend);
    let api = add(api, ep::V2_RESTORE, access::v2_restore);
    let api = add(
        api,
        ep::REMOVE_FROM_DIRECTORY,
        access::remove_from_directory,
    );
    let api = add(api, ep::LIFECYCLE_DELETE, lifecycle::delete);
    let api = add(api, ep::LIFECYCLE_DISABLE, lifecycle::disable);
    let api = add(api, ep::LIFECYCLE_ENABLE, lifecycle::enable);
    let api = add(api, ep::SCIM_CREATE_USER, scim::create_user);
    let api = add(api, ep::API_TOKENS, tokens::list);
    let api = add(api, ep::TEAMS, teams::list);
    let api = add(api, ep::TEAM, teams::get);
    let api = add(api, ep::TEAM_MEMBERS, teams::members);
    let api = add(api, ep::TEAM_MEMBERS_ADD, teams::add_members);
    let api = add(api, ep::TEAM_MEMBERS_REMOVE, teams::remove_members);
    api.route_layer(middleware::from_fn_with_state(app.clone(), gateway))
        .merge(admin::router())
        .method_not_allowed_fallback(|| async {
            ApiError::admin(405, "ADMIN-405-1", "Method not supported")
        })
        .fallback(|| async { ApiError::unknown_resource("No such endpoint") })
        .with_state(app)
}

/// Routes an endpoint key to its handler.
fn add<H, T>(router: Router<App>, key: &'static str, handler: H) -> Router<App>
where
    H: Handler<T, App>,
    T: 'static,
{
    let (method, path) = split(key);
    let method: Method = method.parse().expect("endpoint keys start with a method");
    let filter = MethodFilter::try_from(method).expect("endpoint methods are routable");
    router.route(path, on(filter, handler))
}

/// A JSON response.
pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).expect("responses serialize");
    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// `200` with a JSON body.
pub(crate) fn ok<T: Serialize>(body: &T) -> Answer {
    Ok(json(StatusCode::OK, body))
}

/// `204 No Content`.
pub(crate) fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `{"data": ...}`.
#[derive(Serialize)]
pub(crate) struct Data<T> {
    pub(crate) data: T,
}

/// `{"data": [...], "links": {...}}`.
#[derive(Serialize)]
pub(crate) struct DataPage<T> {
    pub(crate) data: Vec<T>,
    pub(crate) links: Links,
}

/// `{"message": ...}` (v1 directory writes).
#[derive(Serialize)]
pub(crate) struct Message {
    pub(crate) message: String,
}

/// `404` unless the path names this organization (`uam`: user-access-management code).
pub(crate) fn check_org(org: &Org, org_id: &str, uam: bool) -> Result<(), ApiError> {
    if org.id == org_id {
        Ok(())
    } else {
        Err(ApiError::org_not_found(uam))
    }
}

/// The `-` alias: every directory.
pub(crate) const ALL_DIRECTORIES: &str = "-";

/// Writes need a concrete directory id; `-` is for reads.
pub(crate) fn concrete_directory<'a>(
    org: &Org,
    directory_id: &'a str,
) -> Result<&'a str, ApiError> {
    if directory_id == ALL_DIRECTORIES {
        return Err(ApiError::bad_request(
            "A directory id is required; '-' is only accepted by reads",
        ));
    }
    match org.directory(directory_id) {
        Some(_) => Ok(directory_id),
        None => Err(ApiError::admin(
            404,
            "ADMIN-UAM-404-1",
            "Directory not found",
        )),
    }
}

/// The current time as RFC 3339 (seconds, UTC), for records written by requests.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Picture URL of an account.
pub(crate) fn picture(account_id: &str) -> String {
    format!("https://avatar-management.services.atlassian.com/{account_id}/48")
}
