//! Waits after failures: the bootstrap `Hello` backs off exponentially (1 s doubling to
//! 5 minutes), a failed `GetTask` quadratically (`min(n², 60)` seconds), as the Go SDK does.

use std::time::Duration;

/// Longest wait between two bootstrap `Hello` attempts.
const MAX_HELLO_DELAY: Duration = Duration::from_secs(5 * 60);
/// Longest wait after failed `GetTask` calls.
const MAX_POLL_ERROR_DELAY: Duration = Duration::from_secs(60);

/// The wait after the `failures`-th failed bootstrap `Hello` in a row (1-based):
/// 1 s, 2 s, 4 s, ... at most 5 minutes.
pub fn hello_delay(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(31);
    Duration::from_secs(1u64 << doublings).min(MAX_HELLO_DELAY)
}

/// The wait after the `failures`-th failed `GetTask` in a row (1-based): `failures²`
/// seconds, at most a minute.
pub fn poll_error_delay(failures: u32) -> Duration {
    let squared = u64::from(failures).saturating_mul(u64::from(failures));
    Duration::from_secs(squared).min(MAX_POLL_ERROR_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_retries_double_from_one_second_up_to_five_minutes() {
        let seconds: Vec<u64> = (1..=11).map(|n| hello_delay(n).as_secs()).collect();
        assert_eq!(seconds, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(hello_delay(u32::MAX), MAX_HELLO_DELAY);
    }

    #[test]
    fn poll_errors_wait_the_square_of_their_count_up_to_a_minute() {
        let seconds: Vec<u64> = (1..=9).map(|n| poll_error_delay(n).as_secs()).collect();
        assert_eq!(seconds, [1, 4, 9, 16, 25, 36, 49, 60, 60]);
        assert_eq!(poll_error_delay(u32::MAX), MAX_POLL_ERROR_DELAY);
    }
}
