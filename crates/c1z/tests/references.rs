//! Referential checks at finish (spec §5.5): one test per rule. A violation
//! names the row and what it misses, and no file is produced.

mod common;

use c1_proto::any;
use c1_proto::c1::connector::v2::ExternalResourceMatchId;
use c1z::{C1zWriter, DanglingReference, Error, MissingTarget, ReferenceChecks, WriterOptions};
use common::{SmallSync, entitlement, files_in, grant, id, resource, user};

/// Writes the small sync after `change`, expecting a dangling reference.
fn dangling_after(change: impl FnOnce(&mut SmallSync)) -> DanglingReference {
    let dir = tempfile::tempdir().unwrap();
    let mut sync = SmallSync::new();
    change(&mut sync);
    let mut writer =
        C1zWriter::create(dir.path().join("sync.c1z"), WriterOptions::default()).unwrap();
    sync.put_into(&mut writer);
    let err = writer.finish().unwrap_err();
    assert!(
        files_in(dir.path()).is_empty(),
        "no output and no working files"
    );
    match err {
        Error::Dangling(dangling) => dangling,
        other => panic!("expected a dangling reference, got {other}"),
    }
}

#[test]
fn resource_of_an_unknown_type_is_named() {
    let dangling = dangling_after(|s| s.resources.push(resource("team", "t1")));
    assert_eq!(
        dangling,
        DanglingReference {
            table: "v1_resources",
            id: "team:t1".into(),
            missing: MissingTarget::ResourceType,
            missing_id: "team".into(),
        }
    );
    assert_eq!(
        dangling.to_string(),
        "v1_resources row \"team:t1\": its resource type \"team\" is not in the sync"
    );
}

#[test]
fn resource_whose_parent_is_absent_is_named() {
    let dangling = dangling_after(|s| {
        let mut orphan = resource("project", "p2");
        orphan.parent_resource_id = Some(id("group", "ops"));
        s.resources.push(orphan);
    });
    assert_eq!(
        dangling,
        DanglingReference {
            table: "v1_resources",
            id: "project:p2".into(),
            missing: MissingTarget::ParentResource,
            missing_id: "group:ops".into(),
        }
    );
}

#[test]
fn entitlement_on_an_absent_resource_is_named() {
    let dangling = dangling_after(|s| {
        s.entitlements
            .push(entitlement(&resource("group", "ops"), "member"))
    });
    assert_eq!(
        dangling,
        DanglingReference {
            table: "v1_entitlements",
            id: "group:ops:member".into(),
            missing: MissingTarget::Resource,
            missing_id: "group:ops".into(),
        }
    );
}

#[test]
fn grant_of_an_absent_entitlement_is_named() {
    let dangling = dangling_after(|s| {
        let owner = entitlement(&s.resources[2], "owner");
        s.grants.push(grant(&owner, &s.resources[0]));
    });
    assert_eq!(
        dangling,
        DanglingReference {
            table: "v1_grants",
            id: "group:eng:owner:user:alice".into(),
            missing: MissingTarget::Entitlement,
            missing_id: "group:eng:owner".into(),
        }
    );
}

#[test]
fn grant_to_an_absent_principal_is_named() {
    let dangling = dangling_after(|s| {
        let carol = user("carol");
        s.grants.push(grant(&s.entitlements[0], &carol));
    });
    assert_eq!(
        dangling,
        DanglingReference {
            table: "v1_grants",
            id: "group:eng:member:user:carol".into(),
            missing: MissingTarget::Principal,
            missing_id: "user:carol".into(),
        }
    );
}

#[test]
fn grant_to_an_external_principal_needs_no_resource() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.c1z");
    let mut sync = SmallSync::new();
    let mut external = grant(&sync.entitlements[0], &user("carol"));
    external.annotations = vec![any::pack(&ExternalResourceMatchId {
        id: "carol-idp".into(),
    })];
    sync.grants.push(external);
    let summary = sync.write(&path);
    assert_eq!(summary.counts.grants, 4);
}

/// Finishes the small sync after `change` with [`ReferenceChecks::WithinScope`].
fn finish_within_scope(change: impl FnOnce(&mut SmallSync)) -> Result<c1z::Summary, Error> {
    let dir = tempfile::tempdir().unwrap();
    let mut sync = SmallSync::new();
    change(&mut sync);
    let options = WriterOptions {
        reference_checks: ReferenceChecks::WithinScope,
        ..WriterOptions::default()
    };
    let mut writer = C1zWriter::create(dir.path().join("sync.c1z"), options).unwrap();
    sync.put_into(&mut writer);
    writer.finish()
}

#[test]
fn a_partial_file_may_hold_grants_naming_objects_outside_it() {
    let summary = finish_within_scope(|s| {
        let owner = entitlement(&s.resources[2], "owner");
        s.grants.push(grant(&owner, &user("carol")));
    })
    .expect("grants may name entitlements and principals outside a partial file");
    assert_eq!(summary.counts.grants, 4);
}

#[test]
fn a_partial_file_still_needs_the_type_of_every_resource() {
    let err = finish_within_scope(|s| s.resources.push(resource("robot", "r2d2")))
        .expect_err("a resource of an unknown type is refused in every scope");
    match err {
        Error::Dangling(dangling) => assert_eq!(dangling.missing, MissingTarget::ResourceType),
        other => panic!("expected a dangling reference, got {other}"),
    }
}
