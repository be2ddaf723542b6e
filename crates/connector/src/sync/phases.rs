//! The phases of a sync and the Atlassian calls each makes. The call plan is the Go
//! connector's, each request made once, with the largest page sizes:
//!
//! | phase | requests |
//! | --- | --- |
//! | organization | `GET /admin/v1/orgs/{orgId}` |
//! | workspaces | `POST .../workspaces`, every page (also when only role grants need the list) |
//! | users | users list (100 per page); per user its role assignments (100 per page); with `sync_last_active`, its last-active dates |
//! | groups | groups list (100 per page); per group its members (users list with `groupIds`) and its role assignments |
//! | API tokens | tokens list (100 per page) |
//! | teams | teams list (300 per page); per team its members (50 per page) |
//!
//! Calls skipped because their answer is known to be empty from counts already fetched:
//! a user's role assignments when `counts.resources` is 0 and it has no `platformRoles`;
//! a group's members when `counts.users` is 0; a group's role assignments when
//! `counts.resources` is 0. Missing counts never skip a call.
//!
//! Organization and workspaces run first (the workspace list decides which role grants
//! exist); then users, groups, tokens and teams run together. Per-user and per-group
//! requests are issued as the listing's pages arrive, up to `max_concurrency` at a time,
//! so memory holds only the pages in flight. A user, group or team deleted while the sync
//! runs (404 on its own listings) simply has no grants.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use atlassian::{
    ALL_DIRECTORIES, ApiToken, Client, DirectoryUser, Group, ItemStream, RoleAssignmentFilter,
    Team, UserFilter, WorkspaceQuery,
};
use c1_proto::c1::connector::v2::{Entitlement, Resource};
use c1_proto::prost_types::Timestamp;
use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};
use tokio::sync::Semaphore;
use tracing::Instrument as _;

use super::output::{Emitter, Item};
use super::plan::Plan;
use crate::error::Error;
use crate::model::assignments::RoleGrants;
use crate::model::workspaces::{self, WorkspaceIndex};
use crate::model::{api_tokens, groups, organization, teams, users};
use crate::resource_types::ResourceKind;

/// Largest batch of items taken from a listing at once (one page of the v2 listings).
const PAGE_ITEMS: usize = 100;

/// Everything the phases of one sync share; owned, so that the phases can run as a task
/// of their own.
pub(crate) struct Phases {
    pub client: Client,
    pub plan: Plan,
    pub out: Emitter,
    /// The configured organization id.
    pub org_id: String,
    /// The Teams site id, when teams are configured.
    pub teams_site: Option<String>,
    pub sync_last_active: bool,
    /// Per-user and per-group work in flight at once.
    pub concurrency: usize,
    /// Throttle of the per-user last-active requests.
    pub last_active_permits: Semaphore,
    /// Role assignments dropped because the sync offers no entitlement for them.
    pub dropped: AtomicU64,
}

impl Phases {
    /// Runs every phase of the plan.
    pub async fn run(&self) -> Result<(), Error> {
        let types = self
            .plan
            .kinds()
            .iter()
            .map(|k| Item::ResourceType(k.resource_type()))
            .collect();
        self.out.send(types).await?;
        let ((), index) = futures::try_join!(self.organization(), self.workspaces())?;
        let roles = RoleGrants {
            workspaces: &index,
            org_id: &self.org_id,
        };
        futures::try_join!(
            self.users(&roles),
            self.groups(&roles),
            self.api_tokens(),
            self.teams()
        )?;
        Ok(())
    }

    async fn organization(&self) -> Result<(), Error> {
        if !self.plan.includes(ResourceKind::Organization) {
            return Ok(());
        }
        in_phase("organization", async move {
            let out = self.out.phase("organization");
            let org = self.client.org().await?;
            if self.plan.wants(ResourceKind::Organization, &org.id) {
                let resource = organization::organization_resource(&org);
                let entitlements = self
                    .plan
                    .entitlements
                    .then(|| organization::role_entitlements(&resource));
                out.send(with_entitlements(resource, entitlements)).await?;
            }
            out.finish_phase();
            Ok(())
        })
        .await
    }

    /// Lists the workspaces once: emits those the plan covers and indexes all of them.
    async fn workspaces(&self) -> Result<WorkspaceIndex, Error> {
        let mut index = WorkspaceIndex::default();
        if !self.plan.includes(ResourceKind::Workspace) && !self.plan.needs_workspace_index() {
            return Ok(index);
        }
        in_phase("workspaces", async move {
            let out = self.out.phase("workspaces");
            let mut list = self.client.workspaces(&WorkspaceQuery::default());
            while let Some(workspace) = list.try_next().await? {
                index.insert(&workspace);
                if self.plan.wants(ResourceKind::Workspace, &workspace.id) {
                    let resource = workspaces::workspace_resource(&workspace);
                    let product = workspaces::product(&workspace);
                    let entitlements = self
                        .plan
                        .entitlements
                        .then(|| workspaces::role_entitlements(&resource, product));
                    out.send(with_entitlements(resource, entitlements)).await?;
                }
            }
            out.finish_phase();
            Ok(index)
        })
        .await
    }

    async fn users(&self, roles: &RoleGrants<'_>) -> Result<(), Error> {
        let kind = ResourceKind::User;
        if !self.plan.includes(kind) {
            return Ok(());
        }
        in_phase("users", async move {
            let out = self.out.phase("users");
            let users = match self.plan.targets(kind) {
                None => self.client.users(ALL_DIRECTORIES, &UserFilter::default()),
                Some(ids) => fetch_each(&self.client, ids, |client, id| async move {
                    client.user(ALL_DIRECTORIES, &id).await
                }),
            };
            self.each_concurrently(users, |user| self.user(user, roles, &out))
                .await?;
            out.finish_phase();
            Ok(())
        })
        .await
    }

    /// One user: its resource (after its last-active dates, when asked) and its role grants.
    async fn user(
        &self,
        user: DirectoryUser,
        roles: &RoleGrants<'_>,
        out: &Emitter,
    ) -> Result<(), Error> {
        let last_login = if self.sync_last_active {
            self.last_login(&user.account_id).await?
        } else {
            None
        };
        let resource = users::user_resource(&user, last_login);
        let mut grants = Vec::new();
        if self.plan.grants && may_hold_roles(&user) {
            let filter = RoleAssignmentFilter::default();
            let listing =
                self.client
                    .user_role_assignments(ALL_DIRECTORIES, &user.account_id, &filter);
            let rows: Vec<_> = until_gone(listing).try_concat().await?;
            let dropped: usize = rows
                .iter()
                .map(|row| roles.of_user(row, &resource, &mut grants))
                .sum();
            self.dropped.fetch_add(dropped as u64, Ordering::Relaxed);
            // Two rows may give one grant (site admin of two sites is one organization role).
            let mut seen = HashSet::new();
            grants.retain(|g| seen.insert(g.id.clone()));
        }
        let batch = std::iter::once(Item::from(resource)).chain(grants.into_iter().map(Item::from));
        out.send(batch.collect()).await
    }

    /// The latest product activity of a user; one throttled request.
    async fn last_login(&self, account_id: &str) -> Result<Option<Timestamp>, Error> {
        let _permit = self
            .last_active_permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        match self.client.last_active_dates(account_id).await {
            Ok(dates) => Ok(users::last_login(&dates)),
            Err(atlassian::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    async fn groups(&self, roles: &RoleGrants<'_>) -> Result<(), Error> {
        let kind = ResourceKind::Group;
        if !self.plan.includes(kind) {
            return Ok(());
        }
        in_phase("groups", async move {
            let out = self.out.phase("groups");
            let groups = match self.plan.targets(kind) {
                None => self.client.groups(ALL_DIRECTORIES, &Default::default()),
                Some(ids) => fetch_each(&self.client, ids, |client, id| async move {
                    client.group(ALL_DIRECTORIES, &id).await
                }),
            };
            self.each_concurrently(groups, |group| self.group(group, roles, &out))
                .await?;
            out.finish_phase();
            Ok(())
        })
        .await
    }

    /// One group: resource, `member` entitlement, membership grants (a batch per page of
    /// members) and role grants, the two listings concurrently.
    async fn group(
        &self,
        group: Group,
        roles: &RoleGrants<'_>,
        out: &Emitter,
    ) -> Result<(), Error> {
        let resource = groups::group_resource(&group);
        let entitlement = self
            .plan
            .entitlements
            .then(|| vec![groups::member_entitlement(&resource)]);
        out.send(with_entitlements(resource.clone(), entitlement))
            .await?;
        if !self.plan.grants {
            return Ok(());
        }
        let counts = group.counts.clone().unwrap_or_default();
        let members = async {
            if counts.users == Some(0) {
                return Ok(());
            }
            let mut pages = until_gone(self.client.group_members(ALL_DIRECTORIES, &group.id));
            while let Some(page) = pages.try_next().await? {
                let grants = page
                    .iter()
                    .map(|m| Item::from(groups::member_grant(&resource, &m.account_id)));
                out.send(grants.collect()).await?;
            }
            Ok::<(), Error>(())
        };
        let role_grants = async {
            if counts.resources == Some(0) {
                return Ok(());
            }
            let filter = RoleAssignmentFilter::default();
            let listing = self
                .client
                .group_role_assignments(ALL_DIRECTORIES, &group.id, &filter);
            let rows: Vec<_> = until_gone(listing).try_concat().await?;
            let mut grants = Vec::new();
            let dropped: usize = rows
                .iter()
                .map(|row| roles.of_group(row, &resource, &mut grants))
                .sum();
            self.dropped.fetch_add(dropped as u64, Ordering::Relaxed);
            out.send(grants.into_iter().map(Item::from).collect()).await
        };
        futures::try_join!(members, role_grants)?;
        Ok(())
    }

    async fn api_tokens(&self) -> Result<(), Error> {
        if !self.plan.includes(ResourceKind::ApiToken) {
            return Ok(());
        }
        in_phase("api_tokens", async move {
            let out = self.out.phase("api tokens");
            let mut pages = self.client.api_tokens().ready_chunks(PAGE_ITEMS);
            while let Some(page) = pages.next().await {
                let tokens: Vec<ApiToken> = page.into_iter().collect::<Result<_, _>>()?;
                let wanted = tokens
                    .iter()
                    .filter(|t| self.plan.wants(ResourceKind::ApiToken, &t.id));
                out.send(
                    wanted
                        .map(|t| Item::from(api_tokens::token_resource(t)))
                        .collect(),
                )
                .await?;
            }
            out.finish_phase();
            Ok(())
        })
        .await
    }

    async fn teams(&self) -> Result<(), Error> {
        let kind = ResourceKind::Team;
        let Some(site) = self
            .teams_site
            .as_deref()
            .filter(|_| self.plan.includes(kind))
        else {
            return Ok(());
        };
        in_phase("teams", async move {
            let out = self.out.phase("teams");
            let teams = match self.plan.targets(kind) {
                None => self.client.teams(site),
                Some(ids) => {
                    let site = site.to_owned();
                    fetch_each(&self.client, ids, move |client, id| {
                        let site = site.clone();
                        async move { client.team(&id, &site).await }
                    })
                }
            };
            self.each_concurrently(teams, |team| self.team(team, site, &out))
                .await?;
            out.finish_phase();
            Ok(())
        })
        .await
    }

    /// One team: resource, `member` entitlement, and a batch of grants per page of members.
    async fn team(&self, team: Team, site: &str, out: &Emitter) -> Result<(), Error> {
        let resource = teams::team_resource(&team);
        let entitlement = self
            .plan
            .entitlements
            .then(|| vec![teams::member_entitlement(&resource)]);
        out.send(with_entitlements(resource.clone(), entitlement))
            .await?;
        if self.plan.grants {
            let mut pages = until_gone(self.client.team_members(&team.team_id, site));
            while let Some(page) = pages.try_next().await? {
                out.send(
                    page.iter()
                        .map(|m| Item::from(teams::member_grant(&resource, &m.account_id)))
                        .collect(),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Runs `work` on each item of `items` as they arrive, `concurrency` at a time.
    async fn each_concurrently<'s, T, F, Fut>(
        &self,
        items: ItemStream<T>,
        work: F,
    ) -> Result<(), Error>
    where
        F: FnMut(T) -> Fut + 's,
        Fut: Future<Output = Result<(), Error>> + 's,
        T: 's,
    {
        items
            .map_err(Error::from)
            .map_ok(work)
            .try_buffer_unordered(self.concurrency)
            .try_collect()
            .await
    }
}

/// Runs `work` in the span of the sync phase `name`.
async fn in_phase<T>(name: &'static str, work: impl Future<Output = T>) -> T {
    work.instrument(tracing::info_span!("sync.phase", phase = name))
        .await
}

/// A resource followed by its entitlements, as one batch.
fn with_entitlements(resource: Resource, entitlements: Option<Vec<Entitlement>>) -> Vec<Item> {
    let entitlements = entitlements.unwrap_or_default().into_iter().map(Item::from);
    std::iter::once(Item::from(resource))
        .chain(entitlements)
        .collect()
}

/// Whether a user may hold roles: not when the list says it has access to no resource and
/// no platform role (the role-assignments call would answer an empty page).
fn may_hold_roles(user: &DirectoryUser) -> bool {
    let no_resources = user.counts.as_ref().and_then(|c| c.resources) == Some(0);
    !(no_resources && user.platform_roles.is_empty())
}

/// The items of a listing in batches as its pages arrive; a listing whose owner was
/// deleted meanwhile (404) is empty.
fn until_gone<T: Send + 'static>(
    items: ItemStream<T>,
) -> impl Stream<Item = Result<Vec<T>, atlassian::Error>> {
    items
        .ready_chunks(PAGE_ITEMS)
        .map(|page| page.into_iter().collect::<Result<Vec<T>, _>>())
        .take_while(|page| {
            let gone = matches!(page, Err(atlassian::Error::NotFound { .. }));
            if gone {
                tracing::debug!("listing answered 404: its owner was deleted during the sync");
            }
            std::future::ready(!gone)
        })
}

/// The resources with `ids`, fetched one by one (targeted sync); ids that are not found
/// are skipped.
fn fetch_each<T, F, Fut>(
    client: &Client,
    ids: &[String],
    fetch: F,
) -> BoxStream<'static, Result<T, atlassian::Error>>
where
    T: Send + 'static,
    F: Fn(Client, String) -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, atlassian::Error>> + Send + 'static,
{
    let client = client.clone();
    stream::iter(ids.to_vec())
        .then(move |id| fetch(client.clone(), id))
        .filter(|result| {
            let missing = matches!(result, Err(atlassian::Error::NotFound { .. }));
            if missing {
                tracing::warn!("targeted resource not found; skipped");
            }
            std::future::ready(!missing)
        })
        .boxed()
}
