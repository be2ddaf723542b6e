//! v1 organizations and v1 managed accounts (snake_case, links as full URLs).

use axum::extract::{Path, RawQuery, State};
use serde::Serialize;
use serde_json::json;

use super::assignments;
use super::{Answer, Data, check_org, ok, picture};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::{AccountStatus, AccountType, ClaimStatus, Org, User};
use crate::atlassian::pagination::Keyset;
use crate::atlassian::params::Params;
use crate::atlassian::products;
use crate::atlassian::server::App;
use crate::atlassian::world::World;

/// Page size of the v1 users list (it takes no size parameter).
const V1_PAGE_SIZE: usize = 100;

fn org_view(app: &App, org: &Org) -> serde_json::Value {
    let this = app.url(&format!("admin/v1/orgs/{}", org.id));
    json!({
        "id": org.id,
        "type": "orgs",
        "attributes": { "name": org.name },
        "relationships": {
            "domains": { "links": { "related": format!("{this}/domains") } },
            "users": { "links": { "related": format!("{this}/users") } },
        },
        "links": { "self": this },
    })
}

/// `GET /admin/v1/orgs`: the key's one organization, one page (so any cursor is unknown).
pub(crate) async fn list(State(app): State<App>, RawQuery(query): RawQuery) -> Answer {
    if Params::parse(query.as_deref()).get("cursor").is_some() {
        return Err(ApiError::bad_cursor());
    }
    let world = app.read();
    ok(&json!({
        "data": [org_view(&app, world.org())],
        "links": { "self": app.url("admin/v1/orgs") },
    }))
}

/// `GET /admin/v1/orgs/{orgId}`
pub(crate) async fn get(State(app): State<App>, Path(org_id): Path<String>) -> Answer {
    let world = app.read();
    check_org(world.org(), &org_id, false)?;
    ok(&Data {
        data: org_view(&app, world.org()),
    })
}

/// A v1 managed account.
#[derive(Serialize)]
struct V1User<'a> {
    account_id: &'a str,
    account_type: AccountType,
    account_status: AccountStatus,
    name: &'a str,
    picture: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    access_billable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_active: Option<&'a str>,
    product_access: Vec<V1Product<'a>>,
    links: V1Links,
}

#[derive(Serialize)]
struct V1Product<'a> {
    key: &'static str,
    name: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_active: Option<&'a str>,
}

#[derive(Serialize)]
struct V1Links {
    #[serde(rename = "self")]
    this: String,
}

impl<'a> V1User<'a> {
    fn new(app: &App, world: &'a World, user: &'a User) -> Self {
        let org = world.org();
        let holdings = assignments::of_user(world, &user.account_id);
        let mut billable = false;
        let mut product_access = Vec::new();
        for (resource, roles) in &holdings {
            billable |= roles.keys().any(|role| products::is_billable(role));
            let Some(workspace) = org.workspace(resource) else {
                continue;
            };
            if let Some(key) = products::v1_key(&workspace.product) {
                product_access.push(V1Product {
                    key,
                    name: products::label(&workspace.product),
                    url: &workspace.host_url,
                    last_active: user.last_active.as_deref(),
                });
            }
        }
        V1User {
            account_id: &user.account_id,
            account_type: user.account_type,
            account_status: user.account_status,
            name: &user.name,
            picture: picture(&user.account_id),
            email: user.email.as_deref(),
            access_billable: billable,
            last_active: user.last_active.as_deref(),
            product_access,
            links: V1Links {
                this: app.url(&format!("users/{}/manage", user.account_id)),
            },
        }
    }
}

/// `GET /admin/v1/orgs/{orgId}/users`: managed accounts only, `meta.total`, and links that
/// are full URLs carrying `?cursor=`.
pub(crate) async fn v1_users(
    State(app): State<App>,
    Path(org_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params = Params::parse(query.as_deref());
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id, false)?;
    let cursor: Keyset<()> = Keyset::resume(params.get("cursor"), || Ok(()))?;
    let managed = |u: &&User| u.claim_status == ClaimStatus::Managed;
    let start = cursor.after.as_deref().map_or(0, |a| {
        org.users.partition_point(|u| u.account_id.as_str() <= a)
    });
    let (page, links) = cursor.page(
        org.users[start..].iter().filter(managed),
        V1_PAGE_SIZE,
        |u| &u.account_id,
    );
    let url = |token: &str| app.url(&format!("admin/v1/orgs/{}/users?cursor={token}", org.id));
    let this = match &cursor.after {
        Some(_) => url(&links.this),
        None => app.url(&format!("admin/v1/orgs/{}/users", org.id)),
    };
    let data: Vec<V1User> = page
        .into_iter()
        .map(|u| V1User::new(&app, &world, u))
        .collect();
    let mut body = json!({
        "data": data,
        "meta": { "total": org.users.iter().filter(managed).count() },
        "links": { "self": this },
    });
    if let Some(next) = links.next {
        body["links"]["next"] = json!(url(&next));
    }
    ok(&body)
}
