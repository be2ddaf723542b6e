//! Every read endpoint against the simulator, compared with its ground truth, and each
//! pagination style over at least three pages.

mod common;

use std::collections::BTreeSet;

use atlassian::{
    ALL_DIRECTORIES, Cursor, GroupFilter, RoleAssignmentFilter, UserFilter, UserSearch, UserStatus,
    WorkspaceQuery,
};
use futures::TryStreamExt;
use sim::atlassian::{
    ClaimStatus, Principal, Team, TeamState, TeamType, Workspace, WorkspaceStatus, endpoints,
};

use common::{client, requests, sim_with_users};

/// Account ids the `-` directory lists: directory members and managed accounts.
fn listed_ids(org: &sim::atlassian::Org) -> BTreeSet<String> {
    org.users
        .iter()
        .filter(|u| u.directory_id.is_some() || u.claim_status == ClaimStatus::Managed)
        .map(|u| u.account_id.clone())
        .collect()
}

#[tokio::test]
async fn orgs_list_and_org_details_show_the_simulated_organization() {
    let sim = sim_with_users(20).await;
    let client = client(&sim);
    let truth = sim.snapshot();

    let orgs: Vec<_> = client.orgs().try_collect().await.unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].id, truth.id);
    assert_eq!(orgs[0].name.as_deref(), Some(truth.name.as_str()));
    assert_eq!(client.org().await.unwrap(), orgs[0]);
}

#[tokio::test]
async fn directories_are_listed() {
    let sim = sim_with_users(20).await;
    let directories: Vec<_> = client(&sim).directories().try_collect().await.unwrap();
    let ids: BTreeSet<_> = directories.iter().map(|d| d.directory_id.clone()).collect();
    let truth: BTreeSet<_> = sim
        .snapshot()
        .directories
        .iter()
        .map(|d| d.id.clone())
        .collect();
    assert_eq!(ids, truth);
}

#[tokio::test]
async fn users_stream_pages_through_every_listed_user_with_full_pages() {
    let sim = sim_with_users(500).await;
    let client = client(&sim);
    let truth = listed_ids(&sim.snapshot());

    let users: Vec<_> = client
        .users(ALL_DIRECTORIES, &UserFilter::default())
        .try_collect()
        .await
        .unwrap();
    let ids: BTreeSet<_> = users.iter().map(|u| u.account_id.clone()).collect();
    assert_eq!(ids.len(), users.len(), "no user twice");
    assert_eq!(ids, truth);
    let pages = requests(&sim, endpoints::USERS);
    assert!(pages >= 3, "only {pages} pages");
    assert_eq!(
        pages,
        (truth.len() as u64).div_ceil(100),
        "100 users per page"
    );
}

#[tokio::test]
async fn users_pages_can_be_fetched_one_at_a_time_with_their_cursors() {
    let sim = sim_with_users(250).await;
    let client = client(&sim);
    let filter = UserFilter::default();
    let first = client
        .users_page(ALL_DIRECTORIES, &filter, None)
        .await
        .unwrap();
    let next = first.next.clone().expect("a second page");
    let second = client
        .users_page(ALL_DIRECTORIES, &filter, Some(&next))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 100);
    assert!(first.items.last().unwrap().account_id < second.items[0].account_id);
    let again = client
        .users_page(ALL_DIRECTORIES, &filter, Some(&next))
        .await
        .unwrap();
    assert_eq!(again.items, second.items, "a cursor can be used again");
}

#[tokio::test]
async fn user_filters_reach_the_service() {
    let sim = sim_with_users(120).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let directory = &org.directories[0].id;

    let filter = UserFilter {
        status: vec![UserStatus::Suspended],
        ..UserFilter::default()
    };
    let suspended: Vec<_> = client
        .users(ALL_DIRECTORIES, &filter)
        .try_collect()
        .await
        .unwrap();
    assert!(!suspended.is_empty());
    assert!(
        suspended
            .iter()
            .all(|u| u.status == Some(UserStatus::Suspended))
    );

    let in_directory: Vec<_> = client
        .users(directory, &UserFilter::default())
        .try_collect()
        .await
        .unwrap();
    let truth = org
        .users
        .iter()
        .filter(|u| u.directory_id.as_ref() == Some(directory))
        .count();
    assert_eq!(in_directory.len(), truth);

    let count = client.count_users(ALL_DIRECTORIES, &filter).await.unwrap();
    assert_eq!(count, suspended.len() as u64);
}

#[tokio::test]
async fn group_members_are_the_users_filtered_by_the_group() {
    let sim = sim_with_users(120).await;
    let org = sim.snapshot();
    let (group_id, members) = org
        .group_members
        .iter()
        .max_by_key(|(_, m)| m.len())
        .unwrap();
    let listed: Vec<_> = client(&sim)
        .group_members(ALL_DIRECTORIES, group_id)
        .try_collect()
        .await
        .unwrap();
    let ids: BTreeSet<_> = listed.into_iter().map(|u| u.account_id).collect();
    assert_eq!(&ids, members);
}

#[tokio::test]
async fn users_search_pages_with_the_body_and_finds_exact_emails() {
    let sim = sim_with_users(300).await;
    let client = client(&sim);
    let truth = listed_ids(&sim.snapshot());

    let all: Vec<_> = client
        .search_users(ALL_DIRECTORIES, &UserSearch::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter()
            .map(|u| u.account_id.clone())
            .collect::<BTreeSet<_>>(),
        truth
    );
    assert!(requests(&sim, endpoints::USERS_SEARCH) >= 3);

    let email = all.iter().find_map(|u| u.email.clone()).unwrap();
    let search = UserSearch {
        emails: vec![email.clone()],
        ..UserSearch::default()
    };
    let found: Vec<_> = client
        .search_users(ALL_DIRECTORIES, &search)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].email.as_deref(), Some(email.as_str()));
}

#[tokio::test]
async fn one_user_comes_with_groups_and_role_assignments() {
    let sim = sim_with_users(60).await;
    let client = client(&sim);
    let org = sim.snapshot();
    let (group_id, members) = org
        .group_members
        .iter()
        .find(|(_, m)| !m.is_empty())
        .unwrap();
    let account_id = members.iter().next().unwrap();

    let user = client.user(ALL_DIRECTORIES, account_id).await.unwrap();
    assert_eq!(&user.account_id, account_id);
    assert!(user.groups.iter().any(|g| &g.id == group_id));

    let assignments: Vec<_> = client
        .user_role_assignments(
            ALL_DIRECTORIES,
            account_id,
            &RoleAssignmentFilter::default(),
        )
        .try_collect()
        .await
        .unwrap();
    let direct: BTreeSet<_> = org
        .roles_of(&Principal::User(account_id.clone()))
        .map(|r| (r.resource_id.clone(), r.role.clone()))
        .collect();
    let listed: BTreeSet<_> = assignments
        .iter()
        .flat_map(|a| {
            a.role_ids()
                .into_iter()
                .map(|r| (a.resource_id.clone().unwrap(), r.to_owned()))
        })
        .collect();
    assert!(
        direct.is_subset(&listed),
        "direct roles {direct:?} missing from {listed:?}"
    );
}

#[tokio::test]
async fn counts_stats_and_last_active_dates_are_read() {
    let sim = sim_with_users(80).await;
    let client = client(&sim);
    let org = sim.snapshot();

    let count = client
        .count_users(ALL_DIRECTORIES, &UserFilter::default())
        .await
        .unwrap();
    assert_eq!(count, listed_ids(&org).len() as u64);

    let stats = client.user_stats(ALL_DIRECTORIES).await.unwrap();
    let by_status: u64 = stats.account_status.iter().map(|s| s.count).sum();
    assert_eq!(by_status, count);
    assert!(
        stats
            .roles
            .iter()
            .any(|r| r.role_id == "atlassian/org-admin")
    );

    let active = org
        .users
        .iter()
        .find(|u| u.last_active.is_some() && u.directory_id.is_some())
        .unwrap();
    let dates = client.last_active_dates(&active.account_id).await.unwrap();
    assert_eq!(
        dates.added_to_org_timestamp.as_deref(),
        Some(active.added_to_org.as_str())
    );
}

#[tokio::test]
async fn managed_accounts_follow_v1_links_given_as_urls() {
    let sim = sim_with_users(500).await;
    let org = sim.snapshot();
    let truth: BTreeSet<_> = org
        .users
        .iter()
        .filter(|u| u.claim_status == ClaimStatus::Managed)
        .map(|u| u.account_id.clone())
        .collect();
    assert!(truth.len() > 200, "the org must fill three v1 pages");

    let accounts: Vec<_> = client(&sim).managed_accounts().try_collect().await.unwrap();
    assert_eq!(
        accounts
            .into_iter()
            .map(|a| a.account_id)
            .collect::<BTreeSet<_>>(),
        truth
    );
    assert!(requests(&sim, endpoints::V1_USERS) >= 3);
}

#[tokio::test]
async fn groups_details_and_group_role_assignments_are_read() {
    let sim = sim_with_users(120).await;
    let client = client(&sim);
    let org = sim.snapshot();

    let groups: Vec<_> = client
        .groups(ALL_DIRECTORIES, &GroupFilter::default())
        .try_collect()
        .await
        .unwrap();
    let ids: BTreeSet<_> = groups.iter().map(|g| g.id.clone()).collect();
    assert_eq!(ids, org.groups.iter().map(|g| g.id.clone()).collect());
    let synced = org
        .groups
        .iter()
        .find(|g| g.external_synced)
        .expect("an IdP group");
    assert!(
        groups
            .iter()
            .find(|g| g.id == synced.id)
            .unwrap()
            .is_idp_managed()
    );

    let holder = org
        .user_roles
        .iter()
        .find_map(|r| match &r.principal {
            Principal::Group(id) => Some(id.clone()),
            Principal::User(_) => None,
        })
        .unwrap();
    let group = client.group(ALL_DIRECTORIES, &holder).await.unwrap();
    let real_directory = &org.group(&holder).unwrap().directory_id;
    assert_eq!(group.directory_id.as_ref(), Some(real_directory));

    let assignments: Vec<_> = client
        .group_role_assignments(ALL_DIRECTORIES, &holder, &RoleAssignmentFilter::default())
        .try_collect()
        .await
        .unwrap();
    let listed: BTreeSet<_> = assignments
        .iter()
        .flat_map(|a| {
            a.roles
                .iter()
                .map(|r| (a.resource_id.clone().unwrap(), r.clone()))
        })
        .collect();
    let truth: BTreeSet<_> = org
        .roles_of(&Principal::Group(holder.clone()))
        .map(|r| (r.resource_id.clone(), r.role.clone()))
        .collect();
    assert_eq!(listed, truth);

    let filter = GroupFilter {
        search_term: Some(group.name.clone().unwrap()),
        ..GroupFilter::default()
    };
    let found: Vec<_> = client
        .groups(ALL_DIRECTORIES, &filter)
        .try_collect()
        .await
        .unwrap();
    assert!(found.iter().any(|g| g.id == holder));
}

#[tokio::test]
async fn workspaces_query_pages_with_a_body_cursor() {
    let sim = sim_with_users(20).await;
    sim.with_org(|org| {
        let template = org.workspaces[0].clone();
        for n in 0..250 {
            let cloud_id = format!("00000000-0000-4000-8000-{n:012}");
            org.workspaces.push(Workspace {
                id: format!("ari:cloud:confluence::site/{cloud_id}"),
                product: "confluence".into(),
                name: format!("extra-{n}"),
                host_url: format!("https://extra-{n}.atlassian.net"),
                cloud_id,
                status: WorkspaceStatus::Online,
                ..template.clone()
            });
        }
    });
    let client = client(&sim);
    let truth: BTreeSet<_> = sim
        .snapshot()
        .workspaces
        .iter()
        .map(|w| w.id.clone())
        .collect();

    let workspaces: Vec<_> = client
        .workspaces(&WorkspaceQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        workspaces
            .iter()
            .map(|w| w.id.clone())
            .collect::<BTreeSet<_>>(),
        truth
    );
    assert_eq!(workspaces.len(), truth.len(), "no workspace twice");
    assert!(requests(&sim, endpoints::WORKSPACES) >= 3);
    let extra = workspaces
        .iter()
        .find(|w| w.attributes.name.as_deref() == Some("extra-7"))
        .unwrap();
    assert_eq!(
        extra.cloud_id(),
        Some("00000000-0000-4000-8000-000000000007")
    );

    let confluence: Vec<_> = client
        .workspaces(&WorkspaceQuery::field("typeKey", &["confluence"]))
        .try_collect()
        .await
        .unwrap();
    assert!(confluence.len() > 250);
    assert!(
        confluence
            .iter()
            .all(|w| w.attributes.type_key.as_deref() == Some("confluence"))
    );
}

#[tokio::test]
async fn api_tokens_are_listed_over_several_pages() {
    let sim = sim_with_users(20).await;
    sim.with_org(|org| {
        let template = org.api_tokens[0].clone();
        for n in 0..250 {
            let mut token = template.clone();
            token.id = format!("extra-token-{n:04}");
            org.api_tokens.push(token);
        }
    });
    let truth: BTreeSet<_> = sim
        .snapshot()
        .api_tokens
        .iter()
        .map(|t| t.id.clone())
        .collect();
    let tokens: Vec<_> = client(&sim).api_tokens().try_collect().await.unwrap();
    assert_eq!(
        tokens.iter().map(|t| t.id.clone()).collect::<BTreeSet<_>>(),
        truth
    );
    assert!(requests(&sim, endpoints::API_TOKENS) >= 3);
    assert!(
        tokens
            .iter()
            .all(|t| t.user.as_ref().is_some_and(|u| u.id.is_some()))
    );
}

/// Adds `count` org-wide teams.
fn add_teams(sim: &sim::atlassian::AtlassianSim, count: usize) {
    sim.with_org(|org| {
        for n in 0..count {
            org.teams.push(Team {
                team_id: format!("10000000-0000-4000-8000-{n:012}"),
                display_name: format!("Team {n}"),
                description: String::new(),
                state: TeamState::Active,
                team_type: TeamType::Open,
                creator_id: None,
                site_id: None,
                deleted: false,
            });
        }
    });
}

#[tokio::test]
async fn teams_list_follows_its_cursor_and_leaves_deleted_teams_out() {
    let sim = sim_with_users(60).await;
    add_teams(&sim, 650);
    let org = sim.snapshot();
    let site_id = org.workspaces[0].cloud_id.clone();
    let truth: BTreeSet<_> = org
        .teams
        .iter()
        .filter(|t| !t.deleted && t.site_id.as_ref().is_none_or(|s| *s == site_id))
        .map(|t| t.team_id.clone())
        .collect();

    let teams: Vec<_> = client(&sim).teams(&site_id).try_collect().await.unwrap();
    assert_eq!(
        teams
            .iter()
            .map(|t| t.team_id.clone())
            .collect::<BTreeSet<_>>(),
        truth
    );
    assert!(requests(&sim, endpoints::TEAMS) >= 3);

    let one = client(&sim)
        .team(&teams[0].team_id, &site_id)
        .await
        .unwrap();
    assert_eq!(one, teams[0]);
}

#[tokio::test]
async fn team_members_follow_relay_page_info() {
    let sim = sim_with_users(200).await;
    let org = sim.snapshot();
    let team_id = org
        .teams
        .iter()
        .find(|t| !t.deleted)
        .unwrap()
        .team_id
        .clone();
    let everyone: BTreeSet<String> = org.users.iter().map(|u| u.account_id.clone()).collect();
    sim.with_org(|org| org.team_members.insert(team_id.clone(), everyone.clone()));
    let site_id = org.workspaces[0].cloud_id.clone();

    let members: Vec<_> = client(&sim)
        .team_members(&team_id, &site_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        members
            .into_iter()
            .map(|m| m.account_id)
            .collect::<BTreeSet<_>>(),
        everyone
    );
    assert!(requests(&sim, endpoints::TEAM_MEMBERS) >= 3);
}

#[tokio::test]
async fn a_cursor_from_one_page_is_accepted_as_a_bare_token_or_inside_a_url() {
    let sim = sim_with_users(300).await;
    let client = client(&sim);
    let first = client.managed_accounts_page(None).await.unwrap();
    let next = first.next.expect("more than one v1 page");
    let as_url = Cursor::from_link(&format!(
        "{}admin/v1/orgs/x/users?cursor={}",
        sim.base_url(),
        next.as_str()
    ));
    assert_eq!(as_url.as_ref(), Some(&next));
    let second = client.managed_accounts_page(as_url.as_ref()).await.unwrap();
    assert!(!second.items.is_empty());
    assert!(second.items[0].account_id > first.items.last().unwrap().account_id);
}
