//! The 360 report of one leader in one campaign, computed from the stored answers under the
//! privacy rules. The web layer only lays out what this module decided to show.

use crate::instrument::{Instrument, Measures};
use crate::model::{Element, RaterGroup};
use crate::privacy::{GroupPlan, PrivacyRules, plan_rater_groups};
use crate::rating::Rating;
use crate::scoring::{self, Score};
use crate::stats::{self, SelfOtherGap};
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// The group the rater answered as.
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
    /// One entry per shown group column, in the order of [`Report::columns`].
    pub by_group: Vec<Option<Score>>,
    /// The leader's own score, if they took the self-assessment.
    pub self_score: Option<f64>,
    /// Self against others, decided with the others' uncertainty.
    pub gap: SelfOtherGap,
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
    /// The mean on 0–100 over all raters but the leader, if any rated it.
    pub others_mean: Option<f64>,
    /// How many raters gave a point.
    pub n: usize,
    /// How many chose each point, lowest first.
    pub distribution: Vec<usize>,
    /// How many chose "can't say".
    pub cant_say: usize,
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
    /// The comments.
    pub comments: Vec<String>,
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
}

struct RaterScores {
    group: RaterGroup,
    elements: BTreeMap<Element, f64>,
    trust_index: Option<f64>,
}

impl Report {
    /// Computes the report of one leader from their campaign's responses.
    pub fn build(
        instrument: &Instrument,
        rules: &PrivacyRules,
        responses: &[Response],
        comments: &[Comment],
    ) -> Report {
        let mut respondents = BTreeMap::new();
        for r in responses {
            *respondents.entry(r.group).or_insert(0u32) += 1;
        }
        let plan = plan_rater_groups(rules, &respondents);
        let columns: Vec<RaterGroup> = plan.shown.iter().map(|g| g.label).collect();
        // Answers of hidden groups are dropped here, before anything is computed.
        let counted: Vec<&Response> = responses.iter().filter(|r| plan.counts(r.group)).collect();
        let raters: Vec<RaterScores> = counted
            .iter()
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

        let row = |element: Option<Element>| {
            let value = |r: &RaterScores| match element {
                Some(e) => r.elements.get(&e).copied(),
                None => r.trust_index,
            };
            let others: Vec<f64> = raters
                .iter()
                .filter(|r| r.group != RaterGroup::SelfRating)
                .filter_map(value)
                .collect();
            let others = Score::from_rater_scores(&others);
            let by_group = plan
                .shown
                .iter()
                .map(|col| {
                    let values: Vec<f64> = raters
                        .iter()
                        .filter(|r| col.members.contains(&r.group))
                        .filter_map(value)
                        .collect();
                    Score::from_rater_scores(&values)
                })
                .collect();
            let self_score = raters
                .iter()
                .find(|r| r.group == RaterGroup::SelfRating)
                .and_then(value);
            let gap = match (self_score, &others) {
                (Some(s), Some(o)) => stats::compare_self(s, o.interval),
                _ => SelfOtherGap::Unknown,
            };
            ScoreRow {
                element,
                others,
                by_group,
                self_score,
                gap,
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
                ItemRow {
                    code: item.code.clone(),
                    text: item.others_text.clone(),
                    measures: item.measures,
                    others_mean: (n > 0).then(|| scoring::to_percent(sum / n as f64, instrument)),
                    n,
                    distribution,
                    cant_say,
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
                        .filter(|c| c.group != RaterGroup::SelfRating && plan.counts(c.group))
                        .map(|c| c.text.clone())
                        .collect();
                    // Sorted by content so the order says nothing about who answered when.
                    texts.sort_by_cached_key(|c| (stable_hash(c), c.clone()));
                    CommentBlock {
                        code: q.code.clone(),
                        prompt: q.prompt.clone(),
                        comments: texts,
                    }
                })
                .collect()
        });
        let focus = suggest_focus(&elements);
        Report {
            plan,
            columns,
            trust_index,
            elements,
            overall_items: Score::from_rater_scores(&overall_values),
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

    fn response(instrument: &Instrument, group: RaterGroup, point: u8) -> Response {
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

    fn build(responses: &[Response], comments: &[Comment]) -> Report {
        Report::build(
            &Instrument::current(),
            &PrivacyRules::default(),
            responses,
            comments,
        )
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
}
