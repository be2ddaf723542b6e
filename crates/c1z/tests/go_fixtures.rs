//! The reader decodes what the Go SDK writes: the fixtures' README counts, and
//! every stored blob parses as its message.

mod common;

use c1z::{C1zReader, Counts, GrantFilter};
use common::fixture;

/// Opens a fixture, decodes every object and returns the counts listed plus the
/// sync run's `ended_at`.
fn read_all(name: &str) -> (Counts, Option<String>) {
    let reader = C1zReader::open(fixture(name)).unwrap();
    let listed = Counts {
        resource_types: reader.resource_types().map(Result::unwrap).count() as u64,
        resources: reader.resources(None).map(Result::unwrap).count() as u64,
        entitlements: reader.entitlements(None).map(Result::unwrap).count() as u64,
        grants: reader
            .grants(&GrantFilter::default())
            .map(Result::unwrap)
            .count() as u64,
    };
    assert_eq!(
        reader.counts().unwrap(),
        listed,
        "{name}: listing matches count(*)"
    );
    let runs = reader.sync_runs().unwrap();
    assert_eq!(runs.len(), 1, "{name}");
    assert_eq!(runs[0].sync_type, "full");
    (listed, runs[0].ended_at.clone())
}

fn counts(resource_types: u64, resources: u64, entitlements: u64, grants: u64) -> Counts {
    Counts {
        resource_types,
        resources,
        entitlements,
        grants,
    }
}

#[test]
fn in_progress_sync_fixture_reads_with_its_readme_counts() {
    let (listed, ended_at) = read_all("sync-in-progress.c1z");
    assert_eq!(listed, counts(5, 79, 0, 0));
    assert_eq!(ended_at, None);
}

#[test]
fn unexpanded_fixture_reads_with_its_readme_counts() {
    let (listed, ended_at) = read_all("sync.36zfOAoWMxQdISbixanQCRBiX7E.unexpanded.c1z");
    assert_eq!(listed, counts(4, 1221, 342, 2909));
    assert_eq!(ended_at, None);
}

#[test]
fn expanded_fixture_reads_with_its_readme_counts() {
    let (listed, ended_at) = read_all("sync.36zfOAoWMxQdISbixanQCRBiX7E.expanded.c1z");
    assert_eq!(listed, counts(4, 1221, 342, 14981));
    assert_eq!(ended_at.as_deref(), Some("2025-12-17 16:33:36.381422"));
}

#[test]
fn large_unexpanded_fixture_reads_with_its_readme_counts() {
    let (listed, ended_at) = read_all("sync.36zGvJw3uxU1QMJKU2yPVQ1hBOC.unexpanded.c1z");
    assert_eq!(listed, counts(4, 35217, 334, 66601));
    assert_eq!(ended_at, None);
}

#[test]
fn per_type_counts_of_a_fixture_add_up_to_the_totals() {
    let reader = C1zReader::open(fixture("sync.36zfOAoWMxQdISbixanQCRBiX7E.expanded.c1z")).unwrap();
    let per_type = reader.counts_by_resource_type().unwrap();
    let total = reader.counts().unwrap();
    assert_eq!(
        per_type.iter().map(|c| c.resources).sum::<u64>(),
        total.resources
    );
    assert_eq!(
        per_type.iter().map(|c| c.entitlements).sum::<u64>(),
        total.entitlements
    );
    assert_eq!(per_type.iter().map(|c| c.grants).sum::<u64>(), total.grants);
    assert!(per_type.len() >= 4);
}

#[test]
fn fixture_without_expansion_columns_lists_grants_without_expansion() {
    // This older fixture's v1_grants has no expansion / needs_expansion columns.
    let reader =
        C1zReader::open(fixture("sync.36zfOAoWMxQdISbixanQCRBiX7E.unexpanded.c1z")).unwrap();
    let has_column: bool = reader
        .connection()
        .prepare("select 1 from pragma_table_info('v1_grants') where name = 'expansion'")
        .unwrap()
        .exists([])
        .unwrap();
    assert!(!has_column);
    let first = reader
        .grants(&GrantFilter::default())
        .next()
        .unwrap()
        .unwrap();
    assert!(first.expansion.is_none() && !first.needs_expansion);
    assert!(!first.grant.id.is_empty());
}
