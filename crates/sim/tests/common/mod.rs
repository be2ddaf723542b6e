//! Test harness: a simulator and an HTTP client that talks to it over a real socket.

#![allow(dead_code)] // each test binary uses a different part of the harness

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use sim::atlassian::{AtlassianSim, OrgSpec, SimConfig};

/// A running simulator with a client.
pub struct Harness {
    pub sim: AtlassianSim,
    pub http: reqwest::Client,
    pub org: String,
}

/// A response, with its body as JSON (`Value::Null` when it is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// `errors[0].code` of an `errors[]` envelope.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }
}

impl Harness {
    /// A simulator for an org of `users` accounts.
    pub async fn new(users: usize, seed: u64) -> Harness {
        Harness::start(SimConfig {
            org: OrgSpec { users, seed },
            ..SimConfig::default()
        })
        .await
    }

    /// A simulator for a configuration.
    pub async fn start(config: SimConfig) -> Harness {
        let sim = AtlassianSim::start(config)
            .await
            .expect("the simulator starts");
        let org = sim.org_id();
        Harness {
            sim,
            http: reqwest::Client::new(),
            org,
        }
    }

    /// A request to `path` (below the base URL; `{org}` is replaced by the org id) without
    /// credentials.
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        let url = self
            .sim
            .base_url()
            .join(&path.replace("{org}", &self.org))
            .expect("a valid path");
        self.http.request(method, url)
    }

    /// A request with the org API key.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.anonymous(method, path)
            .bearer_auth(&self.sim.credentials().api_key)
    }

    /// A request with the Teams user's Basic credentials.
    pub fn teams(&self, method: Method, path: &str) -> RequestBuilder {
        let credentials = self.sim.credentials();
        self.anonymous(method, path)
            .basic_auth(&credentials.teams_email, Some(&credentials.teams_api_token))
    }

    /// Sends a request and reads the reply.
    pub async fn send(&self, request: RequestBuilder) -> Reply {
        let response = request.send().await.expect("the simulator answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        Reply {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::POST, path).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// Every item of a v2 list, following `links.next` with `limit`.
    pub async fn walk(&self, path: &str, limit: usize) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page_path = match &cursor {
                None => format!("{path}{separator}limit={limit}"),
                Some(c) => format!("{path}{separator}limit={limit}&cursor={c}"),
            };
            let reply = self.get(&page_path).await;
            assert_eq!(reply.status, 200, "{page_path}: {:?}", reply.body);
            let page = reply.body["data"].as_array().expect("a data array").clone();
            assert!(page.len() <= limit);
            items.extend(page);
            match reply.body["links"]["next"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return items,
            }
        }
    }
}

/// Account ids of listed users.
pub fn account_ids(users: &[Value]) -> Vec<String> {
    users
        .iter()
        .map(|u| u["accountId"].as_str().expect("an accountId").to_string())
        .collect()
}
