//! A leader's 360 report as figures: everything the report page shows, at full precision and
//! as shown.

use super::{ScoreFigures, slug};
use serde::Serialize;
use trustloop_domain::display;
use trustloop_domain::instrument::{Instrument, Measures};
use trustloop_domain::model::{Element, RaterGroup};
use trustloop_domain::rating::Rating;
use trustloop_domain::report::{
    ChangeRow, GroupAgreement, ItemRow, RaterReliability, ReliabilityBasis, Report, ScoreRow,
};
use trustloop_domain::scoring;
use trustloop_domain::stats::SelfOtherGap;
use trustloop_storage::Campaign;
use utoipa::ToSchema;

/// A leader's report in a closed campaign.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReportFigures {
    /// The campaign.
    pub campaign_id: i64,
    /// The privacy rules the report was made under.
    pub rules: RulesFigures,
    /// The rating scale, for reading `distribution` and the nearest answers.
    pub scale: ScaleFigures,
    /// People other than the leader whose answers the report uses.
    pub others_respondents: u32,
    /// Whether the leader took the self-assessment.
    pub has_self: bool,
    /// The group columns shown, in order (self included when the leader rated themselves):
    /// `by_group` of every row follows this order.
    pub columns: Vec<ColumnFigures>,
    /// The Trust Index first, then relationships, judgement and consistency.
    pub rows: Vec<RowFigures>,
    /// Every statement, in the order raters saw them.
    pub items: Vec<ItemFigures>,
    /// Codes of the statements others rated highest.
    pub highest: Vec<String>,
    /// Codes of the statements others rated lowest.
    pub lowest: Vec<String>,
    /// Comments, when the privacy rules let them be shown (`shown`).
    pub comments: CommentsFigures,
    /// The element suggested as the focus of the development plan.
    pub focus: Option<FocusFigures>,
    /// Groups whose answers were pooled into "other".
    pub merged_groups: Vec<String>,
    /// Groups too small to show, left out of every figure.
    pub hidden_groups: Vec<String>,
    /// The change since the leader's previous closed campaign, if there is one.
    pub change: Option<ChangeFigures>,
}

/// The privacy rules of the campaign, as far as the report quotes them.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RulesFigures {
    /// Smallest anonymous rater group shown (and the fewest who must rate a figure).
    pub min_rater_group: u32,
    /// Smallest number of anonymous raters whose comments are shown.
    pub min_comments: u32,
}

/// The rating scale.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScaleFigures {
    /// The lowest point.
    pub min: u8,
    /// The highest point.
    pub max: u8,
    /// One label per point, lowest first.
    pub labels: Vec<String>,
    /// The label of the "can't say" option.
    pub cant_say: String,
}

/// One group column of the report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ColumnFigures {
    /// self, manager, peer, direct_report or other (merged groups count under other).
    pub group: String,
    /// The column's heading ("Others (incl. peers)").
    pub label: String,
    /// The groups whose answers the column pools.
    pub members: Vec<String>,
    /// Respondents in the column.
    pub respondents: u32,
    /// How closely the column's raters agreed, when it has two or more.
    pub agreement: Option<AgreementFigures>,
}

/// How closely one column's raters agreed across the statements.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AgreementFigures {
    /// The index shown: awg (awg(j), when defined) or rwg (rwg(j)).
    pub index: String,
    /// Its value.
    pub value: f64,
    /// rwg(j) against random answering, when defined.
    pub rwg_j: Option<f64>,
    /// awg(j), when defined.
    pub awg_j: Option<f64>,
    /// As shown.
    pub shown: ShownAgreement,
}

/// An agreement index as shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShownAgreement {
    /// The value to two decimals ("0.70").
    pub value: String,
    /// strong, moderate or weak, chosen from `value`.
    pub word: String,
}

/// A row of the report: the Trust Index or one element.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RowFigures {
    /// trust_index, relationships, judgement or consistency.
    pub measure: String,
    /// The measure's name.
    pub label: String,
    /// All raters but the leader.
    pub others: Option<ScoreFigures>,
    /// One entry per column of `columns`, in that order.
    pub by_group: Vec<GroupScoreFigures>,
    /// The leader's own score on 0–100, when they rated themselves.
    pub self_score: Option<f64>,
    /// blind_spot, hidden_strength, aligned or unknown: self against the others' interval.
    pub gap: String,
    /// The others' score as a percentile rank (0–100) among the campaign's leaders, when there
    /// are enough leaders.
    pub percentile: Option<f64>,
    /// The reliability of one rater's score that this row's reliability words rest on.
    pub reliability: RowReliabilityFigures,
    /// As shown.
    pub shown: ShownRow,
}

/// A row's words and figures as shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShownRow {
    /// The leader's own score rounded ("90").
    pub self_score: Option<String>,
    /// Self against others in words ("" when unknown).
    pub gap: String,
    /// The percentile in words ("Higher than 72% of the leaders in this campaign").
    pub percentile: Option<String>,
    /// The answer of the scale the others' score lies nearest ("Agree").
    pub nearest_answer: Option<String>,
}

/// One column's score on one measure.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupScoreFigures {
    /// The column's group.
    pub group: String,
    /// Respondents in the column.
    pub respondents: u32,
    /// The score, if any rated this measure and it is not withheld.
    pub score: Option<ScoreFigures>,
    /// Whether the score is withheld because fewer than the group minimum of its people could
    /// rate this measure (it then counts in no other figure either).
    pub withheld: bool,
    /// Whether the column is one identified person (the manager) whose score is their answer:
    /// shown as an answer, not as a score with an interval.
    pub answer: bool,
}

/// The reliability of one rater's score on a measure, and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RowReliabilityFigures {
    /// The reliability of one rater's score.
    pub single_rater: f64,
    /// campaign (the ICC(1) of this campaign's ratings of the measure), trust_index (an element
    /// that borrows the Trust Index's campaign estimate) or research (the research value).
    pub source: String,
    /// The leaders the campaign's estimate rests on.
    pub leaders: Option<usize>,
    /// Whether it is the measure's own estimate; false for an element that borrows the Trust
    /// Index's (a report made before elements had their own).
    pub own: bool,
    /// As shown.
    pub shown: ShownReliability,
}

/// A row's reliability as shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShownReliability {
    /// One rater's reliability to two decimals ("0.31").
    pub single_rater: String,
    /// Where it comes from, in words.
    pub source: String,
}

/// One statement with how raters answered it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ItemFigures {
    /// The statement's code.
    pub code: String,
    /// The statement about the leader.
    pub text: String,
    /// relationships, judgement, consistency or overall.
    pub measures: String,
    /// Others' mean on 0–100, when at least the group minimum gave it a point.
    pub others_mean: Option<f64>,
    /// Raters who gave a point.
    pub n: usize,
    /// How many chose each point, lowest first (all zero when withheld).
    pub distribution: Vec<usize>,
    /// How many said "can't say" (zero when withheld).
    pub cant_say: usize,
    /// Whether the figures are withheld because fewer than the group minimum gave it a point.
    pub withheld: bool,
    /// The leader's own point on the scale, when they gave one.
    pub self_point: Option<u8>,
    /// The leader's own point on 0–100, the scale of every other score.
    pub self_score: Option<f64>,
    /// Whether the leader said "can't say".
    pub self_cant_say: bool,
    /// As shown.
    pub shown: ShownItem,
}

/// A statement's figures as shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShownItem {
    /// Others' mean rounded ("75").
    pub mean: Option<String>,
    /// The leader's own answer on 0–100 ("75"), or the "can't say" label.
    pub self_score: Option<String>,
}

/// Comments, when the privacy rules let them be shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CommentsFigures {
    /// Whether comments are shown at all.
    pub shown: bool,
    /// Anonymous respondents (neither self nor manager) whose answers the report uses.
    pub anonymous_respondents: u32,
    /// Why comments are not shown, when they are not, in the words of the page.
    pub withheld_reason: Option<String>,
    /// Per open question, when shown.
    pub blocks: Vec<CommentBlockFigures>,
}

/// The comments on one open question.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CommentBlockFigures {
    /// The question's code.
    pub code: String,
    /// The question.
    pub prompt: String,
    /// The comments, in an order unrelated to when they were written; empty when withheld.
    pub comments: Vec<String>,
    /// Whether they are withheld because fewer than the comment minimum wrote one.
    pub withheld: bool,
}

/// The element suggested as the focus of the development plan.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FocusFigures {
    /// relationships, judgement or consistency.
    pub element: String,
    /// Its name.
    pub label: String,
    /// Three things to try.
    pub actions: Vec<String>,
}

/// The change since the leader's previous closed campaign.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChangeFigures {
    /// The previous campaign.
    pub previous_campaign_id: i64,
    /// Its name.
    pub previous_campaign: String,
    /// Per measure with an others' score in both.
    pub rows: Vec<ChangeRowFigures>,
}

/// One measure compared between the two campaigns (Welch's t-test).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChangeRowFigures {
    /// trust_index, relationships, judgement or consistency.
    pub measure: String,
    /// The earlier others' score.
    pub before: f64,
    /// The later others' score.
    pub after: f64,
    /// after − before.
    pub difference: f64,
    /// The 95% confidence interval of the difference.
    pub ci95: [f64; 2],
    /// Welch's two-sided p-value.
    pub p_value: f64,
    /// Whether the change is more than noise at the 5% level.
    pub real: bool,
    /// The smallest change these raters could detect (80% power), when known.
    pub detectable: Option<f64>,
    /// As shown.
    pub shown: ShownChange,
}

/// A change as shown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShownChange {
    /// Before, rounded.
    pub before: String,
    /// After, rounded.
    pub after: String,
    /// The difference with its sign ("+3").
    pub difference: String,
    /// The interval's ends with their signs.
    pub ci95: [String; 2],
    /// "a real rise", "a real fall" or "within the noise".
    pub verdict: String,
    /// The smallest detectable change, rounded.
    pub detectable: Option<String>,
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

fn group_list(groups: &[RaterGroup]) -> String {
    groups
        .iter()
        .map(|g| g.label().to_lowercase())
        .collect::<Vec<_>>()
        .join(" and ")
}

fn agreement(a: &GroupAgreement) -> Option<AgreementFigures> {
    let (index, value) = a.index()?;
    let (shown, word) = display::agreement(value);
    Some(AgreementFigures {
        index: index.to_string(),
        value,
        rwg_j: a.rwg_j,
        awg_j: a.awg_j,
        shown: ShownAgreement {
            value: shown,
            word: word.to_string(),
        },
    })
}

/// A row's reliability and where it comes from, in words a leader can follow.
fn row_reliability(row: &ScoreRow) -> RowReliabilityFigures {
    let RaterReliability {
        single_rater,
        basis,
    } = row.rater_reliability;
    let measure = row
        .element
        .map_or_else(|| "Trust Index".to_string(), |e| e.label().to_lowercase());
    let (source, leaders, words) = match basis {
        ReliabilityBasis::Campaign { leaders, .. } if row.reliability_is_own => (
            "campaign",
            Some(leaders),
            format!("estimated from this campaign's {measure} ratings"),
        ),
        ReliabilityBasis::Campaign { leaders, .. } => (
            "trust_index",
            Some(leaders),
            "the Trust Index's, as this report was made before each element had its own"
                .to_string(),
        ),
        ReliabilityBasis::Research => (
            "research",
            None,
            "taken from research on 360 ratings, as this campaign has too few leaders to estimate it"
                .to_string(),
        ),
    };
    RowReliabilityFigures {
        single_rater,
        source: source.to_string(),
        leaders,
        own: row.reliability_is_own,
        shown: ShownReliability {
            single_rater: display::coefficient(single_rater),
            source: words,
        },
    }
}

fn gap_words(gap: SelfOtherGap) -> &'static str {
    match gap {
        SelfOtherGap::BlindSpot => "Blind spot: you rate yourself higher than others do",
        SelfOtherGap::HiddenStrength => "Hidden strength: others rate you higher than you do",
        SelfOtherGap::Aligned => "In line with how others see you",
        SelfOtherGap::Unknown => "",
    }
}

fn row(report: &Report, row: &ScoreRow, labels: &[String]) -> RowFigures {
    let by_group = report
        .plan
        .shown
        .iter()
        .zip(row.by_group.iter().zip(&row.withheld))
        .map(|(g, (score, withheld))| GroupScoreFigures {
            group: g.label.slug().into(),
            respondents: g.respondents,
            score: score.as_ref().map(ScoreFigures::of),
            withheld: *withheld,
            answer: g.label.is_identified() && score.as_ref().is_some_and(|s| s.n == 1),
        })
        .collect();
    RowFigures {
        measure: row.element.map_or("trust_index", |e| e.slug()).into(),
        label: row.element.map_or("Trust Index", |e| e.label()).into(),
        others: row.others.as_ref().map(ScoreFigures::of),
        by_group,
        self_score: row.self_score,
        gap: slug(row.gap),
        percentile: row.percentile,
        reliability: row_reliability(row),
        shown: ShownRow {
            self_score: row.self_score.map(display::score),
            gap: gap_words(row.gap).into(),
            percentile: row.percentile.and_then(display::percentile),
            nearest_answer: row
                .others
                .as_ref()
                .and_then(|o| display::nearest_answer(o.mean, labels.len()))
                .and_then(|i| labels.get(i).cloned()),
        },
    }
}

fn item(item: &ItemRow, instrument: &Instrument) -> ItemFigures {
    let self_point = item.self_rating.and_then(|r| r.score());
    let self_score = self_point.map(|p| scoring::to_percent(f64::from(p), instrument));
    ItemFigures {
        code: item.code.clone(),
        text: item.text.clone(),
        measures: match item.measures {
            Measures::Element(e) => e.slug(),
            Measures::Overall => "overall",
        }
        .into(),
        others_mean: item.others_mean,
        n: item.n,
        distribution: item.distribution.clone(),
        cant_say: item.cant_say,
        withheld: item.withheld,
        self_point,
        self_score,
        self_cant_say: item.self_rating == Some(Rating::CantSay),
        shown: ShownItem {
            mean: item.others_mean.map(display::score),
            self_score: match item.self_rating {
                Some(Rating::CantSay) => Some(instrument.scale.cant_say.clone()),
                _ => self_score.map(display::score),
            },
        },
    }
}

fn change_row(row: &ChangeRow) -> ChangeRowFigures {
    let (low, high) = row.test.ci;
    let verdict = match (row.is_real(), row.test.difference > 0.0) {
        (true, true) => "a real rise",
        (true, false) => "a real fall",
        (false, _) => "within the noise",
    };
    ChangeRowFigures {
        measure: row.element.map_or("trust_index", |e| e.slug()).into(),
        before: row.before,
        after: row.after,
        difference: row.test.difference,
        ci95: [low, high],
        p_value: row.test.p_value,
        real: row.is_real(),
        detectable: row.detectable,
        shown: ShownChange {
            before: display::score(row.before),
            after: display::score(row.after),
            difference: display::signed_score(row.test.difference),
            ci95: [display::signed_score(low), display::signed_score(high)],
            verdict: verdict.into(),
            detectable: row.detectable.map(display::score),
        },
    }
}

impl ReportFigures {
    /// The figures of a computed report of `campaign`, with the change since `previous`.
    pub fn new(
        campaign: &Campaign,
        report: &Report,
        instrument: &Instrument,
        change: Option<(&Campaign, &[ChangeRow])>,
    ) -> ReportFigures {
        let labels = &instrument.scale.labels;
        let columns = report
            .plan
            .shown
            .iter()
            .zip(&report.agreement)
            .map(|(g, a)| ColumnFigures {
                group: g.label.slug().into(),
                label: if g.members.len() > 1 {
                    format!(
                        "Others (incl. {})",
                        group_list(&g.members[..g.members.len() - 1])
                    )
                } else if g.label == RaterGroup::Manager {
                    "Your manager".into()
                } else {
                    g.label.label().into()
                },
                members: g.members.iter().map(|m| m.slug().into()).collect(),
                respondents: g.respondents,
                agreement: a.as_ref().and_then(agreement),
            })
            .collect();
        let rows = std::iter::once(&report.trust_index)
            .chain(&report.elements)
            .map(|r| row(report, r, labels))
            .collect();
        ReportFigures {
            campaign_id: campaign.id.0,
            rules: RulesFigures {
                min_rater_group: campaign.rules.min_rater_group,
                min_comments: campaign.rules.min_comments,
            },
            scale: ScaleFigures {
                min: instrument.scale.min,
                max: instrument.scale.max,
                labels: labels.clone(),
                cant_say: instrument.scale.cant_say.clone(),
            },
            others_respondents: report.plan.others_respondents(),
            has_self: report.columns.contains(&RaterGroup::SelfRating),
            columns,
            rows,
            items: report.items.iter().map(|i| item(i, instrument)).collect(),
            highest: report.highest.clone(),
            lowest: report.lowest.clone(),
            comments: CommentsFigures {
                shown: report.comments.is_some(),
                anonymous_respondents: report.plan.anonymous_respondents(),
                withheld_reason: report.comments.is_none().then(|| {
                    format!(
                        "Comments are shown once at least {} people other than you and your manager have answered ({} so far), so that nobody can be recognised by what they wrote.",
                        campaign.rules.min_comments,
                        report.plan.anonymous_respondents()
                    )
                }),
                blocks: report
                    .comments
                    .iter()
                    .flatten()
                    .map(|b| CommentBlockFigures {
                        code: b.code.clone(),
                        prompt: b.prompt.clone(),
                        comments: b.comments.clone(),
                        withheld: b.withheld,
                    })
                    .collect(),
            },
            focus: report.focus.map(|e| FocusFigures {
                element: e.slug().into(),
                label: e.label().into(),
                actions: actions_for(e).map(String::from).to_vec(),
            }),
            merged_groups: report.plan.merged.iter().map(|g| g.slug().into()).collect(),
            hidden_groups: report.plan.hidden.iter().map(|g| g.slug().into()).collect(),
            change: change.map(|(previous, rows)| ChangeFigures {
                previous_campaign_id: previous.id.0,
                previous_campaign: previous.name.clone(),
                rows: rows.iter().map(change_row).collect(),
            }),
        }
    }
}
