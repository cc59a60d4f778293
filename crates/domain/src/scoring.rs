//! Scoring: from item answers to element scores and the Trust Index, each with its uncertainty.
//!
//! A rater's element score is the mean of the items of that element they rated ("can't say"
//! excluded), put on a 0–100 scale. The Trust Index of a rater weighs their three element scores
//! (see [`TRUST_INDEX_WEIGHTS`]). A group's score is the mean over its raters, with a Student-t
//! confidence interval. `docs/scoring.md` gives the formulas and the reasons.

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

/// The half-width of a 95% interval, in points on 0–100, at or below which a score is "solid".
pub const SOLID_HALF_WIDTH: f64 = 10.0;

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
    /// The 95% confidence interval, clipped to 0–100, when there are at least two raters.
    pub interval: Option<(f64, f64)>,
    /// How far the score can be relied on.
    pub reliability: Reliability,
}

impl Score {
    /// Summarises per-rater scores (each 0–100); `None` when there are none.
    pub fn from_rater_scores(values: &[f64]) -> Option<Score> {
        let summary = stats::summarize(values)?;
        let interval = summary
            .ci95
            .map(|(lo, hi)| (lo.clamp(0.0, 100.0), hi.clamp(0.0, 100.0)));
        let reliability = match summary.ci95 {
            _ if summary.n < MIN_RATERS_FOR_A_SCORE => Reliability::TooFewAnswers,
            Some((lo, hi)) if (hi - lo) / 2.0 <= SOLID_HALF_WIDTH => Reliability::Solid,
            _ => Reliability::Indicative,
        };
        Some(Score {
            n: summary.n,
            mean: summary.mean,
            sd: summary.sd,
            interval,
            reliability,
        })
    }
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
    fn reliability_follows_the_number_and_agreement_of_raters() {
        let few = Score::from_rater_scores(&[80.0, 90.0]).expect("score");
        assert_eq!(few.reliability, Reliability::TooFewAnswers);
        let agreeing = Score::from_rater_scores(&[75.0; 12]).expect("score");
        assert_eq!(agreeing.reliability, Reliability::Solid);
        let scattered = Score::from_rater_scores(&[0.0, 100.0, 20.0, 90.0]).expect("score");
        assert_eq!(scattered.reliability, Reliability::Indicative);
        assert!(Score::from_rater_scores(&[]).is_none());
    }
}
