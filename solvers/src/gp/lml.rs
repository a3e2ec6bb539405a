//! The log marginal likelihood of GP regression and its gradient with
//! respect to the log of every hyperparameter (Rasmussen & Williams, 2006,
//! eqs. 2.30 and 5.9):
//!
//! `log p(y | X, θ) = −½ yᵀ A⁻¹ y − ½ log |A| − n/2 log 2π`, `A = K + σ² I`,
//! `∂/∂θ_k = ½ tr((α αᵀ − A⁻¹) ∂A/∂θ_k)`, `α = A⁻¹ y`.

use faer::{Mat, Par};
use kern_kernels::{DataSet, VectorKernel, gram_matrix};

use super::GpError;
use crate::linalg::{cholesky, cholesky_solve, inverse};

/// Jitter added to the diagonal when `K + σ² I` does not factor, as a
/// fraction of the mean diagonal: tried from the first, ×10 each time, up to the last.
const JITTER_START: f64 = 1e-10;
const JITTER_LIMIT: f64 = 1e-2;
/// Entries of `K + σ² I` below this fraction of the mean diagonal are set to 0.
const FLUSH_BELOW: f64 = 1e-20;

/// The Cholesky factor of `K + (σ² + jitter) I`, and the jitter it took.
pub(crate) struct Factor {
    /// Lower triangle holds `L`.
    pub l: Mat<f64>,
    pub jitter: f64,
}

/// The noise on the diagonal of `K`: `σ²` for every sample, or `σ²/w_i`
/// with sample weights `w` (a sample of weight `w` counts as `w`
/// observations; scikit-learn's array `alpha`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Noise<'a> {
    pub variance: f64,
    pub weights: Option<&'a [f64]>,
}

impl Noise<'_> {
    /// `σ²` for every sample.
    pub fn uniform(variance: f64) -> Noise<'static> {
        Noise { variance, weights: None }
    }

    /// The noise variance of sample `i`.
    pub fn at(&self, i: usize) -> f64 {
        self.weights.map_or(self.variance, |w| self.variance / w[i])
    }
}

/// Factors `k + diag(noise)`, escalating a diagonal jitter when needed;
/// `build` makes `k`.
///
/// faer's blocked Cholesky uses the upper triangle as workspace, so a failed
/// attempt cannot be undone in place: each retry factors a fresh `build()`
/// (`O(n² d)` against the factorisation's `O(n³)`; the failed matrix is
/// dropped first, so no two are held at once).
pub(crate) fn factor(build: impl Fn() -> Mat<f64>, noise: Noise<'_>, par: Par) -> Result<Factor, GpError> {
    let mut jitter = 0.0;
    let mut mean_diag = None;
    loop {
        let mut k = build();
        let n = k.nrows();
        for i in 0..n {
            k[(i, i)] += noise.at(i);
        }
        let mean = *mean_diag.get_or_insert_with(|| (0..n).map(|i| k[(i, i)]).sum::<f64>() / n.max(1) as f64);
        // Entries this small change the factor by less than its own rounding,
        // but left in they breed subnormal numbers through the factorisation
        // and inverse (a short lengthscale gives many), which run 100× slower.
        let negligible = FLUSH_BELOW * mean.abs();
        for j in 0..n {
            for v in k.col_mut(j).iter_mut() {
                if v.abs() < negligible {
                    *v = 0.0;
                }
            }
            k[(j, j)] += jitter;
        }
        if cholesky(k.as_mut(), par).is_ok() {
            return Ok(Factor { l: k, jitter });
        }
        drop(k);
        jitter = if jitter == 0.0 { JITTER_START * mean.abs().max(f64::MIN_POSITIVE) } else { jitter * 10.0 };
        if jitter.is_nan() || jitter > JITTER_LIMIT * mean.abs() {
            return Err(GpError::NotPositiveDefinite { jitter: jitter / 10.0, mean_diagonal: mean });
        }
    }
}

/// The log marginal likelihood at one point, and its gradient.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// `log p(y | X, θ)`.
    pub log_marginal_likelihood: f64,
    /// `∂/∂ log θ` for the kernel's hyperparameters, then the noise variance.
    pub gradient: Vec<f64>,
    /// Diagonal jitter the factorisation needed.
    pub jitter: f64,
}

/// The log marginal likelihood of targets `y` under a GP with `kernel` and
/// noise variance `noise`, with its gradient when `with_gradient`.
///
/// ```
/// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
/// use kern_solvers::gp::log_marginal_likelihood;
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0]]).unwrap());
/// let e = log_marginal_likelihood(&VectorKernel::Rbf { gamma: 0.5 }, 0.1, &x, &[0.5, -0.5], true, Par::Seq).unwrap();
/// assert_eq!(e.gradient.len(), 2); // gamma, then the noise
/// ```
pub fn log_marginal_likelihood(
    kernel: &VectorKernel,
    noise: f64,
    x: &DataSet,
    y: &[f64],
    with_gradient: bool,
    par: Par,
) -> Result<Evaluation, GpError> {
    evaluate(kernel, Noise::uniform(noise), x, y, with_gradient, None, par).map(|(e, _, _)| e)
}

/// An amplitude `c` maximised in closed form: the covariance is
/// `c (K + r I)` and the best `c` for the other parameters is
/// `yᵀ (K + r I)⁻¹ y / n`, held within `bounds`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProfiledAmplitude {
    pub bounds: (f64, f64),
}

/// [`log_marginal_likelihood`], and the weights `α = (K + σ² I)⁻¹ y` it
/// solved for. With `profile`, `kernel` and `noise` are `K` and `r` of
/// [`ProfiledAmplitude`]; the likelihood and gradient are those of the
/// covariance `c (K + r I)` at the best amplitude `c`, returned third (by the
/// envelope theorem the gradient needs no term for `c`).
pub(crate) fn evaluate(
    kernel: &VectorKernel,
    noise: Noise<'_>,
    x: &DataSet,
    y: &[f64],
    with_gradient: bool,
    profile: Option<ProfiledAmplitude>,
    par: Par,
) -> Result<(Evaluation, Vec<f64>, f64), GpError> {
    let f = Factored::new(kernel, noise, x, y, profile, par)?;
    let (lml, jitter, amplitude) = (f.log_marginal_likelihood, f.jitter, f.amplitude);
    let alpha = f.alpha.clone();
    let gradient = if with_gradient { f.gradient(kernel, x, noise, par) } else { Vec::new() };
    Ok((Evaluation { log_marginal_likelihood: lml, gradient, jitter }, alpha, amplitude))
}

/// The likelihood at one point, with what its gradient needs: the first,
/// cheaper half of an evaluation (one Cholesky factorisation). A line
/// search can reject a point at this cost, and finish the points it keeps.
pub(crate) struct Factored {
    l: Mat<f64>,
    alpha: Vec<f64>,
    pub amplitude: f64,
    pub log_marginal_likelihood: f64,
    pub jitter: f64,
}

impl Factored {
    /// Factors `K + σ² I` (see [`evaluate`] for `profile`).
    pub(crate) fn new(
        kernel: &VectorKernel,
        noise: Noise<'_>,
        x: &DataSet,
        y: &[f64],
        profile: Option<ProfiledAmplitude>,
        par: Par,
    ) -> Result<Self, GpError> {
        let n = x.n_samples();
        let f = factor(|| gram_matrix(kernel, x, par), noise, par)?;
        let mut alpha = Mat::from_fn(n, 1, |i, _| y[i]);
        cholesky_solve(f.l.as_ref(), alpha.as_mut());
        let data_fit: f64 = (0..n).map(|i| y[i] * alpha[(i, 0)]).sum();
        let amplitude = match profile {
            Some(p) => (data_fit / n.max(1) as f64).clamp(p.bounds.0, p.bounds.1),
            None => 1.0,
        };
        let log_det = (0..n).map(|i| f.l[(i, i)].ln()).sum::<f64>() * 2.0 + n as f64 * amplitude.ln();
        let lml = -0.5 * data_fit / amplitude - 0.5 * log_det - 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
        Ok(Self {
            l: f.l,
            alpha: (0..n).map(|i| alpha[(i, 0)]).collect(),
            amplitude,
            log_marginal_likelihood: lml,
            jitter: f.jitter,
        })
    }

    /// `∂/∂ log θ` for the kernel's hyperparameters, then the noise (or
    /// ratio); `noise` as the factorisation had it.
    pub(crate) fn gradient(self, kernel: &VectorKernel, x: &DataSet, noise: Noise<'_>, par: Par) -> Vec<f64> {
        let n = self.alpha.len();
        let alpha = &self.alpha;
        // W = α αᵀ − A⁻¹ (lower triangle); ∂/∂ log θ = ½ tr(W ∂A/∂ log θ).
        // With an amplitude c, α and A⁻¹ carry 1/c and ∂A a factor c.
        let mut w = inverse(&self.l, par);
        drop(self.l);
        for j in 0..n {
            for i in j..n {
                w[(i, j)] = alpha[i] * alpha[j] / self.amplitude - w[(i, j)];
            }
        }
        let mut gradient: Vec<f64> = kernel.gradient_traces(x, w.as_ref(), par).into_iter().map(|t| 0.5 * t).collect();
        // ∂A/∂ log σ² = diag(σ²/w_i).
        let trace: f64 = (0..n).map(|i| w[(i, i)] * noise.at(i)).sum();
        gradient.push(0.5 * trace);
        gradient
    }
}

#[cfg(test)]
mod tests {
    use super::{Noise, ProfiledAmplitude, evaluate, log_marginal_likelihood};
    use crate::rng::SplitMix64;
    use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};

    #[test]
    fn the_profiled_amplitude_is_the_best_one_and_its_gradient_is_the_profile_s() {
        let mut rng = SplitMix64::new(7);
        let rows: Vec<Vec<f64>> = (0..40).map(|_| (0..3).map(|_| rng.normal()).collect()).collect();
        let y: Vec<f64> = rows.iter().map(|r| (2.0 * r[0]).sin() + 0.3 * rng.normal()).collect();
        let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
        let profile = Some(ProfiledAmplitude { bounds: (1e-5, 1e5) });
        let profiled = |log_gamma: f64, log_ratio: f64| {
            let base = VectorKernel::Rbf { gamma: log_gamma.exp() };
            evaluate(&base, Noise::uniform(log_ratio.exp()), &x, &y, true, profile, Par::Seq).unwrap()
        };
        let (lg, lr) = (-0.7, -1.9);
        let (e, _, c) = profiled(lg, lr);
        // The same likelihood as the plain GP at that amplitude, and no
        // amplitude does better.
        let plain = |c: f64| {
            let k = VectorKernel::Scaled { scale: c, kernel: Box::new(VectorKernel::Rbf { gamma: lg.exp() }) };
            log_marginal_likelihood(&k, c * lr.exp(), &x, &y, true, Par::Seq).unwrap()
        };
        let at_c = plain(c);
        assert!(
            (e.log_marginal_likelihood - at_c.log_marginal_likelihood).abs()
                < 1e-10 * at_c.log_marginal_likelihood.abs()
        );
        // Scaling amplitude and noise together does not help: ∂/∂ log c + ∂/∂ log σ² = 0.
        let along = at_c.gradient[0] + at_c.gradient[2];
        assert!(along.abs() < 1e-8, "derivative along the amplitude {along}");
        for factor in [0.9, 1.1] {
            assert!(plain(c * factor).log_marginal_likelihood < e.log_marginal_likelihood);
        }
        // Its gradient is the derivative of the profile (envelope theorem).
        let h = 1e-5;
        let fd_gamma = (profiled(lg + h, lr).0.log_marginal_likelihood
            - profiled(lg - h, lr).0.log_marginal_likelihood)
            / (2.0 * h);
        let fd_ratio = (profiled(lg, lr + h).0.log_marginal_likelihood
            - profiled(lg, lr - h).0.log_marginal_likelihood)
            / (2.0 * h);
        assert!((e.gradient[0] - fd_gamma).abs() < 1e-6 * fd_gamma.abs().max(1.0), "{} vs {fd_gamma}", e.gradient[0]);
        assert!((e.gradient[1] - fd_ratio).abs() < 1e-6 * fd_ratio.abs().max(1.0), "{} vs {fd_ratio}", e.gradient[1]);
    }

    #[test]
    fn with_sample_weights_the_gradient_is_the_likelihood_s_derivative() {
        let mut rng = SplitMix64::new(3);
        let rows: Vec<Vec<f64>> = (0..30).map(|_| (0..2).map(|_| rng.normal()).collect()).collect();
        let y: Vec<f64> = rows.iter().map(|r| r[0].sin() + 0.2 * rng.normal()).collect();
        let w: Vec<f64> = (0..30).map(|i| 0.5 + (i % 4) as f64).collect();
        let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
        let lml = |log_gamma: f64, log_noise: f64, gradient: bool| {
            let kernel = VectorKernel::Rbf { gamma: log_gamma.exp() };
            let noise = Noise { variance: log_noise.exp(), weights: Some(&w) };
            evaluate(&kernel, noise, &x, &y, gradient, None, Par::Seq).unwrap().0
        };
        let (lg, ln) = (-0.4, -1.3);
        let e = lml(lg, ln, true);
        let h = 1e-5;
        let fd = [
            (lml(lg + h, ln, false).log_marginal_likelihood - lml(lg - h, ln, false).log_marginal_likelihood)
                / (2.0 * h),
            (lml(lg, ln + h, false).log_marginal_likelihood - lml(lg, ln - h, false).log_marginal_likelihood)
                / (2.0 * h),
        ];
        for (g, f) in e.gradient.iter().zip(fd) {
            assert!((g - f).abs() < 1e-6 * f.abs().max(1.0), "analytic {g} vs {f}");
        }
    }
}

#[cfg(test)]
mod factor_tests {
    use faer::{Mat, Par};

    use super::{Noise, factor};

    #[test]
    fn an_indefinite_matrix_is_factored_with_an_escalating_jitter() {
        // All ones less 1e-9 I: eigenvalues n − 1e-9 and −1e-9. Large enough
        // that the factorisation is blocked (and writes its upper triangle),
        // so each retry must start from the matrix again.
        let n = 300;
        let build = || Mat::from_fn(n, n, |i, j| if i == j { 1.0 - 1e-9 } else { 1.0 });
        let f = factor(build, Noise::uniform(0.0), Par::Seq).unwrap();
        assert!(f.jitter > 1e-9 && f.jitter < 1e-6, "{}", f.jitter);
        // L Lᵀ is the matrix plus the jitter.
        let (l, k) = (&f.l, build());
        for (i, j) in [(0, 0), (17, 3), (299, 150), (299, 299)] {
            let v: f64 = (0..=j).map(|t| l[(i, t)] * l[(j, t)]).sum();
            let want = k[(i, j)] + if i == j { f.jitter } else { 0.0 };
            assert!((v - want).abs() < 1e-9, "({i}, {j}): {v} vs {want}");
        }
    }
}
