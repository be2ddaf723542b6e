//! The deterministic organization generator.

use std::collections::{BTreeSet, HashSet};

use sim::atlassian::*;

fn org(users: usize, seed: u64) -> Org {
    generate(&OrgSpec { users, seed })
}

#[test]
fn the_same_spec_generates_the_same_organization() {
    let a = serde_json::to_value(org(300, 7)).unwrap();
    let b = serde_json::to_value(org(300, 7)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_different_seed_generates_a_different_organization() {
    let (a, b) = (org(300, 7), org(300, 8));
    assert_ne!(a.id, b.id);
    let ids = |o: &Org| {
        o.users
            .iter()
            .map(|u| u.account_id.clone())
            .collect::<HashSet<_>>()
    };
    assert!(ids(&a).is_disjoint(&ids(&b)));
}

#[test]
fn every_kind_and_status_exists_in_a_small_org() {
    let org = org(40, 3);
    let kinds: HashSet<UserKind> = org.users.iter().map(|u| u.kind).collect();
    assert_eq!(kinds.len(), UserKind::ALL.len(), "{kinds:?}");
    let statuses: HashSet<UserStatus> = org.users.iter().map(|u| u.status()).collect();
    assert_eq!(statuses.len(), UserStatus::ALL.len(), "{statuses:?}");
    let account_types: HashSet<AccountType> = org.users.iter().map(|u| u.account_type).collect();
    assert_eq!(account_types.len(), AccountType::ALL.len());
    assert!(
        org.users
            .iter()
            .any(|u| u.account_status == AccountStatus::Closed)
    );
    assert!(
        org.users.iter().any(|u| u.email.is_none()),
        "apps have no email"
    );

    assert_eq!(org.org_admins().len(), 1);
    let owners: HashSet<&str> = org.user_roles.iter().map(|r| r.resource_owner()).collect();
    for owner in [
        "platform",
        "project",
        "goal",
        "confluence",
        "jira-software",
        "jira-admin",
    ] {
        assert!(owners.contains(owner), "no {owner} role rows in {owners:?}");
    }
    let roles: HashSet<&str> = org.user_roles.iter().map(|r| r.role.as_str()).collect();
    for role in [
        roles::ORG_ADMIN,
        roles::SITE_ADMIN,
        roles::GUEST,
        roles::CUSTOMER,
        roles::USER,
        roles::ADMIN,
    ] {
        assert!(roles.contains(role), "no {role} in {roles:?}");
    }
    assert!(
        org.user_roles
            .iter()
            .any(|r| matches!(r.principal, Principal::Group(_)))
    );

    assert!(
        org.groups.iter().any(|g| g.external_synced)
            && org.groups.iter().any(|g| !g.external_synced)
    );
    assert!(org.directories.len() >= 3);
    assert!(org.teams.iter().any(|t| t.deleted));
    assert!(org.teams.iter().any(|t| t.state == TeamState::Archived));
    assert!(org.teams.iter().any(|t| t.site_id.is_some()));
    assert!(
        org.api_tokens
            .iter()
            .any(|t| t.status == ApiTokenStatus::Blocked)
    );
}

#[test]
fn workspaces_cover_several_products_and_sites_share_cloud_ids() {
    let org = org(40, 3);
    let products: HashSet<&str> = org.workspaces.iter().map(|w| w.product.as_str()).collect();
    for product in [
        "jira-software",
        "confluence",
        "jira-servicedesk",
        "jira-admin",
        "bitbucket",
    ] {
        assert!(products.contains(product), "no {product} in {products:?}");
    }
    let site = &org.workspaces[0];
    let same_site = org
        .workspaces
        .iter()
        .filter(|w| w.cloud_id == site.cloud_id)
        .count();
    assert!(same_site >= 3);
    let jira_admin = org
        .workspaces
        .iter()
        .find(|w| w.product == "jira-admin")
        .unwrap();
    assert_eq!(
        jira_admin.id,
        format!("ari:cloud:jira-admin::site/{}", jira_admin.cloud_id)
    );
    for workspace in &org.workspaces {
        let usage = org.licence_usage(&workspace.id);
        match workspace.product.as_str() {
            "jira-admin" => assert_eq!(workspace.capacity, None),
            "bitbucket" => assert_eq!(
                workspace.capacity,
                Some(usage),
                "bitbucket is generated full"
            ),
            _ => assert!(workspace.capacity.unwrap() > usage),
        }
    }
}

#[test]
fn sizes_follow_the_documented_proportions() {
    let spec = OrgSpec {
        users: 5000,
        seed: 11,
    };
    let org = generate(&spec);
    assert_eq!(org.users.len(), 5000);
    assert_eq!(org.groups.len(), spec.group_count());
    assert_eq!(spec.group_count(), 200);
    assert_eq!(org.workspaces.len(), spec.workspace_count());
    assert_eq!(spec.workspace_count(), 10);
    assert_eq!(
        org.teams.iter().filter(|t| !t.deleted).count(),
        spec.team_count()
    );
    assert_eq!(spec.team_count(), 100);
    assert_eq!(org.api_tokens.len(), 250);

    let memberships: usize = org.group_members.values().map(BTreeSet::len).sum();
    let team_memberships: usize = org.team_members.values().map(BTreeSet::len).sum();
    let user_rows = org
        .user_roles
        .iter()
        .filter(|r| matches!(r.principal, Principal::User(_)))
        .count();
    let per_user = (memberships + team_memberships + user_rows) as f64 / 5000.0;
    assert!(
        (6.0..14.0).contains(&per_user),
        "about 10 grants per user, got {per_user}"
    );

    let small = OrgSpec { users: 10, seed: 1 };
    assert_eq!(
        (
            small.group_count(),
            small.workspace_count(),
            small.team_count()
        ),
        (3, 6, 2)
    );
}

#[test]
fn references_are_consistent_and_collections_sorted() {
    let org = org(600, 5);
    assert!(
        org.users
            .windows(2)
            .all(|w| w[0].account_id < w[1].account_id)
    );
    assert!(org.groups.windows(2).all(|w| w[0].id < w[1].id));
    for (group_id, members) in &org.group_members {
        let group = org
            .group(group_id)
            .expect("memberships name existing groups");
        for member in members {
            let user = org.user(member).expect("members exist");
            assert_eq!(
                user.directory_id.as_deref(),
                Some(group.directory_id.as_str()),
                "members share the group's directory"
            );
        }
    }
    for (team_id, members) in &org.team_members {
        assert!(org.team(team_id).is_some_and(|t| !t.deleted));
        assert!(members.iter().all(|m| org.user(m).is_some()));
    }
    for row in &org.user_roles {
        match &row.principal {
            Principal::User(id) => assert!(org.user(id).is_some()),
            Principal::Group(id) => assert!(org.group(id).is_some()),
        }
        if let Some(workspace) = org.workspace(&row.resource_id)
            && workspace.product != "jira-admin"
        {
            assert!(
                valid_roles(&workspace.product).contains(&row.role.as_str()),
                "{row:?}"
            );
        }
    }
}

#[test]
fn org_admins_are_active_managed_accounts() {
    let org = org(2000, 9);
    for admin in org.org_admins() {
        let user = org.user(admin).unwrap();
        assert_eq!(
            (user.kind, user.status()),
            (UserKind::Managed, UserStatus::Active)
        );
    }
}

#[test]
fn an_org_without_users_still_has_its_structure() {
    let org = org(0, 1);
    assert!(
        org.users.is_empty()
            && org.api_tokens.is_empty()
            && org
                .user_roles
                .iter()
                .all(|r| matches!(r.principal, Principal::Group(_)))
    );
    assert_eq!((org.groups.len(), org.workspaces.len()), (3, 6));
}
