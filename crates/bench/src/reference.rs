//! The Go SDK's figures on the reference dataset, as published in the shared document
//! `bench/reference-dataset.md` ("The reference sync dataset, and what the Go SDK does
//! with it": baton-sdk v0.25.0, its SQLite / v1 writer, default settings, a 2-core
//! machine; medians of 3 runs, wall time, CPU and peak RSS from `/usr/bin/time -v`).

/// The Go SDK writing the reference dataset of `users` users (section 3 of the document).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GoWriter {
    /// N, the dataset's users.
    pub users: usize,
    /// Grants written per second of wall time.
    pub grants_per_sec: f64,
    /// Peak resident set, MiB.
    pub peak_rss_mib: f64,
    /// Size of the `.c1z` file.
    pub file_bytes: u64,
}

/// Section 3, "Results — writer".
pub const GO_WRITER: [GoWriter; 3] = [
    GoWriter {
        users: 10_000,
        grants_per_sec: 11_884.0,
        peak_rss_mib: 60.5,
        file_bytes: 9_720_947,
    },
    GoWriter {
        users: 50_000,
        grants_per_sec: 9_369.0,
        peak_rss_mib: 71.4,
        file_bytes: 48_228_033,
    },
    GoWriter {
        users: 100_000,
        grants_per_sec: 9_580.0,
        peak_rss_mib: 85.5,
        file_bytes: 93_943_945,
    },
];

/// The users of the only file the Go SDK's reader was measured on (section 4).
pub const GO_READER_USERS: usize = 100_000;

/// Section 4, "Results — reader": open the 100k file read-only, list every grant 500 a
/// page and count them; wall seconds.
pub const GO_READER_SECONDS: f64 = 14.87;

/// The Go SDK's writer figures for a dataset of `users` users, if it was measured.
pub fn go_writer(users: usize) -> Option<GoWriter> {
    GO_WRITER.into_iter().find(|g| g.users == users)
}
