//! Exact kernel ridge regression: `(K + αI) a = Y`, several targets at once.

mod centre;
mod fit;
mod jackknife;
mod loo;
mod predict;
mod weights;

pub use centre::{add_target_means, centre_shared_targets, centre_targets};
pub(crate) use centre::{column_sums, subtract_means};
pub use fit::{fit_dual, fit_dual_weighted};
pub use jackknife::{PredictionIntervals, lower_rank, upper_rank};
pub use loo::{LooPath, LooSelection};
pub use weights::WeightedGram;

use serde::{Deserialize, Serialize};

use crate::SolverError;

/// Hyperparameters of kernel ridge regression.
///
/// ```
/// use kern_solvers::KernelRidge;
/// assert!(KernelRidge { alpha: 1.0 }.validate().is_ok());
/// assert!(KernelRidge { alpha: 0.0 }.validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct KernelRidge {
    /// Ridge penalty `α > 0` added to the diagonal of K (scikit-learn's `alpha`).
    pub alpha: f64,
}

impl Default for KernelRidge {
    fn default() -> Self {
        Self { alpha: 1.0 }
    }
}

impl KernelRidge {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<(), SolverError> {
        if self.alpha.is_finite() && self.alpha > 0.0 {
            Ok(())
        } else {
            Err(SolverError::InvalidParameter {
                name: "alpha",
                value: self.alpha,
                reason: "must be positive and finite",
            })
        }
    }
}

/// A fitted kernel ridge model: the kernel, the training samples and the dual
/// coefficients `a = (K + αI)⁻¹ Y`, one column per target.
///
/// Predictions are `K(test, train) a`, plus each target's mean where the
/// targets were centred before the fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KernelRidgeModel<K, S> {
    /// The kernel the model was fitted with.
    pub kernel: K,
    /// The training samples.
    pub train: S,
    /// The hyperparameters.
    pub params: KernelRidge,
    /// Dual coefficients, column-major `n_train × n_targets`.
    pub dual_coef: Vec<f64>,
    /// Number of targets.
    pub n_targets: usize,
    /// The sample weights the model was fitted with (`(K + αW⁻¹) a = Y`);
    /// empty: every weight 1. Format 3 on.
    #[serde(default)]
    pub weights: Vec<f64>,
    /// Each target's mean, taken out before the fit and added to every
    /// prediction ([`centre_targets`]); empty: the targets were fitted as
    /// given (scikit-learn's `KernelRidge`). Format 7 on.
    #[serde(default)]
    pub target_mean: Vec<f64>,
}

impl<K, S> KernelRidgeModel<K, S> {
    /// The same model with its kernel replaced by `f(kernel)`.
    pub fn map_kernel<K2>(self, f: impl FnOnce(K) -> K2) -> KernelRidgeModel<K2, S> {
        KernelRidgeModel {
            kernel: f(self.kernel),
            train: self.train,
            params: self.params,
            dual_coef: self.dual_coef,
            n_targets: self.n_targets,
            weights: self.weights,
            target_mean: self.target_mean,
        }
    }
}
