//! The Laplace approximation for binary GP classification with the logistic
//! likelihood (Rasmussen & Williams 2006): the posterior mode by Newton's
//! method (algorithm 3.1), the approximate log marginal likelihood, and its
//! gradient with respect to the log of every kernel hyperparameter
//! (algorithm 5.1).

use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, Par};
use kern_kernels::{DataSet, VectorKernel, gram_matrix};

use crate::gp::GpError;
use crate::linalg::inverse;
use crate::linalg::{cholesky, cholesky_solve};

/// Newton iterations before giving up on the mode.
pub(crate) const MAX_NEWTON: usize = 100;
/// Stop when Ψ rises by less than this, relative (Newton converges
/// quadratically: the next step would be at rounding level).
const NEWTON_TOL: f64 = 1e-12;

/// The logistic function `1 / (1 + e^−z)`, without overflow.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 { 1.0 / (1.0 + (-z).exp()) } else { z.exp() / (1.0 + z.exp()) }
}

/// `log σ(z) = −log(1 + e^−z)`, accurate for large |z|.
pub(crate) fn log_sigmoid(z: f64) -> f64 {
    -((-z).max(0.0) + (-z.abs()).exp().ln_1p())
}

/// The approximate posterior at the mode.
pub(crate) struct Laplace {
    /// `K⁻¹ f̂`, which is `∇ log p(y | f̂)` at the mode.
    pub a: Vec<f64>,
    /// `√W` at the mode, `W = π̂ (1 − π̂)`.
    pub sqrt_w: Vec<f64>,
    /// `log q(y | X, θ)`.
    pub log_marginal_likelihood: f64,
    /// `∂ log q / ∂ log θ`, when asked for.
    pub gradient: Vec<f64>,
}

/// `f = K a`.
fn matvec(k: &Mat<f64>, a: &[f64]) -> Vec<f64> {
    let n = a.len();
    let mut f = vec![0.0; n];
    for (j, &aj) in a.iter().enumerate() {
        for (fi, kij) in f.iter_mut().zip(k.col(j).iter()) {
            *fi += kij * aj;
        }
    }
    f
}

/// `R v` for symmetric `R` given by its lower triangle.
fn symmetric_matvec(r: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    let n = v.len();
    let mut out = vec![0.0; n];
    for j in 0..n {
        let mut dot = 0.0;
        for i in j + 1..n {
            out[i] += r[(i, j)] * v[j];
            dot += r[(i, j)] * v[i];
        }
        out[j] += r[(j, j)] * v[j] + dot;
    }
    out
}

/// `Ψ(f) = −½ aᵀ f + log p(y | f)`, the objective Newton's method climbs.
fn psi(a: &[f64], f: &[f64], y: &[f64]) -> f64 {
    let quadratic: f64 = a.iter().zip(f).map(|(a, f)| a * f).sum();
    let likelihood: f64 = f.iter().zip(y).map(|(f, y)| log_sigmoid(y * f)).sum();
    -0.5 * quadratic + likelihood
}

/// The Cholesky factor of `B = I + √W K √W` (positive definite: no jitter).
pub(crate) fn factor_b(k: &Mat<f64>, sqrt_w: &[f64], par: Par) -> Result<Mat<f64>, GpError> {
    let n = sqrt_w.len();
    let mut b = Mat::from_fn(n, n, |i, j| sqrt_w[i] * k[(i, j)] * sqrt_w[j] + if i == j { 1.0 } else { 0.0 });
    cholesky(b.as_mut(), par).map_err(|_| GpError::NotPositiveDefinite { jitter: 0.0, mean_diagonal: 1.0 })?;
    Ok(b)
}

/// The Laplace approximation at its mode, before any gradient.
pub(crate) struct Mode {
    /// `K⁻¹ f̂ = ∇ log p(y | f̂)`.
    pub a: Vec<f64>,
    /// `π̂ = σ(f̂)`.
    pub pi: Vec<f64>,
    /// `√W`, `W = π̂ (1 − π̂)`.
    pub sqrt_w: Vec<f64>,
    /// The Cholesky factor of `B = I + √W K √W` at the mode.
    pub l: Mat<f64>,
    /// `log q(y | X, θ)`.
    pub log_marginal_likelihood: f64,
}

/// Finds the mode of the Laplace approximation for labels `y` in {−1, +1}
/// under the covariance `k`, starting from `warm` (an earlier `a`) when it
/// is better than zero (R&W algorithm 3.1).
pub(crate) fn mode(k: &Mat<f64>, y: &[f64], warm: Option<&[f64]>, par: Par) -> Result<Mode, GpError> {
    let n = y.len();
    let t: Vec<f64> = y.iter().map(|&y| if y > 0.0 { 1.0 } else { 0.0 }).collect();
    let mut a = vec![0.0; n];
    let mut f = vec![0.0; n];
    let mut objective = psi(&a, &f, y);
    if let Some(w) = warm.filter(|w| w.len() == n) {
        let fw = matvec(k, w);
        let ow = psi(w, &fw, y);
        if ow > objective {
            (a, f, objective) = (w.to_vec(), fw, ow);
        }
    }
    for _ in 0..MAX_NEWTON {
        let pi: Vec<f64> = f.iter().map(|&f| sigmoid(f)).collect();
        let w: Vec<f64> = pi.iter().map(|p| p * (1.0 - p)).collect();
        let sqrt_w: Vec<f64> = w.iter().map(|w| w.sqrt()).collect();
        let l = factor_b(k, &sqrt_w, par)?;
        // a ← b − √W B⁻¹ √W K b with b = W f + ∇ log p: one Newton step.
        let b: Vec<f64> = (0..n).map(|i| w[i] * f[i] + t[i] - pi[i]).collect();
        let kb = matvec(k, &b);
        let mut c = Mat::from_fn(n, 1, |i, _| sqrt_w[i] * kb[i]);
        cholesky_solve(l.as_ref(), c.as_mut());
        let mut a_new: Vec<f64> = (0..n).map(|i| b[i] - sqrt_w[i] * c[(i, 0)]).collect();
        let mut f_new = matvec(k, &a_new);
        let mut new_objective = psi(&a_new, &f_new, y);
        // Far from the mode a full step can overshoot: halve it until Ψ rises.
        for _ in 0..30 {
            if new_objective >= objective {
                break;
            }
            a_new.iter_mut().zip(&a).for_each(|(n, o)| *n = 0.5 * (*n + o));
            f_new.iter_mut().zip(&f).for_each(|(n, o)| *n = 0.5 * (*n + o));
            new_objective = psi(&a_new, &f_new, y);
        }
        let rise = new_objective - objective;
        if rise < 0.0 {
            break; // no step helps: at the mode within rounding
        }
        (a, f, objective) = (a_new, f_new, new_objective);
        if rise <= NEWTON_TOL * (1.0 + objective.abs()) {
            break;
        }
    }
    if !objective.is_finite() {
        return Err(GpError::NoStart("the Laplace mode is not finite".into()));
    }
    let pi: Vec<f64> = f.iter().map(|&f| sigmoid(f)).collect();
    let sqrt_w: Vec<f64> = pi.iter().map(|p| (p * (1.0 - p)).sqrt()).collect();
    let l = factor_b(k, &sqrt_w, par)?;
    let log_det_b: f64 = (0..n).map(|i| l[(i, i)].ln()).sum();
    Ok(Mode { a, pi, sqrt_w, l, log_marginal_likelihood: objective - log_det_b })
}

/// Finds the mode of the Laplace approximation for labels `y` in {−1, +1}
/// under `kernel`, starting from `warm` (an earlier `a`) when it is better
/// than zero, and the gradient when asked.
pub(crate) fn laplace(
    kernel: &VectorKernel,
    x: &DataSet,
    y: &[f64],
    warm: Option<&[f64]>,
    with_gradient: bool,
    par: Par,
) -> Result<Laplace, GpError> {
    let n = y.len();
    let k = gram_matrix(kernel, x, par);
    let Mode { a, pi, sqrt_w, l, log_marginal_likelihood } = mode(&k, y, warm, par)?;
    let t: Vec<f64> = y.iter().map(|&y| if y > 0.0 { 1.0 } else { 0.0 }).collect();
    let w: Vec<f64> = sqrt_w.iter().map(|s| s * s).collect();
    let mut gradient = Vec::new();
    if with_gradient {
        // R = √W B⁻¹ √W (lower triangle).
        let mut r = inverse(&l, par);
        for j in 0..n {
            for i in j..n {
                r[(i, j)] *= sqrt_w[i] * sqrt_w[j];
            }
        }
        // diag(K) − diag(Cᵀ C) with C = L⁻¹ √W K: the latent posterior variances.
        let mut c = Mat::from_fn(n, n, |i, j| sqrt_w[i] * k[(i, j)]);
        solve_lower_triangular_in_place(l.as_ref(), c.as_mut(), par);
        kern_kernels::simd::clear_upper_state();
        // s2 = ∂ log q / ∂f̂ = ½ var ⊙ ∇³ log p, with ∇³ log p = −π (1 − π)(1 − 2π).
        let s2: Vec<f64> = (0..n)
            .map(|i| {
                let var = k[(i, i)] - c.col(i).iter().map(|v| v * v).sum::<f64>();
                -0.5 * var * w[i] * (1.0 - 2.0 * pi[i])
            })
            .collect();
        // Algorithm 5.1's ∂ log q = ½ aᵀ ∂K a − ½ tr(R ∂K) + s2ᵀ (I − K R) ∂K ∇ log p
        // is tr(M ∂K) with M = ½ (a aᵀ − R) + ½ (u gᵀ + g uᵀ), u = s2 − R K s2.
        let ks2 = matvec(&k, &s2);
        let rks2 = symmetric_matvec(&r, &ks2);
        let u: Vec<f64> = (0..n).map(|i| s2[i] - rks2[i]).collect();
        let g: Vec<f64> = (0..n).map(|i| t[i] - pi[i]).collect();
        for j in 0..n {
            for i in j..n {
                r[(i, j)] = 0.5 * (a[i] * a[j] - r[(i, j)]) + 0.5 * (u[i] * g[j] + g[i] * u[j]);
            }
        }
        gradient = kernel.gradient_traces(x, r.as_ref(), par);
    }
    Ok(Laplace { a, sqrt_w, log_marginal_likelihood, gradient })
}

#[cfg(test)]
mod tests {
    use super::{laplace, matvec, sigmoid};
    use crate::rng::SplitMix64;
    use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel, gram_matrix};

    fn problem(n: usize) -> (DataSet, Vec<f64>) {
        let mut rng = SplitMix64::new(11);
        let rows: Vec<Vec<f64>> = (0..n).map(|_| (0..2).map(|_| rng.normal()).collect()).collect();
        // Noisy labels, so that the mode is finite.
        let y = rows.iter().map(|r| if r[0] + 0.5 * r[1] + 0.7 * rng.normal() > 0.0 { 1.0 } else { -1.0 }).collect();
        (DataSet::from(DenseMatrix::from_rows(&rows).unwrap()), y)
    }

    fn kernels() -> Vec<VectorKernel> {
        let rbf = VectorKernel::Rbf { gamma: 0.7 };
        vec![
            VectorKernel::Scaled { scale: 2.5, kernel: Box::new(rbf.clone()) },
            VectorKernel::Matern32 { lengthscale: 1.3 },
            VectorKernel::Sum(vec![
                VectorKernel::Scaled { scale: 0.5, kernel: Box::new(VectorKernel::Laplacian { gamma: 0.4 }) },
                VectorKernel::ArdRbf { lengthscales: vec![0.8, 2.0] },
            ]),
        ]
    }

    /// `log|A|` by Gaussian elimination with partial pivoting (A non-singular).
    fn log_det(mut a: Vec<Vec<f64>>) -> f64 {
        let n = a.len();
        let mut total = 0.0;
        for c in 0..n {
            let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs())).unwrap();
            a.swap(c, p);
            total += a[c][c].abs().ln();
            for r in c + 1..n {
                let m = a[r][c] / a[c][c];
                for k in c..n {
                    a[r][k] -= m * a[c][k];
                }
            }
        }
        total
    }

    #[test]
    fn the_mode_is_stationary_and_the_evidence_is_r_and_w_eq_3_32() {
        let (x, y) = problem(30);
        for kernel in kernels() {
            let l = laplace(&kernel, &x, &y, None, false, Par::Seq).unwrap();
            let k = gram_matrix(&kernel, &x, Par::Seq);
            let f = matvec(&k, &l.a);
            // At the mode f̂ = K ∇ log p(y | f̂).
            for i in 0..y.len() {
                let grad = if y[i] > 0.0 { 1.0 } else { 0.0 } - sigmoid(f[i]);
                assert!((l.a[i] - grad).abs() < 1e-8, "a {} vs ∇ log p {grad}", l.a[i]);
            }
            // log q = log p(y | f̂) − ½ f̂ᵀ K⁻¹ f̂ − ½ log |I + K W|, directly.
            let n = y.len();
            let w: Vec<f64> = f.iter().map(|&f| sigmoid(f) * (1.0 - sigmoid(f))).collect();
            let a = (0..n).map(|i| (0..n).map(|j| k[(i, j)] * w[j] + f64::from(i == j)).collect()).collect();
            let likelihood: f64 = f.iter().zip(&y).map(|(f, y)| sigmoid(y * f).ln()).sum();
            let quadratic: f64 = f.iter().zip(&l.a).map(|(f, a)| f * a).sum();
            let direct = likelihood - 0.5 * quadratic - 0.5 * log_det(a);
            assert!(
                (l.log_marginal_likelihood - direct).abs() < 1e-9 * direct.abs(),
                "{} vs {direct}",
                l.log_marginal_likelihood
            );
        }
    }

    #[test]
    fn every_gradient_matches_central_differences() {
        let (x, y) = problem(25);
        for kernel in kernels() {
            let values: Vec<f64> = kernel.hyperparameters().iter().map(|h| h.value).collect();
            let at = |t: usize, step: f64| {
                let mut v = values.clone();
                v[t] *= step.exp();
                laplace(&kernel.with_hyperparameters(&v), &x, &y, None, false, Par::Seq)
                    .unwrap()
                    .log_marginal_likelihood
            };
            let analytic = laplace(&kernel, &x, &y, None, true, Par::Seq).unwrap().gradient;
            assert_eq!(analytic.len(), values.len());
            let h = 1e-5;
            for (t, g) in analytic.iter().enumerate() {
                let fd = (at(t, h) - at(t, -h)) / (2.0 * h);
                assert!((g - fd).abs() < 1e-6 * fd.abs().max(1.0), "{kernel:?} parameter {t}: {g} vs {fd}");
            }
        }
    }

    #[test]
    fn a_warm_start_reaches_the_same_mode() {
        let (x, y) = problem(30);
        let kernel = VectorKernel::Rbf { gamma: 0.5 };
        let cold = laplace(&kernel, &x, &y, None, false, Par::Seq).unwrap();
        let nearby = laplace(&VectorKernel::Rbf { gamma: 0.6 }, &x, &y, None, false, Par::Seq).unwrap();
        let warm = laplace(&kernel, &x, &y, Some(&nearby.a), false, Par::Seq).unwrap();
        assert!((cold.log_marginal_likelihood - warm.log_marginal_likelihood).abs() < 1e-9);
    }
}
