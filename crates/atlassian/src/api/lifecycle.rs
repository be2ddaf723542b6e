//! Access lifecycle: suspend and restore (v2 and v1), remove from a directory, and delete a
//! managed account (user-management API).

use crate::client::{Call, Client};
use crate::endpoints::{
    DEACTIVATE_ACCOUNT, DELETE_ACCOUNT, REACTIVATE_ACCOUNT, REMOVE_FROM_DIRECTORY, RESTORE_V1,
    RESTORE_V2, SUSPEND_V1, SUSPEND_V2,
};
use crate::error::Error;
use crate::models::Outcome;

impl Client {
    /// Suspends a user's access in a directory
    /// (`POST /admin/v2/orgs/{orgId}/directories/{directoryId}/users/{accountId}/suspend`).
    /// Organization admins cannot be suspended ([`Error::OrgAdminProtected`]).
    pub async fn suspend_user(&self, directory_id: &str, account_id: &str) -> Result<(), Error> {
        self.execute(Call::new(
            &SUSPEND_V2,
            &[self.org_id(), directory_id, account_id],
        ))
        .await
    }

    /// Restores a suspended user's access (`POST .../users/{accountId}/restore`).
    pub async fn restore_user(&self, directory_id: &str, account_id: &str) -> Result<(), Error> {
        self.execute(Call::new(
            &RESTORE_V2,
            &[self.org_id(), directory_id, account_id],
        ))
        .await
    }

    /// Suspends access with the v1 API
    /// (`POST /admin/v1/orgs/{orgId}/directory/users/{accountId}/suspend-access`, until 30 June 2026).
    pub async fn suspend_user_v1(&self, account_id: &str) -> Result<(), Error> {
        self.execute(Call::new(&SUSPEND_V1, &[self.org_id(), account_id]))
            .await
    }

    /// Restores access with the v1 API (`POST .../directory/users/{accountId}/restore-access`).
    pub async fn restore_user_v1(&self, account_id: &str) -> Result<(), Error> {
        self.execute(Call::new(&RESTORE_V1, &[self.org_id(), account_id]))
            .await
    }

    /// Removes a user from a directory, with their app access and group memberships
    /// (`DELETE .../directories/{directoryId}/users/{accountId}`); a user not in it is
    /// [`Outcome::AlreadyDone`].
    pub async fn remove_from_directory(
        &self,
        directory_id: &str,
        account_id: &str,
    ) -> Result<Outcome, Error> {
        let call = Call::new(
            &REMOVE_FROM_DIRECTORY,
            &[self.org_id(), directory_id, account_id],
        );
        self.converge(call).await
    }

    /// Deletes a managed account everywhere (`POST /users/{accountId}/manage/lifecycle/delete`;
    /// completes after a 14-day grace period). An account already gone is
    /// [`Outcome::AlreadyDone`]; a key with scopes is refused ([`Error::ScopedKey`]).
    pub async fn delete_account(&self, account_id: &str) -> Result<Outcome, Error> {
        match self
            .converge(Call::new(&DELETE_ACCOUNT, &[account_id]))
            .await
        {
            Err(Error::NotFound { api, .. }) if api.code.as_deref() == Some("accountNotFound") => {
                Ok(Outcome::AlreadyDone)
            }
            other => other,
        }
    }

    /// Deactivates a managed account everywhere (`POST /users/{accountId}/manage/lifecycle/disable`),
    /// with an optional reason shown to the user.
    pub async fn deactivate_account(
        &self,
        account_id: &str,
        message: Option<&str>,
    ) -> Result<(), Error> {
        let body = serde_json::json!({ "message": message.unwrap_or_default() });
        self.execute(Call::new(&DEACTIVATE_ACCOUNT, &[account_id]).json(&body))
            .await
    }

    /// Reactivates a deactivated managed account (`POST /users/{accountId}/manage/lifecycle/enable`).
    pub async fn reactivate_account(&self, account_id: &str) -> Result<(), Error> {
        self.execute(Call::new(&REACTIVATE_ACCOUNT, &[account_id]))
            .await
    }
}
