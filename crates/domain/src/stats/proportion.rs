//! Proportions and associations between two measures: Wilson's score interval for a share of
//! successes, and Pearson's correlation with its Fisher-z interval.

use super::{StatsError, check_finite, check_level};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// A share of successes with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    /// Successes.
    pub successes: u64,
    /// Trials (the denominator).
    pub n: u64,
    /// successes ÷ n.
    pub estimate: f64,
    /// Wilson's score interval as `(low, high)`, inside [0, 1].
    pub interval: (f64, f64),
}

/// The two-sided standard normal quantile for a confidence `level` (1.96 for 0.95).
fn normal_two_sided(level: f64) -> Result<f64, StatsError> {
    check_level(level, "confidence level")?;
    let normal =
        Normal::new(0.0, 1.0).map_err(|_| StatsError::InvalidArgument("standard normal"))?;
    Ok(normal.inverse_cdf(0.5 + level / 2.0))
}

/// Wilson's score interval for `successes` out of `n` at confidence `level`.
///
/// Unlike the textbook p ± z·√(p(1−p)/n), it never leaves [0, 1] and does not collapse to a
/// point at 0 or n successes, which matters for the small counts a leader's ledger holds
/// (statsmodels' `proportion_confint(method="wilson")` is the reference).
///
/// # Errors
/// [`StatsError::TooFew`] when `n` is 0; [`StatsError::InvalidArgument`] when successes > n or
/// the level is not in (0, 1).
pub fn wilson_interval(successes: u64, n: u64, level: f64) -> Result<Proportion, StatsError> {
    if n == 0 {
        return Err(StatsError::TooFew { needed: 1, got: 0 });
    }
    if successes > n {
        return Err(StatsError::InvalidArgument("more successes than trials"));
    }
    let z = normal_two_sided(level)?;
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2n = z * z / nf;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / nf + z2n / (4.0 * nf)).sqrt();
    // At 0 or n successes the bound is exactly 0 or 1; rounding must not move it past.
    let low = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if successes == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Ok(Proportion {
        successes,
        n,
        estimate: p,
        interval: (low, high),
    })
}

/// Pearson's correlation between paired values, with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Correlation {
    /// Pairs.
    pub n: usize,
    /// Pearson's r.
    pub r: f64,
    /// The Fisher-z interval as `(low, high)`: tanh(atanh r ± z / √(n − 3)).
    pub interval: (f64, f64),
}

/// Pearson's r between `x` and `y` (same length, paired by position) with the Fisher-z interval
/// at confidence `level` (scipy's `pearsonr(x, y).confidence_interval(level)`).
///
/// # Errors
/// [`StatsError::TooFew`] with fewer than 4 pairs (the interval needs n − 3 > 0);
/// [`StatsError::InvalidArgument`] when the lengths differ or the level is out of range;
/// [`StatsError::NonFinite`]; [`StatsError::NoVariance`] when either measure is constant.
pub fn pearson(x: &[f64], y: &[f64], level: f64) -> Result<Correlation, StatsError> {
    if x.len() != y.len() {
        return Err(StatsError::InvalidArgument("x and y differ in length"));
    }
    if x.len() < 4 {
        return Err(StatsError::TooFew {
            needed: 4,
            got: x.len(),
        });
    }
    check_finite(x)?;
    check_finite(y)?;
    let z = normal_two_sided(level)?;
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return Err(StatsError::NoVariance("a measure is constant"));
    }
    let r = (sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0);
    let half = z / (n - 3.0).sqrt();
    let zr = r.atanh();
    Ok(Correlation {
        n: x.len(),
        r,
        interval: ((zr - half).tanh(), (zr + half).tanh()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wilson_at_the_ends_reaches_zero_and_one() {
        let none = wilson_interval(0, 7, 0.95).expect("defined");
        assert_eq!(none.interval.0, 0.0);
        assert!(none.interval.1 > 0.0 && none.interval.1 < 1.0);
        let all = wilson_interval(7, 7, 0.95).expect("defined");
        assert_eq!(all.interval.1, 1.0);
        assert!(all.interval.0 > 0.0 && all.interval.0 < 1.0);
    }

    #[test]
    fn wilson_refuses_what_is_not_a_proportion() {
        assert_eq!(
            wilson_interval(0, 0, 0.95),
            Err(StatsError::TooFew { needed: 1, got: 0 })
        );
        assert!(wilson_interval(3, 2, 0.95).is_err());
        assert!(wilson_interval(1, 2, 1.0).is_err());
    }

    #[test]
    fn pearson_refuses_a_constant_measure_and_short_data() {
        assert!(matches!(
            pearson(&[1.0, 1.0, 1.0, 1.0], &[1.0, 2.0, 3.0, 4.0], 0.95),
            Err(StatsError::NoVariance(_))
        ));
        assert!(matches!(
            pearson(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], 0.95),
            Err(StatsError::TooFew { .. })
        ));
    }

    proptest! {
        #[test]
        fn wilson_holds_the_estimate_and_stays_a_proportion(n in 1u64..500, share in 0.0f64..=1.0) {
            let k = ((n as f64) * share).floor() as u64;
            let p = wilson_interval(k, n, 0.95).expect("defined for every k <= n");
            prop_assert!(0.0 <= p.interval.0 && p.interval.0 <= p.estimate);
            prop_assert!(p.estimate <= p.interval.1 && p.interval.1 <= 1.0);
            let wider = wilson_interval(k, n, 0.99).expect("defined");
            prop_assert!(wider.interval.0 <= p.interval.0 && p.interval.1 <= wider.interval.1);
        }

        #[test]
        fn pearson_lies_in_its_interval(pairs in prop::collection::vec((-50.0f64..50.0, -50.0f64..50.0), 5..60)) {
            let x: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let y: Vec<f64> = pairs.iter().enumerate().map(|(i, p)| p.1 + i as f64).collect();
            let c = pearson(&x, &y, 0.95).expect("random data vary");
            prop_assert!(-1.0 <= c.interval.0 && c.interval.0 <= c.r);
            prop_assert!(c.r <= c.interval.1 && c.interval.1 <= 1.0);
        }
    }
}
