//! Reads over HTTP: the three pagination styles, their limits, filters and shapes.

mod common;

use std::collections::BTreeSet;

use common::{Harness, account_ids};
use serde_json::{Value, json};
use sim::atlassian::{ClaimStatus, Principal, UserStatus};

/// Account ids the v2 list must show under `-`: directory members and managed accounts.
fn listed(org: &sim::atlassian::Org) -> Vec<String> {
    org.users
        .iter()
        .filter(|u| u.directory_id.is_some() || u.claim_status == ClaimStatus::Managed)
        .map(|u| u.account_id.clone())
        .collect()
}

#[tokio::test]
async fn walking_the_v2_user_list_returns_every_listed_user_once_in_order() {
    let h = Harness::new(230, 2).await;
    let users = h.walk("admin/v2/orgs/{org}/directories/-/users", 100).await;
    assert_eq!(account_ids(&users), listed(&h.sim.snapshot()));
}

#[tokio::test]
async fn the_v2_user_list_defaults_to_20_and_refuses_more_than_100() {
    let h = Harness::new(150, 2).await;
    let first = h.get("admin/v2/orgs/{org}/directories/-/users").await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 20);
    assert!(first.body["links"]["next"].is_string());
    assert!(
        !first.body["links"]["next"]
            .as_str()
            .unwrap()
            .starts_with("http"),
        "v2 cursors are opaque tokens"
    );
    assert_eq!(
        h.get("admin/v2/orgs/{org}/directories/-/users?limit=100")
            .await
            .status,
        200
    );
    let too_many = h
        .get("admin/v2/orgs/{org}/directories/-/users?limit=101")
        .await;
    assert_eq!(too_many.status, 400);
    assert!(too_many.code().starts_with("ADMIN"), "{:?}", too_many.body);
}

#[tokio::test]
async fn a_cursor_carries_the_filters_and_the_request_filters_are_ignored() {
    let h = Harness::new(300, 4).await;
    let managed = h
        .get("admin/v2/orgs/{org}/directories/-/users?claimStatus=managed&limit=5")
        .await;
    let next = managed.body["links"]["next"].as_str().unwrap().to_string();
    let page2 = h
        .get(&format!(
            "admin/v2/orgs/{{org}}/directories/-/users?claimStatus=unmanaged&cursor={next}&limit=5"
        ))
        .await;
    assert_eq!(page2.status, 200);
    assert!(
        page2.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["claimStatus"] == "managed")
    );
}

#[tokio::test]
async fn an_unknown_cursor_is_refused_with_admin_400_1() {
    let h = Harness::new(30, 1).await;
    for path in [
        "admin/v2/orgs/{org}/directories/-/users?cursor=bm90LWEtY3Vyc29y",
        "admin/v2/orgs/{org}/directories/-/groups?cursor=%21%21",
        "admin/v1/orgs/{org}/users?cursor=zzz",
        "admin/v1/orgs?cursor=abc",
    ] {
        let reply = h.get(path).await;
        assert_eq!((reply.status, reply.code()), (400, "ADMIN-400-1"), "{path}");
    }
    let workspaces = h
        .post("admin/v2/orgs/{org}/workspaces", json!({"cursor": "nope"}))
        .await;
    assert_eq!(
        (workspaces.status, workspaces.body["code"].as_str()),
        (400, Some("ADMIN-400-1")),
        "single error body"
    );
}

#[tokio::test]
async fn group_members_are_listed_through_group_ids() {
    let h = Harness::new(400, 6).await;
    let org = h.sim.snapshot();
    let (group, members) = org
        .group_members
        .iter()
        .max_by_key(|(_, m)| m.len())
        .unwrap();
    let listed = h
        .walk(
            &format!("admin/v2/orgs/{{org}}/directories/-/users?groupIds={group}"),
            7,
        )
        .await;
    assert_eq!(
        account_ids(&listed),
        members.iter().cloned().collect::<Vec<_>>()
    );

    let other = org.groups.iter().find(|g| &g.id != group).unwrap();
    let both = h
        .walk(
            &format!(
                "admin/v2/orgs/{{org}}/directories/-/users?groupIds={group}&groupIds={}",
                other.id
            ),
            50,
        )
        .await;
    let union: BTreeSet<String> = members
        .iter()
        .chain(
            org.members_of(&other.id)
                .map(str::to_string)
                .collect::<Vec<_>>()
                .iter(),
        )
        .cloned()
        .collect();
    assert_eq!(account_ids(&both), union.into_iter().collect::<Vec<_>>());
}

#[tokio::test]
async fn filters_select_the_matching_users() {
    let h = Harness::new(300, 8).await;
    let org = h.sim.snapshot();
    let suspended = h
        .walk(
            "admin/v2/orgs/{org}/directories/-/users?status=suspended",
            100,
        )
        .await;
    let expected: Vec<String> = org
        .users
        .iter()
        .filter(|u| u.status() == UserStatus::Suspended)
        .map(|u| u.account_id.clone())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(account_ids(&suspended), expected);

    let directory = &org.directories[1].id;
    let in_directory = h
        .walk(
            &format!("admin/v2/orgs/{{org}}/directories/{directory}/users"),
            100,
        )
        .await;
    let expected: Vec<String> = org
        .users
        .iter()
        .filter(|u| u.directory_id.as_ref() == Some(directory))
        .map(|u| u.account_id.clone())
        .collect();
    assert_eq!(account_ids(&in_directory), expected);

    let workspace = &org.workspaces[0].id;
    let with_access = h
        .walk(
            &format!("admin/v2/orgs/{{org}}/directories/-/users?resourceIds={workspace}"),
            100,
        )
        .await;
    let has_access = |user: &str| {
        let direct = org
            .roles_of(&Principal::User(user.to_string()))
            .any(|r| &r.resource_id == workspace);
        let through_group = org.group_members.iter().any(|(g, m)| {
            m.contains(user)
                && org
                    .roles_of(&Principal::Group(g.clone()))
                    .any(|r| &r.resource_id == workspace)
        });
        direct || through_group
    };
    let expected: Vec<String> = listed(&org).into_iter().filter(|u| has_access(u)).collect();
    assert!(!expected.is_empty());
    assert_eq!(account_ids(&with_access), expected);

    let count = h
        .get("admin/v2/orgs/{org}/directories/-/users/count?status=suspended")
        .await;
    assert_eq!(count.body["count"], suspended.len());
    let bad = h
        .get("admin/v2/orgs/{org}/directories/-/users?status=sleeping")
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn users_search_takes_filters_and_the_cursor_in_the_body() {
    let h = Harness::new(200, 3).await;
    let org = h.sim.snapshot();
    let wanted: Vec<&str> = org
        .users
        .iter()
        .take(3)
        .map(|u| u.account_id.as_str())
        .collect();
    let page = h
        .post(
            "admin/v2/orgs/{org}/directories/-/users/search",
            json!({"accountIds": wanted, "limit": 2}),
        )
        .await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(
        account_ids(page.body["data"].as_array().unwrap()),
        wanted[..2]
    );
    let next = page.body["links"]["next"].as_str().unwrap();
    let rest = h
        .post(
            "admin/v2/orgs/{org}/directories/-/users/search",
            json!({"cursor": next}),
        )
        .await;
    assert_eq!(
        account_ids(rest.body["data"].as_array().unwrap()),
        wanted[2..]
    );
    let both = h
        .post(
            "admin/v2/orgs/{org}/directories/-/users/search",
            json!({"searchTerm": "a", "emails": ["x@y.z"]}),
        )
        .await;
    assert_eq!(both.status, 400);
}

#[tokio::test]
async fn the_v1_user_list_shows_managed_accounts_with_url_links_and_a_total() {
    let h = Harness::new(260, 5).await;
    let org = h.sim.snapshot();
    let managed: Vec<String> = org
        .users
        .iter()
        .filter(|u| u.claim_status == ClaimStatus::Managed)
        .map(|u| u.account_id.clone())
        .collect();
    let mut seen = Vec::new();
    let mut path = "admin/v1/orgs/{org}/users".to_string();
    loop {
        let reply = h.get(&path).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["meta"]["total"], managed.len());
        for user in reply.body["data"].as_array().unwrap() {
            assert!(
                user["account_status"].is_string() && user["product_access"].is_array(),
                "snake_case: {user}"
            );
            seen.push(user["account_id"].as_str().unwrap().to_string());
        }
        match reply.body["links"]["next"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(h.sim.base_url().as_str()) && next.contains("?cursor="),
                    "{next}"
                );
                path = next
                    .trim_start_matches(h.sim.base_url().as_str())
                    .to_string();
            }
            None => break,
        }
    }
    assert_eq!(seen, managed);
}

#[tokio::test]
async fn workspaces_page_with_a_body_cursor_that_must_travel_alone() {
    let h = Harness::new(13_000, 1).await;
    let total = h.sim.snapshot().workspaces.len();
    assert_eq!(total, 26);
    let first = h
        .post("admin/v2/orgs/{org}/workspaces", json!({"limit": 10}))
        .await;
    assert_eq!(
        first.body["meta"],
        json!({"pageSize": 10, "startIndex": 0, "endIndex": 10, "total": total})
    );
    let next = first.body["links"]["next"].as_str().unwrap();
    let refused = h
        .post(
            "admin/v2/orgs/{org}/workspaces",
            json!({"cursor": next, "limit": 10}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (400, Some("ADMIN-400-24"))
    );
    let second = h
        .post("admin/v2/orgs/{org}/workspaces", json!({"cursor": next}))
        .await;
    assert_eq!(
        second.body["meta"],
        json!({"pageSize": 20, "startIndex": 10, "endIndex": 26, "total": total})
    );
    assert!(second.body["links"]["next"].is_null());

    let mut ids: Vec<Value> = first.body["data"].as_array().unwrap().clone();
    ids.extend(second.body["data"].as_array().unwrap().iter().cloned());
    let ids: Vec<&str> = ids.iter().map(|w| w["id"].as_str().unwrap()).collect();
    let truth: Vec<String> = h
        .sim
        .snapshot()
        .workspaces
        .iter()
        .map(|w| w.id.clone())
        .collect();
    assert_eq!(ids, truth);

    let confluence = h
        .post(
            "admin/v2/orgs/{org}/workspaces",
            json!({
                "query": {"field": {"name": "typeKey", "values": ["confluence"]}},
                "limit": 100,
            }),
        )
        .await;
    let data = confluence.body["data"].as_array().unwrap();
    assert!(
        !data.is_empty()
            && data
                .iter()
                .all(|w| w["attributes"]["typeKey"] == "confluence")
    );
}

#[tokio::test]
async fn the_jira_admin_workspace_is_listed() {
    let h = Harness::new(30, 1).await;
    let all = h.post("admin/v2/orgs/{org}/workspaces", json!({})).await;
    let keys: Vec<&str> = all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["attributes"]["typeKey"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"jira-admin"));
}

#[tokio::test]
async fn groups_list_pages_and_details_resolve_the_real_directory() {
    let h = Harness::new(500, 2).await;
    let org = h.sim.snapshot();
    let groups = h.walk("admin/v2/orgs/{org}/directories/-/groups", 7).await;
    let ids: Vec<&str> = groups.iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        org.groups.iter().map(|g| g.id.as_str()).collect::<Vec<_>>()
    );
    let synced = org.groups.iter().find(|g| g.external_synced).unwrap();
    let detail = h
        .get(&format!(
            "admin/v2/orgs/{{org}}/directories/-/groups/{}",
            synced.id
        ))
        .await;
    assert_eq!(detail.body["data"]["directoryId"], synced.directory_id);
    assert_eq!(detail.body["data"]["externalSynced"], true);
    assert_eq!(
        detail.body["data"]["counts"]["users"],
        org.members_of(&synced.id).count()
    );

    let member = org.members_of(&synced.id).next().unwrap();
    let containing = h
        .walk(
            &format!("admin/v2/orgs/{{org}}/directories/-/groups?accountIds={member}"),
            100,
        )
        .await;
    assert!(
        containing
            .iter()
            .all(|g| org.group_members[g["id"].as_str().unwrap()].contains(member))
    );
    assert!(containing.iter().any(|g| g["id"] == synced.id.as_str()));
}

#[tokio::test]
async fn role_assignments_group_a_users_roles_by_resource_with_their_methods() {
    let h = Harness::new(200, 5).await;
    let org = h.sim.snapshot();
    let admin = org.org_admins()[0].to_string();
    let rows = h
        .walk(
            &format!("admin/v2/orgs/{{org}}/directories/-/users/{admin}/role-assignments"),
            2,
        )
        .await;
    let platform = rows
        .iter()
        .find(|r| r["resourceOwner"] == "platform")
        .expect("org-admin shows as a platform row");
    assert_eq!(platform["resourceId"], org.ari());
    assert!(platform["directoryId"].is_null());
    assert!(
        rows.iter().any(|r| r["resourceOwner"] == "project"),
        "project rows are listed for connectors to skip"
    );
    for row in &rows {
        let roles = row["roles"].as_array().unwrap();
        assert_eq!(
            roles.len(),
            row["roleAssignments"].as_array().unwrap().len()
        );
    }

    let (group, member) = org
        .group_members
        .iter()
        .find(|(g, m)| {
            !m.is_empty()
                && org
                    .roles_of(&Principal::Group((*g).clone()))
                    .next()
                    .is_some()
        })
        .map(|(g, m)| (g.clone(), m.first().unwrap().clone()))
        .unwrap();
    let group_row = org
        .roles_of(&Principal::Group(group.clone()))
        .next()
        .unwrap()
        .clone();
    let member_rows = h
        .walk(
            &format!("admin/v2/orgs/{{org}}/directories/-/users/{member}/role-assignments"),
            100,
        )
        .await;
    let inherited = member_rows
        .iter()
        .find(|r| r["resourceId"] == group_row.resource_id.as_str())
        .unwrap();
    let held = inherited["roleAssignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == group_row.role.as_str())
        .unwrap();
    assert!(
        held["roleAssignmentMethods"]
            .as_array()
            .unwrap()
            .contains(&json!("group_direct"))
    );

    let group_rows = h
        .walk(
            &format!("admin/v2/orgs/{{org}}/directories/-/groups/{group}/role-assignments"),
            100,
        )
        .await;
    assert_eq!(
        group_rows.len(),
        org.roles_of(&Principal::Group(group))
            .map(|r| &r.resource_id)
            .collect::<BTreeSet<_>>()
            .len()
    );
}

#[tokio::test]
async fn teams_list_respects_the_size_limit_and_site_scoping() {
    let h = Harness::new(2000, 3).await;
    let org = h.sim.snapshot();
    let teams = |path: String| h.send(h.teams(reqwest::Method::GET, &path));
    let too_big = teams("public/teams/v1/org/{org}/teams?size=301".into()).await;
    assert_eq!(
        (too_big.status, too_big.body["message"].is_string()),
        (400, true)
    );

    let site = org.teams.iter().find_map(|t| t.site_id.clone()).unwrap();
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let reply = teams(format!(
            "public/teams/v1/org/{{org}}/teams?siteId={site}&size=7{cursor}"
        ))
        .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        seen.extend(
            reply.body["entities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["teamId"].as_str().unwrap().to_string()),
        );
        match reply.body["cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let expected: Vec<String> = org
        .teams
        .iter()
        .filter(|t| !t.deleted && t.site_id.as_ref().is_none_or(|s| *s == site))
        .map(|t| t.team_id.clone())
        .collect();
    assert_eq!(seen, expected);
    let without_site = teams("public/teams/v1/org/{org}/teams?size=300".into()).await;
    assert!(
        without_site.body["entities"].as_array().unwrap().len() < expected.len(),
        "site-scoped teams need siteId"
    );

    let deleted = org.teams.iter().find(|t| t.deleted).unwrap();
    assert_eq!(
        teams(format!(
            "public/teams/v1/org/{{org}}/teams/{}",
            deleted.team_id
        ))
        .await
        .status,
        410
    );

    let team = org
        .team_members
        .iter()
        .max_by_key(|(_, m)| m.len())
        .unwrap();
    let mut members = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let request = h
            .teams(
                reqwest::Method::POST,
                &format!("public/teams/v1/org/{{org}}/teams/{}/members", team.0),
            )
            .json(&json!({"first": 10, "after": after}));
        let reply = h.send(request).await;
        members.extend(
            reply.body["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["accountId"].as_str().unwrap().to_string()),
        );
        if reply.body["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = reply.body["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_string);
    }
    assert_eq!(members, team.1.iter().cloned().collect::<Vec<_>>());
}

#[tokio::test]
async fn api_tokens_accept_limit_and_page_size() {
    let h = Harness::new(200, 3).await;
    let total = h.sim.snapshot().api_tokens.len();
    let by_limit = h.walk("admin/api-access/v1/orgs/{org}/api-tokens", 3).await;
    assert_eq!(by_limit.len(), total);
    let by_page_size = h
        .get("admin/api-access/v1/orgs/{org}/api-tokens?pageSize=4")
        .await;
    assert_eq!(by_page_size.body["data"].as_array().unwrap().len(), 4);
    assert!(by_page_size.body["data"][0]["user"]["email"].is_string());
}

#[tokio::test]
async fn org_directory_stats_and_last_active_dates_answer() {
    let h = Harness::new(120, 3).await;
    let org = h.sim.snapshot();
    let got = h.get("admin/v1/orgs/{org}").await;
    assert_eq!(
        (
            got.body["data"]["id"].as_str(),
            got.body["data"]["type"].as_str()
        ),
        (Some(org.id.as_str()), Some("orgs"))
    );
    assert_eq!(
        h.get("admin/v1/orgs/not-this-org").await.code(),
        "ADMIN-404-2"
    );
    let directories = h.get("admin/v2/orgs/{org}/directories").await;
    assert_eq!(
        directories.body["data"].as_array().unwrap().len(),
        org.directories.len()
    );
    let stats = h.get("admin/v2/orgs/{org}/directories/-/users/stats").await;
    let admins = stats.body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["roleId"] == "atlassian/org-admin")
        .unwrap();
    assert_eq!(admins["count"], org.org_admins().len());
    let active_user = org
        .users
        .iter()
        .find(|u| u.last_active.is_some() && u.directory_id.is_some())
        .unwrap();
    let dates = h
        .get(&format!(
            "admin/v1/orgs/{{org}}/directory/users/{}/last-active-dates",
            active_user.account_id
        ))
        .await;
    assert_eq!(
        dates.body["data"]["added_to_org"].as_str().unwrap(),
        &active_user.added_to_org[..10]
    );
    assert!(dates.body["data"]["product_access"].is_array());
}
