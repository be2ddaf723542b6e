//! Objects of a small sync shared by the integration tests.
#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::{Path, PathBuf};

use c1_proto::any;
use c1_proto::c1::connector::v2::{
    ChildResourceType, Entitlement, Grant, GrantExpandable, GrantImmutable, GroupTrait, Resource,
    ResourceId, ResourceType, UserTrait, entitlement::PurposeValue, resource_type::Trait,
    user_trait,
};
use c1z::{C1zWriter, Summary, WriterOptions};

/// The Go SDK's fixtures, copied into the repository.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/baton-sdk")
        .join(name)
}

pub fn id(resource_type: &str, resource: &str) -> ResourceId {
    ResourceId {
        resource_type: resource_type.into(),
        resource: resource.into(),
        baton_resource: false,
    }
}

pub fn resource_type(id: &str, traits: &[Trait]) -> ResourceType {
    ResourceType {
        id: id.into(),
        display_name: id.to_uppercase(),
        traits: traits.iter().map(|t| *t as i32).collect(),
        ..Default::default()
    }
}

pub fn resource(resource_type: &str, resource: &str) -> Resource {
    Resource {
        id: Some(id(resource_type, resource)),
        display_name: format!("{resource_type} {resource}"),
        ..Default::default()
    }
}

pub fn user(login: &str) -> Resource {
    let trait_ = UserTrait {
        emails: vec![user_trait::Email {
            address: format!("{login}@example.com"),
            is_primary: true,
        }],
        login: login.into(),
        ..Default::default()
    };
    Resource {
        annotations: vec![any::pack(&trait_)],
        ..resource("user", login)
    }
}

pub fn entitlement(on: &Resource, slug: &str) -> Entitlement {
    let rid = on.id.as_ref().unwrap();
    Entitlement {
        resource: Some(on.clone()),
        id: format!("{}:{}:{slug}", rid.resource_type, rid.resource),
        display_name: slug.into(),
        slug: slug.into(),
        purpose: PurposeValue::Assignment as i32,
        ..Default::default()
    }
}

pub fn grant(entitlement: &Entitlement, principal: &Resource) -> Grant {
    let pid = principal.id.as_ref().unwrap();
    Grant {
        id: format!("{}:{}:{}", entitlement.id, pid.resource_type, pid.resource),
        entitlement: Some(Entitlement {
            id: entitlement.id.clone(),
            resource: entitlement.resource.clone(),
            ..Default::default()
        }),
        principal: Some(Resource {
            id: Some(pid.clone()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A small sync: users in a group, a project under the group, and a grant
/// that makes the group's members admins of the project (an expansion edge).
pub struct SmallSync {
    pub resource_types: Vec<ResourceType>,
    pub resources: Vec<Resource>,
    pub entitlements: Vec<Entitlement>,
    pub grants: Vec<Grant>,
}

impl SmallSync {
    pub fn new() -> Self {
        let resource_types = vec![
            resource_type("user", &[Trait::User]),
            resource_type("group", &[Trait::Group]),
            resource_type("project", &[]),
        ];
        let group = Resource {
            annotations: vec![
                any::pack(&GroupTrait::default()),
                any::pack(&ChildResourceType {
                    resource_type_id: "project".into(),
                }),
            ],
            ..resource("group", "eng")
        };
        let project = Resource {
            parent_resource_id: Some(id("group", "eng")),
            ..resource("project", "ari:cloud:jira::site/p1")
        };
        let (alice, bob) = (user("alice"), user("bob"));
        let member = entitlement(&group, "member");
        let admin = entitlement(&project, "admin");
        let mut nested = grant(&admin, &group);
        nested.annotations = vec![
            any::pack(&GrantImmutable::default()),
            any::pack(&GrantExpandable {
                entitlement_ids: vec![member.id.clone()],
                shallow: true,
                resource_type_ids: vec!["user".into()],
            }),
        ];
        let grants = vec![grant(&member, &alice), grant(&member, &bob), nested];
        Self {
            resource_types,
            resources: vec![alice, bob, group, project],
            entitlements: vec![member, admin],
            grants,
        }
    }

    /// Puts every object into `writer`, in the syncer's order.
    pub fn put_into(&self, writer: &mut C1zWriter) {
        for rt in &self.resource_types {
            writer.put_resource_type(rt).unwrap();
        }
        for r in &self.resources {
            writer.put_resource(r).unwrap();
        }
        for e in &self.entitlements {
            writer.put_entitlement(e).unwrap();
        }
        for g in &self.grants {
            writer.put_grant(g).unwrap();
        }
    }

    /// Writes the sync to `path` with default options.
    pub fn write(&self, path: &Path) -> Summary {
        let mut writer = C1zWriter::create(path, WriterOptions::default()).unwrap();
        self.put_into(&mut writer);
        writer.finish().unwrap()
    }
}

/// Names of the files in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
