//! Which roles the connector offers as entitlements: per workspace product, and at
//! organization level; and what a role assignment's `resourceOwner` means.
//!
//! The Go connector offers the same ten roles on every workspace. Atlassian refuses most
//! of them on most products (`ADMIN-UAM-400-3`), so this connector offers per workspace
//! only the roles its product accepts (spec §5.1; the table below, which the simulator
//! shares). Entitlement ids keep the Go format (`workspace:<ari>:role:<role>`).

/// `atlassian/user`: product access (billable).
pub const USER: &str = "atlassian/user";
/// `atlassian/admin`: product access with product-admin rights.
pub const ADMIN: &str = "atlassian/admin";
/// `atlassian/user-access-admin`: administers the product's users, no product access.
pub const USER_ACCESS_ADMIN: &str = "atlassian/user-access-admin";
/// `atlassian/guest`: Confluence guest.
pub const GUEST: &str = "atlassian/guest";
/// `atlassian/customer`: Jira Service Management help-center customer.
pub const CUSTOMER: &str = "atlassian/customer";
/// `atlassian/contributor`: view, comment, vote.
pub const CONTRIBUTOR: &str = "atlassian/contributor";
/// `atlassian/basic`: basic features.
pub const BASIC: &str = "atlassian/basic";
/// `atlassian/stakeholder`: incident updates.
pub const STAKEHOLDER: &str = "atlassian/stakeholder";

/// Organization-level roles, offered on the organization resource (the Go connector's list).
pub const ORGANIZATION_ROLES: [&str; 4] = [
    "atlassian/org-admin",
    "atlassian/site-admin",
    "atlassian/user-access-admin",
    "atlassian/ai-access",
];

const JIRA: &[&str] = &[USER, ADMIN, USER_ACCESS_ADMIN];
const USER_AND_ADMIN: &[&str] = &[USER, ADMIN];

/// Products and the roles their workspaces accept.
///
/// | product (`typeKey`) | roles (each `atlassian/...`) |
/// | --- | --- |
/// | `jira-software`, `jira-core`, `jira` | user, admin, user-access-admin |
/// | `jira-servicedesk` | user, admin, user-access-admin, customer |
/// | `jira-product-discovery` | user, admin, user-access-admin, contributor |
/// | `confluence` | user, admin, guest, user-access-admin |
/// | `bitbucket`, `trello` | user, admin |
/// | `opsgenie`, `statuspage` | user, admin, stakeholder |
/// | `loom`, `compass` | user, admin, basic |
/// | `jira-admin` | admin (held by Jira product admins; `roles/assign` refuses this ARI, so a grant goes through the site's `jira` ARI) |
/// | any other product | user, admin |
const PRODUCT_ROLES: &[(&[&str], &[&str])] = &[
    (&["jira-software", "jira-core", "jira"], JIRA),
    (
        &["jira-servicedesk"],
        &[USER, ADMIN, USER_ACCESS_ADMIN, CUSTOMER],
    ),
    (
        &["jira-product-discovery"],
        &[USER, ADMIN, USER_ACCESS_ADMIN, CONTRIBUTOR],
    ),
    (&["confluence"], &[USER, ADMIN, GUEST, USER_ACCESS_ADMIN]),
    (&["bitbucket", "trello"], USER_AND_ADMIN),
    (&["opsgenie", "statuspage"], &[USER, ADMIN, STAKEHOLDER]),
    (&["loom", "compass"], &[USER, ADMIN, BASIC]),
    (&["jira-admin"], &[ADMIN]),
];

/// The roles offered on a workspace of `product` (see the table at `PRODUCT_ROLES`).
pub fn workspace_roles(product: &str) -> &'static [&'static str] {
    PRODUCT_ROLES
        .iter()
        .find(|(products, _)| products.contains(&product))
        .map_or(USER_AND_ADMIN, |(_, roles)| roles)
}

/// What the `resourceOwner` of a role assignment designates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// `platform`: an organization-level role (org admin, site admin, ...).
    Organization,
    /// `project` or `goal`: Jira project and Atlas goal roles, not synced.
    Skipped,
    /// A product key: a role on the workspace named by `resourceId`.
    Workspace,
}

impl Owner {
    /// Reads a `resourceOwner` value (a missing one counts as a workspace, as in Go).
    pub fn of(resource_owner: Option<&str>) -> Owner {
        match resource_owner {
            Some("platform") => Owner::Organization,
            Some("project" | "goal") => Owner::Skipped,
            _ => Owner::Workspace,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_product_offers_only_the_roles_it_accepts() {
        assert_eq!(
            workspace_roles("jira-software"),
            [USER, ADMIN, USER_ACCESS_ADMIN]
        );
        assert_eq!(
            workspace_roles("jira-servicedesk"),
            [USER, ADMIN, USER_ACCESS_ADMIN, CUSTOMER]
        );
        assert_eq!(
            workspace_roles("confluence"),
            [USER, ADMIN, GUEST, USER_ACCESS_ADMIN]
        );
        assert_eq!(workspace_roles("bitbucket"), [USER, ADMIN]);
        assert_eq!(workspace_roles("statuspage"), [USER, ADMIN, STAKEHOLDER]);
        assert_eq!(workspace_roles("compass"), [USER, ADMIN, BASIC]);
        assert_eq!(
            workspace_roles("jira-product-discovery"),
            [USER, ADMIN, USER_ACCESS_ADMIN, CONTRIBUTOR]
        );
        assert_eq!(workspace_roles("jira-admin"), [ADMIN]);
        assert_eq!(workspace_roles("rovo"), [USER, ADMIN]);
    }

    #[test]
    fn guests_are_offered_only_on_confluence_and_customers_only_on_service_management() {
        let offering = |role| -> Vec<&str> {
            PRODUCT_ROLES
                .iter()
                .filter(|(_, roles)| roles.contains(&role))
                .flat_map(|(p, _)| p.iter().copied())
                .collect()
        };
        assert_eq!(offering(GUEST), ["confluence"]);
        assert_eq!(offering(CUSTOMER), ["jira-servicedesk"]);
    }

    #[test]
    fn platform_rows_are_organization_roles_and_project_and_goal_rows_are_skipped() {
        assert_eq!(Owner::of(Some("platform")), Owner::Organization);
        assert_eq!(Owner::of(Some("project")), Owner::Skipped);
        assert_eq!(Owner::of(Some("goal")), Owner::Skipped);
        assert_eq!(Owner::of(Some("jira-software")), Owner::Workspace);
        assert_eq!(Owner::of(None), Owner::Workspace);
    }
}
