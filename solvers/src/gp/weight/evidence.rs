//! The evidence of GP regression on features (R&W §2.1): with `y ~ N(0,
//! Φ Φᵀ + σ² I)` and `B = Φᵀ Φ + σ² I` (`M × M`), Woodbury and Sylvester give
//!
//! ```text
//! log p(y) = −(yᵀy − ‖L_B⁻¹ Φᵀ y‖²) / (2σ²) − ((n − M) log σ² + log|B|) / 2 − n/2 log 2π
//! ∂/∂Φ     = α (Φᵀ α)ᵀ − Φ B⁻¹,   α = (y − Φ B⁻¹ Φᵀ y) / σ²
//! ∂/∂σ²    = (αᵀ α − (n − M) / σ² − tr B⁻¹) / 2
//! ```
//!
//! (`½ αᵀ dA α − ½ tr(A⁻¹ dA)` with `dA = dΦ Φᵀ + Φ dΦᵀ`, and `Φᵀ A⁻¹ = B⁻¹ Φᵀ`).
//! The value alone costs one `Φᵀ Φ`; the gradient one more product `Φ B⁻¹`.

use faer::{Mat, MatRef, Par};

use crate::gp::GpError;
use crate::linalg::{
    cholesky, normal_matrix, solve_lower_in_place, solve_lower_transpose_in_place, symmetric_inverse, times_by_rows,
    transpose_times,
};

/// The evidence at one point, with what its gradient needs.
pub(crate) struct Evidence {
    pub log_marginal_likelihood: f64,
    noise: f64,
    /// `L_B` of `B = ΦᵀΦ + σ²I`.
    l: Mat<f64>,
    /// `L_B⁻¹ Φᵀ y`.
    c: Mat<f64>,
}

/// `log p(y | Φ, σ²)` of targets `y` on features `phi`.
pub(crate) fn evidence(phi: MatRef<'_, f64>, y: &[f64], noise: f64, par: Par) -> Result<Evidence, GpError> {
    let (n, m) = (phi.nrows(), phi.ncols());
    let mut l = normal_matrix(phi, par);
    let mean_diagonal = (0..m).map(|i| l[(i, i)]).sum::<f64>() / m.max(1) as f64;
    for i in 0..m {
        l[(i, i)] += noise;
    }
    cholesky(l.as_mut(), par).map_err(|_| GpError::NotPositiveDefinite { jitter: noise, mean_diagonal })?;
    let mut c = transpose_times(phi, MatRef::from_column_major_slice(y, n, 1), par);
    solve_lower_in_place(l.as_ref(), c.as_mut(), Par::Seq);
    let yy: f64 = y.iter().map(|v| v * v).sum();
    let explained: f64 = c.col(0).iter().map(|v| v * v).sum();
    let log_det_b: f64 = 2.0 * (0..m).map(|i| l[(i, i)].ln()).sum::<f64>();
    let log_marginal_likelihood = -0.5 * (yy - explained) / noise
        - 0.5 * ((n as f64 - m as f64) * noise.ln() + log_det_b)
        - 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
    if !log_marginal_likelihood.is_finite() {
        return Err(GpError::NoStart("the evidence is not finite".into()));
    }
    Ok(Evidence { log_marginal_likelihood, noise, l, c })
}

impl Evidence {
    /// `∂/∂Φ` (`n × M`) and `∂/∂ log σ²`, for the `phi` and `y` it was formed from.
    pub(crate) fn gradient(self, phi: MatRef<'_, f64>, y: &[f64], par: Par) -> (Mat<f64>, f64) {
        let Evidence { noise, l, mut c, .. } = self;
        let (n, m) = (phi.nrows(), phi.ncols());
        // w̄ = B⁻¹ Φᵀ y, α = (y − Φ w̄)/σ², v = Φᵀ α.
        solve_lower_transpose_in_place(l.as_ref(), c.as_mut(), Par::Seq);
        let fitted = times_by_rows(phi, c.as_ref(), par);
        let alpha = Mat::from_fn(n, 1, |i, _| (y[i] - fitted[(i, 0)]) / noise);
        let v = transpose_times(phi, alpha.as_ref(), par);
        let b_inv = symmetric_inverse(&l, par);
        let p = times_by_rows(phi, b_inv.as_ref(), par);
        let d_phi = Mat::from_fn(n, m, |i, j| alpha[(i, 0)] * v[(j, 0)] - p[(i, j)]);
        let aa: f64 = alpha.col(0).iter().map(|a| a * a).sum();
        let trace_b_inv: f64 = (0..m).map(|i| b_inv[(i, i)]).sum();
        let d_noise = 0.5 * (aa - (n as f64 - m as f64) / noise - trace_b_inv);
        (d_phi, noise * d_noise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::log_marginal_likelihood;
    use crate::rng::SplitMix64;
    use kern_kernels::{DataSet, DenseMatrix, VectorKernel, gram_matrix};

    /// With `Φ Φᵀ = K` (Φ a Cholesky factor of K), the weight-space evidence
    /// is the exact GP's log marginal likelihood.
    #[test]
    fn full_rank_features_give_the_exact_evidence() {
        let mut rng = SplitMix64::new(3);
        let rows: Vec<Vec<f64>> = (0..40).map(|_| vec![rng.normal(), rng.normal()]).collect();
        let y: Vec<f64> = rows.iter().map(|r| r[0].sin() + 0.1 * rng.normal()).collect();
        let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
        let kernel = VectorKernel::Matern52 { lengthscale: 0.8 };
        let mut phi = gram_matrix(&kernel, &x, Par::Seq);
        cholesky(phi.as_mut(), Par::Seq).unwrap();
        let phi = Mat::from_fn(40, 40, |i, j| if i >= j { phi[(i, j)] } else { 0.0 });
        for noise in [0.01, 0.3] {
            let ours = evidence(phi.as_ref(), &y, noise, Par::Seq).unwrap().log_marginal_likelihood;
            let exact =
                log_marginal_likelihood(&kernel, noise, &x, &y, false, Par::Seq).unwrap().log_marginal_likelihood;
            assert!((ours - exact).abs() < 1e-9 * exact.abs(), "{ours} vs {exact}");
        }
    }

    /// Every derivative equals central differences, with fewer and with
    /// more features than samples.
    #[test]
    fn derivatives_match_central_differences() {
        let mut rng = SplitMix64::new(5);
        for (n, m) in [(30, 7), (6, 9)] {
            let phi = Mat::from_fn(n, m, |_, _| rng.normal());
            let y: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            let noise = 0.4;
            let at = |phi: &Mat<f64>, noise: f64| {
                evidence(phi.as_ref(), &y, noise, Par::Seq).unwrap().log_marginal_likelihood
            };
            let (d_phi, d_log_noise) =
                evidence(phi.as_ref(), &y, noise, Par::Seq).unwrap().gradient(phi.as_ref(), &y, Par::Seq);
            let h = 1e-6;
            for (i, j) in [(0, 0), (n - 1, m - 1), (n / 2, 1)] {
                let (mut up, mut down) = (phi.clone(), phi.clone());
                up[(i, j)] += h;
                down[(i, j)] -= h;
                let fd = (at(&up, noise) - at(&down, noise)) / (2.0 * h);
                assert!((d_phi[(i, j)] - fd).abs() < 1e-6 * fd.abs().max(1.0), "Φ {i},{j}: {} vs {fd}", d_phi[(i, j)]);
            }
            let fd = (at(&phi, noise * h.exp()) - at(&phi, noise * (-h).exp())) / (2.0 * h);
            assert!((d_log_noise - fd).abs() < 1e-6 * fd.abs().max(1.0), "noise: {} vs {fd}", d_log_noise);
        }
    }
}
