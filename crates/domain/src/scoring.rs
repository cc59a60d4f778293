//! Scoring: from item answers to element scores and the Trust Index, each with its uncertainty.
//!
//! A rater's element score is the mean of the items of that element they rated ("can't say"
//! excluded), put on a 0–100 scale. The Trust Index of a rater weighs their three element scores
//! (see [`TRUST_INDEX_WEIGHTS`]). A group's score is the mean over its raters, with a Student-t
//! confidence interval. `docs/scoring.md` gives the formulas and the reasons.

use crate::display;
use crate::instrument::{Instrument, Measures};
use crate::model::Element;
use crate::rating::Rating;
use crate::stats;
use serde::Serialize;
use std::collections::BTreeMap;

/// Weights of the three elements in the Trust Index. Relationships weighs most: in large 360
/// data sets a low relationships score costs about twice as much trust as a low consistency
/// score, with judgement between them.
pub const TRUST_INDEX_WEIGHTS: [(Element, f64); 3] = [
    (Element::Relationships, 0.40),
    (Element::Judgement, 0.30),
    (Element::Consistency, 0.30),
];

/// Puts a mean on the instrument's scale onto 0–100 (scale minimum → 0, maximum → 100).
pub fn to_percent(mean_on_scale: f64, instrument: &Instrument) -> f64 {
    let min = f64::from(instrument.scale.min);
    let max = f64::from(instrument.scale.max);
    (mean_on_scale - min) / (max - min) * 100.0
}

/// One rater's element score on 0–100: the mean of the element's items they rated, or `None`
/// when they answered "can't say" to all of them.
pub fn rater_element_score(
    instrument: &Instrument,
    ratings: &BTreeMap<String, Rating>,
    element: Element,
) -> Option<f64> {
    mean_of_items(instrument, ratings, Measures::Element(element))
}

/// One rater's answer to the overall trust items on 0–100, if they gave any.
pub fn rater_overall_score(
    instrument: &Instrument,
    ratings: &BTreeMap<String, Rating>,
) -> Option<f64> {
    mean_of_items(instrument, ratings, Measures::Overall)
}

fn mean_of_items(
    instrument: &Instrument,
    ratings: &BTreeMap<String, Rating>,
    measures: Measures,
) -> Option<f64> {
    let points: Vec<f64> = instrument
        .items
        .iter()
        .filter(|i| i.measures == measures)
        .filter_map(|i| ratings.get(&i.code).and_then(|r| r.score()))
        .map(f64::from)
        .collect();
    if points.is_empty() {
        return None;
    }
    let mean = points.iter().sum::<f64>() / points.len() as f64;
    Some(to_percent(mean, instrument))
}

/// One rater's Trust Index: the weighted mean of their element scores; when an element is
/// missing (all "can't say") the weights of the others are scaled up to sum to one.
pub fn rater_trust_index(element_scores: &BTreeMap<Element, f64>) -> Option<f64> {
    let mut total = 0.0;
    let mut weight = 0.0;
    for (element, w) in TRUST_INDEX_WEIGHTS {
        if let Some(score) = element_scores.get(&element) {
            total += w * score;
            weight += w;
        }
    }
    (weight > 0.0).then(|| total / weight)
}

/// How far a score can be relied on, in a word a leader understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reliability {
    /// Enough answers, agreeing closely enough, to act on the number.
    Solid,
    /// A direction worth noticing, not a number to act on alone.
    Indicative,
    /// Too few answers to say anything.
    TooFewAnswers,
}

impl Reliability {
    /// The word shown beside a score.
    pub fn label(self) -> &'static str {
        match self {
            Reliability::Solid => "solid",
            Reliability::Indicative => "indicative",
            Reliability::TooFewAnswers => "too few answers",
        }
    }

    /// A sentence saying what the word means for the reader.
    pub fn explanation(self) -> &'static str {
        match self {
            Reliability::Solid => "Enough people answered, closely enough, to act on this score.",
            Reliability::Indicative => {
                "Read this as a direction, not a precise number: the true score may be some way off."
            }
            Reliability::TooFewAnswers => "Too few answers to rely on this score.",
        }
    }
}

/// The reliability of a mean of raters at or above which a score is "solid" (a common standard
/// for decisions about one person).
pub const SOLID_RELIABILITY: f64 = 0.70;

/// The reliability of one rater's score assumed when a campaign is too small to estimate it:
/// with it, about ten raters reach [`SOLID_RELIABILITY`], as research on 360 ratings finds.
pub const PRIOR_SINGLE_RATER_RELIABILITY: f64 = 0.19;

/// The fewest raters for a score to be more than "too few answers".
pub const MIN_RATERS_FOR_A_SCORE: usize = 3;

/// A score shown to users: the mean on 0–100 with its spread and uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// How many raters the score rests on.
    pub n: usize,
    /// The mean on 0–100.
    pub mean: f64,
    /// The standard deviation across raters, when there are at least two.
    pub sd: Option<f64>,
    /// The 95% confidence interval of the mean (Student's t), as computed: not clipped, so an
    /// end can lie outside 0–100 (a wide interval of few raters). `None` below two raters.
    /// Show it with [`display::interval`], which clips it to the scale.
    pub ci95: Option<(f64, f64)>,
    /// [`Score::ci95`] clipped to 0–100, the interval as drawn ([`display::clip_to_scale`]).
    /// Kept for the pages that read it; new code reads `ci95` and clips only to show it.
    pub interval: Option<(f64, f64)>,
    /// The reliability of this mean of `n` raters (Spearman–Brown from one rater's reliability).
    pub reliability_coefficient: f64,
    /// How many more raters would make the score solid (0 when it is).
    pub more_raters_for_solid: u32,
    /// How far the score can be relied on.
    pub reliability: Reliability,
    /// The per-rater values the score summarises (never shown); empty for a score made from
    /// running sums ([`Score::from_moments`]).
    #[serde(skip)]
    pub values: Vec<f64>,
    /// The count, mean and squared deviations of the raters' scores: what comparisons read.
    #[serde(skip)]
    pub moments: stats::Moments,
}

impl Score {
    /// Summarises per-rater scores (each 0–100), given the reliability of one rater's score;
    /// `None` when there are none.
    ///
    /// The word: "too few answers" below [`MIN_RATERS_FOR_A_SCORE`] raters; "solid" when the
    /// Spearman–Brown reliability of the mean of n raters reaches [`SOLID_RELIABILITY`];
    /// "indicative" otherwise.
    pub fn from_rater_scores(values: &[f64], single_rater_reliability: f64) -> Option<Score> {
        if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mut score = Score::from_moments(&stats::Moments::of(values), single_rater_reliability)?;
        score.values = values.to_vec();
        Some(score)
    }

    /// The score of raters' scores given by their [`stats::Moments`] (a pulse round's running
    /// sums): what [`Score::from_rater_scores`] gives for values with these moments, with
    /// [`Score::values`] left empty. `None` without a rater.
    pub fn from_moments(moments: &stats::Moments, single_rater_reliability: f64) -> Option<Score> {
        if moments.n == 0 {
            return None;
        }
        let spread = stats::spread(moments).ok()?;
        let rho = single_rater_reliability.clamp(0.01, 0.99);
        let reliability_coefficient = stats::spearman_brown(rho, moments.n as f64).unwrap_or(0.0);
        let reliability = if moments.n < MIN_RATERS_FOR_A_SCORE {
            Reliability::TooFewAnswers
        } else if shows_solid(reliability_coefficient) {
            Reliability::Solid
        } else {
            Reliability::Indicative
        };
        let ci95 = spread.map(|s| s.ci95);
        Some(Score {
            n: moments.n,
            mean: moments.mean,
            sd: spread.map(|s| s.sd),
            ci95,
            interval: ci95.map(display::clip_to_scale),
            reliability_coefficient,
            more_raters_for_solid: more_raters_for_solid(rho, moments.n),
            reliability,
            values: Vec::new(),
            moments: *moments,
        })
    }
}

/// Whether a reliability coefficient, as shown ([`display::coefficient`]: two decimals), reaches
/// [`SOLID_RELIABILITY`]: the word "solid" goes with every coefficient shown as "0.70" or more,
/// and with no other.
pub fn shows_solid(coefficient: f64) -> bool {
    display::round(coefficient, 2) >= SOLID_RELIABILITY
}

/// How many raters beyond `n` the mean needs before its reliability, as shown, is solid (0 when
/// it is): the Spearman–Brown count for [`SOLID_RELIABILITY`], less the raters whose coefficient
/// already shows as "0.70" (a mean of .696 is shown as .70 and called solid).
fn more_raters_for_solid(rho: f64, n: usize) -> u32 {
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    let solid_at =
        |k: u32| k > 0 && shows_solid(stats::spearman_brown(rho, f64::from(k)).unwrap_or(0.0));
    let Ok(mut needed) = stats::raters_needed(rho, SOLID_RELIABILITY) else {
        return 0;
    };
    // Spearman–Brown rises with the raters, so the first count shown as solid is at or below
    // the exact one, and rounding moves it by a rater or two at most.
    while needed > 1 && solid_at(needed - 1) {
        needed -= 1;
    }
    needed.saturating_sub(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_ends_map_to_zero_and_one_hundred() {
        let instrument = Instrument::current();
        assert_eq!(to_percent(1.0, &instrument), 0.0);
        assert_eq!(to_percent(5.0, &instrument), 100.0);
        assert_eq!(to_percent(4.0, &instrument), 75.0);
    }

    #[test]
    fn cant_say_is_left_out_of_an_element_score() {
        let instrument = Instrument::current();
        let mut ratings = BTreeMap::new();
        let codes: Vec<_> = instrument
            .items_for(Element::Consistency)
            .map(|i| i.code.clone())
            .collect();
        ratings.insert(codes[0].clone(), Rating::Score(5));
        ratings.insert(codes[1].clone(), Rating::Score(3));
        ratings.insert(codes[2].clone(), Rating::CantSay);
        assert_eq!(
            rater_element_score(&instrument, &ratings, Element::Consistency),
            Some(75.0)
        );
        assert_eq!(
            rater_element_score(&instrument, &ratings, Element::Judgement),
            None
        );
    }

    #[test]
    fn the_trust_index_weighs_relationships_most_and_reweights_missing_elements() {
        let all: BTreeMap<_, _> = [
            (Element::Relationships, 100.0),
            (Element::Judgement, 0.0),
            (Element::Consistency, 0.0),
        ]
        .into();
        assert!((rater_trust_index(&all).expect("index") - 40.0).abs() < 1e-9);
        let two: BTreeMap<_, _> = [(Element::Judgement, 80.0), (Element::Consistency, 60.0)].into();
        assert!((rater_trust_index(&two).expect("index") - 70.0).abs() < 1e-9);
        assert_eq!(rater_trust_index(&BTreeMap::new()), None);
    }

    #[test]
    fn reliability_follows_spearman_brown_from_one_raters_reliability() {
        let rho = PRIOR_SINGLE_RATER_RELIABILITY;
        let few = Score::from_rater_scores(&[80.0, 90.0], rho).expect("score");
        assert_eq!(few.reliability, Reliability::TooFewAnswers);
        assert_eq!(
            few.more_raters_for_solid, 8,
            "ten raters reach .70 at rho .19"
        );
        let nine = Score::from_rater_scores(&[70.0; 9], rho).expect("score");
        assert_eq!(nine.reliability, Reliability::Indicative);
        assert_eq!(nine.more_raters_for_solid, 1);
        let ten = Score::from_rater_scores(&[70.0; 10], rho).expect("score");
        assert_eq!(ten.reliability, Reliability::Solid);
        assert!((ten.reliability_coefficient - 10.0 * 0.19 / (1.0 + 9.0 * 0.19)).abs() < 1e-12);
        assert_eq!(ten.more_raters_for_solid, 0);
        // A campaign where raters agree more about each leader needs fewer raters.
        let strong = Score::from_rater_scores(&[60.0, 65.0, 70.0, 75.0], 0.5).expect("score");
        assert_eq!(strong.reliability, Reliability::Solid);
        assert!(Score::from_rater_scores(&[], rho).is_none());
    }

    #[test]
    fn the_interval_is_kept_unclipped_beside_the_clipped_one() {
        let few = Score::from_rater_scores(&[90.0, 100.0, 100.0], 0.19).expect("score");
        let (low, high) = few.ci95.expect("three raters");
        assert!(
            high > 100.0,
            "Student's t with two df reaches past the scale: {high}"
        );
        assert_eq!(few.interval, Some((low, 100.0)));
        assert_eq!(few.interval, few.ci95.map(display::clip_to_scale));
        assert_eq!(display::interval(few.ci95.expect("three raters")), "82–100");
        let one = Score::from_rater_scores(&[90.0], 0.19).expect("score");
        assert_eq!((one.ci95, one.interval), (None, None));
    }

    #[test]
    fn a_coefficient_shown_as_070_is_solid_and_needs_no_more_raters() {
        // Ten raters at .187 reach .69698: shown "0.70", so "solid", not "indicative, 1 more".
        let ten = Score::from_rater_scores(&[70.0; 10], 0.187).expect("score");
        assert!(ten.reliability_coefficient < SOLID_RELIABILITY);
        assert_eq!(display::coefficient(ten.reliability_coefficient), "0.70");
        assert_eq!(ten.reliability, Reliability::Solid);
        assert_eq!(ten.more_raters_for_solid, 0);
        let nine = Score::from_rater_scores(&[70.0; 9], 0.187).expect("score");
        assert_eq!(display::coefficient(nine.reliability_coefficient), "0.67");
        assert_eq!(nine.reliability, Reliability::Indicative);
        assert_eq!(nine.more_raters_for_solid, 1);
    }

    proptest::proptest! {
        #[test]
        fn the_reliability_word_and_the_raters_needed_follow_the_coefficient_shown(
            rho in 0.01..0.99f64, n in 1usize..60
        ) {
            let values: Vec<f64> = (0..n).map(|i| (i % 5) as f64 * 25.0).collect();
            let score = Score::from_rater_scores(&values, rho).expect("score");
            let shown: f64 = display::coefficient(score.reliability_coefficient).parse().expect("a number");
            let expected = if n < MIN_RATERS_FOR_A_SCORE {
                Reliability::TooFewAnswers
            } else if shown >= 0.70 {
                Reliability::Solid
            } else {
                Reliability::Indicative
            };
            proptest::prop_assert_eq!(score.reliability, expected);
            // n + more is the first number of raters whose coefficient is shown as solid.
            let shows = |k: usize| {
                let c = stats::spearman_brown(rho, k as f64).expect("in range");
                display::coefficient(c).parse::<f64>().expect("a number") >= 0.70
            };
            let reach = n + score.more_raters_for_solid as usize;
            proptest::prop_assert!(shows(reach), "{} raters are not shown solid", reach);
            if score.more_raters_for_solid > 0 {
                proptest::prop_assert!(!shows(reach - 1));
            }
        }
    }
}
