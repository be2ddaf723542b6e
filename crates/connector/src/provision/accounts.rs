//! Accounts: creation through SCIM when a SCIM token and base URL are configured (as the
//! Go connector does), else by a v2 invitation without product roles; and deletion of a
//! managed account (the user-management lifecycle `delete`, restorable for 14 days).
//!
//! The created user is read back and described exactly as a sync describes it. An account
//! that already exists is `already_exists` with its resource; one created but not visible
//! yet is `in_progress` (the next sync shows it).

use atlassian::{
    ALL_DIRECTORIES, DirectoryUser, Invitation, NewScimUser, Outcome, UserSearch, UserStatus,
};
use c1_proto::any;
use c1_proto::c1::connector::v2::create_account_response::{
    AlreadyExistsResult, InProgressResult, Result as Created, SuccessResult,
};
use c1_proto::c1::connector::v2::credential_options::Options;
use c1_proto::c1::connector::v2::{
    AccountInfo, CreateAccountResponse, CredentialOptions, DeleteResourceResponse, Resource,
    ResourceDoesNotExist, ResourceId,
};
use c1_proto::prost_types::{Struct, value::Kind};

use super::error::{Code, ProvisionError};
use crate::AtlassianConnector;
use crate::model::{bare, users::user_resource};
use crate::resource_types::ResourceKind;

/// Who to create, from the account-creation form (`userName`, `email`, `givenName`,
/// `familyName`, `displayName`) and the account info's emails and login.
#[derive(Debug, PartialEq, Eq)]
struct NewAccount {
    email: String,
    user_name: String,
    given_name: Option<String>,
    family_name: Option<String>,
    display_name: Option<String>,
}

impl NewAccount {
    /// The email is the profile's `email`, else the primary email, the first email, or a
    /// login that is an email; the user name is the profile's `userName`, else the login,
    /// else the email.
    fn read(info: &AccountInfo) -> Result<Self, ProvisionError> {
        let profile = |key| text(info.profile.as_ref(), key);
        let login = Some(info.login.clone()).filter(|l| !l.trim().is_empty());
        let listed = info
            .emails
            .iter()
            .find(|e| e.is_primary)
            .or(info.emails.first())
            .map(|e| e.address.clone())
            .filter(|e| !e.trim().is_empty());
        let email = profile("email")
            .or(listed)
            .or_else(|| login.clone().filter(|l| l.contains('@')))
            .ok_or_else(|| ProvisionError::invalid("email is required to create an account"))?;
        if !email.contains('@') {
            return Err(ProvisionError::invalid(format!(
                "'{email}' is not an email address"
            )));
        }
        Ok(Self {
            user_name: profile("userName")
                .or(login)
                .unwrap_or_else(|| email.clone()),
            email,
            given_name: profile("givenName"),
            family_name: profile("familyName"),
            display_name: profile("displayName"),
        })
    }

    fn scim_user(&self) -> NewScimUser {
        NewScimUser {
            user_name: self.user_name.clone(),
            email: self.email.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            display_name: self.display_name.clone(),
        }
    }
}

/// A non-empty string value of a profile.
fn text(profile: Option<&Struct>, key: &str) -> Option<String> {
    match profile?.fields.get(key)?.kind.as_ref()? {
        Kind::StringValue(value) if !value.trim().is_empty() => Some(value.trim().to_owned()),
        _ => None,
    }
}

/// Atlassian accounts get no password from the connector: the user sets one (or signs in
/// through SSO). A request for a generated or given password is refused.
fn check_credentials(options: &CredentialOptions) -> Result<(), ProvisionError> {
    match options.options {
        None | Some(Options::NoPassword(_)) | Some(Options::Sso(_)) => Ok(()),
        Some(Options::RandomPassword(_) | Options::EncryptedPassword(_)) => {
            Err(ProvisionError::invalid(
                "Atlassian accounts are created without a password (the user sets one, or signs \
                 in with SSO); ask for the no-password credential option",
            ))
        }
    }
}

fn success(resource: Resource) -> Created {
    Created::Success(SuccessResult {
        resource: Some(resource),
        is_create_account_result: true,
        invitation_expires_at: None,
    })
}

fn already_exists(resource: Option<Resource>) -> Created {
    Created::AlreadyExists(AlreadyExistsResult {
        resource,
        is_create_account_result: true,
    })
}

fn in_progress(resource: Option<Resource>) -> Created {
    Created::InProgress(InProgressResult {
        resource,
        is_create_account_result: true,
    })
}

impl AtlassianConnector {
    /// Creates an account (ConductorOne's `AccountManagerService.CreateAccount`): through
    /// SCIM when configured, else by inviting the email to the organization.
    pub async fn create_account(
        &self,
        info: &AccountInfo,
        options: &CredentialOptions,
    ) -> Result<CreateAccountResponse, ProvisionError> {
        self.ensure_writable("account creation")?;
        check_credentials(options)?;
        let account = NewAccount::read(info)?;
        let doing = format!("account creation for {}", account.email);
        let result = if self.client.scim_directory_id().is_some() {
            self.create_by_scim(&account, &doing).await?
        } else {
            self.create_by_invitation(&account, &doing).await?
        };
        tracing::info!("{doing} done");
        Ok(CreateAccountResponse {
            result: Some(result),
            encrypted_data: Vec::new(),
            annotations: Vec::new(),
        })
    }

    /// Deletes a managed user account (ConductorOne's `DeleteResource`, user resources
    /// only); an account already gone is annotated `ResourceDoesNotExist`.
    pub async fn delete_resource(
        &self,
        id: &ResourceId,
    ) -> Result<DeleteResourceResponse, ProvisionError> {
        self.ensure_writable("resource deletion")?;
        if id.resource_type != ResourceKind::User.id() {
            return Err(ProvisionError::invalid(format!(
                "only users can be deleted, not {}:{}",
                id.resource_type, id.resource
            )));
        }
        if id.resource.is_empty() {
            return Err(ProvisionError::invalid("delete user: missing account ID"));
        }
        let doing = format!("deletion of user:{}", id.resource);
        let outcome = self
            .client
            .delete_account(&id.resource)
            .await
            .map_err(|e| self.failure(&doing, &e))?;
        tracing::info!(?outcome, "{doing}");
        let annotations = match outcome {
            Outcome::AlreadyDone => vec![any::pack(&ResourceDoesNotExist {})],
            Outcome::Done => Vec::new(),
        };
        Ok(DeleteResourceResponse { annotations })
    }

    async fn create_by_scim(
        &self,
        account: &NewAccount,
        doing: &str,
    ) -> Result<Created, ProvisionError> {
        match self.client.scim_create_user(&account.scim_user()).await {
            Ok(created) => match created.account_id() {
                Some(account_id) => self.created(account_id, doing).await,
                None => Ok(in_progress(None)),
            },
            Err(atlassian::Error::AlreadyExists { .. }) => {
                let existing = self.user_with_email(&account.email, doing).await?;
                Ok(already_exists(existing.map(|u| user_resource(&u, None))))
            }
            Err(e) => Err(self.failure(doing, &e)),
        }
    }

    async fn create_by_invitation(
        &self,
        account: &NewAccount,
        doing: &str,
    ) -> Result<Created, ProvisionError> {
        let existing = self.user_with_email(&account.email, doing).await?;
        if let Some(user) = existing.filter(|u| u.status != Some(UserStatus::NotInvited)) {
            return Ok(already_exists(Some(user_resource(&user, None))));
        }
        let invitation = Invitation {
            emails: vec![account.email.clone()],
            ..Invitation::default()
        };
        let invited = self
            .client
            .invite(&invitation)
            .await
            .map_err(|e| self.failure(doing, &e))?;
        let account_id = invited
            .iter()
            .find(|u| is_email(u.email.as_deref(), &account.email))
            .or(invited.first())
            .and_then(|u| u.id.clone())
            .ok_or_else(|| {
                ProvisionError::new(
                    Code::Internal,
                    format!("{doing} failed: the invitation answer has no account id"),
                )
            })?;
        self.created(&account_id, doing).await
    }

    /// The answer for a created account: its resource, read back as a sync reads it.
    async fn created(&self, account_id: &str, doing: &str) -> Result<Created, ProvisionError> {
        match self.client.user(ALL_DIRECTORIES, account_id).await {
            Ok(user) => Ok(success(user_resource(&user, None))),
            Err(atlassian::Error::NotFound { .. }) => {
                Ok(in_progress(Some(bare(ResourceKind::User, account_id))))
            }
            Err(e) => Err(self.failure(doing, &e)),
        }
    }

    /// The user listed with this email, if any.
    async fn user_with_email(
        &self,
        email: &str,
        doing: &str,
    ) -> Result<Option<DirectoryUser>, ProvisionError> {
        let search = UserSearch {
            emails: vec![email.to_owned()],
            ..UserSearch::default()
        };
        let page = self
            .client
            .search_users_page(ALL_DIRECTORIES, &search, None)
            .await
            .map_err(|e| self.failure(doing, &e))?;
        Ok(page
            .items
            .into_iter()
            .find(|u| is_email(u.email.as_deref(), email)))
    }
}

/// Whether `found` is `email` (emails compare without case).
fn is_email(found: Option<&str>, email: &str) -> bool {
    found.is_some_and(|f| f.eq_ignore_ascii_case(email))
}

#[cfg(test)]
mod tests {
    use super::*;
    use c1_proto::c1::connector::v2::account_info::Email;
    use c1_proto::c1::connector::v2::credential_options::{NoPassword, RandomPassword};
    use c1_proto::prost_types::Value;

    fn profile(fields: &[(&str, &str)]) -> Option<Struct> {
        Some(Struct {
            fields: fields
                .iter()
                .map(|(k, v)| {
                    let value = Value {
                        kind: Some(Kind::StringValue((*v).to_owned())),
                    };
                    ((*k).to_owned(), value)
                })
                .collect(),
        })
    }

    #[test]
    fn the_form_fields_name_the_account_like_the_go_connector() {
        let info = AccountInfo {
            profile: profile(&[
                ("userName", "ada"),
                ("email", "ada@example.com"),
                ("givenName", "Ada"),
                ("familyName", ""),
            ]),
            ..AccountInfo::default()
        };
        assert_eq!(
            NewAccount::read(&info).unwrap(),
            NewAccount {
                email: "ada@example.com".into(),
                user_name: "ada".into(),
                given_name: Some("Ada".into()),
                family_name: None,
                display_name: None,
            }
        );
    }

    #[test]
    fn without_a_profile_the_emails_and_login_name_the_account() {
        let info = AccountInfo {
            emails: vec![
                Email {
                    address: "other@example.com".into(),
                    is_primary: false,
                },
                Email {
                    address: "main@example.com".into(),
                    is_primary: true,
                },
            ],
            login: "mainlogin".into(),
            ..AccountInfo::default()
        };
        let account = NewAccount::read(&info).unwrap();
        assert_eq!(
            (account.email.as_str(), account.user_name.as_str()),
            ("main@example.com", "mainlogin")
        );
        let login_only = AccountInfo {
            login: "solo@example.com".into(),
            ..AccountInfo::default()
        };
        let account = NewAccount::read(&login_only).unwrap();
        assert_eq!(
            (account.email.as_str(), account.user_name.as_str()),
            ("solo@example.com", "solo@example.com")
        );
    }

    #[test]
    fn an_account_without_an_email_or_with_a_password_is_refused() {
        let error = NewAccount::read(&AccountInfo {
            login: "nobody".into(),
            ..AccountInfo::default()
        })
        .unwrap_err();
        assert_eq!(
            (error.code, error.message.as_str()),
            (
                Code::InvalidArgument,
                "email is required to create an account"
            )
        );
        let not_email = AccountInfo {
            profile: profile(&[("email", "ada")]),
            ..AccountInfo::default()
        };
        assert!(
            NewAccount::read(&not_email)
                .unwrap_err()
                .message
                .contains("'ada' is not an email")
        );
        let password = CredentialOptions {
            options: Some(Options::RandomPassword(RandomPassword::default())),
            ..CredentialOptions::default()
        };
        assert_eq!(
            check_credentials(&password).unwrap_err().code,
            Code::InvalidArgument
        );
        let none = CredentialOptions {
            options: Some(Options::NoPassword(NoPassword {})),
            ..CredentialOptions::default()
        };
        assert!(check_credentials(&none).is_ok());
        assert!(check_credentials(&CredentialOptions::default()).is_ok());
    }
}
