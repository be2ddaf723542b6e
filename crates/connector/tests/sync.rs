//! Syncs of a simulated organization compared id for id with its ground truth.

#[path = "../../../tests/support/expected.rs"]
mod expected;
#[path = "../../../tests/support/minimum.rs"]
mod minimum;

use std::collections::{BTreeMap, BTreeSet};

use c1_proto::c1::connector::v2::{ResourceId, UserTrait};
use c1z::{C1zReader, GrantFilter};
use connector::{
    AtlassianConnector, CollectingSink, ConnectorConfig, SinkError, SyncOptions, TeamsConfig,
};
use expected::{Expected, expected_from_ground_truth, teams_site_id};
use minimum::{Holders, listed_users, minimum_requests, pages};
use sim::atlassian::{
    AtlassianSim, Fault, OrgSpec, Principal, RoleAssignment, SimConfig, endpoints as ep,
};

/// A few hundred users: 12 groups, 6 workspaces, 6 teams, 15 API tokens.
const USERS: usize = 300;

async fn start_sim(seed: u64) -> AtlassianSim {
    start_sim_with(SimConfig {
        org: OrgSpec { users: USERS, seed },
        ..SimConfig::default()
    })
    .await
}

async fn start_sim_with(config: SimConfig) -> AtlassianSim {
    AtlassianSim::start(config).await.expect("simulator starts")
}

fn connector(sim: &AtlassianSim, with_teams: bool) -> AtlassianConnector {
    let credentials = sim.credentials();
    let teams = with_teams.then(|| TeamsConfig {
        email: credentials.teams_email.clone(),
        api_token: credentials.teams_api_token.clone().into(),
        site_id: teams_site_id(&sim.snapshot()),
    });
    let config = ConnectorConfig {
        base_url: Some(sim.base_url()),
        teams,
        ..ConnectorConfig::new(sim.org_id(), credentials.api_key.clone())
    };
    AtlassianConnector::new(config).expect("valid configuration")
}

/// The ids of what a sink received; fails if any id came twice.
fn ids_of(sink: &CollectingSink) -> Expected {
    let resources: Vec<(String, String)> = sink
        .resources
        .iter()
        .map(|r| {
            let id = r.id.as_ref().unwrap();
            (id.resource_type.clone(), id.resource.clone())
        })
        .collect();
    let entitlements: Vec<String> = sink.entitlements.iter().map(|e| e.id.clone()).collect();
    let grants: Vec<String> = sink.grants.iter().map(|g| g.id.clone()).collect();
    unique(
        Expected {
            resources: resources.iter().cloned().collect(),
            entitlements: entitlements.iter().cloned().collect(),
            grants: grants.iter().cloned().collect(),
        },
        (resources.len(), entitlements.len(), grants.len()),
    )
}

fn unique(ids: Expected, received: (usize, usize, usize)) -> Expected {
    assert_eq!(
        received,
        (
            ids.resources.len(),
            ids.entitlements.len(),
            ids.grants.len()
        ),
        "an object was sent twice"
    );
    ids
}

/// Asserts two id sets are equal, showing what is missing and what is extra.
fn assert_same(actual: &Expected, expected: &Expected) {
    fn diff<T: Ord + Clone + std::fmt::Debug>(
        what: &str,
        actual: &BTreeSet<T>,
        expected: &BTreeSet<T>,
    ) {
        let missing: Vec<&T> = expected.difference(actual).take(5).collect();
        let extra: Vec<&T> = actual.difference(expected).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{what}: missing {missing:?}, extra {extra:?}"
        );
    }
    diff("resources", &actual.resources, &expected.resources);
    diff("entitlements", &actual.entitlements, &expected.entitlements);
    diff("grants", &actual.grants, &expected.grants);
}

async fn collect(
    connector: &AtlassianConnector,
    options: &SyncOptions,
) -> (connector::SyncReport, CollectingSink) {
    connector
        .sync_into(CollectingSink::default(), options)
        .await
        .expect("sync succeeds")
}

#[tokio::test]
async fn a_full_sync_holds_every_object_of_the_organization_once_and_nothing_else() {
    let sim = start_sim(7).await;
    // Two roles the sync offers no entitlement for: a platform `atlassian/user` on a site
    // and a guest role on Jira.
    sim.with_org(|org| {
        let user = org
            .users
            .iter()
            .find(|u| u.directory_id.is_some())
            .unwrap()
            .account_id
            .clone();
        let site = format!("ari:cloud:platform::site/{}", org.workspaces[0].cloud_id);
        let jira = org
            .workspaces
            .iter()
            .find(|w| w.product == "jira-software")
            .unwrap()
            .id
            .clone();
        org.user_roles.insert(RoleAssignment::new(
            Principal::User(user.clone()),
            site,
            "atlassian/user",
        ));
        org.user_roles.insert(RoleAssignment::new(
            Principal::User(user),
            jira,
            "atlassian/guest",
        ));
    });
    let truth = sim.snapshot();
    let expected = expected_from_ground_truth(&truth, &sim.org_id(), true);
    let connector = connector(&sim, true);

    let (report, sink) = collect(&connector, &SyncOptions::default()).await;

    let types: Vec<&str> = sink.resource_types.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        types,
        [
            "user",
            "workspace",
            "group",
            "organization",
            "api_token",
            "team"
        ]
    );
    let actual = ids_of(&sink);
    assert_same(&actual, &expected);
    assert!(
        expected.grants.iter().any(|g| g.starts_with("team:")),
        "the org has team memberships"
    );
    assert!(
        expected
            .grants
            .iter()
            .any(|g| g.starts_with("organization:")),
        "the org has organization roles"
    );
    assert!(
        expected.grants.iter().any(|g| g.contains(":group:")),
        "groups hold workspace roles"
    );
    let total = report.total();
    assert_eq!(
        (total.resources, total.entitlements, total.grants),
        (
            expected.resources.len() as u64,
            expected.entitlements.len() as u64,
            expected.grants.len() as u64
        )
    );
    assert_eq!(
        report.counts["group"].entitlements,
        truth.groups.len() as u64
    );
    assert_eq!(
        report.dropped_role_assignments, 2,
        "platform atlassian/user and guest on Jira are dropped"
    );
    assert_eq!(report.requests, sim.stats().total);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_c1z_file_holds_the_same_objects_and_passes_the_reference_checks() {
    let sim = start_sim(11).await;
    let expected = expected_from_ground_truth(&sim.snapshot(), &sim.org_id(), true);
    let connector = connector(&sim, true);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");

    let (report, summary) = connector
        .sync_to_c1z(&path, &SyncOptions::default())
        .await
        .expect("sync succeeds");

    assert_eq!(summary.counts.grants, report.total().grants);
    let reader = C1zReader::open(&path).unwrap();
    let runs = reader.sync_runs().unwrap();
    assert_eq!((runs.len(), runs[0].sync_type.as_str()), (1, "full"));
    assert!(runs[0].ended_at.is_some());
    let resources = reader.resources(None).map(|r| {
        let id = r.unwrap().id.unwrap();
        (id.resource_type, id.resource)
    });
    let actual = Expected {
        resources: resources.collect(),
        entitlements: reader.entitlements(None).map(|e| e.unwrap().id).collect(),
        grants: reader
            .grants(&GrantFilter::default())
            .map(|g| g.unwrap().grant.id)
            .collect(),
    };
    assert_same(&actual, &expected);
    let types: BTreeSet<String> = reader.resource_types().map(|t| t.unwrap().id).collect();
    assert_eq!(types.len(), 6);
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_into_the_same_content() {
    let sim = start_sim(7).await;
    let expected = expected_from_ground_truth(&sim.snapshot(), &sim.org_id(), true);
    let faults = [
        (ep::USERS, Fault::error(429).retry_after(0).times(3)),
        (
            ep::USER_ROLE_ASSIGNMENTS,
            Fault::error(503).retry_after(0).times(4),
        ),
        (ep::GROUP_ROLE_ASSIGNMENTS, Fault::error(500).times(2)),
        (ep::WORKSPACES, Fault::error(502).times(1)),
        (ep::ORG, Fault::error(429).retry_after(0).times(1)),
        (ep::TEAM_MEMBERS, Fault::error(503).retry_after(0).times(2)),
    ];
    for (endpoint, fault) in faults {
        sim.set_fault(endpoint, fault);
    }

    let (_, sink) = collect(&connector(&sim, true), &SyncOptions::default()).await;

    assert_same(&ids_of(&sink), &expected);
    let stats = sim.stats();
    for (endpoint, failures) in [
        (ep::USERS, 3),
        (ep::USER_ROLE_ASSIGNMENTS, 4),
        (ep::GROUP_ROLE_ASSIGNMENTS, 2),
    ] {
        let failed: u64 = stats.by_endpoint[endpoint]
            .by_status
            .iter()
            .filter(|(s, _)| **s >= 429)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(failed, failures, "{endpoint}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn skip_flags_leave_out_grants_or_entitlements_and_grants() {
    let sim = start_sim(3).await;
    let expected = expected_from_ground_truth(&sim.snapshot(), &sim.org_id(), false);
    let connector = connector(&sim, false);

    let (_, sink) = collect(
        &connector,
        &SyncOptions {
            skip_grants: true,
            ..SyncOptions::default()
        },
    )
    .await;
    let no_grants = Expected {
        grants: BTreeSet::new(),
        ..expected.clone()
    };
    assert_same(&ids_of(&sink), &no_grants);

    sim.reset_stats();
    let options = SyncOptions {
        skip_entitlements_and_grants: true,
        ..SyncOptions::default()
    };
    let (report, sink) = collect(&connector, &options).await;
    let resources_only = Expected {
        resources: expected.resources.clone(),
        ..Expected::default()
    };
    assert_same(&ids_of(&sink), &resources_only);
    let per_endpoint = sim.stats().by_endpoint;
    assert!(
        !per_endpoint.contains_key(ep::USER_ROLE_ASSIGNMENTS)
            && !per_endpoint.contains_key(ep::GROUP_ROLE_ASSIGNMENTS)
    );
    let user_pages = pages(listed_users(&sim.snapshot()).len(), 100);
    assert_eq!(
        report.requests,
        4 + user_pages,
        "org, workspaces, groups and tokens: one page each; users: {user_pages}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resources.c1z");
    let (_, summary) = connector
        .sync_to_c1z(&path, &options)
        .await
        .expect("a resources-only file is valid");
    assert_eq!(
        (summary.counts.resources, summary.counts.grants),
        (expected.resources.len() as u64, 0)
    );
    assert_eq!(
        C1zReader::open(&path).unwrap().sync_runs().unwrap()[0].sync_type,
        "resources_only"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_resource_type_filter_syncs_those_types_with_the_grants_their_resources_hold() {
    let sim = start_sim(5).await;
    let truth = sim.snapshot();
    let expected = expected_from_ground_truth(&truth, &sim.org_id(), true);
    let connector = connector(&sim, true);
    let group_ids: BTreeSet<String> = truth
        .groups
        .iter()
        .map(|g| format!("group:{}", g.id))
        .collect();
    let held_by_group = |grant: &str| group_ids.iter().any(|g| grant.ends_with(&format!(":{g}")));

    let options = SyncOptions {
        resource_type_ids: vec!["group".into()],
        ..SyncOptions::default()
    };
    let (_, sink) = collect(&connector, &options).await;
    let groups_only = Expected {
        resources: expected
            .resources
            .iter()
            .filter(|(t, _)| t == "group")
            .cloned()
            .collect(),
        entitlements: expected
            .entitlements
            .iter()
            .filter(|e| e.starts_with("group:"))
            .cloned()
            .collect(),
        grants: expected
            .grants
            .iter()
            .filter(|g| g.starts_with("group:") || held_by_group(g))
            .cloned()
            .collect(),
    };
    assert_same(&ids_of(&sink), &groups_only);
    assert_eq!(sink.resource_types.len(), 1);

    let options = SyncOptions {
        resource_type_ids: vec!["user".into()],
        ..SyncOptions::default()
    };
    let (_, sink) = collect(&connector, &options).await;
    let users_only = Expected {
        resources: expected
            .resources
            .iter()
            .filter(|(t, _)| t == "user")
            .cloned()
            .collect(),
        entitlements: BTreeSet::new(),
        grants: expected
            .grants
            .iter()
            .filter(|g| {
                (g.starts_with("workspace:") || g.starts_with("organization:")) && !held_by_group(g)
            })
            .cloned()
            .collect(),
    };
    assert_same(&ids_of(&sink), &users_only);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_targeted_sync_of_one_group_gives_that_group_its_entitlement_and_its_grants() {
    let sim = start_sim(7).await;
    let truth = sim.snapshot();
    let expected = expected_from_ground_truth(&truth, &sim.org_id(), true);
    let group = truth
        .groups
        .iter()
        .find(|g| {
            truth
                .roles_of(&Principal::Group(g.id.clone()))
                .next()
                .is_some()
        })
        .unwrap();
    let connector = connector(&sim, true);
    sim.reset_stats();

    let target = ResourceId {
        resource_type: "group".into(),
        resource: group.id.clone(),
        baton_resource: false,
    };
    let missing = ResourceId {
        resource_type: "group".into(),
        resource: "no-such-group".into(),
        baton_resource: false,
    };
    let options = SyncOptions {
        targeted_resources: vec![target, missing],
        ..SyncOptions::default()
    };
    let (_, sink) = collect(&connector, &options).await;

    let prefix = format!("group:{}:", group.id);
    let suffix = format!(":group:{}", group.id);
    let just_the_group = Expected {
        resources: BTreeSet::from([("group".to_owned(), group.id.clone())]),
        entitlements: BTreeSet::from([format!("group:{}:member", group.id)]),
        grants: expected
            .grants
            .iter()
            .filter(|g| g.starts_with(&prefix) || g.ends_with(&suffix))
            .cloned()
            .collect(),
    };
    assert!(
        just_the_group.grants.iter().any(|g| g.ends_with(&suffix)),
        "the group holds a workspace role"
    );
    assert_same(&ids_of(&sink), &just_the_group);
    let by_endpoint: BTreeMap<String, u64> = sim
        .stats()
        .by_endpoint
        .into_iter()
        .map(|(k, v)| (k, v.requests))
        .collect();
    let mut expected_calls = BTreeMap::from([
        (ep::GROUP, 2),
        (ep::WORKSPACES, 1),
        (ep::GROUP_ROLE_ASSIGNMENTS, 1),
    ]);
    if truth.members_of(&group.id).next().is_some() {
        expected_calls.insert(ep::USERS, 1);
    }
    let expected_calls: BTreeMap<String, u64> = expected_calls
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(by_endpoint, expected_calls);
    sim.shutdown().await;
}

#[tokio::test]
async fn filtered_and_targeted_syncs_write_partial_c1z_files_whose_grants_reach_outside_them() {
    let sim = start_sim(7).await;
    let truth = sim.snapshot();
    let group = truth
        .groups
        .iter()
        .find(|g| truth.members_of(&g.id).next().is_some())
        .expect("a group with members");
    let connector = connector(&sim, false);
    let dir = tempfile::tempdir().unwrap();
    let runs = [
        (
            "users.c1z",
            SyncOptions {
                resource_type_ids: vec!["user".into()],
                ..SyncOptions::default()
            },
            "full",
        ),
        (
            "group.c1z",
            SyncOptions {
                targeted_resources: vec![ResourceId {
                    resource_type: "group".into(),
                    resource: group.id.clone(),
                    baton_resource: false,
                }],
                ..SyncOptions::default()
            },
            "partial",
        ),
    ];
    for (name, options, sync_type) in runs {
        let path = dir.path().join(name);
        let (report, summary) = connector
            .sync_to_c1z(&path, &options)
            .await
            .unwrap_or_else(|e| panic!("{name}: a partial file is written: {e}"));
        assert!(summary.counts.grants > 0, "{name} holds grants");
        assert_eq!(summary.counts.grants, report.total().grants, "{name}");
        let reader = C1zReader::open(&path).unwrap();
        assert_eq!(
            reader.sync_runs().unwrap()[0].sync_type,
            sync_type,
            "{name}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_full_sync_makes_the_minimum_number_of_requests_of_its_call_plan() {
    let sim = start_sim(13).await;
    let truth = sim.snapshot();
    let connector = connector(&sim, true);

    let (report, _) = collect(&connector, &SyncOptions::default()).await;

    let by_endpoint: BTreeMap<String, u64> = sim
        .stats()
        .by_endpoint
        .into_iter()
        .map(|(k, v)| (k, v.requests))
        .collect();
    let minimum = minimum_requests(&truth);
    assert_eq!(by_endpoint, minimum);
    assert_eq!(report.requests, minimum.values().sum::<u64>());
    // Go's plan (no teams): 4 lists, users pages, one role-assignment call per user and two per group.
    let listed = listed_users(&truth).len() as u64;
    let go_minimum = 4 + pages(listed as usize, 100) + listed + 2 * truth.groups.len() as u64;
    let without_teams = report.requests - minimum[ep::TEAMS] - minimum[ep::TEAM_MEMBERS];
    assert!(
        without_teams < go_minimum,
        "{without_teams} requests without teams, Go needs {go_minimum}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn role_assignments_are_fetched_while_users_are_still_being_listed() {
    let config = SimConfig {
        org: OrgSpec {
            users: USERS,
            seed: 17,
        },
        record_exchanges: true,
        ..SimConfig::default()
    };
    let sim = start_sim_with(config).await;
    let options = SyncOptions {
        resource_type_ids: vec!["user".into()],
        ..SyncOptions::default()
    };

    collect(&connector(&sim, false), &options).await;

    let mut exchanges = sim.exchanges();
    exchanges.sort_by_key(|e| e.at);
    let list_pages: Vec<usize> = (0..exchanges.len())
        .filter(|i| exchanges[*i].endpoint == ep::USERS)
        .collect();
    let first_roles = exchanges
        .iter()
        .position(|e| e.endpoint == ep::USER_ROLE_ASSIGNMENTS)
        .unwrap();
    assert_eq!(list_pages.len(), 3);
    assert!(
        first_roles < list_pages[1],
        "role assignments of the first page come before the second page"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn last_active_dates_are_fetched_once_per_user_only_when_asked() {
    let sim = start_sim(19).await;
    let truth = sim.snapshot();
    let base = connector(&sim, false);
    let config = ConnectorConfig {
        sync_last_active: true,
        ..base.config().clone()
    };
    let options = SyncOptions {
        resource_type_ids: vec!["user".into()],
        skip_grants: true,
        ..SyncOptions::default()
    };

    let (_, sink) = collect(&AtlassianConnector::new(config).unwrap(), &options).await;

    let last_login = |account_id: &str| {
        let user = sink
            .resources
            .iter()
            .find(|r| r.id.as_ref().unwrap().resource == account_id)
            .unwrap();
        c1_proto::any::find::<UserTrait>(&user.annotations)
            .unwrap()
            .unwrap()
            .last_login
    };
    let mut with_activity = 0;
    let holders = Holders::new(&truth);
    for account_id in listed_users(&truth) {
        let user = truth.user(account_id).unwrap();
        let holds_a_workspace = holders
            .of(account_id)
            .iter()
            .flat_map(|p| truth.roles_of(p))
            .any(|r| truth.workspace(&r.resource_id).is_some());
        let active = user.last_active.is_some() && holds_a_workspace;
        assert_eq!(last_login(account_id).is_some(), active, "{account_id}");
        with_activity += usize::from(active);
    }
    assert!(with_activity > 0);
    assert_eq!(
        sim.stats().requests(ep::LAST_ACTIVE_DATES),
        listed_users(&truth).len() as u64
    );

    sim.reset_stats();
    collect(&base, &options).await;
    assert_eq!(
        sim.stats().requests(ep::LAST_ACTIVE_DATES),
        0,
        "off by default"
    );
    sim.shutdown().await;
}

/// A sink that refuses the n-th grant.
struct FailingSink {
    grants_before_failure: usize,
}

impl connector::Sink for FailingSink {
    fn resource_type(
        &mut self,
        _: &c1_proto::c1::connector::v2::ResourceType,
    ) -> Result<(), SinkError> {
        Ok(())
    }

    fn resource(&mut self, _: &c1_proto::c1::connector::v2::Resource) -> Result<(), SinkError> {
        Ok(())
    }

    fn entitlement(
        &mut self,
        _: &c1_proto::c1::connector::v2::Entitlement,
    ) -> Result<(), SinkError> {
        Ok(())
    }

    fn grant(&mut self, _: &c1_proto::c1::connector::v2::Grant) -> Result<(), SinkError> {
        if self.grants_before_failure == 0 {
            return Err(SinkError::new("disk full"));
        }
        self.grants_before_failure -= 1;
        Ok(())
    }
}

#[tokio::test]
async fn a_sink_failure_ends_the_sync_with_the_sinks_error() {
    let sim = start_sim(23).await;

    let result = connector(&sim, false)
        .sync(
            FailingSink {
                grants_before_failure: 10,
            },
            &SyncOptions::default(),
        )
        .await;

    match result {
        Err(connector::Error::Sink(error)) => assert_eq!(error.to_string(), "disk full"),
        other => panic!("expected the sink's error, got {other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_dropped_sync_sends_no_more_requests() {
    let sim = start_sim(29).await;
    // Slow answers: the sync is still running when it is dropped.
    let slow = Fault::latency(std::time::Duration::from_millis(50));
    for endpoint in minimum_requests(&sim.snapshot()).keys() {
        sim.set_fault(endpoint, slow.clone());
    }
    let connector = connector(&sim, true);

    let options = SyncOptions::default();
    let sync = connector.sync(CollectingSink::default(), &options);
    let cut_short = tokio::time::timeout(std::time::Duration::from_millis(300), sync).await;

    assert!(cut_short.is_err(), "the sync ended before it was dropped");
    // The requests on their way when it was dropped get their answers, then nothing more.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let settled = sim.stats().total;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(settled > 0);
    assert_eq!(
        sim.stats().total,
        settled,
        "requests went on after the drop"
    );
    sim.shutdown().await;
}
