//! Deterministic generator: an Atlassian-shaped organization from a size and a seed.
//!
//! Proportions (N = users): groups `max(3, N/25)`, workspaces `max(6, N/500)`, teams
//! `max(2, N/50)` plus one deleted team, API tokens `max(3, N/20)`. A typical directory
//! member holds 3–8 group memberships, 1–5 direct workspace roles and 0–3 team
//! memberships, so a 100k-user org carries about a million grants.
//!
//! The first users cover every kind and status (so even a 20-user org has an org admin, a
//! site admin, a guest, an app, a service account, a customer, and suspended, not-invited,
//! deactivated, closed and for-deletion accounts); the rest are drawn at random. Every
//! workspace has a licence capacity above its usage, except Bitbucket workspaces, which are
//! generated exactly full (`409 ADMIN-UAM-409-3` for a new seat) and `jira-admin`, which is
//! unlimited.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat};

use super::model::*;
use super::products::{
    self, ADMIN, CONTRIBUTOR, CUSTOMER, GUEST, ORG_ADMIN, SITE_ADMIN, USER, USER_ACCESS_ADMIN,
};
use super::rng::Rng;

/// Parameters of the deterministic organization generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrgSpec {
    /// Number of accounts.
    pub users: usize,
    /// Seed: the same spec always yields the same organization.
    pub seed: u64,
}

impl Default for OrgSpec {
    fn default() -> Self {
        OrgSpec { users: 50, seed: 1 }
    }
}

impl OrgSpec {
    /// Number of groups: `max(3, users / 25)`.
    pub fn group_count(&self) -> usize {
        (self.users / 25).max(3)
    }

    /// Number of workspaces: `max(6, users / 500)`.
    pub fn workspace_count(&self) -> usize {
        (self.users / 500).max(6)
    }

    /// Number of live teams: `max(2, users / 50)` (one deleted team comes on top).
    pub fn team_count(&self) -> usize {
        (self.users / 50).max(2)
    }

    /// Number of API tokens: `max(3, users / 20)` (none without managed users).
    pub fn api_token_count(&self) -> usize {
        (self.users / 20).max(3)
    }
}

/// Builds the organization described by `spec`.
pub fn generate(spec: &OrgSpec) -> Org {
    let mut rng = Rng::new(spec.seed);
    let (name, slug) = *rng.pick(ORG_NAMES);
    let domain = format!("{slug}.example.com");
    let org_id = rng.uuid();
    let directories = vec![
        Directory {
            id: rng.uuid(),
            name: format!("{name} directory"),
        },
        Directory {
            id: rng.uuid(),
            name: "Contractors".into(),
        },
        Directory {
            id: rng.uuid(),
            name: "Help center customers".into(),
        },
    ];
    let workspaces = workspaces(&mut rng, spec.workspace_count(), slug);
    let users = users(&mut rng, spec.users, &directories, &domain);
    let groups = groups(&mut rng, spec.group_count(), &directories);

    let mut org = Org {
        id: org_id,
        name: format!("{name} Corporation"),
        verified_domains: vec![domain, format!("{slug}-labs.example.com")],
        directories,
        users,
        groups,
        workspaces,
        user_roles: BTreeSet::new(),
        group_members: BTreeMap::new(),
        teams: Vec::new(),
        team_members: BTreeMap::new(),
        api_tokens: Vec::new(),
    };
    memberships(&mut rng, &mut org);
    roles(&mut rng, &mut org);
    teams(&mut rng, &mut org, spec.team_count());
    api_tokens(&mut rng, &mut org, spec.api_token_count());
    capacities(&mut org);
    org.sort();
    org
}

/// Where a user is in their lifecycle (drives the status fields).
#[derive(Clone, Copy, PartialEq)]
enum Lifecycle {
    Active,
    Suspended,
    NotInvited,
    Deactivated,
    Closed,
    ForDeletion,
}

/// The first users, so every kind and status exists at modest sizes. Index 0 becomes the
/// org admin (with a Jira project role) and index 1 a site admin; index 2 holds an Atlas goal.
const COVERAGE: &[(UserKind, Lifecycle)] = &[
    (UserKind::Managed, Lifecycle::Active),
    (UserKind::Managed, Lifecycle::Active),
    (UserKind::Unmanaged, Lifecycle::Active),
    (UserKind::Guest, Lifecycle::Active),
    (UserKind::App, Lifecycle::Active),
    (UserKind::ServiceAccount, Lifecycle::Active),
    (UserKind::Customer, Lifecycle::Active),
    (UserKind::Managed, Lifecycle::Suspended),
    (UserKind::Managed, Lifecycle::NotInvited),
    (UserKind::Managed, Lifecycle::Deactivated),
    (UserKind::Managed, Lifecycle::ForDeletion),
    (UserKind::Unmanaged, Lifecycle::Suspended),
    (UserKind::Unmanaged, Lifecycle::Closed),
];

const KINDS: &[UserKind] = &[
    UserKind::Managed,
    UserKind::Unmanaged,
    UserKind::Guest,
    UserKind::App,
    UserKind::ServiceAccount,
    UserKind::Customer,
];
const KIND_WEIGHTS: &[u32] = &[58, 15, 5, 3, 2, 17];

fn random_lifecycle(rng: &mut Rng, kind: UserKind) -> Lifecycle {
    use Lifecycle::*;
    let (states, weights): (&[Lifecycle], &[u32]) = match kind {
        UserKind::Managed => (
            &[Active, Suspended, NotInvited, Deactivated, ForDeletion],
            &[86, 4, 3, 4, 3],
        ),
        UserKind::Unmanaged => (&[Active, Suspended, Closed], &[90, 5, 5]),
        UserKind::Guest => (&[Active, Suspended], &[95, 5]),
        UserKind::App | UserKind::ServiceAccount => (&[Active, Deactivated], &[95, 5]),
        UserKind::Customer => (&[Active, Closed], &[95, 5]),
    };
    states[rng.weighted(weights)]
}

const ORG_NAMES: &[(&str, &str)] = &[
    ("Acme", "acme"),
    ("Globex", "globex"),
    ("Initech", "initech"),
    ("Umbrella", "umbrella"),
    ("Hooli", "hooli"),
    ("Vandelay", "vandelay"),
    ("Wonka", "wonka"),
    ("Soylent", "soylent"),
];
const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "John",
    "Radia",
    "Tim",
    "Katherine",
    "Donald",
    "Hedy",
    "Edsger",
    "Sophie",
    "Niklaus",
    "Joan",
    "Bjarne",
    "Karen",
    "Guido",
    "Annie",
    "Yukihiro",
    "Lynn",
    "James",
    "Mary",
    "Brian",
    "Shafi",
    "Leslie",
    "Jean",
    "Rob",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Backus",
    "Perlman",
    "Berners-Lee",
    "Johnson",
    "Knuth",
    "Lamarr",
    "Dijkstra",
    "Wilson",
    "Wirth",
    "Clarke",
    "Stroustrup",
    "Jones",
    "van Rossum",
    "Easley",
    "Matsumoto",
    "Conway",
    "Gosling",
    "Kenneth",
    "Kernighan",
    "Goldwasser",
    "Lamport",
    "Sammet",
    "Pike",
];
const JOB_TITLES: &[&str] = &[
    "Engineer",
    "Senior Engineer",
    "Designer",
    "Product Manager",
    "Support Agent",
    "Analyst",
    "Director",
];
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Design",
    "Product",
    "Support",
    "Finance",
    "Marketing",
    "IT",
];
const LOCATIONS: &[(&str, &str)] = &[
    ("Sydney", "Australia/Sydney"),
    ("San Francisco", "America/Los_Angeles"),
    ("Austin", "America/Chicago"),
    ("Amsterdam", "Europe/Amsterdam"),
    ("Bengaluru", "Asia/Kolkata"),
];
const APP_NAMES: &[&str] = &[
    "Automation for Jira",
    "Slack",
    "Microsoft Teams",
    "GitHub for Jira",
    "Zapier",
];
const TEAM_WORDS: &[&str] = &[
    "Platform",
    "Payments",
    "Growth",
    "Search",
    "Mobile",
    "Identity",
    "Billing",
    "Data",
    "Infra",
    "Support",
    "Security",
    "Reliability",
    "Design Systems",
    "Onboarding",
    "Insights",
];
const GROUP_NAMES: &[&str] = &[
    "all-staff",
    "okta-engineering",
    "jira-software-users",
    "confluence-users",
    "administrators",
    "jira-servicemanagement-users",
];
const TOKEN_LABELS: &[&str] = &["CI pipeline", "Backup script", "Reporting", "CLI", "Zapier"];

/// Products of one site (or a standalone workspace), cycled until enough workspaces exist.
const BUNDLES: &[&[&str]] = &[
    &[
        "jira-software",
        "confluence",
        "jira-servicedesk",
        "jira-admin",
    ],
    &["bitbucket"],
    &["jira-software", "confluence"],
    &["jira-product-discovery", "jira-software", "jira-admin"],
    &["opsgenie", "statuspage"],
    &["trello"],
    &["confluence", "loom"],
    &["compass", "jira-core"],
];

/// Products whose workspaces are not sites (own id, own URL).
fn is_standalone(product: &str) -> bool {
    matches!(product, "bitbucket" | "trello")
}

/// Seconds since the epoch of 2019-01-01T00:00:00Z, the generator's time origin.
const ORIGIN: i64 = 1_546_300_800;
const DAY: i64 = 86_400;

/// RFC 3339 (seconds, `Z`) for a time `secs` after [`ORIGIN`].
fn timestamp(secs: i64) -> String {
    DateTime::from_timestamp(ORIGIN + secs, 0)
        .expect("generated times are in range")
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn workspaces(rng: &mut Rng, count: usize, slug: &str) -> Vec<Workspace> {
    let mut workspaces = Vec::with_capacity(count);
    for (site, bundle) in BUNDLES.iter().cycle().enumerate() {
        let site_slug = if site == 0 {
            slug.to_string()
        } else {
            format!("{slug}-{site}")
        };
        let cloud_id = rng.uuid();
        for product in bundle.iter() {
            if workspaces.len() == count {
                return workspaces;
            }
            let (id, host_url, cloud_id) = if is_standalone(product) {
                let own = rng.uuid();
                (
                    format!("ari:cloud:{product}::workspace/{own}"),
                    format!("https://{product}.org/{site_slug}"),
                    own,
                )
            } else {
                (
                    format!("ari:cloud:{product}::site/{cloud_id}"),
                    format!("https://{site_slug}.atlassian.net"),
                    cloud_id.clone(),
                )
            };
            workspaces.push(Workspace {
                id,
                product: product.to_string(),
                name: site_slug.clone(),
                cloud_id,
                host_url,
                status: WorkspaceStatus::Online,
                capacity: None,
                created_at: timestamp(rng.below(365) as i64 * DAY),
            });
        }
    }
    unreachable!("the bundle cycle is endless")
}

fn account_id(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..4 => rng.hex(24),
        4..8 => format!("557058:{}", rng.uuid()),
        _ => rng.uuid(),
    }
}

fn users(rng: &mut Rng, count: usize, directories: &[Directory], domain: &str) -> Vec<User> {
    let (main, contractors, customers) =
        (&directories[0].id, &directories[1].id, &directories[2].id);
    (0..count)
        .map(|i| {
            let (kind, lifecycle) = COVERAGE.get(i).copied().unwrap_or_else(|| {
                let kind = KINDS[rng.weighted(KIND_WEIGHTS)];
                (kind, random_lifecycle(rng, kind))
            });
            let first = *rng.pick(FIRST_NAMES);
            let last = *rng.pick(LAST_NAMES);
            let local = format!(
                "{}.{}.{i}",
                first.to_lowercase(),
                last.to_lowercase().replace(' ', "")
            );
            let (account_type, claim_status, email, directory) = match kind {
                UserKind::Managed => (
                    AccountType::Atlassian,
                    ClaimStatus::Managed,
                    Some(format!("{local}@{domain}")),
                    main,
                ),
                UserKind::Unmanaged => {
                    let hidden = rng.chance(0.05);
                    let email = (!hidden).then(|| format!("{local}@mail.example.net"));
                    let directory = if rng.chance(0.6) { contractors } else { main };
                    (
                        AccountType::Atlassian,
                        ClaimStatus::Unmanaged,
                        email,
                        directory,
                    )
                }
                UserKind::Guest => (
                    AccountType::Atlassian,
                    ClaimStatus::Unmanaged,
                    Some(format!("{local}@partner.example.org")),
                    contractors,
                ),
                UserKind::App => (AccountType::App, ClaimStatus::Unmanaged, None, main),
                UserKind::ServiceAccount => (
                    AccountType::App,
                    ClaimStatus::Managed,
                    Some(format!("svc-{i}@serviceaccount.atlassian.com")),
                    main,
                ),
                UserKind::Customer => (
                    AccountType::Customer,
                    ClaimStatus::Unmanaged,
                    Some(format!("{local}@customer{}.example", rng.below(50))),
                    customers,
                ),
            };
            let (name, nickname) = match kind {
                UserKind::App => {
                    let app = *rng.pick(APP_NAMES);
                    (app.to_string(), app.to_lowercase().replace(' ', "-"))
                }
                UserKind::ServiceAccount => (format!("Service account {i}"), format!("svc-{i}")),
                _ => (format!("{first} {last}"), first.to_lowercase()),
            };
            let added = rng.below(5 * 365) as i64 * DAY + rng.below(DAY as usize) as i64;
            let synced = kind == UserKind::Managed && rng.chance(0.5);
            let profile = kind == UserKind::Managed;
            let (location, time_zone) = *rng.pick(LOCATIONS);
            User {
                account_id: account_id(rng),
                kind,
                account_type,
                account_status: match lifecycle {
                    Lifecycle::Deactivated | Lifecycle::ForDeletion => AccountStatus::Inactive,
                    Lifecycle::Closed => AccountStatus::Closed,
                    _ => AccountStatus::Active,
                },
                claim_status,
                directory_id: (lifecycle != Lifecycle::NotInvited).then(|| directory.clone()),
                membership_status: match lifecycle {
                    Lifecycle::Suspended => MembershipStatus::Suspended,
                    Lifecycle::NotInvited => MembershipStatus::NoMembership,
                    _ => MembershipStatus::Active,
                },
                for_deletion: lifecycle == Lifecycle::ForDeletion,
                name,
                nickname,
                email,
                email_verified: !rng.chance(0.03),
                mfa_enabled: rng.chance(if profile { 0.7 } else { 0.3 }),
                management_source: match (kind, lifecycle) {
                    (UserKind::Customer, _) | (_, Lifecycle::NotInvited) => None,
                    _ if synced => Some(ManagementSource::Synced),
                    _ => Some(ManagementSource::Invited),
                },
                job_title: profile.then(|| rng.pick(JOB_TITLES).to_string()),
                department: profile.then(|| rng.pick(DEPARTMENTS).to_string()),
                location: profile.then(|| location.to_string()),
                time_zone: profile.then(|| time_zone.to_string()),
                added_to_org: timestamp(added),
                last_active: rng
                    .chance(0.9)
                    .then(|| timestamp(added + rng.below(400) as i64 * DAY)),
                deactivated_on: matches!(
                    lifecycle,
                    Lifecycle::Deactivated | Lifecycle::ForDeletion
                )
                .then(|| timestamp(added + 30 * DAY)),
                scim_id: synced.then(|| rng.uuid()),
            }
        })
        .collect()
}

/// Groups: one contractors group per ten (at least one), the rest in the main directory;
/// every fourth main-directory group (starting with the second) is synced from an IdP.
fn groups(rng: &mut Rng, count: usize, directories: &[Directory]) -> Vec<Group> {
    let contractors = (count / 10).max(1);
    (0..count)
        .map(|j| {
            let in_main = j < count - contractors;
            let external_synced = in_main && j % 4 == 1;
            let name = match GROUP_NAMES.get(j) {
                Some(name) if in_main => name.to_string(),
                _ if in_main => format!(
                    "{}-{j}",
                    rng.pick(TEAM_WORDS).to_lowercase().replace(' ', "-")
                ),
                _ => format!("contractors-{j}"),
            };
            Group {
                id: rng.uuid(),
                description: if external_synced {
                    "Synced from Okta".into()
                } else {
                    format!("Group {name}")
                },
                name,
                directory_id: directories[if in_main { 0 } else { 1 }].id.clone(),
                external_synced,
            }
        })
        .collect()
}

/// Group memberships: directory members join groups of their own directory.
fn memberships(rng: &mut Rng, org: &mut Org) {
    let groups_in = |dir: &str| -> Vec<usize> {
        org.groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.directory_id == dir)
            .map(|(j, _)| j)
            .collect()
    };
    let by_directory: BTreeMap<&str, Vec<usize>> = org
        .directories
        .iter()
        .map(|d| (d.id.as_str(), groups_in(&d.id)))
        .collect();
    let mut members: Vec<Vec<String>> = vec![Vec::new(); org.groups.len()];
    for user in &org.users {
        let Some(directory) = &user.directory_id else {
            continue;
        };
        let candidates = &by_directory[directory.as_str()];
        let count = match user.kind {
            UserKind::Managed | UserKind::Unmanaged => 3 + rng.below(6),
            UserKind::Guest => 1 + rng.below(2),
            UserKind::App | UserKind::ServiceAccount => rng.below(2),
            UserKind::Customer => 0,
        };
        for k in rng.distinct(candidates.len(), count) {
            members[candidates[k]].push(user.account_id.clone());
        }
    }
    org.group_members = keyed_sets(org.groups.iter().map(|g| &g.id), members);
}

/// Id → set, built in bulk (collecting sorts once instead of inserting one by one).
fn keyed_sets<'a>(
    ids: impl Iterator<Item = &'a String>,
    members: Vec<Vec<String>>,
) -> BTreeMap<String, BTreeSet<String>> {
    ids.cloned()
        .zip(members.into_iter().map(BTreeSet::from_iter))
        .collect()
}

/// Role for a principal on a product: mostly user, some admins, a few others valid there.
fn product_role(rng: &mut Rng, product: &str) -> &'static str {
    match rng.below(100) {
        0..82 => USER,
        82..92 => ADMIN,
        _ => match *rng.pick(products::valid_roles(product)) {
            GUEST | CUSTOMER => USER,
            role => role,
        },
    }
}

/// Direct user roles, group roles, platform roles, and project / goal rows.
fn roles(rng: &mut Rng, org: &mut Org) {
    let org_ari = org.ari();
    let assignable: Vec<&Workspace> = org
        .workspaces
        .iter()
        .filter(|w| !products::valid_roles(&w.product).is_empty())
        .collect();
    let of_product = |product: &str| -> Vec<&Workspace> {
        assignable
            .iter()
            .copied()
            .filter(|w| w.product == product)
            .collect()
    };
    let (confluence, service_desk) = (of_product("confluence"), of_product("jira-servicedesk"));
    let jira_admin: Vec<&Workspace> = org
        .workspaces
        .iter()
        .filter(|w| w.product == "jira-admin")
        .collect();
    let first_cloud = org.workspaces[0].cloud_id.clone();
    let mut rows = Vec::new();

    for (i, user) in org.users.iter().enumerate() {
        let principal = Principal::User(user.account_id.clone());
        let mut grant = |resource: &str, role: &str| {
            rows.push(RoleAssignment::new(principal.clone(), resource, role))
        };
        if user.directory_id.is_none() {
            continue;
        }
        match user.kind {
            UserKind::Guest => {
                if !confluence.is_empty() {
                    grant(&rng.pick(&confluence).id, GUEST);
                }
            }
            UserKind::Customer => {
                if !service_desk.is_empty() {
                    grant(&rng.pick(&service_desk).id, CUSTOMER);
                }
            }
            kind => {
                let count = match kind {
                    UserKind::App | UserKind::ServiceAccount => 1 + rng.below(2),
                    _ => 1 + rng.below(5),
                };
                for k in rng.distinct(assignable.len(), count) {
                    let workspace = assignable[k];
                    let role = if kind == UserKind::App {
                        USER
                    } else {
                        product_role(rng, &workspace.product)
                    };
                    grant(&workspace.id, role);
                }
            }
        }
        let staff = user.kind == UserKind::Managed && user.status() == UserStatus::Active;
        if staff && (i == 0 || rng.chance(0.002)) {
            grant(&org_ari, ORG_ADMIN);
            for workspace in &jira_admin {
                grant(&workspace.id, ADMIN);
            }
        }
        if staff && (i == 1 || rng.chance(0.003)) {
            grant(
                &format!("ari:cloud:platform::site/{first_cloud}"),
                SITE_ADMIN,
            );
        }
        if staff && !jira_admin.is_empty() && rng.chance(0.005) {
            grant(&rng.pick(&jira_admin).id, ADMIN);
        }
        if matches!(user.kind, UserKind::Managed | UserKind::Unmanaged) {
            if i == 0 || rng.chance(0.04) {
                grant(
                    &format!(
                        "ari:cloud:jira:{first_cloud}:project/{}",
                        10_000 + rng.below(200)
                    ),
                    USER,
                );
            }
            if i == 2 || rng.chance(0.03) {
                grant(
                    &format!("ari:cloud:townsquare:{first_cloud}:goal/{}", rng.uuid()),
                    CONTRIBUTOR,
                );
            }
        }
    }

    for (j, group) in org.groups.iter().enumerate() {
        let principal = Principal::Group(group.id.clone());
        let count = if j == 0 { 1 } else { rng.below(3) };
        for k in rng.distinct(assignable.len(), count) {
            let workspace = assignable[k];
            let role = match rng.below(100) {
                0..80 => USER,
                80..95 => ADMIN,
                _ if products::valid_roles(&workspace.product).contains(&USER_ACCESS_ADMIN) => {
                    USER_ACCESS_ADMIN
                }
                _ => USER,
            };
            rows.push(RoleAssignment::new(principal.clone(), &workspace.id, role));
        }
    }
    org.user_roles = rows.into_iter().collect();
}

/// Teams of active Atlassian accounts; team 1 is archived and scoped to the first site.
fn teams(rng: &mut Rng, org: &mut Org, count: usize) {
    let sites: Vec<&str> = org.workspaces.iter().map(|w| w.cloud_id.as_str()).collect();
    let mut teams: Vec<Team> = (0..count)
        .map(|i| Team {
            team_id: rng.uuid(),
            display_name: format!("{} {}", rng.pick(TEAM_WORDS), i + 1),
            description: format!("Team number {}", i + 1),
            state: if i == 1 || (i > 1 && rng.chance(0.1)) {
                TeamState::Archived
            } else {
                TeamState::Active
            },
            team_type: *rng.pick(TeamType::ALL),
            creator_id: None,
            site_id: match i {
                0 => None,
                1 => Some(sites[0].to_string()),
                _ => rng.chance(0.15).then(|| rng.pick(&sites).to_string()),
            },
            deleted: false,
        })
        .collect();
    let people: Vec<&User> = org
        .users
        .iter()
        .filter(|u| {
            matches!(u.kind, UserKind::Managed | UserKind::Unmanaged)
                && u.directory_id.is_some()
                && u.is_active()
        })
        .collect();
    let mut members: Vec<Vec<String>> = vec![Vec::new(); teams.len()];
    for user in &people {
        let count = rng.below(4);
        for k in rng.distinct(teams.len(), count) {
            members[k].push(user.account_id.clone());
        }
    }
    if let Some(fallback) = people.first() {
        for (team, team_members) in teams.iter_mut().zip(&mut members) {
            if team_members.is_empty() {
                team_members.push(fallback.account_id.clone());
            }
            team.creator_id = team_members.iter().min().cloned();
        }
    }
    let members = keyed_sets(teams.iter().map(|t| &t.team_id), members);
    teams.push(Team {
        team_id: rng.uuid(),
        display_name: "Disbanded team".into(),
        description: "Deleted team".into(),
        state: TeamState::Active,
        team_type: TeamType::Open,
        creator_id: None,
        site_id: None,
        deleted: true,
    });
    org.teams = teams;
    org.team_members = members;
}

/// API tokens of managed accounts; token 1 is blocked.
fn api_tokens(rng: &mut Rng, org: &mut Org, count: usize) {
    let owners: Vec<&User> = org
        .users
        .iter()
        .filter(|u| u.kind == UserKind::Managed)
        .collect();
    if owners.is_empty() {
        return;
    }
    org.api_tokens = (0..count)
        .map(|i| {
            let created = rng.below(3 * 365) as i64 * DAY;
            ApiToken {
                id: rng.uuid(),
                label: format!("{} {}", rng.pick(TOKEN_LABELS), i + 1),
                status: if i == 1 || rng.chance(0.1) {
                    ApiTokenStatus::Blocked
                } else {
                    ApiTokenStatus::Allowed
                },
                created_at: timestamp(created),
                expires_at: timestamp(created + 365 * DAY),
                last_active_at: rng
                    .chance(0.8)
                    .then(|| timestamp(created + rng.below(300) as i64 * DAY)),
                scopes: if rng.chance(0.3) {
                    vec!["read:jira-work".into(), "write:jira-work".into()]
                } else {
                    vec![]
                },
                account_id: rng.pick(&owners).account_id.clone(),
            }
        })
        .collect();
}

/// Licence seats: usage plus headroom, Bitbucket exactly full, jira-admin unlimited.
fn capacities(org: &mut Org) {
    let usage = billable_usage(&org.user_roles);
    for workspace in &mut org.workspaces {
        let used = usage.get(workspace.id.as_str()).copied().unwrap_or(0);
        workspace.capacity = match workspace.product.as_str() {
            "jira-admin" => None,
            "bitbucket" => Some(used),
            _ => Some(used + (used / 10).max(5)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspaces_share_cloud_ids_within_a_site_and_include_the_jira_admin_quirk() {
        let mut rng = Rng::new(1);
        let ws = workspaces(&mut rng, 6, "acme");
        assert_eq!(ws.len(), 6);
        assert!(
            ws[..4]
                .iter()
                .all(|w| w.cloud_id == ws[0].cloud_id && w.host_url == ws[0].host_url)
        );
        assert_eq!(
            ws[3].id,
            format!("ari:cloud:jira-admin::site/{}", ws[0].cloud_id)
        );
        assert!(ws[4].id.starts_with("ari:cloud:bitbucket::workspace/"));
    }

    #[test]
    fn group_counts_and_synced_groups_follow_the_proportions() {
        let org = generate(&OrgSpec {
            users: 500,
            seed: 3,
        });
        assert_eq!(org.groups.len(), 20);
        assert!(org.groups.iter().any(|g| g.external_synced));
        assert_eq!(org.workspaces.len(), 6);
        assert_eq!(org.teams.iter().filter(|t| !t.deleted).count(), 10);
        assert_eq!(org.api_tokens.len(), 25);
    }
}
