//! Provisioning against the simulated organization over real sockets: each operation is
//! checked against the simulator's ground truth afterwards.

use std::time::{Duration, SystemTime};

use atlassian::RetryPolicy;
use c1_proto::any;
use c1_proto::c1::connector::v2::create_account_response::Result as Created;
use c1_proto::c1::connector::v2::rate_limit_description::Status as RateLimitStatus;
use c1_proto::c1::connector::v2::{
    AccountInfo, CredentialOptions, Entitlement, Grant, GrantAlreadyExists, GrantAlreadyRevoked,
    RateLimitDescription, Resource, ResourceDoesNotExist, ResourceId, UserTrait,
};
use c1_proto::prost_types::{Struct, Timestamp, Value, value::Kind};
use connector::provision::{Code, DISABLE_USER, ENABLE_USER, USER_ID};
use connector::{AtlassianConnector, ConnectorConfig, ProvisionError, TeamsConfig};
use sim::atlassian::{
    AtlassianSim, ClaimStatus, Fault, MembershipStatus, Org, Principal, RoleAssignment, User,
    UserKind, endpoints as ep, roles,
};

async fn start_sim() -> AtlassianSim {
    AtlassianSim::start(Default::default())
        .await
        .expect("simulator starts")
}

fn config(sim: &AtlassianSim) -> ConnectorConfig {
    ConnectorConfig {
        base_url: Some(sim.base_url()),
        ..ConnectorConfig::new(sim.org_id(), sim.credentials().api_key.clone())
    }
}

fn connector(sim: &AtlassianSim) -> AtlassianConnector {
    AtlassianConnector::new(config(sim)).expect("valid configuration")
}

fn resource(kind: &str, id: &str) -> Resource {
    Resource {
        id: Some(ResourceId {
            resource_type: kind.into(),
            resource: id.into(),
            baton_resource: false,
        }),
        ..Resource::default()
    }
}

fn entitlement(id: impl Into<String>) -> Entitlement {
    Entitlement {
        id: id.into(),
        ..Entitlement::default()
    }
}

/// The grant ConductorOne sends to revoke `entitlement` from `principal`.
fn grant_of(entitlement_id: &str, principal: Resource) -> Grant {
    let principal_id = principal.id.clone().unwrap();
    Grant {
        id: format!(
            "{entitlement_id}:{}:{}",
            principal_id.resource_type, principal_id.resource
        ),
        entitlement: Some(entitlement(entitlement_id)),
        principal: Some(principal),
        ..Grant::default()
    }
}

fn string_struct(fields: &[(&str, &str)]) -> Struct {
    Struct {
        fields: fields
            .iter()
            .map(|(k, v)| {
                let value = Value {
                    kind: Some(Kind::StringValue((*v).to_owned())),
                };
                ((*k).to_owned(), value)
            })
            .collect(),
    }
}

/// An active member of the main directory who is not an organization admin.
fn member(org: &Org, also: impl Fn(&User) -> bool) -> &User {
    let admins = org.org_admins();
    org.users
        .iter()
        .find(|u| {
            u.is_active()
                && u.membership_status == MembershipStatus::Active
                && u.directory_id.as_deref() == Some(org.directories[0].id.as_str())
                && u.kind == UserKind::Managed
                && !admins.contains(&u.account_id.as_str())
                && also(u)
        })
        .expect("the generated org has such a user")
}

/// A group of the main directory (synced from an identity provider when `idp`) and an
/// active member of that directory who is not in the group (taken out of it if needed).
fn group_and_outsider(sim: &AtlassianSim, idp: bool) -> (String, String) {
    let org = sim.snapshot();
    let group = org
        .groups
        .iter()
        .find(|g| g.external_synced == idp && g.directory_id == org.directories[0].id)
        .expect("the generated org has such a group")
        .id
        .clone();
    let user = member(&org, |_| true).account_id.clone();
    sim.with_org(|org| {
        if let Some(members) = org.group_members.get_mut(&group) {
            members.remove(&user);
        }
    });
    (group, user)
}

fn workspace_of(org: &Org, product: &str) -> String {
    org.workspaces
        .iter()
        .find(|w| w.product == product)
        .map(|w| w.id.clone())
        .expect("the generated org has that product")
}

fn holds(org: &Org, principal: Principal, resource: &str, role: &str) -> bool {
    org.user_roles
        .contains(&RoleAssignment::new(principal, resource, role))
}

fn user_holds(org: &Org, account_id: &str, resource: &str, role: &str) -> bool {
    holds(org, Principal::User(account_id.into()), resource, role)
}

fn is_member(org: &Org, group_id: &str, account_id: &str) -> bool {
    org.group_members
        .get(group_id)
        .is_some_and(|m| m.contains(account_id))
}

fn assert_refused(error: &ProvisionError, code: Code, texts: &[&str]) {
    assert_eq!(error.code, code, "{}", error.message);
    assert!(!error.retryable, "{}", error.message);
    for text in texts {
        assert!(
            error.message.contains(text),
            "{text:?} not in {}",
            error.message
        );
    }
}

#[tokio::test]
async fn a_workspace_role_grant_shows_in_the_organization_and_its_revoke_removes_it() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let ari = workspace_of(&org, "jira-software");
    let user = member(&org, |u| {
        !user_holds(&org, &u.account_id, &ari, roles::ADMIN)
    });
    let entitlement_id = format!("workspace:{ari}:role:{}", roles::ADMIN);
    let connector = connector(&sim);

    let granted = connector
        .grant(
            &entitlement(&entitlement_id),
            &resource("user", &user.account_id),
        )
        .await
        .unwrap();
    assert!(granted.annotations.is_empty());
    let grant = &granted.grants[0];
    assert_eq!(
        grant.id,
        format!("{entitlement_id}:user:{}", user.account_id)
    );
    assert!(user_holds(
        &sim.snapshot(),
        &user.account_id,
        &ari,
        roles::ADMIN
    ));

    let revoked = connector.revoke(grant).await.unwrap();
    assert!(revoked.annotations.is_empty());
    assert!(!user_holds(
        &sim.snapshot(),
        &user.account_id,
        &ari,
        roles::ADMIN
    ));
}

#[tokio::test]
async fn granting_twice_reports_already_exists_and_changes_nothing_more() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let ari = workspace_of(&org, "confluence");
    let user = member(&org, |u| {
        !user_holds(&org, &u.account_id, &ari, roles::USER)
    });
    let entitlement = entitlement(format!("workspace:{ari}:role:{}", roles::USER));
    let principal = resource("user", &user.account_id);
    let connector = connector(&sim);

    connector.grant(&entitlement, &principal).await.unwrap();
    let after_first = sim.snapshot().user_roles;
    let again = connector.grant(&entitlement, &principal).await.unwrap();

    assert_eq!(again.annotations, [any::pack(&GrantAlreadyExists {})]);
    assert_eq!(
        again.grants[0].id,
        format!("{}:user:{}", entitlement.id, user.account_id)
    );
    assert_eq!(sim.snapshot().user_roles, after_first);
    assert_eq!(sim.stats().requests(ep::ROLES_ASSIGN), 1);
}

#[tokio::test]
async fn revoke_of_an_absent_grant_reports_already_revoked() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let ari = workspace_of(&org, "jira-software");
    let user = member(&org, |u| {
        !user_holds(&org, &u.account_id, &ari, roles::ADMIN)
    });
    let (group, outsider) = group_and_outsider(&sim, false);
    let connector = connector(&sim);

    for grant in [
        grant_of(
            &format!("workspace:{ari}:role:{}", roles::ADMIN),
            resource("user", &user.account_id),
        ),
        grant_of(
            &format!("group:{group}:member"),
            resource("user", &outsider),
        ),
        grant_of(
            "group:00000000-0000-0000-0000-000000000000:member",
            resource("user", &outsider),
        ),
    ] {
        let revoked = connector.revoke(&grant).await.unwrap();
        assert_eq!(
            revoked.annotations,
            [any::pack(&GrantAlreadyRevoked {})],
            "{}",
            grant.id
        );
    }
    assert_eq!(sim.snapshot().user_roles, org.user_roles);
}

#[tokio::test]
async fn with_restricted_endpoints_off_a_role_grant_fails_naming_the_endpoint_and_the_support_ticket()
 {
    let sim = start_sim().await;
    sim.set_restricted_endpoints_enabled(false);
    let org = sim.snapshot();
    let ari = workspace_of(&org, "jira-software");
    let user = member(&org, |u| {
        !user_holds(&org, &u.account_id, &ari, roles::USER)
    });

    let error = connector(&sim)
        .grant(
            &entitlement(format!("workspace:{ari}:role:{}", roles::USER)),
            &resource("user", &user.account_id),
        )
        .await
        .unwrap_err();

    let ticket = atlassian::support_ticket_text(&org.id);
    assert_refused(
        &error,
        Code::FailedPrecondition,
        &[
            "POST /admin/v1/orgs/{orgId}/users/{userId}/roles/assign",
            "Grant User Access",
            "README section \"Atlassian Support ticket\"",
            &ticket,
        ],
    );
    assert!(!user_holds(
        &sim.snapshot(),
        &user.account_id,
        &ari,
        roles::USER
    ));
}

#[tokio::test]
async fn group_membership_is_added_and_removed_in_the_groups_directory() {
    let sim = start_sim().await;
    let (group, user) = group_and_outsider(&sim, false);
    let entitlement = entitlement(format!("group:{group}:member"));
    let principal = resource("user", &user);
    let connector = connector(&sim);

    let granted = connector.grant(&entitlement, &principal).await.unwrap();
    assert!(granted.annotations.is_empty());
    assert_eq!(
        granted.grants[0].id,
        format!("group:{group}:member:user:{user}")
    );
    assert!(is_member(&sim.snapshot(), &group, &user));
    let again = connector.grant(&entitlement, &principal).await.unwrap();
    assert_eq!(again.annotations, [any::pack(&GrantAlreadyExists {})]);

    let revoked = connector.revoke(&granted.grants[0]).await.unwrap();
    assert!(revoked.annotations.is_empty());
    assert!(!is_member(&sim.snapshot(), &group, &user));
}

#[tokio::test]
async fn an_identity_provider_group_refuses_membership_changes_for_good() {
    let sim = start_sim().await;
    let (group, user) = group_and_outsider(&sim, true);

    let error = connector(&sim)
        .grant(
            &entitlement(format!("group:{group}:member")),
            &resource("user", &user),
        )
        .await
        .unwrap_err();

    assert_refused(&error, Code::FailedPrecondition, &["identity provider"]);
    assert!(!is_member(&sim.snapshot(), &group, &user));
}

#[tokio::test]
async fn team_membership_is_added_and_removed_when_teams_are_configured() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let team = org.teams.iter().find(|t| !t.deleted).unwrap();
    let in_team = |org: &Org, account_id: &str| {
        org.team_members
            .get(&team.team_id)
            .is_some_and(|m| m.contains(account_id))
    };
    let user = member(&org, |u| !in_team(&org, &u.account_id));
    let entitlement = entitlement(format!("team:{}:member", team.team_id));
    let principal = resource("user", &user.account_id);

    let without_teams = connector(&sim).grant(&entitlement, &principal).await;
    assert_refused(
        &without_teams.unwrap_err(),
        Code::FailedPrecondition,
        &["Teams is not configured"],
    );

    let credentials = sim.credentials();
    let connector = AtlassianConnector::new(ConnectorConfig {
        teams: Some(TeamsConfig {
            email: credentials.teams_email.clone(),
            api_token: credentials.teams_api_token.clone().into(),
            site_id: org.workspaces[0].cloud_id.clone(),
        }),
        ..config(&sim)
    })
    .unwrap();
    let granted = connector.grant(&entitlement, &principal).await.unwrap();
    assert!(in_team(&sim.snapshot(), &user.account_id));
    connector.revoke(&granted.grants[0]).await.unwrap();
    assert!(!in_team(&sim.snapshot(), &user.account_id));
    let absent = connector.revoke(&granted.grants[0]).await.unwrap();
    assert_eq!(absent.annotations, [any::pack(&GrantAlreadyRevoked {})]);
}

#[tokio::test]
async fn a_workspace_role_granted_to_a_group_goes_through_the_groups_role_assignments() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let ari = workspace_of(&org, "confluence");
    let group = org
        .groups
        .iter()
        .find(|g| !holds(&org, Principal::Group(g.id.clone()), &ari, roles::USER))
        .unwrap();
    let entitlement = entitlement(format!("workspace:{ari}:role:{}", roles::USER));
    let principal = resource("group", &group.id);
    let connector = connector(&sim);
    let group_holds = |org: &Org| holds(org, Principal::Group(group.id.clone()), &ari, roles::USER);

    let granted = connector.grant(&entitlement, &principal).await.unwrap();
    assert_eq!(
        granted.grants[0].id,
        format!("{}:group:{}", entitlement.id, group.id)
    );
    assert!(group_holds(&sim.snapshot()));
    let again = connector.grant(&entitlement, &principal).await.unwrap();
    assert_eq!(again.annotations, [any::pack(&GrantAlreadyExists {})]);

    connector.revoke(&granted.grants[0]).await.unwrap();
    assert!(!group_holds(&sim.snapshot()));
    let stats = sim.stats();
    assert_eq!(
        (
            stats.requests(ep::GROUP_ROLE_ASSIGN),
            stats.requests(ep::GROUP_ROLE_REVOKE),
            stats.requests(ep::ROLES_ASSIGN),
            stats.requests(ep::ROLES_REVOKE),
        ),
        (1, 1, 0, 0)
    );
}

#[tokio::test]
async fn the_organization_admin_role_is_granted_and_revoked_and_other_organization_roles_are_not() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let user = member(&org, |_| true);
    let org_admin = entitlement(format!("organization:{}:role:{}", org.id, roles::ORG_ADMIN));
    let principal = resource("user", &user.account_id);
    let connector = connector(&sim);
    let is_admin = |org: &Org| user_holds(org, &user.account_id, &org.ari(), roles::ORG_ADMIN);

    let granted = connector.grant(&org_admin, &principal).await.unwrap();
    assert!(is_admin(&sim.snapshot()));
    let again = connector.grant(&org_admin, &principal).await.unwrap();
    assert_eq!(again.annotations, [any::pack(&GrantAlreadyExists {})]);
    connector.revoke(&granted.grants[0]).await.unwrap();
    assert!(!is_admin(&sim.snapshot()));

    let site_admin = entitlement(format!(
        "organization:{}:role:{}",
        org.id,
        roles::SITE_ADMIN
    ));
    let error = connector.grant(&site_admin, &principal).await.unwrap_err();
    assert_refused(
        &error,
        Code::Unimplemented,
        &[roles::SITE_ADMIN, "cannot be provisioned"],
    );
}

#[tokio::test]
async fn a_role_the_product_does_not_accept_is_refused_for_good() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let ari = workspace_of(&org, "jira-software");
    let user = member(&org, |_| true);

    let error = connector(&sim)
        .grant(
            &entitlement(format!("workspace:{ari}:role:{}", roles::GUEST)),
            &resource("user", &user.account_id),
        )
        .await
        .unwrap_err();

    assert_refused(
        &error,
        Code::InvalidArgument,
        &["ADMIN-UAM-400-3", "role is not valid"],
    );
    assert!(!user_holds(
        &sim.snapshot(),
        &user.account_id,
        &ari,
        roles::GUEST
    ));
}

#[tokio::test]
async fn a_full_licence_is_refused_for_good() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let ari = workspace_of(&org, "bitbucket");
    let user = member(&org, |u| {
        !user_holds(&org, &u.account_id, &ari, roles::USER)
            && !user_holds(&org, &u.account_id, &ari, roles::ADMIN)
    });

    let error = connector(&sim)
        .grant(
            &entitlement(format!("workspace:{ari}:role:{}", roles::USER)),
            &resource("user", &user.account_id),
        )
        .await
        .unwrap_err();

    assert_refused(&error, Code::ResourceExhausted, &["licence"]);
    assert_eq!(sim.snapshot().user_roles, org.user_roles);
}

#[tokio::test]
async fn rate_limiting_beyond_the_retry_deadline_is_retryable_with_the_reset_time() {
    let sim = start_sim().await;
    sim.set_fault(ep::ROLES_ASSIGN, Fault::error(429).retry_after(5));
    let org = sim.snapshot();
    let ari = workspace_of(&org, "jira-software");
    let user = member(&org, |u| {
        !user_holds(&org, &u.account_id, &ari, roles::USER)
    });
    let policy = RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        max_server_wait: Duration::from_secs(60),
        deadline: Duration::from_secs(1),
    };
    let connector = AtlassianConnector::with_retry_policy(config(&sim), policy).unwrap();
    let before = SystemTime::now();

    let error = connector
        .grant(
            &entitlement(format!("workspace:{ari}:role:{}", roles::USER)),
            &resource("user", &user.account_id),
        )
        .await
        .unwrap_err();

    assert_eq!((error.code, error.retryable), (Code::Unavailable, true));
    assert!(error.message.contains("rate limited"), "{}", error.message);
    let description = any::find::<RateLimitDescription>(&error.annotations)
        .unwrap()
        .expect("a RateLimitDescription annotation");
    assert_eq!(description.status, RateLimitStatus::Overlimit as i32);
    let reset_at = description.reset_at.expect("reset_at from Retry-After");
    let earliest = Timestamp::from(before + Duration::from_secs(5));
    assert!(
        reset_at.seconds >= earliest.seconds,
        "{reset_at:?} before {earliest:?}"
    );
    assert_eq!(error.status().details, error.annotations);
    assert!(sim.stats().requests(ep::ROLES_ASSIGN) >= 1);
    assert!(!user_holds(
        &sim.snapshot(),
        &user.account_id,
        &ari,
        roles::USER
    ));
}

#[tokio::test]
async fn a_malformed_entitlement_id_is_refused_by_name_before_any_request() {
    let sim = start_sim().await;
    let connector = connector(&sim);
    let id = "workspace:ari:cloud:jira::site/abc:owner";

    let error = connector
        .grant(&entitlement(id), &resource("user", "557058:u"))
        .await
        .unwrap_err();
    assert_refused(&error, Code::InvalidArgument, &[id]);

    let error = connector
        .revoke(&grant_of(
            "api_token:t-1:member",
            resource("user", "557058:u"),
        ))
        .await
        .unwrap_err();
    assert_refused(&error, Code::InvalidArgument, &["api_token:t-1:member"]);
    assert_eq!(sim.stats().total, 0);
}

fn account(email: &str) -> AccountInfo {
    AccountInfo {
        profile: Some(string_struct(&[
            ("userName", email),
            ("email", email),
            ("givenName", "New"),
            ("familyName", "Hire"),
        ])),
        ..AccountInfo::default()
    }
}

/// The resource of a successful or existing account creation.
fn created(result: Option<Created>) -> (bool, Resource) {
    match result {
        Some(Created::Success(s)) => (true, s.resource.unwrap()),
        Some(Created::AlreadyExists(e)) => (false, e.resource.unwrap()),
        other => panic!("unexpected result {other:?}"),
    }
}

#[tokio::test]
async fn an_invitation_creates_the_account_and_a_second_request_finds_it() {
    let sim = start_sim().await;
    let connector = connector(&sim);
    let email = "new.hire@partner.example.org";

    let response = connector
        .create_account(&account(email), &CredentialOptions::default())
        .await
        .unwrap();
    let (new, resource) = created(response.result);
    assert!(new);
    let account_id = resource.id.as_ref().unwrap().resource.clone();
    let org = sim.snapshot();
    let user = org.user(&account_id).expect("the account exists");
    assert_eq!(user.email.as_deref(), Some(email));
    assert_eq!(
        user.directory_id.as_deref(),
        Some(org.directories[0].id.as_str())
    );
    assert_eq!(resource.display_name, email);
    let user_trait = any::find::<UserTrait>(&resource.annotations)
        .unwrap()
        .unwrap();
    assert_eq!(user_trait.login, email);
    assert_eq!(sim.stats().requests(ep::V2_INVITE), 1);

    let again = connector
        .create_account(&account(email), &CredentialOptions::default())
        .await
        .unwrap();
    let (new, existing) = created(again.result);
    assert!(!new);
    assert_eq!(existing.id, resource.id);
    assert_eq!(sim.stats().requests(ep::V2_INVITE), 1);
}

#[tokio::test]
async fn scim_creates_the_account_in_its_directory_when_configured() {
    let sim = start_sim().await;
    let directory = sim.snapshot().directories[0].id.clone();
    let connector = AtlassianConnector::new(ConnectorConfig {
        scim_token: Some(sim.credentials().scim_token.clone().into()),
        scim_base_url: Some(
            sim.base_url()
                .join(&format!("scim/directory/{directory}"))
                .unwrap(),
        ),
        ..config(&sim)
    })
    .unwrap();
    let email = "scim.hire@partner.example.org";

    let response = connector
        .create_account(&account(email), &CredentialOptions::default())
        .await
        .unwrap();
    let (new, resource) = created(response.result);
    assert!(new);
    let org = sim.snapshot();
    let user = org.user(&resource.id.as_ref().unwrap().resource).unwrap();
    assert_eq!(user.email.as_deref(), Some(email));
    assert_eq!(user.directory_id.as_deref(), Some(directory.as_str()));
    assert!(user.scim_id.is_some());
    assert_eq!(
        (
            sim.stats().requests(ep::SCIM_CREATE_USER),
            sim.stats().requests(ep::V2_INVITE)
        ),
        (1, 0)
    );

    let again = connector
        .create_account(&account(email), &CredentialOptions::default())
        .await
        .unwrap();
    let (new, existing) = created(again.result);
    assert!(!new);
    assert_eq!(existing.id, resource.id);
}

fn user_id_args(account_id: &str) -> Struct {
    string_struct(&[(USER_ID, account_id)])
}

#[tokio::test]
async fn disable_user_suspends_access_and_enable_user_restores_it() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let user = member(&org, |_| true);
    let connector = connector(&sim);
    let membership = || {
        sim.snapshot()
            .user(&user.account_id)
            .unwrap()
            .membership_status
    };
    let success = Struct {
        fields: [(
            "success".to_owned(),
            Value {
                kind: Some(Kind::BoolValue(true)),
            },
        )]
        .into_iter()
        .collect(),
    };

    let answer = connector
        .invoke_action(DISABLE_USER, &user_id_args(&user.account_id))
        .await
        .unwrap();
    assert_eq!(answer, success);
    assert_eq!(membership(), MembershipStatus::Suspended);

    let answer = connector
        .invoke_action(ENABLE_USER, &user_id_args(&user.account_id))
        .await
        .unwrap();
    assert_eq!(answer, success);
    assert_eq!(membership(), MembershipStatus::Active);
}

#[tokio::test]
async fn an_organization_admin_cannot_be_suspended() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let admin = org.org_admins()[0].to_owned();

    let error = connector(&sim)
        .invoke_action(DISABLE_USER, &user_id_args(&admin))
        .await
        .unwrap_err();

    assert_refused(
        &error,
        Code::FailedPrecondition,
        &["organization admins cannot be suspended"],
    );
    assert_eq!(
        sim.snapshot().user(&admin).unwrap().membership_status,
        org.user(&admin).unwrap().membership_status
    );
}

#[tokio::test]
async fn deleting_a_managed_user_schedules_the_deletion_and_a_gone_account_is_reported() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let user = member(&org, |u| u.claim_status == ClaimStatus::Managed);
    let connector = connector(&sim);

    let deleted = connector
        .delete_resource(resource("user", &user.account_id).id.as_ref().unwrap())
        .await
        .unwrap();
    assert!(deleted.annotations.is_empty());
    assert!(sim.snapshot().user(&user.account_id).unwrap().for_deletion);

    let gone = connector
        .delete_resource(
            resource("user", "557058:no-such-account")
                .id
                .as_ref()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(gone.annotations, [any::pack(&ResourceDoesNotExist {})]);

    let error = connector
        .delete_resource(resource("group", &org.groups[0].id).id.as_ref().unwrap())
        .await
        .unwrap_err();
    assert_refused(
        &error,
        Code::InvalidArgument,
        &["only users can be deleted"],
    );
}

#[tokio::test]
async fn read_only_mode_refuses_every_provisioning_call_without_a_request() {
    let sim = start_sim().await;
    let org = sim.snapshot();
    let user = member(&org, |_| true);
    let connector = connector(&sim).with_read_only(true);
    assert!(connector.is_read_only());
    let principal = resource("user", &user.account_id);
    let group_member = format!("group:{}:member", org.groups[0].id);

    let refusals: Vec<ProvisionError> = vec![
        connector
            .grant(&entitlement(&group_member), &principal)
            .await
            .unwrap_err(),
        connector
            .revoke(&grant_of(&group_member, principal.clone()))
            .await
            .unwrap_err(),
        connector
            .create_account(&account("x@example.org"), &CredentialOptions::default())
            .await
            .unwrap_err(),
        connector
            .delete_resource(principal.id.as_ref().unwrap())
            .await
            .unwrap_err(),
        connector
            .invoke_action(DISABLE_USER, &user_id_args(&user.account_id))
            .await
            .unwrap_err(),
    ];

    for error in &refusals {
        assert_refused(
            error,
            Code::FailedPrecondition,
            &["read-only mode: ", " is not allowed"],
        );
    }
    assert_eq!(sim.stats().total, 0);
    assert_eq!(connector.client().metrics().requests, 0);
    assert_eq!(sim.snapshot().group_members, org.group_members);
}
