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

/// Where the reliability of one rater's score comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReliabilityBasis {
    /// Estimated from this campaign: ICC(1) of the Trust Index across its leaders.
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

/// Campaign-wide facts a leader's report needs beyond the leader's own answers: how reliable one
/// rater's score is, and the distribution of leaders' scores for percentiles.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CampaignContext {
    /// The reliability of one rater's score used for every reliability word.
    pub single_rater_reliability: f64,
    /// Where that number comes from.
    pub basis: ReliabilityBasis,
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

    /// The percentile rank of `score` among the leaders: exactly
    /// [`stats::percentile_rank`] over the scores, `None` where that is an error.
    pub fn percentile_rank(&self, score: f64) -> Option<f64> {
        stats::percentile_rank_sorted(score, &self.0).ok()
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
        let mut icc_groups: Vec<Vec<f64>> = Vec::new();
        for responses in by_leader.values() {
            let mut respondents = BTreeMap::new();
            for (group, _) in responses {
                *respondents.entry(*group).or_insert(0u32) += 1;
            }
            let plan = plan_rater_groups(rules, &respondents);
            // The leader's report counts these answers; the hidden groups' nowhere.
            let trust: Vec<f64> = responses
                .iter()
                .filter(|(g, _)| *g != RaterGroup::SelfRating && plan.counts(*g))
                .filter_map(|(_, v)| v[0])
                .collect();
            if trust.len() >= 2 {
                icc_groups.push(trust);
            }
            for (slot, measure) in MEASURES.into_iter().enumerate() {
                // Exactly the values behind the "others" figure of the leader's report.
                let values: Vec<(RaterGroup, Option<f64>)> =
                    responses.iter().map(|(g, v)| (*g, v[slot])).collect();
                let columns = measure_columns(&plan, rules.min_rater_group as usize, &values);
                let values = pooled_others(&plan, &columns);
                if !values.is_empty() {
                    norms
                        .entry(measure_key(measure).to_string())
                        .or_default()
                        .push(values.iter().sum::<f64>() / values.len() as f64);
                }
            }
        }
        let norms: BTreeMap<String, Norm> = norms
            .into_iter()
            .filter(|(_, v)| v.len() >= MIN_NORM_LEADERS)
            .map(|(k, v)| (k, Norm::new(v)))
            .collect();
        let estimate = (icc_groups.len() >= MIN_NORM_LEADERS)
            .then(|| stats::icc_oneway(&icc_groups).ok())
            .flatten()
            .map(|icc| icc.icc1)
            .filter(|icc1| (0.05..0.95).contains(icc1));
        match estimate {
            Some(icc1) => CampaignContext {
                single_rater_reliability: icc1,
                basis: ReliabilityBasis::Campaign {
                    icc1,
                    leaders: icc_groups.len(),
                },
                norms,
            },
            None => CampaignContext {
                norms,
                ..CampaignContext::research_only()
            },
        }
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
    use crate::report::tests::spread;
    use crate::report::{Report, answered_in};

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
                    stats::percentile_rank(probe, scores).ok(),
                    "{key} at {probe}"
                );
            }
        }
        // Every leader's report ranks them exactly as the unsorted scores do.
        for leader in 0..40usize {
            let responses: Vec<Response> = all
                .iter()
                .filter(|(l, _)| *l == leader)
                .map(|(_, r)| r.clone())
                .collect();
            let report = Report::build(
                &instrument,
                &rules,
                &read,
                &answered_in(&responses),
                &responses,
                &[],
            );
            for row in std::iter::once(&report.trust_index).chain(&report.elements) {
                let mean = row.others.as_ref().expect("others' score").mean;
                let before = stats::percentile_rank(mean, &unsorted[measure_key(row.element)]);
                assert_eq!(row.percentile, before.ok());
                assert!(row.percentile.is_some());
            }
        }
    }
}
