//! The report page's layout, made from [`ReportFigures`]: the page shows only what the figures
//! hold, so the API (which returns the figures) carries every number on the page. Each figure's
//! element names its JSON pointer in the figures (`ptr`) for the page's `data-testid`.

use crate::figures::{ReportFigures, RowFigures, ScoreFigures, ShownChange, reliability_class};
use trustloop_domain::model::{Element, RaterGroup};

/// Width of a score chart's drawing area in SVG units (0–100 maps onto it).
const CHART_WIDTH: f64 = 300.0;

/// The Trust Index at the top of the report.
#[derive(Debug, Clone)]
pub struct Headline {
    /// The others' Trust Index, rounded.
    pub mean: String,
    /// The answer it lies nearest, in a sentence.
    pub words: String,
}

/// One element in the summary.
#[derive(Debug, Clone)]
pub struct Tile {
    /// The element's slug.
    pub slug: &'static str,
    /// Its name.
    pub label: &'static str,
    /// The others' score, rounded, if any.
    pub mean: Option<String>,
    /// The answer it lies nearest, in words.
    pub words: String,
}

/// How sure the report is, in one sentence, from the Trust Index.
#[derive(Debug, Clone)]
pub struct Certainty {
    /// solid, indicative or too_few_answers.
    pub kind: String,
    /// Raters behind the Trust Index.
    pub n: usize,
    /// The interval's ends as shown, when there is one.
    pub range: Option<(String, String)>,
}

/// The others' score of a row as the page lays it out.
#[derive(Debug, Clone)]
pub struct OthersView {
    /// The mean, rounded.
    pub mean: String,
    /// The interval's ends, clipped and rounded.
    pub range: Option<(String, String)>,
    /// The reliability word.
    pub reliability: String,
    /// Its CSS class.
    pub class: &'static str,
    /// Raters.
    pub n: usize,
    /// The reliability of the mean, two decimals.
    pub coefficient: String,
    /// How many more raters would make it solid ("" when solid).
    pub more_raters: String,
}

impl OthersView {
    fn of(score: &ScoreFigures) -> OthersView {
        OthersView {
            mean: score.shown.mean.clone(),
            range: score
                .shown
                .interval
                .as_ref()
                .map(|[low, high]| (low.clone(), high.clone())),
            reliability: score.shown.reliability.clone(),
            class: reliability_class(&score.shown.reliability),
            n: score.n,
            coefficient: score.shown.reliability_coefficient.clone(),
            more_raters: score.shown.more_raters.clone(),
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

/// One group cell of the group table.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The JSON pointer of the cell's group score (`/rows/0/by_group/1`).
    pub ptr: String,
    /// score, answer (one identified person's answer), withheld or empty.
    pub kind: &'static str,
    /// The score, when there is one.
    pub others: Option<OthersView>,
}

/// A row of the report (the Trust Index or an element) as laid out.
#[derive(Debug, Clone)]
pub struct RowView {
    /// The JSON pointer of the row (`/rows/0`).
    pub ptr: String,
    /// The element's slug, or "trust_index".
    pub slug: &'static str,
    /// The row's name.
    pub label: &'static str,
    /// What it measures.
    pub description: &'static str,
    /// All raters but the leader.
    pub others: Option<OthersView>,
    /// The chart.
    pub chart: Option<BarChart>,
    /// The leader's own score, rounded.
    pub self_score: Option<String>,
    /// Self against others in words.
    pub gap: String,
    /// A CSS class for the gap.
    pub gap_class: &'static str,
    /// The percentile in words.
    pub percentile: Option<String>,
    /// The manager's answer and the pointer of its text, when the manager is one person.
    pub manager_answer: Option<(String, String)>,
    /// One cell per group column but self.
    pub cells: Vec<Cell>,
    /// Where its reliability comes from, in words.
    pub reliability_source: String,
}

/// The measures whose one-rater reliability comes from the same source, for the explanation.
#[derive(Debug, Clone)]
pub struct ReliabilityGroup {
    /// campaign, trust_index or research (as in the figures' `source`).
    pub source: String,
    /// The leaders the campaign's estimates rest on, with the pointer of that figure.
    pub leaders: Option<(usize, String)>,
    /// Each measure's name, one rater's reliability as shown and the pointer of that figure.
    pub measures: Vec<(&'static str, String, String)>,
}

/// A group column of the table (self left out: it has its own column).
#[derive(Debug, Clone)]
pub struct ColumnView {
    /// Its index in the figures' columns.
    pub index: usize,
    /// The heading.
    pub label: String,
    /// Respondents.
    pub n: u32,
    /// The agreement as (index name, value, word), when computed.
    pub agreement: Option<(String, String, String)>,
}

/// A segment of a statement's spread of answers.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Left edge in SVG units.
    pub x: String,
    /// Width in SVG units.
    pub width: String,
    /// CSS class for the point.
    pub class: String,
}

/// How many chose one answer, for the counts beside the spread.
#[derive(Debug, Clone)]
pub struct Count {
    /// The answer's index in the distribution (0 = lowest).
    pub point: usize,
    /// CSS class for the point.
    pub class: String,
    /// How many.
    pub count: usize,
    /// The answer's label.
    pub label: String,
}

/// A statement as laid out.
#[derive(Debug, Clone)]
pub struct ItemView {
    /// Its index in the figures' items.
    pub index: usize,
    /// The wording.
    pub text: String,
    /// The element or "Overall".
    pub measures: &'static str,
    /// Others' mean, rounded.
    pub mean: Option<String>,
    /// Raters who gave a point.
    pub n: usize,
    /// Raters who chose "can't say".
    pub cant_say: usize,
    /// The spread as segments, separated by gaps.
    pub segments: Vec<Segment>,
    /// The answers chosen at least once, with their counts.
    pub counts: Vec<Count>,
    /// The leader's own answer on 0–100, or the "can't say" label.
    pub self_score: Option<String>,
    /// Whether the figures are withheld.
    pub withheld: bool,
}

/// One measure's change since the previous campaign.
#[derive(Debug, Clone)]
pub struct ChangeView {
    /// The JSON pointer of its shown figures (`/change/rows/0/shown`).
    pub ptr: String,
    /// The measure.
    pub label: &'static str,
    /// The figures as shown.
    pub shown: ShownChange,
    /// CSS class for the verdict.
    pub verdict_class: &'static str,
}

/// The whole report page.
#[derive(Debug, Clone)]
pub struct ReportView {
    /// The figures the page shows (what the API returns).
    pub f: ReportFigures,
    /// The Trust Index at the top.
    pub headline: Option<Headline>,
    /// The three elements at the top.
    pub tiles: Vec<Tile>,
    /// The one thing to work on, with its reason.
    pub focus: Option<(Element, [String; 3])>,
    /// How sure we are.
    pub certainty: Option<Certainty>,
    /// Group columns but self.
    pub columns: Vec<ColumnView>,
    /// Trust Index then elements.
    pub rows: Vec<RowView>,
    /// Every statement.
    pub items: Vec<ItemView>,
    /// Highest-rated statements.
    pub highest: Vec<ItemView>,
    /// Lowest-rated statements.
    pub lowest: Vec<ItemView>,
    /// A sentence about merged groups.
    pub merged_note: Option<String>,
    /// A sentence about hidden groups.
    pub hidden_note: Option<String>,
    /// Whether any group cell is withheld (the table then explains the asterisk).
    pub any_withheld: bool,
    /// The change rows.
    pub change: Vec<ChangeView>,
    /// The rows' one-rater reliabilities, grouped by where they come from.
    pub reliability_groups: Vec<ReliabilityGroup>,
}

fn group_words(slugs: &[String]) -> String {
    slugs
        .iter()
        .filter_map(|s| RaterGroup::from_slug(s))
        .map(|g| g.label().to_lowercase())
        .collect::<Vec<_>>()
        .join(" and ")
}

fn measure(slug: &str) -> (Option<Element>, &'static str, &'static str, &'static str) {
    match Element::from_slug(slug) {
        Some(e) => (Some(e), e.slug(), e.label(), e.description()),
        None => (
            None,
            "trust_index",
            "Trust Index",
            "Overall trust, weighing relationships 40%, judgement 30% and consistency 30%.",
        ),
    }
}

fn row_view(ptr: String, row: &RowFigures) -> RowView {
    let (_, slug, label, description) = measure(&row.measure);
    let chart = row.others.as_ref().map(|o| BarChart {
        bar: x(o.mean),
        whisker: o.interval.map(|[low, high]| (x(low), x(high))),
        self_x: row.self_score.map(x),
        description: format!(
            "{label}: others {} out of 100{}{}",
            o.shown.mean,
            o.shown
                .interval
                .as_ref()
                .map(|[low, high]| format!(", 95% range {low} to {high}"))
                .unwrap_or_default(),
            row.shown
                .self_score
                .as_ref()
                .map(|s| format!("; your own rating {s}"))
                .unwrap_or_default()
        ),
    });
    let gap_class = match row.gap.as_str() {
        "blind_spot" => "gap-blind",
        "hidden_strength" => "gap-hidden",
        _ => "gap-aligned",
    };
    let cells = row
        .by_group
        .iter()
        .enumerate()
        .filter(|(_, g)| g.group != RaterGroup::SelfRating.slug())
        .map(|(j, g)| Cell {
            ptr: format!("{ptr}/by_group/{j}"),
            kind: match (&g.score, g.withheld) {
                (Some(_), _) if g.answer => "answer",
                (Some(_), _) => "score",
                (None, true) => "withheld",
                (None, false) => "empty",
            },
            others: g.score.as_ref().map(OthersView::of),
        })
        .collect();
    let manager_answer = row
        .by_group
        .iter()
        .enumerate()
        .find(|(_, g)| g.answer && g.group == RaterGroup::Manager.slug())
        .and_then(|(j, g)| {
            g.score
                .as_ref()
                .map(|s| (s.shown.mean.clone(), format!("{ptr}/by_group/{j}")))
        });
    RowView {
        slug,
        label,
        description,
        others: row.others.as_ref().map(OthersView::of),
        chart,
        self_score: row.shown.self_score.clone(),
        gap: row.shown.gap.clone(),
        gap_class,
        percentile: row.shown.percentile.clone(),
        manager_answer,
        cells,
        reliability_source: row.reliability.shown.source.clone(),
        ptr,
    }
}

fn item_view(index: usize, f: &ReportFigures) -> Option<ItemView> {
    let item = f.items.get(index)?;
    let total: usize = item.distribution.iter().sum();
    // A gap of background between segments, so each is seen against the background.
    const GAP: f64 = 2.0;
    let shown: Vec<(usize, usize)> = item
        .distribution
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, c)| *c > 0)
        .collect();
    let gaps = shown.len().saturating_sub(1) as f64 * GAP;
    let mut left = 0.0;
    let segments = shown
        .iter()
        .map(|(i, count)| {
            let width = *count as f64 / total.max(1) as f64 * (CHART_WIDTH - gaps);
            let segment = Segment {
                x: format!("{left:.1}"),
                width: format!("{width:.1}"),
                class: format!("p{}", i + 1),
            };
            left += width + GAP;
            segment
        })
        .collect();
    let counts = shown
        .iter()
        .map(|(i, count)| Count {
            point: *i,
            class: format!("p{}", i + 1),
            count: *count,
            label: f.scale.labels.get(*i).cloned().unwrap_or_default(),
        })
        .collect();
    Some(ItemView {
        index,
        text: item.text.clone(),
        measures: Element::from_slug(&item.measures).map_or("Overall", |e| e.label()),
        mean: item.shown.mean.clone(),
        n: item.n,
        cant_say: item.cant_say,
        segments,
        counts,
        self_score: item.shown.self_score.clone(),
        withheld: item.withheld,
    })
}

/// The rows' one-rater reliabilities grouped by their source, in the order first met.
fn reliability_groups(f: &ReportFigures) -> Vec<ReliabilityGroup> {
    let mut groups: Vec<ReliabilityGroup> = Vec::new();
    for (i, row) in f.rows.iter().enumerate() {
        let ptr = format!("/rows/{i}/reliability");
        let entry = (
            measure(&row.measure).2,
            row.reliability.shown.single_rater.clone(),
            format!("{ptr}/shown/single_rater"),
        );
        match groups
            .iter_mut()
            .find(|g| g.source == row.reliability.source)
        {
            Some(group) => group.measures.push(entry),
            None => groups.push(ReliabilityGroup {
                source: row.reliability.source.clone(),
                leaders: row
                    .reliability
                    .leaders
                    .map(|l| (l, format!("{ptr}/leaders"))),
                measures: vec![entry],
            }),
        }
    }
    groups
}

impl ReportView {
    /// Lays out a report's figures.
    pub fn new(f: ReportFigures) -> ReportView {
        let rows: Vec<RowView> = f
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| row_view(format!("/rows/{i}"), r))
            .collect();
        let near = |answer: &Option<String>| {
            answer
                .as_ref()
                .map_or(String::new(), |a| format!("nearest “{a}”"))
        };
        let headline = f.rows.first().and_then(|r| {
            r.others.as_ref().map(|o| Headline {
                mean: o.shown.mean.clone(),
                words: r.shown.nearest_answer.as_ref().map_or(String::new(), |a| {
                    format!("On average, others' answers about you are nearest “{a}”.")
                }),
            })
        });
        let tiles = f
            .rows
            .iter()
            .skip(1)
            .map(|r| {
                let (_, slug, label, _) = measure(&r.measure);
                Tile {
                    slug,
                    label,
                    mean: r.others.as_ref().map(|o| o.shown.mean.clone()),
                    words: if r.others.is_some() {
                        near(&r.shown.nearest_answer)
                    } else {
                        "nobody rated this".into()
                    },
                }
            })
            .collect();
        let certainty = f
            .rows
            .first()
            .and_then(|r| r.others.as_ref())
            .map(|o| Certainty {
                kind: o.reliability.clone(),
                n: o.n,
                range: OthersView::of(o).range,
            });
        let columns = f
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.group != RaterGroup::SelfRating.slug())
            .map(|(index, c)| ColumnView {
                index,
                label: c.label.clone(),
                n: c.respondents,
                agreement: c
                    .agreement
                    .as_ref()
                    .map(|a| (a.index.clone(), a.shown.value.clone(), a.shown.word.clone())),
            })
            .collect();
        let items = (0..f.items.len())
            .filter_map(|i| item_view(i, &f))
            .collect();
        let pick = |codes: &[String]| {
            codes
                .iter()
                .filter_map(|c| f.items.iter().position(|i| &i.code == c))
                .filter_map(|i| item_view(i, &f))
                .collect::<Vec<_>>()
        };
        let change = f
            .change
            .iter()
            .flat_map(|c| c.rows.iter().enumerate())
            .map(|(index, r)| ChangeView {
                ptr: format!("/change/rows/{index}/shown"),
                label: measure(&r.measure).2,
                shown: r.shown.clone(),
                verdict_class: match (r.real, r.difference > 0.0) {
                    (true, true) => "gap-hidden",
                    (true, false) => "gap-blind",
                    (false, _) => "gap-aligned",
                },
            })
            .collect();
        ReportView {
            headline,
            tiles,
            focus: f.focus.as_ref().and_then(|focus| {
                let element = Element::from_slug(&focus.element)?;
                let actions: [String; 3] = focus.actions.clone().try_into().ok()?;
                Some((element, actions))
            }),
            certainty,
            columns,
            any_withheld: f
                .rows
                .iter()
                .any(|r| r.by_group.iter().any(|g| g.withheld)),
            rows,
            items,
            highest: pick(&f.highest),
            lowest: pick(&f.lowest),
            merged_note: (!f.merged_groups.is_empty()).then(|| {
                format!(
                    "Fewer than the minimum number of {} answered, so their answers are counted under \"Others\".",
                    group_words(&f.merged_groups)
                )
            }),
            hidden_note: (!f.hidden_groups.is_empty()).then(|| {
                format!(
                    "Too few {} answered to be shown without identifying them, so their answers are not included anywhere in this report.",
                    group_words(&f.hidden_groups)
                )
            }),
            change,
            reliability_groups: reliability_groups(&f),
            f,
        }
    }
}
