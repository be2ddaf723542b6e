//! Products the simulator knows: display labels, v1 product keys and the roles each accepts.
//!
//! The real API cannot tell in advance which roles a workspace supports; this table is the
//! simulator's documented answer, so a connector can offer exactly these and the
//! simulator refuses anything else with `400 ADMIN-UAM-400-3`.

/// Role id of an organization admin (org-level, `platform`).
pub const ORG_ADMIN: &str = "atlassian/org-admin";
/// Role id of a site admin (platform role on a site).
pub const SITE_ADMIN: &str = "atlassian/site-admin";
/// Plain product access (billable).
pub const USER: &str = "atlassian/user";
/// Product access plus product-admin rights (billable).
pub const ADMIN: &str = "atlassian/admin";
/// Administers users and groups of a product, no product access.
pub const USER_ACCESS_ADMIN: &str = "atlassian/user-access-admin";
/// Confluence guest.
pub const GUEST: &str = "atlassian/guest";
/// Jira Service Management help-center customer.
pub const CUSTOMER: &str = "atlassian/customer";
/// View / comment / vote only.
pub const CONTRIBUTOR: &str = "atlassian/contributor";
/// Basic features, no admin.
pub const BASIC: &str = "atlassian/basic";
/// Incident updates (Opsgenie / Statuspage).
pub const STAKEHOLDER: &str = "atlassian/stakeholder";

/// One product.
struct Product {
    key: &'static str,
    label: &'static str,
    /// Key in the v1 users API's `product_access`, when that API knows the product.
    v1_key: Option<&'static str>,
    roles: &'static [&'static str],
}

const JIRA_ROLES: &[&str] = &[USER, ADMIN, USER_ACCESS_ADMIN];
const SIMPLE_ROLES: &[&str] = &[USER, ADMIN];

const PRODUCTS: &[Product] = &[
    Product {
        key: "jira-software",
        label: "Jira",
        v1_key: Some("jira-software"),
        roles: JIRA_ROLES,
    },
    Product {
        key: "jira-core",
        label: "Jira Work Management",
        v1_key: Some("jira-core"),
        roles: JIRA_ROLES,
    },
    Product {
        key: "jira",
        label: "Jira",
        v1_key: Some("jira-software"),
        roles: JIRA_ROLES,
    },
    Product {
        key: "jira-servicedesk",
        label: "Jira Service Management",
        v1_key: Some("jira-service-desk"),
        roles: &[USER, ADMIN, USER_ACCESS_ADMIN, CUSTOMER],
    },
    Product {
        key: "jira-product-discovery",
        label: "Jira Product Discovery",
        v1_key: None,
        roles: &[USER, ADMIN, USER_ACCESS_ADMIN, CONTRIBUTOR],
    },
    // Listed as a workspace, but roles/assign refuses its ARI (ADMIN-UAM-400-5).
    Product {
        key: "jira-admin",
        label: "Jira Administration",
        v1_key: None,
        roles: &[],
    },
    Product {
        key: "confluence",
        label: "Confluence",
        v1_key: Some("confluence"),
        roles: &[USER, ADMIN, GUEST, USER_ACCESS_ADMIN],
    },
    Product {
        key: "bitbucket",
        label: "Bitbucket",
        v1_key: Some("bitbucket"),
        roles: SIMPLE_ROLES,
    },
    Product {
        key: "opsgenie",
        label: "Opsgenie",
        v1_key: Some("opsgenie"),
        roles: &[USER, ADMIN, STAKEHOLDER],
    },
    Product {
        key: "statuspage",
        label: "Statuspage",
        v1_key: Some("statuspage"),
        roles: &[USER, ADMIN, STAKEHOLDER],
    },
    Product {
        key: "trello",
        label: "Trello",
        v1_key: Some("trello"),
        roles: SIMPLE_ROLES,
    },
    Product {
        key: "loom",
        label: "Loom",
        v1_key: None,
        roles: &[USER, ADMIN, BASIC],
    },
    Product {
        key: "compass",
        label: "Compass",
        v1_key: None,
        roles: &[USER, ADMIN, BASIC],
    },
];

fn find(key: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.key == key)
}

/// Roles `roles/assign` accepts on a workspace of this product (empty for unknown products
/// and for `jira-admin`, whose ARI is refused outright):
///
/// | product | roles |
/// | --- | --- |
/// | `jira-software`, `jira-core`, `jira` | user, admin, user-access-admin |
/// | `jira-servicedesk` | user, admin, user-access-admin, customer |
/// | `jira-product-discovery` | user, admin, user-access-admin, contributor |
/// | `confluence` | user, admin, guest, user-access-admin |
/// | `bitbucket`, `trello` | user, admin |
/// | `opsgenie`, `statuspage` | user, admin, stakeholder |
/// | `loom`, `compass` | user, admin, basic |
/// | `jira-admin` | none |
///
/// (each role id is prefixed `atlassian/`).
pub fn valid_roles(product: &str) -> &'static [&'static str] {
    find(product).map_or(&[], |p| p.roles)
}

/// Display label (`attributes.type`) of a product.
pub(crate) fn label(product: &str) -> &str {
    find(product).map_or(product, |p| p.label)
}

/// Key of the product in the v1 users API (`product_access[].key`), if it has one.
pub(crate) fn v1_key(product: &str) -> Option<&'static str> {
    find(product).and_then(|p| p.v1_key)
}

/// Roles that take a licence seat.
pub(crate) fn is_billable(role: &str) -> bool {
    role == USER || role == ADMIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guests_are_only_valid_on_confluence_and_customers_only_on_service_management() {
        let with = |role| {
            PRODUCTS
                .iter()
                .filter(|p| p.roles.contains(&role))
                .map(|p| p.key)
                .collect::<Vec<_>>()
        };
        assert_eq!(with(GUEST), ["confluence"]);
        assert_eq!(with(CUSTOMER), ["jira-servicedesk"]);
        assert!(valid_roles("jira-admin").is_empty());
        assert!(valid_roles("no-such-product").is_empty());
    }
}
