//! Conformance: runs the client's operations against the simulator with exchange recording,
//! then validates the client's request bodies and the simulator's response bodies against
//! the JSON schemas of the OpenAPI documents in `tests/openapi/`, matching operations by
//! method and path template. Prints which client operations each document covers and which
//! no document describes.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use atlassian::{
    ALL_DIRECTORIES, Client, GroupFilter, Invitation, InvitationV1, NewScimUser, PermissionRule,
    RoleAssignmentFilter, UserFilter, UserSearch, WorkspaceQuery, role,
};
use futures::TryStreamExt;
use serde_json::{Map, Value, json};
use sim::atlassian::{AtlassianSim, ClaimStatus, Exchange, OrgSpec, SimConfig, UserStatus};

use common::{builder, start};

/// One OpenAPI document and where its paths hang below `https://api.atlassian.com`.
struct Document {
    name: &'static str,
    spec: Value,
    prefix: fn(&str) -> &'static str,
}

/// The prefix of a path of the ConductorOne document, which mixes three servers.
fn baton_prefix(path: &str) -> &'static str {
    if path.starts_with("/users/") {
        ""
    } else if path.starts_with("/Users") {
        "/scim/directory/{directoryId}"
    } else {
        "/admin"
    }
}

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/openapi")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut spec: Value = serde_json::from_str(&text).expect("the OpenAPI document is JSON");
    to_json_schema(&mut spec);
    spec
}

fn documents() -> Vec<Document> {
    vec![
        Document {
            name: "baton-atlassian-openapi.json",
            spec: load("baton-atlassian-openapi.json"),
            prefix: baton_prefix,
        },
        Document {
            name: "atlassian-organizations-v1.2022-08-29.json",
            spec: load("atlassian-organizations-v1.2022-08-29.json"),
            prefix: |_| "/admin/v1",
        },
        Document {
            name: "atlassian-user-management.2022-08-29.json",
            spec: load("atlassian-user-management.2022-08-29.json"),
            prefix: |_| "",
        },
        Document {
            name: "atlassian-user-provisioning-scim.2022-08-29.json",
            spec: load("atlassian-user-provisioning-scim.2022-08-29.json"),
            prefix: |_| "",
        },
    ]
}

/// Rewrites OpenAPI 3.0's `nullable: true` as JSON Schema (`null` becomes an allowed type).
fn to_json_schema(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if object.remove("nullable") == Some(Value::Bool(true)) {
                match object.get_mut("type") {
                    Some(Value::String(kind)) => {
                        let kind = kind.clone();
                        object.insert("type".into(), json!([kind, "null"]));
                    }
                    _ => {
                        let inner = Value::Object(std::mem::take(object));
                        object.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                    }
                }
            }
            object.values_mut().for_each(to_json_schema);
        }
        Value::Array(items) => items.iter_mut().for_each(to_json_schema),
        _ => {}
    }
}

/// `"GET /admin/v2/orgs/{orgId}/users"` with every placeholder written `{}`.
fn normalize(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut in_placeholder = false;
    for c in key.chars() {
        match c {
            '{' => {
                in_placeholder = true;
                out.push_str("{}");
            }
            '}' => in_placeholder = false,
            _ if in_placeholder => {}
            _ => out.push(c),
        }
    }
    out
}

/// An operation of a document.
struct Operation<'d> {
    document: &'d Document,
    key: String,
    op: &'d Value,
}

fn operations(documents: &[Document]) -> Vec<Operation<'_>> {
    let mut all = Vec::new();
    for document in documents {
        for (path, item) in document.spec["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    let key = format!(
                        "{} {}{}",
                        method.to_uppercase(),
                        (document.prefix)(path),
                        path
                    );
                    all.push(Operation {
                        document,
                        key: normalize(&key),
                        op,
                    });
                }
            }
        }
    }
    all
}

/// Follows a local `$ref` (`#/components/responses/X`) of a document.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => spec
            .pointer(reference.trim_start_matches('#'))
            .expect("local references resolve"),
        None => value,
    }
}

/// The JSON schema of a request body or response object, if it has one.
fn json_schema<'a>(spec: &'a Value, holder: &'a Value) -> Option<&'a Value> {
    resolve(spec, holder)
        .get("content")?
        .get("application/json")?
        .get("schema")
}

/// Validation errors of `instance` against `schema`, resolving `#/components/...` in `spec`.
fn validate(spec: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let mut root = Map::new();
    root.insert("allOf".into(), json!([schema]));
    root.insert("components".into(), spec["components"].clone());
    let validator = jsonschema::validator_for(&Value::Object(root)).expect("the schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Violations known to come from the simulator following the prose spec where a schema is
/// narrower (endpoint key, start of the violation, why). They are printed, not failed; any
/// other violation fails the test.
const KNOWN_DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users",
        "\"customer\" is not one of \"atlassian\"",
        "the ConductorOne schema allows only accountType atlassian; the simulator also lists \
         JSM customers and apps with their own account type (spec section 11)",
    ),
    (
        "GET /admin/v2/orgs/{orgId}/directories/{directoryId}/users",
        "\"app\" is not one of \"atlassian\"",
        "as above, for app accounts",
    ),
    (
        "POST /scim/directory/{directoryId}/Users",
        "\"User\" is not one of \"USER\"",
        "the 2022 vendor SCIM schema spells meta.resourceType in capitals; SCIM (RFC 7643) and \
         the simulator write User",
    ),
];

fn is_known(endpoint: &str, violation: &str) -> bool {
    KNOWN_DEVIATIONS
        .iter()
        .any(|(key, start, _)| *key == endpoint && violation.starts_with(start))
}

/// What validating the exchanges found.
#[derive(Default)]
struct Findings {
    /// Client endpoint key → documents that describe it.
    covered: BTreeMap<String, BTreeSet<&'static str>>,
    /// Client endpoint keys no document describes.
    undescribed: BTreeSet<String>,
    /// Validated bodies per endpoint key.
    checked: BTreeMap<String, usize>,
    /// Answers whose status the describing document does not list (endpoint, document, status).
    undocumented_statuses: BTreeSet<(String, &'static str, u16)>,
    /// Schema violations.
    failures: Vec<String>,
    /// Violations listed in [`KNOWN_DEVIATIONS`], counted by kind.
    known: BTreeMap<String, usize>,
}

fn check(exchanges: &[Exchange], documents: &[Document]) -> Findings {
    let operations = operations(documents);
    let mut findings = Findings::default();
    for exchange in exchanges {
        let key = normalize(&exchange.endpoint);
        let matching: Vec<&Operation> = operations.iter().filter(|o| o.key == key).collect();
        if matching.is_empty() {
            findings.undescribed.insert(exchange.endpoint.clone());
            continue;
        }
        for operation in matching {
            let spec = &operation.document.spec;
            findings
                .covered
                .entry(exchange.endpoint.clone())
                .or_default()
                .insert(operation.document.name);
            let mut check_body = |what: &str, schema: Option<&Value>, body: &Option<Value>| {
                if let (Some(schema), Some(body)) = (schema, body) {
                    *findings
                        .checked
                        .entry(exchange.endpoint.clone())
                        .or_default() += 1;
                    for error in validate(spec, schema, body) {
                        if is_known(&exchange.endpoint, &error) {
                            let kind = error.split(" at ").next().unwrap_or_default();
                            *findings
                                .known
                                .entry(format!("{} {kind}", exchange.endpoint))
                                .or_default() += 1;
                            continue;
                        }
                        findings.failures.push(format!(
                            "{} [{}] {what} {}: {error}\n    body: {}",
                            exchange.endpoint,
                            operation.document.name,
                            exchange.status,
                            excerpt(body)
                        ));
                    }
                }
            };
            let request_schema = operation
                .op
                .get("requestBody")
                .and_then(|b| json_schema(spec, b));
            check_body("request", request_schema, &exchange.request_body);
            let responses = &operation.op["responses"];
            let response = responses
                .get(exchange.status.to_string())
                .or_else(|| responses.get("default"));
            if response.is_none() {
                let entry = (
                    exchange.endpoint.clone(),
                    operation.document.name,
                    exchange.status,
                );
                findings.undocumented_statuses.insert(entry);
            }
            let response_schema = response.and_then(|r| json_schema(spec, r));
            check_body("response", response_schema, &exchange.response_body);
        }
    }
    findings
}

fn excerpt(body: &Value) -> String {
    body.to_string().chars().take(300).collect()
}

/// Runs every operation of the client, successes and refusals, against `sim`.
async fn exercise(sim: &AtlassianSim, client: &Client) {
    let org = sim.snapshot();
    let admins = org.org_admins();
    let user = org
        .users
        .iter()
        .find(|u| {
            u.claim_status == ClaimStatus::Managed
                && u.status() == UserStatus::Active
                && u.directory_id.is_some()
                && !admins.contains(&u.account_id.as_str())
        })
        .unwrap();
    let account = user.account_id.as_str();
    let directory = user.directory_id.clone().unwrap();
    let group = org
        .groups
        .iter()
        .find(|g| {
            !g.external_synced
                && g.directory_id == directory
                && !org.members_of(&g.id).any(|m| m == account)
        })
        .unwrap();
    let confluence = org
        .workspaces
        .iter()
        .find(|w| w.product == "confluence")
        .unwrap()
        .id
        .clone();
    let jira = org
        .workspaces
        .iter()
        .find(|w| w.product == "jira-software")
        .unwrap()
        .id
        .clone();
    let site = org.workspaces[0].cloud_id.clone();
    let team = org
        .teams
        .iter()
        .find(|t| !t.deleted && t.site_id.is_none())
        .unwrap()
        .team_id
        .clone();
    let admin = admins[0];

    let _: Vec<_> = client.orgs().try_collect().await.unwrap();
    client.org().await.unwrap();
    let _: Vec<_> = client.managed_accounts().try_collect().await.unwrap();
    let _: Vec<_> = client.directories().try_collect().await.unwrap();
    let _: Vec<_> = client
        .users(ALL_DIRECTORIES, &UserFilter::default())
        .try_collect()
        .await
        .unwrap();
    let search = UserSearch {
        expand: vec!["groups".into(), "productAccess".into()],
        ..UserSearch::default()
    };
    let _: Vec<_> = client
        .search_users(ALL_DIRECTORIES, &search)
        .try_collect()
        .await
        .unwrap();
    client.user(ALL_DIRECTORIES, account).await.unwrap();
    client
        .user(ALL_DIRECTORIES, "no-such-account")
        .await
        .unwrap_err();
    let filter = RoleAssignmentFilter::default();
    let _: Vec<_> = client
        .user_role_assignments(ALL_DIRECTORIES, account, &filter)
        .try_collect()
        .await
        .unwrap();
    client
        .count_users(ALL_DIRECTORIES, &UserFilter::default())
        .await
        .unwrap();
    client.user_stats(ALL_DIRECTORIES).await.unwrap();
    client.last_active_dates(account).await.unwrap();

    let _: Vec<_> = client
        .groups(ALL_DIRECTORIES, &GroupFilter::default())
        .try_collect()
        .await
        .unwrap();
    client.group(ALL_DIRECTORIES, &group.id).await.unwrap();
    let _: Vec<_> = client
        .group_role_assignments(ALL_DIRECTORIES, &group.id, &filter)
        .try_collect()
        .await
        .unwrap();
    client
        .add_group_member(&directory, &group.id, account)
        .await
        .unwrap();
    client
        .add_group_member(&directory, &group.id, account)
        .await
        .unwrap();
    client
        .remove_group_member(&directory, &group.id, account)
        .await
        .unwrap();
    client
        .remove_group_member(&directory, &group.id, account)
        .await
        .unwrap();
    client
        .assign_group_role(&directory, &group.id, &confluence, role::GUEST)
        .await
        .unwrap();
    client
        .revoke_group_role(&directory, &group.id, &confluence, role::GUEST)
        .await
        .unwrap();
    let created = client
        .create_group(&directory, "conformance", None)
        .await
        .unwrap();
    client.delete_group(&directory, &created.id).await.unwrap();

    let _: Vec<_> = client
        .workspaces(&WorkspaceQuery::default())
        .try_collect()
        .await
        .unwrap();
    client
        .assign_role(account, role::USER_ACCESS_ADMIN, &jira)
        .await
        .unwrap();
    client
        .revoke_role(account, role::USER_ACCESS_ADMIN, &jira)
        .await
        .unwrap();
    client
        .revoke_role(account, role::USER_ACCESS_ADMIN, &jira)
        .await
        .unwrap();
    client
        .assign_role(account, role::GUEST, &jira)
        .await
        .unwrap_err();
    client
        .assign_org_role(account, role::ORG_ADMIN)
        .await
        .unwrap();
    client
        .revoke_org_role(account, role::ORG_ADMIN)
        .await
        .unwrap();

    let invitation = Invitation {
        emails: vec!["conformance@example.org".into()],
        permission_rules: vec![PermissionRule {
            resource: confluence.clone(),
            role: role::USER.into(),
        }],
        additional_groups: vec![group.id.clone()],
        send_notification: Some(false),
        notification_text: Some("Welcome".into()),
    };
    client.invite(&invitation).await.unwrap();
    let v1 = InvitationV1 {
        email: "conformance-v1@example.org".into(),
        permission_rule: PermissionRule {
            resource: confluence.clone(),
            role: role::USER.into(),
        },
        send_notification: Some(false),
        notification_text: None,
    };
    client.invite_v1(&v1).await.unwrap();

    client.suspend_user(&directory, account).await.unwrap();
    client.restore_user(&directory, account).await.unwrap();
    client.suspend_user_v1(account).await.unwrap();
    client.restore_user_v1(account).await.unwrap();
    client.suspend_user_v1(admin).await.unwrap_err();
    client
        .deactivate_account(account, Some("conformance"))
        .await
        .unwrap();
    client.reactivate_account(account).await.unwrap();
    client.delete_account(admin).await.unwrap_err();
    client.delete_account("no-such-account").await.unwrap();

    let scim = NewScimUser {
        user_name: "scim.conformance@example.org".into(),
        email: "scim.conformance@example.org".into(),
        given_name: Some("Scim".into()),
        family_name: Some("Conformance".into()),
        display_name: Some("Scim Conformance".into()),
    };
    client.scim_create_user(&scim).await.unwrap();
    client.scim_create_user(&scim).await.unwrap_err();

    let _: Vec<_> = client.api_tokens().try_collect().await.unwrap();
    let teams: Vec<_> = client.teams(&site).try_collect().await.unwrap();
    client.team(&teams[0].team_id, &site).await.unwrap();
    let _: Vec<_> = client
        .team_members(&team, &site)
        .try_collect()
        .await
        .unwrap();
    client.add_team_member(&team, &site, account).await.unwrap();
    client
        .remove_team_member(&team, &site, account)
        .await
        .unwrap();

    client
        .remove_from_directory(&directory, account)
        .await
        .unwrap();
    client.delete_account(account).await.unwrap();
}

#[tokio::test]
async fn requests_and_responses_conform_to_the_openapi_documents() {
    let config = SimConfig {
        org: OrgSpec {
            users: 150,
            seed: 3,
        },
        record_exchanges: true,
        ..SimConfig::default()
    };
    let sim = start(config).await;
    let client = builder(&sim).build().unwrap();
    exercise(&sim, &client).await;

    let documents = documents();
    let findings = check(&sim.exchanges(), &documents);
    let used: BTreeSet<String> = client.metrics().by_endpoint.keys().cloned().collect();

    println!("Operations of the client described by the OpenAPI documents (bodies validated):");
    for (endpoint, names) in &findings.covered {
        let names = names.iter().copied().collect::<Vec<_>>().join(", ");
        let checked = findings.checked.get(endpoint).copied().unwrap_or(0);
        println!("  {endpoint}: {names} ({checked})");
    }
    println!("Operations of the client no document describes:");
    for endpoint in &findings.undescribed {
        println!("  {endpoint}");
    }
    println!("Statuses a describing document does not list:");
    for (endpoint, document, status) in &findings.undocumented_statuses {
        println!("  {status} from {endpoint} ({document})");
    }
    println!("Known deviations (see KNOWN_DEVIATIONS):");
    for (kind, count) in &findings.known {
        println!("  {count} x {kind}");
    }
    let checked: usize = findings.checked.values().sum();
    println!(
        "{checked} bodies validated, {} violations",
        findings.failures.len()
    );

    assert!(
        findings.failures.is_empty(),
        "schema violations:\n{}",
        findings.failures.join("\n")
    );
    let seen: BTreeSet<String> = findings
        .covered
        .keys()
        .chain(&findings.undescribed)
        .cloned()
        .collect();
    assert_eq!(seen, used, "every operation the client ran was recorded");
    assert!(
        findings.covered.len() >= 20,
        "most operations are described: {:?}",
        findings.covered.keys()
    );
    let unchecked: Vec<_> = findings
        .covered
        .keys()
        .filter(|e| !findings.checked.contains_key(*e))
        .collect();
    assert!(
        unchecked.len() <= 2,
        "described operations without any validated body: {unchecked:?}"
    );
}

#[test]
fn nullable_becomes_a_null_type_and_placeholders_are_normalized() {
    let mut schema = json!({"type": "string", "nullable": true, "properties": {"a": {"$ref": "#/x", "nullable": true}}});
    to_json_schema(&mut schema);
    assert_eq!(schema["type"], json!(["string", "null"]));
    assert_eq!(
        schema["properties"]["a"],
        json!({"anyOf": [{"$ref": "#/x"}, {"type": "null"}]})
    );
    assert_eq!(
        normalize("POST /users/{account_id}/manage"),
        normalize("POST /users/{accountId}/manage")
    );
}

#[test]
fn schema_violations_are_found() {
    let spec = json!({"components": {"schemas": {"X": {"type": "object", "required": ["id"]}}}});
    let schema = json!({"$ref": "#/components/schemas/X"});
    assert!(validate(&spec, &schema, &json!({"id": 1})).is_empty());
    assert_eq!(validate(&spec, &schema, &json!({})).len(), 1);
}
