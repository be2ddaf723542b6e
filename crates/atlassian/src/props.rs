//! Property tests of response decoding: whatever the service (or a proxy in front of it)
//! answers, every body decodes into its model or a [`Error::Decode`], every error body
//! into a classified [`Error`], and every set of rate-limit headers into waits the client
//! can use; nothing panics.
//!
//! Bodies are arbitrary bytes, arbitrary JSON (keys drawn mostly from the models' field
//! names), and realistic example bodies of each endpoint with parts replaced, removed or
//! cut off.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::Config;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::client::{Reply, decode};
use crate::config::{RateLimitSettings, RetryPolicy};
use crate::endpoints::{self, Endpoint};
use crate::error::{ApiError, Error, classify, is_already_done};
use crate::headers::RateLimitHeaders;
use crate::models::*;
use crate::pagination::Cursor;
use crate::ratelimit::RateLimiter;
use crate::retry::next_wait;

/// Field names of the models and envelopes, so that arbitrary JSON often hits them.
const KEYS: &[&str] = &[
    "data",
    "links",
    "next",
    "count",
    "id",
    "accountId",
    "account_id",
    "name",
    "email",
    "status",
    "accountStatus",
    "account_status",
    "membershipStatus",
    "claimStatus",
    "platformRoles",
    "productAccess",
    "product_access",
    "groups",
    "counts",
    "resources",
    "directoryId",
    "managementAccess",
    "externalSynced",
    "managedBy",
    "roles",
    "roleAssignments",
    "role",
    "roleAssignmentMethods",
    "resourceId",
    "attributes",
    "type",
    "hostUrl",
    "usage",
    "capacity",
    "sandbox",
    "entities",
    "cursor",
    "teamId",
    "pageInfo",
    "endCursor",
    "hasNextPage",
    "results",
    "members",
    "errors",
    "code",
    "title",
    "detail",
    "message",
    "key",
    "context",
    "errorDetail",
    "scimType",
    "error",
    "urn:scim:schemas:extension:atlassian-external:1.0",
    "atlassianAccountId",
    "user",
    "scopes",
    "added_to_org",
    "last_active",
    "roleId",
    "userDirectoryStatus",
];

/// Strings a field may hold: enum values, cursors and links, numbers, anything.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        select(
            &[
                "active",
                "suspended",
                "not_invited",
                "closed",
                "managed",
                "external",
                "",
                "ADMIN-UAM-409-2",
                "uniqueness",
                "already a member",
                "scope",
                "https://api.atlassian.com/admin/v1/orgs?cursor=abc%3D&x=1",
                "/admin/v2/orgs/o/users?cursor=",
                "?cursor",
                "http://[::1",
                "//",
                "eyJwIjoyfQ==",
            ][..]
        )
        .prop_map(str::to_owned),
        any::<String>(),
        "[ -~]{0,24}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => select(KEYS).prop_map(str::to_owned), 1 => any::<String>()]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from), // NaN and infinities become null
    ]
}

/// Arbitrary JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Realistic bodies of the endpoints, in the shapes the service documents.
static EXAMPLES: LazyLock<Vec<Value>> = LazyLock::new(examples);

fn examples() -> Vec<Value> {
    let user = json!({
        "accountId": "557058:f1e2d3", "accountType": "atlassian", "status": "active",
        "accountStatus": "active", "membershipStatus": "active", "addedToOrg": "2024-01-02",
        "name": "Ann Lee", "nickname": "ann", "email": "ann@example.com", "emailVerified": true,
        "claimStatus": "managed", "platformRoles": ["atlassian/user"], "mfaEnabled": false,
        "counts": {"resources": 2},
        "productAccess": [{"key": "jira-software", "id": "site-1", "lastActiveTimestamp": "2024-05-01T10:00:00Z"}],
        "groups": [{"id": "g-1", "name": "eng"}]
    });
    let group = json!({
        "id": "5b3c9a", "name": "eng", "description": "Engineering", "directoryId": "d-1",
        "managementAccess": {"canEdit": true}, "externalSynced": false, "managedBy": "admins",
        "counts": {"users": 3, "resources": 1}
    });
    let next = json!({"next": "https://api.atlassian.com/admin/v2/orgs/o/directories/-/users?cursor=abc%3D%3D"});
    vec![
        json!({"data": [user.clone()], "links": next}),
        json!({"data": user}),
        json!({"data": [group.clone()], "links": {"next": "eyJwYWdlIjoyfQ=="}}),
        json!({"data": group}),
        json!({"data": [{"resourceId": "ari:cloud:jira::site/1", "resourceOwner": "jira",
            "roles": ["atlassian/user"], "directoryId": "d-1", "userDirectoryStatus": "active",
            "roleAssignments": [{"role": "atlassian/admin", "roleAssignmentMethods": ["direct"]}]}],
            "links": {}}),
        json!({"data": [{"id": "o-1", "type": "orgs", "attributes": {"name": "Acme"}}],
            "links": {"next": "/admin/v1/orgs?cursor=page-2"}}),
        json!({"data": {"id": "o-1", "type": "orgs", "attributes": {"name": "Acme"}}}),
        json!({"data": [{"account_id": "a-1", "account_type": "atlassian", "account_status": "active",
            "name": "Ann", "email": "ann@example.com", "access_billable": true,
            "last_active": "2024-05-01", "product_access": [{"key": "jira", "name": "Jira",
            "url": "acme.atlassian.net", "last_active": "2024-05-01"}]}], "links": {"next": ""}}),
        json!({"data": [{"directoryId": "d-1", "name": "Acme users", "icon": null}]}),
        json!({"data": [{"id": "ari:cloud:platform::workspace/abc", "type": "workspace",
            "attributes": {"name": "acme", "typeKey": "jira", "type": "Jira", "status": "online",
            "hostUrl": "acme.atlassian.net", "regions": ["us"], "usage": 3, "capacity": 10,
            "sandbox": {"type": "none"}}}], "links": {"next": "c2"}}),
        json!({"count": 42}),
        json!({"roles": [{"roleId": "atlassian/user", "count": 3}],
            "accountStatus": [{"status": "active", "count": 3}]}),
        json!({"data": {"product_access": [{"id": "s", "key": "jira", "last_active": "2024-05-01",
            "last_active_timestamp": "1714557600"}], "added_to_org": "2024-01-01"},
            "links": {"next": "?cursor=n"}}),
        json!({"data": [{"id": "a-2", "email": "new@example.com", "results": [{"roles": [],
            "groups": []}]}]}),
        json!({"id": "scim-1", "userName": "new@example.com", "active": true,
            "urn:scim:schemas:extension:atlassian-external:1.0": {"atlassianAccountId": "a-3"}}),
        json!({"data": [{"id": "t-1", "label": "ci", "status": "active", "createdAt": "2024-01-01",
            "scopes": ["read"], "user": {"id": "a-1", "orgId": "o-1", "name": "Ann"}}]}),
        json!({"entities": [{"teamId": "team-1", "displayName": "Platform", "organizationId": "o-1",
            "state": "ACTIVE", "teamType": "MEMBER_INVITE", "externalReference": {"source": "x"}}],
            "cursor": "next-page"}),
        json!({"pageInfo": {"endCursor": "e1", "hasNextPage": true},
            "results": [{"accountId": "a-1"}]}),
        json!({"members": [{"accountId": "a-1"}], "errors": [{"accountId": "a-2",
            "code": "ALREADY_A_MEMBER", "message": "already"}]}),
        json!({"errors": [{"status": "409", "code": "ADMIN-UAM-409-2", "title": "Conflict",
            "detail": "User already has the role"}]}),
        json!({"key": "accountNotFound", "context": {"message": "no such account"}}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409",
            "scimType": "uniqueness", "detail": "exists"}),
        json!({"code": 401, "message": "Unauthorized; scope does not match"}),
        json!({"message": "Group is managed by an external identity provider"}),
    ]
}

/// JSON pointers of every node of `value`.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (k, v) in fields {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                pointers(v, format!("{at}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// One change to an example body.
#[derive(Debug, Clone)]
enum Edit {
    /// The node becomes another value.
    Replace(Index, Value),
    /// The node goes.
    Remove(Index),
}

impl Edit {
    fn apply(&self, value: &mut Value) {
        let mut all = Vec::new();
        pointers(value, String::new(), &mut all);
        let (Edit::Replace(at, _) | Edit::Remove(at)) = self;
        let pointer = at.get(&all).clone();
        match self {
            Edit::Replace(_, new) => *value.pointer_mut(&pointer).unwrap() = new.clone(),
            Edit::Remove(_) => {
                let Some((parent, last)) = pointer.rsplit_once('/') else {
                    *value = Value::Null;
                    return;
                };
                let last = last.replace("~1", "/").replace("~0", "~");
                match value.pointer_mut(parent).unwrap() {
                    Value::Object(fields) => drop(fields.remove(&last)),
                    Value::Array(items) => drop(items.remove(last.parse::<usize>().unwrap())),
                    _ => unreachable!("a pointer's parent is an object or an array"),
                }
            }
        }
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), json_value()).prop_map(|(at, v)| Edit::Replace(at, v)),
        any::<Index>().prop_map(Edit::Remove),
    ]
}

/// An example body with a few edits, serialized, maybe cut short.
fn edited_example() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<Index>(),
        prop::collection::vec(edit(), 1..4),
        prop::option::weighted(0.2, any::<Index>()),
    )
        .prop_map(|(which, edits, cut)| {
            let mut body = which.get(&EXAMPLES).clone();
            for edit in &edits {
                edit.apply(&mut body);
            }
            let mut bytes = serde_json::to_vec(&body).unwrap();
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            bytes
        })
}

/// Any body: raw bytes, arbitrary JSON, or an edited example.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256),
        2 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        4 => edited_example(),
    ]
}

/// Decodes `body` as a `T` of `endpoint`: the model, or a decode error naming the
/// endpoint with a short one-line excerpt. `inspect` exercises what callers do with it.
fn check<T: DeserializeOwned>(
    endpoint: &Endpoint,
    body: &[u8],
    inspect: impl FnOnce(T),
) -> Result<(), TestCaseError> {
    let reply = Reply {
        status: 200,
        body: body.to_vec(),
    };
    match decode::<T>(endpoint, &reply) {
        Ok(value) => inspect(value),
        Err(Error::Decode {
            endpoint: key,
            status,
            excerpt,
            ..
        }) => {
            prop_assert_eq!(key, endpoint.key);
            prop_assert_eq!(status, 200);
            prop_assert!(excerpt.chars().count() <= 121, "{}", excerpt);
            prop_assert!(!excerpt.chars().any(char::is_control), "{:?}", excerpt);
        }
        Err(other) => prop_assert!(false, "not a decode error: {}", other),
    }
    Ok(())
}

/// Follows `links.next` as the listings do.
fn page<T>(envelope: ListEnvelope<T>) {
    drop(envelope.into_page());
}

/// Reads a next-page cursor as the Teams listings do.
fn link(text: Option<&str>) {
    drop(text.and_then(Cursor::from_link));
}

/// Every response shape the client decodes.
fn decode_every_shape(body: &[u8]) -> Result<(), TestCaseError> {
    use endpoints::*;
    check(&LIST_USERS, body, page::<DirectoryUser>)?;
    check(&GET_USER, body, |_: DataEnvelope<DirectoryUser>| ())?;
    check(&COUNT_USERS, body, |_: CountResponse| ())?;
    check(&USER_STATS, body, |_: UserStats| ())?;
    check(
        &LAST_ACTIVE_DATES,
        body,
        |_: DataEnvelope<LastActiveDates>| (),
    )?;
    check(
        &USER_ROLE_ASSIGNMENTS,
        body,
        |e: ListEnvelope<RoleAssignment>| {
            e.data.iter().for_each(|a| drop(a.role_ids()));
            page(e);
        },
    )?;
    check(&LIST_GROUPS, body, |e: ListEnvelope<Group>| {
        e.data.iter().for_each(|g| {
            let _ = g.is_idp_managed();
        });
        page(e);
    })?;
    check(&GET_GROUP, body, |e: DataEnvelope<Group>| {
        let _ = e.data.is_idp_managed();
    })?;
    check(&LIST_ORGS, body, page::<Organization>)?;
    check(&GET_ORG, body, |_: DataEnvelope<Organization>| ())?;
    check(&LIST_MANAGED_ACCOUNTS, body, page::<ManagedAccount>)?;
    check(&LIST_DIRECTORIES, body, page::<Directory>)?;
    check(&QUERY_WORKSPACES, body, |e: ListEnvelope<Workspace>| {
        e.data.iter().for_each(|w| {
            let _ = w.cloud_id();
        });
        page(e);
    })?;
    check(&INVITE_V2, body, |_: DataEnvelope<Vec<InvitedUser>>| ())?;
    check(&SCIM_CREATE_USER, body, |u: ScimUser| {
        let _ = u.account_id();
    })?;
    check(&LIST_API_TOKENS, body, page::<ApiToken>)?;
    check(&LIST_TEAMS, body, |p: TeamsPage| link(p.cursor.as_deref()))?;
    check(&GET_TEAM, body, |_: Team| ())?;
    check(&LIST_TEAM_MEMBERS, body, |p: MembersPage| {
        link(p.page_info.and_then(|i| i.end_cursor).as_deref())
    })?;
    check(&ADD_TEAM_MEMBERS, body, |_: TeamMembersChange| ())?;
    Ok(())
}

/// A count: small, anything, or next to a power of two (the edges of integer types).
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..100,
        any::<u64>(),
        (0u32..64, 0u64..=4)
            .prop_map(|(bits, off)| (1u64 << bits).saturating_add(off).saturating_sub(2)),
    ]
}

/// A rate-limit header value: counts, fractions and exponents, dates in every accepted
/// layout, anything printable.
fn header_value() -> impl Strategy<Value = String> {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    prop_oneof![
        count().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        select(
            &[
                "1e30", "1e20", "-1", "-0", "NaN", "inf", "1.5", " 7 ", "", "0"
            ][..]
        )
        .prop_map(str::to_owned),
        (0u64..253_402_300_799)
            .prop_map(|s| httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(s))),
        (now - 600..now + 600).prop_map(|s| s.to_string()),
        (now - 600..now + 600).prop_map(|s| (s * 1000).to_string()),
        (
            0i64..4_000_000_000,
            select(&["%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%S%.3fZ", "%+"][..])
        )
            .prop_map(|(s, layout)| chrono::DateTime::from_timestamp(s, 0)
                .unwrap()
                .format(layout)
                .to_string()),
        "[ -~]{0,30}",
    ]
}

/// The four rate-limit headers, each present or not.
fn rate_limit_headers() -> impl Strategy<Value = HeaderMap> {
    let names = [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
    ];
    prop::collection::vec(prop::option::of(header_value()), 4).prop_map(move |values| {
        let mut headers = HeaderMap::new();
        for (name, value) in names.iter().zip(values) {
            if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
        headers
    })
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn every_body_decodes_or_is_a_decode_error(body in body()) {
        decode_every_shape(&body)?;
    }

    #[test]
    fn every_error_body_is_classified(
        body in body(),
        endpoint in select(endpoints::ALL),
        status in prop_oneof![
            select(&[400u16, 401, 402, 403, 404, 409, 410, 429][..]),
            400u16..600,
        ],
        headers in rate_limit_headers(),
    ) {
        let limits = RateLimitHeaders::read(&headers, SystemTime::now());
        let error = classify(&endpoint, status, &limits, &body);
        prop_assert_eq!(error.endpoint(), Some(endpoint.key));
        prop_assert!(!error.to_string().is_empty());
        match status {
            429 => prop_assert!(matches!(error, Error::RateLimited { .. }), "{}", error),
            500..=599 => prop_assert!(matches!(error, Error::Server { .. }), "{}", error),
            _ => prop_assert!(!error.is_retryable(), "{}", error),
        }
        if is_already_done(&error) {
            prop_assert!(matches!(status, 404 | 409), "{}", error);
        }
        if let Some(api) = ApiError::parse(&body) {
            prop_assert!(api.code.is_some() || api.detail.is_some());
            let detail = api.detail.unwrap_or_default();
            prop_assert!(detail.chars().count() <= 301, "{}", detail);
        }
    }

    #[test]
    fn any_rate_limit_headers_give_bounded_waits(
        headers in rate_limit_headers(),
        settings_limit in prop::option::of(1u64..1000),
        requests in 1usize..6,
    ) {
        let limits = RateLimitHeaders::read(&headers, SystemTime::now());
        let settings = RateLimitSettings {
            pace_below: settings_limit.unwrap_or(10),
            ..RateLimitSettings::default()
        };
        let limiter = RateLimiter::new(settings.clone());
        let now = Instant::now();
        limiter.observe(&limits, now);
        for _ in 0..requests {
            prop_assert!(limiter.reserve(now) <= settings.max_pacing_wait);
        }
        let policy = RetryPolicy::default();
        let error = classify(&endpoints::LIST_USERS, 429, &limits, b"");
        prop_assert_eq!(error.retry_after(), limits.server_wait());
        if let Some(wait) = next_wait(&policy, &error, Some(Duration::from_secs(1)), Duration::ZERO) {
            prop_assert!(wait <= policy.max_server_wait);
        }
    }

    #[test]
    fn any_budget_paces_with_bounded_waits(
        limit in prop::option::of(count()),
        remaining in count(),
        reset_in in 0u64..7200,
        requests in 1usize..6,
    ) {
        let limits = RateLimitHeaders {
            limit,
            remaining: Some(remaining),
            reset_in: Some(Duration::from_secs(reset_in)),
            retry_after: None,
        };
        let settings = RateLimitSettings::default();
        let limiter = RateLimiter::new(settings.clone());
        let now = Instant::now();
        limiter.observe(&limits, now);
        for _ in 0..requests {
            prop_assert!(limiter.reserve(now) <= settings.max_pacing_wait);
        }
    }

    #[test]
    fn any_link_reads_as_a_cursor_or_none(link in prop_oneof![text(), "(/|https?://)[ -~]{0,40}"]) {
        if let Some(cursor) = Cursor::from_link(&link) {
            prop_assert!(!cursor.as_str().is_empty());
        }
    }
}

// Cases the properties above found, kept as plain tests.

#[test]
fn a_retry_after_too_large_for_a_duration_is_ignored() {
    let now = SystemTime::now();
    for value in [
        "74133694604141800000000000000000000000000000000",
        "1e30",
        "1e20",
    ] {
        assert_eq!(
            crate::headers::parse_retry_after(value, now),
            None,
            "{value}"
        );
    }
    assert_eq!(
        crate::headers::parse_retry_after("1.5", now),
        Some(Duration::from_millis(1500))
    );
}

#[test]
fn two_to_the_32_requests_left_do_not_divide_by_zero() {
    let limits = RateLimitHeaders {
        limit: Some(343_597_383_676),
        remaining: Some(1 << 32),
        reset_in: Some(Duration::ZERO),
        retry_after: None,
    };
    let limiter = RateLimiter::new(RateLimitSettings::default());
    let now = Instant::now();
    limiter.observe(&limits, now);
    assert!(limiter.reserve(now) <= Duration::from_secs(1));
}
