//! The 360 report of one leader in one campaign, computed from the stored answers under the
//! privacy rules. The web layer only lays out what this module decided to show.

use crate::display;
use crate::instrument::{Instrument, Measures};
use crate::model::{Element, RaterGroup};
use crate::privacy::{GroupPlan, PrivacyRules, plan_rater_groups};
use crate::rating::Rating;
use crate::scoring::{self, Score};
use crate::stats::SelfOtherGap;
use serde::Serialize;
use std::collections::BTreeMap;

mod agreement;
mod change;
mod context;

pub use agreement::GroupAgreement;
use agreement::group_agreement;
pub use change::{ChangeRow, compare, compare_scores};

pub use context::{
    CampaignContext, MIN_NORM_LEADERS, NORM_TIE_TOLERANCE, Norm, RaterReliability,
    ReliabilityBasis, measure_key,
};

/// One stored, anonymous response as the report reads it: the rater group and the ratings, with
/// nothing that identifies the rater.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The group the rater answered as.
    pub group: RaterGroup,
    /// Rating per item code.
    pub ratings: BTreeMap<String, Rating>,
}

/// One stored comment, kept apart from the ratings of the same rater.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Self for the leader's own comment; for everyone else's, "Others": comments are shown
    /// pooled, so the store keeps no finer label (not even the manager's).
    pub group: RaterGroup,
    /// The open question's code.
    pub code: String,
    /// The comment.
    pub text: String,
}

/// A row of the report for one measure (the Trust Index or one element).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRow {
    /// The element, or `None` for the Trust Index.
    pub element: Option<Element>,
    /// All raters but the leader, pooled over the shown groups.
    pub others: Option<Score>,
    /// One entry per shown group column, in the order of [`Report::columns`]: `None` where the
    /// column has no value, or is withheld because fewer than k of its people gave this measure
    /// a value (see [`ScoreRow::withheld`]).
    pub by_group: Vec<Option<Score>>,
    /// Per column, whether its score is withheld because fewer than the group minimum of its
    /// anonymous raters gave this measure a value (they said "can't say" to every item of it).
    /// A withheld column's values count in no other figure of the row either.
    pub withheld: Vec<bool>,
    /// The leader's own score, if they took the self-assessment.
    pub self_score: Option<f64>,
    /// Self against others, decided with the others' uncertainty on the figures as shown (see
    /// [`display::gap`]).
    pub gap: SelfOtherGap,
    /// The others' score as a percentile among the campaign's leaders, when there are enough.
    /// In words: [`display::percentile`].
    pub percentile: Option<f64>,
    /// The reliability of one rater's score on this measure that the row's scores (their
    /// Spearman–Brown coefficient, word and raters needed) rest on, and where it comes from:
    /// the element's own, or the Trust Index's (see [`CampaignContext::reliability`]).
    pub rater_reliability: RaterReliability,
    /// Whether [`ScoreRow::rater_reliability`] is the measure's own: false for an element of a
    /// campaign whose context was stored before elements had their own, which then borrows the
    /// Trust Index's (and a report must say so).
    pub reliability_is_own: bool,
}

/// How raters answered one item: counts per scale point, never single answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    /// The item's code.
    pub code: String,
    /// The item's wording about the leader.
    pub text: String,
    /// What the item measures.
    pub measures: Measures,
    /// The mean on 0–100 over all raters but the leader, when at least the group minimum of
    /// them gave the item a point.
    pub others_mean: Option<f64>,
    /// How many raters gave a point (shown whether or not the figures are).
    pub n: usize,
    /// How many chose each point, lowest first; all zero when the item is withheld.
    pub distribution: Vec<usize>,
    /// How many chose "can't say"; zero when the item is withheld.
    pub cant_say: usize,
    /// Whether the item's figures are withheld because fewer than the group minimum of raters
    /// gave it a point: a mean or a spread of fewer would be a few people's answers.
    pub withheld: bool,
    /// The leader's own answer, if any.
    pub self_rating: Option<Rating>,
}

/// The answers to one open question that may be shown, in an order unrelated to submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentBlock {
    /// The question's code.
    pub code: String,
    /// The question as raters saw it.
    pub prompt: String,
    /// The comments; empty when withheld.
    pub comments: Vec<String>,
    /// Whether the question's comments are withheld because fewer than the comment minimum of
    /// people wrote one: a set of one or two comments points at its writers.
    pub withheld: bool,
}

/// The full 360 report for one leader.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What the privacy rules let the report show.
    pub plan: GroupPlan,
    /// The group columns shown, in order (labels of [`GroupPlan::shown`]).
    pub columns: Vec<RaterGroup>,
    /// The Trust Index row.
    pub trust_index: ScoreRow,
    /// One row per element, in the order of [`Element::ALL`].
    pub elements: Vec<ScoreRow>,
    /// The overall trust items, pooled over the shown groups except self.
    pub overall_items: Option<Score>,
    /// Every item with its distribution, in instrument order.
    pub items: Vec<ItemRow>,
    /// Codes of up to three items rated highest by others.
    pub highest: Vec<String>,
    /// Codes of up to three items rated lowest by others.
    pub lowest: Vec<String>,
    /// Comments, when enough anonymous raters answered for them to be shown.
    pub comments: Option<Vec<CommentBlock>>,
    /// The element suggested as the focus of the development plan.
    pub focus: Option<Element>,
    /// Agreement within each shown column (aligned with `plan.shown`), when it has 2+ raters.
    pub agreement: Vec<Option<GroupAgreement>>,
    /// Where the Trust Index's reliability words come from (also used for the overall items);
    /// each row's own is [`ScoreRow::rater_reliability`].
    pub basis: ReliabilityBasis,
}

struct RaterScores {
    group: RaterGroup,
    elements: BTreeMap<Element, f64>,
    trust_index: Option<f64>,
}

impl RaterScores {
    fn value(&self, measure: Option<Element>) -> Option<f64> {
        match measure {
            Some(e) => self.elements.get(&e).copied(),
            None => self.trust_index,
        }
    }
}

/// How many answered in each rater group, counted from the responses themselves.
pub fn answered_in(responses: &[Response]) -> BTreeMap<RaterGroup, u32> {
    let mut answered = BTreeMap::new();
    for r in responses {
        *answered.entry(r.group).or_insert(0u32) += 1;
    }
    answered
}

/// Plans the shown groups from how many answered in each and scores every counted rater;
/// answers of hidden groups are dropped here, before anything is computed.
fn score_raters(
    instrument: &Instrument,
    rules: &PrivacyRules,
    answered: &BTreeMap<RaterGroup, u32>,
    responses: &[Response],
) -> (GroupPlan, Vec<RaterScores>) {
    let mut plan = plan_rater_groups(rules, answered);
    // Answers of groups pooled into "Others" are stored as "Others" (see `Report::build`), so
    // the "Others" column takes answers labelled so even when nobody was invited as one.
    if let Some(others) = plan.shown.iter_mut().find(|g| g.label == RaterGroup::Other)
        && !others.members.contains(&RaterGroup::Other)
    {
        others.members.push(RaterGroup::Other);
    }
    let raters = responses
        .iter()
        .filter(|r| plan.counts(r.group))
        .map(|r| {
            let elements: BTreeMap<Element, f64> = Element::ALL
                .into_iter()
                .filter_map(|e| {
                    scoring::rater_element_score(instrument, &r.ratings, e).map(|s| (e, s))
                })
                .collect();
            RaterScores {
                group: r.group,
                trust_index: scoring::rater_trust_index(&elements),
                elements,
            }
        })
        .collect();
    (plan, raters)
}

/// One report column's values of one measure.
struct MeasureColumn {
    /// The values, in the order the raters were given.
    values: Vec<f64>,
    /// Whether the column is withheld for this measure: an anonymous column (neither self nor
    /// manager) where fewer than k people gave the measure a value.
    withheld: bool,
}

/// One measure's values of a leader's raters (each with their group), column by column as the
/// report shows them, under the plan and group minimum `k`.
fn measure_columns(
    plan: &GroupPlan,
    k: usize,
    values: &[(RaterGroup, Option<f64>)],
) -> Vec<MeasureColumn> {
    plan.shown
        .iter()
        .map(|col| {
            let values: Vec<f64> = values
                .iter()
                .filter(|(g, _)| col.members.contains(g))
                .filter_map(|(_, v)| *v)
                .collect();
            MeasureColumn {
                withheld: !col.label.is_identified() && values.len() < k,
                values,
            }
        })
        .collect()
}

/// The values behind the pooled "others" figure: every column but self that is not withheld,
/// so that a withheld column's values count nowhere and cannot be recovered by subtracting the
/// shown columns from the pooled figure.
fn pooled_others(plan: &GroupPlan, columns: &[MeasureColumn]) -> Vec<f64> {
    plan.shown
        .iter()
        .zip(columns)
        .filter(|(col, c)| col.label != RaterGroup::SelfRating && !c.withheld)
        .flat_map(|(_, c)| c.values.iter().copied())
        .collect()
}

impl Report {
    /// Computes the report of one leader from their campaign's responses, with the campaign's
    /// context for reliability words and percentiles. `answered` is how many answered in each
    /// rater group (from the invitations): the group plan follows it, because the store keeps
    /// a group that the plan pools into "Others" as "Others" and never releases the answers of
    /// a group the plan hides.
    pub fn build(
        instrument: &Instrument,
        rules: &PrivacyRules,
        context: &CampaignContext,
        answered: &BTreeMap<RaterGroup, u32>,
        responses: &[Response],
        comments: &[Comment],
    ) -> Report {
        // The Trust Index's, for the overall items; each row takes its measure's own.
        let rho = context.single_rater_reliability;
        let (plan, raters) = score_raters(instrument, rules, answered, responses);
        let columns: Vec<RaterGroup> = plan.shown.iter().map(|g| g.label).collect();
        let counted: Vec<&Response> = responses.iter().filter(|r| plan.counts(r.group)).collect();

        let k = rules.min_rater_group as usize;
        let row = |element: Option<Element>| {
            let rater_reliability = context.reliability(element);
            let reliability_is_own = context.has_own_reliability(element);
            let rho = rater_reliability.single_rater;
            let values: Vec<(RaterGroup, Option<f64>)> =
                raters.iter().map(|r| (r.group, r.value(element))).collect();
            let columns = measure_columns(&plan, k, &values);
            let withheld: Vec<bool> = columns.iter().map(|c| c.withheld).collect();
            let others = pooled_others(&plan, &columns);
            let others = Score::from_rater_scores(&others, rho);
            let by_group = columns
                .iter()
                .map(|c| {
                    if c.withheld {
                        None
                    } else {
                        Score::from_rater_scores(&c.values, rho)
                    }
                })
                .collect();
            let self_score = raters
                .iter()
                .find(|r| r.group == RaterGroup::SelfRating)
                .and_then(|r| r.value(element));
            let gap = match (self_score, &others) {
                // Decided on the figures as shown, so that the word never contradicts them.
                (Some(s), Some(o)) => display::gap(s, o.ci95),
                _ => SelfOtherGap::Unknown,
            };
            let percentile = match (&others, context.norm(element)) {
                (Some(o), Some(norm)) => norm.percentile_rank(o.mean),
                _ => None,
            };
            ScoreRow {
                element,
                others,
                by_group,
                withheld,
                self_score,
                gap,
                percentile,
                rater_reliability,
                reliability_is_own,
            }
        };
        let trust_index = row(None);
        let elements: Vec<ScoreRow> = Element::ALL.into_iter().map(|e| row(Some(e))).collect();

        let others: Vec<&&Response> = counted
            .iter()
            .filter(|r| r.group != RaterGroup::SelfRating)
            .collect();
        let self_response = counted.iter().find(|r| r.group == RaterGroup::SelfRating);
        let overall_values: Vec<f64> = others
            .iter()
            .filter_map(|r| scoring::rater_overall_score(instrument, &r.ratings))
            .collect();
        let points = usize::from(instrument.scale.max - instrument.scale.min + 1);
        let items: Vec<ItemRow> = instrument
            .items
            .iter()
            .map(|item| {
                let mut distribution = vec![0usize; points];
                let mut cant_say = 0;
                let mut sum = 0.0;
                for r in &others {
                    match r.ratings.get(&item.code) {
                        Some(Rating::Score(p)) => {
                            distribution[usize::from(p - instrument.scale.min)] += 1;
                            sum += f64::from(*p);
                        }
                        Some(Rating::CantSay) => cant_say += 1,
                        None => {}
                    }
                }
                let n: usize = distribution.iter().sum();
                // A mean or spread of fewer than k points is a few people's answers.
                let withheld = n < k;
                if withheld {
                    distribution.iter_mut().for_each(|d| *d = 0);
                    cant_say = 0;
                }
                ItemRow {
                    code: item.code.clone(),
                    text: item.others_text.clone(),
                    measures: item.measures,
                    others_mean: (!withheld)
                        .then(|| scoring::to_percent(sum / n as f64, instrument)),
                    n,
                    distribution,
                    cant_say,
                    withheld,
                    self_rating: self_response.and_then(|r| r.ratings.get(&item.code).copied()),
                }
            })
            .collect();
        let mut ranked: Vec<&ItemRow> = items
            .iter()
            .filter(|i| matches!(i.measures, Measures::Element(_)))
            .filter(|i| i.others_mean.is_some())
            .collect();
        // Highest first; ties keep instrument order so the report is stable.
        ranked.sort_by(|a, b| {
            b.others_mean
                .partial_cmp(&a.others_mean)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let take = (ranked.len() / 2).min(3);
        let highest = ranked.iter().take(take).map(|i| i.code.clone()).collect();
        let lowest = ranked
            .iter()
            .rev()
            .take(take)
            .map(|i| i.code.clone())
            .collect();

        let comments = (plan.anonymous_respondents() >= rules.min_comments).then(|| {
            instrument
                .open_questions
                .iter()
                .map(|q| {
                    let mut texts: Vec<String> = comments
                        .iter()
                        .filter(|c| c.code == q.code)
                        // The store keeps everyone's comments but the leader's under "Others"
                        // (they are shown pooled); a comment of a hidden group is never
                        // released, and one still labelled by its group counts if it does.
                        .filter(|c| {
                            c.group != RaterGroup::SelfRating
                                && (c.group == RaterGroup::Other || plan.counts(c.group))
                        })
                        .map(|c| c.text.clone())
                        .collect();
                    // Each rater writes at most one comment per question: fewer comments than
                    // the minimum would point at the few who wrote them.
                    let withheld = texts.len() < rules.min_comments as usize;
                    if withheld {
                        texts.clear();
                    }
                    // Sorted by content so the order says nothing about who answered when.
                    texts.sort_by_cached_key(|c| (stable_hash(c), c.clone()));
                    CommentBlock {
                        code: q.code.clone(),
                        prompt: q.prompt.clone(),
                        comments: texts,
                        withheld,
                    }
                })
                .collect()
        });
        let focus = suggest_focus(&elements);
        let agreement = plan
            .shown
            .iter()
            .map(|col| {
                // One person's answers have no agreement; an anonymous column's agreement rests,
                // like its scores, on at least k people per item.
                let min_values = if col.label.is_identified() {
                    2
                } else {
                    k.max(2)
                };
                if col.label == RaterGroup::SelfRating || col.respondents < 2 {
                    return None;
                }
                group_agreement(
                    instrument,
                    counted
                        .iter()
                        .filter(|r| col.members.contains(&r.group))
                        .copied(),
                    min_values,
                )
            })
            .collect();
        Report {
            agreement,
            basis: context.basis,
            plan,
            columns,
            trust_index,
            elements,
            // Pooled over every rater but the leader, and like every figure, shown only when at
            // least k of them gave it a value.
            overall_items: (overall_values.len() >= k)
                .then(|| Score::from_rater_scores(&overall_values, rho))
                .flatten(),
            items,
            highest,
            lowest,
            comments,
            focus,
        }
    }

    /// The row of `element`.
    pub fn element(&self, element: Element) -> &ScoreRow {
        &self.elements[Element::ALL
            .iter()
            .position(|e| *e == element)
            .expect("every element has a row")]
    }
}

/// The element with the lowest score from others; when two are within two points of each other
/// the one that weighs more in trust (relationships, then judgement, then consistency) wins,
/// because improving it moves trust most.
fn suggest_focus(rows: &[ScoreRow]) -> Option<Element> {
    let mut best: Option<(Element, f64)> = None;
    for row in rows {
        let (Some(element), Some(score)) = (row.element, &row.others) else {
            continue;
        };
        match best {
            Some((_, lowest)) if score.mean >= lowest - 2.0 => {}
            _ => best = Some((element, score.mean)),
        }
    }
    best.map(|(e, _)| e)
}

/// FNV-1a: a fixed, platform-independent hash used to order comments by content.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn response(instrument: &Instrument, group: RaterGroup, point: u8) -> Response {
        Response {
            group,
            ratings: instrument
                .items
                .iter()
                .map(|i| (i.code.clone(), Rating::Score(point)))
                .collect(),
        }
    }

    fn comment(group: RaterGroup, text: &str) -> Comment {
        Comment {
            group,
            code: "continue".into(),
            text: text.into(),
        }
    }

    pub(super) fn build(responses: &[Response], comments: &[Comment]) -> Report {
        Report::build(
            &Instrument::current(),
            &PrivacyRules::default(),
            &CampaignContext::research_only(),
            &answered_in(responses),
            responses,
            comments,
        )
    }

    #[test]
    fn answers_stored_as_others_count_in_the_others_column_the_plan_pools_them_into() {
        let instrument = Instrument::current();
        // Two direct reports and one peer answered: each group is below 3, together they make
        // "Others", and the store keeps their answers labelled "Others".
        let answered = BTreeMap::from([(RaterGroup::DirectReport, 2), (RaterGroup::Peer, 1)]);
        let responses: Vec<_> = [2, 3, 4]
            .into_iter()
            .map(|p| response(&instrument, RaterGroup::Other, p))
            .collect();
        let comments: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|t| comment(RaterGroup::Other, t))
            .collect();
        let report = Report::build(
            &instrument,
            &PrivacyRules::default(),
            &CampaignContext::research_only(),
            &answered,
            &responses,
            &comments,
        );
        assert_eq!(
            report.plan.merged,
            vec![RaterGroup::Peer, RaterGroup::DirectReport]
        );
        let others = report.trust_index.others.as_ref().expect("others score");
        assert_eq!(others.n, 3);
        let blocks = report.comments.expect("three anonymous raters");
        assert_eq!(blocks[0].comments.len(), 3);
    }

    #[test]
    fn a_hidden_group_counts_in_no_score_and_no_comment() {
        let instrument = Instrument::current();
        let mut responses = vec![response(&instrument, RaterGroup::Manager, 4)];
        let mut comments = vec![comment(RaterGroup::Peer, "peer")];
        for i in 0..4 {
            responses.push(response(&instrument, RaterGroup::DirectReport, 4));
            comments.push(comment(RaterGroup::DirectReport, &format!("dr{i}")));
        }
        responses.push(response(&instrument, RaterGroup::Peer, 1));
        let report = build(&responses, &comments);
        assert_eq!(report.plan.hidden, vec![RaterGroup::Peer]);
        let others = report.trust_index.others.as_ref().expect("others score");
        assert_eq!(others.n, 5);
        assert!(
            (others.mean - 75.0).abs() < 1e-9,
            "the peer's 1s must not pull the mean down"
        );
        let blocks = report.comments.expect("4 anonymous raters");
        assert_eq!(blocks[0].comments.len(), 4);
        assert!(!blocks[0].comments.iter().any(|c| c == "peer"));
        assert_eq!(report.items[0].distribution, vec![0, 0, 0, 5, 0]);
    }

    #[test]
    fn comments_are_withheld_below_the_threshold_and_never_in_arrival_order() {
        let instrument = Instrument::current();
        let few = vec![
            response(&instrument, RaterGroup::Manager, 4),
            response(&instrument, RaterGroup::Other, 4),
            response(&instrument, RaterGroup::Other, 4),
        ];
        let few_comments = vec![
            comment(RaterGroup::Other, "a"),
            comment(RaterGroup::Other, "b"),
        ];
        assert!(build(&few, &few_comments).comments.is_none());

        let responses: Vec<_> = (0..5)
            .map(|_| response(&instrument, RaterGroup::DirectReport, 3))
            .collect();
        let forward: Vec<_> = ["first", "second", "third", "fourth", "fifth"]
            .iter()
            .map(|t| comment(RaterGroup::DirectReport, t))
            .collect();
        let mut backward = forward.clone();
        backward.reverse();
        let a = build(&responses, &forward).comments.expect("shown");
        let b = build(&responses, &backward).comments.expect("shown");
        assert_eq!(a, b, "order of arrival must not show");
        assert_eq!(a[0].comments.len(), 5);
    }

    #[test]
    fn self_above_a_confident_others_score_is_a_blind_spot_and_focus_is_the_lowest_element() {
        let instrument = Instrument::current();
        let mut responses = vec![response(&instrument, RaterGroup::SelfRating, 5)];
        for point in [2, 3, 2, 3, 2, 3] {
            let mut r = response(&instrument, RaterGroup::DirectReport, point);
            for item in instrument.items_for(Element::Judgement) {
                r.ratings
                    .insert(item.code.clone(), Rating::Score(point + 2));
            }
            responses.push(r);
        }
        let report = build(&responses, &[]);
        assert_eq!(report.trust_index.gap, SelfOtherGap::BlindSpot);
        assert_eq!(report.trust_index.self_score, Some(100.0));
        assert_eq!(report.focus, Some(Element::Relationships));
        assert_eq!(
            report.columns,
            vec![RaterGroup::SelfRating, RaterGroup::DirectReport]
        );
        assert_eq!(report.highest.len(), 3);
        assert!(report.highest.iter().all(|c| c.starts_with("jud_")));
    }

    /// Responses for a leader whose raters answer `point` give or take one.
    pub(super) fn spread(instrument: &Instrument, point: u8, n: usize) -> Vec<Response> {
        (0..n)
            .map(|i| {
                let p = match i % 3 {
                    0 => point,
                    1 => point.saturating_sub(1).max(1),
                    _ => (point + 1).min(5),
                };
                response(instrument, RaterGroup::DirectReport, p)
            })
            .collect()
    }

    /// A response that rated every item `point` but said "can't say" to every item of `element`.
    fn cant_say_on(
        instrument: &Instrument,
        group: RaterGroup,
        point: u8,
        element: Element,
    ) -> Response {
        let mut r = response(instrument, group, point);
        for item in &instrument.items {
            if item.measures == Measures::Element(element) {
                r.ratings.insert(item.code.clone(), Rating::CantSay);
            }
        }
        r
    }

    #[test]
    fn an_element_that_fewer_than_k_of_a_group_could_rate_is_withheld_and_counts_in_no_other_figure()
     {
        let instrument = Instrument::current();
        // Five direct reports: four could not say anything about consistency, one rated it 1.
        let mut responses = vec![response(&instrument, RaterGroup::Manager, 4)];
        for _ in 0..4 {
            responses.push(cant_say_on(
                &instrument,
                RaterGroup::DirectReport,
                4,
                Element::Consistency,
            ));
        }
        responses.push(response(&instrument, RaterGroup::DirectReport, 1));
        for _ in 0..3 {
            responses.push(response(&instrument, RaterGroup::Peer, 3));
        }
        let report = build(&responses, &[]);
        let dr = report
            .columns
            .iter()
            .position(|g| *g == RaterGroup::DirectReport)
            .expect("shown");
        let peers = report
            .columns
            .iter()
            .position(|g| *g == RaterGroup::Peer)
            .expect("shown");
        let manager = report
            .columns
            .iter()
            .position(|g| *g == RaterGroup::Manager)
            .expect("shown");
        let consistency = report.element(Element::Consistency);
        assert!(consistency.withheld[dr]);
        assert!(consistency.by_group[dr].is_none(), "one person's answer");
        assert!(!consistency.withheld[peers] && !consistency.withheld[manager]);
        // The pooled figure leaves the withheld value out: pooled minus the shown columns is
        // nothing, instead of the one direct report's 1.
        let others = consistency.others.as_ref().expect("manager and peers");
        assert_eq!(others.n, 4);
        let expected = (75.0 + 3.0 * 50.0) / 4.0;
        assert!((others.mean - expected).abs() < 1e-9, "{}", others.mean);
        // Every other element of the direct reports rests on five and is shown.
        let relationships = report.element(Element::Relationships);
        assert!(!relationships.withheld[dr]);
        assert_eq!(relationships.by_group[dr].as_ref().map(|s| s.n), Some(5));
        // The consistency items rest on four raters (manager and peers): shown with k = 3.
        for item in report
            .items
            .iter()
            .filter(|i| i.measures == Measures::Element(Element::Consistency))
        {
            assert_eq!(item.n, 5);
        }
    }

    #[test]
    fn an_item_with_fewer_than_k_points_shows_neither_mean_nor_spread() {
        let instrument = Instrument::current();
        let code = instrument.items[0].code.clone();
        let mut responses = Vec::new();
        for point in [2, 4, 5] {
            let mut r = response(&instrument, RaterGroup::DirectReport, point);
            if point != 5 {
                r.ratings.insert(code.clone(), Rating::CantSay);
            }
            responses.push(r);
        }
        let report = build(&responses, &[]);
        let item = report.items.iter().find(|i| i.code == code).expect("item");
        assert!(item.withheld);
        assert_eq!(item.n, 1);
        assert!(item.others_mean.is_none());
        assert_eq!(item.distribution.iter().sum::<usize>(), 0);
        assert_eq!(item.cant_say, 0);
        let other = &report.items[1];
        assert!(!other.withheld && other.others_mean.is_some());
    }

    #[test]
    fn a_question_fewer_than_the_comment_minimum_wrote_about_is_withheld() {
        let instrument = Instrument::current();
        let responses: Vec<_> = (0..5)
            .map(|_| response(&instrument, RaterGroup::DirectReport, 4))
            .collect();
        let comments = vec![comment(
            RaterGroup::DirectReport,
            "only one of five wrote this",
        )];
        let report = build(&responses, &comments);
        let blocks = report.comments.expect("five anonymous raters");
        let block = blocks.iter().find(|b| b.code == "continue").expect("block");
        assert!(block.withheld);
        assert!(block.comments.is_empty());
    }

    #[test]
    fn the_overall_items_need_k_raters_who_gave_them_a_point() {
        let instrument = Instrument::current();
        let overall: Vec<String> = instrument
            .items
            .iter()
            .filter(|i| i.measures == Measures::Overall)
            .map(|i| i.code.clone())
            .collect();
        let mut responses = Vec::new();
        for n in 0..4 {
            let mut r = response(&instrument, RaterGroup::DirectReport, 3);
            if n > 0 {
                for code in &overall {
                    r.ratings.insert(code.clone(), Rating::CantSay);
                }
            }
            responses.push(r);
        }
        let report = build(&responses, &[]);
        assert!(report.overall_items.is_none());
    }
}
