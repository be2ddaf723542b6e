//! The daemon's resident memory over a soak: samples of `VmRSS`, their summary over time,
//! and whether it stayed flat after warm-up.
//!
//! The first third of the run is warm-up (caches, connection pools, the first syncs). The
//! memory is called flat when the mean of the last third is at most [`FLAT_RATIO`] times
//! the mean of the second third; the least-squares slope over those two thirds is shown
//! beside it.

use serde::Serialize;

/// The largest last-third / second-third ratio still called flat.
pub const FLAT_RATIO: f64 = 1.10;

/// One reading of the daemon's resident memory.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Sample {
    /// Seconds since the daemon started.
    pub at_secs: f64,
    /// `VmRSS`, bytes.
    pub bytes: u64,
}

/// The memory after warm-up.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Flatness {
    /// Mean of the second third of the samples, bytes.
    pub middle_mean: f64,
    /// Mean of the last third, bytes.
    pub last_mean: f64,
    /// `last_mean / middle_mean`.
    pub ratio: f64,
    /// Least-squares slope over the last two thirds, bytes per minute.
    pub slope_per_minute: f64,
}

impl Flatness {
    /// Whether the ratio is within [`FLAT_RATIO`].
    pub fn is_flat(&self) -> bool {
        self.ratio <= FLAT_RATIO
    }
}

/// The summary of the samples of one stretch of time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Stretch {
    /// Its start, seconds.
    pub from_secs: f64,
    /// Its end, seconds.
    pub to_secs: f64,
    /// Mean resident memory, bytes.
    pub mean: f64,
    /// Highest sample, bytes.
    pub max: u64,
}

/// How flat the memory was after warm-up; `None` with fewer than 6 samples.
pub fn flatness(samples: &[Sample]) -> Option<Flatness> {
    if samples.len() < 6 {
        return None;
    }
    let third = samples.len() / 3;
    let after_warm_up = &samples[third..];
    let (middle, last) = after_warm_up.split_at(third);
    let middle_mean = mean(middle);
    let last_mean = mean(last);
    Some(Flatness {
        middle_mean,
        last_mean,
        ratio: last_mean / middle_mean,
        slope_per_minute: slope(after_warm_up) * 60.0,
    })
}

/// The samples cut into at most `rows` stretches of equal length in time.
pub fn over_time(samples: &[Sample], rows: usize) -> Vec<Stretch> {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return Vec::new();
    };
    let span = (last.at_secs - first.at_secs).max(f64::EPSILON);
    let width = span / rows.max(1) as f64;
    let mut stretches: Vec<Stretch> = Vec::new();
    let mut members: Vec<Sample> = Vec::new();
    let mut row = 0;
    for sample in samples {
        let index = (((sample.at_secs - first.at_secs) / width) as usize).min(rows - 1);
        if index != row && !members.is_empty() {
            stretches.push(stretch(first.at_secs, width, row, &members));
            members.clear();
        }
        row = index;
        members.push(*sample);
    }
    stretches.push(stretch(first.at_secs, width, row, &members));
    stretches
}

fn stretch(start: f64, width: f64, row: usize, members: &[Sample]) -> Stretch {
    Stretch {
        from_secs: start + width * row as f64,
        to_secs: start + width * (row + 1) as f64,
        mean: mean(members),
        max: members.iter().map(|s| s.bytes).max().unwrap_or(0),
    }
}

fn mean(samples: &[Sample]) -> f64 {
    samples.iter().map(|s| s.bytes as f64).sum::<f64>() / samples.len().max(1) as f64
}

/// Least-squares slope of bytes over seconds (0 when the times do not vary).
fn slope(samples: &[Sample]) -> f64 {
    let n = samples.len() as f64;
    let mean_t = samples.iter().map(|s| s.at_secs).sum::<f64>() / n;
    let mean_b = mean(samples);
    let (mut covariance, mut variance) = (0.0, 0.0);
    for s in samples {
        let dt = s.at_secs - mean_t;
        covariance += dt * (s.bytes as f64 - mean_b);
        variance += dt * dt;
    }
    if variance == 0.0 {
        0.0
    } else {
        covariance / variance
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(bytes: impl Fn(f64) -> f64, n: usize) -> Vec<Sample> {
        (0..n)
            .map(|i| {
                let at_secs = 2.0 * i as f64;
                Sample {
                    at_secs,
                    bytes: bytes(at_secs) as u64,
                }
            })
            .collect()
    }

    #[test]
    fn memory_that_levels_off_after_warm_up_is_flat() {
        // Grows during the first minute, then holds at 20 MB with a saw-tooth of syncs.
        let samples = series(
            |t| {
                let base = if t < 60.0 { 10e6 + t * 1e6 / 6.0 } else { 20e6 };
                base + if (t as u64 / 2).is_multiple_of(5) {
                    3e6
                } else {
                    0.0
                }
            },
            90,
        );
        let flat = flatness(&samples).unwrap();
        assert!(flat.is_flat(), "{flat:?}");
        assert!((flat.ratio - 1.0).abs() < 0.02, "{flat:?}");
        assert!(flat.slope_per_minute.abs() < 0.2e6, "{flat:?}");
    }

    #[test]
    fn memory_that_keeps_growing_is_not_flat() {
        // 1 MB a minute from 20 MB, over 30 minutes.
        let samples = series(|t| 20e6 + t / 60.0 * 1e6, 900);
        let grown = flatness(&samples).unwrap();
        assert!(!grown.is_flat(), "{grown:?}");
        assert!((grown.slope_per_minute - 1e6).abs() < 1e3, "{grown:?}");
        assert!(flatness(&samples[..5]).is_none());
    }

    #[test]
    fn stretches_cover_the_run_in_equal_spans_with_their_mean_and_max() {
        let samples = series(|t| 1000.0 + t, 10); // t = 0, 2, ..., 18
        let rows = over_time(&samples, 3);
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].from_secs, rows[2].to_secs), (0.0, 18.0));
        assert_eq!(rows[0].mean, 1002.0); // 0, 2, 4
        assert_eq!(rows[2].max, 1018);
        assert!(over_time(&[], 3).is_empty());
        assert_eq!(over_time(&samples[..1], 3).len(), 1);
    }
}
