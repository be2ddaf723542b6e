//! Every write endpoint against the simulator: the change shows in its ground truth, and
//! repeating a converging write reports `Outcome::AlreadyDone`.

mod common;

use atlassian::{
    ALL_DIRECTORIES, Error, Invitation, InvitationV1, NewScimUser, Outcome, PermissionRule, role,
};
use sim::atlassian::{
    AccountStatus, ClaimStatus, MembershipStatus, Org, Principal, RoleAssignment, User, UserStatus,
};

use common::{client, sim_with_users};

/// Whether a user is an active managed member of a directory and not an org admin.
fn is_ordinary(org: &Org, user: &User) -> bool {
    user.claim_status == ClaimStatus::Managed
        && user.status() == UserStatus::Active
        && user.directory_id.is_some()
        && !org.org_admins().contains(&user.account_id.as_str())
}

/// An ordinary user.
fn ordinary_user(org: &Org) -> &User {
    org.users
        .iter()
        .find(|u| is_ordinary(org, u))
        .expect("an ordinary user")
}

/// An ordinary user and a group of their directory that the API may change and they are
/// not in.
fn user_outside_a_writable_group(org: &Org) -> (&User, String) {
    org.users
        .iter()
        .filter(|u| is_ordinary(org, u))
        .find_map(|user| {
            let group = org.groups.iter().find(|g| {
                !g.external_synced
                    && Some(&g.directory_id) == user.directory_id.as_ref()
                    && !org.members_of(&g.id).any(|m| m == user.account_id)
            })?;
            Some((user, group.id.clone()))
        })
        .expect("a user outside a writable group")
}

/// A site workspace of `product`.
fn workspace_of(org: &Org, product: &str) -> String {
    org.workspaces
        .iter()
        .find(|w| w.product == product)
        .expect("workspace")
        .id
        .clone()
}

#[tokio::test]
async fn group_membership_is_added_and_removed_and_repeats_are_already_done() {
    let sim = sim_with_users(200).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let (user, group) = user_outside_a_writable_group(&org);
    let directory = user.directory_id.clone().unwrap();
    let is_member = || {
        sim.snapshot()
            .members_of(&group)
            .any(|m| m == user.account_id)
    };

    assert_eq!(
        client
            .add_group_member(&directory, &group, &user.account_id)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert!(is_member());
    assert_eq!(
        client
            .add_group_member(&directory, &group, &user.account_id)
            .await
            .unwrap(),
        Outcome::AlreadyDone
    );

    assert_eq!(
        client
            .remove_group_member(&directory, &group, &user.account_id)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert!(!is_member());
    assert_eq!(
        client
            .remove_group_member(&directory, &group, &user.account_id)
            .await
            .unwrap(),
        Outcome::AlreadyDone
    );
}

#[tokio::test]
async fn groups_are_created_and_deleted() {
    let sim = sim_with_users(30).await;
    let client = client(&sim);
    let directory = sim.snapshot().directories[0].id.clone();

    let group = client
        .create_group(&directory, "release-managers", Some("People who ship"))
        .await
        .unwrap();
    assert_eq!(group.name.as_deref(), Some("release-managers"));
    assert_eq!(group.directory_id.as_deref(), Some(directory.as_str()));
    assert!(sim.snapshot().group(&group.id).is_some());

    assert_eq!(
        client.delete_group(&directory, &group.id).await.unwrap(),
        Outcome::Done
    );
    assert!(sim.snapshot().group(&group.id).is_none());
    assert_eq!(
        client.delete_group(&directory, &group.id).await.unwrap(),
        Outcome::AlreadyDone
    );
}

#[tokio::test]
async fn group_roles_are_assigned_and_revoked() {
    let sim = sim_with_users(30).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let group = org.groups.iter().find(|g| !g.external_synced).unwrap();
    let resource = workspace_of(&org, "confluence");
    let row = RoleAssignment::new(Principal::Group(group.id.clone()), &resource, role::GUEST);
    let directory = &group.directory_id;

    let assigned = client
        .assign_group_role(directory, &group.id, &resource, role::GUEST)
        .await
        .unwrap();
    assert_eq!(assigned, Outcome::Done);
    assert!(sim.snapshot().user_roles.contains(&row));
    assert_eq!(
        client
            .revoke_group_role(directory, &group.id, &resource, role::GUEST)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert!(!sim.snapshot().user_roles.contains(&row));
    let again = client
        .revoke_group_role(directory, &group.id, &resource, role::GUEST)
        .await
        .unwrap();
    assert_eq!(again, Outcome::AlreadyDone);
}

#[tokio::test]
async fn workspace_roles_of_a_user_are_assigned_and_revoked() {
    let sim = sim_with_users(30).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let user = ordinary_user(&org);
    let resource = workspace_of(&org, "jira-software");
    let row = RoleAssignment::new(
        Principal::User(user.account_id.clone()),
        &resource,
        role::USER_ACCESS_ADMIN,
    );

    let assigned = client
        .assign_role(&user.account_id, role::USER_ACCESS_ADMIN, &resource)
        .await
        .unwrap();
    assert_eq!(assigned, Outcome::Done);
    assert!(sim.snapshot().user_roles.contains(&row));
    let revoked = client
        .revoke_role(&user.account_id, role::USER_ACCESS_ADMIN, &resource)
        .await
        .unwrap();
    assert_eq!(revoked, Outcome::Done);
    assert!(!sim.snapshot().user_roles.contains(&row));
    let again = client
        .revoke_role(&user.account_id, role::USER_ACCESS_ADMIN, &resource)
        .await
        .unwrap();
    assert_eq!(again, Outcome::AlreadyDone);
}

#[tokio::test]
async fn org_admin_role_is_assigned_and_revoked() {
    let sim = sim_with_users(30).await;
    let client = client(&sim);
    let user = ordinary_user(&sim.snapshot()).account_id.clone();
    let is_admin = || sim.snapshot().org_admins().contains(&user.as_str());

    assert_eq!(
        client
            .assign_org_role(&user, role::ORG_ADMIN)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert!(is_admin());
    assert_eq!(
        client
            .revoke_org_role(&user, role::ORG_ADMIN)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert!(!is_admin());
    assert_eq!(
        client
            .revoke_org_role(&user, role::ORG_ADMIN)
            .await
            .unwrap(),
        Outcome::AlreadyDone
    );
}

#[tokio::test]
async fn invitations_create_accounts_with_their_roles_and_groups() {
    let sim = sim_with_users(30).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let resource = workspace_of(&org, "confluence");
    let group = org
        .groups
        .iter()
        .find(|g| !g.external_synced && g.directory_id == org.directories[0].id)
        .unwrap();

    let invitation = Invitation {
        emails: vec!["new.person@example.org".into()],
        permission_rules: vec![PermissionRule {
            resource: resource.clone(),
            role: role::USER.into(),
        }],
        additional_groups: vec![group.id.clone()],
        send_notification: Some(false),
        notification_text: None,
    };
    let invited = client.invite(&invitation).await.unwrap();
    assert_eq!(invited.len(), 1);
    let account_id = invited[0].id.clone().unwrap();
    let results = &invited[0].results[0];
    assert!(
        results
            .role_assignment_result
            .iter()
            .chain(&results.group_assignment_result)
            .all(|r| !r.failed())
    );
    let after = sim.snapshot();
    assert!(after.user(&account_id).is_some());
    assert!(after.members_of(&group.id).any(|m| m == account_id));

    let v1 = InvitationV1 {
        email: "another.person@example.org".into(),
        permission_rule: PermissionRule {
            resource,
            role: role::USER.into(),
        },
        send_notification: None,
        notification_text: None,
    };
    client.invite_v1(&v1).await.unwrap();
    let after = sim.snapshot();
    assert!(
        after
            .users
            .iter()
            .any(|u| u.email.as_deref() == Some("another.person@example.org"))
    );
}

#[tokio::test]
async fn access_is_suspended_and_restored_with_both_api_versions() {
    let sim = sim_with_users(30).await;
    let client = client(&sim);
    let user = ordinary_user(&sim.snapshot()).clone();
    let directory = user.directory_id.clone().unwrap();
    let membership = || {
        sim.snapshot()
            .user(&user.account_id)
            .unwrap()
            .membership_status
    };

    client
        .suspend_user(&directory, &user.account_id)
        .await
        .unwrap();
    assert_eq!(membership(), MembershipStatus::Suspended);
    client
        .restore_user(&directory, &user.account_id)
        .await
        .unwrap();
    assert_eq!(membership(), MembershipStatus::Active);

    client.suspend_user_v1(&user.account_id).await.unwrap();
    assert_eq!(membership(), MembershipStatus::Suspended);
    client.restore_user_v1(&user.account_id).await.unwrap();
    assert_eq!(membership(), MembershipStatus::Active);
}

#[tokio::test]
async fn removal_from_a_directory_ends_the_membership() {
    let sim = sim_with_users(30).await;
    let client = client(&sim);
    let user = ordinary_user(&sim.snapshot()).clone();
    let directory = user.directory_id.clone().unwrap();

    assert_eq!(
        client
            .remove_from_directory(&directory, &user.account_id)
            .await
            .unwrap(),
        Outcome::Done
    );
    let after = sim.snapshot();
    assert_eq!(
        after.user(&user.account_id).unwrap().membership_status,
        MembershipStatus::NoMembership
    );
    let again = client
        .remove_from_directory(&directory, &user.account_id)
        .await
        .unwrap();
    assert_eq!(again, Outcome::AlreadyDone);
}

#[tokio::test]
async fn managed_accounts_are_deactivated_reactivated_and_deleted() {
    let sim = sim_with_users(30).await;
    let client = client(&sim);
    let account_id = ordinary_user(&sim.snapshot()).account_id.clone();
    let account = || sim.snapshot().user(&account_id).unwrap().clone();

    client
        .deactivate_account(&account_id, Some("Left the company"))
        .await
        .unwrap();
    assert_eq!(account().account_status, AccountStatus::Inactive);
    client.reactivate_account(&account_id).await.unwrap();
    assert_eq!(account().account_status, AccountStatus::Active);

    assert_eq!(
        client.delete_account(&account_id).await.unwrap(),
        Outcome::Done
    );
    assert!(account().for_deletion);
    assert_eq!(
        client.delete_account("no-such-account").await.unwrap(),
        Outcome::AlreadyDone
    );
}

#[tokio::test]
async fn scim_creates_a_user_once() {
    let sim = sim_with_users(30).await;
    let client = client(&sim);
    let user = NewScimUser {
        user_name: "scim.person@example.org".into(),
        email: "scim.person@example.org".into(),
        given_name: Some("Scim".into()),
        family_name: Some("Person".into()),
        display_name: None,
    };

    let created = client.scim_create_user(&user).await.unwrap();
    let account_id = created
        .account_id()
        .expect("the Atlassian account id")
        .to_owned();
    let account = sim
        .snapshot()
        .user(&account_id)
        .cloned()
        .expect("the account exists");
    assert_eq!(account.email.as_deref(), Some("scim.person@example.org"));
    assert_eq!(account.directory_id.as_deref(), client.scim_directory_id());

    let again = client.scim_create_user(&user).await.unwrap_err();
    assert!(matches!(again, Error::AlreadyExists { .. }), "{again:?}");
}

#[tokio::test]
async fn team_members_are_added_and_removed() {
    let sim = sim_with_users(60).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let team = org
        .teams
        .iter()
        .find(|t| !t.deleted && t.site_id.is_none())
        .unwrap()
        .team_id
        .clone();
    let site = org.workspaces[0].cloud_id.clone();
    let outsider = org
        .users
        .iter()
        .find(|u| {
            !org.team_members
                .get(&team)
                .is_some_and(|m| m.contains(&u.account_id))
        })
        .unwrap()
        .account_id
        .clone();
    let is_member = || {
        sim.snapshot()
            .team_members
            .get(&team)
            .is_some_and(|m| m.contains(&outsider))
    };

    let added = client
        .add_team_members(&team, &site, &[&outsider])
        .await
        .unwrap();
    assert_eq!(added.members.len(), 1);
    assert!(added.errors.is_empty());
    assert!(is_member());

    assert_eq!(
        client
            .remove_team_member(&team, &site, &outsider)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert!(!is_member());
    assert_eq!(
        client
            .remove_team_member(&team, &site, &outsider)
            .await
            .unwrap(),
        Outcome::AlreadyDone
    );
    assert_eq!(
        client
            .add_team_member(&team, &site, &outsider)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert!(is_member());

    let unknown = client
        .add_team_member(&team, &site, "no-such-account")
        .await
        .unwrap_err();
    assert!(matches!(unknown, Error::NotFound { .. }), "{unknown:?}");
    let removed = client
        .remove_team_members(&team, &site, &[&outsider])
        .await
        .unwrap();
    assert_eq!(removed.members.len(), 1);
}

#[tokio::test]
async fn reads_through_the_all_directories_alias_see_writes() {
    let sim = sim_with_users(200).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let (user, group) = user_outside_a_writable_group(&org);
    let directory = user.directory_id.clone().unwrap();
    client
        .add_group_member(&directory, &group, &user.account_id)
        .await
        .unwrap();
    let fetched = client
        .user(ALL_DIRECTORIES, &user.account_id)
        .await
        .unwrap();
    assert!(fetched.groups.iter().any(|g| g.id == group));
}
