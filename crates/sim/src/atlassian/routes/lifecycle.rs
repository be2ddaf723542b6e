//! User management lifecycle of managed accounts (`/users/{accountId}/manage/lifecycle/...`):
//! delete (14-day grace: `for_deletion`), disable, enable. Errors are `{"key", "context"?}`.

use axum::extract::{Path, State};
use serde_json::json;

use super::{Answer, Message, no_content, now, ok};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::{AccountStatus, ClaimStatus, User};
use crate::atlassian::server::App;
use crate::atlassian::world::World;

/// The managed account a path names: 404 `accountNotFound`, 403 `forbidden.action` for
/// accounts the org does not manage.
fn managed_account<'a>(world: &'a mut World, account_id: &str) -> Result<&'a mut User, ApiError> {
    let user = world
        .user_mut(account_id)
        .ok_or_else(|| ApiError::lifecycle(404, "accountNotFound", None))?;
    if user.claim_status != ClaimStatus::Managed {
        let context = json!({ "allowed": false, "reason": { "key": "notManaged" } });
        return Err(ApiError::lifecycle(403, "forbidden.action", Some(context)));
    }
    Ok(user)
}

/// `POST /users/{accountId}/manage/lifecycle/delete` → `200 {"message"}`; the account is
/// deactivated and `for_deletion`. Org admins: `409 conflict.lifecycleErrors`.
pub(crate) async fn delete(State(app): State<App>, Path(account_id): Path<String>) -> Answer {
    let mut world = app.write();
    if world.org().org_admins().contains(&account_id.as_str()) {
        let context = json!({
            "message": "The account cannot be deleted",
            "accountId": account_id,
            "errorCodes": [{ "code": "ORG_ADMIN", "message": "The account is an organization admin" }],
        });
        return Err(ApiError::lifecycle(
            409,
            "conflict.lifecycleErrors",
            Some(context),
        ));
    }
    let user = managed_account(&mut world, &account_id)?;
    user.for_deletion = true;
    user.account_status = AccountStatus::Inactive;
    user.deactivated_on.get_or_insert_with(now);
    ok(&Message {
        message: "Success".into(),
    })
}

/// `POST /users/{accountId}/manage/lifecycle/disable` → 204.
pub(crate) async fn disable(State(app): State<App>, Path(account_id): Path<String>) -> Answer {
    let mut world = app.write();
    let user = managed_account(&mut world, &account_id)?;
    user.account_status = AccountStatus::Inactive;
    user.deactivated_on.get_or_insert_with(now);
    no_content()
}

/// `POST /users/{accountId}/manage/lifecycle/enable` → 204 (also cancels a pending deletion).
pub(crate) async fn enable(State(app): State<App>, Path(account_id): Path<String>) -> Answer {
    let mut world = app.write();
    let user = managed_account(&mut world, &account_id)?;
    user.account_status = AccountStatus::Active;
    user.for_deletion = false;
    user.deactivated_on = None;
    no_content()
}
