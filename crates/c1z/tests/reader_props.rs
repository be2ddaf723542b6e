//! Bad input for the reader: random bytes, truncated files and flipped bytes (in the
//! header, the zstd frame header or anywhere) of the Go SDK's fixtures and of our own
//! writer's files, and damaged databases in a sound envelope. Opening and reading every table returns errors or data, never
//! panics, and leaves nothing behind in the reader's temporary directory.

mod common;

use std::path::Path;
use std::sync::LazyLock;

use c1z::{C1zReader, GrantFilter, ReaderOptions, V1_HEADER};
use common::{SmallSync, files_in, fixture};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

/// Files to damage: two Go SDK fixtures (a small one and one with grants) and a file of
/// our writer.
static ORIGINALS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.c1z");
    SmallSync::new().write(&ours);
    [
        fixture("sync-in-progress.c1z"),
        fixture("sync.36zfOAoWMxQdISbixanQCRBiX7E.unexpanded.c1z"),
        ours,
    ]
    .iter()
    .map(|path| std::fs::read(path).unwrap())
    .collect()
});

/// The SQLite databases inside [`ORIGINALS`], to damage below the envelope.
static DATABASES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    ORIGINALS
        .iter()
        .map(|c1z| zstd::decode_all(&c1z[V1_HEADER.len()..]).unwrap())
        .collect()
});

/// What the reader made of a file.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Opening failed.
    Refused,
    /// It opened; whether it had the tables of a sync to count.
    Opened { counted: bool },
}

/// Writes `bytes` to a file, opens it with the reader and reads everything it lists;
/// asserts that the reader's directory is empty afterwards.
fn open_and_read_all(bytes: &[u8]) -> Result<Outcome, TestCaseError> {
    let input = tempfile::tempdir().unwrap();
    let path = input.path().join("input.c1z");
    std::fs::write(&path, bytes).unwrap();
    let work = tempfile::tempdir().unwrap();
    let options = ReaderOptions {
        temp_dir: Some(work.path().to_path_buf()),
        max_decoded_bytes: 64 << 20,
    };
    let outcome = read_all(&path, &options);
    prop_assert!(
        files_in(work.path()).is_empty(),
        "left behind: {:?}",
        files_in(work.path())
    );
    Ok(outcome)
}

/// Every query the reader offers; errors are fine, only a panic fails the test.
fn read_all(path: &Path, options: &ReaderOptions) -> Outcome {
    let Ok(reader) = C1zReader::open_with(path, options) else {
        return Outcome::Refused;
    };
    let _ = reader.sync_runs();
    let counted = reader.counts().is_ok();
    let _ = reader.counts_by_resource_type();
    reader.resource_types().for_each(drop);
    reader.resources(None).for_each(drop);
    reader.entitlements(None).for_each(drop);
    reader.grants(&GrantFilter::default()).for_each(drop);
    Outcome::Opened { counted }
}

/// Where a byte is flipped.
#[derive(Debug, Clone)]
enum Position {
    /// In the first bytes: the envelope header and the zstd frame header.
    Start(usize),
    /// Anywhere in the file.
    Anywhere(Index),
}

impl Position {
    fn index(&self, length: usize) -> usize {
        match self {
            Position::Start(i) => (*i).min(length - 1),
            Position::Anywhere(i) => i.index(length),
        }
    }
}

/// A position in the first `start` bytes (one time in `1 + weight`) or anywhere.
fn position(start: usize, weight: u32) -> impl Strategy<Value = Position> {
    prop_oneof![
        1 => (0..start).prop_map(Position::Start),
        weight => any::<Index>().prop_map(Position::Anywhere),
    ]
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn random_bytes_are_refused_or_read(
        header in prop_oneof![Just(Vec::new()), Just(V1_HEADER.to_vec()), Just(b"C1Z3\0".to_vec())],
        body in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let bytes = [header, body].concat();
        open_and_read_all(&bytes)?;
    }

    #[test]
    fn a_random_zstd_frame_is_refused_or_read(
        body in prop::collection::vec(any::<u8>(), 0..4096),
        level in 1i32..4,
    ) {
        // A valid frame around bytes that are not a database.
        let frame = zstd::encode_all(body.as_slice(), level).unwrap();
        let bytes = [V1_HEADER.as_slice(), &frame].concat();
        // SQLite may take a short file for an empty database, but it holds no sync.
        let outcome = open_and_read_all(&bytes)?;
        prop_assert_ne!(outcome, Outcome::Opened { counted: true });
    }

    #[test]
    fn truncated_files_are_refused_or_read(original in any::<Index>(), cut in any::<Index>()) {
        let bytes = original.get(&ORIGINALS);
        let length = cut.index(bytes.len());
        prop_assert_eq!(open_and_read_all(&bytes[..length])?, Outcome::Refused);
    }

    #[test]
    fn flipped_bytes_are_refused_or_read(
        original in any::<Index>(),
        flips in prop::collection::vec((position(24, 1), 1u8..=255), 1..4),
    ) {
        let mut bytes = original.get(&ORIGINALS).clone();
        let length = bytes.len();
        for (at, mask) in flips {
            bytes[at.index(length)] ^= mask;
        }
        open_and_read_all(&bytes)?;
    }

    #[test]
    fn a_damaged_database_in_a_sound_envelope_is_refused_or_read(
        original in any::<Index>(),
        // SQLite's header is 100 bytes; most damage goes to the pages.
        flips in prop::collection::vec((position(100, 4), 1u8..=255), 1..8),
        cut in prop::option::weighted(0.2, any::<Index>()),
    ) {
        let mut database = original.get(&DATABASES).clone();
        let length = database.len();
        for (at, mask) in flips {
            database[at.index(length)] ^= mask;
        }
        if let Some(cut) = cut {
            database.truncate(cut.index(length));
        }
        let frame = zstd::encode_all(database.as_slice(), 1).unwrap();
        open_and_read_all(&[V1_HEADER.as_slice(), &frame].concat())?;
    }
}

#[test]
fn the_undamaged_originals_open() {
    for bytes in ORIGINALS.iter() {
        assert_eq!(
            open_and_read_all(bytes).unwrap(),
            Outcome::Opened { counted: true }
        );
    }
}

/// Found by `a_random_zstd_frame_is_refused_or_read`: a one-byte database opens (SQLite
/// reads a file shorter than a page as an empty database) but holds no sync.
#[test]
fn a_one_byte_database_opens_empty() {
    let frame = zstd::encode_all(&[0u8][..], 1).unwrap();
    let bytes = [V1_HEADER.as_slice(), &frame].concat();
    assert_eq!(
        open_and_read_all(&bytes).unwrap(),
        Outcome::Opened { counted: false }
    );
}
