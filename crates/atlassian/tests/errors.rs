//! Each error variant, produced from the simulator's real error bodies.

mod common;

use atlassian::{
    ALL_DIRECTORIES, Client, CredentialKind, Error, ScimCredentials, Secret, TeamsCredentials,
    UserFilter, UserSearch, role,
};
use futures::TryStreamExt;
use sim::atlassian::{ClaimStatus, Fault, Org, User, UserStatus, endpoints};

use common::{builder, client, quick_retries, sim_with_users};

fn active_members(org: &Org) -> impl Iterator<Item = &User> {
    org.users
        .iter()
        .filter(|u| u.status() == UserStatus::Active && u.directory_id.is_some())
}

fn ordinary_user(org: &Org) -> &User {
    let admins = org.org_admins();
    active_members(org)
        .find(|u| {
            u.claim_status == ClaimStatus::Managed && !admins.contains(&u.account_id.as_str())
        })
        .expect("an ordinary user")
}

async fn first_user(client: &Client) -> Result<Option<atlassian::DirectoryUser>, Error> {
    client
        .users(ALL_DIRECTORIES, &UserFilter::default())
        .try_next()
        .await
}

#[tokio::test]
async fn a_wrong_api_key_is_unauthorized_and_the_key_is_never_shown() {
    let sim = sim_with_users(20).await;
    let client = Client::builder(sim.org_id(), "wrong-secret-key")
        .base_url(sim.base_url())
        .build()
        .unwrap();
    let error = first_user(&client).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Unauthorized {
                credential: CredentialKind::OrgApiKey,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.to_string().contains("wrong-secret-key"));
    assert!(!format!("{error:?}").contains("wrong-secret-key"));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn wrong_teams_and_scim_tokens_are_unauthorized_for_their_credential() {
    let sim = sim_with_users(20).await;
    let org = sim.snapshot();
    let client = builder(&sim)
        .teams_credentials(TeamsCredentials {
            email: sim.credentials().teams_email.clone(),
            api_token: Secret::new("wrong-teams-token"),
        })
        .scim_credentials(ScimCredentials {
            directory_id: org.directories[0].id.clone(),
            token: Secret::new("wrong-scim-token"),
        })
        .build()
        .unwrap();
    let teams = client
        .teams(&org.workspaces[0].cloud_id)
        .try_next()
        .await
        .unwrap_err();
    assert!(
        matches!(
            teams,
            Error::Unauthorized {
                credential: CredentialKind::TeamsToken,
                ..
            }
        ),
        "{teams:?}"
    );
    let user = atlassian::NewScimUser {
        user_name: "x@example.org".into(),
        email: "x@example.org".into(),
        given_name: None,
        family_name: None,
        display_name: None,
    };
    let scim = client.scim_create_user(&user).await.unwrap_err();
    assert!(
        matches!(
            scim,
            Error::Unauthorized {
                credential: CredentialKind::ScimToken,
                ..
            }
        ),
        "{scim:?}"
    );
}

#[tokio::test]
async fn a_scoped_key_is_told_to_use_a_key_without_scopes() {
    let sim = sim_with_users(20).await;
    let client = Client::builder(sim.org_id(), sim.credentials().scoped_api_key.as_str())
        .base_url(sim.base_url())
        .build()
        .unwrap();
    let error = first_user(&client).await.unwrap_err();
    assert!(matches!(error, Error::ScopedKey { .. }), "{error:?}");
    assert!(error.to_string().contains("without scopes"));
    client
        .org()
        .await
        .expect("reading the org works with scopes");
}

#[tokio::test]
async fn restricted_endpoints_ask_for_the_support_ticket_until_enabled() {
    let sim = sim_with_users(20).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let user = ordinary_user(&org).account_id.clone();
    let resource = org
        .workspaces
        .iter()
        .find(|w| w.product == "confluence")
        .unwrap()
        .id
        .clone();

    sim.set_restricted_endpoints_enabled(false);
    let error = client
        .assign_role(&user, role::USER, &resource)
        .await
        .unwrap_err();
    let Error::NotEnabled { name, endpoint, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*name, "Grant User Access");
    assert_eq!(*endpoint, endpoints::ROLES_ASSIGN);
    assert!(
        error
            .to_string()
            .contains(atlassian::SUPPORT_TICKET_README_SECTION)
    );

    sim.set_restricted_endpoints_enabled(true);
    client
        .assign_role(&user, role::USER, &resource)
        .await
        .expect("enabled now");
}

#[tokio::test]
async fn unknown_users_groups_and_teams_are_not_found() {
    let sim = sim_with_users(20).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let user = client
        .user(ALL_DIRECTORIES, "no-such-account")
        .await
        .unwrap_err();
    assert!(matches!(user, Error::NotFound { .. }), "{user:?}");
    let group = client
        .group(ALL_DIRECTORIES, "no-such-group")
        .await
        .unwrap_err();
    assert!(matches!(group, Error::NotFound { .. }), "{group:?}");
    let deleted = org
        .teams
        .iter()
        .find(|t| t.deleted)
        .expect("a deleted team");
    let team = client
        .team(&deleted.team_id, &org.workspaces[0].cloud_id)
        .await
        .unwrap_err();
    assert!(matches!(team, Error::NotFound { .. }), "410 Gone: {team:?}");
    let directory = &org.directories[0].id;
    let removal = client
        .remove_group_member(directory, "no-such-group", &org.users[0].account_id)
        .await
        .unwrap_err();
    assert!(
        matches!(removal, Error::NotFound { .. }),
        "an unknown group is not 'already done': {removal:?}"
    );
}

#[tokio::test]
async fn a_duplicate_group_already_exists() {
    let sim = sim_with_users(20).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let existing = org.groups.iter().find(|g| !g.external_synced).unwrap();
    let error = client
        .create_group(&existing.directory_id, &existing.name, None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::AlreadyExists { .. }), "{error:?}");
}

#[tokio::test]
async fn identity_provider_groups_are_read_only() {
    let sim = sim_with_users(40).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let group = org
        .groups
        .iter()
        .find(|g| g.external_synced)
        .expect("an IdP group");
    let user = active_members(&org)
        .find(|u| u.directory_id.as_ref() == Some(&group.directory_id))
        .unwrap();
    let error = client
        .add_group_member(&group.directory_id, &group.id, &user.account_id)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::GroupManagedByIdp { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_full_licence_reports_the_licence_limit() {
    let sim = sim_with_users(40).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let full = org
        .workspaces
        .iter()
        .find(|w| w.product == "bitbucket")
        .expect("a full bitbucket");
    let holders: Vec<_> = org
        .user_roles
        .iter()
        .filter(|r| r.resource_id == full.id)
        .collect();
    let user = active_members(&org)
        .find(|u| {
            !holders
                .iter()
                .any(|r| r.principal == sim::atlassian::Principal::User(u.account_id.clone()))
        })
        .unwrap();
    let error = client
        .assign_role(&user.account_id, role::USER, &full.id)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::LicenceLimit { .. }), "{error:?}");
}

#[tokio::test]
async fn org_admins_cannot_be_suspended() {
    let sim = sim_with_users(20).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let admin = org.user(org.org_admins()[0]).unwrap().clone();
    let directory = admin.directory_id.clone().unwrap();
    let error = client
        .suspend_user(&directory, &admin.account_id)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::OrgAdminProtected { .. }),
        "{error:?}"
    );
    let v1 = client.suspend_user_v1(&admin.account_id).await.unwrap_err();
    assert!(matches!(v1, Error::OrgAdminProtected { .. }), "{v1:?}");
}

#[tokio::test]
async fn roles_the_resource_does_not_take_are_invalid() {
    let sim = sim_with_users(20).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let user = ordinary_user(&org).account_id.clone();
    let jira_admin = org
        .workspaces
        .iter()
        .find(|w| w.product == "jira-admin")
        .unwrap()
        .id
        .clone();
    let jira = org
        .workspaces
        .iter()
        .find(|w| w.product == "jira-software")
        .unwrap()
        .id
        .clone();

    let wrong_ari = client
        .assign_role(&user, role::ADMIN, &jira_admin)
        .await
        .unwrap_err();
    assert!(
        matches!(wrong_ari, Error::InvalidRole { .. }),
        "{wrong_ari:?}"
    );
    let wrong_role = client
        .assign_role(&user, role::GUEST, &jira)
        .await
        .unwrap_err();
    assert!(
        matches!(wrong_role, Error::InvalidRole { .. }),
        "{wrong_role:?}"
    );
}

#[tokio::test]
async fn lifecycle_refusals_are_conflicts_or_forbidden() {
    let sim = sim_with_users(40).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let admin = org.org_admins()[0].to_owned();
    let conflict = client.delete_account(&admin).await.unwrap_err();
    assert!(matches!(conflict, Error::Conflict { .. }), "{conflict:?}");
    assert!(
        conflict.to_string().contains("cannot be deleted"),
        "{conflict}"
    );

    let unmanaged = org
        .users
        .iter()
        .find(|u| u.claim_status == ClaimStatus::Unmanaged)
        .unwrap();
    let forbidden = client
        .delete_account(&unmanaged.account_id)
        .await
        .unwrap_err();
    assert!(
        matches!(forbidden, Error::Forbidden { .. }),
        "{forbidden:?}"
    );
}

#[tokio::test]
async fn an_invalid_request_is_a_bad_request() {
    let sim = sim_with_users(20).await;
    let client = client(&sim);
    let search = UserSearch {
        filter: UserFilter {
            search_term: Some("ada".into()),
            ..UserFilter::default()
        },
        emails: vec!["ada@example.org".into()],
        ..UserSearch::default()
    };
    let error = client
        .search_users(ALL_DIRECTORIES, &search)
        .try_next()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::BadRequest { status: 400, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn payment_required_is_reported_from_the_error_envelope() {
    let sim = sim_with_users(20).await;
    sim.set_fault(endpoints::V2_INVITE, Fault::error(402));
    let invitation = atlassian::Invitation {
        emails: vec!["a@example.org".into()],
        ..Default::default()
    };
    let error = client(&sim).invite(&invitation).await.unwrap_err();
    assert!(matches!(error, Error::PaymentRequired { .. }), "{error:?}");
}

#[tokio::test]
async fn a_missing_credential_is_reported_before_any_request() {
    let sim = sim_with_users(20).await;
    let client = Client::builder(sim.org_id(), sim.credentials().api_key.as_str())
        .base_url(sim.base_url())
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let error = client.teams("site").try_next().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::NotConfigured {
                credential: CredentialKind::TeamsToken,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sim.stats().requests(endpoints::TEAMS), 0);
}
