//! Trust and outcomes: team-level outcome figures an admin imports (attrition, engagement,
//! customer satisfaction, delivery on time…) and their association with team trust across
//! teams. An association, never a cause; refused below [`MIN_TEAMS`] teams.
//!
//! An outcome file is CSV with the columns `team`, `period`, `metric` and `value`, checked as a
//! whole: every problem is reported with its line, and nothing is imported unless the file is
//! clean. A period is a year (`2026`), a quarter (`2026-Q3`) or a month (`2026-09`); a metric
//! keeps one kind of period, so that "a period later" means one thing.

use crate::people::{ImportRefused, LineIndex, RowProblem, unreadable_file};
use crate::stats::{self, Correlation};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// Teams with both a shown Trust Index and the outcome needed before an association is shown.
pub const MIN_TEAMS: usize = 5;
/// The longest metric name.
pub const MAX_METRIC_CHARS: usize = 80;
/// Rows an outcome file may hold.
pub const MAX_ROWS: usize = 200_000;
/// Problems reported for one file (the total is counted beyond them).
const MAX_REPORTED: usize = 50;

/// A reporting period: a year, a quarter or a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Period {
    /// A calendar year.
    Year(i32),
    /// A quarter of a year (1–4).
    Quarter(i32, u8),
    /// A month of a year (1–12).
    Month(i32, u8),
}

impl Period {
    /// Reads `2026`, `2026-Q3` (or `2026-q3`, `2026 Q3`) or `2026-09`.
    pub fn parse(text: &str) -> Result<Period, String> {
        let text = text.trim();
        let refused = || {
            format!(
                "the period {text:?} is not a year (2026), a quarter (2026-Q3) or a month (2026-09)"
            )
        };
        let year = |text: &str| -> Result<i32, String> {
            match text.parse::<i32>() {
                Ok(y) if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(y),
                _ => Err(refused()),
            }
        };
        if text.len() == 4 {
            return Ok(Period::Year(year(text)?));
        }
        let (y, rest) = text.split_once(['-', ' ']).ok_or_else(refused)?;
        let y = year(y)?;
        if let Some(q) = rest.strip_prefix(['Q', 'q']) {
            return match q.parse::<u8>() {
                Ok(q @ 1..=4) if rest.len() == 2 => Ok(Period::Quarter(y, q)),
                _ => Err(refused()),
            };
        }
        match rest.parse::<u8>() {
            Ok(m @ 1..=12) if rest.len() == 2 => Ok(Period::Month(y, m)),
            _ => Err(refused()),
        }
    }

    /// The period after this one, of the same kind.
    pub fn next(self) -> Period {
        match self {
            Period::Year(y) => Period::Year(y + 1),
            Period::Quarter(y, 4) => Period::Quarter(y + 1, 1),
            Period::Quarter(y, q) => Period::Quarter(y, q + 1),
            Period::Month(y, 12) => Period::Month(y + 1, 1),
            Period::Month(y, m) => Period::Month(y, m + 1),
        }
    }

    /// Whether two periods are of the same kind (both years, quarters or months).
    pub fn same_kind(self, other: Period) -> bool {
        std::mem::discriminant(&self) == std::mem::discriminant(&other)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
        }
    }
}

/// One clean row of an outcome file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeRow {
    /// The file's line (1 is the header).
    pub line: u64,
    /// The team's name, as in the people file.
    pub team: String,
    /// The period the figure covers.
    pub period: Period,
    /// What was measured ("attrition", "engagement score"…), as written.
    pub metric: String,
    /// The figure.
    pub value: f64,
}

const COLUMNS: [&str; 4] = ["team", "period", "metric", "value"];

/// Reads and checks an outcome file. `known_team` says whether a team name exists in the
/// organisation. Every problem is reported with its line; a file with any is refused whole.
pub fn parse_outcomes_csv(
    bytes: &[u8],
    known_team: impl Fn(&str) -> bool,
) -> Result<Vec<OutcomeRow>, ImportRefused> {
    let lines = LineIndex::new(bytes);
    let whole = |problem: RowProblem| ImportRefused {
        problems: vec![problem],
        total: 1,
    };
    if let Some(problem) = unreadable_file(
        bytes,
        &lines,
        "a header line (team,period,metric,value) and a line per figure",
    ) {
        return Err(whole(problem));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let names: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
            .collect(),
        Err(e) => {
            return Err(whole(RowProblem {
                line: 1,
                message: format!("the header line cannot be read: {e}"),
            }));
        }
    };
    let mut column = [0usize; 4];
    for (at, wanted) in COLUMNS.iter().enumerate() {
        match names.iter().position(|n| n == wanted) {
            Some(i) => column[at] = i,
            None => {
                return Err(whole(RowProblem {
                    line: 1,
                    message: format!(
                        "the column {wanted:?} is missing; the header must be team,period,metric,value"
                    ),
                }));
            }
        }
    }
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut first_line: HashMap<(String, Period, String), u64> = HashMap::new();
    let mut kind_of: HashMap<String, (Period, u64)> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(index as u64 + 2, |p| lines.line_of(p.byte()));
                problems.push(RowProblem {
                    line,
                    message: format!("the line cannot be read: {e}"),
                });
                continue;
            }
        };
        let line = record
            .position()
            .map_or(index as u64 + 2, |p| lines.line_of(p.byte()));
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() >= MAX_ROWS {
            problems.push(RowProblem {
                line,
                message: format!("a file may hold at most {MAX_ROWS} figures: split it"),
            });
            break;
        }
        let cell = |at: usize| record.get(column[at]).unwrap_or("").to_string();
        let mut refuse = |message: String| problems.push(RowProblem { line, message });
        let team = cell(0);
        if team.is_empty() {
            refuse("the team is empty".into());
        } else if !known_team(&team) {
            refuse(format!(
                "no team is called {team:?}: use a team name from the people file"
            ));
        }
        let period = Period::parse(&cell(1)).map_err(&mut refuse).ok();
        let metric = cell(2);
        if metric.is_empty() {
            refuse("the metric is empty: name what was measured, such as attrition".into());
        } else if metric.chars().count() > MAX_METRIC_CHARS {
            refuse(format!(
                "the metric is longer than {MAX_METRIC_CHARS} characters"
            ));
        } else if metric.chars().any(char::is_control) {
            refuse("the metric contains a control character".into());
        }
        let value = match cell(3).replace(',', ".").parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                refuse(format!("the value {:?} is not a number", cell(3)));
                None
            }
        };
        let (Some(period), Some(value)) = (period, value) else {
            continue;
        };
        if team.is_empty() || metric.is_empty() {
            continue;
        }
        let metric_key = metric.to_lowercase();
        match kind_of.get(&metric_key) {
            Some((first, first_at)) if !first.same_kind(period) => {
                refuse(format!(
                    "{metric:?} has {period} here and {first} on line {first_at}: keep one kind of period (years, quarters or months) per metric"
                ));
                continue;
            }
            Some(_) => {}
            None => {
                kind_of.insert(metric_key.clone(), (period, line));
            }
        }
        if let Some(earlier) = first_line.insert((team.to_lowercase(), period, metric_key), line) {
            refuse(format!(
                "{team} already has {metric} for {period} on line {earlier}"
            ));
            continue;
        }
        rows.push(OutcomeRow {
            line,
            team,
            period,
            metric,
            value,
        });
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(RowProblem {
            line: 2,
            message: "the file has a header but no figures".into(),
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        let total = problems.len();
        problems.truncate(MAX_REPORTED);
        Err(ImportRefused { problems, total })
    }
}

/// One team's point in an association: its Trust Index (as shown on the heatmap) and outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamPoint {
    /// The team.
    pub team: String,
    /// The team's Trust Index, 0–100.
    pub trust: f64,
    /// The outcome's value.
    pub outcome: f64,
}

/// The association across teams between trust and an outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutcomeAssociation {
    /// Pearson's r with its 95% interval over the teams: an association, not a cause.
    Shown {
        /// The correlation.
        correlation: Correlation,
        /// The teams, by name.
        points: Vec<TeamPoint>,
    },
    /// Fewer than [`MIN_TEAMS`] teams have both a shown Trust Index and the outcome.
    TooFewTeams {
        /// Teams with both.
        n: usize,
    },
    /// The figures do not vary.
    NoVariation {
        /// Teams with both.
        n: usize,
    },
}

/// The association over `points` (one per team with both figures).
pub fn associate(points: Vec<TeamPoint>) -> OutcomeAssociation {
    let n = points.len();
    if n < MIN_TEAMS {
        return OutcomeAssociation::TooFewTeams { n };
    }
    let trust: Vec<f64> = points.iter().map(|p| p.trust).collect();
    let outcome: Vec<f64> = points.iter().map(|p| p.outcome).collect();
    match stats::pearson(&trust, &outcome, 0.95) {
        Ok(correlation) => OutcomeAssociation::Shown {
            correlation,
            points,
        },
        Err(_) => OutcomeAssociation::NoVariation { n },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teams(name: &str) -> bool {
        ["Platform", "Sales", "=Ops"].contains(&name)
    }

    #[test]
    fn periods_read_as_years_quarters_and_months_and_follow_each_other() {
        assert_eq!(Period::parse("2026"), Ok(Period::Year(2026)));
        assert_eq!(Period::parse("2026-Q3"), Ok(Period::Quarter(2026, 3)));
        assert_eq!(Period::parse("2026 q4"), Ok(Period::Quarter(2026, 4)));
        assert_eq!(Period::parse("2026-09"), Ok(Period::Month(2026, 9)));
        for bad in [
            "26", "2026-Q5", "2026-13", "2026-9", "Q3", "2026-Q", "2026-Q03", "x",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Period::Quarter(2026, 4).next(), Period::Quarter(2027, 1));
        assert_eq!(Period::Month(2026, 12).next(), Period::Month(2027, 1));
        assert_eq!(Period::Year(2026).next().to_string(), "2027");
        assert_eq!(Period::Month(2026, 3).to_string(), "2026-03");
        assert!(Period::Quarter(2026, 1) < Period::Quarter(2026, 2));
    }

    #[test]
    fn a_clean_file_reads_every_figure_with_its_line() {
        let file = "team,period,metric,value\nPlatform,2026-Q1,attrition,4.5\nSales,2026-Q1,attrition,\"7,25\"\r\n\n=Ops,2026-Q2,attrition,-1\n";
        let rows = parse_outcomes_csv(file.as_bytes(), teams).expect("clean");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].value, 7.25);
        assert_eq!(rows[2].line, 5, "a blank line still counts");
        assert_eq!(rows[2].team, "=Ops");
    }

    #[test]
    fn every_problem_is_reported_with_its_line_and_nothing_is_kept() {
        let file = "team,period,metric,value\n\
            Nowhere,2026-Q1,attrition,4\n\
            Platform,2026-Q9,attrition,4\n\
            Platform,2026-Q1,,4\n\
            Platform,2026-Q1,attrition,lots\n\
            Sales,2026-Q1,attrition,1\n\
            Sales,2026-Q1,Attrition,2\n\
            Sales,2026-03,attrition,2\n";
        let refused = parse_outcomes_csv(file.as_bytes(), teams).expect_err("refused");
        let lines: Vec<u64> = refused.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 7, 8], "{refused}");
        let text = refused.to_string();
        assert!(text.contains("no team is called \"Nowhere\""), "{text}");
        assert!(
            text.contains("already has Attrition for 2026-Q1 on line 6"),
            "{text}"
        );
        assert!(text.contains("keep one kind of period"), "{text}");
    }

    #[test]
    fn a_file_without_its_columns_or_figures_says_what_it_needs() {
        let missing = parse_outcomes_csv(b"team,period,value\nPlatform,2026,1\n", teams)
            .expect_err("refused");
        assert!(missing.to_string().contains("\"metric\" is missing"));
        let empty = parse_outcomes_csv(b"team,period,metric,value\n", teams).expect_err("refused");
        assert!(empty.to_string().contains("no figures"));
        let blank = parse_outcomes_csv(b"", teams).expect_err("refused");
        assert!(blank.to_string().contains("team,period,metric,value"));
    }

    #[test]
    fn an_association_needs_enough_teams_and_figures_that_vary() {
        let point = |n: usize, trust: f64, outcome: f64| TeamPoint {
            team: format!("T{n}"),
            trust,
            outcome,
        };
        let few: Vec<TeamPoint> = (0..MIN_TEAMS - 1)
            .map(|n| point(n, n as f64, 1.0))
            .collect();
        assert_eq!(
            associate(few),
            OutcomeAssociation::TooFewTeams { n: MIN_TEAMS - 1 }
        );
        let flat: Vec<TeamPoint> = (0..6).map(|n| point(n, n as f64, 3.0)).collect();
        assert_eq!(associate(flat), OutcomeAssociation::NoVariation { n: 6 });
        let falling: Vec<TeamPoint> = (0..6)
            .map(|n| {
                point(
                    n,
                    50.0 + n as f64 * 5.0,
                    12.0 - n as f64 * 1.5 + (n % 2) as f64,
                )
            })
            .collect();
        match associate(falling) {
            OutcomeAssociation::Shown {
                correlation,
                points,
            } => {
                assert_eq!(points.len(), 6);
                assert!(correlation.r < -0.9, "{correlation:?}");
                assert!(
                    correlation.interval.0 < correlation.r
                        && correlation.r < correlation.interval.1
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
