//! Durations as people write them in flags (`30m`, `6h`, `1h30m`, `90s`, `500ms`, `1d`) and
//! the scheduler's jitter (`10%`, `0.1` or a duration).

use std::time::Duration;

/// The units a duration may use, longest suffix first so `ms` is not read as `m`.
const UNITS: [(&str, u64); 5] = [
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

/// Parses a duration: whole numbers each followed by a unit (`ms`, `s`, `m`, `h`, `d`),
/// e.g. `1h30m`; a lone `0` is zero.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let invalid = || format!("expected a duration such as 90s, 30m, 6h or 1h30m, got '{text}'");
    let mut rest = text;
    let mut millis: u64 = 0;
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let (unit, scale) = UNITS
            .iter()
            .find(|(unit, _)| rest.starts_with(unit))
            .ok_or_else(invalid)?;
        rest = &rest[unit.len()..];
        millis = number
            .checked_mul(*scale)
            .and_then(|part| millis.checked_add(part))
            .ok_or_else(invalid)?;
    }
    Ok(Duration::from_millis(millis))
}

/// How much a scheduled interval may vary, up or down.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Jitter {
    /// A fraction of the interval (0 to 1).
    Fraction(f64),
    /// A fixed amount.
    Fixed(Duration),
}

impl Jitter {
    /// Parses `10%`, `0.1` (fractions from 0 to 1) or a duration (`5m`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let fraction = match text.strip_suffix('%') {
            Some(percent) => percent.trim().parse::<f64>().ok().map(|p| p / 100.0),
            None => text.parse::<f64>().ok(),
        };
        match fraction {
            Some(f) if (0.0..=1.0).contains(&f) => Ok(Jitter::Fraction(f)),
            Some(_) => Err(format!(
                "a fraction must lie between 0 and 1 (0% and 100%), got '{text}'"
            )),
            None => parse_duration(text).map(Jitter::Fixed).map_err(|_| {
                format!("expected a fraction (0.1 or 10%) or a duration (5m), got '{text}'")
            }),
        }
    }

    /// The most an `interval` may move either way.
    pub fn spread(self, interval: Duration) -> Duration {
        match self {
            Jitter::Fraction(f) => interval.mul_f64(f),
            Jitter::Fixed(d) => d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        let cases = [
            ("90s", 90_000),
            ("30m", 1_800_000),
            ("6h", 21_600_000),
            ("1h30m", 5_400_000),
            ("500ms", 500),
            ("1d", 86_400_000),
            (" 2m ", 120_000),
            ("0", 0),
            ("0s", 0),
        ];
        for (text, millis) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(millis)),
                "{text}"
            );
        }
        for bad in [
            "",
            "30",
            "m",
            "1.5h",
            "10 m",
            "3x",
            "-1s",
            "99999999999999999999d",
        ] {
            let error = parse_duration(bad).unwrap_err();
            assert!(error.starts_with("expected a duration"), "{bad}: {error}");
        }
    }

    #[test]
    fn jitter_is_a_fraction_or_a_duration() {
        assert_eq!(Jitter::parse("10%"), Ok(Jitter::Fraction(0.1)));
        assert_eq!(Jitter::parse("0.25"), Ok(Jitter::Fraction(0.25)));
        assert_eq!(Jitter::parse("0"), Ok(Jitter::Fraction(0.0)));
        assert_eq!(
            Jitter::parse("5m"),
            Ok(Jitter::Fixed(Duration::from_secs(300)))
        );
        assert!(
            Jitter::parse("150%")
                .unwrap_err()
                .contains("between 0 and 1")
        );
        assert!(
            Jitter::parse("lots")
                .unwrap_err()
                .contains("expected a fraction")
        );
        let hour = Duration::from_secs(3600);
        assert_eq!(Jitter::Fraction(0.1).spread(hour), Duration::from_secs(360));
        assert_eq!(
            Jitter::Fixed(Duration::from_secs(5)).spread(hour),
            Duration::from_secs(5)
        );
    }
}
