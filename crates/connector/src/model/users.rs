//! Users: the `user` resource of a directory user, with the user trait.
//!
//! As in the Go connector: id = `accountId`, display name = email, resource-level profile
//! `account_id`, `account_type` (raw), `username` (name), `email_verified`, and a
//! resource-level status whose details are the raw `status`. The user trait carries the
//! email (primary) and login when there is an email, plus what Go leaves at its default:
//!
//! | Atlassian | resource status (Go) | trait status |
//! | --- | --- | --- |
//! | `status: active` | ENABLED | ENABLED |
//! | `suspended`, `not_invited`, `deactivated`, `for_deletion` (restorable for 14 days) | DISABLED | DISABLED |
//! | `accountStatus: closed` (whatever `status` says) | as `status` | DELETED |
//! | unknown or missing `status` | UNSPECIFIED | ENABLED / DISABLED from `accountStatus` active / inactive, else UNSPECIFIED |
//!
//! | `accountType` | account type in the trait |
//! | --- | --- |
//! | `atlassian` (managed or unmanaged account, guests included) | HUMAN |
//! | `customer` (Jira Service Management help-center customer) | HUMAN |
//! | `app` (bots and integrations, and org-managed service accounts) | SERVICE |
//! | missing or unknown | HUMAN (what the Go connector reports for everyone) |
//!
//! The trait also gets `mfa_status` when Atlassian reports it and `last_login` when
//! last-active dates were fetched.

use atlassian::{AccountStatus, DirectoryUser, LastActiveDates, UserStatus};
use c1_proto::any;
use c1_proto::c1::connector::v2::user_trait::{self, AccountType, MfaStatus};
use c1_proto::c1::connector::v2::{Resource, Status, UserTrait, status::ResourceStatus};
use c1_proto::prost_types::Timestamp;

use super::{flag, profile, resource, text, timestamp};
use crate::resource_types::ResourceKind;

/// The `user` resource of `user`; `last_login` from its last-active dates, when fetched.
pub(crate) fn user_resource(user: &DirectoryUser, last_login: Option<Timestamp>) -> Resource {
    let email = user.email.as_deref().filter(|e| !e.is_empty());
    let details = user.status.map_or("", status_text).to_owned();
    #[allow(deprecated)] // the trait's status: the SDK still fills it for older readers
    let user_trait = UserTrait {
        emails: email
            .map(|address| user_trait::Email {
                address: address.to_owned(),
                is_primary: true,
            })
            .into_iter()
            .collect(),
        status: Some(user_trait::Status {
            status: trait_status(user) as i32,
            details: details.clone(),
        }),
        account_type: account_type(user.account_type.as_deref()) as i32,
        login: email.unwrap_or_default().to_owned(),
        last_login,
        mfa_status: user
            .mfa_enabled
            .map(|mfa_enabled| MfaStatus { mfa_enabled }),
        ..UserTrait::default()
    };
    let mut resource = resource(
        ResourceKind::User,
        &user.account_id,
        email.unwrap_or_default(),
    );
    resource.annotations.push(any::pack(&user_trait));
    resource.profile = Some(profile([
        ("account_id", text(Some(&user.account_id))),
        ("account_type", text(user.account_type.as_deref())),
        ("username", text(user.name.as_deref())),
        ("email_verified", flag(user.email_verified.unwrap_or(false))),
    ]));
    resource.status = Some(Status {
        status: resource_status(user.status) as i32,
        details,
    });
    resource
}

/// The `status` value as Atlassian writes it (`""` for values this client does not know).
fn status_text(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Active => "active",
        UserStatus::Suspended => "suspended",
        UserStatus::NotInvited => "not_invited",
        UserStatus::Deactivated => "deactivated",
        UserStatus::ForDeletion => "for_deletion",
        UserStatus::Other => "",
    }
}

/// Resource-level status, exactly as the Go connector maps `status`.
pub(crate) fn resource_status(status: Option<UserStatus>) -> ResourceStatus {
    match status {
        Some(UserStatus::Active) => ResourceStatus::Enabled,
        Some(
            UserStatus::Suspended
            | UserStatus::NotInvited
            | UserStatus::Deactivated
            | UserStatus::ForDeletion,
        ) => ResourceStatus::Disabled,
        Some(UserStatus::Other) | None => ResourceStatus::Unspecified,
    }
}

/// Trait status: as the resource status, but a closed account is deleted and an unknown
/// `status` falls back on `accountStatus`.
pub(crate) fn trait_status(user: &DirectoryUser) -> user_trait::status::Status {
    use user_trait::status::Status as S;
    match (user.account_status, resource_status(user.status)) {
        (Some(AccountStatus::Closed), _) => S::Deleted,
        (_, ResourceStatus::Enabled) => S::Enabled,
        (_, ResourceStatus::Disabled) => S::Disabled,
        (Some(AccountStatus::Active), _) => S::Enabled,
        (Some(AccountStatus::Inactive), _) => S::Disabled,
        _ => S::Unspecified,
    }
}

/// The trait's account type for an `accountType` (table in the module documentation).
pub(crate) fn account_type(account_type: Option<&str>) -> AccountType {
    match account_type {
        Some("app") => AccountType::Service,
        _ => AccountType::Human,
    }
}

/// The latest activity in any product, from a user's last-active dates.
pub(crate) fn last_login(dates: &LastActiveDates) -> Option<Timestamp> {
    dates
        .product_access
        .iter()
        .filter_map(|p| {
            let day = p.last_active.as_deref().map(|d| format!("{d}T00:00:00Z"));
            timestamp(p.last_active_timestamp.as_deref()).or_else(|| timestamp(day.as_deref()))
        })
        .max_by_key(|t| (t.seconds, t.nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use c1_proto::prost_types::value::Kind;
    use user_trait::status::Status as S;

    /// A directory user as the API sends it, with `changes` applied to a typical active user.
    fn user(changes: serde_json::Value) -> DirectoryUser {
        let mut json = serde_json::json!({
            "accountId": "557058:abc", "accountType": "atlassian", "status": "active",
            "accountStatus": "active", "name": "Ada Lovelace", "email": "ada@acme.example.com",
            "emailVerified": true, "mfaEnabled": true
        });
        for (key, value) in changes.as_object().unwrap() {
            json[key] = value.clone();
        }
        serde_json::from_value(json).unwrap()
    }

    fn user_trait_of(resource: &Resource) -> UserTrait {
        any::find::<UserTrait>(&resource.annotations)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn an_active_user_is_built_as_the_go_connector_builds_it() {
        let resource = user_resource(&user(serde_json::json!({})), None);
        assert_eq!(resource.id.as_ref().unwrap().resource_type, "user");
        assert_eq!(resource.id.as_ref().unwrap().resource, "557058:abc");
        assert_eq!(resource.display_name, "ada@acme.example.com");
        assert_eq!(
            resource.status,
            Some(Status {
                status: ResourceStatus::Enabled as i32,
                details: "active".into()
            })
        );
        let fields = &resource.profile.as_ref().unwrap().fields;
        let text = |k: &str| match &fields[k].kind {
            Some(Kind::StringValue(s)) => s.clone(),
            other => panic!("{k}: {other:?}"),
        };
        assert_eq!(
            (text("account_id"), text("account_type"), text("username")),
            (
                "557058:abc".into(),
                "atlassian".into(),
                "Ada Lovelace".into()
            )
        );
        assert_eq!(fields["email_verified"].kind, Some(Kind::BoolValue(true)));
        assert_eq!(fields.len(), 4);
        let t = user_trait_of(&resource);
        assert_eq!(
            t.emails,
            [user_trait::Email {
                address: "ada@acme.example.com".into(),
                is_primary: true
            }]
        );
        assert_eq!(t.login, "ada@acme.example.com");
        assert_eq!(t.account_type, AccountType::Human as i32);
        assert_eq!(t.mfa_status, Some(MfaStatus { mfa_enabled: true }));
        assert_eq!(t.last_login, None);
    }

    #[test]
    fn statuses_map_as_documented_with_for_deletion_disabled_and_closed_deleted() {
        let cases = [
            (
                serde_json::json!({"status": "active"}),
                ResourceStatus::Enabled,
                S::Enabled,
            ),
            (
                serde_json::json!({"status": "suspended"}),
                ResourceStatus::Disabled,
                S::Disabled,
            ),
            (
                serde_json::json!({"status": "not_invited"}),
                ResourceStatus::Disabled,
                S::Disabled,
            ),
            (
                serde_json::json!({"status": "deactivated", "accountStatus": "inactive"}),
                ResourceStatus::Disabled,
                S::Disabled,
            ),
            (
                serde_json::json!({"status": "for_deletion", "accountStatus": "inactive"}),
                ResourceStatus::Disabled,
                S::Disabled,
            ),
            (
                serde_json::json!({"status": "deactivated", "accountStatus": "closed"}),
                ResourceStatus::Disabled,
                S::Deleted,
            ),
            (
                serde_json::json!({"status": "brand_new"}),
                ResourceStatus::Unspecified,
                S::Enabled,
            ),
            (
                serde_json::json!({"status": null, "accountStatus": "inactive"}),
                ResourceStatus::Unspecified,
                S::Disabled,
            ),
            (
                serde_json::json!({"status": null, "accountStatus": null}),
                ResourceStatus::Unspecified,
                S::Unspecified,
            ),
        ];
        for (changes, resource_level, trait_level) in cases {
            let u = user(changes.clone());
            assert_eq!(resource_status(u.status), resource_level, "{changes}");
            assert_eq!(trait_status(&u), trait_level, "{changes}");
            let built = user_resource(&u, None);
            #[allow(deprecated)]
            let built_trait_status = user_trait_of(&built).status.unwrap().status;
            assert_eq!(built_trait_status, trait_level as i32, "{changes}");
        }
    }

    #[test]
    fn account_types_map_people_to_human_and_apps_to_service() {
        assert_eq!(account_type(Some("atlassian")), AccountType::Human);
        assert_eq!(account_type(Some("customer")), AccountType::Human);
        assert_eq!(account_type(Some("app")), AccountType::Service);
        assert_eq!(account_type(Some("robot")), AccountType::Human);
        assert_eq!(account_type(None), AccountType::Human);
    }

    #[test]
    fn users_without_email_have_no_login_nor_email_but_are_still_synced() {
        let app =
            user(serde_json::json!({"accountType": "app", "email": null, "mfaEnabled": null}));
        let resource = user_resource(&app, None);
        assert_eq!(resource.display_name, "");
        let t = user_trait_of(&resource);
        assert!(t.emails.is_empty() && t.login.is_empty() && t.mfa_status.is_none());
        assert_eq!(t.account_type, AccountType::Service as i32);
    }

    #[test]
    fn last_login_is_the_latest_product_activity() {
        let dates: LastActiveDates = serde_json::from_value(serde_json::json!({
            "product_access": [
                {"key": "confluence", "last_active": "2024-03-01", "last_active_timestamp": "2024-03-01T10:00:00Z"},
                {"key": "jira-software", "last_active": "2024-05-02"},
                {"key": "trello"}
            ]
        }))
        .unwrap();
        let latest = last_login(&dates).unwrap();
        assert_eq!(Some(latest), timestamp(Some("2024-05-02T00:00:00Z")));
        let resource = user_resource(&user(serde_json::json!({})), Some(latest));
        assert_eq!(user_trait_of(&resource).last_login, Some(latest));
        assert_eq!(last_login(&LastActiveDates::default()), None);
    }
}
