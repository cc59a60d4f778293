//! How closely the raters of one group agreed, and the word for it.

use super::Response;
use crate::display;
use crate::instrument::{Instrument, Measures};
use crate::stats::{self, ResponseScale};
use serde::Serialize;

/// How closely one group's raters agreed across the items.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GroupAgreement {
    /// rwg(j) against random answering.
    pub rwg_j: Option<f64>,
    /// awg(j), which does not reward answers near the scale's middle.
    pub awg_j: Option<f64>,
}

impl GroupAgreement {
    /// The index the report shows: awg(j) when defined, otherwise rwg(j), with its name ("awg"
    /// or "rwg"); `None` when neither is defined.
    pub fn index(&self) -> Option<(&'static str, f64)> {
        self.awg_j
            .map(|v| ("awg", v))
            .or(self.rwg_j.map(|v| ("rwg", v)))
    }

    /// The shown index and its word, as [`crate::display::agreement`] writes them: the name of
    /// the index, its value to two decimals, and "strong", "moderate" or "weak" chosen from that
    /// shown value (`("awg", "0.70", "strong")` for an awg(j) of 0.6991).
    pub fn shown(&self) -> Option<(&'static str, String, &'static str)> {
        self.index().map(|(name, value)| {
            let (shown, word) = display::agreement(value);
            (name, shown, word)
        })
    }

    /// A word for the agreement: "strong" (shown as .70 or more), "moderate" (.50 or more) or
    /// "weak", from awg(j) when defined, otherwise rwg(j); "" when neither is. Chosen from the
    /// index rounded to the two decimals it is shown with (see [`GroupAgreement::shown`], which
    /// gives the number and the word together).
    pub fn label(&self) -> &'static str {
        self.shown().map_or("", |(_, _, word)| word)
    }
}

/// rwg(j) and awg(j) over the element items for one group's responses.
pub(super) fn group_agreement<'a>(
    instrument: &Instrument,
    responses: impl Iterator<Item = &'a Response> + Clone,
    min_values: usize,
) -> Option<GroupAgreement> {
    let scale = ResponseScale::new(
        f64::from(instrument.scale.min),
        f64::from(instrument.scale.max),
        u32::from(instrument.scale.max - instrument.scale.min + 1),
    )
    .ok()?;
    let items: Vec<Vec<f64>> = instrument
        .items
        .iter()
        .filter(|i| matches!(i.measures, Measures::Element(_)))
        .map(|i| {
            responses
                .clone()
                .filter_map(|r| r.ratings.get(&i.code).and_then(|x| x.score()))
                .map(f64::from)
                .collect::<Vec<f64>>()
        })
        .filter(|ratings| ratings.len() >= min_values)
        .collect();
    if items.is_empty() {
        return None;
    }
    Some(GroupAgreement {
        rwg_j: stats::rwg_j(&items, &scale).ok(),
        awg_j: stats::awg_j(&items, &scale).ok().map(|a| a.value),
    })
}

#[cfg(test)]
mod tests {
    use super::GroupAgreement;
    use crate::instrument::Instrument;
    use crate::model::RaterGroup;
    use crate::report::tests::{build, response};

    #[test]
    fn agreement_is_strong_for_identical_answers_and_weak_for_opposite_ones() {
        let instrument = Instrument::current();
        let same: Vec<_> =
            std::iter::repeat_n(response(&instrument, RaterGroup::DirectReport, 4), 4).collect();
        let report = build(&same, &[]);
        let agreement = report.agreement[0].expect("four raters");
        assert_eq!(agreement.rwg_j, Some(1.0));
        assert_eq!(agreement.label(), "strong");
        let split: Vec<_> = [1, 5, 1, 5]
            .iter()
            .map(|p| response(&instrument, RaterGroup::DirectReport, *p))
            .collect();
        let report = build(&split, &[]);
        assert_eq!(report.agreement[0].expect("four raters").label(), "weak");
    }

    #[test]
    fn the_word_is_the_word_of_the_index_as_shown() {
        let shown_070 = GroupAgreement {
            rwg_j: Some(0.9),
            awg_j: Some(0.6991),
        };
        assert_eq!(
            shown_070.shown(),
            Some(("awg", "0.70".to_string(), "strong"))
        );
        assert_eq!(shown_070.label(), "strong", "0.6991 is shown 0.70");
        let rwg_only = GroupAgreement {
            rwg_j: Some(0.4951),
            awg_j: None,
        };
        assert_eq!(
            rwg_only.shown(),
            Some(("rwg", "0.50".to_string(), "moderate"))
        );
        let none = GroupAgreement {
            rwg_j: None,
            awg_j: None,
        };
        assert_eq!((none.shown(), none.label()), (None, ""));
    }
}
