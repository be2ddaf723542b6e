//! Writes over HTTP change later reads, and refuse what the real service refuses.

mod common;

use common::{Harness, account_ids};
use reqwest::Method;
use serde_json::json;
use sim::atlassian::{
    AccountStatus, ClaimStatus, MembershipStatus, Org, Principal, RoleAssignment, SimConfig, User,
    UserKind, UserStatus, roles, valid_roles,
};

/// An active directory member who is not an org admin.
fn active_member(org: &Org) -> &User {
    let admins = org.org_admins();
    org.users
        .iter()
        .find(|u| {
            u.kind == UserKind::Managed
                && u.status() == UserStatus::Active
                && !admins.contains(&u.account_id.as_str())
        })
        .unwrap()
}

fn workspace_of<'a>(org: &'a Org, product: &str) -> &'a sim::atlassian::Workspace {
    org.workspaces
        .iter()
        .find(|w| w.product == product)
        .unwrap()
}

#[tokio::test]
async fn adding_and_removing_a_group_member_changes_the_member_list() {
    let h = Harness::new(200, 1).await;
    let org = h.sim.snapshot();
    let user = active_member(&org);
    let directory = user.directory_id.clone().unwrap();
    let group = org
        .groups
        .iter()
        .find(|g| {
            !g.external_synced
                && g.directory_id == directory
                && !org.group_members[&g.id].contains(&user.account_id)
        })
        .unwrap();
    let members_path = format!(
        "admin/v2/orgs/{{org}}/directories/-/users?groupIds={}",
        group.id
    );
    let memberships = format!(
        "admin/v2/orgs/{{org}}/directories/{directory}/groups/{}/memberships",
        group.id
    );

    let added = h
        .post(&memberships, json!({"accountId": user.account_id}))
        .await;
    assert_eq!(added.status, 204, "{:?}", added.body);
    assert!(account_ids(&h.walk(&members_path, 100).await).contains(&user.account_id));
    let again = h
        .post(&memberships, json!({"accountId": user.account_id}))
        .await;
    assert_eq!((again.status, again.code()), (409, "ADMIN-UAM-409-2"));

    let removed = h
        .delete(&format!("{memberships}/{}", user.account_id))
        .await;
    assert_eq!(removed.status, 204);
    assert!(!account_ids(&h.walk(&members_path, 100).await).contains(&user.account_id));
    assert_eq!(
        h.delete(&format!("{memberships}/{}", user.account_id))
            .await
            .status,
        404
    );

    let alias = h
        .post(
            &format!(
                "admin/v2/orgs/{{org}}/directories/-/groups/{}/memberships",
                group.id
            ),
            json!({"accountId": user.account_id}),
        )
        .await;
    assert_eq!(alias.status, 400, "writes need the concrete directory");
}

#[tokio::test]
async fn idp_synced_groups_refuse_membership_changes() {
    let h = Harness::new(200, 1).await;
    let org = h.sim.snapshot();
    let group = org.groups.iter().find(|g| g.external_synced).unwrap();
    let member = org.members_of(&group.id).next().unwrap().to_string();
    let path = format!(
        "admin/v2/orgs/{{org}}/directories/{}/groups/{}/memberships",
        group.directory_id, group.id
    );
    assert_eq!(h.delete(&format!("{path}/{member}")).await.status, 403);
    let outsider = org
        .users
        .iter()
        .find(|u| {
            u.directory_id.as_ref() == Some(&group.directory_id)
                && !org.group_members[&group.id].contains(&u.account_id)
        })
        .unwrap();
    assert_eq!(
        h.post(&path, json!({"accountId": outsider.account_id}))
            .await
            .status,
        403
    );
    let v1 = h
        .post(
            &format!(
                "admin/v1/orgs/{{org}}/directory/groups/{}/memberships",
                group.id
            ),
            json!({"account_id": outsider.account_id}),
        )
        .await;
    assert_eq!(v1.status, 403);
    assert!(h.sim.snapshot().group_members[&group.id].contains(&member));
}

#[tokio::test]
async fn v1_group_memberships_use_snake_case_and_answer_with_a_message() {
    let h = Harness::new(200, 2).await;
    let org = h.sim.snapshot();
    let user = active_member(&org);
    let group = org
        .groups
        .iter()
        .find(|g| {
            !g.external_synced
                && Some(&g.directory_id) == user.directory_id.as_ref()
                && !org.group_members[&g.id].contains(&user.account_id)
        })
        .unwrap();
    let added = h
        .post(
            &format!(
                "admin/v1/orgs/{{org}}/directory/groups/{}/memberships",
                group.id
            ),
            json!({"account_id": user.account_id}),
        )
        .await;
    assert_eq!(
        (added.status, added.body["message"].is_string()),
        (200, true)
    );
    assert!(h.sim.snapshot().group_members[&group.id].contains(&user.account_id));
}

#[tokio::test]
async fn granting_a_workspace_role_shows_in_the_role_assignments_and_revoking_removes_it() {
    let h = Harness::new(200, 3).await;
    let org = h.sim.snapshot();
    let user = active_member(&org);
    let confluence = workspace_of(&org, "confluence");
    let assign = format!(
        "admin/v1/orgs/{{org}}/users/{}/roles/assign",
        user.account_id
    );
    let revoke = format!(
        "admin/v1/orgs/{{org}}/users/{}/roles/revoke",
        user.account_id
    );
    let body = json!({"role": roles::USER_ACCESS_ADMIN, "resource": confluence.id});

    assert_eq!(h.post(&assign, body.clone()).await.status, 204);
    let rows = h
        .walk(
            &format!(
                "admin/v2/orgs/{{org}}/directories/-/users/{}/role-assignments",
                user.account_id
            ),
            100,
        )
        .await;
    let row = rows
        .iter()
        .find(|r| r["resourceId"] == confluence.id.as_str())
        .unwrap();
    assert!(
        row["roles"]
            .as_array()
            .unwrap()
            .contains(&json!(roles::USER_ACCESS_ADMIN))
    );

    assert_eq!(h.post(&revoke, body.clone()).await.status, 204);
    let held = RoleAssignment::new(
        Principal::User(user.account_id.clone()),
        &confluence.id,
        roles::USER_ACCESS_ADMIN,
    );
    assert!(!h.sim.snapshot().user_roles.contains(&held));
    assert_eq!(
        h.post(&revoke, body).await.status,
        404,
        "revoking what is not held"
    );
}

#[tokio::test]
async fn roles_assign_refuses_the_jira_admin_ari_invalid_roles_and_inactive_users() {
    let h = Harness::new(200, 3).await;
    let org = h.sim.snapshot();
    let user = active_member(&org);
    let assign = format!(
        "admin/v1/orgs/{{org}}/users/{}/roles/assign",
        user.account_id
    );

    let jira_admin = workspace_of(&org, "jira-admin");
    let refused = h
        .post(
            &assign,
            json!({"role": roles::ADMIN, "resource": jira_admin.id}),
        )
        .await;
    assert_eq!((refused.status, refused.code()), (400, "ADMIN-UAM-400-5"));
    let unknown = h
        .post(
            &assign,
            json!({"role": roles::USER, "resource": "ari:cloud:jira::site/nope"}),
        )
        .await;
    assert_eq!(unknown.code(), "ADMIN-UAM-400-5");

    let jira = workspace_of(&org, "jira-software");
    assert!(!valid_roles("jira-software").contains(&roles::GUEST));
    let invalid = h
        .post(&assign, json!({"role": roles::GUEST, "resource": jira.id}))
        .await;
    assert_eq!((invalid.status, invalid.code()), (400, "ADMIN-UAM-400-3"));

    let inactive = org
        .users
        .iter()
        .find(|u| u.account_status == AccountStatus::Inactive)
        .unwrap();
    let reply = h
        .post(
            &format!(
                "admin/v1/orgs/{{org}}/users/{}/roles/assign",
                inactive.account_id
            ),
            json!({"role": roles::USER, "resource": jira.id}),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (400, "ADMIN-UAM-400-2"));
    let nobody = h
        .post(
            "admin/v1/orgs/{org}/users/no-such-user/roles/assign",
            json!({"role": roles::USER, "resource": jira.id}),
        )
        .await;
    assert_eq!(nobody.status, 404);
}

#[tokio::test]
async fn a_full_workspace_refuses_a_new_seat_until_one_frees_up() {
    let h = Harness::new(200, 3).await;
    let org = h.sim.snapshot();
    let bitbucket = workspace_of(&org, "bitbucket");
    assert_eq!(
        bitbucket.capacity,
        Some(org.licence_usage(&bitbucket.id)),
        "generated full"
    );
    let seats = |o: &Org, id: &str| {
        o.roles_of(&Principal::User(id.to_string()))
            .filter(|r| {
                r.resource_id == bitbucket.id && (r.role == roles::USER || r.role == roles::ADMIN)
            })
            .map(|r| r.role.clone())
            .collect::<Vec<_>>()
    };
    let newcomer = org
        .users
        .iter()
        .find(|u| u.is_active() && seats(&org, &u.account_id).is_empty())
        .unwrap();
    let (holder, holder_role) = org
        .users
        .iter()
        .find_map(|u| match seats(&org, &u.account_id).as_slice() {
            [role] => Some((u, role.clone())),
            _ => None,
        })
        .unwrap();

    let assign = format!(
        "admin/v1/orgs/{{org}}/users/{}/roles/assign",
        newcomer.account_id
    );
    let full = h
        .post(
            &assign,
            json!({"role": roles::USER, "resource": bitbucket.id}),
        )
        .await;
    assert_eq!((full.status, full.code()), (409, "ADMIN-UAM-409-3"));

    let revoke = format!(
        "admin/v1/orgs/{{org}}/users/{}/roles/revoke",
        holder.account_id
    );
    assert_eq!(
        h.post(
            &revoke,
            json!({"role": holder_role, "resource": bitbucket.id})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        h.post(
            &assign,
            json!({"role": roles::USER, "resource": bitbucket.id})
        )
        .await
        .status,
        204
    );
    let usage = h
        .post("admin/v2/orgs/{org}/workspaces", json!({"limit": 100}))
        .await;
    let listed = usage.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == bitbucket.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        listed["attributes"]["usage"],
        listed["attributes"]["capacity"]
    );
}

#[tokio::test]
async fn restricted_endpoints_answer_403_while_switched_off() {
    let h = Harness::start(SimConfig {
        restricted_endpoints_enabled: false,
        ..SimConfig::default()
    })
    .await;
    let org = h.sim.snapshot();
    let user = active_member(&org);
    let jira = workspace_of(&org, "jira-software");
    let body = json!({"role": roles::USER, "resource": jira.id});
    for path in ["roles/assign", "roles/revoke"] {
        let reply = h
            .post(
                &format!("admin/v1/orgs/{{org}}/users/{}/{path}", user.account_id),
                body.clone(),
            )
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (403, "ADMIN-UAM-403-1"),
            "{path}"
        );
        assert_eq!(reply.body["errors"][0]["title"], "Forbidden");
    }
    let invite = h
        .post(
            "admin/v1/orgs/{org}/users/invite",
            json!({"email": "new@example.org"}),
        )
        .await;
    assert_eq!(invite.code(), "ADMIN-UAM-403-1");
    let v2 = h
        .post(
            "admin/v2/orgs/{org}/users/invite",
            json!({"emails": ["new@example.org"]}),
        )
        .await;
    assert_eq!(v2.status, 200, "the v2 invite is not gated");

    h.sim.set_restricted_endpoints_enabled(true);
    let reply = h
        .post(
            &format!(
                "admin/v1/orgs/{{org}}/users/{}/roles/assign",
                user.account_id
            ),
            body,
        )
        .await;
    assert_eq!(reply.status, 204);
}

#[tokio::test]
async fn org_admin_role_assignments_change_the_platform_roles() {
    let h = Harness::new(100, 4).await;
    let org = h.sim.snapshot();
    let user = active_member(&org);
    let path = |action: &str| {
        format!(
            "admin/v1/orgs/{{org}}/users/{}/role-assignments/{action}",
            user.account_id
        )
    };
    assert_eq!(
        h.post(&path("assign"), json!({"role": roles::ORG_ADMIN}))
            .await
            .status,
        204
    );
    let listed = h
        .get(&format!(
            "admin/v2/orgs/{{org}}/directories/-/users/{}",
            user.account_id
        ))
        .await;
    assert_eq!(
        listed.body["data"]["platformRoles"],
        json!([roles::ORG_ADMIN])
    );
    assert_eq!(
        h.post(&path("assign"), json!({"role": roles::USER}))
            .await
            .code(),
        "ADMIN-UAM-400-3"
    );
    assert_eq!(
        h.post(&path("revoke"), json!({"role": roles::ORG_ADMIN}))
            .await
            .status,
        204
    );
    assert!(
        !h.sim
            .snapshot()
            .org_admins()
            .contains(&user.account_id.as_str())
    );
}

#[tokio::test]
async fn a_v2_invite_creates_the_user_with_its_roles_and_groups() {
    let h = Harness::new(100, 4).await;
    let org = h.sim.snapshot();
    let confluence = workspace_of(&org, "confluence");
    let group = org
        .groups
        .iter()
        .find(|g| !g.external_synced && g.directory_id == org.directories[0].id)
        .unwrap();
    let synced = org.groups.iter().find(|g| g.external_synced).unwrap();
    let email = format!("new.person@{}", org.verified_domains[0]);
    let reply = h
        .post(
            "admin/v2/orgs/{org}/users/invite",
            json!({
                "emails": [email],
                "permissionRules": [
                    {"resource": confluence.id, "role": roles::USER},
                    {"resource": confluence.id, "role": roles::CUSTOMER},
                ],
                "additionalGroups": [group.id, synced.id],
                "sendNotification": false,
            }),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let item = &reply.body["data"][0];
    let results = &item["results"][0];
    assert_eq!(results["roleAssignmentResult"][0]["status"], "INVITED");
    assert_eq!(results["roleAssignmentResult"][1]["status"], "ERROR");
    assert_eq!(results["groupAssignmentResult"][0]["status"], "INVITED");
    assert_eq!(results["groupAssignmentResult"][1]["status"], "ERROR");

    let id = item["id"].as_str().unwrap();
    let after = h.sim.snapshot();
    let user = after.user(id).unwrap();
    assert_eq!(
        (user.claim_status, user.status()),
        (ClaimStatus::Managed, UserStatus::Active)
    );
    assert!(after.group_members[&group.id].contains(id));
    let listed = h
        .get(&format!(
            "admin/v2/orgs/{{org}}/directories/-/users?accountIds={id}"
        ))
        .await;
    assert_eq!(listed.body["data"][0]["email"], email);
}

#[tokio::test]
async fn suspension_and_restoration_change_the_status_but_not_for_org_admins() {
    let h = Harness::new(100, 5).await;
    let org = h.sim.snapshot();
    let user = active_member(&org);
    let directory = user.directory_id.clone().unwrap();
    let v2 = |action: &str| {
        format!(
            "admin/v2/orgs/{{org}}/directories/{directory}/users/{}/{action}",
            user.account_id
        )
    };
    let status = || async {
        h.get(&format!(
            "admin/v2/orgs/{{org}}/directories/-/users/{}",
            user.account_id
        ))
        .await
        .body["data"]["status"]
            .clone()
    };

    assert_eq!(h.post(&v2("suspend"), json!({})).await.status, 204);
    assert_eq!(status().await, "suspended");
    assert_eq!(h.post(&v2("restore"), json!({})).await.status, 204);
    assert_eq!(status().await, "active");

    let v1 = h
        .post(
            &format!(
                "admin/v1/orgs/{{org}}/directory/users/{}/suspend-access",
                user.account_id
            ),
            json!({}),
        )
        .await;
    assert_eq!((v1.status, v1.body["message"].is_string()), (200, true));
    assert_eq!(status().await, "suspended");
    let restored = h
        .post(
            &format!(
                "admin/v1/orgs/{{org}}/directory/users/{}/restore-access",
                user.account_id
            ),
            json!({}),
        )
        .await;
    assert_eq!(restored.status, 200);

    let admin = org.org_admins()[0];
    let refused = h
        .post(
            &format!("admin/v1/orgs/{{org}}/directory/users/{admin}/suspend-access"),
            json!({}),
        )
        .await;
    assert_eq!(refused.status, 400);
}

#[tokio::test]
async fn removing_a_user_from_the_directory_drops_groups_and_product_roles() {
    let h = Harness::new(150, 6).await;
    let org = h.sim.snapshot();
    let user = active_member(&org);
    let directory = user.directory_id.clone().unwrap();
    let reply = h
        .delete(&format!(
            "admin/v2/orgs/{{org}}/directories/{directory}/users/{}",
            user.account_id
        ))
        .await;
    assert_eq!(reply.status, 204);
    let after = h.sim.snapshot();
    assert!(
        after
            .group_members
            .values()
            .all(|m| !m.contains(&user.account_id))
    );
    assert!(
        after
            .roles_of(&Principal::User(user.account_id.clone()))
            .all(|r| after.workspace(&r.resource_id).is_none())
    );
    let listed = h
        .get(&format!(
            "admin/v2/orgs/{{org}}/directories/-/users/{}",
            user.account_id
        ))
        .await;
    assert_eq!(
        listed.body["data"]["status"], "not_invited",
        "managed accounts stay listed"
    );
}

#[tokio::test]
async fn lifecycle_delete_marks_the_account_for_deletion_and_refuses_unmanaged_ones() {
    let h = Harness::new(100, 7).await;
    let org = h.sim.snapshot();
    let user = active_member(&org);
    let deleted = h
        .post(
            &format!("users/{}/manage/lifecycle/delete", user.account_id),
            json!({}),
        )
        .await;
    assert_eq!(
        (deleted.status, deleted.body["message"].is_string()),
        (200, true)
    );
    let listed = h
        .get(&format!(
            "admin/v2/orgs/{{org}}/directories/-/users/{}",
            user.account_id
        ))
        .await;
    assert_eq!(listed.body["data"]["status"], "for_deletion");

    assert_eq!(
        h.post(
            &format!("users/{}/manage/lifecycle/enable", user.account_id),
            json!({})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        h.sim.snapshot().user(&user.account_id).unwrap().status(),
        UserStatus::Active
    );
    assert_eq!(
        h.post(
            &format!("users/{}/manage/lifecycle/disable", user.account_id),
            json!({})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        h.sim.snapshot().user(&user.account_id).unwrap().status(),
        UserStatus::Deactivated
    );

    let unmanaged = org
        .users
        .iter()
        .find(|u| u.claim_status == ClaimStatus::Unmanaged)
        .unwrap();
    let refused = h
        .post(
            &format!("users/{}/manage/lifecycle/delete", unmanaged.account_id),
            json!({}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body["key"].as_str()),
        (403, Some("forbidden.action"))
    );
    let missing = h
        .post("users/no-such-account/manage/lifecycle/delete", json!({}))
        .await;
    assert_eq!(
        (missing.status, missing.body["key"].as_str()),
        (404, Some("accountNotFound"))
    );
    let admin = org.org_admins()[0];
    let conflict = h
        .post(&format!("users/{admin}/manage/lifecycle/delete"), json!({}))
        .await;
    assert_eq!(
        (conflict.status, conflict.body["key"].as_str()),
        (409, Some("conflict.lifecycleErrors"))
    );
    assert!(conflict.body["context"]["errorCodes"][0]["code"].is_string());
}

#[tokio::test]
async fn scim_creates_a_user_once_and_then_reports_a_conflict() {
    let h = Harness::new(60, 8).await;
    let org = h.sim.snapshot();
    let directory = &org.directories[0].id;
    let email = format!("scim.user@{}", org.verified_domains[0]);
    let body = json!({
        "userName": email,
        "emails": [{"value": email, "type": "work", "primary": true}],
        "name": {"givenName": "Scim", "familyName": "User"},
        "displayName": "Scim User",
        "active": true,
    });
    let create = || {
        let request = h
            .anonymous(Method::POST, &format!("scim/directory/{directory}/Users"))
            .bearer_auth("sim-scim-token")
            .json(&body);
        h.send(request)
    };
    let created = create().await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let account_id =
        created.body["urn:scim:schemas:extension:atlassian-external:1.0"]["atlassianAccountId"]
            .as_str()
            .unwrap()
            .to_string();
    assert!(created.body["id"].is_string());
    let user = h.sim.snapshot().user(&account_id).unwrap().clone();
    assert_eq!(
        (user.name.as_str(), user.membership_status),
        ("Scim User", MembershipStatus::Active)
    );

    let conflict = create().await;
    assert_eq!(
        (conflict.status, conflict.body["scimType"].as_str()),
        (409, Some("uniqueness"))
    );
    let with_org_key = h
        .send(
            h.request(Method::POST, &format!("scim/directory/{directory}/Users"))
                .json(&body),
        )
        .await;
    assert_eq!(
        (with_org_key.status, with_org_key.body["error"].is_string()),
        (401, true)
    );
}

#[tokio::test]
async fn team_members_can_be_added_and_removed() {
    let h = Harness::new(200, 9).await;
    let org = h.sim.snapshot();
    let (team, members) = org.team_members.iter().next().unwrap();
    let outsider = org
        .users
        .iter()
        .find(|u| !members.contains(&u.account_id))
        .unwrap();
    let path = |action: &str| format!("public/teams/v1/org/{{org}}/teams/{team}/members/{action}");
    let body = json!({"members": [{"accountId": outsider.account_id}, {"accountId": "ghost"}]});
    let added = h
        .send(h.teams(Method::POST, &path("add")).json(&body))
        .await;
    assert_eq!(added.status, 200);
    assert_eq!(
        added.body["members"][0]["accountId"],
        outsider.account_id.as_str()
    );
    assert_eq!(added.body["errors"][0]["accountId"], "ghost");
    assert!(h.sim.snapshot().team_members[team].contains(&outsider.account_id));

    let removed = h
        .send(
            h.teams(Method::POST, &path("remove"))
                .json(&json!({"members": [{"accountId": outsider.account_id}]})),
        )
        .await;
    assert_eq!(removed.body["members"].as_array().unwrap().len(), 1);
    assert!(!h.sim.snapshot().team_members[team].contains(&outsider.account_id));
}

#[tokio::test]
async fn groups_can_be_created_given_roles_and_deleted() {
    let h = Harness::new(100, 10).await;
    let org = h.sim.snapshot();
    let directory = &org.directories[0].id;
    let created = h
        .post(
            &format!("admin/v2/orgs/{{org}}/directories/{directory}/groups"),
            json!({"name": "release-managers"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["data"]["id"].as_str().unwrap().to_string();
    let duplicate = h
        .post(
            &format!("admin/v2/orgs/{{org}}/directories/{directory}/groups"),
            json!({"name": "release-managers"}),
        )
        .await;
    assert_eq!(duplicate.status, 409);

    let jira = workspace_of(&org, "jira-software");
    let role_path = |action: &str| {
        format!(
            "admin/v2/orgs/{{org}}/directories/{directory}/groups/{id}/role-assignments/{action}"
        )
    };
    assert_eq!(
        h.post(
            &role_path("assign"),
            json!({"resourceId": jira.id, "roleId": roles::USER})
        )
        .await
        .status,
        204
    );
    let rows = h
        .walk(
            &format!("admin/v2/orgs/{{org}}/directories/-/groups/{id}/role-assignments"),
            10,
        )
        .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["roles"], json!([roles::USER]));
    let jira_admin = workspace_of(&org, "jira-admin");
    assert_eq!(
        h.post(
            &role_path("assign"),
            json!({"resourceId": jira_admin.id, "roleId": roles::ADMIN})
        )
        .await
        .code(),
        "ADMIN-UAM-400-5"
    );

    assert_eq!(
        h.delete(&format!(
            "admin/v2/orgs/{{org}}/directories/{directory}/groups/{id}"
        ))
        .await
        .status,
        204
    );
    let gone = h
        .get(&format!("admin/v2/orgs/{{org}}/directories/-/groups/{id}"))
        .await;
    assert_eq!((gone.status, gone.code()), (404, "ADMIN-404-10"));
    assert!(
        h.sim
            .snapshot()
            .roles_of(&Principal::Group(id))
            .next()
            .is_none()
    );
}

#[tokio::test]
async fn changes_made_through_with_org_are_served() {
    let h = Harness::new(80, 11).await;
    let id = h.sim.with_org(|org| {
        let user = org
            .users
            .iter_mut()
            .find(|u| u.kind == UserKind::Managed && u.status() == UserStatus::Active)
            .unwrap();
        user.membership_status = MembershipStatus::Suspended;
        user.account_id.clone()
    });
    let listed = h
        .get(&format!("admin/v2/orgs/{{org}}/directories/-/users/{id}"))
        .await;
    assert_eq!(listed.body["data"]["status"], "suspended");
}
