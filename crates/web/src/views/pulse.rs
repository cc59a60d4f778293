//! How pulse figures read on a page: rounds as words and numbers, comparisons with their test,
//! alerts with their lessons, and the trend chart as an inline SVG with its interval band.

use crate::exports::{Cell, Column};
use trustloop_app::pulse::{Comparison, RoundFigure, TeamAlert, change_lesson, lesson_for};
use trustloop_domain::pulse::{PulseMeasure, Shown};
use trustloop_storage::{PulseEvent, RoundStatus};

/// A score on the page: rounded to whole points.
fn points(value: f64) -> String {
    format!("{value:.0}")
}

/// One round as a row of the table under the chart.
pub struct RoundRow {
    /// The round's number, from 1 as people count.
    pub number: u32,
    /// Its first day.
    pub opens: String,
    /// Answered of invited, as a percentage, when anyone was asked.
    pub response: String,
    /// The Trust Index with its interval, or why there is none.
    pub trust_index: String,
    /// Each element's score with its interval, in order.
    pub elements: Vec<String>,
    /// Whether numbers are shown.
    pub shown: bool,
}

/// Why a round shows no numbers, in words; `None` when it shows them.
pub fn why_not(figure: &RoundFigure) -> Option<String> {
    match (figure.status, figure.shown) {
        (RoundStatus::Open, _) => Some(format!("open until {}", figure.dates.closes)),
        (RoundStatus::Missed, _) => Some("missed: no server opened it in time".into()),
        (_, Some(Shown::Yes)) => None,
        (_, Some(Shown::NotEnoughAnswers)) => Some("not enough answers".into()),
        (_, Some(Shown::WouldSingleOut { smallest })) => Some(format!(
            "withheld: with the figures shown before, it would single out {smallest} \
             people (who joined or left, or are in no team shown)"
        )),
        (_, None) => Some("not decided yet".into()),
    }
}

/// A measure's score with its interval, as the table reads it.
pub fn with_interval(figure: &RoundFigure, measure: PulseMeasure) -> String {
    let Some(score) = figure.scores.as_ref().and_then(|s| s.scores.get(&measure)) else {
        return "–".into();
    };
    match score.interval {
        Some((low, high)) => format!("{} ({}–{})", points(score.mean), points(low), points(high)),
        None => points(score.mean),
    }
}

impl RoundRow {
    /// The row of `figure`.
    pub fn of(figure: &RoundFigure) -> RoundRow {
        let shown = figure.scores.is_some();
        RoundRow {
            number: figure.dates.index + 1,
            opens: figure.dates.opens.to_string(),
            response: if figure.invited == 0 || figure.status == RoundStatus::Missed {
                "–".into()
            } else {
                format!(
                    "{}% ({} of {})",
                    figure.answered * 100 / figure.invited,
                    figure.answered,
                    figure.invited
                )
            },
            trust_index: match why_not(figure) {
                Some(why) => why,
                None => with_interval(figure, PulseMeasure::TrustIndex),
            },
            elements: PulseMeasure::ALL[1..]
                .iter()
                .map(|m| {
                    if shown {
                        with_interval(figure, *m)
                    } else {
                        "–".into()
                    }
                })
                .collect(),
            shown,
        }
    }
}

/// One measure's change between two rounds.
pub struct ChangeLine {
    /// The measure.
    pub measure: &'static str,
    /// Before → after.
    pub scores: String,
    /// The difference with its 95% interval.
    pub difference: String,
    /// The test's p-value.
    pub p_value: String,
    /// The smallest change these answers could detect.
    pub detectable: String,
    /// The verdict.
    pub verdict: &'static str,
}

/// Two rounds compared.
pub struct ComparisonView {
    /// "Round 3 → round 5".
    pub title: String,
    /// Each measure.
    pub lines: Vec<ChangeLine>,
}

impl ComparisonView {
    /// The view of `comparison`.
    pub fn of(comparison: &Comparison) -> ComparisonView {
        ComparisonView {
            title: format!(
                "Round {} → round {}",
                comparison.before + 1,
                comparison.after + 1
            ),
            lines: comparison
                .rows
                .iter()
                .map(|(measure, row)| ChangeLine {
                    measure: measure.label(),
                    scores: format!("{} → {}", points(row.before), points(row.after)),
                    difference: format!(
                        "{:+.1} ({:+.1} to {:+.1})",
                        row.test.difference, row.test.ci.0, row.test.ci.1
                    ),
                    p_value: format!("{:.3}", row.test.p_value),
                    detectable: row.detectable.map_or("–".into(), |d| format!("{d:.1}")),
                    verdict: match (row.is_real(), row.test.difference > 0.0) {
                        (false, _) => "within the noise",
                        (true, true) => "a real rise",
                        (true, false) => "a real fall",
                    },
                })
                .collect(),
        }
    }
}

/// An alert as a page shows it.
pub struct AlertView {
    /// "Blue team, Weekly pulse, round 7".
    pub title: String,
    /// The trend page.
    pub href: String,
    /// What fell, with the change.
    pub fell: Vec<String>,
    /// (lesson address, element) for each element that fell.
    pub lessons: Vec<(&'static str, &'static str)>,
}

impl AlertView {
    /// The view of `alert`.
    pub fn of(alert: &TeamAlert) -> AlertView {
        AlertView {
            title: format!(
                "{}, {}, round {}",
                alert.team.name,
                alert.series_name,
                alert.round + 1
            ),
            href: format!("/pulse/{}/teams/{}", alert.series, alert.team.id),
            fell: alert
                .alert
                .fell
                .iter()
                .map(|(m, row)| {
                    format!(
                        "{} fell {:.1} points ({} → {})",
                        m.label(),
                        -row.test.difference,
                        points(row.before),
                        points(row.after)
                    )
                })
                .collect(),
            lessons: alert
                .alert
                .elements()
                .into_iter()
                .map(|e| (lesson_for(e), e.label()))
                .collect(),
        }
    }
}

/// An event as the trend page lists it.
pub struct EventLine {
    /// Its day.
    pub on: String,
    /// Its kind, in words.
    pub kind: &'static str,
    /// Its note.
    pub note: String,
    /// The rounds around it compared, when both are shown.
    pub around: Option<ComparisonView>,
    /// The lesson on trust in times of change.
    pub lesson: &'static str,
}

impl EventLine {
    /// The line of `event`.
    pub fn of(event: &PulseEvent, around: Option<&Comparison>) -> EventLine {
        EventLine {
            on: event.on.to_string(),
            kind: event.kind.label(),
            note: event.note.clone(),
            around: around.map(ComparisonView::of),
            lesson: change_lesson(),
        }
    }
}

/// The trend chart's geometry, in the SVG's own units.
pub struct Chart {
    /// The view box's width.
    pub width: u32,
    /// The view box's height.
    pub height: u32,
    /// The interval band as polygon points (empty without two shown rounds).
    pub band: String,
    /// The Trust Index line as polyline points.
    pub line: String,
    /// Each shown round's dot: x, y and its words for a tooltip.
    pub dots: Vec<(String, String, String)>,
    /// Rounds closed without a number: x and why.
    pub gaps: Vec<(String, String)>,
    /// Events: x and label.
    pub events: Vec<(String, String)>,
    /// Horizontal guides: y and the score they mark.
    pub guides: Vec<(String, u32)>,
}

/// Margins and size of the chart.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 36.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 24.0;

impl Chart {
    /// The Trust Index chart of `rounds` (handled rounds, oldest first) with `events`.
    pub fn of(rounds: &[RoundFigure], events: &[&PulseEvent]) -> Chart {
        Chart::of_measure(rounds, events, PulseMeasure::TrustIndex)
    }

    /// The chart of `measure` over `rounds` (handled rounds, oldest first) with `events`.
    pub fn of_measure(
        rounds: &[RoundFigure],
        events: &[&PulseEvent],
        measure: PulseMeasure,
    ) -> Chart {
        let first = rounds.first().map(|r| r.dates.opens);
        let last = rounds.last().map(|r| r.dates.opens);
        let span = match (first, last) {
            (Some(a), Some(b)) => ((b - a).whole_days().max(1)) as f64,
            _ => 1.0,
        };
        let x_of = |day: time::Date| -> f64 {
            let from = first.map_or(0.0, |f| (day - f).whole_days() as f64);
            LEFT + (from / span).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
        };
        let y_of =
            |score: f64| TOP + (1.0 - score.clamp(0.0, 100.0) / 100.0) * (HEIGHT - TOP - BOTTOM);
        let fmt = |v: f64| format!("{v:.1}");
        let mut upper = Vec::new();
        let mut lower = Vec::new();
        let mut line = Vec::new();
        let mut dots = Vec::new();
        let mut gaps = Vec::new();
        for round in rounds {
            let x = x_of(round.dates.opens);
            match round.scores.as_ref().and_then(|s| s.scores.get(&measure)) {
                Some(score) => {
                    let y = y_of(score.mean);
                    line.push(format!("{},{}", fmt(x), fmt(y)));
                    if let Some((low, high)) = score.interval {
                        upper.push(format!("{},{}", fmt(x), fmt(y_of(high))));
                        lower.push(format!("{},{}", fmt(x), fmt(y_of(low))));
                    }
                    dots.push((
                        fmt(x),
                        fmt(y),
                        format!("Round {}: {}", round.dates.index + 1, points(score.mean)),
                    ));
                }
                None if round.status == RoundStatus::Closed => {
                    gaps.push((fmt(x), why_not(round).unwrap_or_default()));
                }
                None => {}
            }
        }
        lower.reverse();
        let band = if upper.len() >= 2 {
            upper.into_iter().chain(lower).collect::<Vec<_>>().join(" ")
        } else {
            String::new()
        };
        Chart {
            width: WIDTH as u32,
            height: HEIGHT as u32,
            band,
            line: line.join(" "),
            dots,
            gaps,
            events: events
                .iter()
                .map(|e| (fmt(x_of(e.on)), format!("{}: {}", e.on, e.kind.label())))
                .collect(),
            guides: [0u32, 25, 50, 75, 100]
                .into_iter()
                .map(|v| (fmt(y_of(f64::from(v))), v))
                .collect(),
        }
    }
}

/// The columns of a team trend's download: the round, its answers, then each measure's score
/// with the ends of its 95% interval, and why a round shows no numbers.
pub const TREND_COLUMNS: [Column; 20] = [
    Column::new("Round", "the round's number, from 1"),
    Column::new("Opened", "the round's first day"),
    Column::new(
        "Answered",
        "members who answered; empty when nobody was asked",
    ),
    Column::new("Invited", "members asked; empty when nobody was asked"),
    Column::new(
        "Trust Index",
        "mean on 0-100, whole points as shown; empty when not shown",
    ),
    Column::new("Trust Index low", "lower end of the 95% interval"),
    Column::new("Trust Index high", "upper end of the 95% interval"),
    Column::new(
        "Relationships",
        "mean on 0-100, whole points as shown; empty when not shown",
    ),
    Column::new("Relationships low", "lower end of the 95% interval"),
    Column::new("Relationships high", "upper end of the 95% interval"),
    Column::new(
        "Judgement",
        "mean on 0-100, whole points as shown; empty when not shown",
    ),
    Column::new("Judgement low", "lower end of the 95% interval"),
    Column::new("Judgement high", "upper end of the 95% interval"),
    Column::new(
        "Consistency",
        "mean on 0-100, whole points as shown; empty when not shown",
    ),
    Column::new("Consistency low", "lower end of the 95% interval"),
    Column::new("Consistency high", "upper end of the 95% interval"),
    Column::new(
        "Overall trust",
        "mean on 0-100, whole points as shown; empty when not shown",
    ),
    Column::new("Overall trust low", "lower end of the 95% interval"),
    Column::new("Overall trust high", "upper end of the 95% interval"),
    Column::new("Note", "why a round shows no numbers, as the page says"),
];

impl RoundRow {
    /// `figure`'s cells in a download, in the order of [`TREND_COLUMNS`]: the same rounding
    /// and the same withholding as the page's row.
    pub fn download(figure: &RoundFigure) -> Vec<Cell> {
        let asked = figure.invited > 0 && figure.status != RoundStatus::Missed;
        let count = |n: u32| {
            if asked {
                Cell::shown(&n.to_string())
            } else {
                Cell::Empty
            }
        };
        let mut cells = vec![
            Cell::shown(&(figure.dates.index + 1).to_string()),
            Cell::text(figure.dates.opens.to_string()),
            count(figure.answered),
            count(figure.invited),
        ];
        let shown = why_not(figure).is_none();
        for measure in PulseMeasure::ALL {
            let score = figure
                .scores
                .as_ref()
                .filter(|_| shown)
                .and_then(|s| s.scores.get(&measure));
            let number =
                |value: Option<f64>| value.map_or(Cell::Empty, |v| Cell::shown(&points(v)));
            cells.push(number(score.map(|s| s.mean)));
            cells.push(number(score.and_then(|s| s.interval).map(|i| i.0)));
            cells.push(number(score.and_then(|s| s.interval).map(|i| i.1)));
        }
        cells.push(why_not(figure).map_or(Cell::Empty, Cell::text));
        cells
    }
}
