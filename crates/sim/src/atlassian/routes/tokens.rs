//! API-access inventory: `GET /admin/api-access/v1/orgs/{orgId}/api-tokens`.

use axum::extract::{Path, RawQuery, State};
use serde::Serialize;

use super::{Answer, DataPage, check_org, ok};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::{ApiToken, ApiTokenStatus, Org};
use crate::atlassian::pagination::{Keyset, page_size};
use crate::atlassian::params::Params;
use crate::atlassian::server::App;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenView<'a> {
    id: &'a str,
    label: &'a str,
    status: ApiTokenStatus,
    created_at: &'a str,
    expires_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_active_at: Option<&'a str>,
    scopes: &'a [String],
    user: TokenOwner<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenOwner<'a> {
    id: &'a str,
    org_id: &'a str,
    name: &'a str,
    email: &'a str,
}

impl<'a> TokenView<'a> {
    fn new(org: &'a Org, token: &'a ApiToken) -> Self {
        let owner = org.user(&token.account_id);
        TokenView {
            id: &token.id,
            label: &token.label,
            status: token.status,
            created_at: &token.created_at,
            expires_at: &token.expires_at,
            last_active_at: token.last_active_at.as_deref(),
            scopes: &token.scopes,
            user: TokenOwner {
                id: &token.account_id,
                org_id: &org.id,
                name: owner.map_or("", |u| u.name.as_str()),
                email: owner.and_then(|u| u.email.as_deref()).unwrap_or(""),
            },
        }
    }
}

/// Tokens in id order; the page size is `pageSize` (vendor) or `limit` (what baton sends),
/// default 20, at most 1000.
pub(crate) async fn list(
    State(app): State<App>,
    Path(org_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params = Params::parse(query.as_deref());
    let size = params.get("pageSize").or(params.get("limit"));
    let limit = page_size(size, 20, 1000).map_err(ApiError::bad_request)?;
    let world = app.read();
    let org = world.org();
    check_org(org, &org_id, false)?;
    let cursor: Keyset<()> = Keyset::resume(params.get("cursor"), || Ok(()))?;
    let start = cursor.after.as_deref().map_or(0, |a| {
        org.api_tokens.partition_point(|t| t.id.as_str() <= a)
    });
    let (page, links) = cursor.page(org.api_tokens[start..].iter(), limit, |t| &t.id);
    ok(&DataPage {
        data: page.into_iter().map(|t| TokenView::new(org, t)).collect(),
        links,
    })
}
