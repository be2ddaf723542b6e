//! What every endpoint shares: credentials, scoped keys, rate limiting, faults, counters,
//! exchange recording and the admin endpoints.

mod common;

use std::time::{Duration, Instant};

use common::Harness;
use reqwest::Method;
use serde_json::json;
use sim::atlassian::{Fault, RateLimit, SimConfig, endpoint_keys, endpoints};

const USERS: &str = "admin/v2/orgs/{org}/directories/-/users";

#[tokio::test]
async fn a_missing_or_wrong_key_gets_the_proxy_401() {
    let h = Harness::new(30, 1).await;
    let missing = h.send(h.anonymous(Method::GET, USERS)).await;
    assert_eq!(
        (missing.status, missing.body.clone()),
        (401, json!({"code": 401, "message": "Unauthorized"}))
    );
    let wrong = h
        .send(h.anonymous(Method::GET, USERS).bearer_auth("guess"))
        .await;
    assert_eq!(wrong.status, 401);
    let lifecycle = h
        .send(h.anonymous(Method::POST, "users/x/manage/lifecycle/delete"))
        .await;
    assert_eq!(
        (lifecycle.status, lifecycle.body["key"].as_str()),
        (401, Some("unauthorized"))
    );
    let teams_with_org_key = h.get("public/teams/v1/org/{org}/teams").await;
    assert_eq!(
        teams_with_org_key.status, 401,
        "Teams takes Basic credentials only"
    );
}

#[tokio::test]
async fn the_scoped_key_reads_workspaces_but_not_directory_users_or_user_management() {
    let h = Harness::new(30, 1).await;
    let scoped =
        |method: Method, path: &str| h.anonymous(method, path).bearer_auth("sim-scoped-api-key");
    let users = h.send(scoped(Method::GET, USERS)).await;
    assert_eq!((users.status, users.code()), (401, "ADMIN-401-2"));
    let v1_membership = h
        .send(
            scoped(
                Method::POST,
                "admin/v1/orgs/{org}/directory/groups/g/memberships",
            )
            .json(&json!({"account_id": "a"})),
        )
        .await;
    assert_eq!(
        (v1_membership.status, v1_membership.code()),
        (401, "ADMIN-401-2")
    );
    let lifecycle = h
        .send(scoped(Method::POST, "users/x/manage/lifecycle/delete"))
        .await;
    assert_eq!(
        (lifecycle.status, lifecycle.body["key"].as_str()),
        (403, Some("forbidden"))
    );
    let workspaces = h
        .send(scoped(Method::POST, "admin/v2/orgs/{org}/workspaces").json(&json!({})))
        .await;
    assert_eq!(workspaces.status, 200);
    assert_eq!(
        h.send(scoped(Method::GET, "admin/v1/orgs/{org}"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn every_response_carries_the_rate_limit_headers() {
    let h = Harness::new(30, 1).await;
    for reply in [
        h.get(USERS).await,
        h.send(h.anonymous(Method::GET, USERS)).await,
    ] {
        for header in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ] {
            assert!(
                reply.headers.contains_key(header),
                "{header} missing on {}",
                reply.status
            );
        }
        let reset = reply.headers["x-ratelimit-reset"].to_str().unwrap();
        assert!(reset.ends_with('Z') && reset.contains('T'), "{reset}");
    }
}

#[tokio::test]
async fn past_the_burst_requests_get_429_with_retry_after_and_the_proxy_body() {
    let h = Harness::start(SimConfig {
        rate_limit: Some(RateLimit {
            per_second: 1.0,
            burst: 3,
        }),
        ..SimConfig::default()
    })
    .await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let reply = h.get(USERS).await;
        assert_eq!(reply.status, 200);
        remaining.push(
            reply.headers["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let limited = h.get(USERS).await;
    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.body,
        json!({"code": 429, "message": "Rate limit exceeded"})
    );
    assert_eq!(limited.headers["retry-after"], "1");
    assert_eq!(limited.headers["x-ratelimit-limit"], "3");

    let scoped = h
        .send(
            h.anonymous(Method::POST, "admin/v2/orgs/{org}/workspaces")
                .bearer_auth("sim-scoped-api-key")
                .json(&json!({})),
        )
        .await;
    assert_eq!(scoped.status, 200, "each credential has its own bucket");

    h.sim.set_rate_limit(None);
    assert_eq!(h.get(USERS).await.status, 200);
}

#[tokio::test]
async fn an_injected_fault_fails_the_next_requests_then_the_endpoint_recovers() {
    let h = Harness::new(30, 1).await;
    h.sim
        .set_fault(endpoints::USERS, Fault::error(503).retry_after(2).times(2));
    for _ in 0..2 {
        let reply = h.get(USERS).await;
        assert_eq!((reply.status, reply.code()), (503, "ADMIN-503-1"));
        assert_eq!(reply.headers["retry-after"], "2");
    }
    assert_eq!(h.get(USERS).await.status, 200);
    assert_eq!(
        h.get("admin/v1/orgs/{org}").await.status,
        200,
        "other endpoints are untouched"
    );
}

#[tokio::test]
async fn faults_can_add_latency_break_bodies_and_apply_everywhere() {
    let h = Harness::new(30, 1).await;
    h.sim
        .set_fault(endpoints::ORG, Fault::latency(Duration::from_millis(150)));
    let started = Instant::now();
    assert_eq!(h.get("admin/v1/orgs/{org}").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));

    h.sim.set_fault(endpoints::GROUPS, Fault::malformed());
    let broken = h
        .send(h.request(Method::GET, "admin/v2/orgs/{org}/directories/-/groups"))
        .await;
    assert_eq!(broken.status, 200);
    assert!(broken.body.is_null(), "the body is not JSON");

    h.sim.set_fault("*", Fault::error(500));
    let workspaces = h.post("admin/v2/orgs/{org}/workspaces", json!({})).await;
    assert_eq!(
        (workspaces.status, workspaces.body["code"].as_str()),
        (500, Some("ADMIN-500-1")),
        "single error shape"
    );
    h.sim.clear_faults();
    assert_eq!(h.get(USERS).await.status, 200);
}

#[tokio::test]
async fn counters_record_each_request_its_status_and_when_it_arrived() {
    let h = Harness::new(30, 1).await;
    h.sim
        .set_fault(endpoints::USERS, Fault::error(429).retry_after(1).times(1));
    let before = Instant::now();
    assert_eq!(h.get(USERS).await.status, 429);
    assert_eq!(h.get(USERS).await.status, 200);
    let stats = h.sim.stats();
    let users = &stats.by_endpoint[endpoints::USERS];
    assert_eq!(users.requests, 2);
    assert_eq!((users.by_status[&429], users.by_status[&200]), (1, 1));
    assert_eq!(users.request_instants.len(), 2);
    assert!(users.first_request_at().unwrap() >= before);
    assert!(users.last_request_at().unwrap() >= users.first_request_at().unwrap());
    assert_eq!(stats.total, 2);
    h.sim.reset_stats();
    assert_eq!(h.sim.stats().requests(endpoints::USERS), 0);
}

#[tokio::test]
async fn exchanges_are_recorded_when_asked() {
    let h = Harness::start(SimConfig {
        record_exchanges: true,
        ..SimConfig::default()
    })
    .await;
    h.post("admin/v2/orgs/{org}/workspaces", json!({"limit": 2}))
        .await;
    let exchanges = h.sim.exchanges();
    assert_eq!(exchanges.len(), 1);
    let exchange = &exchanges[0];
    assert_eq!(
        (
            exchange.endpoint.as_str(),
            exchange.method.as_str(),
            exchange.status
        ),
        (endpoints::WORKSPACES, "POST", 200)
    );
    assert_eq!(exchange.request_body, Some(json!({"limit": 2})));
    assert_eq!(
        exchange.response_body.as_ref().unwrap()["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(exchange.path_and_query.ends_with("/workspaces"));
}

#[tokio::test]
async fn the_admin_endpoints_control_faults_the_switch_and_show_state() {
    let h = Harness::new(30, 1).await;
    let admin = |method: Method, path: &str| h.anonymous(method, path);
    let set =
        h.send(admin(Method::POST, "__sim/faults").json(
            &json!({"endpoint": endpoints::ORG, "fault": {"errorRate": 1.0, "status": 502}}),
        ))
        .await;
    assert_eq!(set.status, 204);
    assert_eq!(h.get("admin/v1/orgs/{org}").await.status, 502);
    let unknown = h
        .send(
            admin(Method::POST, "__sim/faults")
                .json(&json!({"endpoint": "GET /nope", "fault": {}})),
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        h.send(admin(Method::DELETE, "__sim/faults")).await.status,
        204
    );
    assert_eq!(h.get("admin/v1/orgs/{org}").await.status, 200);

    let off = h
        .send(admin(Method::POST, "__sim/restricted-endpoints").json(&json!({"enabled": false})))
        .await;
    assert_eq!(off.status, 200);
    let invite = h
        .post(
            "admin/v1/orgs/{org}/users/invite",
            json!({"email": "x@example.org"}),
        )
        .await;
    assert_eq!(invite.status, 403);

    let stats = h.send(admin(Method::GET, "__sim/stats")).await;
    assert_eq!(stats.body["byEndpoint"][endpoints::ORG]["requests"], 2);
    let state = h.send(admin(Method::GET, "__sim/state")).await;
    assert_eq!(state.body["id"], h.org.as_str());
    assert_eq!(state.body["users"].as_array().unwrap().len(), 30);

    let limited = h
        .send(
            admin(Method::POST, "__sim/rate-limit").json(&json!({"perSecond": 0.001, "burst": 1})),
        )
        .await;
    assert_eq!(limited.status, 204);
    assert_eq!(h.get(USERS).await.status, 200);
    assert_eq!(h.get(USERS).await.status, 429);
}

#[tokio::test]
async fn every_endpoint_key_is_served() {
    let h = Harness::new(30, 1).await;
    for key in endpoint_keys() {
        let (method, template) = key.split_once(' ').unwrap();
        let path = template.trim_start_matches('/').replace("{orgId}", "{org}");
        let path = [
            "{directoryId}",
            "{accountId}",
            "{userId}",
            "{groupId}",
            "{teamId}",
        ]
        .iter()
        .fold(path, |p, param| p.replace(param, "x"));
        let reply = h.send(h.anonymous(method.parse().unwrap(), &path)).await;
        assert_eq!(
            reply.status, 401,
            "{key} should be routed behind the gateway"
        );
        assert_eq!(h.sim.stats().requests(key), 1, "{key}");
    }
    let unknown = h.get("admin/v9/nothing").await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn shutdown_stops_the_server_while_a_client_keeps_its_connection() {
    let h = Harness::new(30, 1).await;
    assert_eq!(h.get("admin/v1/orgs/{org}").await.status, 200);
    let url = h.sim.base_url();
    let Harness { sim, http, .. } = h;
    sim.shutdown().await;
    assert!(
        http.get(url).send().await.is_err(),
        "nothing listens any more"
    );
}

#[tokio::test]
async fn a_rotated_api_key_is_accepted_and_the_old_one_refused_with_401() {
    let h = Harness::new(30, 1).await;
    let old = h.sim.credentials().api_key;
    let rotated = h
        .send(
            h.anonymous(Method::POST, "__sim/credentials")
                .json(&json!({"apiKey": "rotated-org-api-key"})),
        )
        .await;
    assert_eq!(rotated.status, 204);
    assert_eq!(h.sim.credentials().api_key, "rotated-org-api-key");
    let with_old = h
        .send(h.anonymous(Method::GET, USERS).bearer_auth(&old))
        .await;
    assert_eq!(with_old.status, 401);
    assert_eq!(h.get(USERS).await.status, 200, "the new key is accepted");
    let teams = h
        .send(h.teams(Method::GET, "public/teams/v1/org/{org}/teams"))
        .await;
    assert_eq!(teams.status, 200, "the other credentials are unchanged");

    let mut credentials = h.sim.credentials();
    credentials.scim_token = "rotated-scim-token".to_owned();
    h.sim.set_credentials(credentials);
    assert_eq!(h.sim.credentials().scim_token, "rotated-scim-token");
    let unknown = h
        .send(
            h.anonymous(Method::POST, "__sim/credentials")
                .json(&json!({"apiKeys": "x"})),
        )
        .await;
    assert_eq!(unknown.status, 400);
}
