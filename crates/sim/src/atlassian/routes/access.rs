//! Directory access of a user: suspend and restore (v1 and v2), removal from a directory.
//! Org admins cannot be suspended (`400`).

use axum::extract::{Path, State};

use super::{Answer, Message, check_org, concrete_directory, no_content, ok};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::MembershipStatus;
use crate::atlassian::server::App;
use crate::atlassian::world::World;

/// Sets a member's membership status: the user must be in `directory` (any directory
/// when `None`), and org admins cannot be suspended.
fn set_membership(
    world: &mut World,
    directory: Option<&str>,
    account_id: &str,
    status: MembershipStatus,
) -> Result<(), ApiError> {
    let user = world
        .org()
        .user(account_id)
        .ok_or_else(|| ApiError::user_not_found(true))?;
    let member = match directory {
        Some(directory) => user.directory_id.as_deref() == Some(directory),
        None => user.directory_id.is_some(),
    };
    if !member {
        return Err(ApiError::user_not_found(true));
    }
    if status == MembershipStatus::Suspended && world.org().org_admins().contains(&account_id) {
        return Err(ApiError::bad_request(
            "Organization admins cannot be suspended",
        ));
    }
    world
        .user_mut(account_id)
        .expect("the user exists")
        .membership_status = status;
    Ok(())
}

/// v1 `POST .../directory/users/{accountId}/suspend-access` → `200 {"message"}`.
pub(crate) async fn v1_suspend(
    State(app): State<App>,
    Path((org_id, account_id)): Path<(String, String)>,
) -> Answer {
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    set_membership(&mut world, None, &account_id, MembershipStatus::Suspended)?;
    ok(&Message {
        message: format!("Access of user {account_id} is suspended"),
    })
}

/// v1 `POST .../directory/users/{accountId}/restore-access` → `200 {"message"}`.
pub(crate) async fn v1_restore(
    State(app): State<App>,
    Path((org_id, account_id)): Path<(String, String)>,
) -> Answer {
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    set_membership(&mut world, None, &account_id, MembershipStatus::Active)?;
    ok(&Message {
        message: format!("Access of user {account_id} is restored"),
    })
}

/// v2 `POST .../directories/{directoryId}/users/{accountId}/suspend` → 204.
pub(crate) async fn v2_suspend(State(app): State<App>, path: Path<DirectoryUser>) -> Answer {
    v2_set_membership(&app, path, MembershipStatus::Suspended)
}

/// v2 `POST .../directories/{directoryId}/users/{accountId}/restore` → 204.
pub(crate) async fn v2_restore(State(app): State<App>, path: Path<DirectoryUser>) -> Answer {
    v2_set_membership(&app, path, MembershipStatus::Active)
}

/// Path of a user in a directory: (org id, directory id, account id).
type DirectoryUser = (String, String, String);

/// Sets a user's membership in a concrete directory (v2 suspend / restore) → 204.
fn v2_set_membership(
    app: &App,
    Path((org_id, directory_id, account_id)): Path<DirectoryUser>,
    status: MembershipStatus,
) -> Answer {
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    let directory = concrete_directory(world.org(), &directory_id)?;
    set_membership(&mut world, Some(directory), &account_id, status)?;
    no_content()
}

/// v2 `DELETE .../directories/{directoryId}/users/{accountId}` → 204: the user loses the
/// directory's groups and product roles (a managed account stays listed as `not_invited`).
pub(crate) async fn remove_from_directory(
    State(app): State<App>,
    Path((org_id, directory_id, account_id)): Path<(String, String, String)>,
) -> Answer {
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    let directory = concrete_directory(world.org(), &directory_id)?;
    let member = world
        .org()
        .user(&account_id)
        .is_some_and(|u| u.directory_id.as_deref() == Some(directory));
    if !member {
        return Err(ApiError::user_not_found(true));
    }
    world.remove_from_directory(&account_id);
    no_content()
}
