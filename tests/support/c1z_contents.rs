//! The ids stored in a `.c1z`, in the shape of [`Expected`](crate::expected::Expected), so
//! a file can be compared with the simulator's ground truth.
//!
//! Include it next to `expected.rs`: `#[path = "support/expected.rs"] mod expected;` and
//! `#[path = "support/c1z_contents.rs"] mod c1z_contents;`.

use std::path::Path;

use c1z::{C1zReader, GrantFilter};

use crate::expected::Expected;

/// The resources, entitlements and grants of the file at `path`; fails if an object is
/// stored twice.
pub fn ids_in(path: &Path) -> Expected {
    let reader = C1zReader::open(path).expect("the file opens");
    let resources: Vec<(String, String)> = reader
        .resources(None)
        .map(|r| {
            let id = r.unwrap().id.unwrap();
            (id.resource_type, id.resource)
        })
        .collect();
    let entitlements: Vec<String> = reader.entitlements(None).map(|e| e.unwrap().id).collect();
    let grants: Vec<String> = reader
        .grants(&GrantFilter::default())
        .map(|g| g.unwrap().grant.id)
        .collect();
    let counts = (resources.len(), entitlements.len(), grants.len());
    let ids = Expected {
        resources: resources.into_iter().collect(),
        entitlements: entitlements.into_iter().collect(),
        grants: grants.into_iter().collect(),
    };
    assert_eq!(
        counts,
        (
            ids.resources.len(),
            ids.entitlements.len(),
            ids.grants.len()
        ),
        "an object is stored twice"
    );
    ids
}
