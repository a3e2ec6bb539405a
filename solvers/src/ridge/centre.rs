//! Targets centred about their mean. Kernel ridge has no intercept: its fit
//! shrinks towards zero, so targets far from zero cost the fit its
//! smoothness (the penalty pays for the offset) unless it is taken out
//! first and added back to every prediction.

use std::ops::Range;

use faer::{MatMut, MatRef};

use crate::collective::{Alone, Collective};

/// Each column's weighted sum over `rows`, then the sum of the weights
/// (`None`: all 1): `t + 1` values.
pub(crate) fn column_sums(y: MatRef<'_, f64>, weights: Option<&[f64]>, rows: Range<usize>) -> Vec<f64> {
    let t = y.ncols();
    let mut sums = vec![0.0; t + 1];
    for i in rows {
        let w = weights.map_or(1.0, |w| w[i]);
        for (c, sum) in sums[..t].iter_mut().enumerate() {
            *sum += w * y[(i, c)];
        }
        sums[t] += w;
    }
    sums
}

/// Subtracts from each column its mean given its `sums` ([`column_sums`])
/// and returns the means.
pub(crate) fn subtract_means(mut y: MatMut<'_, f64>, sums: &[f64]) -> Vec<f64> {
    let t = y.ncols();
    let total = sums[t];
    let means: Vec<f64> = sums[..t].iter().map(|s| if total > 0.0 { s / total } else { 0.0 }).collect();
    for (c, &mean) in means.iter().enumerate() {
        for i in 0..y.nrows() {
            y[(i, c)] -= mean;
        }
    }
    means
}

/// Centres each column of `y` about its mean, weighted by `weights` where
/// given, and returns the means (a model's `target_mean`).
///
/// ```
/// use faer::mat;
/// let mut y = mat![[1.0], [3.0], [8.0]];
/// let means = kern_solvers::centre_targets(y.as_mut(), Some(&[1.0, 1.0, 2.0]));
/// assert_eq!(means, [5.0]);
/// assert_eq!(y, mat![[-4.0], [-2.0], [3.0]]);
/// ```
pub fn centre_targets(y: MatMut<'_, f64>, weights: Option<&[f64]>) -> Vec<f64> {
    centre_shared_targets(y, weights, &Alone)
}

/// [`centre_targets`] where each process of `collective` holds a share of
/// the rows: the means of all of them (summed in rank order).
pub fn centre_shared_targets(y: MatMut<'_, f64>, weights: Option<&[f64]>, collective: &dyn Collective) -> Vec<f64> {
    let mut sums = column_sums(y.as_ref(), weights, 0..y.nrows());
    collective.sum(&mut sums);
    subtract_means(y, &sums)
}

/// Adds each target's mean back to its column of predictions (`means`
/// empty: the targets were fitted as given).
pub fn add_target_means(mut f: MatMut<'_, f64>, means: &[f64]) {
    for (c, &mean) in means.iter().enumerate() {
        for i in 0..f.nrows() {
            f[(i, c)] += mean;
        }
    }
}

#[cfg(test)]
mod tests {
    use faer::Mat;

    use super::*;

    #[test]
    fn centred_columns_sum_to_zero_under_their_weights_and_the_means_restore_them() {
        let y0 = Mat::from_fn(7, 2, |i, c| 1e6 * (c + 1) as f64 + (i * i) as f64);
        let w = [0.5, 1.0, 2.0, 1.0, 3.0, 0.25, 1.0];
        let mut y = y0.clone();
        let means = centre_targets(y.as_mut(), Some(&w));
        for c in 0..2 {
            let weighted: f64 = (0..7).map(|i| w[i] * y[(i, c)]).sum();
            assert!(weighted.abs() < 1e-9, "column {c}: Σ w y = {weighted}");
        }
        add_target_means(y.as_mut(), &means);
        assert!((0..7).all(|i| (0..2).all(|c| (y[(i, c)] - y0[(i, c)]).abs() < 1e-9)));
    }
}
