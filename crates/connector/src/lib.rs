//! The Atlassian organization as ConductorOne sees it, and its sync.
//!
//! - **Model**: resource types `user`, `workspace`, `group`, `organization`, `api_token`
//!   and (with Teams credentials) `team`, with resource, entitlement and grant ids
//!   identical to ConductorOne's Go connector ([`ids`], [`roles`], [`ResourceKind`]).
//! - **Sync**: [`AtlassianConnector::sync`] lists the organization through the
//!   [`atlassian`] client and writes resource types, resources, entitlements and grants
//!   into a [`Sink`] (a `.c1z` file with [`AtlassianConnector::sync_to_c1z`]); full,
//!   filtered by resource type, or targeted at a few resources, with the skip flags of
//!   ConductorOne's tasks ([`SyncOptions`]).
//! - **Description**: [`AtlassianConnector::metadata`] and
//!   [`AtlassianConnector::capabilities`], as the Go connector reports them.
//! - **Provisioning** ([`provision`]): grant and revoke of workspace roles, the
//!   organization admin role, group and team membership; account creation (invitation or
//!   SCIM), deletion, and the `disable_user` / `enable_user` actions. Answers are the
//!   ConductorOne messages; failures are [`ProvisionError`]s classified for the task runner.
//!   A read-only connector ([`AtlassianConnector::with_read_only`]) refuses them all.

mod capabilities;
mod config;
mod error;
pub mod ids;
mod model;
pub mod provision;
mod resource_types;
pub mod roles;
mod sink;
mod sync;

use std::path::{Path, PathBuf};

use atlassian::{Client, RetryPolicy};
use c1_proto::c1::connector::v2::{ConnectorCapabilities, ConnectorMetadata, ResourceType};
use c1z::{C1zWriter, ReferenceChecks, SyncType, WriterOptions};
use tracing::Instrument as _;

pub use capabilities::{DESCRIPTION, DISPLAY_NAME};
pub use config::{ConnectorConfig, DEFAULT_MAX_CONCURRENCY, TeamsConfig};
pub use error::Error;
pub use provision::ProvisionError;
pub use resource_types::ResourceKind;
pub use sink::{CollectingSink, Sink, SinkError};
pub use sync::{Counts, SyncOptions, SyncReport};

/// The connector for one Atlassian organization.
#[derive(Debug)]
pub struct AtlassianConnector {
    config: ConnectorConfig,
    client: Client,
    read_only: bool,
}

impl AtlassianConnector {
    /// Checks `config` and builds the Atlassian client (no request is made).
    pub fn new(config: ConnectorConfig) -> Result<Self, Error> {
        let client = config.client()?;
        Ok(Self::with_client(config, client))
    }

    /// As [`new`](Self::new), with the client's retry policy replaced: e.g. a shorter
    /// deadline, so that a provisioning task answers while ConductorOne still waits.
    pub fn with_retry_policy(config: ConnectorConfig, policy: RetryPolicy) -> Result<Self, Error> {
        let client = config.client_builder()?.retry_policy(policy).build()?;
        Ok(Self::with_client(config, client))
    }

    fn with_client(config: ConnectorConfig, client: Client) -> Self {
        Self {
            config,
            client,
            read_only: false,
        }
    }

    /// Turns read-only mode on or off: when on, every provisioning call fails with
    /// `FAILED_PRECONDITION` before any request is made (syncs are unaffected).
    pub fn with_read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// Whether provisioning is refused (see [`with_read_only`](Self::with_read_only)).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The Atlassian client (its request counters, and provisioning calls).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The settings the connector was built with.
    pub fn config(&self) -> &ConnectorConfig {
        &self.config
    }

    /// The resource kinds this connector syncs: all but `team` unless Teams is configured.
    pub fn kinds(&self) -> Vec<ResourceKind> {
        let teams = self.config.teams.is_some();
        ResourceKind::ALL
            .into_iter()
            .filter(|k| teams || *k != ResourceKind::Team)
            .collect()
    }

    /// The resource types this connector syncs, in syncer order.
    pub fn resource_types(&self) -> Vec<ResourceType> {
        self.kinds()
            .into_iter()
            .map(ResourceKind::resource_type)
            .collect()
    }

    /// What the connector can do (the Go connector's capabilities, plus `team`).
    pub fn capabilities(&self) -> ConnectorCapabilities {
        capabilities::capabilities(&self.kinds())
    }

    /// Name, description, capabilities and account-creation form.
    pub fn metadata(&self) -> ConnectorMetadata {
        capabilities::metadata(self.capabilities())
    }

    /// Checks the credentials and the organization id (`GET /admin/v1/orgs/{orgId}`).
    pub async fn validate(&self) -> Result<(), Error> {
        self.client.org().await?;
        Ok(())
    }

    /// Runs a full, filtered or targeted sync into `sink`.
    pub async fn sync<S: Sink>(&self, sink: S, options: &SyncOptions) -> Result<SyncReport, Error> {
        Ok(self.sync_into(sink, options).await?.0)
    }

    /// Runs a sync into `sink` and gives the sink back (e.g. a [`CollectingSink`]), in a
    /// `sync` span.
    pub async fn sync_into<S: Sink>(
        &self,
        sink: S,
        options: &SyncOptions,
    ) -> Result<(SyncReport, S), Error> {
        sync::run(self, sink, options)
            .instrument(sync::span(options))
            .await
    }

    /// Runs a sync into a new `.c1z` file at `path` (replaced once complete), in a `sync`
    /// span, the file's completion in a `c1z.finish` span inside it. The sync type
    /// recorded is `resources_only` with `skip_entitlements_and_grants`, `partial` for a
    /// targeted sync, else `full`.
    pub async fn sync_to_c1z(
        &self,
        path: impl AsRef<Path>,
        options: &SyncOptions,
    ) -> Result<(SyncReport, c1z::Summary), Error> {
        let path = path.as_ref().to_path_buf();
        self.sync_to_c1z_file(path, options)
            .instrument(sync::span(options))
            .await
    }

    /// [`sync_to_c1z`](Self::sync_to_c1z) inside its span.
    async fn sync_to_c1z_file(
        &self,
        path: PathBuf,
        options: &SyncOptions,
    ) -> Result<(SyncReport, c1z::Summary), Error> {
        let sync_type = if !options.targeted_resources.is_empty() {
            SyncType::Partial
        } else if options.skip_entitlements_and_grants {
            SyncType::ResourcesOnly
        } else {
            SyncType::Full
        };
        // A filtered or targeted sync holds part of the organization: its grants may
        // name users and entitlements that are not in the file.
        let reference_checks =
            if options.resource_type_ids.is_empty() && options.targeted_resources.is_empty() {
                ReferenceChecks::All
            } else {
                ReferenceChecks::WithinScope
            };
        let writer = blocking(move || {
            C1zWriter::create(
                path,
                WriterOptions {
                    sync_type,
                    reference_checks,
                    ..WriterOptions::default()
                },
            )
        })
        .await??;
        let (report, writer) = sync::run(self, writer, options).await?;
        let finish = tracing::info_span!("c1z.finish");
        let summary = blocking(move || finish.in_scope(|| writer.finish())).await??;
        Ok((report, summary))
    }
}

/// Runs storage work on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Writer(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn a_sync_can_run_on_any_runtime_thread() {
        let connector = AtlassianConnector::new(ConnectorConfig::new("org", "key")).unwrap();
        let options = SyncOptions::default();
        assert_send(connector.sync(CollectingSink::default(), &options));
        assert_send(connector.sync_to_c1z("never-written.c1z", &options));
    }

    #[test]
    fn teams_are_synced_and_advertised_only_when_configured() {
        let plain = AtlassianConnector::new(ConnectorConfig::new("org", "key")).unwrap();
        let ids = |c: &AtlassianConnector| {
            c.resource_types()
                .into_iter()
                .map(|t| t.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&plain),
            ["user", "workspace", "group", "organization", "api_token"]
        );
        assert_eq!(plain.capabilities().resource_type_capabilities.len(), 5);
        let teams = TeamsConfig {
            email: "a@example.com".into(),
            api_token: "t".into(),
            site_id: "s".into(),
        };
        let with_teams = AtlassianConnector::new(ConnectorConfig {
            teams: Some(teams),
            ..ConnectorConfig::new("org", "key")
        });
        let with_teams = with_teams.unwrap();
        assert_eq!(ids(&with_teams).last().map(String::as_str), Some("team"));
        assert_eq!(
            with_teams
                .metadata()
                .capabilities
                .unwrap()
                .resource_type_capabilities
                .len(),
            6
        );
    }
}
