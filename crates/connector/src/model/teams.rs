//! Teams (not in the current Go connector; ids in its style): the `team` resource with the
//! group trait, its `member` entitlement, and membership grants.

use atlassian::Team;
use c1_proto::any;
use c1_proto::c1::connector::v2::entitlement::PurposeValue;
use c1_proto::c1::connector::v2::{Entitlement, Grant, GroupTrait, Resource};

use super::{EntitlementSpec, bare, entitlement, grant, profile, resource, text};
use crate::ids::MEMBER;
use crate::resource_types::ResourceKind;

/// The `team` resource of `team` (id = `teamId`, display name = `displayName`).
pub(crate) fn team_resource(team: &Team) -> Resource {
    let name = team.display_name.as_deref().unwrap_or(&team.team_id);
    let mut resource = resource(ResourceKind::Team, &team.team_id, name);
    resource.annotations.push(any::pack(&GroupTrait::default()));
    resource.profile = Some(profile([
        ("name", text(team.display_name.as_deref())),
        ("description", text(team.description.as_deref())),
        ("state", text(team.state.as_deref())),
        ("team_type", text(team.team_type.as_deref())),
    ]));
    resource
}

/// `team:<teamId>:member`, an assignment grantable to users.
pub(crate) fn member_entitlement(team: &Resource) -> Entitlement {
    let name = &team.display_name;
    entitlement(
        team,
        EntitlementSpec {
            slug: MEMBER,
            purpose: PurposeValue::Assignment,
            display_name: format!("{name} member"),
            description: format!("Member of the {name} team"),
            grantable_to: &[ResourceKind::User],
        },
    )
}

/// `team:<teamId>:member:user:<accountId>`; the principal is the bare user id.
pub(crate) fn member_grant(team: &Resource, account_id: &str) -> Grant {
    grant(team.clone(), MEMBER, bare(ResourceKind::User, account_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_membership_ids_follow_the_group_style() {
        let team: Team = serde_json::from_value(serde_json::json!({
            "teamId": "t-1", "displayName": "Payments 1", "state": "ACTIVE", "teamType": "OPEN"
        }))
        .unwrap();
        let resource = team_resource(&team);
        assert_eq!(resource.id.as_ref().unwrap().resource_type, "team");
        assert_eq!(resource.display_name, "Payments 1");
        assert!(
            any::find::<GroupTrait>(&resource.annotations)
                .unwrap()
                .is_some()
        );
        let e = member_entitlement(&resource);
        assert_eq!(e.id, "team:t-1:member");
        assert_eq!(
            (e.display_name.as_str(), e.description.as_str()),
            ("Payments 1 member", "Member of the Payments 1 team")
        );
        assert_eq!(e.grantable_to, [ResourceKind::User.resource_type()]);
        assert_eq!(
            member_grant(&resource, "557058:u").id,
            "team:t-1:member:user:557058:u"
        );
    }
}
