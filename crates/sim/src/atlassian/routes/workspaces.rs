//! `POST /admin/v2/orgs/{orgId}/workspaces`: workspaces with the body-cursor pagination.
//!
//! The body may hold `query`, `sort` and `limit` (default 20, at most 100); later pages
//! send `{"cursor": "<links.next>"}` alone (anything beside it is a 400) and get the
//! default page size. `meta.startIndex` is the 0-based index of the first item and
//! `meta.endIndex` the index just past the last. Supported query variants: `and`, `or`,
//! `nor`, `field` (`id`, `name`, `typeKey`, `type`, `status`, `hostUrl`) and
//! `searchWorkspaces` (partial match on name or URL). Errors are single ApplicationError
//! bodies.

use std::cmp::Ordering;

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Answer, check_org, ok};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::Workspace;
use crate::atlassian::pagination::{decode, encode};
use crate::atlassian::params::json_body;
use crate::atlassian::products;
use crate::atlassian::server::App;

const DEFAULT_PAGE_SIZE: usize = 20;
const MAX_PAGE_SIZE: usize = 100;

/// The continuation state kept in a workspaces cursor.
#[derive(Clone, Serialize, Deserialize)]
struct WorkspaceCursor {
    #[serde(rename = "o")]
    offset: usize,
    #[serde(rename = "q")]
    query: Option<Value>,
    #[serde(rename = "s")]
    sort: Option<Value>,
}

/// A parsed query variant.
enum Query {
    And(Vec<Query>),
    Or(Vec<Query>),
    Nor(Vec<Query>),
    Field { name: String, values: Vec<String> },
    Search(String),
}

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::admin(400, "ADMIN-400-24", detail)
}

impl Query {
    fn parse(value: &Value) -> Result<Query, ApiError> {
        let object = value
            .as_object()
            .filter(|o| o.len() == 1)
            .ok_or_else(|| invalid("A query has exactly one variant"))?;
        let (variant, body) = object.iter().next().expect("one entry");
        let list = || -> Result<Vec<Query>, ApiError> {
            body.as_array()
                .ok_or_else(|| invalid(format!("{variant} takes a list")))?
                .iter()
                .map(Query::parse)
                .collect()
        };
        match variant.as_str() {
            "and" => Ok(Query::And(list()?)),
            "or" => Ok(Query::Or(list()?)),
            "nor" => Ok(Query::Nor(list()?)),
            "field" => {
                #[derive(Deserialize)]
                struct Field {
                    name: String,
                    values: Vec<String>,
                }
                let field: Field = serde_json::from_value(body.clone())
                    .map_err(|e| invalid(format!("field: {e}")))?;
                if !FIELDS.contains(&field.name.as_str()) {
                    return Err(invalid(format!("Unknown field {}", field.name)));
                }
                Ok(Query::Field {
                    name: field.name,
                    values: field.values,
                })
            }
            "searchWorkspaces" => Ok(Query::Search(
                body.as_str()
                    .ok_or_else(|| invalid("searchWorkspaces takes text"))?
                    .to_lowercase(),
            )),
            other => Err(invalid(format!("Unsupported query variant {other}"))),
        }
    }

    fn matches(&self, workspace: &Workspace) -> bool {
        match self {
            Query::And(all) => all.iter().all(|q| q.matches(workspace)),
            Query::Or(any) => any.iter().any(|q| q.matches(workspace)),
            Query::Nor(none) => !none.iter().any(|q| q.matches(workspace)),
            Query::Field { name, values } => {
                values.iter().any(|v| v == field_value(workspace, name))
            }
            Query::Search(text) => {
                workspace.name.to_lowercase().contains(text)
                    || workspace.host_url.to_lowercase().contains(text)
            }
        }
    }
}

/// Fields a query or sort can name.
const FIELDS: &[&str] = &["id", "name", "typeKey", "type", "status", "hostUrl"];

/// A workspace's value of one of [`FIELDS`].
fn field_value<'a>(workspace: &'a Workspace, name: &str) -> &'a str {
    match name {
        "id" => &workspace.id,
        "name" => &workspace.name,
        "typeKey" => &workspace.product,
        "type" => products::label(&workspace.product),
        "status" => workspace.status.as_str(),
        _ => &workspace.host_url,
    }
}

/// Sorts by `[{"field","order"}]`.
fn sort(list: &mut [&Workspace], sort: Option<&Value>) -> Result<(), ApiError> {
    #[derive(Deserialize)]
    struct SortKey {
        field: String,
        #[serde(default)]
        order: Option<String>,
    }
    let Some(sort) = sort else { return Ok(()) };
    let keys: Vec<SortKey> =
        serde_json::from_value(sort.clone()).map_err(|e| invalid(format!("sort: {e}")))?;
    for key in &keys {
        if !FIELDS.contains(&key.field.as_str())
            || !matches!(key.order.as_deref(), None | Some("asc" | "desc"))
        {
            return Err(invalid(format!("Invalid sort key {}", key.field)));
        }
    }
    list.sort_by(|a, b| {
        keys.iter()
            .map(|key| {
                let order = field_value(a, &key.field).cmp(field_value(b, &key.field));
                if key.order.as_deref() == Some("desc") {
                    order.reverse()
                } else {
                    order
                }
            })
            .find(|order| *order != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });
    Ok(())
}

/// `POST /admin/v2/orgs/{orgId}/workspaces`
pub(crate) async fn query(
    State(app): State<App>,
    Path(org_id): Path<String>,
    body: Bytes,
) -> Answer {
    serve(&app, &org_id, &body).map_err(ApiError::single)
}

fn serve(app: &App, org_id: &str, body: &[u8]) -> Answer {
    let body: Map<String, Value> = json_body(body).map_err(invalid)?;
    let (state, limit) = match body.get("cursor") {
        Some(_) if body.len() > 1 => {
            return Err(invalid("cursor cannot be combined with other properties"));
        }
        Some(Value::String(token)) => (decode::<WorkspaceCursor>(token)?, DEFAULT_PAGE_SIZE),
        Some(_) => return Err(ApiError::bad_cursor()),
        None => {
            let limit = match body.get("limit") {
                None => DEFAULT_PAGE_SIZE,
                Some(limit) => limit
                    .as_u64()
                    .map(|l| l as usize)
                    .filter(|l| (1..=MAX_PAGE_SIZE).contains(l))
                    .ok_or_else(|| {
                        invalid(format!("limit must be between 1 and {MAX_PAGE_SIZE}"))
                    })?,
            };
            (
                WorkspaceCursor {
                    offset: 0,
                    query: body.get("query").cloned(),
                    sort: body.get("sort").cloned(),
                },
                limit,
            )
        }
    };
    let world = app.read();
    let org = world.org();
    check_org(org, org_id, false)?;
    let query = state.query.as_ref().map(Query::parse).transpose()?;
    let mut list: Vec<&Workspace> = org
        .workspaces
        .iter()
        .filter(|w| query.as_ref().is_none_or(|q| q.matches(w)))
        .collect();
    sort(&mut list, state.sort.as_ref())?;
    let total = list.len();
    let self_link =
        |w: &Workspace| app.url(&format!("admin/v2/orgs/{}/workspaces/{}", org.id, w.id));
    let data: Vec<Value> = list
        .iter()
        .skip(state.offset)
        .take(limit)
        .map(|w| {
            json!({
                "id": w.id,
                "type": "workspace",
                "attributes": {
                    "name": w.name,
                    "typeKey": w.product,
                    "type": products::label(&w.product),
                    "owner": org.id,
                    "status": w.status,
                    "statusDetails": [],
                    "icons": {},
                    "avatars": {},
                    "labels": [],
                    "sandbox": { "type": "NONE" },
                    "usage": world.usage(&w.id),
                    "capacity": w.capacity,
                    "createdAt": w.created_at,
                    "createdBy": null,
                    "updatedAt": w.created_at,
                    "hostUrl": w.host_url,
                    "realm": "us",
                    "regions": ["us-east-1"],
                },
                "links": { "self": self_link(w) },
                "relationships": {},
            })
        })
        .collect();
    let end = state.offset + data.len();
    let next = (end < total).then(|| {
        encode(&WorkspaceCursor {
            offset: end,
            ..state.clone()
        })
    });
    let mut links = json!({ "self": encode(&state) });
    if let Some(next) = next {
        links["next"] = json!(next);
    }
    ok(&json!({
        "data": data,
        "links": links,
        "meta": { "pageSize": limit, "startIndex": state.offset, "endIndex": end, "total": total },
    }))
}
