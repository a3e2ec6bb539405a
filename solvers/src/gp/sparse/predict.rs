//! Predictions of a sparse GP: `O(M)` per mean, `O(M²)` per variance.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use kern_kernels::{DataSet, Kernel};
use rayon::prelude::*;

use super::fit::SgprModel;
use crate::gp::GpPrediction;
use crate::linalg::solve_lower_in_place;

/// Test rows per block of `K(test, Z)` for the mean.
const CHUNK: usize = 2048;
/// Test rows per block for the variance (each block's solves are sequential).
const VARIANCE_CHUNK: usize = 256;

impl SgprModel {
    /// The posterior mean at `test`.
    pub fn predict_mean(&self, test: &DataSet, par: Par) -> Vec<f64> {
        if let Some(dense) = &self.dense_mean {
            let f = dense.predict(test, par);
            return (0..test.n_samples()).map(|i| self.y_mean + self.y_scale * f[(i, 0)]).collect();
        }
        let mut out = Vec::with_capacity(test.n_samples());
        for start in (0..test.n_samples()).step_by(CHUNK) {
            let rows: Vec<usize> = (start..(start + CHUNK).min(test.n_samples())).collect();
            let k = self.cross(test, &rows, par);
            out.extend(self.latent_mean(&k).iter().map(|f| self.y_mean + self.y_scale * f));
        }
        out
    }

    /// Mean and standard deviations (latent, and of a new observation) at `test`.
    ///
    /// Blocks of 256 test samples run in parallel, each
    /// sequential: the triangular solves of one block of right-hand sides
    /// spread over threads poorly, independent blocks well, and a fixed block
    /// size keeps the results the same at any thread count.
    pub fn predict(&self, test: &DataSet, par: Par) -> GpPrediction {
        let n = test.n_samples();
        let [l, l_b] = self.factor_matrices();
        let dense_mean = self.dense_mean.as_ref().map(|_| self.predict_mean(test, par));
        let block = |start: &usize| {
            let rows: Vec<usize> = (*start..(start + VARIANCE_CHUNK).min(n)).collect();
            let mut diag = vec![0.0; rows.len()];
            self.kernel.diagonal(test, &rows, &mut diag);
            let k = self.cross(test, &rows, Par::Seq);
            // v₁ = L⁻¹ k(Z, x), v₂ = L_B⁻¹ v₁, one column per test sample.
            let mut v1 = k.transpose().to_owned();
            solve_lower_in_place(l.as_ref(), v1.as_mut(), Par::Seq);
            let mut v2 = v1.clone();
            solve_lower_in_place(l_b.as_ref(), v2.as_mut(), Par::Seq);
            let sq = |v: &Mat<f64>, r: usize| v.col(r).iter().map(|a| a * a).sum::<f64>();
            let variances: Vec<f64> = (0..rows.len()).map(|r| (diag[r] - sq(&v1, r) + sq(&v2, r)).max(0.0)).collect();
            (self.latent_mean(&k), variances)
        };
        let starts: Vec<usize> = (0..n).step_by(VARIANCE_CHUNK).collect();
        let blocks: Vec<(Vec<f64>, Vec<f64>)> = if kern_kernels::is_sequential(par) {
            starts.iter().map(block).collect()
        } else {
            starts.par_iter().map(block).collect()
        };
        let mut out = GpPrediction { mean: Vec::new(), std: Vec::new(), std_with_noise: Vec::new() };
        for (means, variances) in blocks {
            for (mean, var) in means.into_iter().zip(variances) {
                let at = out.mean.len();
                out.mean.push(dense_mean.as_ref().map_or(self.y_mean + self.y_scale * mean, |d| d[at]));
                out.std.push(self.y_scale * var.sqrt());
                out.std_with_noise.push(self.y_scale * (var + self.noise).sqrt());
            }
        }
        out
    }

    /// `k(x, Z) · mean` for each row of `k`: one product, not a strided sum per row.
    fn latent_mean(&self, k: &Mat<f64>) -> Vec<f64> {
        let mut f = Mat::zeros(k.nrows(), 1);
        let mean = faer::MatRef::from_column_major_slice(&self.mean, self.mean.len(), 1);
        matmul(f.as_mut(), Accum::Replace, k.as_ref(), mean, 1.0, Par::Seq);
        kern_kernels::simd::clear_upper_state();
        (0..k.nrows()).map(|r| f[(r, 0)]).collect()
    }

    /// `K(test[rows], Z)`.
    fn cross(&self, test: &DataSet, rows: &[usize], par: Par) -> Mat<f64> {
        let cols: Vec<usize> = (0..self.inducing.n_samples()).collect();
        let mut k = Mat::zeros(rows.len(), cols.len());
        self.kernel.block(test, rows, &self.inducing, &cols, k.as_mut(), par);
        k
    }
}
