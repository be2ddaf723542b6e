//! The reference sync dataset of `bench/reference-dataset.md`: N users, N/25
//! groups and max(10, N/500) workspaces, built exactly as the Go SDK's helpers
//! build them (same messages, so the same protobuf bytes), in the order the
//! benchmark writes them. Used by the `write_reference` benchmark and by tests.

use c1_proto::any;
use c1_proto::c1::connector::v2::{
    Entitlement, Grant, GroupTrait, Resource, ResourceId, ResourceType, Status, UserTrait,
    entitlement::PurposeValue, resource_type::Trait, status::ResourceStatus, user_trait,
};

/// Roles per workspace, and grants of each kind per user.
const ROLES: usize = 10;

/// The dataset for a given number of users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceDataset {
    users: usize,
    groups: usize,
    workspaces: usize,
}

impl ReferenceDataset {
    /// The dataset of `users` users.
    pub fn new(users: usize) -> Self {
        Self {
            users,
            groups: (users / 25).max(1),
            workspaces: (users / 500).max(10),
        }
    }

    /// N, the number of users.
    pub fn users(&self) -> usize {
        self.users
    }

    /// G = max(1, N/25), the number of groups.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// W = max(10, N/500), the number of workspaces.
    pub fn workspaces(&self) -> usize {
        self.workspaces
    }

    /// The four resource types: organization, user, group, workspace.
    pub fn resource_types(&self) -> Vec<ResourceType> {
        let rt = |id: &str, display_name: &str, traits: &[Trait]| ResourceType {
            id: id.into(),
            display_name: display_name.into(),
            traits: traits.iter().map(|t| *t as i32).collect(),
            ..Default::default()
        };
        vec![
            rt("organization", "Organization", &[]),
            user_type(),
            rt("group", "Group", &[Trait::Group]),
            rt("workspace", "Workspace", &[]),
        ]
    }

    /// The 1 + N + G + W resources: the organization, users, groups, workspaces.
    pub fn resources(&self) -> impl Iterator<Item = Resource> + '_ {
        std::iter::once(organization())
            .chain((0..self.users).map(user))
            .chain((0..self.groups).map(group))
            .chain((0..self.workspaces).map(workspace))
    }

    /// The G + 10·W entitlements: group membership, then the workspace roles.
    pub fn entitlements(&self) -> impl Iterator<Item = Entitlement> + '_ {
        let memberships = (0..self.groups).map(|j| group_member(&group(j)));
        let roles = (0..self.workspaces).flat_map(|k| {
            let ws = workspace(k);
            (0..ROLES).map(move |r| workspace_role(&ws, r))
        });
        memberships.chain(roles)
    }

    /// Calls `f` with every grant, per entitled resource: groups in order with
    /// members by ascending user, then workspaces in order with entries by
    /// (user, m). One `Grant` is reused, so `f` sees each only by reference.
    pub fn for_each_grant<E>(&self, mut f: impl FnMut(&Grant) -> Result<(), E>) -> Result<(), E> {
        for j in 0..self.groups {
            let mut membership = grant_template(group_member(&group(j)));
            for i in self.members_of_group(j) {
                set_principal(&mut membership, i);
                f(&membership)?;
            }
        }
        for k in 0..self.workspaces {
            let ws = workspace(k);
            let mut roles: Vec<Grant> = (0..ROLES)
                .map(|r| grant_template(workspace_role(&ws, r)))
                .collect();
            for (i, m) in self.entries_of_workspace(k) {
                let role = &mut roles[(i + m) % ROLES];
                set_principal(role, i);
                f(role)?;
            }
        }
        Ok(())
    }

    /// Users i with (7i + m) mod G = j for some m in 0..10, ascending, once each.
    fn members_of_group(&self, j: usize) -> Vec<usize> {
        let g = self.groups;
        let mut members: Vec<usize> = (0..ROLES)
            .flat_map(|m| {
                let target = (j + g * ROLES - m) % g;
                solutions_of_7i(target, g, self.users)
            })
            .collect();
        members.sort_unstable();
        members.dedup();
        members
    }

    /// Pairs (i, m) with (i + 3m) mod W = k, sorted.
    fn entries_of_workspace(&self, k: usize) -> Vec<(usize, usize)> {
        let w = self.workspaces;
        let mut entries: Vec<(usize, usize)> = (0..ROLES)
            .flat_map(|m| {
                let first = (k + w * 3 * ROLES - 3 * m) % w;
                (first..self.users).step_by(w).map(move |i| (i, m))
            })
            .collect();
        entries.sort_unstable();
        entries
    }
}

/// All i in 0..n with 7i ≡ target (mod g), ascending.
fn solutions_of_7i(target: usize, g: usize, n: usize) -> impl Iterator<Item = usize> {
    let d = if g.is_multiple_of(7) { 7 } else { 1 };
    let period = g / d;
    let first = target.is_multiple_of(d).then(|| {
        // 7/d has an inverse modulo period because gcd(7/d, period) = 1.
        let inverse = (0..period).find(|x| (7 / d) * x % period == 1 % period);
        (target / d) * inverse.expect("inverse exists") % period
    });
    first
        .into_iter()
        .flat_map(move |first| (first..n).step_by(period))
}

fn resource(resource_type: &str, id: String, display_name: String) -> Resource {
    Resource {
        id: Some(ResourceId {
            resource_type: resource_type.into(),
            resource: id,
            baton_resource: false,
        }),
        display_name,
        ..Default::default()
    }
}

fn user_type() -> ResourceType {
    ResourceType {
        id: "user".into(),
        display_name: "User".into(),
        traits: vec![Trait::User as i32],
        ..Default::default()
    }
}

fn organization() -> Resource {
    resource("organization", "org-1".into(), "org-1".into())
}

/// User `u{i}` with its UserTrait, as the SDK's user builder makes it.
#[allow(deprecated)] // UserTrait.status: the SDK still fills it.
fn user(i: usize) -> Resource {
    let email = format!("user{i}@example.com");
    let trait_ = UserTrait {
        emails: vec![user_trait::Email {
            address: email.clone(),
            is_primary: true,
        }],
        status: Some(user_trait::Status {
            status: user_trait::status::Status::Enabled as i32,
            details: String::new(),
        }),
        account_type: user_trait::AccountType::Human as i32,
        ..Default::default()
    };
    Resource {
        annotations: vec![any::pack(&trait_)],
        status: Some(Status {
            status: ResourceStatus::Enabled as i32,
            details: String::new(),
        }),
        ..resource("user", format!("u{i}"), email)
    }
}

fn group(j: usize) -> Resource {
    Resource {
        annotations: vec![any::pack(&GroupTrait::default())],
        ..resource("group", format!("g{j}"), format!("group{j}"))
    }
}

fn workspace(k: usize) -> Resource {
    resource(
        "workspace",
        format!("ari:cloud:jira::site/w{k}"),
        format!("workspace{k}"),
    )
}

/// An assignment entitlement `<rt>:<rid>:<slug>` grantable to users.
fn assignment(resource: &Resource, slug: String) -> Entitlement {
    let id = resource.id.as_ref().expect("dataset resources have IDs");
    Entitlement {
        resource: Some(resource.clone()),
        id: format!("{}:{}:{slug}", id.resource_type, id.resource),
        display_name: slug.clone(),
        grantable_to: vec![user_type()],
        purpose: PurposeValue::Assignment as i32,
        slug,
        ..Default::default()
    }
}

fn group_member(group: &Resource) -> Entitlement {
    assignment(group, "member".into())
}

fn workspace_role(workspace: &Resource, r: usize) -> Entitlement {
    assignment(workspace, format!("role:atlassian/r{r}"))
}

/// The SDK's grant helper on `entitlement`, before a principal is set: the
/// entitlement reduced to id + resource, the principal to a user ID.
fn grant_template(entitlement: Entitlement) -> Grant {
    Grant {
        entitlement: Some(Entitlement {
            id: entitlement.id,
            resource: entitlement.resource,
            ..Default::default()
        }),
        principal: Some(Resource {
            id: Some(ResourceId {
                resource_type: "user".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Makes `grant` the grant of its entitlement to user `u{i}`: principal ID and
/// grant ID `<entitlement_id>:user:u{i}`, rewritten in place.
fn set_principal(grant: &mut Grant, i: usize) {
    use std::fmt::Write;
    let entitlement_id = &grant.entitlement.as_ref().expect("template").id;
    grant.id.clear();
    write!(grant.id, "{entitlement_id}:user:u{i}").expect("String writes");
    let principal = grant.principal.as_mut().and_then(|p| p.id.as_mut());
    let principal = &mut principal.expect("template").resource;
    principal.clear();
    write!(principal, "u{i}").expect("String writes");
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use std::collections::HashSet;

    fn grants(dataset: &ReferenceDataset) -> Vec<Grant> {
        let mut all = Vec::new();
        dataset
            .for_each_grant(|g| {
                all.push(g.clone());
                Ok::<_, ()>(())
            })
            .unwrap();
        all
    }

    #[test]
    fn marshalled_sizes_match_the_go_sdk() {
        let ds = ReferenceDataset::new(10_000);
        assert_eq!(user(0).encoded_len(), 115);
        assert_eq!(group(0).encoded_len(), 71);
        assert_eq!(workspace(0).encoded_len(), 50);
        let entitlements: Vec<Entitlement> = ds.entitlements().collect();
        assert_eq!(entitlements[0].id, "group:g0:member");
        assert_eq!(entitlements[0].encoded_len(), 125);
        let w0r0 = &entitlements[ds.groups()];
        assert_eq!(
            w0r0.id,
            "workspace:ari:cloud:jira::site/w0:role:atlassian/r0"
        );
        assert_eq!(w0r0.encoded_len(), 162);

        let all = grants(&ds);
        assert_eq!(all[0].id, "group:g0:member:user:u0");
        assert_eq!(all[0].encoded_len(), 131);
        let first_on_w0 = all.iter().find(|g| g.id.starts_with("workspace:")).unwrap();
        assert_eq!(
            first_on_w0.id,
            "workspace:ari:cloud:jira::site/w0:role:atlassian/r0:user:u0"
        );
        assert_eq!(first_on_w0.encoded_len(), 182);
    }

    #[test]
    fn counts_at_ten_thousand_users_match_the_document() {
        let ds = ReferenceDataset::new(10_000);
        assert_eq!((ds.groups(), ds.workspaces()), (400, 20));
        assert_eq!(ds.resource_types().len(), 4);
        assert_eq!(ds.resources().count(), 10_421);
        assert_eq!(ds.entitlements().count(), 600);
        let all = grants(&ds);
        assert_eq!(all.len(), 200_000);
        let ids: HashSet<&str> = all.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids.len(), all.len(), "grant IDs are unique");
    }

    #[test]
    fn grants_follow_the_definition_and_its_order() {
        let ds = ReferenceDataset::new(300);
        let (g, w) = (ds.groups(), ds.workspaces());
        let mut expected = HashSet::new();
        for i in 0..300 {
            for m in 0..10 {
                expected.insert(format!("group:g{}:member:user:u{i}", (7 * i + m) % g));
                expected.insert(format!(
                    "workspace:ari:cloud:jira::site/w{}:role:atlassian/r{}:user:u{i}",
                    (i + 3 * m) % w,
                    (i + m) % 10
                ));
            }
        }
        let all = grants(&ds);
        let got: HashSet<String> = all.iter().map(|g| g.id.clone()).collect();
        assert_eq!(got, expected);
        assert_eq!(all.len(), 20 * 300);
        // Group grants come first, group by group, users ascending within one.
        let user_of = |g: &Grant| -> usize {
            g.principal.as_ref().unwrap().id.as_ref().unwrap().resource[1..]
                .parse()
                .unwrap()
        };
        let g0: Vec<usize> = all
            .iter()
            .take_while(|gr| gr.entitlement.as_ref().unwrap().id == "group:g0:member")
            .map(user_of)
            .collect();
        assert!(g0.windows(2).all(|p| p[0] < p[1]));
        assert!(all[..10 * 300].iter().all(|gr| gr.id.starts_with("group:")));
    }

    #[test]
    fn repeated_pairs_are_dropped_when_there_are_fewer_than_ten_groups() {
        let ds = ReferenceDataset::new(100); // G = 4: each user is in all four groups.
        let all = grants(&ds);
        let groups = all.iter().filter(|g| g.id.starts_with("group:")).count();
        assert_eq!(groups, 4 * 100);
        let ids: HashSet<&str> = all.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids.len(), all.len());
    }

    #[test]
    fn group_count_divisible_by_seven_still_finds_every_member() {
        let ds = ReferenceDataset::new(7 * 25 * 3); // G = 21
        assert_eq!(ds.groups(), 21);
        let all = grants(&ds);
        assert_eq!(
            all.iter().filter(|g| g.id.starts_with("group:")).count(),
            10 * 525
        );
    }
}
