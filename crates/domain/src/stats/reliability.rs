//! Reliability: Spearman–Brown, Cronbach's alpha with Feldt's confidence interval, McDonald's
//! omega (one-factor model) and corrected item–total correlations.
//!
//! Item matrices are given as rows of respondents, each row holding one value per item, complete
//! (use [`complete_rows`] for listwise deletion of answers with "can't say").

use super::{StatsError, check_finite, check_level, moments, sample_variance};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// The Spearman–Brown prophecy: the reliability of the mean of `k` parallel ratings when one
/// rating has reliability `reliability_one`: k·ρ / (1 + (k − 1)·ρ).
///
/// `k` need not be a whole number (k = 0.5 halves the number of raters).
///
/// # Errors
/// [`StatsError::InvalidArgument`] unless 0 ≤ `reliability_one` ≤ 1 and `k` > 0. A negative
/// estimate of single-rater reliability (an ICC(1) below zero) should be read as 0 by the caller.
pub fn spearman_brown(reliability_one: f64, k: f64) -> Result<f64, StatsError> {
    if !(reliability_one.is_finite() && (0.0..=1.0).contains(&reliability_one)) {
        return Err(StatsError::InvalidArgument(
            "a reliability must lie between 0 and 1",
        ));
    }
    if !(k.is_finite() && k > 0.0) {
        return Err(StatsError::InvalidArgument(
            "the number of raters must be positive",
        ));
    }
    Ok(k * reliability_one / (1.0 + (k - 1.0) * reliability_one))
}

/// How many raters are needed for the mean rating to reach the reliability `target`, when one
/// rater's reliability is `single_rater_reliability`: the Spearman–Brown formula solved for k,
/// k = target·(1 − ρ) / (ρ·(1 − target)), rounded up (at least 1).
///
/// # Errors
/// [`StatsError::InvalidArgument`] unless both arguments lie strictly between 0 and 1;
/// [`StatsError::Undefined`] when more than `u32::MAX` raters would be needed.
pub fn raters_needed(single_rater_reliability: f64, target: f64) -> Result<u32, StatsError> {
    let open = |x: f64| x.is_finite() && x > 0.0 && x < 1.0;
    if !open(single_rater_reliability) || !open(target) {
        return Err(StatsError::InvalidArgument(
            "reliabilities must lie strictly between 0 and 1",
        ));
    }
    let rho = single_rater_reliability;
    let exact = target * (1.0 - rho) / (rho * (1.0 - target));
    // Guard against 9.000000000000002 becoming 10 by rounding error.
    let needed = (exact - 1e-9).ceil().max(1.0);
    if needed > f64::from(u32::MAX) {
        return Err(StatsError::Undefined("far too many raters would be needed"));
    }
    Ok(needed as u32)
}

/// The number of further raters needed beyond `current` (0 when `current` already reaches the
/// target); see [`raters_needed`].
///
/// # Errors
/// As [`raters_needed`].
pub fn additional_raters_needed(
    single_rater_reliability: f64,
    target: f64,
    current: u32,
) -> Result<u32, StatsError> {
    Ok(raters_needed(single_rater_reliability, target)?.saturating_sub(current))
}

/// Keeps the rows in which every item has a value (listwise deletion), for the functions that
/// need a complete matrix.
pub fn complete_rows<R: AsRef<[Option<f64>]>>(rows: &[R]) -> Vec<Vec<f64>> {
    rows.iter()
        .filter_map(|row| row.as_ref().iter().copied().collect::<Option<Vec<f64>>>())
        .collect()
}

/// Validates a respondents × items matrix and returns it by columns (items).
fn columns<R: AsRef<[f64]>>(
    rows: &[R],
    min_rows: usize,
    min_items: usize,
) -> Result<Vec<Vec<f64>>, StatsError> {
    if rows.len() < min_rows {
        return Err(StatsError::TooFew {
            needed: min_rows,
            got: rows.len(),
        });
    }
    let k = rows[0].as_ref().len();
    if k < min_items {
        return Err(StatsError::TooFew {
            needed: min_items,
            got: k,
        });
    }
    if rows.iter().any(|r| r.as_ref().len() != k) {
        return Err(StatsError::InvalidArgument(
            "every row must have one value per item",
        ));
    }
    for row in rows {
        check_finite(row.as_ref())?;
    }
    Ok((0..k)
        .map(|j| rows.iter().map(|r| r.as_ref()[j]).collect())
        .collect())
}

/// Cronbach's alpha of a respondents × items matrix (complete rows):
/// α = k/(k − 1) · (1 − Σ s²ᵢ / s²ₜ), with s²ᵢ the item variances and s²ₜ the variance of the
/// respondents' sum scores (all with n − 1 denominators).
///
/// Alpha is at most 1 and can be negative when items disagree.
///
/// # Errors
/// [`StatsError::TooFew`] with fewer than 2 rows or 2 items; [`StatsError::InvalidArgument`]
/// for ragged rows; [`StatsError::NonFinite`]; [`StatsError::NoVariance`] when the sum scores
/// do not vary.
pub fn cronbach_alpha<R: AsRef<[f64]>>(rows: &[R]) -> Result<f64, StatsError> {
    let cols = columns(rows, 2, 2)?;
    let k = cols.len() as f64;
    let item_variance: f64 = cols.iter().map(|c| sample_variance(c)).sum();
    let totals: Vec<f64> = rows.iter().map(|r| r.as_ref().iter().sum()).collect();
    let total_variance = sample_variance(&totals);
    if total_variance <= 0.0 {
        return Err(StatsError::NoVariance("the sum scores are all equal"));
    }
    Ok(k / (k - 1.0) * (1.0 - item_variance / total_variance))
}

/// Cronbach's alpha of a respondents × items matrix (complete rows) with Feldt's (1965)
/// confidence interval at `level` (0.95 for 95%): with n respondents and k items,
/// (1 − α̂)/(1 − α) follows an F distribution with n − 1 and (n − 1)(k − 1) degrees of freedom,
/// so the interval is 1 − (1 − α̂)·F(1 − γ/2) to 1 − (1 − α̂)·F(γ/2), γ = 1 − `level`. The same
/// interval as `pingouin.cronbach_alpha(ci=level)` (which rounds it to three decimals).
///
/// Returns `(alpha, (low, high))`; the interval always contains alpha and its upper end is
/// below 1 unless alpha is 1.
///
/// # Errors
/// Those of [`cronbach_alpha`]; [`StatsError::InvalidArgument`] unless 0 < `level` < 1.
pub fn cronbach_alpha_interval<R: AsRef<[f64]>>(
    rows: &[R],
    level: f64,
) -> Result<(f64, (f64, f64)), StatsError> {
    check_level(
        level,
        "the confidence level must lie strictly between 0 and 1",
    )?;
    let alpha = cronbach_alpha(rows)?;
    let n = rows.len() as f64;
    let k = rows.first().map_or(0, |r| r.as_ref().len()) as f64;
    let (df1, df2) = (n - 1.0, (n - 1.0) * (k - 1.0));
    let tail = (1.0 - level) / 2.0;
    let upper_quantile = f_upper_quantile(tail, df1, df2)?;
    let lower_quantile = f_upper_quantile(1.0 - tail, df1, df2)?;
    Ok((
        alpha,
        (
            1.0 - (1.0 - alpha) * upper_quantile,
            1.0 - (1.0 - alpha) * lower_quantile,
        ),
    ))
}

/// The value an F(`df1`, `df2`) variable exceeds with probability `p` (scipy's `f.isf`).
///
/// Starts from statrs' inverse (through the inverse regularised incomplete beta function) and
/// polishes it with Newton steps, as [`super::t_quantile`] does: the starting point alone is good
/// to about 1e-10.
fn f_upper_quantile(p: f64, df1: f64, df2: f64) -> Result<f64, StatsError> {
    let dist = FisherSnedecor::new(df1, df2)
        .map_err(|_| StatsError::InvalidArgument("degrees of freedom must be positive"))?;
    let x = dist.inverse_cdf(1.0 - p);
    if !(x.is_finite() && x > 0.0) {
        return Err(StatsError::Undefined(
            "the F quantile is out of floating-point range",
        ));
    }
    Ok(super::polish_quantile(&dist, x, 1.0 - p, p))
}

/// Pearson correlation of two equally long, finite samples; `None` when either does not vary.
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let (_, mx, sxx) = moments(x);
    let (_, my, syy) = moments(y);
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// The corrected item–total correlation of every item: the Pearson correlation of the item with
/// the sum of the *other* items. `None` for an item when it, or the rest score, does not vary.
///
/// # Errors
/// As [`cronbach_alpha`] (at least 2 rows and 2 items), without the variance condition.
pub fn corrected_item_total<R: AsRef<[f64]>>(rows: &[R]) -> Result<Vec<Option<f64>>, StatsError> {
    let cols = columns(rows, 2, 2)?;
    let totals: Vec<f64> = rows.iter().map(|r| r.as_ref().iter().sum()).collect();
    Ok(cols
        .iter()
        .map(|item| {
            let rest: Vec<f64> = totals.iter().zip(item).map(|(t, v)| t - v).collect();
            pearson(item, &rest)
        })
        .collect())
}

/// The Pearson correlation matrix of the items of a respondents × items matrix.
///
/// # Errors
/// As [`cronbach_alpha`]; [`StatsError::NoVariance`] when an item does not vary.
pub fn correlation_matrix<R: AsRef<[f64]>>(rows: &[R]) -> Result<Vec<Vec<f64>>, StatsError> {
    let cols = columns(rows, 2, 2)?;
    let k = cols.len();
    let mut r = vec![vec![1.0; k]; k];
    for i in 0..k {
        for j in (i + 1)..k {
            let c = pearson(&cols[i], &cols[j]).ok_or(StatsError::NoVariance(
                "an item has the same answer from everyone",
            ))?;
            r[i][j] = c;
            r[j][i] = c;
        }
    }
    Ok(r)
}

/// A one-factor solution for a correlation matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct OneFactor {
    /// The standardised loading of each item on the factor (their sum is made positive).
    pub loadings: Vec<f64>,
    /// Each item's uniqueness, 1 − loading².
    pub uniquenesses: Vec<f64>,
    /// Iterations the principal-axis iteration took.
    pub iterations: usize,
}

impl OneFactor {
    /// McDonald's omega total of the unit-weighted sum of the standardised items:
    /// ω = (Σ λᵢ)² / ((Σ λᵢ)² + Σ ψᵢ).
    pub fn omega(&self) -> f64 {
        let common = self.loadings.iter().sum::<f64>().powi(2);
        let unique: f64 = self.uniquenesses.iter().sum();
        common / (common + unique)
    }
}

/// Fits one common factor to a correlation matrix by unweighted least squares (ULS, also called
/// MINRES), using iterated principal-axis factoring: start from the squared multiple
/// correlations as communalities, put the communalities on the diagonal, take the leading
/// eigenvector scaled by the square root of its eigenvalue as the loadings, set the communalities
/// to the squared loadings and repeat until no communality changes by more than 1e-12. The fixed
/// point of this iteration is the ULS solution (the same as `factor_analyzer`'s `minres`).
/// The iteration stops with an error as soon as a communality reaches 1 (a Heywood case).
///
/// # Errors
/// [`StatsError::TooFew`] with fewer than 3 items (one factor is not identified with 2);
/// [`StatsError::InvalidArgument`] for a matrix that is not square and symmetric with a unit
/// diagonal and entries in [−1, 1]; [`StatsError::Undefined`] for a Heywood case (a communality
/// of 1 or more, so a uniqueness ≤ 0) or when the iteration does not converge.
pub fn one_factor<R: AsRef<[f64]>>(correlation: &[R]) -> Result<OneFactor, StatsError> {
    let p = correlation.len();
    if p < 3 {
        return Err(StatsError::TooFew { needed: 3, got: p });
    }
    let r: Vec<Vec<f64>> = correlation
        .iter()
        .map(|row| row.as_ref().to_vec())
        .collect();
    for (i, row) in r.iter().enumerate() {
        if row.len() != p {
            return Err(StatsError::InvalidArgument(
                "a correlation matrix must be square",
            ));
        }
        check_finite(row)?;
        if (row[i] - 1.0).abs() > 1e-9 {
            return Err(StatsError::InvalidArgument(
                "a correlation matrix has ones on its diagonal",
            ));
        }
        for (j, &v) in row.iter().enumerate() {
            if v.abs() > 1.0 + 1e-9 || (v - r[j][i]).abs() > 1e-9 {
                return Err(StatsError::InvalidArgument(
                    "a correlation matrix is symmetric with entries in [-1, 1]",
                ));
            }
        }
    }
    let mut h = initial_communalities(&r);
    const TOLERANCE: f64 = 1e-12;
    const MAX_ITERATIONS: usize = 20_000;
    for iteration in 1..=MAX_ITERATIONS {
        let mut reduced = r.clone();
        for (i, row) in reduced.iter_mut().enumerate() {
            row[i] = h[i];
        }
        let (value, vector) = leading_eigenpair(reduced);
        let scale = value.max(0.0).sqrt();
        let mut loadings: Vec<f64> = vector.iter().map(|v| v * scale).collect();
        if loadings.iter().sum::<f64>() < 0.0 {
            loadings.iter_mut().for_each(|l| *l = -*l);
        }
        let next: Vec<f64> = loadings.iter().map(|l| l * l).collect();
        let change = next
            .iter()
            .zip(&h)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        h = next;
        // Starting from the squared multiple correlations, the communalities approach the
        // solution from below; once one reaches 1 the iteration runs away (a Heywood case: the
        // data do not fit one factor with positive uniquenesses).
        if h.iter().any(|&c| c >= 1.0) {
            return Err(StatsError::Undefined(
                "Heywood case: an item's communality reaches 1",
            ));
        }
        if change < TOLERANCE {
            let uniquenesses = h.iter().map(|c| 1.0 - c).collect();
            return Ok(OneFactor {
                loadings,
                uniquenesses,
                iterations: iteration,
            });
        }
    }
    Err(StatsError::Undefined(
        "the one-factor solution did not converge",
    ))
}

/// McDonald's omega total of a respondents × items matrix (complete rows), from the one-factor
/// ULS solution of the items' correlation matrix ([`one_factor`]).
///
/// # Errors
/// [`StatsError::TooFew`] with fewer than 3 items or not more respondents than items;
/// [`StatsError::NoVariance`] when an item does not vary; the errors of [`one_factor`].
pub fn omega_total<R: AsRef<[f64]>>(rows: &[R]) -> Result<f64, StatsError> {
    let k = rows.first().map_or(0, |r| r.as_ref().len());
    if k < 3 {
        return Err(StatsError::TooFew { needed: 3, got: k });
    }
    if rows.len() <= k {
        return Err(StatsError::TooFew {
            needed: k + 1,
            got: rows.len(),
        });
    }
    let r = correlation_matrix(rows)?;
    Ok(one_factor(&r)?.omega())
}

/// Squared multiple correlations, 1 − 1 / (R⁻¹)ᵢᵢ; for a singular matrix, the largest absolute
/// correlation of each item instead.
fn initial_communalities(r: &[Vec<f64>]) -> Vec<f64> {
    let p = r.len();
    let fallback = || {
        (0..p)
            .map(|i| {
                (0..p)
                    .filter(|&j| j != i)
                    .map(|j| r[i][j].abs())
                    .fold(0.0, f64::max)
            })
            .collect()
    };
    match inverse_diagonal(r) {
        Some(d) if d.iter().all(|&v| v >= 1.0 - 1e-12) => d.iter().map(|v| 1.0 - 1.0 / v).collect(),
        _ => fallback(),
    }
}

/// The diagonal of the inverse of a symmetric matrix by Gauss–Jordan elimination with partial
/// pivoting; `None` when it is (numerically) singular.
fn inverse_diagonal(r: &[Vec<f64>]) -> Option<Vec<f64>> {
    let p = r.len();
    let mut a: Vec<Vec<f64>> = r
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut ext = row.clone();
            ext.extend((0..p).map(|j| if i == j { 1.0 } else { 0.0 }));
            ext
        })
        .collect();
    for col in 0..p {
        let pivot = (col..p).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let d = a[col][col];
        a[col].iter_mut().for_each(|v| *v /= d);
        let pivot_row = a[col].clone();
        for (row_index, row) in a.iter_mut().enumerate() {
            if row_index != col {
                let factor = row[col];
                if factor != 0.0 {
                    row.iter_mut()
                        .zip(&pivot_row)
                        .for_each(|(v, pv)| *v -= factor * pv);
                }
            }
        }
    }
    Some((0..p).map(|i| a[i][p + i]).collect())
}

/// The largest eigenvalue of a symmetric matrix and its unit eigenvector, by the cyclic Jacobi
/// method (robust for the small matrices of a questionnaire).
fn leading_eigenpair(mut a: Vec<Vec<f64>>) -> (f64, Vec<f64>) {
    let p = a.len();
    let mut v: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..p)
            .flat_map(|i| (0..p).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let scale: f64 = (0..p).map(|i| a[i][i] * a[i][i]).sum::<f64>() + off;
        if off <= 1e-30 * scale.max(f64::MIN_POSITIVE) {
            break;
        }
        for i in 0..p {
            for j in (i + 1)..p {
                if a[i][j] == 0.0 {
                    continue;
                }
                let theta = (a[j][j] - a[i][i]) / (2.0 * a[i][j]);
                // The rotation that zeroes a[i][j]: tan = t, the smaller root of
                // t² + 2θt − 1 = 0 (signum(0) is 1, so θ = 0 gives t = 1).
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // Columns i and j of A and of V: A ← A·J, V ← V·J.
                for row in a.iter_mut().chain(v.iter_mut()) {
                    let (xi, xj) = (row[i], row[j]);
                    row[i] = c * xi - s * xj;
                    row[j] = s * xi + c * xj;
                }
                // Rows i and j of A: A ← Jᵀ·A.
                let (upper, lower) = a.split_at_mut(j);
                for (x, y) in upper[i].iter_mut().zip(lower[0].iter_mut()) {
                    let (xi, yj) = (*x, *y);
                    *x = c * xi - s * yj;
                    *y = s * xi + c * yj;
                }
            }
        }
    }
    let top = (0..p)
        .max_by(|&x, &y| a[x][x].total_cmp(&a[y][y]))
        .unwrap_or(0);
    (a[top][top], v.iter().map(|row| row[top]).collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn spearman_brown_matches_the_textbook() {
        // One rater at .19 gives about .70 with 10 raters.
        let ten = spearman_brown(0.19, 10.0).unwrap();
        assert!((ten - 1.9 / 2.71).abs() < 1e-12);
        assert_eq!(raters_needed(0.19, 0.70).unwrap(), 10);
        assert_eq!(raters_needed(0.5, 0.5).unwrap(), 1);
        assert_eq!(additional_raters_needed(0.19, 0.70, 4).unwrap(), 6);
        assert_eq!(additional_raters_needed(0.19, 0.70, 12).unwrap(), 0);
        assert!(spearman_brown(1.2, 3.0).is_err());
        assert!(spearman_brown(0.5, 0.0).is_err());
        assert!(raters_needed(0.0, 0.7).is_err());
    }

    #[test]
    fn alpha_of_parallel_items_and_of_a_constant_sum() {
        let rows = [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
        assert!((cronbach_alpha(&rows).unwrap() - 1.0).abs() < 1e-12);
        let opposed = [[1.0, 5.0], [5.0, 1.0], [3.0, 3.0]];
        assert!(matches!(
            cronbach_alpha(&opposed),
            Err(StatsError::NoVariance(_))
        ));
        let ragged: Vec<Vec<f64>> = vec![vec![1.0, 2.0], vec![1.0]];
        assert!(cronbach_alpha(&ragged).is_err());
        assert!(cronbach_alpha(&[[1.0, 2.0]]).is_err());
    }

    #[test]
    fn feldts_interval_holds_alpha_and_narrows_with_more_respondents() {
        let rows: Vec<[f64; 3]> = (0..12)
            .map(|i| {
                let level = f64::from(i % 5);
                [level, level + f64::from(i % 2), level + f64::from(i % 3)]
            })
            .collect();
        let (alpha, (low, high)) = cronbach_alpha_interval(&rows, 0.95).unwrap();
        assert_eq!(alpha, cronbach_alpha(&rows).unwrap());
        assert!(
            low < alpha && alpha < high && high < 1.0,
            "{low} {alpha} {high}"
        );
        let doubled: Vec<[f64; 3]> = rows.iter().chain(&rows).copied().collect();
        let (_, (low2, high2)) = cronbach_alpha_interval(&doubled, 0.95).unwrap();
        assert!(high2 - low2 < high - low);
        let (_, (low90, high90)) = cronbach_alpha_interval(&rows, 0.90).unwrap();
        assert!(
            low < low90 && high90 < high,
            "a 90% interval lies inside the 95% one"
        );
        assert!(cronbach_alpha_interval(&rows, 1.0).is_err());
    }

    #[test]
    fn the_f_quantile_is_the_value_its_tail_probability_names() {
        for (p, df1, df2) in [
            (0.025, 14.0, 126.0),
            (0.975, 14.0, 126.0),
            (0.5, 3.0, 6.0),
            (1e-6, 2.0, 2.0),
        ] {
            let x = f_upper_quantile(p, df1, df2).unwrap();
            let dist = FisherSnedecor::new(df1, df2).unwrap();
            assert!(
                (dist.sf(x) - p).abs() <= 1e-12 * p.max(1e-3),
                "{p} {df1} {df2}: {x}"
            );
        }
    }

    #[test]
    fn listwise_deletion_keeps_complete_rows() {
        let rows = vec![
            vec![Some(1.0), Some(2.0)],
            vec![None, Some(2.0)],
            vec![Some(3.0), Some(4.0)],
        ];
        assert_eq!(complete_rows(&rows), vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
    }

    #[test]
    fn one_factor_recovers_known_loadings() {
        let lambda = [0.8, 0.7, 0.6, 0.5];
        let r: Vec<Vec<f64>> = (0..4)
            .map(|i| {
                (0..4)
                    .map(|j| if i == j { 1.0 } else { lambda[i] * lambda[j] })
                    .collect()
            })
            .collect();
        let fit = one_factor(&r).unwrap();
        for (got, want) in fit.loadings.iter().zip(lambda) {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
        let sum: f64 = lambda.iter().sum();
        let unique: f64 = lambda.iter().map(|l| 1.0 - l * l).sum();
        assert!((fit.omega() - sum * sum / (sum * sum + unique)).abs() < 1e-9);
    }

    #[test]
    fn omega_needs_three_items_and_more_people_than_items() {
        assert!(matches!(
            omega_total(&[[1.0, 2.0], [2.0, 3.0], [3.0, 1.0]]),
            Err(StatsError::TooFew { .. })
        ));
        assert!(matches!(
            omega_total(&[[1.0, 2.0, 3.0], [2.0, 3.0, 1.0], [3.0, 1.0, 2.0]]),
            Err(StatsError::TooFew { .. })
        ));
        let bad = [[1.0, 0.5, 0.2], [0.4, 1.0, 0.3], [0.2, 0.3, 1.0]];
        assert!(matches!(
            one_factor(&bad),
            Err(StatsError::InvalidArgument(_))
        ));
    }

    #[test]
    fn a_heywood_case_is_refused() {
        // r12·r13/r23 = 0.9·0.9/0.5 > 1: the first item's communality would exceed 1.
        let r = [[1.0, 0.9, 0.9], [0.9, 1.0, 0.5], [0.9, 0.5, 1.0]];
        assert!(matches!(one_factor(&r), Err(StatsError::Undefined(_))));
    }

    #[test]
    fn item_total_is_none_for_a_constant_item() {
        let rows = [
            [3.0, 1.0, 2.0],
            [3.0, 2.0, 3.0],
            [3.0, 3.0, 3.0],
            [3.0, 4.0, 5.0],
        ];
        let r = corrected_item_total(&rows).unwrap();
        assert_eq!(r[0], None);
        assert!(r[1].unwrap() > 0.8);
    }
}
