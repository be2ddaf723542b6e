//! SCIM user creation with the separate SCIM token. Never retried after server errors.

use crate::auth::CredentialKind;
use crate::client::{Call, Client};
use crate::endpoints::SCIM_CREATE_USER;
use crate::error::Error;
use crate::models::{NewScimUser, ScimUser, ScimUserBody};

impl Client {
    /// Creates (or links, when a managed account has that email) a user in the configured
    /// SCIM directory (`POST /scim/directory/{directoryId}/Users`). An existing user gives
    /// [`Error::AlreadyExists`].
    pub async fn scim_create_user(&self, user: &NewScimUser) -> Result<ScimUser, Error> {
        let directory_id = self.scim_directory_id().ok_or(Error::NotConfigured {
            endpoint: SCIM_CREATE_USER.key,
            credential: CredentialKind::ScimToken,
        })?;
        let call = Call::new(&SCIM_CREATE_USER, &[directory_id]).json(&ScimUserBody::from(user));
        self.fetch(call).await
    }
}
