//! Text for people: aligned tables, byte sizes and durations.

use std::fmt::Write as _;
use std::time::Duration;

/// Longest cell shown; longer values are cut with `…` so rows stay on one line.
const MAX_CELL_CHARS: usize = 72;

/// A table printed with aligned columns; numeric columns are right-aligned.
pub struct Table {
    headers: Vec<&'static str>,
    numeric: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers; a header starting with `#` marks a numeric
    /// column (the `#` is not shown).
    pub fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.iter().map(|h| h.trim_start_matches('#')).collect(),
            numeric: headers.iter().map(|h| h.starts_with('#')).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (one cell per column).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells.into_iter().map(cut).collect());
    }

    /// The table as lines indented by two spaces, columns two spaces apart, each line
    /// ending in a newline.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let header: Vec<String> = self.headers.iter().map(|h| h.to_uppercase()).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for ((cell, width), numeric) in row.iter().zip(&widths).zip(&self.numeric) {
                if *numeric {
                    let _ = write!(line, "  {cell:>width$}");
                } else {
                    let _ = write!(line, "  {cell:<width$}");
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

fn cut(cell: String) -> String {
    if cell.chars().count() <= MAX_CELL_CHARS {
        return cell;
    }
    let mut cut: String = cell.chars().take(MAX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// `1536` as `1.5 KiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A duration as seconds with one decimal (`2.3 s`), or minutes and seconds past a minute.
pub fn duration(d: Duration) -> String {
    let seconds = d.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        format!("{} min {} s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let mut table = Table::new(&["type", "#count"]);
        table.row(vec!["user".into(), "7".into()]);
        table.row(vec!["organization".into(), "1234".into()]);
        assert_eq!(
            table.render(),
            "  TYPE          COUNT\n  user              7\n  organization   1234\n"
        );
    }

    #[test]
    fn long_cells_are_cut_to_one_line() {
        let mut table = Table::new(&["id"]);
        table.row(vec!["x".repeat(100)]);
        let line = table.render().lines().nth(1).unwrap().to_owned();
        assert_eq!(line.chars().count(), 2 + MAX_CELL_CHARS);
        assert!(line.ends_with('…'));
    }

    #[test]
    fn sizes_and_durations_read_naturally() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(duration(Duration::from_millis(2340)), "2.3 s");
        assert_eq!(duration(Duration::from_secs(125)), "2 min 5 s");
    }
}
