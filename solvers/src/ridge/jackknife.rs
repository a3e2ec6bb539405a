//! Jackknife+ prediction intervals (Barber, Candès, Ramdas & Tibshirani,
//! 2021) from kernel ridge's exact leave-one-out fits, which cost one
//! factorisation, not `n` refits.
//!
//! With `A = K + α W⁻¹` and `a = A⁻¹ y`, leaving sample `i` out gives the
//! fit whose targets have `y_i` replaced by its own leave-one-out
//! prediction, so with `dᵢ = aᵢ / (A⁻¹)ᵢᵢ`:
//! the leave-one-out residual is `Rᵢ = |dᵢ|`, and the leave-one-out
//! prediction at `x` is `μ₋ᵢ(x) = μ(x) − dᵢ (A⁻¹ k(x))ᵢ`.
//! The interval at level `1 − β` runs from the `⌊β(n+1)⌋`-th smallest of
//! `μ₋ᵢ(x) − Rᵢ` to the `⌈(1−β)(n+1)⌉`-th smallest of `μ₋ᵢ(x) + Rᵢ`
//! (unbounded where that rank falls outside `1..=n`).

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use kern_kernels::{ExactGram, GramProvider, Kernel, Samples};

use super::KernelRidgeModel;
use crate::SolverError;
use crate::linalg::{cholesky, cholesky_solve, inverse};

/// Predictions with their intervals: `n_test × n_targets` each.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictionIntervals {
    pub prediction: Mat<f64>,
    pub lower: Mat<f64>,
    pub upper: Mat<f64>,
}

/// Entries of `A⁻¹ K(train, test)` held at once.
const BLOCK_ENTRIES: usize = 1 << 24;

impl<K: Kernel<S>, S: Samples> KernelRidgeModel<K, S> {
    /// Predictions at `test` with jackknife+ intervals meant to cover a new
    /// target with probability `level` (e.g. 0.9). Refactors `K + αW⁻¹`
    /// once (`O(n³)`), then `O(n²)` per test sample.
    ///
    /// ```
    /// use faer::{Mat, Par};
    /// use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
    /// use kern_solvers::{KernelRidge, KernelRidgeModel};
    /// let rows: Vec<Vec<f64>> = (0..40).map(|i| vec![i as f64 / 10.0]).collect();
    /// let y = Mat::from_fn(40, 1, |i, _| (i as f64 / 10.0).sin() + if i % 2 == 0 { 0.1 } else { -0.1 });
    /// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    /// let m = KernelRidgeModel::fit(VectorKernel::Rbf { gamma: 1.0 }, x.clone(), y.as_ref(), KernelRidge { alpha: 0.1 }, Par::Seq).unwrap();
    /// let p = m.jackknife_plus(&x, 0.8, Par::Seq).unwrap();
    /// assert!((0..40).all(|i| p.lower[(i, 0)] <= p.prediction[(i, 0)] && p.prediction[(i, 0)] <= p.upper[(i, 0)]));
    /// ```
    pub fn jackknife_plus(&self, test: &S, level: f64, par: Par) -> Result<PredictionIntervals, SolverError> {
        if !(level > 0.0 && level < 1.0) {
            let reason = "must lie strictly between 0 and 1";
            return Err(SolverError::InvalidParameter { name: "interval level", value: level, reason });
        }
        let n = self.train.len();
        let mut a = ExactGram::new(&self.kernel, &self.train, par).full();
        for i in 0..n {
            a[(i, i)] += self.params.alpha / self.weights.get(i).copied().unwrap_or(1.0);
        }
        cholesky(a.as_mut(), par).map_err(|pivot| SolverError::NotPositiveDefinite {
            pivot,
            hint: "the model's K + alpha·I no longer factors; refit it",
        })?;
        let inv = inverse(&a, par);
        let dual = self.dual();
        // d[i, t] = a_it / (A⁻¹)_ii: minus the leave-one-out residual.
        let d = Mat::from_fn(n, self.n_targets, |i, t| dual[(i, t)] / inv[(i, i)]);
        drop(inv);
        let n_test = test.len();
        let beta = 1.0 - level;
        let mut out = PredictionIntervals {
            prediction: Mat::zeros(n_test, self.n_targets),
            lower: Mat::zeros(n_test, self.n_targets),
            upper: Mat::zeros(n_test, self.n_targets),
        };
        let chunk = (BLOCK_ENTRIES / n.max(1)).clamp(1, 2048);
        let cols: Vec<usize> = (0..n).collect();
        let mut lows = vec![0.0; n];
        let mut highs = vec![0.0; n];
        for start in (0..n_test).step_by(chunk) {
            let rows: Vec<usize> = (start..(start + chunk).min(n_test)).collect();
            let mut k = Mat::zeros(rows.len(), n);
            self.kernel.block(test, &rows, &self.train, &cols, k.as_mut(), par);
            let mut mu = Mat::zeros(rows.len(), self.n_targets);
            matmul(mu.as_mut(), Accum::Replace, k.as_ref(), dual, 1.0, par);
            // v = A⁻¹ K(train, test).
            let mut v = k.transpose().to_owned();
            cholesky_solve(a.as_ref(), v.as_mut());
            for (r, &j) in rows.iter().enumerate() {
                for t in 0..self.n_targets {
                    for i in 0..n {
                        let loo = mu[(r, t)] - d[(i, t)] * v[(i, r)];
                        (lows[i], highs[i]) = (loo - d[(i, t)].abs(), loo + d[(i, t)].abs());
                    }
                    out.prediction[(j, t)] = mu[(r, t)];
                    out.lower[(j, t)] = lower_rank(beta, n).map_or(f64::NEG_INFINITY, |k| kth_smallest(&mut lows, k));
                    out.upper[(j, t)] = upper_rank(beta, n).map_or(f64::INFINITY, |k| kth_smallest(&mut highs, k));
                }
            }
            kern_kernels::simd::clear_upper_state();
        }
        for m in [&mut out.prediction, &mut out.lower, &mut out.upper] {
            super::add_target_means(m.as_mut(), &self.target_mean);
        }
        Ok(out)
    }
}

/// The 1-based rank `⌊β(n+1)⌋` of a lower conformal bound, `None` when it is 0.
pub fn lower_rank(beta: f64, n: usize) -> Option<usize> {
    let k = (beta * (n as f64 + 1.0) + 1e-9).floor() as usize;
    (k >= 1).then_some(k)
}

/// The 1-based rank `⌈(1−β)(n+1)⌉` of an upper conformal bound, `None` beyond `n`.
pub fn upper_rank(beta: f64, n: usize) -> Option<usize> {
    let k = ((1.0 - beta) * (n as f64 + 1.0) - 1e-9).ceil() as usize;
    (k <= n).then_some(k.max(1))
}

/// The `k`-th smallest value (1-based) of `values`, which it reorders.
fn kth_smallest(values: &mut [f64], k: usize) -> f64 {
    *values.select_nth_unstable_by(k - 1, f64::total_cmp).1
}

#[cfg(test)]
mod tests {
    use faer::{Mat, Par};
    use kern_kernels::{DataSet, DenseMatrix, VectorKernel};

    use crate::{KernelRidge, KernelRidgeModel};

    #[test]
    fn leave_one_out_predictions_equal_refits_without_the_sample() {
        let rows: Vec<Vec<f64>> = (0..25).map(|i| vec![(i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()]).collect();
        let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
        let y = Mat::from_fn(25, 2, |i, t| rows[i][0] * (t as f64 + 1.0) + 0.1 * ((i * 7 % 5) as f64 - 2.0));
        let w: Vec<f64> = (0..25).map(|i| 0.5 + (i % 3) as f64).collect();
        let kernel = VectorKernel::Rbf { gamma: 0.7 };
        let params = KernelRidge { alpha: 0.2 };
        let full = KernelRidgeModel::fit_weighted(kernel.clone(), x.clone(), y.as_ref(), Some(&w), params, Par::Seq);
        let full = full.unwrap();
        let test = DataSet::from(DenseMatrix::from_rows(&[vec![0.3, 0.4]]).unwrap());
        // At level 1 − 1/26 the bounds are the extreme leave-one-out values:
        // recompute them by refitting without each sample.
        let p = full.jackknife_plus(&test, 1.0 - 1.0 / 26.0, Par::Seq).unwrap();
        for t in 0..2 {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for i in 0..25 {
                let keep: Vec<usize> = (0..25).filter(|&j| j != i).collect();
                let yk = Mat::from_fn(24, 2, |r, c| y[(keep[r], c)]);
                let wk: Vec<f64> = keep.iter().map(|&j| w[j]).collect();
                let m = KernelRidgeModel::fit_weighted(
                    kernel.clone(),
                    x.select(&keep),
                    yk.as_ref(),
                    Some(&wk),
                    params,
                    Par::Seq,
                )
                .unwrap();
                let residual = (y[(i, t)] - m.predict(&x.select(&[i]), Par::Seq)[(0, t)]).abs();
                let at = m.predict(&test, Par::Seq)[(0, t)];
                (lo, hi) = (lo.min(at - residual), hi.max(at + residual));
            }
            assert!((p.lower[(0, t)] - lo).abs() < 1e-8, "lower {} vs refits {lo}", p.lower[(0, t)]);
            assert!((p.upper[(0, t)] - hi).abs() < 1e-8, "upper {} vs refits {hi}", p.upper[(0, t)]);
        }
    }

    #[test]
    fn ranks_follow_the_finite_sample_quantiles() {
        use super::{lower_rank, upper_rank};
        assert_eq!((lower_rank(0.1, 99), upper_rank(0.1, 99)), (Some(10), Some(90)));
        assert_eq!((lower_rank(0.1, 8), upper_rank(0.1, 8)), (None, None));
        assert_eq!(upper_rank(0.1, 9), Some(9));
    }
}
