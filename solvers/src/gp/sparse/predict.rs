//! Predictions of a sparse GP: `O(M)` per mean, `O(M²)` per variance.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use kern_kernels::{DataSet, Kernel};

use super::fit::SgprModel;
use crate::gp::GpPrediction;
use crate::linalg::solve_lower_in_place;

/// Test rows per block of `K(test, Z)`.
const CHUNK: usize = 2048;

impl SgprModel {
    /// The posterior mean at `test`.
    pub fn predict_mean(&self, test: &DataSet, par: Par) -> Vec<f64> {
        if let Some(dense) = &self.dense_mean {
            let f = dense.predict(test, par);
            return (0..test.n_samples()).map(|i| self.y_mean + self.y_scale * f[(i, 0)]).collect();
        }
        let mut out = Vec::with_capacity(test.n_samples());
        for start in (0..test.n_samples()).step_by(CHUNK) {
            let k = self.cross(test, start, par);
            out.extend(self.latent_mean(&k).iter().map(|f| self.y_mean + self.y_scale * f));
        }
        out
    }

    /// Mean and standard deviations (latent, and of a new observation) at `test`.
    pub fn predict(&self, test: &DataSet, par: Par) -> GpPrediction {
        let n = test.n_samples();
        let [l, l_b] = self.factor_matrices();
        let mut diag = vec![0.0; n];
        self.kernel.diagonal(test, &(0..n).collect::<Vec<_>>(), &mut diag);
        let mut out = GpPrediction { mean: Vec::new(), std: Vec::new(), std_with_noise: Vec::new() };
        let dense_mean = self.dense_mean.as_ref().map(|_| self.predict_mean(test, par));
        for start in (0..n).step_by(CHUNK) {
            let k = self.cross(test, start, par);
            // v₁ = L⁻¹ k(Z, x), v₂ = L_B⁻¹ v₁, one column per test sample.
            let mut v1 = k.transpose().to_owned();
            solve_lower_in_place(l.as_ref(), v1.as_mut(), par);
            let mut v2 = v1.clone();
            solve_lower_in_place(l_b.as_ref(), v2.as_mut(), par);
            let sq = |v: &Mat<f64>, r: usize| (0..v.nrows()).map(|i| v[(i, r)] * v[(i, r)]).sum::<f64>();
            let means = self.latent_mean(&k);
            for (r, mean) in means.into_iter().enumerate() {
                let var = (diag[start + r] - sq(&v1, r) + sq(&v2, r)).max(0.0);
                out.mean.push(dense_mean.as_ref().map_or(self.y_mean + self.y_scale * mean, |d| d[start + r]));
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

    /// `K(test[start..start + CHUNK], Z)`.
    fn cross(&self, test: &DataSet, start: usize, par: Par) -> Mat<f64> {
        let rows: Vec<usize> = (start..(start + CHUNK).min(test.n_samples())).collect();
        let cols: Vec<usize> = (0..self.inducing.n_samples()).collect();
        let mut k = Mat::zeros(rows.len(), cols.len());
        self.kernel.block(test, &rows, &self.inducing, &cols, k.as_mut(), par);
        k
    }
}
