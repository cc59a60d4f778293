//! How well the instrument measured in a campaign: internal consistency of each element's items,
//! agreement within rater groups, and how much of the rating variance is about the leader.
//!
//! These figures pool many leaders, so an admin can judge the measurement without seeing any one
//! leader's results; they are only computed over at least [`MIN_NORM_LEADERS`] leaders.

use crate::instrument::{Instrument, Measures};
use crate::model::{Element, RaterGroup};
use crate::report::{MIN_NORM_LEADERS, Response};
use crate::scoring;
use crate::stats::{self, OneWayIcc, ResponseScale};
use serde::Serialize;
use std::collections::BTreeMap;

/// Internal consistency of one element's items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementQuality {
    /// The element.
    pub element: Element,
    /// Raters who rated every item of the element (the rows used).
    pub complete_respondents: usize,
    /// Cronbach's alpha.
    pub alpha: Option<f64>,
    /// Feldt's 95% confidence interval of alpha ([`stats::cronbach_alpha_interval`]), when alpha
    /// is defined: how far the alpha of these respondents may lie from the instrument's.
    pub alpha_ci95: Option<(f64, f64)>,
    /// McDonald's omega total from a one-factor model.
    pub omega: Option<f64>,
    /// Each item's code with its corrected item–total correlation.
    pub item_total: Vec<(String, Option<f64>)>,
}

/// Agreement within one rater group, averaged over the leaders where it has 2+ raters (only
/// when there are at least [`MIN_NORM_LEADERS`] of them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupQuality {
    /// The rater group.
    pub group: RaterGroup,
    /// Leaders the mean is taken over.
    pub leaders: usize,
    /// Mean rwg(j).
    pub rwg_j: Option<f64>,
    /// Mean awg(j).
    pub awg_j: Option<f64>,
}

/// How much of the variance in one measure lies between leaders.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasureIcc {
    /// The element, or `None` for the Trust Index.
    pub element: Option<Element>,
    /// The one-way ICC over leaders (ICC(1) and ICC(2)), when it can be computed.
    pub icc: Option<OneWayIcc>,
}

/// The measurement quality of one campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstrumentQuality {
    /// Leaders with at least one response from others.
    pub leaders: usize,
    /// Responses from others (self-assessments are left out).
    pub responses: usize,
    /// Per element.
    pub elements: Vec<ElementQuality>,
    /// Per anonymous rater group.
    pub groups: Vec<GroupQuality>,
    /// Per measure, the Trust Index first.
    pub icc: Vec<MeasureIcc>,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Assesses the instrument over every response of a campaign (each with its leader); `None` when
/// fewer than [`MIN_NORM_LEADERS`] leaders were rated, so that no single leader's results show.
pub fn assess<K: Ord + Copy>(
    instrument: &Instrument,
    all: &[(K, Response)],
) -> Option<InstrumentQuality> {
    let others: Vec<&(K, Response)> = all
        .iter()
        .filter(|(_, r)| r.group != RaterGroup::SelfRating)
        .collect();
    let mut by_leader: BTreeMap<K, Vec<&Response>> = BTreeMap::new();
    for (leader, response) in &others {
        by_leader.entry(*leader).or_default().push(response);
    }
    if by_leader.len() < MIN_NORM_LEADERS {
        return None;
    }
    let point =
        |r: &Response, code: &str| r.ratings.get(code).and_then(|x| x.score()).map(f64::from);

    let elements = Element::ALL
        .into_iter()
        .map(|element| {
            let codes: Vec<&str> = instrument
                .items_for(element)
                .map(|i| i.code.as_str())
                .collect();
            let rows: Vec<Vec<Option<f64>>> = others
                .iter()
                .map(|(_, r)| codes.iter().map(|c| point(r, c)).collect())
                .collect();
            let complete = stats::complete_rows(&rows);
            let item_total = stats::corrected_item_total(&complete).ok();
            let alpha = stats::cronbach_alpha_interval(&complete, 0.95).ok();
            ElementQuality {
                element,
                complete_respondents: complete.len(),
                alpha: alpha.map(|(a, _)| a),
                alpha_ci95: alpha.map(|(_, ci)| ci),
                omega: stats::omega_total(&complete).ok(),
                item_total: codes
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.to_string(), item_total.as_ref().and_then(|v| v[i])))
                    .collect(),
            }
        })
        .collect();

    let scale = ResponseScale::new(
        f64::from(instrument.scale.min),
        f64::from(instrument.scale.max),
        u32::from(instrument.scale.max - instrument.scale.min + 1),
    )
    .ok();
    let element_codes: Vec<&str> = instrument
        .items
        .iter()
        .filter(|i| matches!(i.measures, Measures::Element(_)))
        .map(|i| i.code.as_str())
        .collect();
    let groups = [
        RaterGroup::Peer,
        RaterGroup::DirectReport,
        RaterGroup::Other,
    ]
    .into_iter()
    .map(|group| {
        let mut rwgs = Vec::new();
        let mut awgs = Vec::new();
        let mut leaders = 0;
        for responses in by_leader.values() {
            let members: Vec<&&Response> = responses.iter().filter(|r| r.group == group).collect();
            if members.len() < 2 {
                continue;
            }
            leaders += 1;
            let items: Vec<Vec<f64>> = element_codes
                .iter()
                .map(|c| {
                    members
                        .iter()
                        .filter_map(|r| point(r, c))
                        .collect::<Vec<f64>>()
                })
                .filter(|v| v.len() >= 2)
                .collect();
            if let (Some(scale), false) = (&scale, items.is_empty()) {
                rwgs.extend(stats::rwg_j(&items, scale).ok());
                awgs.extend(stats::awg_j(&items, scale).ok().map(|a| a.value));
            }
        }
        // Averages over fewer leaders would describe those few leaders' raters.
        let enough = leaders >= MIN_NORM_LEADERS;
        GroupQuality {
            group,
            leaders,
            rwg_j: mean(&rwgs).filter(|_| enough),
            awg_j: mean(&awgs).filter(|_| enough),
        }
    })
    .collect();

    let icc = std::iter::once(None)
        .chain(Element::ALL.map(Some))
        .map(|element| {
            let groups: Vec<Vec<f64>> = by_leader
                .values()
                .map(|responses| {
                    responses
                        .iter()
                        .filter_map(|r| {
                            let scores: BTreeMap<Element, f64> = Element::ALL
                                .into_iter()
                                .filter_map(|e| {
                                    scoring::rater_element_score(instrument, &r.ratings, e)
                                        .map(|s| (e, s))
                                })
                                .collect();
                            match element {
                                Some(e) => scores.get(&e).copied(),
                                None => scoring::rater_trust_index(&scores),
                            }
                        })
                        .collect::<Vec<f64>>()
                })
                .filter(|v| v.len() >= 2)
                .collect();
            MeasureIcc {
                element,
                icc: stats::icc_oneway(&groups).ok(),
            }
        })
        .collect();

    Some(InstrumentQuality {
        leaders: by_leader.len(),
        responses: others.len(),
        elements,
        groups,
        icc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::Rating;

    /// Raters whose answers follow the leader's level with rater noise, consistent across items.
    fn campaign(leaders: usize, raters: usize) -> Vec<(usize, Response)> {
        let instrument = Instrument::current();
        let mut all = Vec::new();
        for leader in 0..leaders {
            for rater in 0..raters {
                let level = 2 + (leader % 3) as i32 + (rater % 3) as i32 - 1;
                let ratings = instrument
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let wobble = if (i + rater) % 4 == 0 { 1 } else { 0 };
                        (
                            item.code.clone(),
                            Rating::Score((level + wobble).clamp(1, 5) as u8),
                        )
                    })
                    .collect();
                let group = if rater % 2 == 0 {
                    RaterGroup::DirectReport
                } else {
                    RaterGroup::Peer
                };
                all.push((leader, Response { group, ratings }));
            }
        }
        all
    }

    #[test]
    fn fewer_than_five_leaders_give_no_quality_figures() {
        assert!(assess(&Instrument::current(), &campaign(4, 6)).is_none());
    }

    #[test]
    fn consistent_items_give_high_alpha_and_leaders_that_differ_give_a_positive_icc() {
        let quality = assess(&Instrument::current(), &campaign(6, 6)).expect("six leaders");
        assert_eq!(quality.leaders, 6);
        assert_eq!(quality.responses, 36);
        for element in &quality.elements {
            let alpha = element.alpha.expect("alpha");
            assert!(alpha > 0.8, "{:?} alpha {alpha}", element.element);
            let (low, high) = element.alpha_ci95.expect("an interval with alpha");
            assert!(low < alpha && alpha < high && high <= 1.0);
            assert_eq!(element.complete_respondents, 36);
            assert_eq!(element.item_total.len(), 5);
        }
        let trust = quality.icc[0].icc.as_ref().expect("icc");
        assert!(trust.icc1 > 0.0 && trust.icc2.expect("icc2") > trust.icc1);
        let direct = quality
            .groups
            .iter()
            .find(|g| g.group == RaterGroup::DirectReport)
            .expect("group");
        assert_eq!(direct.leaders, 6);
        assert!(direct.rwg_j.is_some());
    }
}
