//! GP regression with covariance `c · K + σ² I` for a fixed kernel `K`.
//!
//! With `K = U Λ Uᵀ` and `z = Uᵀ y` the log marginal likelihood is
//! `−½ Σ zᵢ² / (c λᵢ + σ²) − ½ Σ log(c λᵢ + σ²) − n/2 log 2π` (R&W eq. 2.30
//! in the eigenbasis), and for a ratio `r = σ² / c` the best amplitude is
//! `c = (1/n) Σ zᵢ² / (λᵢ + r)`: fitting both is a search over `log r` alone.

use faer::{Mat, Par};
use kern_kernels::{Kernel, Samples, gram_matrix};
use serde::{Deserialize, Serialize};

use super::search::maximize_on_interval;
use super::{Amplified, FixedKernelGp};
use crate::gp::fit::mean_and_scale;
use crate::gp::predict::Posterior;
use crate::gp::{GpError, GpPrediction};

/// Grid points of the one-dimensional search (each evaluation is O(n)).
const GRID: usize = 61;
/// Width in log units at which the search stops.
const TOL: f64 = 1e-7;
/// Eigenvalues of `c K + σ² I` are held at least this fraction of their
/// mean: the jitter that keeps a singular `K` with no noise solvable.
const FLOOR: f64 = 1e-10;

/// A fitted GP regression with covariance `amplitude · kernel + noise · I`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedGpModel<K, S> {
    /// The kernel `K`, without the amplitude.
    pub kernel: K,
    /// The training samples.
    pub train: S,
    /// The fitted (or given) amplitude `c`.
    pub amplitude: f64,
    /// The fitted (or given) noise variance `σ²` (of the normalised targets).
    pub noise: f64,
    /// `(c K + (σ² + jitter) I)⁻¹ y` for the normalised targets.
    pub alpha: Vec<f64>,
    /// Targets are `y_mean + y_scale · (what the GP models)`.
    pub y_mean: f64,
    pub y_scale: f64,
    /// The log marginal likelihood of the targets the GP models.
    pub log_marginal_likelihood: f64,
    /// Diagonal jitter added to keep the covariance positive definite.
    pub jitter: f64,
    /// Log-marginal-likelihood evaluations spent on the fit.
    pub evaluations: usize,
}

impl<K, S> FixedGpModel<K, S> {
    /// The same model with its kernel replaced by `f(kernel)`.
    pub fn map_kernel<K2>(self, f: impl FnOnce(K) -> K2) -> FixedGpModel<K2, S> {
        let FixedGpModel {
            kernel,
            train,
            amplitude,
            noise,
            alpha,
            y_mean,
            y_scale,
            log_marginal_likelihood,
            jitter,
            evaluations,
        } = self;
        FixedGpModel {
            kernel: f(kernel),
            train,
            amplitude,
            noise,
            alpha,
            y_mean,
            y_scale,
            log_marginal_likelihood,
            jitter,
            evaluations,
        }
    }
}

/// The eigendecomposition of `K` in the form the likelihood needs.
struct Spectrum {
    /// Eigenvalues of `K`, negative rounding clipped to 0.
    lambda: Vec<f64>,
    /// `z = Uᵀ y`.
    z: Vec<f64>,
    u: Mat<f64>,
}

impl Spectrum {
    /// `log p(y)` under `c K + s I` (−∞ where it is singular).
    fn log_marginal_likelihood(&self, c: f64, s: f64) -> f64 {
        let n = self.lambda.len() as f64;
        let mut total = -0.5 * n * (2.0 * std::f64::consts::PI).ln();
        for (l, z) in self.lambda.iter().zip(&self.z) {
            let v = c * l + s;
            if v <= 0.0 {
                return f64::NEG_INFINITY;
            }
            total -= 0.5 * (z * z / v + v.ln());
        }
        total
    }

    /// The best amplitude for the ratio `r = σ² / c`, within `bounds`.
    fn best_amplitude(&self, r: f64, (lo, hi): (f64, f64)) -> f64 {
        let n = self.lambda.len().max(1) as f64;
        let fit: f64 = self.lambda.iter().zip(&self.z).map(|(l, z)| z * z / (l + r)).sum();
        (fit / n).clamp(lo, hi)
    }
}

impl<K, S> FixedGpModel<K, S> {
    /// The fitted hyperparameters by name.
    pub fn hyperparameters(&self) -> Vec<(String, f64)> {
        vec![("amplitude".into(), self.amplitude), ("noise".into(), self.noise)]
    }
}

impl<K: Kernel<S>, S: Samples> FixedGpModel<K, S> {
    /// Fits the amplitude and noise that `params` leaves free to targets `y`.
    ///
    /// ```
    /// use kern_kernels::{Par, Sequences, StringKernel};
    /// use kern_solvers::gp::{FixedGpModel, FixedKernelGp};
    /// let words = ["ACGTAC", "ACGTTT", "GGGCCA", "GGGCCT", "ACGAAC", "GGACCA"];
    /// let x = Sequences::new(words);
    /// let y = [1.0, 0.9, -1.0, -0.8, 1.1, -0.9];
    /// let kernel = StringKernel::Spectrum { k: 2, normalize: true };
    /// let gp = FixedGpModel::fit(kernel, x.clone(), &y, &FixedKernelGp::default(), Par::Seq).unwrap();
    /// let p = gp.predict(&x, Par::Seq).unwrap();
    /// assert!(p.mean[0] > 0.0 && p.mean[2] < 0.0);
    /// ```
    pub fn fit(kernel: K, train: S, y: &[f64], params: &FixedKernelGp, par: Par) -> Result<Self, GpError> {
        params.validate()?;
        let n = train.len();
        if y.len() != n {
            return Err(GpError::DimensionMismatch { what: "targets", expected: n, got: y.len() });
        }
        if let Some(index) = y.iter().position(|v| !v.is_finite()) {
            return Err(GpError::NonFiniteTarget { index });
        }
        let (y_mean, y_scale) = if params.normalize_y { mean_and_scale(y, None) } else { (0.0, 1.0) };
        let yn: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_scale).collect();
        let spectrum = eigen(gram_matrix(&kernel, &train, par), &yn, par)?;

        let bounds = params.bounds;
        let (lo, hi) = (bounds.0.ln(), bounds.1.ln());
        let lml = |c: f64, s: f64| spectrum.log_marginal_likelihood(c, s);
        let (amplitude, noise, evaluations) = match (params.amplitude, params.noise) {
            (Some(c), Some(s)) => (c, s, 0),
            (Some(c), None) => {
                let (t, _, spent) = maximize_on_interval(|t| lml(c, t.exp()), lo, hi, GRID, TOL);
                (c, t.exp(), spent)
            }
            (None, Some(s)) => {
                let (t, _, spent) = maximize_on_interval(|t| lml(t.exp(), s), lo, hi, GRID, TOL);
                (t.exp(), s, spent)
            }
            (None, None) => {
                // Over the ratio, its own range as wide as the two bounds allow.
                let profile = |t: f64| {
                    let c = spectrum.best_amplitude(t.exp(), bounds);
                    lml(c, (c * t.exp()).clamp(bounds.0, bounds.1))
                };
                let (t, _, spent) = maximize_on_interval(profile, lo - hi, hi - lo, GRID, TOL);
                let c = spectrum.best_amplitude(t.exp(), bounds);
                (c, (c * t.exp()).clamp(bounds.0, bounds.1), spent)
            }
        };

        let eig: Vec<f64> = spectrum.lambda.iter().map(|l| amplitude * l + noise).collect();
        let mean = eig.iter().sum::<f64>() / n.max(1) as f64;
        let least = eig.iter().copied().fold(f64::INFINITY, f64::min);
        let jitter = (FLOOR * mean - least).max(0.0);
        // α = U (Λ_A + jitter)⁻¹ z, one matrix-vector product.
        let weights = Mat::from_fn(n, 1, |j, _| spectrum.z[j] / (eig[j] + jitter));
        let alpha = &spectrum.u * &weights;
        kern_kernels::simd::clear_upper_state();
        let alpha = (0..n).map(|i| alpha[(i, 0)]).collect();
        Ok(Self {
            kernel,
            train,
            amplitude,
            noise,
            alpha,
            y_mean,
            y_scale,
            log_marginal_likelihood: lml(amplitude, noise + jitter),
            jitter,
            evaluations: evaluations + 1,
        })
    }

    /// The posterior mean at `test`.
    pub fn predict_mean(&self, test: &S, par: Par) -> Vec<f64> {
        let covariance = self.covariance();
        self.posterior(&covariance).mean(test, par)
    }

    /// Mean and standard deviations at `test` (refactors the covariance once).
    pub fn predict(&self, test: &S, par: Par) -> Result<GpPrediction, GpError> {
        let covariance = self.covariance();
        self.posterior(&covariance).predict(test, par)
    }

    /// `c K`.
    pub fn covariance(&self) -> Amplified<'_, K> {
        Amplified { amplitude: self.amplitude, kernel: &self.kernel }
    }

    fn posterior<'a>(&'a self, covariance: &'a Amplified<'a, K>) -> Posterior<'a, Amplified<'a, K>, S> {
        Posterior {
            kernel: covariance,
            train: &self.train,
            alpha: &self.alpha,
            noise: self.noise,
            weights: None,
            jitter: self.jitter,
            y_mean: self.y_mean,
            y_scale: self.y_scale,
        }
    }
}

/// `K = U Λ Uᵀ` and `Uᵀ y`.
fn eigen(k: Mat<f64>, y: &[f64], par: Par) -> Result<Spectrum, GpError> {
    let n = k.nrows();
    let mean_diagonal = (0..n).map(|i| k[(i, i)]).sum::<f64>() / n.max(1) as f64;
    let (values, u) = kern_kernels::self_adjoint_eigen(k.as_ref(), par)
        .ok_or(GpError::NotPositiveDefinite { jitter: 0.0, mean_diagonal })?;
    let lambda: Vec<f64> = values.iter().map(|v| v.max(0.0)).collect();
    let ym = Mat::from_fn(n, 1, |i, _| y[i]);
    let mut z = Mat::zeros(n, 1);
    faer::linalg::matmul::matmul(z.as_mut(), faer::Accum::Replace, u.transpose(), ym.as_ref(), 1.0, par);
    kern_kernels::simd::clear_upper_state();
    Ok(Spectrum { lambda, z: (0..n).map(|i| z[(i, 0)]).collect(), u })
}
