//! Groups: the `group` resource (group trait, profile `name` and `description`), its
//! `member` entitlement and membership grants, as in the Go connector.

use atlassian::Group;
use c1_proto::any;
use c1_proto::c1::connector::v2::entitlement::PurposeValue;
use c1_proto::c1::connector::v2::{Entitlement, Grant, GroupTrait, Resource};

use super::{EntitlementSpec, bare, entitlement, grant, profile, resource, text};
use crate::ids::MEMBER;
use crate::resource_types::ResourceKind;

/// The `group` resource of `group`.
pub(crate) fn group_resource(group: &Group) -> Resource {
    let mut resource = resource(
        ResourceKind::Group,
        &group.id,
        group.name.as_deref().unwrap_or_default(),
    );
    resource.annotations.push(any::pack(&GroupTrait::default()));
    resource.profile = Some(profile([
        ("name", text(group.name.as_deref())),
        ("description", text(group.description.as_deref())),
    ]));
    resource
}

/// `group:<id>:member`, an assignment grantable to users.
pub(crate) fn member_entitlement(group: &Resource) -> Entitlement {
    let name = &group.display_name;
    entitlement(
        group,
        EntitlementSpec {
            slug: MEMBER,
            purpose: PurposeValue::Assignment,
            display_name: format!("{name} member"),
            description: format!("Member of the {name} group"),
            grantable_to: &[ResourceKind::User],
        },
    )
}

/// `group:<id>:member:user:<accountId>`; the principal is the bare user id.
pub(crate) fn member_grant(group: &Resource, account_id: &str) -> Grant {
    grant(group.clone(), MEMBER, bare(ResourceKind::User, account_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_membership_ids_and_texts_follow_the_go_connector() {
        let group: Group =
            serde_json::from_value(serde_json::json!({"id": "g-1", "name": "Staff"})).unwrap();
        let resource = group_resource(&group);
        assert_eq!(resource.display_name, "Staff");
        assert!(
            any::find::<GroupTrait>(&resource.annotations)
                .unwrap()
                .is_some()
        );
        assert_eq!(
            resource.profile.as_ref().unwrap().fields["description"],
            text(Some(""))
        );
        let e = member_entitlement(&resource);
        assert_eq!(
            (e.id.as_str(), e.slug.as_str()),
            ("group:g-1:member", "member")
        );
        assert_eq!(
            (e.display_name.as_str(), e.description.as_str()),
            ("Staff member", "Member of the Staff group")
        );
        assert_eq!(e.purpose, PurposeValue::Assignment as i32);
        assert_eq!(e.grantable_to, [ResourceKind::User.resource_type()]);
        assert_eq!(
            member_grant(&resource, "5dd64082af96bc0efbe55103").id,
            "group:g-1:member:user:5dd64082af96bc0efbe55103"
        );
    }
}
