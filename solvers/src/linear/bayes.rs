//! GP regression on explicit features (Rasmussen & Williams §2.1, the
//! weight-space view): `f(x) = φ(x)ᵀ w` with prior `w ~ N(0, I)`, so
//! `cov f = Φ Φᵀ ≈ K`, and targets `y = f + ε`, `ε ~ N(0, σ²)`. The posterior
//! needs one `M × M` Cholesky factor instead of an `n × n` one.

use faer::{Mat, MatRef, Par};

use crate::SolverError;
use crate::linalg::{cholesky, cholesky_solve};

/// The weight posterior of a GP on features.
///
/// ```
/// use faer::{Mat, Par};
/// use kern_solvers::linear::FeatureGp;
/// // Two features, targets exactly 2·φ₀: the mean recovers them, and
/// // the predictive spread shrinks where data is.
/// let phi = Mat::from_fn(20, 2, |i, j| if j == 0 { i as f64 / 10.0 } else { 1.0 });
/// let y: Vec<f64> = (0..20).map(|i| 2.0 * i as f64 / 10.0).collect();
/// let gp = FeatureGp::fit(phi.as_ref(), &y, 1e-4, Par::Seq).unwrap();
/// let (mean, std) = gp.predict(phi.as_ref());
/// assert!((mean[5] - 1.0).abs() < 1e-3);
/// assert!(std[5] < 0.01);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureGp {
    /// Posterior mean of the weights, `(ΦᵀΦ + σ²I)⁻¹ Φᵀ y`.
    pub weights: Vec<f64>,
    /// Lower Cholesky factor `L` of `ΦᵀΦ + σ²I` (`M × M`).
    pub factor: Mat<f64>,
    /// The noise variance σ².
    pub noise: f64,
}

impl FeatureGp {
    /// The posterior given features `phi` (`n × M`) of the training samples,
    /// their targets `y` and the noise variance `noise > 0`.
    pub fn fit(phi: MatRef<'_, f64>, y: &[f64], noise: f64, par: Par) -> Result<Self, SolverError> {
        if !(noise.is_finite() && noise > 0.0) {
            return Err(SolverError::InvalidParameter {
                name: "noise",
                value: noise,
                reason: "must be positive and finite",
            });
        }
        if phi.nrows() != y.len() {
            return Err(SolverError::DimensionMismatch { what: "targets", expected: phi.nrows(), got: y.len() });
        }
        if phi.nrows() == 0 {
            return Err(SolverError::Empty);
        }
        if let Some(index) = y.iter().position(|v| !v.is_finite()) {
            return Err(SolverError::NonFiniteTarget { index });
        }
        let m = phi.ncols();
        let mut a = crate::linalg::transpose_times(phi, phi, par);
        for i in 0..m {
            a[(i, i)] += noise;
        }
        cholesky(a.as_mut(), par).map_err(|pivot| SolverError::NotPositiveDefinite {
            pivot,
            hint: "ΦᵀΦ + noise·I did not factor: increase the noise",
        })?;
        let y = MatRef::from_column_major_slice(y, y.len(), 1);
        let mut w = crate::linalg::transpose_times(phi, y, par);
        kern_kernels::simd::clear_upper_state();
        cholesky_solve(a.as_ref(), w.as_mut());
        Ok(Self { weights: w.col_as_slice(0).to_vec(), factor: a, noise })
    }

    /// Posterior mean and standard deviation of the latent `f` at samples
    /// with features `phi` (`t × M`): `φᵀ w̄` and `√(σ² φᵀ (ΦᵀΦ + σ²I)⁻¹ φ)`.
    pub fn predict(&self, phi: MatRef<'_, f64>) -> (Vec<f64>, Vec<f64>) {
        let m = self.weights.len();
        assert_eq!(phi.ncols(), m, "features of the fitted map");
        let mean = (0..phi.nrows()).map(|i| (0..m).map(|j| phi[(i, j)] * self.weights[j]).sum()).collect();
        // v = L⁻¹ φ for every test sample at once; the variance is σ²‖v‖².
        let mut v = phi.transpose().to_owned();
        faer::linalg::triangular_solve::solve_lower_triangular_in_place(self.factor.as_ref(), v.as_mut(), Par::Seq);
        kern_kernels::simd::clear_upper_state();
        let std = (0..v.ncols()).map(|c| (self.noise * v.col(c).squared_norm_l2()).sqrt()).collect();
        (mean, std)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With `Φ Φᵀ = K` exactly (Φ the Cholesky factor of K), the feature GP
    /// is the function-space GP: same mean and variance at the training points.
    #[test]
    fn equals_the_function_space_posterior() {
        let n = 6;
        let x: Vec<f64> = (0..n).map(|i| i as f64 * 0.7).collect();
        let k = Mat::from_fn(n, n, |i, j| (-0.5 * (x[i] - x[j]).powi(2)).exp() + if i == j { 1e-9 } else { 0.0 });
        let mut l = k.clone();
        cholesky(l.as_mut(), Par::Seq).unwrap();
        let phi = Mat::from_fn(n, n, |i, j| if j <= i { l[(i, j)] } else { 0.0 });
        let y: Vec<f64> = x.iter().map(|v| v.sin()).collect();
        let noise = 0.1;
        let gp = FeatureGp::fit(phi.as_ref(), &y, noise, Par::Seq).unwrap();
        let (mean, std) = gp.predict(phi.as_ref());

        // Function space: mean K (K + σ²I)⁻¹ y, covariance K − K (K + σ²I)⁻¹ K.
        let mut ks = k.clone();
        for i in 0..n {
            ks[(i, i)] += noise;
        }
        cholesky(ks.as_mut(), Par::Seq).unwrap();
        let mut alpha = Mat::from_fn(n, 1, |i, _| y[i]);
        cholesky_solve(ks.as_ref(), alpha.as_mut());
        let mut kinv_k = k.clone();
        cholesky_solve(ks.as_ref(), kinv_k.as_mut());
        for i in 0..n {
            let m: f64 = (0..n).map(|j| k[(i, j)] * alpha[(j, 0)]).sum();
            let var = k[(i, i)] - (0..n).map(|j| k[(i, j)] * kinv_k[(j, i)]).sum::<f64>();
            assert!((mean[i] - m).abs() < 1e-9, "mean {i}: {} vs {m}", mean[i]);
            assert!((std[i] - var.max(0.0).sqrt()).abs() < 1e-6, "std {i}: {} vs {}", std[i], var.sqrt());
        }
    }

    #[test]
    fn rejects_bad_input() {
        let phi = Mat::<f64>::zeros(3, 2);
        assert!(FeatureGp::fit(phi.as_ref(), &[1.0, 2.0, 3.0], 0.0, Par::Seq).is_err());
        assert!(FeatureGp::fit(phi.as_ref(), &[1.0, 2.0], 0.1, Par::Seq).is_err());
        assert!(FeatureGp::fit(phi.as_ref(), &[1.0, f64::NAN, 3.0], 0.1, Par::Seq).is_err());
    }
}
