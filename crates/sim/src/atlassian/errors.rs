//! Error bodies in the real service's shapes (spec "Error body shapes" 1–7).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::endpoints::Family;

/// An error answer. Each variant is one body shape of the real service.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// `{"errors":[{"id","status","code","title","detail"}]}` (org API, `ADMIN-…` and `ADMIN-UAM-…`).
    Envelope(AppError),
    /// A single unwrapped ApplicationError (workspaces query).
    Single(AppError),
    /// Gateway error `{"code": <number>, "message"}` (401, 429).
    Proxy { status: u16, message: String },
    /// User-management `{"key", "context"?}`.
    Lifecycle {
        status: u16,
        key: &'static str,
        context: Option<Value>,
    },
    /// SCIM `{"schemas","status","scimType"?,"detail"}`.
    Scim {
        status: u16,
        scim_type: Option<&'static str>,
        detail: String,
    },
    /// SCIM 401 / 403 `{"error","traceId"}`.
    ScimFailure { status: u16, error: String },
    /// Flat `{"message"}` (Teams REST).
    Flat { status: u16, message: String },
}

/// One application error of the `errors[]` envelope.
#[derive(Debug)]
pub(crate) struct AppError {
    status: u16,
    code: String,
    detail: String,
}

impl ApiError {
    /// `errors[]` envelope with an application code such as `ADMIN-404-2`.
    pub(crate) fn admin(status: u16, code: &str, detail: impl Into<String>) -> Self {
        ApiError::Envelope(AppError {
            status,
            code: code.to_string(),
            detail: detail.into(),
        })
    }

    /// The same error as a single unwrapped ApplicationError (workspaces).
    pub(crate) fn single(self) -> Self {
        match self {
            ApiError::Envelope(error) => ApiError::Single(error),
            other => other,
        }
    }

    /// `400 ADMIN-400-1`: the cursor is not one this server issued.
    pub(crate) fn bad_cursor() -> Self {
        ApiError::admin(400, "ADMIN-400-1", "Invalid page cursor")
    }

    /// `400 ADMIN-UAM-400-1`: malformed request (parameters or body).
    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::admin(400, "ADMIN-UAM-400-1", detail)
    }

    /// `404 ADMIN-404-2` / `ADMIN-UAM-404-2`: the path names another organization.
    pub(crate) fn org_not_found(uam: bool) -> Self {
        ApiError::admin(
            404,
            if uam {
                "ADMIN-UAM-404-2"
            } else {
                "ADMIN-404-2"
            },
            "Organization not found",
        )
    }

    /// `404 ADMIN-404-1`: unknown directory or other resource.
    pub(crate) fn unknown_resource(detail: impl Into<String>) -> Self {
        ApiError::admin(404, "ADMIN-404-1", detail)
    }

    /// `404 ADMIN-404-8` (reads) or `ADMIN-UAM-404-1` (writes): unknown user.
    pub(crate) fn user_not_found(uam: bool) -> Self {
        if uam {
            ApiError::admin(
                404,
                "ADMIN-UAM-404-1",
                "One or more user not found in the directory",
            )
        } else {
            ApiError::admin(404, "ADMIN-404-8", "User not found")
        }
    }

    /// `404 ADMIN-404-10` (reads) or `ADMIN-UAM-404-3` (writes): unknown group.
    pub(crate) fn group_not_found(uam: bool) -> Self {
        ApiError::admin(
            404,
            if uam {
                "ADMIN-UAM-404-3"
            } else {
                "ADMIN-404-10"
            },
            "Group not found",
        )
    }

    /// `400 ADMIN-UAM-400-5`: the resource is not one roles can be granted on.
    pub(crate) fn invalid_resource() -> Self {
        ApiError::admin(400, "ADMIN-UAM-400-5", "Cloud Resource is invalid")
    }

    /// `401 ADMIN-401-2`: an API key with scopes on an endpoint that needs one without.
    pub(crate) fn insufficient_scope() -> Self {
        ApiError::admin(
            401,
            "ADMIN-401-2",
            "The API key does not have the scopes this operation needs",
        )
    }

    /// Gateway `401 {"code":401,"message":"Unauthorized"}`.
    pub(crate) fn unauthenticated() -> Self {
        ApiError::Proxy {
            status: 401,
            message: "Unauthorized".into(),
        }
    }

    /// Gateway `429 {"code":429,"message":...}`.
    pub(crate) fn rate_limited() -> Self {
        ApiError::Proxy {
            status: 429,
            message: "Rate limit exceeded".into(),
        }
    }

    /// User-management error body.
    pub(crate) fn lifecycle(status: u16, key: &'static str, context: Option<Value>) -> Self {
        ApiError::Lifecycle {
            status,
            key,
            context,
        }
    }

    /// Teams REST error body.
    pub(crate) fn flat(status: u16, message: impl Into<String>) -> Self {
        ApiError::Flat {
            status,
            message: message.into(),
        }
    }

    /// A generic failure of `status` in the shape the endpoint family uses (injected faults,
    /// refusals of credentials).
    pub(crate) fn for_family(family: Family, status: u16, detail: &str) -> Self {
        if status == 429 {
            return ApiError::rate_limited();
        }
        match family {
            Family::Admin | Family::Workspaces if status == 401 => ApiError::unauthenticated(),
            Family::Admin => ApiError::admin(status, &format!("ADMIN-{status}-1"), detail),
            Family::Workspaces => {
                ApiError::admin(status, &format!("ADMIN-{status}-1"), detail).single()
            }
            Family::UserManagement => ApiError::lifecycle(status, lifecycle_key(status), None),
            Family::Scim if matches!(status, 401 | 403) => ApiError::ScimFailure {
                status,
                error: detail.into(),
            },
            Family::Scim => ApiError::Scim {
                status,
                scim_type: None,
                detail: detail.into(),
            },
            Family::Teams if status == 401 => ApiError::unauthenticated(),
            Family::Teams => ApiError::flat(status, detail),
        }
    }

    /// `"<code>: <detail>"` (or the body) for reporting inside another answer.
    pub(crate) fn reason(&self) -> String {
        match self {
            ApiError::Envelope(e) | ApiError::Single(e) => format!("{}: {}", e.code, e.detail),
            other => other.body().to_string(),
        }
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> u16 {
        match self {
            ApiError::Envelope(e) | ApiError::Single(e) => e.status,
            ApiError::Proxy { status, .. }
            | ApiError::Lifecycle { status, .. }
            | ApiError::Scim { status, .. }
            | ApiError::ScimFailure { status, .. }
            | ApiError::Flat { status, .. } => *status,
        }
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Value {
        match self {
            ApiError::Envelope(error) => json!({ "errors": [error.to_json()] }),
            ApiError::Single(error) => error.to_json(),
            ApiError::Proxy { status, message } => json!({ "code": status, "message": message }),
            ApiError::Lifecycle { key, context, .. } => match context {
                Some(context) => json!({ "key": key, "context": context }),
                None => json!({ "key": key }),
            },
            ApiError::Scim {
                status,
                scim_type,
                detail,
            } => {
                let mut body = json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": status.to_string(),
                    "detail": detail,
                });
                if let Some(scim_type) = scim_type {
                    body["scimType"] = json!(scim_type);
                }
                body
            }
            ApiError::ScimFailure { error, .. } => json!({ "error": error, "traceId": next_id() }),
            ApiError::Flat { message, .. } => json!({ "message": message }),
        }
    }
}

/// `key` of a user-management error for a status.
fn lifecycle_key(status: u16) -> &'static str {
    match status {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "notFound",
        409 => "conflict.lifecycleErrors",
        _ => "internalServerError",
    }
}

impl AppError {
    fn to_json(&self) -> Value {
        let title = StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        json!({
            "id": next_id(),
            "status": self.status.to_string(),
            "code": self.code,
            "title": title,
            "detail": self.detail,
        })
    }
}

/// A fresh id for an error occurrence (`id` / `traceId`).
fn next_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{:032x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            self.body().to_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_answers_in_its_own_shape() {
        let admin = ApiError::for_family(Family::Admin, 500, "boom").body();
        assert_eq!(admin["errors"][0]["code"], "ADMIN-500-1");
        assert_eq!(admin["errors"][0]["status"], "500");
        let workspaces = ApiError::for_family(Family::Workspaces, 503, "down").body();
        assert_eq!(workspaces["code"], "ADMIN-503-1");
        assert_eq!(
            ApiError::for_family(Family::Admin, 401, "x").body(),
            json!({"code": 401, "message": "Unauthorized"})
        );
        assert_eq!(
            ApiError::for_family(Family::Teams, 429, "x").body()["code"],
            429
        );
        assert_eq!(
            ApiError::for_family(Family::UserManagement, 404, "x").body(),
            json!({"key": "notFound"})
        );
        assert!(ApiError::for_family(Family::Scim, 401, "no").body()["traceId"].is_string());
        assert_eq!(
            ApiError::for_family(Family::Scim, 500, "x").body()["status"],
            "500"
        );
        assert_eq!(
            ApiError::for_family(Family::Teams, 500, "oops").body(),
            json!({"message": "oops"})
        );
    }
}
