//! Within-group agreement (rwg, rwg(j), awg) and the one-way intraclass correlations ICC(1) and
//! ICC(2).
//!
//! Agreement functions take the ratings of one group *by item*: one slice per item, holding the
//! ratings the group's raters gave that item. Items may have different numbers of ratings (a rater
//! who answered "can't say" is left out of that item only).

use super::{StatsError, check_finite, moments, sample_variance};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// A response scale of equally spaced points from `min` to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ResponseScale {
    min: f64,
    max: f64,
    options: u32,
}

impl ResponseScale {
    /// The five-point scale 1–5 of the Trustloop instrument.
    pub const FIVE_POINT: ResponseScale = ResponseScale {
        min: 1.0,
        max: 5.0,
        options: 5,
    };

    /// A scale with `options` equally spaced points from `min` to `max`.
    ///
    /// # Errors
    /// [`StatsError::InvalidArgument`] unless `options` ≥ 2 and `min` < `max` (both finite).
    pub fn new(min: f64, max: f64, options: u32) -> Result<ResponseScale, StatsError> {
        if options < 2 || !(min.is_finite() && max.is_finite() && min < max) {
            return Err(StatsError::InvalidArgument(
                "a scale needs at least two points and min < max",
            ));
        }
        Ok(ResponseScale { min, max, options })
    }

    /// The lowest point.
    pub fn min(&self) -> f64 {
        self.min
    }

    /// The highest point.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The number of points.
    pub fn options(&self) -> u32 {
        self.options
    }

    /// The variance of answers drawn uniformly from the scale's points (the null distribution of
    /// "no agreement" in rwg): step² · (A² − 1) / 12, with A the number of points and step the
    /// distance between neighbouring points. For a 1–5 scale this is 2.
    pub fn uniform_null_variance(&self) -> f64 {
        let a = f64::from(self.options);
        let step = (self.max - self.min) / (a - 1.0);
        step * step * (a * a - 1.0) / 12.0
    }

    /// Checks that every rating is finite and on the scale's range.
    fn check(&self, ratings: &[f64]) -> Result<(), StatsError> {
        check_finite(ratings)?;
        let slack = 1e-9 * (self.max - self.min);
        if ratings
            .iter()
            .any(|&v| v < self.min - slack || v > self.max + slack)
        {
            return Err(StatsError::InvalidArgument(
                "a rating lies outside the response scale",
            ));
        }
        Ok(())
    }
}

fn at_least_two(ratings: &[f64]) -> Result<(), StatsError> {
    if ratings.len() < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: ratings.len(),
        });
    }
    Ok(())
}

/// rwg for one item (James, Demaree & Wolf, 1984): 1 − s² / σ²E, where s² is the variance of
/// the group's ratings (n − 1 denominator) and σ²E the variance of uniformly random answers on
/// the scale ([`ResponseScale::uniform_null_variance`]).
///
/// Truncation: when s² exceeds σ²E (more disagreement than random answers), rwg is set to 0, so
/// the result always lies in [0, 1].
///
/// # Errors
/// [`StatsError::TooFew`] with fewer than 2 ratings; a rating that is not finite or off the scale.
pub fn rwg(ratings: &[f64], scale: &ResponseScale) -> Result<f64, StatsError> {
    at_least_two(ratings)?;
    scale.check(ratings)?;
    let ratio = sample_variance(ratings) / scale.uniform_null_variance();
    Ok(if ratio > 1.0 { 0.0 } else { 1.0 - ratio })
}

/// rwg(j) for J items answered by one group (James, Demaree & Wolf, 1984):
/// J·(1 − s̄²/σ²E) / (J·(1 − s̄²/σ²E) + s̄²/σ²E), with s̄² the mean of the items' rating variances.
///
/// Truncation: when s̄² exceeds σ²E the formula leaves [0, 1] (it can even exceed 1), and rwg(j)
/// is set to 0, as James et al. and LeBreton & Senter (2008) recommend. With one item it equals
/// [`rwg`]. Note that rwg(j) rises with the number of items even for random answers near the
/// null; read it with [`awg_j`].
///
/// # Errors
/// [`StatsError::TooFew`] with no items or an item with fewer than 2 ratings; a rating that is not
/// finite or off the scale.
pub fn rwg_j<R: AsRef<[f64]>>(items: &[R], scale: &ResponseScale) -> Result<f64, StatsError> {
    if items.is_empty() {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    let mut total = 0.0;
    for item in items {
        let item = item.as_ref();
        at_least_two(item)?;
        scale.check(item)?;
        total += sample_variance(item);
    }
    let j = items.len() as f64;
    let ratio = total / j / scale.uniform_null_variance();
    if ratio > 1.0 {
        return Ok(0.0);
    }
    let agreement = j * (1.0 - ratio);
    Ok(agreement / (agreement + ratio))
}

/// awg for one item (Brown & Hauenstein, 2005): the observed variance against the largest
/// variance possible on the scale for the observed mean,
/// awg = 1 − 2·s² / ([(H + L)·M − M² − H·L] · k / (k − 1)),
/// with M the mean, s² the variance (n − 1), k the number of raters and H, L the scale's ends.
/// It ranges from −1 (raters split between the two ends) to 1 (full agreement), and unlike rwg
/// it does not pass random answers as agreement.
///
/// Brown & Hauenstein advise at least A − 1 raters (A the number of scale points); this is left to
/// the caller.
///
/// # Errors
/// [`StatsError::TooFew`] with fewer than 2 ratings; a rating that is not finite or off the scale;
/// [`StatsError::Undefined`] when the mean sits at an end of the scale (everyone gave the same
/// extreme answer), where the largest possible variance is 0.
pub fn awg(ratings: &[f64], scale: &ResponseScale) -> Result<f64, StatsError> {
    at_least_two(ratings)?;
    scale.check(ratings)?;
    let (n, mean, ss) = moments(ratings);
    let k = n as f64;
    let (h, l) = (scale.max, scale.min);
    let max_variance = ((h + l) * mean - mean * mean - h * l) * (k / (k - 1.0));
    if max_variance <= 1e-12 * (h - l) * (h - l) {
        return Err(StatsError::Undefined(
            "awg is undefined when the mean is at an end of the scale",
        ));
    }
    let variance = ss / (k - 1.0);
    Ok((1.0 - 2.0 * variance / max_variance).clamp(-1.0, 1.0))
}

/// awg over several items, with how many items it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AverageAgreement {
    /// The mean of the items' awg values.
    pub value: f64,
    /// The items whose awg is defined and so enter the mean.
    pub items_used: usize,
    /// All items given.
    pub items_total: usize,
}

/// awg(j), the multi-item awg of Brown & Hauenstein (2005): the mean of the items' [`awg`]
/// values. Items where awg is undefined (everyone gave the same extreme answer) are left out of
/// the mean and counted in [`AverageAgreement::items_used`].
///
/// # Errors
/// [`StatsError::TooFew`] with no items or an item with fewer than 2 ratings; a rating that is not
/// finite or off the scale; [`StatsError::Undefined`] when awg is undefined for every item.
pub fn awg_j<R: AsRef<[f64]>>(
    items: &[R],
    scale: &ResponseScale,
) -> Result<AverageAgreement, StatsError> {
    if items.is_empty() {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        match awg(item.as_ref(), scale) {
            Ok(v) => values.push(v),
            Err(StatsError::Undefined(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if values.is_empty() {
        return Err(StatsError::Undefined(
            "awg is undefined for every item (all answers at an end of the scale)",
        ));
    }
    Ok(AverageAgreement {
        value: values.iter().sum::<f64>() / values.len() as f64,
        items_used: values.len(),
        items_total: items.len(),
    })
}

/// The one-way random-effects ANOVA over groups and the intraclass correlations from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneWayIcc {
    /// The number of groups, G.
    pub groups: usize,
    /// The number of ratings over all groups, N.
    pub n: usize,
    /// The effective group size n₀ = (N − Σ nᵍ² / N) / (G − 1); the common size when groups are
    /// equal.
    pub n0: f64,
    /// Mean square between groups, Σ nᵍ (ȳᵍ − ȳ)² / (G − 1).
    pub ms_between: f64,
    /// Mean square within groups, Σ Σ (y − ȳᵍ)² / (N − G).
    pub ms_within: f64,
    /// F = MSB / MSW.
    pub f: f64,
    /// Degrees of freedom between groups, G − 1.
    pub df_between: f64,
    /// Degrees of freedom within groups, N − G.
    pub df_within: f64,
    /// The p-value of F (upper tail of the F distribution): do the groups differ at all?
    pub p_value: f64,
    /// ICC(1) = (MSB − MSW) / (MSB + (n₀ − 1)·MSW): the share of rating variance due to the
    /// group, i.e. the reliability of one rater. Negative when groups differ less than chance.
    pub icc1: f64,
    /// ICC(2) = (MSB − MSW) / MSB: the reliability of a group's mean rating (equal to
    /// Spearman–Brown of ICC(1) with k = n₀); `None` when MSB is 0.
    pub icc2: Option<f64>,
}

/// ICC(1) and ICC(2) from a one-way ANOVA with the groups as the random factor (Bliese, 2000).
/// Groups may differ in size: the effective size n₀ replaces the common size k of the balanced
/// formulas (Snedecor & Cochran; for equal groups n₀ = k, and the values equal pingouin's ICC1 and
/// ICC1k).
///
/// # Errors
/// [`StatsError::TooFew`] with fewer than 2 groups, an empty group, or no group with 2 ratings
/// (N − G must be at least 1); [`StatsError::NonFinite`]; [`StatsError::NoVariance`] when the
/// ratings do not vary within groups (MSW = 0).
pub fn icc_oneway<R: AsRef<[f64]>>(groups: &[R]) -> Result<OneWayIcc, StatsError> {
    let g = groups.len();
    if g < 2 {
        return Err(StatsError::TooFew { needed: 2, got: g });
    }
    let mut all = Vec::new();
    for group in groups {
        let group = group.as_ref();
        if group.is_empty() {
            return Err(StatsError::TooFew { needed: 1, got: 0 });
        }
        check_finite(group)?;
        all.extend_from_slice(group);
    }
    let n = all.len();
    if n <= g {
        return Err(StatsError::TooFew {
            needed: g + 1,
            got: n,
        });
    }
    let (_, grand, _) = moments(&all);
    let mut ss_between = 0.0;
    let mut ss_within = 0.0;
    let mut sum_sq_sizes = 0.0;
    for group in groups {
        let (size, mean, ss) = moments(group.as_ref());
        ss_between += size as f64 * (mean - grand) * (mean - grand);
        ss_within += ss;
        sum_sq_sizes += (size * size) as f64;
    }
    let (gf, nf) = (g as f64, n as f64);
    let df_between = gf - 1.0;
    let df_within = nf - gf;
    let ms_between = ss_between / df_between;
    let ms_within = ss_within / df_within;
    if ms_within <= 0.0 {
        return Err(StatsError::NoVariance(
            "ratings do not vary within any group",
        ));
    }
    let n0 = (nf - sum_sq_sizes / nf) / df_between;
    let f = ms_between / ms_within;
    let p_value = FisherSnedecor::new(df_between, df_within)
        .map_err(|_| StatsError::InvalidArgument("invalid degrees of freedom"))?
        .sf(f);
    Ok(OneWayIcc {
        groups: g,
        n,
        n0,
        ms_between,
        ms_within,
        f,
        df_between,
        df_within,
        p_value,
        icc1: (ms_between - ms_within) / (ms_between + (n0 - 1.0) * ms_within),
        icc2: (ms_between > 0.0).then(|| (ms_between - ms_within) / ms_between),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_five_point_null_variance_is_two() {
        assert_eq!(ResponseScale::FIVE_POINT.uniform_null_variance(), 2.0);
        let percent = ResponseScale::new(0.0, 100.0, 5).unwrap();
        assert!((percent.uniform_null_variance() - 2.0 * 625.0).abs() < 1e-9);
        assert!(ResponseScale::new(5.0, 1.0, 5).is_err());
        assert!(ResponseScale::new(1.0, 5.0, 1).is_err());
    }

    #[test]
    fn rwg_is_truncated_at_zero() {
        let s = ResponseScale::FIVE_POINT;
        assert_eq!(rwg(&[1.0, 5.0, 1.0, 5.0], &s).unwrap(), 0.0);
        assert_eq!(
            rwg_j(&[[1.0, 5.0, 1.0, 5.0], [1.0, 5.0, 5.0, 1.0]], &s).unwrap(),
            0.0
        );
        assert!(
            (rwg(&[4.0, 4.0, 5.0, 3.0], &s).unwrap() - (1.0 - (2.0 / 3.0) / 2.0)).abs() < 1e-12
        );
        assert!(rwg(&[4.0], &s).is_err());
        assert!(rwg(&[4.0, 6.0], &s).is_err());
        assert!(rwg_j::<Vec<f64>>(&[], &s).is_err());
    }

    #[test]
    fn awg_spans_minus_one_to_one_and_refuses_extremes() {
        let s = ResponseScale::FIVE_POINT;
        assert_eq!(awg(&[1.0, 5.0, 1.0, 5.0], &s).unwrap(), -1.0);
        assert_eq!(awg(&[3.0, 3.0, 3.0], &s).unwrap(), 1.0);
        assert!(matches!(
            awg(&[5.0, 5.0, 5.0], &s),
            Err(StatsError::Undefined(_))
        ));
        let avg = awg_j(&[vec![5.0, 5.0, 5.0], vec![3.0, 3.0, 3.0]], &s).unwrap();
        assert_eq!((avg.value, avg.items_used, avg.items_total), (1.0, 1, 2));
        assert!(awg_j(&[vec![5.0, 5.0]], &s).is_err());
    }

    #[test]
    fn icc_needs_groups_and_within_variance() {
        assert!(icc_oneway(&[vec![1.0, 2.0]]).is_err());
        assert!(icc_oneway(&[vec![1.0], vec![2.0]]).is_err());
        assert!(icc_oneway(&[vec![1.0, 2.0], vec![]]).is_err());
        assert!(matches!(
            icc_oneway(&[vec![1.0, 1.0], vec![2.0, 2.0]]),
            Err(StatsError::NoVariance(_))
        ));
        let same_means = icc_oneway(&[vec![1.0, 3.0], vec![3.0, 1.0]]).unwrap();
        assert_eq!(same_means.icc2, None);
        assert!((same_means.icc1 + 1.0).abs() < 1e-12);
    }
}
