//! The lines of the bench's report: a figure of ours beside its limit or reference, the
//! ratio between them and the target that ratio must meet; or a note that a part was
//! skipped or failed.

use serde_json::{Value, json};

/// What a figure counts, for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A number of things.
    Count,
    /// Things per second.
    PerSecond,
    /// Seconds.
    Seconds,
    /// Milliseconds.
    Milliseconds,
    /// Bytes (shown in KiB / MiB).
    Bytes,
    /// A percentage (e.g. of one CPU core).
    Percent,
}

impl Unit {
    /// The unit's name in the JSON results.
    fn name(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::PerSecond => "per_second",
            Unit::Seconds => "seconds",
            Unit::Milliseconds => "milliseconds",
            Unit::Bytes => "bytes",
            Unit::Percent => "percent",
        }
    }
}

/// What the ratio `ours / limit` must be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Nothing: the figure is shown for information.
    Info,
    /// At most this.
    AtMost(f64),
    /// At least this.
    AtLeast(f64),
    /// Exactly 1: ours equals the limit.
    Equal,
}

impl Target {
    /// `<= 1.02`, `>= 20`, `= 1`, or nothing.
    pub fn describe(self) -> String {
        match self {
            Target::Info => String::new(),
            Target::AtMost(x) => format!("<= {x}"),
            Target::AtLeast(x) => format!(">= {x}"),
            Target::Equal => "= 1".to_owned(),
        }
    }
}

/// How a figure fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It meets its target.
    Ok,
    /// It misses its target.
    Miss,
    /// No target.
    Info,
}

impl Status {
    /// `ok`, `MISS` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Miss => "MISS",
            Status::Info => "info",
        }
    }
}

/// One figure of ours, with its limit or reference and its target.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Which part of the bench and size, e.g. `sync 10k`.
    pub section: String,
    /// What was measured, e.g. `peak RSS vs Go SDK`.
    pub what: String,
    /// The unit of `ours` and `limit`.
    pub unit: Unit,
    /// Our figure.
    pub ours: f64,
    /// The limit or reference it is held to, if any.
    pub limit: Option<f64>,
    /// What `ours / limit` must be.
    pub target: Target,
}

impl Row {
    /// A figure shown for information, without limit or target.
    pub fn info(section: &str, what: &str, unit: Unit, ours: f64) -> Row {
        Row {
            section: section.to_owned(),
            what: what.to_owned(),
            unit,
            ours,
            limit: None,
            target: Target::Info,
        }
    }

    /// The same figure held to `limit` with `target`.
    pub fn against(self, limit: f64, target: Target) -> Row {
        Row {
            limit: Some(limit),
            target,
            ..self
        }
    }

    /// `ours / limit`, when there is a non-zero limit.
    pub fn ratio(&self) -> Option<f64> {
        self.limit.filter(|l| *l != 0.0).map(|l| self.ours / l)
    }

    /// Whether the figure meets its target. A target without a limit to compare with
    /// cannot be met.
    pub fn status(&self) -> Status {
        let met = match (self.target, self.limit) {
            (Target::Info, _) => return Status::Info,
            (Target::Equal, Some(limit)) => self.ours == limit,
            (_, None) => false,
            (Target::AtMost(x), Some(_)) => self.ratio().is_some_and(|r| r <= x),
            (Target::AtLeast(x), Some(_)) => self.ratio().is_some_and(|r| r >= x),
        };
        if met { Status::Ok } else { Status::Miss }
    }
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// A figure.
    Figure(Row),
    /// A part that did not run, and why.
    Skipped {
        /// Which part.
        section: String,
        /// Why, e.g. `baton-atlassian not built`.
        reason: String,
    },
    /// A part whose program failed, and the error.
    Failed {
        /// Which part.
        section: String,
        /// The error, with the end of the program's stderr.
        error: String,
    },
}

impl Line {
    /// The line as JSON, with the ratio and status worked out.
    pub fn to_json(&self) -> Value {
        match self {
            Line::Figure(row) => json!({
                "section": row.section,
                "what": row.what,
                "unit": row.unit.name(),
                "ours": row.ours,
                "limit": row.limit,
                "ratio": row.ratio(),
                "target": row.target.describe(),
                "status": row.status().as_str(),
            }),
            Line::Skipped { section, reason } => {
                json!({ "section": section, "status": "skipped", "reason": reason })
            }
            Line::Failed { section, error } => {
                json!({ "section": section, "status": "failed", "error": error })
            }
        }
    }
}

/// Tallies of a report: figures ok and missed, parts skipped and failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Figures meeting their target.
    pub ok: usize,
    /// Figures missing their target.
    pub missed: usize,
    /// Parts skipped.
    pub skipped: usize,
    /// Parts failed.
    pub failed: usize,
}

impl Tally {
    /// Counts the lines of a report.
    pub fn of(lines: &[Line]) -> Tally {
        let mut tally = Tally::default();
        for line in lines {
            match line {
                Line::Figure(row) => match row.status() {
                    Status::Ok => tally.ok += 1,
                    Status::Miss => tally.missed += 1,
                    Status::Info => {}
                },
                Line::Skipped { .. } => tally.skipped += 1,
                Line::Failed { .. } => tally.failed += 1,
            }
        }
        tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ours: f64, limit: f64, target: Target) -> Row {
        Row::info("s", "w", Unit::Count, ours).against(limit, target)
    }

    #[test]
    fn at_most_targets_accept_ratios_up_to_and_including_the_bound() {
        assert_eq!(row(102.0, 100.0, Target::AtMost(1.02)).status(), Status::Ok);
        assert_eq!(
            row(103.0, 100.0, Target::AtMost(1.02)).status(),
            Status::Miss
        );
    }

    #[test]
    fn at_least_targets_accept_ratios_from_the_bound_up() {
        assert_eq!(row(200.0, 10.0, Target::AtLeast(20.0)).status(), Status::Ok);
        assert_eq!(
            row(199.0, 10.0, Target::AtLeast(20.0)).status(),
            Status::Miss
        );
    }

    #[test]
    fn equal_targets_need_the_same_figure() {
        assert_eq!(row(7.0, 7.0, Target::Equal).status(), Status::Ok);
        assert_eq!(row(6.0, 7.0, Target::Equal).status(), Status::Miss);
        assert_eq!(row(0.0, 0.0, Target::Equal).status(), Status::Ok);
    }

    #[test]
    fn figures_without_a_target_are_information_and_a_zero_limit_has_no_ratio() {
        assert_eq!(
            Row::info("s", "w", Unit::Seconds, 3.0).status(),
            Status::Info
        );
        let zero = row(3.0, 0.0, Target::AtMost(1.0));
        assert_eq!((zero.ratio(), zero.status()), (None, Status::Miss));
        assert_eq!(row(3.0, 4.0, Target::Info).status(), Status::Info);
    }

    #[test]
    fn the_json_of_a_figure_carries_its_ratio_target_and_status() {
        let value = Line::Figure(row(50.0, 100.0, Target::AtMost(0.5))).to_json();
        assert_eq!(value["ratio"], 0.5);
        assert_eq!(value["target"], "<= 0.5");
        assert_eq!(value["status"], "ok");
        assert_eq!(value["unit"], "count");
        let skipped = Line::Skipped {
            section: "sync".into(),
            reason: "not built".into(),
        };
        assert_eq!(skipped.to_json()["status"], "skipped");
    }

    #[test]
    fn a_tally_counts_each_kind_of_line() {
        let lines = [
            Line::Figure(row(1.0, 1.0, Target::Equal)),
            Line::Figure(row(2.0, 1.0, Target::Equal)),
            Line::Figure(Row::info("s", "w", Unit::Count, 1.0)),
            Line::Skipped {
                section: "a".into(),
                reason: "b".into(),
            },
            Line::Failed {
                section: "a".into(),
                error: "b".into(),
            },
        ];
        assert_eq!(
            Tally::of(&lines),
            Tally {
                ok: 1,
                missed: 1,
                skipped: 1,
                failed: 1
            }
        );
    }
}
