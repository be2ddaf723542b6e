//! Retries, waits, pacing and the concurrency limit against the simulator's faults and rate
//! limit.

mod common;

use std::time::Duration;

use atlassian::{
    ALL_DIRECTORIES, Client, Error, Invitation, RateLimitSettings, RetryPolicy, Url, UserFilter,
};
use futures::{StreamExt, TryStreamExt};
use sim::atlassian::{Fault, RateLimit, SimConfig, endpoints};

use common::{builder, client, quick_retries, requests, sim_with_users, start};

async fn count(client: &Client) -> Result<u64, Error> {
    client
        .count_users(ALL_DIRECTORIES, &UserFilter::default())
        .await
}

#[tokio::test]
async fn a_429_is_retried_no_earlier_than_its_retry_after() {
    let sim = sim_with_users(20).await;
    sim.set_fault(
        endpoints::USERS_COUNT,
        Fault::error(429).retry_after(1).times(1),
    );
    let client = client(&sim);

    count(&client).await.expect("the retry succeeds");

    let stats = sim.stats();
    let instants = &stats.by_endpoint[endpoints::USERS_COUNT].request_instants;
    assert_eq!(instants.len(), 2);
    let waited = instants[1] - instants[0];
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    let metrics = client.metrics();
    assert_eq!((metrics.retries, metrics.rate_limited), (1, 1));
}

#[tokio::test]
async fn server_errors_are_retried_until_the_request_succeeds() {
    let sim = sim_with_users(20).await;
    sim.set_fault(endpoints::USERS, Fault::error(500).times(2));
    let users: Vec<_> = client(&sim)
        .users(ALL_DIRECTORIES, &UserFilter::default())
        .try_collect()
        .await
        .expect("third attempt works");
    assert!(!users.is_empty());
    assert_eq!(requests(&sim, endpoints::USERS), 3);
}

#[tokio::test]
async fn server_errors_give_up_after_the_last_attempt_with_the_server_error() {
    let sim = sim_with_users(20).await;
    sim.set_fault(endpoints::USERS_COUNT, Fault::error(502));
    let error = count(&client(&sim)).await.unwrap_err();
    assert!(
        matches!(error, Error::Server { status: 502, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(
        requests(&sim, endpoints::USERS_COUNT),
        u64::from(quick_retries().max_attempts)
    );
}

#[tokio::test]
async fn a_503_waits_for_its_retry_after() {
    let sim = sim_with_users(20).await;
    sim.set_fault(
        endpoints::USERS_COUNT,
        Fault::error(503).retry_after(1).times(1),
    );
    count(&client(&sim)).await.expect("the retry succeeds");
    let stats = sim.stats();
    let instants = &stats.by_endpoint[endpoints::USERS_COUNT].request_instants;
    assert!(instants[1] - instants[0] >= Duration::from_secs(1));
}

#[tokio::test]
async fn invitations_are_not_repeated_after_a_server_error_but_are_after_a_429() {
    let sim = sim_with_users(20).await;
    let client = client(&sim);
    let users_before = sim.snapshot().users.len();
    let invitation = Invitation {
        emails: vec!["once@example.org".into()],
        ..Invitation::default()
    };

    sim.set_fault(endpoints::V2_INVITE, Fault::error(500).times(1));
    let error = client.invite(&invitation).await.unwrap_err();
    assert!(
        matches!(error, Error::Server { status: 500, .. }),
        "{error:?}"
    );
    assert_eq!(requests(&sim, endpoints::V2_INVITE), 1);
    assert_eq!(sim.snapshot().users.len(), users_before);

    sim.set_fault(
        endpoints::V2_INVITE,
        Fault::error(429).retry_after(0).times(1),
    );
    client
        .invite(&invitation)
        .await
        .expect("a 429 was refused before any effect");
    assert_eq!(requests(&sim, endpoints::V2_INVITE), 3);
    assert_eq!(sim.snapshot().users.len(), users_before + 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_accepted_wait_ends_the_call_at_once() {
    let sim = sim_with_users(20).await;
    sim.set_fault(endpoints::USERS_COUNT, Fault::error(429).retry_after(60));
    let error = count(&client(&sim)).await.unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(requests(&sim, endpoints::USERS_COUNT), 1);
}

#[tokio::test]
async fn a_malformed_body_is_a_decode_error_not_a_panic_nor_a_retry() {
    let sim = sim_with_users(20).await;
    sim.set_fault(endpoints::USERS, Fault::malformed());
    let error = client(&sim)
        .users(ALL_DIRECTORIES, &UserFilter::default())
        .try_next()
        .await
        .unwrap_err();
    let Error::Decode {
        status,
        excerpt,
        endpoint,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!((*status, *endpoint), (200, endpoints::USERS));
    assert!(excerpt.starts_with("{\"data\""), "{excerpt}");
    assert!(!error.is_retryable());
    assert_eq!(requests(&sim, endpoints::USERS), 1);
}

#[tokio::test]
async fn connection_failures_are_retried_then_reported_as_transport_errors() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = Client::builder("org", "key")
        .base_url(Url::parse(&format!("http://{closed}/")).unwrap())
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let error = client.org().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.is_retryable());
    let metrics = client.metrics();
    let endpoint = &metrics.by_endpoint["GET /admin/v1/orgs/{orgId}"];
    assert_eq!(
        endpoint.transport_errors,
        u64::from(quick_retries().max_attempts)
    );
}

#[tokio::test]
async fn pacing_keeps_a_burst_inside_the_rate_limit() {
    let config = SimConfig {
        rate_limit: Some(RateLimit {
            per_second: 100.0,
            burst: 20,
        }),
        ..SimConfig::default()
    };
    let sim = start(config).await;
    let client = client(&sim);
    for _ in 0..60 {
        count(&client).await.expect("no request fails");
    }
    let stats = sim.stats();
    let by_status = &stats.by_endpoint[endpoints::USERS_COUNT].by_status;
    assert_eq!(by_status.get(&429), None, "{by_status:?}");
    assert_eq!(by_status.get(&200), Some(&60));
    assert!(client.metrics().pacing_waits > 0);
}

#[tokio::test]
async fn without_pacing_the_same_burst_meets_429s_and_retries_through_them() {
    let config = SimConfig {
        rate_limit: Some(RateLimit {
            per_second: 20.0,
            burst: 5,
        }),
        ..SimConfig::default()
    };
    let sim = start(config).await;
    let no_pacing = RateLimitSettings {
        pace_below_fraction: 0.0,
        pace_below: 0,
        ..RateLimitSettings::default()
    };
    let retries = RetryPolicy {
        max_attempts: 10,
        ..quick_retries()
    };
    let client = builder(&sim)
        .rate_limit(no_pacing)
        .retry_policy(retries)
        .build()
        .unwrap();
    let results: Vec<_> = futures::stream::iter(0..60)
        .map(|_| count(&client))
        .buffer_unordered(8)
        .collect()
        .await;
    assert!(results.iter().all(Result::is_ok));
    assert!(
        client.metrics().rate_limited > 0,
        "the burst exceeds the bucket"
    );
}

#[tokio::test]
async fn the_concurrency_limit_holds_requests_back() {
    let sim = sim_with_users(20).await;
    sim.set_fault(
        endpoints::USERS_COUNT,
        Fault::latency(Duration::from_millis(200)),
    );
    let client = builder(&sim).max_concurrency(2).build().unwrap();
    let results: Vec<_> = futures::stream::iter(0..4)
        .map(|_| count(&client))
        .buffer_unordered(4)
        .collect()
        .await;
    assert!(results.iter().all(Result::is_ok));
    let stats = sim.stats();
    let instants = &stats.by_endpoint[endpoints::USERS_COUNT].request_instants;
    assert!(
        instants[2] - instants[0] >= Duration::from_millis(200),
        "third request started before one ended"
    );
}
