//! Gaussian-process regression, exact (Rasmussen & Williams 2006, ch. 2 and 5):
//! the posterior by one Cholesky factorisation of `K + σ² I` (with jitter
//! escalation), hyperparameters by maximising the log marginal likelihood
//! with L-BFGS-B on log-parameters from several seeded starts in parallel.

mod classify;
mod fit;
mod fixed;
mod lml;
mod optimize;
mod predict;
mod sparse;
mod weight;

pub use classify::{GaussianProcessClassifier, GpcModel, LatentGp, expected_sigmoid};
pub use fit::GpModel;
pub use fixed::{Amplified, FixedGpModel, FixedGpcModel, FixedKernelGp, FixedLatent, maximize_on_interval};
pub use lml::{Evaluation, log_marginal_likelihood};
pub use optimize::{Minimum, minimize_box};
pub use predict::{GpPrediction, normal_quantile, sample_prior};
pub use sparse::{
    Bound, Gradient, INDUCING_JITTER, SgprModel, SparseGaussianProcess, Widening, collapsed_bound, fit_subset,
};
pub use weight::{FeatureGpModel, FeatureGpcModel, FeatureKind, FeatureLatent, FeatureSpace};

use kern_kernels::VectorKernel;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a GP could not be fitted or evaluated.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum GpError {
    /// Even the largest jitter left the matrix indefinite.
    #[error(
        "K + noise·I is not positive definite even with a jitter of {jitter:.3e} (1e-2 of its mean diagonal {mean_diagonal:.3e}): raise the noise (--noise), shorten the lengthscale, or remove duplicate rows"
    )]
    NotPositiveDefinite { jitter: f64, mean_diagonal: f64 },
    /// A parameter outside its domain.
    #[error("{name} = {value} is invalid: {reason}")]
    InvalidParameter { name: &'static str, value: f64, reason: &'static str },
    /// Sizes that do not agree.
    #[error("{what}: expected {expected}, got {got}")]
    DimensionMismatch { what: &'static str, expected: usize, got: usize },
    /// A target that is NaN or infinite.
    #[error("target {index} is not finite")]
    NonFiniteTarget { index: usize },
    /// No start point of the optimiser could be evaluated.
    #[error("the log marginal likelihood could not be evaluated at any start point: {0}")]
    NoStart(String),
    /// The kernel's own parameters are invalid.
    #[error(transparent)]
    Kernel(#[from] kern_kernels::KernelError),
    /// A feature map could not be built or applied (GPs on features).
    #[error(transparent)]
    Features(#[from] kern_approx::ApproxError),
}

/// GP regression's hyperparameters and how to fit them (validated by [`GaussianProcess::validate`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GaussianProcess {
    /// The covariance (typically `Scaled { amplitude, base }`); its
    /// hyperparameters are the starting point of the fit.
    pub kernel: VectorKernel,
    /// The noise variance σ² (the white-noise term).
    pub noise: f64,
    /// Which hyperparameters to fit: one flag per kernel hyperparameter
    /// ([`VectorKernel::hyperparameters`]), then one for the noise. Empty: all.
    pub fit: Vec<bool>,
    /// Centre and scale the targets (scikit-learn's `normalize_y=True`).
    pub normalize_y: bool,
    /// Random restarts after the first start (scikit-learn's `n_restarts_optimizer`).
    pub restarts: usize,
    /// Seed of the restarts' start points.
    pub seed: u64,
    /// Bounds of every fitted hyperparameter (scikit-learn's default `(1e-5, 1e5)`).
    pub bounds: (f64, f64),
    /// L-BFGS-B iterations per start.
    pub max_iter: usize,
    /// The search stops when a step gains less than this fraction of the
    /// log marginal likelihood: scipy's `factr · ε` (about 2.2e-9) by
    /// default, then a polish to the objective's precision; a larger value
    /// (a search started near its optimum) stops sooner, with no polish.
    pub relative_decrease: f64,
}

impl GaussianProcess {
    /// A GP with `kernel` and noise variance `noise`, every hyperparameter
    /// fitted, targets normalised, five restarts.
    pub fn new(kernel: VectorKernel, noise: f64) -> Self {
        Self {
            kernel,
            noise,
            fit: Vec::new(),
            normalize_y: true,
            restarts: 5,
            seed: 0,
            bounds: (1e-5, 1e5),
            max_iter: 200,
            relative_decrease: optimize::Stop::DEFAULT.relative_decrease,
        }
    }

    /// Checks every parameter for data with `n_features` features.
    pub fn validate(&self, n_features: usize) -> Result<(), GpError> {
        self.kernel.validate(n_features)?;
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(GpError::InvalidParameter {
                name: "noise",
                value: self.noise,
                reason: "must be ≥ 0 and finite",
            });
        }
        let (lo, hi) = self.bounds;
        if !(lo > 0.0 && hi > lo && hi.is_finite()) {
            return Err(GpError::InvalidParameter {
                name: "bounds", value: lo, reason: "need 0 < lower < upper < ∞"
            });
        }
        optimize::check_relative_decrease(self.relative_decrease)?;
        let expected = self.kernel.hyperparameters().len() + 1;
        if !self.fit.is_empty() && self.fit.len() != expected {
            return Err(GpError::DimensionMismatch { what: "fit flags", expected, got: self.fit.len() });
        }
        Ok(())
    }
}

/// A fitted covariance and noise as a kernel expression with a `white(..)` term.
pub(crate) fn fitted_expression(kernel: &VectorKernel, noise: f64) -> kern_kernels::Expression {
    let fit = vec![true; kernel.n_hyperparameters()];
    kern_kernels::Expression { kernel: kernel.clone(), fit, white: Some((noise, true)) }
}

/// A covariance's hyperparameters by name, then `noise`.
pub(crate) fn named_hyperparameters(kernel: &VectorKernel, noise: f64) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = kernel.hyperparameters().into_iter().map(|h| (h.name, h.value)).collect();
    out.push(("noise".into(), noise));
    out
}
