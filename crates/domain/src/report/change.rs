//! A leader's others' scores compared between two campaigns.

use super::Report;
use crate::model::Element;
use crate::scoring::Score;
use crate::stats;
use serde::Serialize;

/// One measure compared between two campaigns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRow {
    /// The element, or `None` for the Trust Index.
    pub element: Option<Element>,
    /// The earlier others' score.
    pub before: f64,
    /// The later others' score.
    pub after: f64,
    /// Welch's test of the difference (after − before), with its 95% interval.
    pub test: stats::MeanDifference,
    /// The smallest difference these numbers of raters could detect (80% power, 5% level).
    pub detectable: Option<f64>,
}

impl ChangeRow {
    /// Whether the change is more than noise at the 5% level.
    pub fn is_real(&self) -> bool {
        self.test.is_significant()
    }
}

/// Compares the others' scores of two reports of the same leader, measure by measure. Raters are
/// anonymous, so the two campaigns are compared as independent samples (Welch's t-test), which
/// is conservative when many raters answered both.
pub fn compare(before: &Report, after: &Report) -> Vec<ChangeRow> {
    std::iter::once((&before.trust_index, &after.trust_index))
        .chain(before.elements.iter().zip(&after.elements))
        .filter_map(|(b, a)| compare_scores(a.element, b.others.as_ref()?, a.others.as_ref()?))
        .collect()
}

/// Compares two group scores of one measure (`element`, or `None` for the Trust Index) as
/// independent samples: Welch's test with its 95% interval and the minimum detectable
/// difference for the two numbers of raters and their pooled SD. `None` when the test is not
/// possible (fewer than two raters on a side, or no variance at all). The 360 compares
/// campaigns with it, the pulse compares rounds.
pub fn compare_scores(
    element: Option<Element>,
    before: &Score,
    after: &Score,
) -> Option<ChangeRow> {
    let test = stats::welch_from_moments(&before.moments, &after.moments, 0.95).ok()?;
    let pooled_sd = match (before.sd, after.sd) {
        (Some(x), Some(y)) => Some(((x * x + y * y) / 2.0).sqrt()),
        _ => None,
    };
    let detectable =
        pooled_sd.and_then(|sd| stats::minimum_detectable_difference(before.n, after.n, sd).ok());
    Some(ChangeRow {
        element,
        before: before.mean,
        after: after.mean,
        test,
        detectable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::Instrument;
    use crate::report::tests::{build, spread};

    #[test]
    fn a_clear_rise_between_campaigns_is_real_and_no_change_is_not() {
        let instrument = Instrument::current();
        let before = build(&spread(&instrument, 2, 9), &[]);
        let after = build(&spread(&instrument, 4, 9), &[]);
        let rows = compare(&before, &after);
        assert_eq!(rows.len(), 4);
        assert!(rows[0].is_real());
        assert!((rows[0].test.difference - 50.0).abs() < 1e-9);
        assert!(rows[0].detectable.expect("mdd") > 0.0);
        let same = compare(&before, &build(&spread(&instrument, 2, 9), &[]));
        assert!(!same[0].is_real());
    }
}
