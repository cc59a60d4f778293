//! View models: what templates show, computed and formatted in Rust so templates only lay out.

use trustloop_domain::instrument::{Instrument, Measures};
use trustloop_domain::model::{Element, RaterGroup};
use trustloop_domain::rating::Rating;
use trustloop_domain::report::{ChangeRow, ReliabilityBasis, Report, ScoreRow};
use trustloop_domain::scoring::{Reliability, Score};
use trustloop_domain::stats::SelfOtherGap;

/// A moment in Unix seconds as pages show it: `2026-03-01 09:30:00 UTC`.
pub fn utc_time(at: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// Width of a score chart's drawing area in SVG units (0–100 maps onto it).
const CHART_WIDTH: f64 = 300.0;

/// One score as a table cell.
#[derive(Debug, Clone)]
pub struct ScoreCell {
    /// The mean, rounded.
    pub mean: String,
    /// The 95% interval, or a dash.
    pub interval: String,
    /// How many raters.
    pub n: usize,
    /// The reliability word.
    pub reliability: &'static str,
    /// A CSS class for the reliability word.
    pub reliability_class: &'static str,
    /// What the reliability word means.
    pub explanation: &'static str,
    /// How many more raters would make it solid, in words ("" when solid).
    pub more_raters: String,
    /// The reliability of the mean, to two decimals.
    pub reliability_value: String,
}

impl ScoreCell {
    fn from(score: &Score) -> ScoreCell {
        ScoreCell {
            mean: format!("{:.0}", score.mean),
            interval: score
                .interval
                .map_or("–".to_string(), |(lo, hi)| format!("{lo:.0}–{hi:.0}")),
            n: score.n,
            reliability: score.reliability.label(),
            reliability_class: match score.reliability {
                Reliability::Solid => "rel-solid",
                Reliability::Indicative => "rel-indicative",
                Reliability::TooFewAnswers => "rel-few",
            },
            explanation: score.reliability.explanation(),
            more_raters: match score.more_raters_for_solid {
                0 => String::new(),
                1 => "1 more rater would make it solid".into(),
                n => format!("{n} more raters would make it solid"),
            },
            reliability_value: format!("{:.2}", score.reliability_coefficient),
        }
    }
}

/// A horizontal bar with its confidence whisker and the self marker, in SVG units.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Width of the bar (the mean).
    pub bar: String,
    /// Whisker start and end, if there is an interval.
    pub whisker: Option<(String, String)>,
    /// Where the leader's own score sits, if they rated themselves.
    pub self_x: Option<String>,
    /// Text for screen readers.
    pub description: String,
}

fn x(score: f64) -> String {
    format!("{:.1}", score.clamp(0.0, 100.0) / 100.0 * CHART_WIDTH)
}

/// A row of the score table (Trust Index or an element).
#[derive(Debug, Clone)]
pub struct ScoreRowView {
    /// The row's name.
    pub label: &'static str,
    /// What it measures.
    pub description: &'static str,
    /// The element's slug, or "trust_index".
    pub slug: &'static str,
    /// All raters but the leader.
    pub others: Option<ScoreCell>,
    /// One cell per shown group column.
    pub by_group: Vec<Option<ScoreCell>>,
    /// Per cell of `by_group`, whether it is withheld because fewer than the group minimum of
    /// its people could rate the measure.
    pub withheld: Vec<bool>,
    /// The leader's own score.
    pub self_score: Option<String>,
    /// Self against others in words.
    pub gap: &'static str,
    /// A CSS class for the gap.
    pub gap_class: &'static str,
    /// The chart.
    pub chart: Option<BarChart>,
    /// Where the score stands among the campaign's leaders, in words ("" when not shown).
    pub percentile: String,
}

fn row_view(row: &ScoreRow, columns: &[RaterGroup]) -> ScoreRowView {
    let (label, description, slug) = match row.element {
        Some(e) => (e.label(), e.description(), e.slug()),
        None => (
            "Trust Index",
            "Overall trust, weighing relationships 40%, judgement 30% and consistency 30%.",
            "trust_index",
        ),
    };
    let by_group = row
        .by_group
        .iter()
        .zip(columns)
        .map(|(score, group)| {
            // Self is shown in its own column, not as a group score.
            if *group == RaterGroup::SelfRating {
                None
            } else {
                score.as_ref().map(ScoreCell::from)
            }
        })
        .collect();
    let chart = row.others.as_ref().map(|o| BarChart {
        bar: x(o.mean),
        whisker: o.interval.map(|(lo, hi)| (x(lo), x(hi))),
        self_x: row.self_score.map(x),
        description: format!(
            "{label}: others {:.0} out of 100{}{}",
            o.mean,
            o.interval
                .map(|(lo, hi)| format!(", 95% interval {lo:.0} to {hi:.0}"))
                .unwrap_or_default(),
            row.self_score
                .map(|s| format!("; your own rating {s:.0}"))
                .unwrap_or_default()
        ),
    });
    let (gap, gap_class) = match row.gap {
        SelfOtherGap::BlindSpot => (
            "Blind spot: you rate yourself higher than others do",
            "gap-blind",
        ),
        SelfOtherGap::HiddenStrength => (
            "Hidden strength: others rate you higher than you do",
            "gap-hidden",
        ),
        SelfOtherGap::Aligned => ("In line with how others see you", "gap-aligned"),
        SelfOtherGap::Unknown => ("", ""),
    };
    ScoreRowView {
        label,
        description,
        slug,
        others: row.others.as_ref().map(ScoreCell::from),
        by_group,
        withheld: row.withheld.clone(),
        self_score: row.self_score.map(|s| format!("{s:.0}")),
        gap,
        gap_class,
        chart,
        percentile: row.percentile.map_or(String::new(), |p| {
            format!("Higher than {p:.0}% of the leaders in this campaign")
        }),
    }
}

/// One segment of an item's answer distribution.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Left edge in SVG units.
    pub x: String,
    /// Width in SVG units.
    pub width: String,
    /// CSS class for the point.
    pub class: String,
    /// The count.
    pub count: usize,
}

/// An item with its distribution.
#[derive(Debug, Clone)]
pub struct ItemView {
    /// The item's code.
    pub code: String,
    /// The wording.
    pub text: String,
    /// The element or "Overall".
    pub measures: &'static str,
    /// Others' mean on 0–100, or a dash.
    pub mean: String,
    /// Raters who gave a point.
    pub n: usize,
    /// Raters who chose "can't say".
    pub cant_say: usize,
    /// The distribution as segments.
    pub segments: Vec<Segment>,
    /// The distribution in words for screen readers.
    pub distribution_text: String,
    /// The leader's own answer.
    pub self_rating: String,
    /// Whether the statement's figures are withheld (fewer than the group minimum rated it).
    pub withheld: bool,
}

/// A column header of the group table.
#[derive(Debug, Clone)]
pub struct ColumnView {
    /// The group label.
    pub label: String,
    /// How many answered.
    pub n: u32,
    /// How closely the group agreed, in words with the index ("" when not computed).
    pub agreement: String,
}

/// One measure's change since the previous campaign.
#[derive(Debug, Clone)]
pub struct ChangeView {
    /// The measure.
    pub label: &'static str,
    /// Before and after, rounded.
    pub before: String,
    /// After.
    pub after: String,
    /// The difference with its interval, signed.
    pub difference: String,
    /// Whether it is more than noise, in words.
    pub verdict: &'static str,
    /// CSS class for the verdict.
    pub verdict_class: &'static str,
    /// The smallest change these raters could show, in words.
    pub detectable: String,
}

/// Three things to try for an element.
pub fn actions_for(element: Element) -> [&'static str; 3] {
    match element {
        Element::Relationships => [
            "Hold a short one-to-one with each person in your team this month and ask what gets in their way.",
            "When you give feedback, describe the situation, the behaviour and its impact, then ask for their view.",
            "Before a decision that affects people, ask one of them how it will land.",
        ],
        Element::Judgement => [
            "Write down the facts and the options before your next important decision, and share them.",
            "Name the stakeholders of a decision and ask one you rarely hear from for their view.",
            "Say openly where your knowledge ends and who you will ask.",
        ],
        Element::Consistency => [
            "Make fewer promises and write each one down with a date.",
            "When you cannot keep a commitment, say so before it is due and agree a new date.",
            "Explain the reasons behind your decisions, including the ones people will not like.",
        ],
    }
}

/// The whole report page.
#[derive(Debug, Clone)]
pub struct ReportView {
    /// Group columns (except self).
    pub columns: Vec<ColumnView>,
    /// Whether the leader rated themselves.
    pub has_self: bool,
    /// Trust Index then elements.
    pub rows: Vec<ScoreRowView>,
    /// Every item.
    pub items: Vec<ItemView>,
    /// Highest-rated items.
    pub highest: Vec<ItemView>,
    /// Lowest-rated items.
    pub lowest: Vec<ItemView>,
    /// Comments by question, when shown.
    pub comments: Option<Vec<trustloop_domain::report::CommentBlock>>,
    /// Why comments are not shown, when they are not.
    pub comments_withheld: Option<String>,
    /// A sentence about merged groups.
    pub merged_note: Option<String>,
    /// A sentence about hidden groups.
    pub hidden_note: Option<String>,
    /// The suggested focus element.
    pub focus: Option<(Element, [&'static str; 3])>,
    /// All responses counted (others).
    pub others_n: u32,
    /// Where the reliability words come from, in words.
    pub basis: String,
    /// The previous campaign's name and the changes since, if any.
    pub change: Option<(String, Vec<ChangeView>)>,
}

/// A whole number with its sign, without "-0".
fn signed(value: f64) -> String {
    let rounded = value.round();
    if rounded == 0.0 {
        "0".into()
    } else {
        format!("{rounded:+.0}")
    }
}

fn change_view(row: &ChangeRow) -> ChangeView {
    let (lo, hi) = row.test.ci;
    let (verdict, verdict_class) = match (row.is_real(), row.test.difference > 0.0) {
        (true, true) => ("a real rise", "gap-hidden"),
        (true, false) => ("a real fall", "gap-blind"),
        (false, _) => ("within the noise", "gap-aligned"),
    };
    ChangeView {
        label: row.element.map_or("Trust Index", |e| e.label()),
        before: format!("{:.0}", row.before),
        after: format!("{:.0}", row.after),
        difference: format!(
            "{} (range {} to {})",
            signed(row.test.difference),
            signed(lo),
            signed(hi)
        ),
        verdict,
        verdict_class,
        detectable: row
            .detectable
            .map_or(String::new(), |d| format!("changes smaller than about {d:.0} points cannot be told from noise with these raters")),
    }
}

fn group_list(groups: &[RaterGroup]) -> String {
    groups
        .iter()
        .map(|g| g.label().to_lowercase())
        .collect::<Vec<_>>()
        .join(" and ")
}

impl ReportView {
    /// Lays out a computed report.
    pub fn new(
        report: &Report,
        instrument: &Instrument,
        min_comments: u32,
        change: Option<(&trustloop_storage::Campaign, &[ChangeRow])>,
    ) -> ReportView {
        let columns_all = &report.columns;
        let columns = report
            .plan
            .shown
            .iter()
            .zip(&report.agreement)
            .filter(|(g, _)| g.label != RaterGroup::SelfRating)
            .map(|(g, agreement)| ColumnView {
                agreement: agreement.map_or(String::new(), |a| {
                    let index = a
                        .awg_j
                        .map(|v| format!("awg {v:.2}"))
                        .or(a.rwg_j.map(|v| format!("rwg {v:.2}")))
                        .unwrap_or_default();
                    format!("{} agreement ({index})", a.label())
                }),
                label: if g.members.len() > 1 {
                    format!(
                        "Others (incl. {})",
                        group_list(&g.members[..g.members.len() - 1])
                    )
                } else {
                    g.label.label().to_string()
                },
                n: g.respondents,
            })
            .collect();
        let mut rows = vec![row_view(&report.trust_index, columns_all)];
        rows.extend(report.elements.iter().map(|r| row_view(r, columns_all)));
        for row in &mut rows {
            // Drop the self column's empty cell so cells line up with `columns`.
            let cells = std::mem::take(&mut row.by_group);
            row.by_group = cells
                .into_iter()
                .zip(columns_all)
                .filter(|(_, g)| **g != RaterGroup::SelfRating)
                .map(|(c, _)| c)
                .collect();
            let withheld = std::mem::take(&mut row.withheld);
            row.withheld = withheld
                .into_iter()
                .zip(columns_all)
                .filter(|(_, g)| **g != RaterGroup::SelfRating)
                .map(|(w, _)| w)
                .collect();
        }
        let items: Vec<ItemView> = report
            .items
            .iter()
            .map(|item| {
                let total: usize = item.distribution.iter().sum();
                let mut left = 0.0;
                let segments = item
                    .distribution
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(|(i, count)| {
                        let width = *count as f64 / total.max(1) as f64 * CHART_WIDTH;
                        let seg = Segment {
                            x: format!("{left:.1}"),
                            width: format!("{width:.1}"),
                            class: format!("p{}", i + 1),
                            count: *count,
                        };
                        left += width;
                        seg
                    })
                    .collect();
                let labels = &instrument.scale.labels;
                let distribution_text = item
                    .distribution
                    .iter()
                    .zip(labels)
                    .map(|(c, l)| format!("{l}: {c}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                ItemView {
                    code: item.code.clone(),
                    text: item.text.clone(),
                    measures: match item.measures {
                        Measures::Element(e) => e.label(),
                        Measures::Overall => "Overall",
                    },
                    mean: item.others_mean.map_or("–".into(), |m| format!("{m:.0}")),
                    withheld: item.withheld,
                    n: item.n,
                    cant_say: item.cant_say,
                    segments,
                    distribution_text,
                    self_rating: match item.self_rating {
                        Some(Rating::Score(p)) => p.to_string(),
                        Some(Rating::CantSay) => instrument.scale.cant_say.clone(),
                        None => "–".into(),
                    },
                }
            })
            .collect();
        let pick = |codes: &[String]| {
            codes
                .iter()
                .filter_map(|c| items.iter().find(|i| &i.code == c).cloned())
                .collect::<Vec<_>>()
        };
        let anonymous = report.plan.anonymous_respondents();
        ReportView {
            columns,
            has_self: report.columns.contains(&RaterGroup::SelfRating),
            highest: pick(&report.highest),
            lowest: pick(&report.lowest),
            rows,
            items,
            comments_withheld: report.comments.is_none().then(|| {
                format!(
                    "Comments are shown once at least {min_comments} people other than you and your manager have answered ({anonymous} so far), so that nobody can be recognised by what they wrote."
                )
            }),
            comments: report.comments.clone(),
            merged_note: (!report.plan.merged.is_empty()).then(|| {
                format!(
                    "Fewer than the minimum number of {} answered, so their answers are counted under \"Others\".",
                    group_list(&report.plan.merged)
                )
            }),
            hidden_note: (!report.plan.hidden.is_empty()).then(|| {
                format!(
                    "Too few {} answered to be shown without identifying them, so their answers are not included anywhere in this report.",
                    group_list(&report.plan.hidden)
                )
            }),
            focus: report.focus.map(|e| (e, actions_for(e))),
            others_n: report.plan.others_respondents(),
            basis: match report.basis {
                ReliabilityBasis::Campaign { icc1, leaders } => format!(
                    "Reliability is judged from how consistently raters in this campaign rate the same leader (ICC(1) = {icc1:.2} across {leaders} leaders): a score is solid when the mean of its raters reaches a reliability of .70."
                ),
                ReliabilityBasis::Research => "Reliability is judged from research on 360 ratings, where one rater's view has a reliability of about .19, so about 10 raters are needed for a solid score (reliability .70).".to_string(),
            },
            change: change.map(|(previous, rows)| {
                (
                    previous.name.clone(),
                    rows.iter().map(change_view).collect(),
                )
            }),
        }
    }
}

/// A mean on 0–100 as a heatmap cell: the number, and its colour band's class.
pub fn heat_cell(mean: Option<f64>) -> (String, String) {
    match mean {
        // Five bands for the colour, so the table reads at a glance; the number is always shown.
        Some(m) => (
            format!("{m:.0}"),
            format!("heat{}", ((m / 20.0).floor() as i64).clamp(0, 4)),
        ),
        None => ("–".into(), "heat-none".into()),
    }
}
