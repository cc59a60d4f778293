//! Descriptive statistics of one sample: mean, spread, Student-t confidence intervals and the
//! percentile rank of a value within a distribution.

use super::{Moments, StatsError, check_finite, check_level, moments};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The summary of one sample of scores (for example the per-rater scores behind one score).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// How many values.
    pub n: usize,
    /// The arithmetic mean.
    pub mean: f64,
    /// The sample standard deviation (n − 1 denominator); `None` when n < 2.
    pub sd: Option<f64>,
    /// The standard error of the mean, sd / √n; `None` when n < 2.
    pub se: Option<f64>,
    /// The 95% confidence interval of the mean by Student's t with n − 1 degrees of freedom,
    /// as `(low, high)`; `None` when n < 2. Not clipped to any scale.
    pub ci95: Option<(f64, f64)>,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

/// Summarises a sample: n, mean, sd, standard error and 95% Student-t interval.
///
/// Returns `None` when `values` is empty or holds a non-finite value (use [`try_summarize`] to
/// know which). With one value the spread fields are `None`. The result does not depend on the
/// order of the values.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    try_summarize(values).ok()
}

/// [`summarize`], saying why a summary cannot be given.
///
/// # Errors
/// [`StatsError::TooFew`] for an empty sample, [`StatsError::NonFinite`] for NaN or infinity.
pub fn try_summarize(values: &[f64]) -> Result<Summary, StatsError> {
    if values.is_empty() {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    check_finite(values)?;
    let moments = Moments::of(values);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (sd, se, ci95) = match spread(&moments)? {
        Some(Spread { sd, se, ci95 }) => (Some(sd), Some(se), Some(ci95)),
        None => (None, None, None),
    };
    Ok(Summary {
        n: moments.n,
        mean: moments.mean,
        sd,
        se,
        ci95,
        min,
        max,
    })
}

/// The spread of a sample as [`summarize`] gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The sample standard deviation (n − 1 denominator).
    pub sd: f64,
    /// The standard error of the mean, sd / √n.
    pub se: f64,
    /// The 95% Student-t interval of the mean, not clipped.
    pub ci95: (f64, f64),
}

/// The spread of a sample given by its [`Moments`], with the arithmetic of [`summarize`] (so the
/// same moments give the same numbers); `None` below two values.
///
/// # Errors
/// Those of [`t_quantile`] (none for finite moments).
pub fn spread(moments: &Moments) -> Result<Option<Spread>, StatsError> {
    let Moments { n, mean, ss } = *moments;
    if n < 2 {
        return Ok(None);
    }
    let sd = (ss / (n as f64 - 1.0)).sqrt();
    let se = sd / (n as f64).sqrt();
    let half = t_quantile(0.975, n as f64 - 1.0)? * se;
    Ok(Some(Spread {
        sd,
        se,
        ci95: (mean - half, mean + half),
    }))
}

/// The two-sided confidence interval of the mean at `level` (for example 0.95), by Student's t
/// with n − 1 degrees of freedom: mean ± t(1 − (1 − level)/2; n − 1) · sd / √n.
///
/// The t distribution makes the interval right for small samples (with 3 raters it is about
/// 2.2 times as wide as the normal approximation would claim).
///
/// # Errors
/// [`StatsError::TooFew`] when n < 2, [`StatsError::NonFinite`], or
/// [`StatsError::InvalidArgument`] when `level` is not strictly between 0 and 1.
pub fn confidence_interval(values: &[f64], level: f64) -> Result<(f64, f64), StatsError> {
    check_level(
        level,
        "the confidence level must lie strictly between 0 and 1",
    )?;
    if values.len() < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: values.len(),
        });
    }
    check_finite(values)?;
    let (n, mean, ss) = moments(values);
    let se = (ss / (n as f64 - 1.0)).sqrt() / (n as f64).sqrt();
    let half = t_quantile(0.5 + level / 2.0, n as f64 - 1.0)? * se;
    Ok((mean - half, mean + half))
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom.
///
/// Starts from statrs' inverse (through the inverse regularised incomplete beta function) and
/// polishes it with Newton steps on the CDF, which brings it to about 1e-12 of scipy's `t.ppf`.
///
/// # Errors
/// [`StatsError::InvalidArgument`] unless 0 < p < 1 and df > 0 (both finite).
pub fn t_quantile(p: f64, df: f64) -> Result<f64, StatsError> {
    // Asked for every score's interval, almost always at 0.975 with a rater count's df.
    static KNOWN: super::Memo<(u64, u64)> = super::Memo::new();
    KNOWN.get_or((p.to_bits(), df.to_bits()), || compute_t_quantile(p, df))
}

fn compute_t_quantile(p: f64, df: f64) -> Result<f64, StatsError> {
    check_level(p, "the probability must lie strictly between 0 and 1")?;
    if !(df.is_finite() && df > 0.0) {
        return Err(StatsError::InvalidArgument(
            "degrees of freedom must be positive",
        ));
    }
    let dist = StudentsT::new(0.0, 1.0, df)
        .map_err(|_| StatsError::InvalidArgument("degrees of freedom must be positive"))?;
    let x = dist.inverse_cdf(p);
    if !x.is_finite() {
        return Err(StatsError::Undefined(
            "the t quantile is out of floating-point range",
        ));
    }
    Ok(super::polish_quantile(&dist, x, p, 1.0 - p))
}

/// The percentile rank of `value` within `distribution`, on 0–100: the mean of the share of
/// values strictly below it and the share at or below it,
/// `100 · (below + ½ · equal) / n`. Same as `scipy.stats.percentileofscore(kind="mean")`.
///
/// A value below every value ranks 0, above every value 100; a value equal to all of them 50.
///
/// # Errors
/// [`StatsError::TooFew`] for an empty distribution; [`StatsError::NonFinite`].
pub fn percentile_rank(value: f64, distribution: &[f64]) -> Result<f64, StatsError> {
    if distribution.is_empty() {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    check_finite(distribution)?;
    check_finite(&[value])?;
    let below = distribution.iter().filter(|&&v| v < value).count();
    let equal = distribution.iter().filter(|&&v| v == value).count();
    Ok(100.0 * (below as f64 + 0.5 * equal as f64) / distribution.len() as f64)
}

/// [`percentile_rank`] of `value` within `sorted`, a distribution sorted ascending by
/// [`f64::total_cmp`]: the same number, found by two binary searches instead of a pass over every
/// value, for distributions that are ranked against many times (the norms of a campaign).
///
/// # Errors
/// As [`percentile_rank`].
pub fn percentile_rank_sorted(value: f64, sorted: &[f64]) -> Result<f64, StatsError> {
    percentile_rank_sorted_within(value, sorted, 0.0)
}

/// [`percentile_rank_sorted`] where values within `tolerance` of `value` count as ties (half)
/// and only values further below count as below:
/// `100 · (#{v < value − tolerance} + ½ · #{|v − value| ≤ tolerance}) / n`.
/// With a tolerance of 0 it is [`percentile_rank`] exactly.
///
/// For ranking figures that are equal in truth but computed along different paths (different
/// summation orders differ in the last bits): a tolerance far above rounding error and far
/// below any meaningful difference makes such values ties, and makes the rank of a value that
/// is itself in the distribution lie strictly between 0 and 100. Unlike rounding to a grid, it
/// never splits two values one rounding error apart (a grid does when they straddle one of its
/// cell boundaries).
///
/// # Errors
/// As [`percentile_rank`]; [`StatsError::InvalidArgument`] for a tolerance that is negative or
/// not finite.
pub fn percentile_rank_sorted_within(
    value: f64,
    sorted: &[f64],
    tolerance: f64,
) -> Result<f64, StatsError> {
    let (Some(first), Some(last)) = (sorted.first(), sorted.last()) else {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    };
    debug_assert!(sorted.is_sorted_by(|a, b| a.total_cmp(b).is_le()));
    // Sorted by total order, every non-finite value lies at one end.
    check_finite(&[*first, *last])?;
    check_finite(&[value])?;
    if !(tolerance.is_finite() && tolerance >= 0.0) {
        return Err(StatsError::InvalidArgument(
            "the tolerance for ties must be finite and not negative",
        ));
    }
    let below = sorted.partition_point(|&v| v < value - tolerance);
    let equal = sorted[below..].partition_point(|&v| v <= value + tolerance);
    Ok(100.0 * (below as f64 + 0.5 * equal as f64) / sorted.len() as f64)
}

/// The fewest raters whose 95% interval would have a half-width of at most `half_width`, if they
/// answered with standard deviation `sd`: the smallest n ≥ 2 with
/// t(0.975; n − 1) · sd / √n ≤ `half_width`. `None` when more than 10,000 would be needed.
///
/// Used to say how many more raters would make a score "solid" under a half-width rule.
///
/// # Errors
/// [`StatsError::InvalidArgument`] unless `sd` ≥ 0 and `half_width` > 0 (both finite).
pub fn raters_for_half_width(sd: f64, half_width: f64) -> Result<Option<usize>, StatsError> {
    if !(sd.is_finite() && sd >= 0.0) {
        return Err(StatsError::InvalidArgument(
            "the standard deviation must be finite and not negative",
        ));
    }
    if !(half_width.is_finite() && half_width > 0.0) {
        return Err(StatsError::InvalidArgument(
            "the half-width must be finite and positive",
        ));
    }
    let fits = |n: usize| -> Result<bool, StatsError> {
        let nf = n as f64;
        Ok(t_quantile(0.975, nf - 1.0)? * sd / nf.sqrt() <= half_width)
    };
    const LIMIT: usize = 10_000;
    if !fits(LIMIT)? {
        return Ok(None);
    }
    // The half-width falls as n grows, so the first n that fits is found by bisection.
    let (mut lo, mut hi) = (1usize, LIMIT);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi.max(2)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_value_has_a_mean_but_no_interval() {
        let s = summarize(&[70.0]).unwrap();
        assert_eq!(
            (s.n, s.mean, s.sd, s.se, s.ci95),
            (1, 70.0, None, None, None)
        );
        assert!(summarize(&[]).is_none());
        assert_eq!(try_summarize(&[1.0, f64::NAN]), Err(StatsError::NonFinite));
        assert!(matches!(
            confidence_interval(&[1.0], 0.95),
            Err(StatsError::TooFew { .. })
        ));
        assert!(confidence_interval(&[1.0, 2.0], 1.0).is_err());
    }

    #[test]
    fn identical_answers_give_a_zero_width_interval() {
        let s = summarize(&[75.0; 4]).unwrap();
        assert_eq!(s.sd, Some(0.0));
        assert_eq!(s.ci95, Some((75.0, 75.0)));
    }

    #[test]
    fn two_raters_get_the_wide_small_sample_interval() {
        // t(0.975; 1) = 12.706: the interval of two raters is very wide.
        let (lo, hi) = summarize(&[60.0, 80.0]).unwrap().ci95.unwrap();
        // sd = 14.142, se = 10, so the half-width is 127.06 points.
        assert!((hi - 70.0 - 127.062_047_361_747).abs() < 1e-6);
        assert!((70.0 - lo - (hi - 70.0)).abs() < 1e-9);
    }

    #[test]
    fn percentile_rank_counts_ties_as_half() {
        let d = [1.0, 2.0, 2.0, 3.0];
        assert_eq!(percentile_rank(2.0, &d).unwrap(), 50.0);
        assert_eq!(percentile_rank(0.0, &d).unwrap(), 0.0);
        assert_eq!(percentile_rank(9.0, &d).unwrap(), 100.0);
        assert_eq!(percentile_rank(3.0, &d).unwrap(), 87.5);
        assert!(percentile_rank(1.0, &[]).is_err());
    }

    #[test]
    fn percentile_rank_sorted_is_percentile_rank_of_a_sorted_distribution() {
        let d = [1.0, 2.0, 2.0, 3.0];
        for value in [-1.0, 0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 9.0] {
            assert_eq!(
                percentile_rank_sorted(value, &d).unwrap(),
                percentile_rank(value, &d).unwrap()
            );
        }
        assert_eq!(percentile_rank_sorted(0.0, &[-0.0, 0.0]).unwrap(), 50.0);
        assert!(percentile_rank_sorted(1.0, &[]).is_err());
        assert!(percentile_rank_sorted(1.0, &[1.0, f64::INFINITY]).is_err());
        assert!(percentile_rank_sorted(f64::NAN, &d).is_err());
    }

    #[test]
    fn values_within_the_tolerance_are_ties() {
        let x = 62.5f64;
        let d = [10.0, x.next_down(), x, x.next_up(), 90.0];
        assert_eq!(percentile_rank_sorted(x, &d).unwrap(), 50.0);
        assert_eq!(percentile_rank_sorted(x.next_up(), &d).unwrap(), 70.0);
        for probe in [x.next_down(), x, x.next_up(), x + 5e-10] {
            assert_eq!(
                percentile_rank_sorted_within(probe, &d, 1e-9).unwrap(),
                50.0
            );
        }
        assert_eq!(
            percentile_rank_sorted_within(x + 2e-9, &d, 1e-9).unwrap(),
            80.0
        );
        assert_eq!(percentile_rank_sorted_within(90.0, &d, 1e-9).unwrap(), 90.0);
        assert!(percentile_rank_sorted_within(x, &d, -1.0).is_err());
        assert!(percentile_rank_sorted_within(x, &d, f64::NAN).is_err());
        assert!(percentile_rank_sorted_within(x, &[], 1e-9).is_err());
    }

    #[test]
    fn the_raters_for_a_half_width_are_the_fewest_that_reach_it() {
        let n = raters_for_half_width(20.0, 10.0).unwrap().unwrap();
        let half = |n: usize| t_quantile(0.975, n as f64 - 1.0).unwrap() * 20.0 / (n as f64).sqrt();
        assert!(half(n) <= 10.0 && half(n - 1) > 10.0);
        assert_eq!(n, 18);
        assert_eq!(raters_for_half_width(0.0, 10.0).unwrap(), Some(2));
        assert_eq!(raters_for_half_width(1e6, 1.0).unwrap(), None);
    }
}
