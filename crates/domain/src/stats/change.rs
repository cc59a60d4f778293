//! Change between two measurements: Welch's t-test with the interval of the difference, the power
//! of a two-sample t-test and the smallest change it could detect.
//!
//! Raters answer anonymously, so the same rater's two answers cannot be linked: the two
//! measurements are always compared as independent samples. When many raters are in fact the same
//! people this is conservative (a paired test would have a narrower interval).

use super::describe::t_quantile;
use super::{Moments, StatsError, check_finite, check_level};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::function::{beta::beta_reg, gamma::ln_gamma};

/// The difference between two independent samples by Welch's t-test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanDifference {
    /// mean(second) − mean(first): positive when the score went up.
    pub difference: f64,
    /// The standard error of the difference, √(s₁²/n₁ + s₂²/n₂).
    pub se: f64,
    /// The t statistic, difference / se.
    pub t: f64,
    /// The Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// The two-sided p-value.
    pub p_value: f64,
    /// The confidence interval of the difference at `level`, `(low, high)`.
    pub ci: (f64, f64),
    /// The confidence level of `ci`, for example 0.95.
    pub level: f64,
}

impl MeanDifference {
    /// Whether the change is more than noise at this level: the interval excludes zero
    /// (equivalently, p < 1 − level).
    pub fn is_significant(&self) -> bool {
        self.ci.0 > 0.0 || self.ci.1 < 0.0
    }
}

/// Welch's t-test of the change from `first` to `second` (two independent samples, variances not
/// assumed equal), with the two-sided confidence interval of the difference at `level`.
///
/// difference = m₂ − m₁; se = √(s₁²/n₁ + s₂²/n₂);
/// df = se⁴ / ((s₁²/n₁)²/(n₁ − 1) + (s₂²/n₂)²/(n₂ − 1));
/// t = difference / se; p = 2·P(T_df > |t|); interval = difference ± t(1 − (1 − level)/2; df)·se.
///
/// # Errors
/// [`StatsError::TooFew`] when either sample has fewer than 2 values; [`StatsError::NonFinite`];
/// [`StatsError::InvalidArgument`] for a level outside (0, 1); [`StatsError::NoVariance`] when
/// both samples are constant (the standard error is 0 and no test is possible).
pub fn welch_test(first: &[f64], second: &[f64], level: f64) -> Result<MeanDifference, StatsError> {
    check_level(
        level,
        "the confidence level must lie strictly between 0 and 1",
    )?;
    for sample in [first, second] {
        if sample.len() < 2 {
            return Err(StatsError::TooFew {
                needed: 2,
                got: sample.len(),
            });
        }
        check_finite(sample)?;
    }
    welch_from_moments(&Moments::of(first), &Moments::of(second), level)
}

/// [`welch_test`] of two samples given by their [`Moments`] (a pulse round's scores come from
/// running sums, not values): the same arithmetic on the same moments gives the same result.
///
/// # Errors
/// [`StatsError::TooFew`] when either sample has fewer than 2 values;
/// [`StatsError::InvalidArgument`] for a level outside (0, 1); [`StatsError::NoVariance`] when
/// both samples are constant.
pub fn welch_from_moments(
    first: &Moments,
    second: &Moments,
    level: f64,
) -> Result<MeanDifference, StatsError> {
    check_level(
        level,
        "the confidence level must lie strictly between 0 and 1",
    )?;
    for sample in [first, second] {
        if sample.n < 2 {
            return Err(StatsError::TooFew {
                needed: 2,
                got: sample.n,
            });
        }
    }
    let (n1, m1, ss1) = (first.n, first.mean, first.ss);
    let (n2, m2, ss2) = (second.n, second.mean, second.ss);
    let (n1, n2) = (n1 as f64, n2 as f64);
    let v1 = ss1 / (n1 - 1.0) / n1;
    let v2 = ss2 / (n2 - 1.0) / n2;
    let var = v1 + v2;
    if var <= 0.0 {
        return Err(StatsError::NoVariance("both samples are constant"));
    }
    let se = var.sqrt();
    let df = var * var / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0));
    let difference = m2 - m1;
    let t = difference / se;
    let dist = StudentsT::new(0.0, 1.0, df)
        .map_err(|_| StatsError::InvalidArgument("invalid degrees of freedom"))?;
    let p_value = (2.0 * dist.sf(t.abs())).min(1.0);
    let half = t_quantile(0.5 + level / 2.0, df)? * se;
    Ok(MeanDifference {
        difference,
        se,
        t,
        df,
        p_value,
        ci: (difference - half, difference + half),
        level,
    })
}

/// The CDF of the non-central t distribution, P(T ≤ t) for `df` degrees of freedom and
/// non-centrality `nc`, by Lenth's algorithm AS 243 (1989) as refined in R's `pnt`: a series in
/// regularised incomplete beta functions, summed to an error below 1e-12.
///
/// The error is absolute. For t < 0 the lower tail is 1 − an upper series, so a probability far
/// below 1e-12 there is positive but not accurate relative to its size (t = −4, df = 8, nc = 6
/// gives 1.0e-13 for a true 1.07e-15). Power needs it only beside probabilities near 0.8.
///
/// # Errors
/// [`StatsError::NonFinite`] for a non-finite argument; [`StatsError::InvalidArgument`] unless
/// df > 0; [`StatsError::Undefined`] when |nc| > 37.62 (outside the algorithm's accurate range).
pub fn noncentral_t_cdf(t: f64, df: f64, nc: f64) -> Result<f64, StatsError> {
    check_finite(&[t, df, nc])?;
    if df <= 0.0 {
        return Err(StatsError::InvalidArgument(
            "degrees of freedom must be positive",
        ));
    }
    if nc.abs() > 37.62 {
        return Err(StatsError::Undefined(
            "the non-centrality is too large for this algorithm",
        ));
    }
    let (tt, del, negdel) = if t >= 0.0 {
        (t, nc, false)
    } else {
        (-t, -nc, true)
    };
    let mut tnc = 0.0;
    let t2 = tt * tt;
    if t2 > 0.0 {
        let x = t2 / (t2 + df);
        let lambda = del * del;
        let mut p = 0.5 * (-0.5 * lambda).exp();
        let mut q = (2.0 / std::f64::consts::PI).sqrt() * p * del;
        let mut s = 0.5 - p;
        if s < 1e-7 {
            s = -0.5 * (-0.5 * lambda).exp_m1();
        }
        let mut a = 0.5;
        let b = 0.5 * df;
        let rxb = (df / (t2 + df)).powf(b);
        let albeta = 0.5 * std::f64::consts::PI.ln() + ln_gamma(b) - ln_gamma(0.5 + b);
        let mut xodd = beta_reg(a, b, x);
        let mut godd = 2.0 * rxb * (a * x.ln() - albeta).exp();
        let bx = b * x;
        let mut xeven = if bx < f64::EPSILON { bx } else { 1.0 - rxb };
        let mut geven = bx * rxb;
        tnc = p * xodd + q * xeven;
        const ITERATIONS: u32 = 1000;
        const ERROR: f64 = 1e-12;
        for it in 1..=ITERATIONS {
            let it = f64::from(it);
            a += 1.0;
            xodd -= godd;
            xeven -= geven;
            godd *= x * (a + b - 1.0) / a;
            geven *= x * (a + b - 0.5) / (a + 0.5);
            p *= lambda / (2.0 * it);
            q *= lambda / (2.0 * it + 1.0);
            tnc += p * xodd + q * xeven;
            s -= p;
            if s < -1e-10 || (s <= 0.0 && it > 1.0) {
                break;
            }
            if (2.0 * s * (xodd - godd)).abs() < ERROR {
                break;
            }
        }
    }
    let normal =
        Normal::new(0.0, 1.0).map_err(|_| StatsError::InvalidArgument("standard normal"))?;
    tnc += normal.cdf(-del);
    let tnc = tnc.clamp(0.0, 1.0);
    Ok(if negdel { 1.0 - tnc } else { tnc })
}

/// Validates two group sizes and returns the degrees of freedom and the factor √(1/n₁ + 1/n₂).
fn sizes(n1: usize, n2: usize) -> Result<(f64, f64), StatsError> {
    if n1 < 2 || n2 < 2 {
        return Err(StatsError::TooFew {
            needed: 2,
            got: n1.min(n2),
        });
    }
    let (a, b) = (n1 as f64, n2 as f64);
    Ok((a + b - 2.0, (1.0 / a + 1.0 / b).sqrt()))
}

/// The power of the two-sided two-sample t-test (equal variances, df = n₁ + n₂ − 2) at level
/// `alpha` to detect a standardised difference `d` (Cohen's d):
/// with δ = d / √(1/n₁ + 1/n₂) and c = t(1 − α/2; df),
/// power = P(T′ > c) + P(T′ < −c), T′ non-central t with df and δ.
///
/// # Errors
/// [`StatsError::TooFew`] when a group has fewer than 2 raters; [`StatsError::InvalidArgument`]
/// for alpha outside (0, 1) or a non-finite d; the errors of [`noncentral_t_cdf`].
pub fn two_sample_power(n1: usize, n2: usize, d: f64, alpha: f64) -> Result<f64, StatsError> {
    check_level(alpha, "alpha must lie strictly between 0 and 1")?;
    if !d.is_finite() {
        return Err(StatsError::InvalidArgument(
            "the effect size must be finite",
        ));
    }
    let (df, factor) = sizes(n1, n2)?;
    let delta = d.abs() / factor;
    let critical = t_quantile(1.0 - alpha / 2.0, df)?;
    let upper = 1.0 - noncentral_t_cdf(critical, df, delta)?;
    let lower = noncentral_t_cdf(-critical, df, delta)?;
    Ok((upper + lower).clamp(0.0, 1.0))
}

/// The smallest standardised difference (Cohen's d) that the two-sided two-sample t-test at level
/// `alpha` detects with probability `power`: the d solving [`two_sample_power`] = `power`, found
/// by bisection to 1e-13.
///
/// # Errors
/// [`StatsError::InvalidArgument`] unless 0 < alpha < power < 1; the errors of
/// [`two_sample_power`]; [`StatsError::Undefined`] when the groups are too small to reach the
/// power within the algorithm's range.
pub fn detectable_effect_size(
    n1: usize,
    n2: usize,
    alpha: f64,
    power: f64,
) -> Result<f64, StatsError> {
    // Some fifty evaluations of the non-central t for each pair of rater counts, which every
    // report comparing two campaigns asks for again: computed once per process.
    static KNOWN: super::Memo<(usize, usize, u64, u64)> = super::Memo::new();
    KNOWN.get_or((n1, n2, alpha.to_bits(), power.to_bits()), || {
        compute_detectable_effect_size(n1, n2, alpha, power)
    })
}

fn compute_detectable_effect_size(
    n1: usize,
    n2: usize,
    alpha: f64,
    power: f64,
) -> Result<f64, StatsError> {
    check_level(alpha, "alpha must lie strictly between 0 and 1")?;
    check_level(power, "power must lie strictly between 0 and 1")?;
    if power <= alpha {
        return Err(StatsError::InvalidArgument("power must exceed alpha"));
    }
    let (_, factor) = sizes(n1, n2)?;
    // The algorithm holds for δ up to 37.6; keep d inside that.
    let ceiling = 37.0 * factor;
    let (mut lo, mut hi) = (0.0, 1.0f64.min(ceiling));
    while two_sample_power(n1, n2, hi, alpha)? < power {
        if hi >= ceiling {
            return Err(StatsError::Undefined("too few raters to reach this power"));
        }
        lo = hi;
        hi = (hi * 2.0).min(ceiling);
    }
    while hi - lo > 1e-13 * hi.max(1.0) {
        let mid = 0.5 * (lo + hi);
        if two_sample_power(n1, n2, mid, alpha)? < power {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// The minimum detectable difference between two measurements with `n1` and `n2` raters whose
/// answers have standard deviation `sd`: the difference the two-sided t-test at α = .05 detects
/// with 80% power, `sd · d*`, with d* from [`detectable_effect_size`] (exact, through the
/// non-central t distribution; roughly 2.8 · sd · √(1/n₁ + 1/n₂) for large groups).
///
/// # Errors
/// [`StatsError::TooFew`] when a group has fewer than 2 raters; [`StatsError::InvalidArgument`]
/// unless sd ≥ 0 and finite.
pub fn minimum_detectable_difference(n1: usize, n2: usize, sd: f64) -> Result<f64, StatsError> {
    if !(sd.is_finite() && sd >= 0.0) {
        return Err(StatsError::InvalidArgument(
            "the standard deviation must be finite and not negative",
        ));
    }
    Ok(sd * detectable_effect_size(n1, n2, 0.05, 0.8)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn welch_refuses_what_it_cannot_test() {
        assert!(matches!(
            welch_test(&[1.0], &[1.0, 2.0], 0.95),
            Err(StatsError::TooFew { .. })
        ));
        assert!(matches!(
            welch_test(&[3.0, 3.0], &[4.0, 4.0], 0.95),
            Err(StatsError::NoVariance(_))
        ));
        assert!(welch_test(&[1.0, 2.0], &[1.0, 2.0], 0.0).is_err());
    }

    #[test]
    fn a_clear_rise_is_significant_and_no_change_is_not() {
        let before = [50.0, 55.0, 45.0, 52.0, 48.0];
        let after = [70.0, 75.0, 65.0, 72.0, 68.0];
        let up = welch_test(&before, &after, 0.95).unwrap();
        assert!(up.difference > 0.0 && up.is_significant());
        let same = welch_test(&before, &before, 0.95).unwrap();
        assert_eq!(same.difference, 0.0);
        assert!(!same.is_significant());
        assert!((same.p_value - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_central_case_is_students_t() {
        let t = StudentsT::new(0.0, 1.0, 7.0).unwrap();
        for x in [-3.0, -0.5, 0.0, 1.2, 4.0] {
            assert!((noncentral_t_cdf(x, 7.0, 0.0).unwrap() - t.cdf(x)).abs() < 1e-12);
        }
        assert!(noncentral_t_cdf(1.0, 0.0, 1.0).is_err());
        assert!(noncentral_t_cdf(1.0, 5.0, 40.0).is_err());
    }

    #[test]
    fn power_at_the_detectable_size_is_the_target() {
        let d = detectable_effect_size(10, 12, 0.05, 0.8).unwrap();
        assert!((two_sample_power(10, 12, d, 0.05).unwrap() - 0.8).abs() < 1e-9);
        assert!((two_sample_power(10, 12, 0.0, 0.05).unwrap() - 0.05).abs() < 1e-9);
        assert!(minimum_detectable_difference(1, 5, 10.0).is_err());
        assert_eq!(minimum_detectable_difference(5, 5, 0.0).unwrap(), 0.0);
        assert!(detectable_effect_size(5, 5, 0.05, 0.04).is_err());
    }
}
