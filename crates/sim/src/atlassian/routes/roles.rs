//! Workspace roles of users (`roles/assign|revoke`, Support-gated) and org-level roles
//! (`role-assignments/assign|revoke`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;

use super::{Answer, check_org, no_content};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::{Org, Principal, RoleAssignment, User, Workspace};
use crate::atlassian::params::json_body;
use crate::atlassian::products::{self, ORG_ADMIN, valid_roles};
use crate::atlassian::server::App;
use crate::atlassian::world::World;

/// The workspace a role can be granted on: a listed workspace other than `jira-admin`
/// (`400 ADMIN-UAM-400-5` otherwise) whose product accepts the role (`400 ADMIN-UAM-400-3`).
pub(crate) fn grantable_workspace<'a>(
    org: &'a Org,
    resource: &str,
    role: &str,
) -> Result<&'a Workspace, ApiError> {
    let workspace = org
        .workspace(resource)
        .filter(|w| w.product != "jira-admin")
        .ok_or_else(ApiError::invalid_resource)?;
    if !valid_roles(&workspace.product).contains(&role) {
        return Err(ApiError::admin(
            400,
            "ADMIN-UAM-400-3",
            format!("Role {role} is not valid for resource {resource}"),
        ));
    }
    Ok(workspace)
}

/// `400 ADMIN-UAM-400-2` unless the account can be given access.
fn check_active(user: &User) -> Result<(), ApiError> {
    if user.is_active() {
        Ok(())
    } else {
        Err(ApiError::admin(
            400,
            "ADMIN-UAM-400-2",
            "The user is inactive",
        ))
    }
}

/// Checks that a user may get `role` on `resource`: an active account, a grantable
/// workspace and role, and a free licence seat for billable roles (`409 ADMIN-UAM-409-3`).
pub(crate) fn check_user_grant(
    world: &World,
    user: &User,
    resource: &str,
    role: &str,
) -> Result<(), ApiError> {
    check_active(user)?;
    let workspace = grantable_workspace(world.org(), resource, role)?;
    let needs_seat = products::is_billable(role) && !world.holds_seat(&user.account_id, resource);
    if needs_seat
        && workspace
            .capacity
            .is_some_and(|capacity| world.usage(resource) >= capacity)
    {
        return Err(ApiError::admin(
            409,
            "ADMIN-UAM-409-3",
            "Product licence limit exceeded",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
struct RoleBody {
    role: String,
    #[serde(default)]
    resource: Option<String>,
}

/// The user a path names (write codes).
fn target<'a>(world: &'a World, org_id: &str, user_id: &str) -> Result<&'a User, ApiError> {
    check_org(world.org(), org_id, true)?;
    world
        .org()
        .user(user_id)
        .ok_or_else(|| ApiError::user_not_found(true))
}

/// `POST /admin/v1/orgs/{orgId}/users/{userId}/roles/assign` `{"role","resource"}` → 204.
/// `atlassian/org-admin` ignores the resource.
pub(crate) async fn assign(
    State(app): State<App>,
    Path((org_id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let body: RoleBody = json_body(&body).map_err(ApiError::bad_request)?;
    let mut world = app.write();
    let user = target(&world, &org_id, &user_id)?;
    let resource = if body.role == ORG_ADMIN {
        check_active(user)?;
        world.org().ari()
    } else {
        let resource = body.resource.unwrap_or_default();
        check_user_grant(&world, user, &resource, &body.role)?;
        resource
    };
    world.grant(RoleAssignment::new(
        Principal::User(user_id),
        resource,
        body.role,
    ));
    no_content()
}

/// `POST /admin/v1/orgs/{orgId}/users/{userId}/roles/revoke` → 204; 404 when not held.
pub(crate) async fn revoke(
    State(app): State<App>,
    Path((org_id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let body: RoleBody = json_body(&body).map_err(ApiError::bad_request)?;
    let mut world = app.write();
    target(&world, &org_id, &user_id)?;
    let resource = if body.role == ORG_ADMIN {
        world.org().ari()
    } else {
        let resource = body.resource.unwrap_or_default();
        world
            .org()
            .workspace(&resource)
            .filter(|w| w.product != "jira-admin")
            .ok_or_else(ApiError::invalid_resource)?;
        resource
    };
    revoke_row(
        &mut world,
        RoleAssignment::new(Principal::User(user_id), resource, body.role),
    )
}

fn revoke_row(world: &mut World, row: RoleAssignment) -> Answer {
    if !world.revoke(&row) {
        return Err(ApiError::admin(
            404,
            "ADMIN-UAM-404-1",
            "The user does not hold this role",
        ));
    }
    no_content()
}

/// The org-level role a body names (only `atlassian/org-admin` exists).
fn org_role(body: &Bytes) -> Result<String, ApiError> {
    let body: RoleBody = json_body(body).map_err(ApiError::bad_request)?;
    if body.role != ORG_ADMIN {
        return Err(ApiError::admin(
            400,
            "ADMIN-UAM-400-3",
            format!("Role {} is not an organization role", body.role),
        ));
    }
    Ok(body.role)
}

/// `POST /admin/v1/orgs/{orgId}/users/{userId}/role-assignments/assign` `{"role"}` → 204.
pub(crate) async fn assign_org_role(
    State(app): State<App>,
    Path((org_id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let role = org_role(&body)?;
    let mut world = app.write();
    check_active(target(&world, &org_id, &user_id)?)?;
    let org_ari = world.org().ari();
    world.grant(RoleAssignment::new(Principal::User(user_id), org_ari, role));
    no_content()
}

/// `POST /admin/v1/orgs/{orgId}/users/{userId}/role-assignments/revoke` `{"role"}` → 204;
/// 404 when not held.
pub(crate) async fn revoke_org_role(
    State(app): State<App>,
    Path((org_id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let role = org_role(&body)?;
    let mut world = app.write();
    target(&world, &org_id, &user_id)?;
    let org_ari = world.org().ari();
    revoke_row(
        &mut world,
        RoleAssignment::new(Principal::User(user_id), org_ari, role),
    )
}
