//! What a leader's report needs from the rest of their campaign: how reliable one rater's score
//! is, and the distribution of the leaders' scores for percentiles. Computed once per campaign
//! and, for a closed campaign, stored as JSON.

use super::{measure_columns, pooled_others};
use crate::analytics::{Contribution, MEASURES};
use crate::instrument::Instrument;
use crate::model::{Element, RaterGroup};
use crate::privacy::{PrivacyRules, plan_rater_groups};
use crate::report::Response;
use crate::scoring::PRIOR_SINGLE_RATER_RELIABILITY;
use crate::stats;
use serde::Serialize;
use std::collections::BTreeMap;

/// The fewest leaders a campaign needs before percentiles against its leaders are shown, and
/// before one rater's reliability is estimated from it rather than taken from research.
pub const MIN_NORM_LEADERS: usize = 5;

/// How close (in points on 0–100) two leaders' scores are when a percentile rank counts them as
/// a tie. A leader's score is a mean of their raters' scores; the same mean summed in another
/// order, or of other raters with the same total, can differ in the last bits (about 1e-14);
/// no difference a report could show is below 1e-9.
pub const NORM_TIE_TOLERANCE: f64 = 1e-9;

/// Where the reliability of one rater's score comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReliabilityBasis {
    /// Estimated from this campaign: ICC(1) of the measure's rater scores across its leaders.
    Campaign {
        /// The ICC(1) found.
        icc1: f64,
        /// How many leaders it rests on.
        leaders: usize,
    },
    /// The research value [`PRIOR_SINGLE_RATER_RELIABILITY`], used when the campaign is too small
    /// or its estimate is out of range.
    Research,
}

/// The reliability of one rater's score on one measure, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct RaterReliability {
    /// The reliability of one rater's score: the campaign's ICC(1), or the research prior.
    pub single_rater: f64,
    /// Where that number comes from.
    pub basis: ReliabilityBasis,
}

impl RaterReliability {
    /// The research prior, [`PRIOR_SINGLE_RATER_RELIABILITY`].
    pub const RESEARCH: RaterReliability = RaterReliability {
        single_rater: PRIOR_SINGLE_RATER_RELIABILITY,
        basis: ReliabilityBasis::Research,
    };

    /// The reliability of one rater's score on a measure from each leader's raters' scores on
    /// it (a leader with fewer than two such scores left out): ICC(1) across the leaders when
    /// there are at least [`MIN_NORM_LEADERS`] and it lies in [0.05, 0.95); otherwise the
    /// research prior (a small campaign's estimate, or one at an end of the range, says more
    /// about the campaign's size than about its raters).
    fn estimate(groups: &[Vec<f64>]) -> RaterReliability {
        let estimate = (groups.len() >= MIN_NORM_LEADERS)
            .then(|| stats::icc_oneway(groups).ok())
            .flatten()
            .map(|icc| icc.icc1)
            .filter(|icc1| (0.05..0.95).contains(icc1));
        match estimate {
            Some(icc1) => RaterReliability {
                single_rater: icc1,
                basis: ReliabilityBasis::Campaign {
                    icc1,
                    leaders: groups.len(),
                },
            },
            None => RaterReliability::RESEARCH,
        }
    }
}

/// Campaign-wide facts a leader's report needs beyond the leader's own answers: how reliable one
/// rater's score is on each measure, and the distribution of leaders' scores for percentiles.
///
/// Stored as JSON for a closed campaign. `element_reliability` was added later: a context
/// stored without it reads with an empty map, and [`CampaignContext::reliability`] then gives
/// every element the Trust Index's reliability, as the reports of that version did.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CampaignContext {
    /// The reliability of one rater's Trust Index score: for the Trust Index row, the overall
    /// items, and every element of a context stored before elements had their own.
    pub single_rater_reliability: f64,
    /// Where that number comes from.
    pub basis: ReliabilityBasis,
    /// Per element (keyed by [`measure_key`]), the reliability of one rater's score on that
    /// element, estimated from the element's own scores by the Trust Index's rules. Read it
    /// through [`CampaignContext::reliability`].
    #[serde(default)]
    pub element_reliability: BTreeMap<String, RaterReliability>,
    /// Per measure (keyed by [`measure_key`]), the others' scores of every leader with a shown
    /// score, when at least [`MIN_NORM_LEADERS`] leaders have one.
    pub norms: BTreeMap<String, Norm>,
}

/// The leaders' scores on one measure, kept sorted so that a percentile rank takes two binary
/// searches rather than a pass over every leader of the campaign (thousands, for every row of
/// every report). Stored as a JSON array of numbers; an array stored unsorted by an earlier
/// version is sorted as it is read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Norm(Vec<f64>);

impl Norm {
    /// The norm of these scores, in any order.
    pub fn new(mut scores: Vec<f64>) -> Norm {
        if !scores.is_sorted_by(|a, b| a.total_cmp(b).is_le()) {
            scores.sort_unstable_by(f64::total_cmp);
        }
        Norm(scores)
    }

    /// The scores, lowest first.
    pub fn scores(&self) -> &[f64] {
        &self.0
    }

    /// How many leaders it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds no leader.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The percentile rank (0–100) of `score` among the leaders, counting scores within
    /// [`NORM_TIE_TOLERANCE`] of it as ties (half below, half above):
    /// [`stats::percentile_rank_sorted_within`]; `None` for a score that is not finite or an
    /// empty norm.
    ///
    /// A leader's own score is in the norm, so their rank lies strictly between 0 and 100: at
    /// least their own half counts above and below them, even when the norm was stored by an
    /// earlier version that summed in another order.
    pub fn percentile_rank(&self, score: f64) -> Option<f64> {
        stats::percentile_rank_sorted_within(score, &self.0, NORM_TIE_TOLERANCE).ok()
    }
}

impl<'de> serde::Deserialize<'de> for Norm {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Norm, D::Error> {
        Vec::<f64>::deserialize(deserializer).map(Norm::new)
    }
}

impl CampaignContext {
    /// A context that knows nothing of other leaders: research reliability, no norms.
    pub fn research_only() -> CampaignContext {
        CampaignContext {
            single_rater_reliability: PRIOR_SINGLE_RATER_RELIABILITY,
            basis: ReliabilityBasis::Research,
            element_reliability: BTreeMap::new(),
            norms: BTreeMap::new(),
        }
    }

    /// Computes the context from every response of a campaign, each with its leader.
    pub fn from_campaign<K: Ord + Copy>(
        instrument: &Instrument,
        rules: &PrivacyRules,
        all: &[(K, Response)],
    ) -> CampaignContext {
        let scores: Vec<(K, RaterGroup, [Option<f64>; 4])> = all
            .iter()
            .map(|(leader, r)| {
                (
                    *leader,
                    r.group,
                    Contribution::of(instrument, &r.ratings).values,
                )
            })
            .collect();
        CampaignContext::from_scores(rules, &scores)
    }

    /// Computes the context from each response's four scores (Trust Index, then the elements, as
    /// in [`MEASURES`]), each with its leader and rater group: what the store keeps per response,
    /// so a campaign of a million answers is read as a million short rows.
    pub fn from_scores<K: Ord + Copy>(
        rules: &PrivacyRules,
        all: &[(K, RaterGroup, [Option<f64>; 4])],
    ) -> CampaignContext {
        let mut by_leader: BTreeMap<K, Vec<GroupScores>> = BTreeMap::new();
        for (leader, group, values) in all {
            by_leader
                .entry(*leader)
                .or_default()
                .push((*group, *values));
        }
        let mut norms: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        // Per measure of MEASURES, each leader's raters' scores.
        let mut icc_groups: [Vec<Vec<f64>>; 4] = Default::default();
        for responses in by_leader.values() {
            let mut respondents = BTreeMap::new();
            for (group, _) in responses {
                *respondents.entry(*group).or_insert(0u32) += 1;
            }
            let plan = plan_rater_groups(rules, &respondents);
            for (slot, groups) in icc_groups.iter_mut().enumerate() {
                // The leader's report counts these answers; the hidden groups' nowhere.
                let scores: Vec<f64> = responses
                    .iter()
                    .filter(|(g, _)| *g != RaterGroup::SelfRating && plan.counts(*g))
                    .filter_map(|(_, v)| v[slot])
                    .collect();
                if scores.len() >= 2 {
                    groups.push(scores);
                }
            }
            for (slot, measure) in MEASURES.into_iter().enumerate() {
                // Exactly the values behind the "others" figure of the leader's report.
                let values: Vec<(RaterGroup, Option<f64>)> =
                    responses.iter().map(|(g, v)| (*g, v[slot])).collect();
                let columns = measure_columns(&plan, rules.min_rater_group as usize, &values);
                let values = pooled_others(&plan, &columns);
                // The very computation of the report's mean (Score::from_rater_scores), so that
                // the leader's own entry equals their report's figure to the last bit.
                if let Some(summary) = stats::summarize(&values) {
                    norms
                        .entry(measure_key(measure).to_string())
                        .or_default()
                        .push(summary.mean);
                }
            }
        }
        let norms: BTreeMap<String, Norm> = norms
            .into_iter()
            .filter(|(_, v)| v.len() >= MIN_NORM_LEADERS)
            .map(|(k, v)| (k, Norm::new(v)))
            .collect();
        let estimates = icc_groups.map(|g| RaterReliability::estimate(&g));
        CampaignContext {
            single_rater_reliability: estimates[0].single_rater,
            basis: estimates[0].basis,
            element_reliability: MEASURES
                .into_iter()
                .zip(estimates)
                .filter_map(|(m, r)| m.map(|e| (measure_key(Some(e)).to_string(), r)))
                .collect(),
            norms,
        }
    }

    /// The reliability of one rater's score on `measure` (`None`: the Trust Index): the
    /// element's own estimate, or the Trust Index's for the Trust Index and for a context stored
    /// before elements had their own.
    pub fn reliability(&self, measure: Option<Element>) -> RaterReliability {
        let trust_index = RaterReliability {
            single_rater: self.single_rater_reliability,
            basis: self.basis,
        };
        measure.map_or(trust_index, |e| {
            self.element_reliability
                .get(measure_key(Some(e)))
                .copied()
                .unwrap_or(trust_index)
        })
    }

    /// Whether [`CampaignContext::reliability`] of `measure` is the measure's own estimate:
    /// always for the Trust Index; for an element, unless the context was stored before
    /// elements had their own and the element borrows the Trust Index's.
    pub fn has_own_reliability(&self, measure: Option<Element>) -> bool {
        measure.is_none_or(|e| self.element_reliability.contains_key(measure_key(Some(e))))
    }

    /// The leaders' scores on `measure`, when there are enough for percentiles.
    pub fn norm(&self, measure: Option<Element>) -> Option<&Norm> {
        self.norms.get(measure_key(measure))
    }
}

/// One response's rater group and its four scores (as in [`MEASURES`]).
type GroupScores = (RaterGroup, [Option<f64>; 4]);

/// The key of a measure in [`CampaignContext::norms`]: "trust_index" or the element's slug.
pub fn measure_key(measure: Option<Element>) -> &'static str {
    measure.map_or("trust_index", Element::slug)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display;
    use crate::rating::Rating;
    use crate::report::tests::{response, spread};
    use crate::report::{Report, answered_in};

    /// The rank of `probe` among `scores` by counting one by one those below it and those within
    /// the tie tolerance of it: the definition, without sorting or searching.
    fn rank_by_counting(probe: f64, scores: &[f64]) -> Option<f64> {
        if !probe.is_finite() || scores.is_empty() {
            return None;
        }
        let (low, high) = (probe - NORM_TIE_TOLERANCE, probe + NORM_TIE_TOLERANCE);
        let below = scores.iter().filter(|&&v| v < low).count();
        let ties = scores.iter().filter(|&&v| low <= v && v <= high).count();
        Some(100.0 * (below as f64 + 0.5 * ties as f64) / scores.len() as f64)
    }

    #[test]
    fn the_campaign_context_estimates_reliability_and_norms_from_enough_leaders() {
        let instrument = Instrument::current();
        let rules = PrivacyRules::default();
        let mut all = Vec::new();
        for (leader, point) in [(1, 2), (2, 3), (3, 4), (4, 3), (5, 4), (6, 2)] {
            all.extend(
                spread(&instrument, point, 6)
                    .into_iter()
                    .map(|r| (leader, r)),
            );
        }
        let context = CampaignContext::from_campaign(&instrument, &rules, &all);
        let ReliabilityBasis::Campaign { icc1, leaders } = context.basis else {
            panic!("six leaders with clear differences give an estimate: {context:?}");
        };
        assert_eq!(leaders, 6);
        assert!(
            icc1 > 0.3,
            "leaders differ more than their raters do: {icc1}"
        );
        assert_eq!(context.norm(None).expect("norms").len(), 6);

        let few: Vec<_> = all.iter().filter(|(l, _)| *l <= 3).cloned().collect();
        let small = CampaignContext::from_campaign(&instrument, &rules, &few);
        assert_eq!(small.basis, ReliabilityBasis::Research);
        assert!(
            small.norms.is_empty(),
            "no percentiles among fewer than five leaders"
        );

        let responses = spread(&instrument, 4, 6);
        let report = Report::build(
            &instrument,
            &rules,
            &context,
            &answered_in(&responses),
            &responses,
            &[],
        );
        let percentile = report.trust_index.percentile.expect("percentile");
        assert!(
            percentile > 50.0,
            "a 4-ish leader is above most: {percentile}"
        );
        assert_eq!(
            report
                .trust_index
                .others
                .as_ref()
                .expect("score")
                .reliability,
            crate::scoring::Reliability::Solid
        );
    }

    #[test]
    fn sorted_norms_give_the_percentiles_of_the_unsorted_scores() {
        let instrument = Instrument::current();
        let rules = PrivacyRules::default();
        let mut all = Vec::new();
        // Forty leaders whose raters answer alike in groups, so that many leaders tie.
        for leader in 0..40usize {
            let point = [2, 3, 4, 3, 5, 2, 4][leader % 7];
            all.extend(
                spread(&instrument, point, 5 + leader % 4)
                    .into_iter()
                    .map(|r| (leader, r)),
            );
        }
        let context = CampaignContext::from_campaign(&instrument, &rules, &all);
        assert_eq!(context.norms.len(), 4);
        // What an earlier version stored: each measure's scores in leader order, unsorted.
        let mut stored = serde_json::to_value(&context).expect("serialises");
        let norms = stored["norms"].as_object_mut().expect("norms");
        for scores in norms.values_mut() {
            let scores = scores.as_array_mut().expect("an array");
            scores.reverse();
            scores.rotate_left(7);
        }
        let unsorted: BTreeMap<String, Vec<f64>> =
            serde_json::from_value(stored["norms"].clone()).expect("numbers");
        assert!(
            unsorted
                .values()
                .all(|v| !v.is_sorted_by(|a, b| a.total_cmp(b).is_le()))
        );
        let read: CampaignContext = serde_json::from_value(stored).expect("reads");
        assert_eq!(read, context, "sorted as it is read");

        for (key, scores) in &unsorted {
            let norm = &read.norms[key];
            assert_eq!(norm.len(), scores.len());
            let (low, high) = (norm.scores()[0], norm.scores()[norm.len() - 1]);
            let probes = scores
                .iter()
                .flat_map(|s| [*s, s - 0.5, s + 0.5, s.next_up(), s.next_down()])
                .chain([low - 1.0, high + 1.0, f64::NAN]);
            for probe in probes {
                assert_eq!(
                    norm.percentile_rank(probe),
                    rank_by_counting(probe, scores),
                    "{key} at {probe}"
                );
            }
            // A last-bit difference never moves a rank.
            for s in scores {
                let rank = norm.percentile_rank(*s);
                assert_eq!(norm.percentile_rank(s.next_up()), rank);
                assert_eq!(norm.percentile_rank(s.next_down()), rank);
            }
        }
        // Every leader's report ranks them exactly as counting in the unsorted scores does,
        // strictly between 0 and 100: they are among the leaders.
        for leader in 0..40usize {
            let report = report_of(&read, &all, leader);
            for row in std::iter::once(&report.trust_index).chain(&report.elements) {
                let mean = row.others.as_ref().expect("others' score").mean;
                let before = rank_by_counting(mean, &unsorted[measure_key(row.element)]);
                assert_eq!(row.percentile, before);
                assert!(row.percentile.is_some_and(|p| 0.0 < p && p < 100.0));
            }
        }
    }

    /// A direct report's response giving every item of each element one point: `points` holds
    /// relationships, judgement and consistency, in the order of [`Element::ALL`].
    fn rating_elements(instrument: &Instrument, points: [u8; 3]) -> Response {
        let mut r = response(instrument, RaterGroup::DirectReport, 3);
        for (element, point) in Element::ALL.into_iter().zip(points) {
            for item in instrument.items_for(element) {
                r.ratings.insert(item.code.clone(), Rating::Score(point));
            }
        }
        r
    }

    #[test]
    fn tied_leaders_count_half_and_no_leader_is_above_or_below_everyone() {
        let instrument = Instrument::current();
        let rules = PrivacyRules::default();
        // Three leaders tie at the top with the same total in different raters and orders,
        // two tie at the bottom.
        let leaders: [&[[u8; 3]]; 6] = [
            &[[5, 5, 5], [3, 3, 3], [4, 4, 4]],
            &[[4, 4, 4], [4, 4, 4], [4, 4, 4]],
            &[[3, 3, 3], [5, 5, 5], [4, 4, 4]],
            &[[2, 2, 2], [2, 2, 2], [2, 2, 2]],
            &[[1, 1, 1], [3, 3, 3], [2, 2, 2]],
            &[[3, 3, 3], [3, 3, 3], [3, 3, 3]],
        ];
        let all: Vec<(usize, Response)> = leaders
            .iter()
            .enumerate()
            .flat_map(|(l, raters)| {
                raters
                    .iter()
                    .map(move |p| (l, rating_elements(&Instrument::current(), *p)))
            })
            .collect();
        let context = CampaignContext::from_campaign(&instrument, &rules, &all);
        let rank = |leader: usize| {
            report_of(&context, &all, leader)
                .trust_index
                .percentile
                .expect("six leaders")
        };
        // Top: 3 below, 3 tied → (3 + 1.5) / 6; middle: (2 + 0.5) / 6; bottom: (0 + 1) / 6.
        for top in [0, 1, 2] {
            assert_eq!(rank(top), 75.0);
        }
        assert_eq!(rank(5), 100.0 * 2.5 / 6.0);
        for bottom in [3, 4] {
            assert_eq!(rank(bottom), 100.0 / 6.0);
        }
        let norm = context.norm(None).expect("six leaders");
        let top = norm.scores()[5];
        for probe in [top.next_up(), top.next_down(), top + 1e-10] {
            assert_eq!(norm.percentile_rank(probe), Some(75.0), "{probe}");
        }
    }

    /// Builds `leader`'s report in the campaign `all` under `context`.
    fn report_of(context: &CampaignContext, all: &[(usize, Response)], leader: usize) -> Report {
        let responses: Vec<Response> = all
            .iter()
            .filter(|(l, _)| *l == leader)
            .map(|(_, r)| r.clone())
            .collect();
        Report::build(
            &Instrument::current(),
            &PrivacyRules::default(),
            context,
            &answered_in(&responses),
            &responses,
            &[],
        )
    }

    /// Six leaders of six raters who differ clearly in relationships, somewhat in judgement, and
    /// not at all in consistency (every leader's raters give the same spread of points).
    fn leaders_differing_by_element() -> Vec<(usize, Response)> {
        let instrument = Instrument::current();
        let mut all = Vec::new();
        for (leader, level) in [2u8, 3, 4, 3, 4, 2].into_iter().enumerate() {
            for rater in 0..6usize {
                let relationships = if rater % 2 == 0 { level } else { level + 1 };
                let judgement = [level, 3, 3, 2, 4, 3][rater];
                let consistency = [1, 5, 3, 2, 4, 3][(rater + leader) % 6];
                all.push((
                    leader,
                    rating_elements(&instrument, [relationships, judgement, consistency]),
                ));
            }
        }
        all
    }

    #[test]
    fn each_element_rests_on_its_own_reliability() {
        let all = leaders_differing_by_element();
        let context =
            CampaignContext::from_campaign(&Instrument::current(), &PrivacyRules::default(), &all);
        // The relationships estimate is the ICC(1) of the leaders' relationships scores.
        let groups: Vec<Vec<f64>> = (0..6)
            .map(|l| {
                all.iter()
                    .filter(|(leader, _)| *leader == l)
                    .filter_map(|(_, r)| {
                        crate::scoring::rater_element_score(
                            &Instrument::current(),
                            &r.ratings,
                            Element::Relationships,
                        )
                    })
                    .collect()
            })
            .collect();
        let icc1 = stats::icc_oneway(&groups).expect("six leaders").icc1;
        let relationships = context.reliability(Some(Element::Relationships));
        assert_eq!(
            relationships,
            RaterReliability {
                single_rater: icc1,
                basis: ReliabilityBasis::Campaign { icc1, leaders: 6 }
            }
        );
        assert!(
            icc1 > 0.5,
            "leaders differ clearly in relationships: {icc1}"
        );
        // Consistency does not tell the leaders apart: its ICC(1) is below zero, so research.
        assert_eq!(
            context.reliability(Some(Element::Consistency)),
            RaterReliability::RESEARCH
        );
        assert_eq!(
            context.reliability(None).single_rater,
            context.single_rater_reliability
        );

        let report = report_of(&context, &all, 0);
        for row in std::iter::once(&report.trust_index).chain(&report.elements) {
            let own = context.reliability(row.element);
            assert_eq!(row.rater_reliability, own);
            assert!(row.reliability_is_own, "{:?} has its own", row.element);
            let others = row.others.as_ref().expect("six raters");
            let expected =
                crate::scoring::Score::from_rater_scores(&others.values, own.single_rater)
                    .expect("a score");
            assert_eq!(
                (
                    others.reliability_coefficient,
                    others.reliability,
                    others.more_raters_for_solid
                ),
                (
                    expected.reliability_coefficient,
                    expected.reliability,
                    expected.more_raters_for_solid
                )
            );
        }
        let rel = report
            .element(Element::Relationships)
            .others
            .as_ref()
            .expect("score");
        let con = report
            .element(Element::Consistency)
            .others
            .as_ref()
            .expect("score");
        assert!(
            (rel.reliability_coefficient - stats::spearman_brown(icc1, 6.0).expect("sb")).abs()
                < 1e-12
        );
        assert_eq!(rel.reliability, crate::scoring::Reliability::Solid);
        assert_eq!(con.reliability, crate::scoring::Reliability::Indicative);
        assert_eq!(con.more_raters_for_solid, 4, "ten raters at .19");
    }

    #[test]
    fn a_context_stored_before_element_reliability_reads_with_the_trust_index_for_each_element() {
        let all = leaders_differing_by_element();
        let context =
            CampaignContext::from_campaign(&Instrument::current(), &PrivacyRules::default(), &all);
        let stored = serde_json::to_value(&context).expect("serialises");
        let read: CampaignContext = serde_json::from_value(stored.clone()).expect("reads");
        assert_eq!(read, context, "the new field survives a round trip");

        let mut old = stored;
        old.as_object_mut()
            .expect("an object")
            .remove("element_reliability")
            .expect("written");
        let old: CampaignContext = serde_json::from_value(old).expect("an old context reads");
        assert!(old.element_reliability.is_empty());
        let trust_index = context.reliability(None);
        for e in Element::ALL {
            assert_eq!(old.reliability(Some(e)), trust_index);
        }
        let report = report_of(&old, &all, 0);
        assert!(report.trust_index.reliability_is_own);
        for row in &report.elements {
            assert!(!row.reliability_is_own, "borrowed from the Trust Index");
            let others = row.others.as_ref().expect("six raters");
            let sb = stats::spearman_brown(trust_index.single_rater, others.n as f64).expect("sb");
            assert_eq!(others.reliability_coefficient, sb);
        }
        // As an earlier version wrote it, literally.
        let literal: CampaignContext = serde_json::from_str(
            r#"{"single_rater_reliability":0.19,"basis":"research","norms":{"trust_index":[60.0,40.0,50.0,70.0,55.0]}}"#,
        )
        .expect("reads");
        assert_eq!(
            literal.reliability(Some(Element::Judgement)),
            RaterReliability::RESEARCH
        );
        assert_eq!(
            literal.norm(None).map(|n| n.percentile_rank(55.0)),
            Some(Some(50.0))
        );
    }

    #[test]
    fn norms_summed_in_another_order_by_an_earlier_version_rank_the_same() {
        let all = leaders_differing_by_element();
        let context =
            CampaignContext::from_campaign(&Instrument::current(), &PrivacyRules::default(), &all);
        // An earlier version summed in rater order: the stored means a bit off, here all up
        // in one measure and all down in the next.
        let mut stored = context.clone();
        for (i, norm) in stored.norms.values_mut().enumerate() {
            let step = if i % 2 == 0 {
                f64::next_up
            } else {
                f64::next_down
            };
            *norm = Norm::new(norm.scores().iter().copied().map(step).collect());
        }
        assert_ne!(stored.norms, context.norms);
        for leader in 0..6 {
            let now = report_of(&context, &all, leader);
            let before = report_of(&stored, &all, leader);
            for (a, b) in std::iter::once((&now.trust_index, &before.trust_index))
                .chain(now.elements.iter().zip(&before.elements))
            {
                assert_eq!(a.percentile, b.percentile);
                assert!(a.percentile.is_some_and(|p| 0.0 < p && p < 100.0));
            }
        }
    }

    /// A leader's raters, each as the points given to the items in instrument order (cycled
    /// when the instrument has more items), and whether a twin of the leader joins the campaign.
    fn leader() -> impl proptest::strategy::Strategy<Value = (Vec<Vec<u8>>, bool, usize)> {
        (
            proptest::collection::vec(proptest::collection::vec(1u8..=5, 1..12), 3..6),
            proptest::bool::ANY,
            0usize..64,
        )
    }

    /// A direct report's response giving item `i` the point `points[i % points.len()]`.
    fn rating_items(instrument: &Instrument, points: &[u8]) -> Response {
        let mut r = response(instrument, RaterGroup::DirectReport, 3);
        for (i, item) in instrument.items.iter().enumerate() {
            r.ratings
                .insert(item.code.clone(), Rating::Score(points[i % points.len()]));
        }
        r
    }

    proptest::proptest! {
        #[test]
        fn percentiles_are_the_exact_ranks_of_the_leaders_true_scores(
            bases in proptest::collection::vec(leader(), MIN_NORM_LEADERS..10)
        ) {
            let instrument = Instrument::current();
            let rules = PrivacyRules::default();
            let width = instrument.items.len();
            // Every rater's points, one per item.
            let mut leaders: Vec<Vec<Vec<u8>>> = Vec::new();
            for (raters, twin, pick) in &bases {
                let raters: Vec<Vec<u8>> = raters
                    .iter()
                    .map(|p| (0..width).map(|i| p[i % p.len()]).collect())
                    .collect();
                if *twin {
                    // The same answers in the other order, and two raters swapping their
                    // points on one item: other people, the same true scores, other sums.
                    let mut other: Vec<Vec<u8>> = raters.iter().rev().cloned().collect();
                    let (item, last) = (pick % width, other.len() - 1);
                    let (first, rest) = other.split_at_mut(1);
                    std::mem::swap(&mut first[0][item], &mut rest[last - 1][item]);
                    leaders.push(other);
                }
                leaders.push(raters);
            }
            let all: Vec<(usize, Response)> = leaders
                .iter()
                .enumerate()
                .flat_map(|(l, raters)| raters.iter().map(move |p| (l, p)))
                .map(|(l, p)| (l, rating_items(&instrument, p)))
                .collect();
            let context = CampaignContext::from_campaign(&instrument, &rules, &all);
            // Each leader's true score on each measure as a fraction (total, raters) of whole
            // numbers, up to an increasing affine map: an element's score is 25 · (S/m − 1) with
            // S the points a rater gave its m items, and the Trust Index weighs them 4:3:3.
            let items_of = |e: Element| -> Vec<usize> {
                (0..width).filter(|i| instrument.items[*i].measures == crate::instrument::Measures::Element(e)).collect()
            };
            let items = Element::ALL.map(items_of);
            let m = items.clone().map(|i| i.len() as i64);
            let exact = |raters: &[Vec<u8>], slot: usize| -> (i64, i64) {
                let total = raters
                    .iter()
                    .map(|p| {
                        let [r, j, c] = items.clone().map(|i| i.iter().map(|&i| i64::from(p[i])).sum::<i64>());
                        match slot {
                            0 => 4 * r * m[1] * m[2] + 3 * j * m[0] * m[2] + 3 * c * m[0] * m[1],
                            slot => [r, j, c][slot - 1],
                        }
                    })
                    .sum();
                (total, raters.len() as i64)
            };
            for (l, raters) in leaders.iter().enumerate() {
                let report = report_of(&context, &all, l);
                for (slot, row) in std::iter::once(&report.trust_index)
                    .chain(&report.elements)
                    .enumerate()
                {
                    let (a, n) = exact(raters, slot);
                    let (mut below, mut ties) = (0usize, 0usize);
                    for other in &leaders {
                        let (b, m) = exact(other, slot);
                        match (b * n).cmp(&(a * m)) {
                            std::cmp::Ordering::Less => below += 1,
                            std::cmp::Ordering::Equal => ties += 1,
                            std::cmp::Ordering::Greater => {}
                        }
                    }
                    let expected =
                        100.0 * (below as f64 + 0.5 * ties as f64) / leaders.len() as f64;
                    proptest::prop_assert_eq!(row.percentile, Some(expected), "leader {} slot {}", l, slot);
                    let words = display::percentile(expected).expect("a rank");
                    proptest::prop_assert!(!words.contains("100%") && !words.contains(" 0%"));
                }
            }
        }
    }
}
