//! The [`Client`], its [`ClientBuilder`], and the one place where requests are sent: URL
//! building, credentials, the concurrency limit, pacing, retries, counters and error mapping.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use backon::Retryable;
use futures::FutureExt as _;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tracing::Instrument as _;
use url::Url;

use crate::auth::{
    CredentialKind, CredentialStore, Credentials, ScimCredentials, Secret, TeamsCredentials,
};
use crate::config::{DEFAULT_BASE_URL, RateLimitSettings, RetryPolicy};
use crate::endpoints::Endpoint;
use crate::error::{Error, classify};
use crate::headers::RateLimitHeaders;
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::ratelimit::RateLimiter;
use crate::retry::{FullJitter, next_wait, should_retry};

/// Configures and builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    org_id: String,
    credentials: Credentials,
    base_url: Option<Url>,
    teams_base_url: Option<Url>,
    connect_timeout: Duration,
    request_timeout: Duration,
    user_agent: String,
    max_concurrency: usize,
    retry: RetryPolicy,
    rate_limit: RateLimitSettings,
}

impl ClientBuilder {
    /// Starts a client for organization `org_id` with its API key (sent as Bearer).
    pub fn new(org_id: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        Self {
            org_id: org_id.into(),
            credentials: Credentials {
                api_key: api_key.into(),
                teams: None,
                scim: None,
            },
            base_url: None,
            teams_base_url: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            user_agent: concat!(
                env!("CARGO_PKG_NAME"),
                "-client/",
                env!("CARGO_PKG_VERSION")
            )
            .into(),
            max_concurrency: 8,
            retry: RetryPolicy::default(),
            rate_limit: RateLimitSettings::default(),
        }
    }

    /// Base URL of every API family (default `https://api.atlassian.com/`); the real paths
    /// (`admin/...`, `users/...`, `scim/...`, `public/teams/...`) hang below it.
    pub fn base_url(mut self, url: Url) -> Self {
        self.base_url = Some(url);
        self
    }

    /// Base URL of the Teams REST API when it differs from [`base_url`](Self::base_url),
    /// e.g. `https://{site}.atlassian.net/gateway/api/`.
    pub fn teams_base_url(mut self, url: Url) -> Self {
        self.teams_base_url = Some(url);
        self
    }

    /// Email and user API token for the Teams REST API.
    pub fn teams_credentials(mut self, teams: TeamsCredentials) -> Self {
        self.credentials.teams = Some(teams);
        self
    }

    /// SCIM directory and token, needed only for [`Client::scim_create_user`].
    pub fn scim_credentials(mut self, scim: ScimCredentials) -> Self {
        self.credentials.scim = Some(scim);
        self
    }

    /// Time allowed to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one attempt, response body included (default 60 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// `User-Agent` header value.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Most requests in flight at once across the whole client (default 8, at least 1).
    pub fn max_concurrency(mut self, max: usize) -> Self {
        self.max_concurrency = max.max(1);
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Rate-limit pacing (default [`RateLimitSettings::default`]).
    pub fn rate_limit(mut self, settings: RateLimitSettings) -> Self {
        self.rate_limit = settings;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let default_base = || Url::parse(DEFAULT_BASE_URL).expect("default base URL parses");
        let base_url = directory_url(self.base_url.unwrap_or_else(default_base))?;
        let teams_base_url = match self.teams_base_url {
            Some(url) => directory_url(url)?,
            None => base_url.clone(),
        };
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::Config("the user agent is not a valid header value".into()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .user_agent(user_agent)
            .pool_max_idle_per_host(self.max_concurrency)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let limiter = || RateLimiter::new(self.rate_limit.clone());
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                org_id: self.org_id,
                base_url,
                teams_base_url,
                credentials: self.credentials.into(),
                retry: self.retry,
                concurrency: Semaphore::new(self.max_concurrency),
                limiters: [limiter(), limiter(), limiter()],
                metrics: Metrics::default(),
            }),
        })
    }
}

/// A base URL usable for joining paths: it must be able to have a path, which ends with `/`.
fn directory_url(mut url: Url) -> Result<Url, Error> {
    if url.cannot_be_a_base() {
        return Err(Error::Config(format!("{url} cannot be a base URL")));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A client of the Atlassian organization admin APIs for one organization. Cheap to clone
/// (all clones share connections, limits and counters).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    org_id: String,
    base_url: Url,
    teams_base_url: Url,
    credentials: CredentialStore,
    retry: RetryPolicy,
    concurrency: Semaphore,
    /// One pacing state per credential kind (their rate limits are separate).
    limiters: [RateLimiter; 3],
    metrics: Metrics,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("org_id", &self.inner.org_id)
            .field("base_url", &self.inner.base_url.as_str())
            .field("teams_base_url", &self.inner.teams_base_url.as_str())
            .finish_non_exhaustive()
    }
}

/// One request to make: endpoint, path arguments (in template order), query and JSON body.
pub(crate) struct Call {
    endpoint: &'static Endpoint,
    args: Vec<String>,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Call {
    /// A call of `endpoint` with the values of its path placeholders, in order.
    pub fn new(endpoint: &'static Endpoint, args: &[&str]) -> Self {
        let args = args.iter().map(|a| (*a).to_owned()).collect();
        Self {
            endpoint,
            args,
            query: Vec::new(),
            body: None,
        }
    }

    /// Adds query parameters.
    pub fn query(mut self, pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        self.query.extend(pairs);
        self
    }

    /// Sets the JSON body.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        self.body = Some(serde_json::to_vec(body).expect("request bodies are plain JSON data"));
        self
    }
}

/// A successful response.
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Client {
    /// Starts building a client for organization `org_id`.
    pub fn builder(org_id: impl Into<String>, api_key: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder::new(org_id, api_key)
    }

    /// The organization this client works on.
    pub fn org_id(&self) -> &str {
        &self.inner.org_id
    }

    /// The configured SCIM directory id, when SCIM credentials were given.
    pub fn scim_directory_id(&self) -> Option<&str> {
        self.inner.credentials.scim_directory_id()
    }

    /// Replaces the secret of `kind` (the organization API key, the Teams API token or the
    /// SCIM token: a rotated key) for every request sent from now on, by this client and
    /// all its clones; requests already sent finish with the old one. Returns `false`, and
    /// changes nothing, when the client was built without that credential.
    pub fn set_secret(&self, kind: CredentialKind, secret: impl Into<Secret>) -> bool {
        self.inner.credentials.replace(kind, secret.into())
    }

    /// A copy of the request counters.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.inner.metrics.snapshot()
    }

    /// Sends `call` and decodes its JSON body.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let endpoint = call.endpoint;
        let reply = self.send(call).await?;
        decode(endpoint, &reply)
    }

    /// Sends `call` and ignores its body (204 or a `{"message"}` acknowledgement).
    pub(crate) async fn execute(&self, call: Call) -> Result<(), Error> {
        self.send(call).await.map(drop)
    }

    /// Sends `call`, retrying as the retry rule allows; every wait is logged.
    pub(crate) async fn send(&self, call: Call) -> Result<Reply, Error> {
        let endpoint = call.endpoint;
        let url = self.url(endpoint, &call.args)?;
        let started = Instant::now();
        let attempts = AtomicU32::new(0);
        let policy = &self.inner.retry;
        let attempt = || {
            let number = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            let span = request_span(endpoint, number);
            self.attempt(&call, &url, number)
                .instrument(span.clone())
                .inspect(move |result| {
                    if result.is_err() {
                        span.record("otel.status_code", "error");
                    }
                })
        };
        attempt
            .retry(FullJitter::new(policy))
            .when(|error| should_retry(endpoint, error))
            .adjust(|error, backoff| next_wait(policy, error, backoff, started.elapsed()))
            .notify(|error, wait| {
                self.inner.metrics.retry();
                tracing::warn!(
                    endpoint = endpoint.key,
                    attempt = attempts.load(Ordering::Relaxed),
                    wait_ms = wait.as_millis() as u64,
                    reason = %error,
                    "retrying Atlassian request"
                );
            })
            .await
    }

    /// Attempt `number` of a call: waits for a concurrency permit and the pacing slot,
    /// sends, reads the rate-limit headers, and maps a failure status to an [`Error`].
    async fn attempt(&self, call: &Call, url: &Url, number: u32) -> Result<Reply, Error> {
        let inner = &self.inner;
        let endpoint = call.endpoint;
        let credential = endpoint.credential;
        let _permit = inner
            .concurrency
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let limiter = self.limiter(credential);
        let slot = limiter.reserve_slot(Instant::now());
        let pacing = slot.wait;
        if !pacing.is_zero() {
            inner.metrics.paced(pacing);
            tracing::debug!(
                endpoint = endpoint.key,
                attempt = number,
                wait_ms = pacing.as_millis() as u64,
                reason = "rate-limit budget low or paused after a 429",
                "pacing Atlassian request"
            );
            tokio::time::sleep(pacing).await;
        }

        let request = inner
            .http
            .request(endpoint.method(), url.clone())
            .query(&call.query)
            .header(ACCEPT, "application/json");
        let request = match &call.body {
            Some(body) => request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone()),
            None => request,
        };
        let request =
            inner
                .credentials
                .authorize(credential, request)
                .ok_or(Error::NotConfigured {
                    endpoint: endpoint.key,
                    credential,
                })?;

        inner.metrics.request_sent(endpoint.key);
        let transport = |source: reqwest::Error| {
            inner.metrics.transport_error(endpoint.key);
            Error::Transport {
                endpoint: endpoint.key,
                source: source.without_url(),
            }
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        // As i64: unsigned values reach OpenTelemetry as text.
        tracing::Span::current().record("http.response.status_code", i64::from(status));
        let limits = RateLimitHeaders::read(response.headers(), SystemTime::now());
        limiter.observe(&limits, Instant::now());
        // Answered: its token is in the budget just observed, no longer in flight.
        drop(slot);
        let body = Vec::from(response.bytes().await.map_err(transport)?);
        inner.metrics.response(endpoint.key, status);

        if (200..300).contains(&status) {
            return Ok(Reply { status, body });
        }
        let error = classify(endpoint, status, &limits, &body);
        if let Error::RateLimited {
            retry_after: Some(wait),
            ..
        } = &error
        {
            limiter.pause_until(Instant::now() + (*wait).min(inner.retry.max_server_wait));
        }
        Err(error)
    }

    fn limiter(&self, credential: CredentialKind) -> &RateLimiter {
        let index = match credential {
            CredentialKind::OrgApiKey => 0,
            CredentialKind::TeamsToken => 1,
            CredentialKind::ScimToken => 2,
        };
        &self.inner.limiters[index]
    }

    /// The URL of `endpoint` with `args` in its placeholders (each percent-encoded as one
    /// path segment).
    fn url(&self, endpoint: &Endpoint, args: &[impl AsRef<str>]) -> Result<Url, Error> {
        let base = match endpoint.credential {
            CredentialKind::TeamsToken => &self.inner.teams_base_url,
            _ => &self.inner.base_url,
        };
        let mut url = base.clone();
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|()| Error::Config(format!("{base} cannot be a base URL")))?;
            segments.pop_if_empty();
            let mut args = args.iter();
            for segment in endpoint.template().split('/').filter(|s| !s.is_empty()) {
                if segment.starts_with('{') {
                    segments.push(
                        args.next()
                            .expect("a value for every path placeholder")
                            .as_ref(),
                    );
                } else {
                    segments.push(segment);
                }
            }
            debug_assert!(
                args.next().is_none(),
                "more path values than placeholders for {}",
                endpoint.key
            );
        }
        Ok(url)
    }
}

/// The span of one attempt of a request, `atlassian.request`: the endpoint's key and
/// method, the attempt's number, the status code; never the URL (ids, query), a header or a
/// body. At DEBUG, so it costs next to nothing unless traces are exported or debug logs
/// asked for (its fields are only evaluated then).
fn request_span(endpoint: &Endpoint, attempt: u32) -> tracing::Span {
    tracing::debug_span!(
        "atlassian.request",
        endpoint = endpoint.key,
        "http.request.method" = %endpoint.method(),
        attempt = i64::from(attempt),
        "http.response.status_code" = tracing::field::Empty,
        "otel.kind" = "client",
        "otel.status_code" = tracing::field::Empty,
    )
}

/// Decodes a JSON reply into `T`.
pub(crate) fn decode<T: DeserializeOwned>(endpoint: &Endpoint, reply: &Reply) -> Result<T, Error> {
    serde_json::from_slice(&reply.body)
        .map_err(|e| Error::decode(endpoint, reply.status, e, &reply.body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints;

    fn client(base: &str) -> Client {
        Client::builder("org-1", "key")
            .base_url(Url::parse(base).unwrap())
            .build()
            .unwrap()
    }

    #[test]
    fn urls_keep_the_base_path_and_encode_each_value_as_one_segment() {
        let c = client("http://127.0.0.1:9/prefix");
        let url = c
            .url(&endpoints::GET_USER, &["org-1", "-", "557058:ab/c d"])
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/prefix/admin/v2/orgs/org-1/directories/-/users/557058:ab%2Fc%20d"
        );
    }

    #[test]
    fn teams_endpoints_use_the_teams_base_url() {
        let c = Client::builder("o", "k")
            .base_url(Url::parse("http://127.0.0.1:9/").unwrap())
            .teams_base_url(Url::parse("https://site.example/gateway/api/").unwrap())
            .build()
            .unwrap();
        let url = c.url(&endpoints::LIST_TEAMS, &["o"]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://site.example/gateway/api/public/teams/v1/org/o/teams"
        );
        let url = c.url(&endpoints::GET_ORG, &["o"]).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/admin/v1/orgs/o");
    }

    #[test]
    fn debug_output_has_no_secret() {
        let c = Client::builder("org-1", "very-secret-key").build().unwrap();
        let builder = Client::builder("org-1", "very-secret-key");
        assert!(!format!("{c:?}").contains("very-secret-key"));
        assert!(!format!("{builder:?}").contains("very-secret-key"));
    }

    #[tokio::test]
    async fn a_replaced_api_key_is_sent_by_every_clone_from_the_next_request() {
        let sim = sim::atlassian::AtlassianSim::start(sim::atlassian::SimConfig::default())
            .await
            .unwrap();
        let client = Client::builder(sim.org_id(), sim.credentials().api_key)
            .base_url(sim.base_url())
            .build()
            .unwrap();
        client.org().await.unwrap();
        let mut rotated = sim.credentials();
        rotated.api_key = "rotated-org-api-key".into();
        sim.set_credentials(rotated);
        let refused = client.org().await.unwrap_err();
        assert!(matches!(refused, Error::Unauthorized { .. }), "{refused:?}");
        let clone = client.clone();
        assert!(clone.set_secret(CredentialKind::OrgApiKey, "rotated-org-api-key"));
        client.org().await.unwrap();
        assert!(!client.set_secret(CredentialKind::ScimToken, "no-scim-configured"));
        assert_eq!(client.scim_directory_id(), None);
    }

    #[test]
    fn base_urls_that_cannot_have_paths_are_refused() {
        let result = Client::builder("o", "k")
            .base_url(Url::parse("mailto:x@example.com").unwrap())
            .build();
        assert!(matches!(result, Err(Error::Config(_))));
    }
}
