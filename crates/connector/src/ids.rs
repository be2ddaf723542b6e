//! Entitlement and grant ids, byte-identical to the Go SDK's helpers, and their parsing
//! (shared with provisioning, which receives ids from ConductorOne).
//!
//! - entitlement id = `<resource type>:<resource id>:<slug>`, e.g.
//!   `workspace:ari:cloud:jira::site/abc:role:atlassian/admin`;
//! - grant id = `<entitlement id>:<principal type>:<principal id>`, e.g.
//!   `workspace:ari:cloud:jira::site/abc:role:atlassian/admin:user:557058:x`.
//!
//! Resource ids may contain `:` (workspace ARIs, legacy account ids), so ids are parsed
//! from both ends: the resource type is the first segment and the slug is recognised at
//! the end (`member`, or `role:<role>` whose role has no `:`).

/// Slug of the group and team membership entitlements.
pub const MEMBER: &str = "member";

/// Prefix of role entitlement slugs (`role:<role id>`).
const ROLE: &str = "role";

/// The slug of a role entitlement: `role:<role id>`, e.g. `role:atlassian/admin`.
pub fn role_slug(role: &str) -> String {
    format!("{ROLE}:{role}")
}

/// `<resource type>:<resource id>:<slug>` (Go SDK `entitlement.NewEntitlementID`).
pub fn entitlement_id(resource_type: &str, resource_id: &str, slug: &str) -> String {
    format!("{resource_type}:{resource_id}:{slug}")
}

/// `<entitlement id>:<principal type>:<principal id>` (Go SDK `grant.NewGrant`).
pub fn grant_id(entitlement_id: &str, principal_type: &str, principal_id: &str) -> String {
    format!("{entitlement_id}:{principal_type}:{principal_id}")
}

/// The parts of an entitlement id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntitlementParts {
    /// Resource type id, e.g. `workspace`.
    pub resource_type: String,
    /// Resource id, e.g. `ari:cloud:jira::site/abc`.
    pub resource_id: String,
    /// Slug, e.g. `member` or `role:atlassian/admin`.
    pub slug: String,
}

/// An id that is not one this connector issues; the text is the Go connector's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid entitlementID format: {0}")]
pub struct IdError(pub String);

/// Splits an entitlement id into resource type, resource id and slug (`member` or
/// `role:<role>`).
pub fn parse_entitlement(id: &str) -> Result<EntitlementParts, IdError> {
    let invalid = || IdError(id.to_owned());
    let segments: Vec<&str> = id.split(':').collect();
    let n = segments.len();
    let (resource_end, slug) = match segments.as_slice() {
        [.., last] if *last == MEMBER && n >= 3 => (n - 1, MEMBER.to_owned()),
        [.., role, name] if *role == ROLE && n >= 4 && !name.is_empty() => (n - 2, role_slug(name)),
        _ => return Err(invalid()),
    };
    let resource_id = segments[1..resource_end].join(":");
    if segments[0].is_empty() || resource_id.is_empty() {
        return Err(invalid());
    }
    Ok(EntitlementParts {
        resource_type: segments[0].to_owned(),
        resource_id,
        slug,
    })
}

/// The workspace id and role of a workspace role entitlement id, as the Go connector's
/// `extractIDsFromEntitlements`: the first segment is `workspace`, the last but one
/// `role`, the role is the last segment and the workspace everything in between.
pub fn parse_workspace_role_entitlement(id: &str) -> Result<(String, String), IdError> {
    let parts = parse_entitlement(id)?;
    match parts.slug.strip_prefix("role:") {
        Some(role) if parts.resource_type == "workspace" => {
            Ok((parts.resource_id, role.to_owned()))
        }
        _ => Err(IdError(id.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_role_ids_keep_the_ari_and_the_role_verbatim() {
        let entitlement = entitlement_id(
            "workspace",
            "ari:cloud:jira::site/abc",
            &role_slug("atlassian/admin"),
        );
        assert_eq!(
            entitlement,
            "workspace:ari:cloud:jira::site/abc:role:atlassian/admin"
        );
        assert_eq!(
            grant_id(&entitlement, "user", "557058:x"),
            "workspace:ari:cloud:jira::site/abc:role:atlassian/admin:user:557058:x"
        );
        assert_eq!(
            parse_workspace_role_entitlement(&entitlement),
            Ok((
                "ari:cloud:jira::site/abc".to_owned(),
                "atlassian/admin".to_owned()
            ))
        );
    }

    #[test]
    fn membership_and_organization_ids_parse_back_into_their_parts() {
        let cases = [
            ("group:g-1:member", ("group", "g-1", "member")),
            ("team:t-1:member", ("team", "t-1", "member")),
            (
                "organization:o-1:role:atlassian/org-admin",
                ("organization", "o-1", "role:atlassian/org-admin"),
            ),
            (
                "workspace:ari:cloud:bitbucket::workspace/w:role:atlassian/user",
                (
                    "workspace",
                    "ari:cloud:bitbucket::workspace/w",
                    "role:atlassian/user",
                ),
            ),
        ];
        for (id, (resource_type, resource_id, slug)) in cases {
            let parts = parse_entitlement(id).unwrap();
            assert_eq!(
                parts,
                EntitlementParts {
                    resource_type: resource_type.into(),
                    resource_id: resource_id.into(),
                    slug: slug.into()
                },
                "{id}"
            );
            assert_eq!(
                entitlement_id(&parts.resource_type, &parts.resource_id, &parts.slug),
                id
            );
        }
    }

    #[test]
    fn ids_this_connector_does_not_issue_are_refused_with_the_go_message() {
        for id in [
            "",
            "workspace",
            "workspace:role:atlassian/user",
            "group::member",
            "workspace:ari:x:owner",
            ":g:member",
            "w:x:role:",
        ] {
            assert_eq!(parse_entitlement(id), Err(IdError(id.to_owned())), "{id:?}");
        }
        assert_eq!(
            parse_workspace_role_entitlement("group:g-1:member")
                .unwrap_err()
                .to_string(),
            "invalid entitlementID format: group:g-1:member"
        );
        assert!(
            parse_workspace_role_entitlement("organization:o:role:atlassian/org-admin").is_err()
        );
    }
}
