//! A pulse round's scores, the change between two rounds, and the alert on a real fall.
//!
//! A respondent's scores come from the same rules as the 360's (`crate::scoring`): each element
//! item on 0–100, their Trust Index weighted as in the 360, and the overall item on its own. A
//! round's score per measure is the mean of its respondents' with the Student-t interval. Two
//! rounds are compared with the 360's test ([`crate::report::compare_scores`]: Welch's test and
//! the minimum detectable difference), as independent samples since answers are anonymous.

use crate::analytics::Sums;
use crate::instrument::{Instrument, Measures};
use crate::model::Element;
use crate::rating::Rating;
use crate::report::{ChangeRow, compare_scores};
use crate::scoring::{self, PRIOR_SINGLE_RATER_RELIABILITY, Score};
use crate::stats::Moments;
use serde::Serialize;
use std::collections::BTreeMap;

/// What a pulse figure measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "element")]
pub enum PulseMeasure {
    /// The Trust Index (the three elements weighted as in the 360).
    TrustIndex,
    /// One element's item.
    Element(Element),
    /// The overall trust item ("I trust my team leader").
    Overall,
}

impl PulseMeasure {
    /// Every measure, in the order pages show them.
    pub const ALL: [PulseMeasure; 5] = [
        PulseMeasure::TrustIndex,
        PulseMeasure::Element(Element::Relationships),
        PulseMeasure::Element(Element::Judgement),
        PulseMeasure::Element(Element::Consistency),
        PulseMeasure::Overall,
    ];

    /// How the measure reads on a page.
    pub fn label(self) -> &'static str {
        match self {
            PulseMeasure::TrustIndex => "Trust Index",
            PulseMeasure::Element(e) => e.label(),
            PulseMeasure::Overall => "Overall trust",
        }
    }

    /// The element, when the measure is one.
    pub fn element(self) -> Option<Element> {
        match self {
            PulseMeasure::Element(e) => Some(e),
            _ => None,
        }
    }
}

/// One respondent's scores on 0–100, for the measures they answered (not "can't say").
pub fn respondent_scores(
    instrument: &Instrument,
    ratings: &BTreeMap<String, Rating>,
) -> BTreeMap<PulseMeasure, f64> {
    let mut scores = BTreeMap::new();
    let mut elements = BTreeMap::new();
    for element in Element::ALL {
        if let Some(s) = scoring::rater_element_score(instrument, ratings, element) {
            elements.insert(element, s);
            scores.insert(PulseMeasure::Element(element), s);
        }
    }
    if let Some(ti) = scoring::rater_trust_index(&elements) {
        scores.insert(PulseMeasure::TrustIndex, ti);
    }
    if instrument
        .items
        .iter()
        .any(|i| i.measures == Measures::Overall)
        && let Some(o) = scoring::rater_overall_score(instrument, ratings)
    {
        scores.insert(PulseMeasure::Overall, o);
    }
    scores
}

/// The running sums of a round's released answers (of a team, or of several teams added
/// together): enough for its scores, so that a trend need not read the answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RoundSums {
    /// Respondents.
    pub respondents: u64,
    /// Per measure of [`PulseMeasure::ALL`], the count, sum and sum of squares of the scores.
    pub measures: [Sums; 5],
}

impl RoundSums {
    /// Adds one respondent's scores ([`respondent_scores`]).
    pub fn add(&mut self, scores: &BTreeMap<PulseMeasure, f64>) {
        self.respondents += 1;
        for (sums, measure) in self.measures.iter_mut().zip(PulseMeasure::ALL) {
            if let Some(value) = scores.get(&measure) {
                sums.add(*value);
            }
        }
    }

    /// Adds another team's (or batch's) sums.
    pub fn merge(&mut self, other: &RoundSums) {
        self.respondents += other.respondents;
        for (sums, more) in self.measures.iter_mut().zip(&other.measures) {
            sums.merge(more);
        }
    }
}

/// A round's scores: who was asked, who answered, and each measure's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundScores {
    /// Members asked.
    pub invited: u32,
    /// Members who answered.
    pub answered: u32,
    /// Each measure's score over the respondents who gave it a value.
    pub scores: BTreeMap<PulseMeasure, Score>,
}

impl RoundScores {
    /// The round's scores from its respondents' scores ([`respondent_scores`]).
    pub fn from_respondents(invited: u32, respondents: &[BTreeMap<PulseMeasure, f64>]) -> Self {
        let scores = PulseMeasure::ALL
            .into_iter()
            .filter_map(|m| {
                let values: Vec<f64> = respondents
                    .iter()
                    .filter_map(|r| r.get(&m))
                    .copied()
                    .collect();
                Some((
                    m,
                    Score::from_rater_scores(&values, PRIOR_SINGLE_RATER_RELIABILITY)?,
                ))
            })
            .collect();
        RoundScores {
            invited,
            answered: u32::try_from(respondents.len()).unwrap_or(u32::MAX),
            scores,
        }
    }

    /// The round's scores from the running sums of its respondents' scores: the same numbers
    /// as [`RoundScores::from_respondents`] over those respondents, up to rounding in the last
    /// digits (a test checks it against the answers).
    pub fn from_sums(invited: u32, sums: &RoundSums) -> Self {
        let scores = PulseMeasure::ALL
            .into_iter()
            .zip(&sums.measures)
            .filter_map(|(m, s)| {
                let moments = Moments::from_sums(s.n, s.sum, s.sum_sq)?;
                Some((
                    m,
                    Score::from_moments(&moments, PRIOR_SINGLE_RATER_RELIABILITY)?,
                ))
            })
            .collect();
        RoundScores {
            invited,
            answered: u32::try_from(sums.respondents).unwrap_or(u32::MAX),
            scores,
        }
    }

    /// answered ÷ invited, `None` when nobody was asked.
    pub fn response_rate(&self) -> Option<f64> {
        (self.invited > 0).then(|| f64::from(self.answered) / f64::from(self.invited))
    }
}

/// Each measure compared from `before` to `after` with the 360's test (measures either round
/// lacks, or with too few answers for the test, are left out).
pub fn change_between(before: &RoundScores, after: &RoundScores) -> Vec<(PulseMeasure, ChangeRow)> {
    PulseMeasure::ALL
        .into_iter()
        .filter_map(|m| {
            let row = compare_scores(m.element(), before.scores.get(&m)?, after.scores.get(&m)?)?;
            Some((m, row))
        })
        .collect()
}

/// A fall beyond the noise, for the leader's and the admin's pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// The measures that fell, each with its test.
    pub fell: Vec<(PulseMeasure, ChangeRow)>,
}

impl Alert {
    /// The elements that fell: their lessons are linked from the alert.
    pub fn elements(&self) -> Vec<Element> {
        self.fell.iter().filter_map(|(m, _)| m.element()).collect()
    }
}

/// The points a fall must reach, besides being beyond the noise, to raise an alert.
pub const DEFAULT_ALERT_POINTS: f64 = 5.0;

/// The alert for `after` against `before`: the measures whose fall is beyond the noise (the
/// 95% interval of the difference lies below zero) and at least `min_points` points; `None`
/// when none did. A fall the test calls noise never alerts, however large it looks.
pub fn alert(before: &RoundScores, after: &RoundScores, min_points: f64) -> Option<Alert> {
    alert_among(change_between(before, after), min_points)
}

/// [`alert`] from the changes [`change_between`] gave for the two rounds.
pub fn alert_among(changes: Vec<(PulseMeasure, ChangeRow)>, min_points: f64) -> Option<Alert> {
    let fell: Vec<(PulseMeasure, ChangeRow)> = changes
        .into_iter()
        .filter(|(_, row)| row.test.ci.1 < 0.0 && row.test.difference <= -min_points)
        .collect();
    (!fell.is_empty()).then_some(Alert { fell })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn respondents(values: &[f64]) -> Vec<BTreeMap<PulseMeasure, f64>> {
        values
            .iter()
            .map(|v| {
                PulseMeasure::ALL
                    .into_iter()
                    .map(|m| {
                        (
                            m,
                            if m == PulseMeasure::Element(Element::Judgement) {
                                70.0 + v / 10.0
                            } else {
                                *v
                            },
                        )
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_respondent_scores_each_answered_item_and_the_trust_index_from_the_elements() {
        let pulse = Instrument::pulse_current();
        let code = |m: Measures| {
            pulse
                .items
                .iter()
                .find(|i| i.measures == m)
                .map(|i| i.code.clone())
                .expect("item")
        };
        let ratings: BTreeMap<String, Rating> = [
            (
                code(Measures::Element(Element::Relationships)),
                Rating::Score(5),
            ),
            (
                code(Measures::Element(Element::Judgement)),
                Rating::Score(3),
            ),
            (
                code(Measures::Element(Element::Consistency)),
                Rating::CantSay,
            ),
            (code(Measures::Overall), Rating::Score(4)),
        ]
        .into_iter()
        .collect();
        let s = respondent_scores(&pulse, &ratings);
        assert_eq!(s[&PulseMeasure::Element(Element::Relationships)], 100.0);
        assert_eq!(s[&PulseMeasure::Element(Element::Judgement)], 50.0);
        assert!(!s.contains_key(&PulseMeasure::Element(Element::Consistency)));
        assert_eq!(s[&PulseMeasure::Overall], 75.0);
        // Weights .4 and .3 scaled up to one: (40 + 15) / .7.
        assert!((s[&PulseMeasure::TrustIndex] - 55.0 / 0.7).abs() < 1e-12);
    }

    #[test]
    fn a_fall_beyond_the_noise_and_the_points_alerts_and_noise_does_not() {
        let before =
            RoundScores::from_respondents(8, &respondents(&[75.0, 80.0, 70.0, 75.0, 85.0, 80.0]));
        let fallen =
            RoundScores::from_respondents(8, &respondents(&[50.0, 55.0, 45.0, 50.0, 60.0, 55.0]));
        let alert = alert(&before, &fallen, DEFAULT_ALERT_POINTS).expect("a clear fall");
        let measures: Vec<PulseMeasure> = alert.fell.iter().map(|(m, _)| *m).collect();
        assert!(measures.contains(&PulseMeasure::TrustIndex));
        assert!(measures.contains(&PulseMeasure::Element(Element::Relationships)));
        assert!(
            !measures.contains(&PulseMeasure::Element(Element::Judgement)),
            "judgement moved 2.5 points: beyond the noise but under the points"
        );
        assert_eq!(
            alert.elements(),
            vec![Element::Relationships, Element::Consistency]
        );
        // A fall of 10 points among answers that spread widely is noise: no alert.
        let wide = RoundScores::from_respondents(
            8,
            &respondents(&[100.0, 50.0, 25.0, 100.0, 75.0, 100.0]),
        );
        let wide_after =
            RoundScores::from_respondents(8, &respondents(&[75.0, 50.0, 0.0, 100.0, 75.0, 75.0]));
        let rows = change_between(&wide, &wide_after);
        let ti = rows
            .iter()
            .find(|(m, _)| *m == PulseMeasure::TrustIndex)
            .expect("tested");
        assert!(
            ti.1.test.difference < -DEFAULT_ALERT_POINTS,
            "it looks like a fall"
        );
        assert!(!ti.1.is_real(), "but the test calls it noise");
        assert_eq!(super::alert(&wide, &wide_after, DEFAULT_ALERT_POINTS), None);
        // A rise never alerts.
        assert_eq!(super::alert(&fallen, &before, DEFAULT_ALERT_POINTS), None);
    }

    /// `a` and `b` agree to rounding in the last digits.
    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    /// Whether two rounds' scores are the same numbers, to rounding in the last digits.
    fn same_scores(a: &RoundScores, b: &RoundScores) -> bool {
        let pair = |x: Option<(f64, f64)>, y: Option<(f64, f64)>| match (x, y) {
            (Some(x), Some(y)) => close(x.0, y.0) && close(x.1, y.1),
            (x, y) => x.is_none() && y.is_none(),
        };
        a.invited == b.invited
            && a.answered == b.answered
            && a.scores.len() == b.scores.len()
            && a.scores.iter().all(|(m, x)| {
                b.scores.get(m).is_some_and(|y| {
                    x.n == y.n
                        && close(x.mean, y.mean)
                        && x.sd.zip(y.sd).is_none_or(|(s, t)| close(s, t))
                        && x.sd.is_some() == y.sd.is_some()
                        && pair(x.ci95, y.ci95)
                        && pair(x.interval, y.interval)
                        && x.reliability == y.reliability
                        && x.more_raters_for_solid == y.more_raters_for_solid
                        && close(x.reliability_coefficient, y.reliability_coefficient)
                })
            })
    }

    proptest::proptest! {
        #[test]
        fn scores_from_running_sums_are_those_of_the_respondents(
            first in proptest::collection::vec(proptest::collection::vec(proptest::option::of(0u8..=4), 5), 0..40),
            second in proptest::collection::vec(proptest::collection::vec(proptest::option::of(0u8..=4), 5), 0..40),
        ) {
            // Each respondent's five measures on the pulse's grid (a quarter step), some left
            // out as "can't say"; the Trust Index off the grid as a weighted mean is.
            let of = |rows: &[Vec<Option<u8>>]| -> Vec<BTreeMap<PulseMeasure, f64>> {
                rows.iter()
                    .map(|r| {
                        PulseMeasure::ALL
                            .into_iter()
                            .zip(r)
                            .filter_map(|(m, v)| {
                                let v = f64::from((*v)?) * 25.0;
                                Some((m, if m == PulseMeasure::TrustIndex { v * 0.7 + 55.0 / 7.0 } else { v }))
                            })
                            .collect()
                    })
                    .collect()
            };
            let (first, second) = (of(&first), of(&second));
            let sums = |rows: &[BTreeMap<PulseMeasure, f64>]| {
                let mut sums = RoundSums::default();
                rows.iter().for_each(|r| sums.add(r));
                sums
            };
            let (a, b) = (sums(&first), sums(&second));
            let from_answers = RoundScores::from_respondents(50, &first);
            let from_sums = RoundScores::from_sums(50, &a);
            proptest::prop_assert!(same_scores(&from_answers, &from_sums), "{from_answers:?} {from_sums:?}");
            // Two teams added together: a roll-up.
            let mut both = a;
            both.merge(&b);
            let all: Vec<_> = first.iter().chain(&second).cloned().collect();
            let rolled = RoundScores::from_respondents(100, &all);
            proptest::prop_assert!(same_scores(&rolled, &RoundScores::from_sums(100, &both)));
            // The change between them, with the test and the detectable change.
            let by_answers = change_between(&from_answers, &RoundScores::from_respondents(50, &second));
            let by_sums = change_between(&from_sums, &RoundScores::from_sums(50, &b));
            proptest::prop_assert_eq!(by_answers.len(), by_sums.len());
            for ((m, x), (n, y)) in by_answers.iter().zip(&by_sums) {
                proptest::prop_assert_eq!(m, n);
                proptest::prop_assert!(close(x.test.difference, y.test.difference));
                proptest::prop_assert!(close(x.test.ci.0, y.test.ci.0) && close(x.test.ci.1, y.test.ci.1));
                proptest::prop_assert!(close(x.test.p_value, y.test.p_value));
                proptest::prop_assert_eq!(x.detectable.is_some(), y.detectable.is_some());
                proptest::prop_assert!(x.detectable.zip(y.detectable).is_none_or(|(s, t)| close(s, t)));
            }
        }
    }

    #[test]
    fn the_response_rate_is_answered_over_invited() {
        let r = RoundScores::from_respondents(8, &respondents(&[70.0, 75.0]));
        assert_eq!(r.response_rate(), Some(0.25));
        assert_eq!(RoundScores::from_respondents(0, &[]).response_rate(), None);
        assert!(RoundScores::from_respondents(0, &[]).scores.is_empty());
    }
}
