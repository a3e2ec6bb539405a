//! Binary GP classification on features by the Laplace approximation in
//! weight space: `f = Φ w`, prior `w ~ N(0, I)`, the logistic likelihood.
//! Newton's method on `Ψ(w) = log p(y | Φ w) − ½ ‖w‖²` needs one `M × M`
//! factor per step, `B = I + Φᵀ W Φ`, and the evidence is
//! `log q(y) = Ψ(ŵ) − ½ log|B|` (R&W eq. 3.32 with `K = Φ Φᵀ`).
//!
//! Its gradient in `Φ`, with the mode's own movement (R&W §5.5.1) carried
//! through `dŵ = B⁻¹ (dΦᵀ ∇ − Φᵀ W dΦ ŵ)`, is
//!
//! ```text
//! ∂ log q / ∂Φ = a ŵᵀ + ∇ qᵀ − W Φ B⁻¹,   with
//! s₂ = −½ diag(Φ B⁻¹ Φᵀ) ⊙ W',   q = B⁻¹ Φᵀ s₂,   a = ∇ + s₂ − W Φ q,
//! ```
//!
//! `∇ = ∇ log p(y | f̂)`, `W = π̂ (1 − π̂)` and `W' = ∂W/∂f = W (1 − 2π̂)`.

use faer::{Mat, MatRef, Par};

use crate::gp::GpError;
use crate::gp::classify::{MAX_NEWTON, log_sigmoid, sigmoid};
use crate::linalg::{cholesky, cholesky_solve, normal_matrix, symmetric_inverse, times_by_rows, transpose_times};

/// Newton stops when its decrement `∇Ψᵀ B⁻¹ ∇Ψ` (twice the rise the next
/// step would bring) is this small relative to Ψ: the weights are then
/// exact to rounding, which the evidence's `log|B|` term needs (it is not
/// stationary at the mode).
const DECREMENT_TOL: f64 = 1e-24;

/// The Laplace approximation at its mode.
pub(crate) struct WeightMode {
    /// The posterior mode of the weights, `ŵ`.
    pub w: Vec<f64>,
    /// The latent values there, `f̂ = Φ ŵ`.
    pub f: Vec<f64>,
    /// The Cholesky factor of `B = I + Φᵀ W Φ` at the mode: the weights'
    /// posterior covariance is `B⁻¹`.
    pub l_b: Mat<f64>,
    /// `log q(y | Φ)`.
    pub log_marginal_likelihood: f64,
}

/// `Φ v`.
fn times(phi: MatRef<'_, f64>, v: &[f64], par: Par) -> Vec<f64> {
    times_by_rows(phi, MatRef::from_column_major_slice(v, v.len(), 1), par).col(0).iter().copied().collect()
}

/// `Φᵀ v`, the same bits at any thread count.
fn times_transpose(phi: MatRef<'_, f64>, v: &[f64], par: Par) -> Vec<f64> {
    transpose_times(phi, MatRef::from_column_major_slice(v, v.len(), 1), par).col(0).iter().copied().collect()
}

/// `Ψ(w) = log p(y | f) − ½ ‖w‖²`.
fn psi(w: &[f64], f: &[f64], y: &[f64]) -> f64 {
    let likelihood: f64 = f.iter().zip(y).map(|(f, y)| log_sigmoid(y * f)).sum();
    likelihood - 0.5 * w.iter().map(|v| v * v).sum::<f64>()
}

/// The Cholesky factor of `I + Φᵀ W Φ` at latent values `f`.
fn factor_b(phi: MatRef<'_, f64>, f: &[f64], par: Par) -> Result<Mat<f64>, GpError> {
    let m = phi.ncols();
    let sqrt_w: Vec<f64> = f
        .iter()
        .map(|&f| {
            let p = sigmoid(f);
            (p * (1.0 - p)).sqrt()
        })
        .collect();
    let scaled = Mat::from_fn(phi.nrows(), m, |i, j| sqrt_w[i] * phi[(i, j)]);
    let mut b = normal_matrix(scaled.as_ref(), par);
    for i in 0..m {
        b[(i, i)] += 1.0;
    }
    cholesky(b.as_mut(), par).map_err(|_| GpError::NotPositiveDefinite { jitter: 0.0, mean_diagonal: 1.0 })?;
    Ok(b)
}

/// The mode for labels `y` in {−1, +1} on features `phi` by Newton's
/// method, from `warm` (an earlier mode) when it is better than zero.
pub(crate) fn weight_mode(
    phi: MatRef<'_, f64>,
    y: &[f64],
    warm: Option<&[f64]>,
    par: Par,
) -> Result<WeightMode, GpError> {
    let m = phi.ncols();
    let mut w = vec![0.0; m];
    let mut f = vec![0.0; y.len()];
    let mut objective = psi(&w, &f, y);
    if let Some(start) = warm.filter(|s| s.len() == m) {
        let fs = times(phi, start, par);
        let os = psi(start, &fs, y);
        if os > objective {
            (w, f, objective) = (start.to_vec(), fs, os);
        }
    }
    for _ in 0..MAX_NEWTON {
        let l = factor_b(phi, &f, par)?;
        // The Newton step B⁻¹ ∇Ψ, ∇Ψ = Φᵀ ∇ log p − w, and its decrement ∇Ψᵀ B⁻¹ ∇Ψ.
        let grad: Vec<f64> = y.iter().zip(&f).map(|(&y, &f)| f64::from(u8::from(y > 0.0)) - sigmoid(f)).collect();
        let g: Vec<f64> = times_transpose(phi, &grad, par).iter().zip(&w).map(|(a, w)| a - w).collect();
        let mut step = Mat::from_fn(m, 1, |j, _| g[j]);
        cholesky_solve(l.as_ref(), step.as_mut());
        let decrement: f64 = (0..m).map(|j| g[j] * step[(j, 0)]).sum();
        let scale = 1.0 + objective.abs();
        if decrement.is_nan() || decrement <= DECREMENT_TOL * scale {
            break;
        }
        // Far from the mode a full step can overshoot: halve it until Ψ
        // rises. Near it, Ψ is flat to rounding while the weights (and so
        // log|B|) still move: take Newton's full step.
        let near = decrement < 1e-6 * scale;
        let mut fraction = 1.0;
        let mut accepted = None;
        for _ in 0..30 {
            let w_new: Vec<f64> = (0..m).map(|j| w[j] + fraction * step[(j, 0)]).collect();
            let f_new = times(phi, &w_new, par);
            let o = psi(&w_new, &f_new, y);
            if near || o >= objective {
                accepted = Some((w_new, f_new, o));
                break;
            }
            fraction *= 0.5;
        }
        let Some((w_new, f_new, o)) = accepted else { break };
        (w, f, objective) = (w_new, f_new, o);
    }
    if !objective.is_finite() {
        return Err(GpError::NoStart("the Laplace mode is not finite".into()));
    }
    let l_b = factor_b(phi, &f, par)?;
    let log_det_b: f64 = (0..m).map(|i| l_b[(i, i)].ln()).sum();
    Ok(WeightMode { w, f, l_b, log_marginal_likelihood: objective - log_det_b })
}

/// `∂ log q / ∂Φ` at the mode (`n × M`).
pub(crate) fn weight_gradient(phi: MatRef<'_, f64>, y: &[f64], mode: &WeightMode, par: Par) -> Mat<f64> {
    let (n, m) = (phi.nrows(), phi.ncols());
    let pi: Vec<f64> = mode.f.iter().map(|&f| sigmoid(f)).collect();
    let grad: Vec<f64> = (0..n).map(|i| f64::from(u8::from(y[i] > 0.0)) - pi[i]).collect();
    let w: Vec<f64> = pi.iter().map(|p| p * (1.0 - p)).collect();
    let b_inv = symmetric_inverse(&mode.l_b, par);
    let p = times_by_rows(phi, b_inv.as_ref(), par);
    // s₂ = −½ diag(Φ B⁻¹ Φᵀ) ⊙ W'.
    let s2: Vec<f64> = (0..n)
        .map(|i| {
            let variance: f64 = (0..m).map(|j| p[(i, j)] * phi[(i, j)]).sum();
            -0.5 * variance * w[i] * (1.0 - 2.0 * pi[i])
        })
        .collect();
    let phi_t_s2 = times_transpose(phi, &s2, par);
    let q: Vec<f64> = (0..m).map(|j| (0..m).map(|k| b_inv[(j, k)] * phi_t_s2[k]).sum()).collect();
    let phi_q = times(phi, &q, par);
    let a: Vec<f64> = (0..n).map(|i| grad[i] + s2[i] - w[i] * phi_q[i]).collect();
    Mat::from_fn(n, m, |i, j| a[i] * mode.w[j] + grad[i] * q[j] - w[i] * p[(i, j)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    fn problem(n: usize, m: usize, seed: u64) -> (Mat<f64>, Vec<f64>) {
        let mut rng = SplitMix64::new(seed);
        let phi = Mat::from_fn(n, m, |_, _| 0.7 * rng.normal());
        let y = (0..n).map(|i| if phi[(i, 0)] + 0.8 * rng.normal() > 0.0 { 1.0 } else { -1.0 }).collect();
        (phi, y)
    }

    /// With `Φ Φᵀ = K`, the weight-space Laplace evidence is the
    /// function-space one (R&W algorithm 3.1 in `classify`).
    #[test]
    fn full_rank_features_give_the_function_space_evidence() {
        use kern_kernels::{DataSet, DenseMatrix, VectorKernel, gram_matrix};
        let mut rng = SplitMix64::new(9);
        let rows: Vec<Vec<f64>> = (0..35).map(|_| vec![rng.normal(), rng.normal()]).collect();
        let y: Vec<f64> = rows.iter().map(|r| if r[0] + 0.6 * rng.normal() > 0.0 { 1.0 } else { -1.0 }).collect();
        let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
        let kernel = VectorKernel::Scaled { scale: 2.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.4 }) };
        let k = gram_matrix(&kernel, &x, Par::Seq);
        let mut l = k.clone();
        for i in 0..35 {
            l[(i, i)] += 1e-10;
        }
        cholesky(l.as_mut(), Par::Seq).unwrap();
        let phi = Mat::from_fn(35, 35, |i, j| if i >= j { l[(i, j)] } else { 0.0 });
        let ours = weight_mode(phi.as_ref(), &y, None, Par::Seq).unwrap().log_marginal_likelihood;
        let exact = crate::gp::classify::mode(&k, &y, None, Par::Seq).unwrap().log_marginal_likelihood;
        assert!((ours - exact).abs() < 1e-7 * exact.abs(), "{ours} vs {exact}");
    }

    /// The mode is stationary: `Φᵀ ∇ log p(y | Φ ŵ) = ŵ`.
    #[test]
    fn the_mode_is_stationary() {
        let (phi, y) = problem(60, 8, 1);
        let mode = weight_mode(phi.as_ref(), &y, None, Par::Seq).unwrap();
        let grad: Vec<f64> = (0..60).map(|i| f64::from(u8::from(y[i] > 0.0)) - sigmoid(mode.f[i])).collect();
        let back = times_transpose(phi.as_ref(), &grad, Par::Seq);
        for (b, w) in back.iter().zip(&mode.w) {
            assert!((b - w).abs() < 1e-8, "{b} vs {w}");
        }
    }

    /// The gradient, mode movement included, equals central differences.
    #[test]
    fn the_gradient_matches_central_differences() {
        for (n, m) in [(40, 6), (8, 12)] {
            let (phi, y) = problem(n, m, 4);
            let mode = weight_mode(phi.as_ref(), &y, None, Par::Seq).unwrap();
            let g = weight_gradient(phi.as_ref(), &y, &mode, Par::Seq);
            let at = |phi: &Mat<f64>| weight_mode(phi.as_ref(), &y, None, Par::Seq).unwrap().log_marginal_likelihood;
            let h = 1e-6;
            for (i, j) in [(0, 0), (n - 1, m - 1), (n / 2, 2), (3, m / 2)] {
                let (mut up, mut down) = (phi.clone(), phi.clone());
                up[(i, j)] += h;
                down[(i, j)] -= h;
                let fd = (at(&up) - at(&down)) / (2.0 * h);
                assert!((g[(i, j)] - fd).abs() < 1e-6 * fd.abs().max(1.0), "Φ {i},{j}: {} vs {fd}", g[(i, j)]);
            }
        }
    }
}
