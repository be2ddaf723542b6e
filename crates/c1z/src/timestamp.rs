//! The text layout of the `datetime` columns (`started_at`, `ended_at`,
//! `discovered_at`).
//!
//! The Go SDK formats `time.Now()` with the layout `2006-01-02 15:04:05.999999999`:
//! local wall-clock time, no zone, fraction with trailing zeros trimmed and no
//! dot at all when the fraction is zero.

use chrono::{Local, NaiveDateTime, Timelike};

/// `time` in the SDK's `datetime` text layout, for example `2025-12-17 16:31:25.0572`.
pub fn format_sqlite_time(time: NaiveDateTime) -> String {
    let whole = time.format("%Y-%m-%d %H:%M:%S").to_string();
    // chrono carries a leap second as nanosecond >= 1e9; Go has no leap seconds.
    let nanos = time.nanosecond() % 1_000_000_000;
    if nanos == 0 {
        return whole;
    }
    let fraction = format!("{nanos:09}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// The current local time in the SDK's `datetime` text layout.
pub fn now_sqlite_time() -> String {
    format_sqlite_time(Local::now().naive_local())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(nanos: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 12, 17)
            .unwrap()
            .and_hms_nano_opt(16, 31, 25, nanos)
            .unwrap()
    }

    #[test]
    fn fraction_keeps_only_significant_digits() {
        assert_eq!(
            format_sqlite_time(at(57_185_000)),
            "2025-12-17 16:31:25.057185"
        );
        assert_eq!(format_sqlite_time(at(500_000_000)), "2025-12-17 16:31:25.5");
        assert_eq!(format_sqlite_time(at(1)), "2025-12-17 16:31:25.000000001");
    }

    #[test]
    fn whole_seconds_have_no_dot() {
        assert_eq!(format_sqlite_time(at(0)), "2025-12-17 16:31:25");
    }

    #[test]
    fn current_time_has_the_layout_sqlite_and_go_parse() {
        let now = now_sqlite_time();
        let parsed = NaiveDateTime::parse_from_str(&now, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        assert_eq!(format_sqlite_time(parsed), now);
    }
}
