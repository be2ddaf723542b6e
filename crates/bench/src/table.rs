//! The report as one aligned text table, and the number formats it uses.

use crate::report::{Line, Row, Tally, Unit};

/// Column headings.
const HEADINGS: [&str; 7] = [
    "SECTION", "FIGURE", "OURS", "LIMIT", "RATIO", "TARGET", "STATUS",
];
/// Columns whose cells are right-aligned (the numbers).
const RIGHT_ALIGNED: [bool; 7] = [false, false, true, true, true, false, false];

/// The report: one row per figure, then the skipped and failed parts, then a tally.
pub fn render(lines: &[Line]) -> String {
    let rows: Vec<[String; 7]> = lines
        .iter()
        .filter_map(|line| match line {
            Line::Figure(row) => Some(cells(row)),
            _ => None,
        })
        .collect();
    let mut widths = HEADINGS.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    out.push_str(&grid_line(&HEADINGS.map(String::from), &widths));
    for row in &rows {
        out.push_str(&grid_line(row, &widths));
    }
    for line in lines {
        let (section, note) = match line {
            Line::Figure(_) => continue,
            Line::Skipped { section, reason } => (section, format!("skipped: {reason}")),
            Line::Failed { section, error } => (section, format!("FAILED: {error}")),
        };
        out.push_str(&format!("{section:<0$}  {note}\n", widths[0]));
    }
    let tally = Tally::of(lines);
    out.push_str(&format!(
        "\n{} ok, {} MISS, {} skipped, {} failed\n",
        tally.ok, tally.missed, tally.skipped, tally.failed
    ));
    out
}

/// One grid line, cells padded to `widths`, without trailing spaces.
fn grid_line(cells: &[String; 7], widths: &[usize; 7]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths)
        .zip(RIGHT_ALIGNED)
        .map(|((cell, width), right)| {
            if right {
                format!("{cell:>width$}")
            } else {
                format!("{cell:<width$}")
            }
        })
        .collect();
    format!("{}\n", padded.join("  ").trim_end())
}

/// The cells of a figure's row.
fn cells(row: &Row) -> [String; 7] {
    [
        row.section.clone(),
        row.what.clone(),
        value(row.unit, row.ours),
        row.limit.map_or_else(String::new, |l| value(row.unit, l)),
        row.ratio().map_or_else(String::new, ratio),
        row.target.describe(),
        row.status().as_str().to_owned(),
    ]
}

/// A figure in its unit: `1,234,567`, `12,345/s`, `1.23 s`, `0.84 ms`, `85.5 MiB`, `0.20 %`.
pub fn value(unit: Unit, x: f64) -> String {
    match unit {
        Unit::Count => thousands(x.round() as u64),
        Unit::PerSecond => format!("{}/s", thousands(x.round() as u64)),
        Unit::Seconds => format!("{x:.2} s"),
        Unit::Milliseconds => format!("{x:.2} ms"),
        Unit::Bytes if x < 1024.0 * 1024.0 => format!("{:.1} KiB", x / 1024.0),
        Unit::Bytes => format!("{:.1} MiB", x / (1024.0 * 1024.0)),
        Unit::Percent => format!("{x:.2} %"),
    }
}

/// A ratio with three significant digits or so: `0.452`, `1.02`, `25.3`, `140`.
pub fn ratio(x: f64) -> String {
    match x.abs() {
        r if r >= 100.0 => format!("{x:.0}"),
        r if r >= 10.0 => format!("{x:.1}"),
        r if r >= 1.0 => format!("{x:.2}"),
        _ => format!("{x:.3}"),
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A number of users as a short label: `10k`, `2.5k`, `999`.
pub fn users(n: usize) -> String {
    match n {
        n if n >= 1000 && n % 1000 == 0 => format!("{}k", n / 1000),
        n if n >= 1000 && n % 100 == 0 => format!("{}.{}k", n / 1000, n % 1000 / 100),
        n => thousands(n as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Target;

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(93_943_945), "93,943,945");
    }

    #[test]
    fn figures_are_shown_in_their_unit() {
        assert_eq!(value(Unit::Count, 2_000_000.0), "2,000,000");
        assert_eq!(value(Unit::PerSecond, 11_883.6), "11,884/s");
        assert_eq!(value(Unit::Seconds, 14.871), "14.87 s");
        assert_eq!(value(Unit::Bytes, 85.5 * 1024.0 * 1024.0), "85.5 MiB");
        assert_eq!(value(Unit::Bytes, 2048.0), "2.0 KiB");
        assert_eq!(value(Unit::Milliseconds, 0.8449), "0.84 ms");
        assert_eq!(value(Unit::Percent, 0.2), "0.20 %");
    }

    #[test]
    fn ratios_keep_about_three_significant_digits() {
        assert_eq!(ratio(0.4523), "0.452");
        assert_eq!(ratio(1.0199), "1.02");
        assert_eq!(ratio(25.34), "25.3");
        assert_eq!(ratio(140.2), "140");
    }

    #[test]
    fn user_counts_are_labelled_in_thousands() {
        assert_eq!(users(100_000), "100k");
        assert_eq!(users(2500), "2.5k");
        assert_eq!(users(300), "300");
        assert_eq!(users(1234), "1,234");
    }

    #[test]
    fn the_table_aligns_columns_and_lists_notes_and_a_tally_after_the_figures() {
        let lines = [
            Line::Figure(
                Row::info("sync 10k", "requests", Unit::Count, 1020.0)
                    .against(1000.0, Target::AtMost(1.02)),
            ),
            Line::Figure(Row::info("sync 10k", "wall time", Unit::Seconds, 3.5)),
            Line::Skipped {
                section: "client".into(),
                reason: "list_users_bench not built".into(),
            },
        ];

        let table = render(&lines);

        let expected = "\
SECTION   FIGURE       OURS  LIMIT  RATIO  TARGET   STATUS
sync 10k  requests    1,020  1,000   1.02  <= 1.02  ok
sync 10k  wall time  3.50 s                         info
client    skipped: list_users_bench not built

1 ok, 0 MISS, 1 skipped, 0 failed
";
        assert_eq!(table, expected);
    }
}
