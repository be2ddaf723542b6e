//! Invitations (v1 Support-gated, v2 generally available): find or create the account,
//! put it in the main directory, then apply the permission rules and extra groups.
//!
//! Each rule and group is reported as `INVITED` or `ERROR` with a reason (the same checks
//! as `roles/assign` and group memberships), and the answer is `200` either way. The v2
//! answer is `{"data": [item...]}`; the v1 answer (not documented by the vendor) is
//! `{"data": item}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use super::groups::add_membership;
use super::roles::check_user_grant;
use super::{Answer, Data, check_org, now, ok};
use crate::atlassian::errors::ApiError;
use crate::atlassian::model::*;
use crate::atlassian::params::json_body;
use crate::atlassian::rng::Rng;
use crate::atlassian::server::App;
use crate::atlassian::world::World;

/// A new account for `email` in a directory: managed when the email's domain is verified.
/// The account id is derived from the org and the email, so it is the same every run.
pub(crate) fn new_account(
    org: &Org,
    email: &str,
    display_name: Option<&str>,
    directory_id: &str,
    source: ManagementSource,
) -> User {
    let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
    let managed = org
        .verified_domains
        .iter()
        .any(|d| d.eq_ignore_ascii_case(domain));
    User {
        account_id: format!(
            "712020:{}",
            Rng::from_text(&format!("{}/{}", org.id, email.to_lowercase())).uuid()
        ),
        kind: if managed {
            UserKind::Managed
        } else {
            UserKind::Unmanaged
        },
        account_type: AccountType::Atlassian,
        account_status: AccountStatus::Active,
        claim_status: if managed {
            ClaimStatus::Managed
        } else {
            ClaimStatus::Unmanaged
        },
        directory_id: Some(directory_id.to_string()),
        membership_status: MembershipStatus::Active,
        for_deletion: false,
        name: display_name.unwrap_or(local).to_string(),
        nickname: local.to_string(),
        email: Some(email.to_string()),
        email_verified: false,
        mfa_enabled: false,
        management_source: Some(source),
        job_title: None,
        department: None,
        location: None,
        time_zone: None,
        added_to_org: now(),
        last_active: None,
        deactivated_on: None,
        scim_id: None,
    }
}

/// The account with this email (case-insensitive).
pub(crate) fn find_by_email<'a>(org: &'a Org, email: &str) -> Option<&'a User> {
    org.users.iter().find(|u| {
        u.email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
    })
}

#[derive(Deserialize)]
struct PermissionRule {
    resource: String,
    role: String,
}

#[derive(Serialize)]
struct InviteItem {
    id: String,
    email: String,
    results: Vec<InviteResults>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InviteResults {
    role_assignment_result: Vec<Outcome>,
    group_assignment_result: Vec<Outcome>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_reason: Option<String>,
}

fn status(result: &Result<(), ApiError>) -> (&'static str, Option<String>) {
    match result {
        Ok(()) => ("INVITED", None),
        Err(error) => ("ERROR", Some(error.reason())),
    }
}

/// `400` unless every email looks like one.
fn check_emails<'a>(emails: impl IntoIterator<Item = &'a String>) -> Result<(), ApiError> {
    match emails.into_iter().find(|e| !e.contains('@')) {
        Some(bad) => Err(ApiError::bad_request(format!("Invalid email {bad}"))),
        None => Ok(()),
    }
}

/// Invites one (checked) email.
fn invite(
    world: &mut World,
    email: &str,
    rules: &[PermissionRule],
    groups: &[String],
) -> InviteItem {
    let main_directory = world.org().directories[0].id.clone();
    let account_id = match find_by_email(world.org(), email) {
        Some(user) => user.account_id.clone(),
        None => {
            let user = new_account(
                world.org(),
                email,
                None,
                &main_directory,
                ManagementSource::Invited,
            );
            let id = user.account_id.clone();
            world.insert_user(user);
            id
        }
    };
    let user = world.user_mut(&account_id).expect("the account exists");
    if user.membership_status == MembershipStatus::NoMembership {
        user.directory_id = Some(main_directory);
        user.membership_status = MembershipStatus::Active;
        user.management_source = Some(ManagementSource::Invited);
    }

    let mut role_results = Vec::new();
    for rule in rules {
        let user = world.org().user(&account_id).expect("the account exists");
        let result = check_user_grant(world, user, &rule.resource, &rule.role);
        if result.is_ok() {
            world.grant(RoleAssignment::new(
                Principal::User(account_id.clone()),
                &rule.resource,
                &rule.role,
            ));
        }
        let (status, status_reason) = status(&result);
        role_results.push(Outcome {
            resource: Some(rule.resource.clone()),
            role: Some(rule.role.clone()),
            group: None,
            status,
            status_reason,
        });
    }
    let group_results = groups
        .iter()
        .map(|group| {
            let result = match add_membership(world, None, group, &account_id) {
                Err(error) if error.status() == 409 => Ok(()),
                other => other,
            };
            let (status, status_reason) = status(&result);
            Outcome {
                resource: None,
                role: None,
                group: Some(group.clone()),
                status,
                status_reason,
            }
        })
        .collect();
    InviteItem {
        id: account_id,
        email: email.to_string(),
        results: vec![InviteResults {
            role_assignment_result: role_results,
            group_assignment_result: group_results,
        }],
    }
}

/// v1 `POST /admin/v1/orgs/{orgId}/users/invite` `{"email","permissionRule"?,...}`.
pub(crate) async fn v1(State(app): State<App>, Path(org_id): Path<String>, body: Bytes) -> Answer {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct V1Invite {
        email: String,
        permission_rule: Option<PermissionRule>,
    }
    let body: V1Invite = json_body(&body).map_err(ApiError::bad_request)?;
    check_emails([&body.email])?;
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    let item = invite(
        &mut world,
        &body.email,
        body.permission_rule.as_slice(),
        &[],
    );
    ok(&Data { data: item })
}

/// v2 `POST /admin/v2/orgs/{orgId}/users/invite`
/// `{"emails","permissionRules"?,"additionalGroups"?,...}`.
pub(crate) async fn v2(State(app): State<App>, Path(org_id): Path<String>, body: Bytes) -> Answer {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct V2Invite {
        emails: Vec<String>,
        #[serde(default)]
        permission_rules: Vec<PermissionRule>,
        #[serde(default)]
        additional_groups: Vec<String>,
    }
    let body: V2Invite = json_body(&body).map_err(ApiError::bad_request)?;
    if body.emails.is_empty() {
        return Err(ApiError::bad_request("emails must not be empty"));
    }
    check_emails(&body.emails)?;
    let mut world = app.write();
    check_org(world.org(), &org_id, true)?;
    let items: Vec<InviteItem> = body
        .emails
        .iter()
        .map(|email| {
            invite(
                &mut world,
                email,
                &body.permission_rules,
                &body.additional_groups,
            )
        })
        .collect();
    ok(&Data { data: items })
}
