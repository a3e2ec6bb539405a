//! Support vector machines: LIBSVM's five problems on any kernel, trained by
//! [`crate::smo`], multi-class by one-vs-one in LIBSVM's pair order.

mod model;
pub mod probability;
mod train;

pub use model::{PairInfo, SvmModel};
pub use train::{train_classifier, train_one_class, train_regressor};

use serde::{Deserialize, Serialize};

use crate::SolverError;
use crate::smo::SmoOptions;

/// Which SVM, with its own hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum SvmKind {
    /// C-SVC: `min ½‖w‖² + C Σ ξ`.
    CSvc { c: f64 },
    /// ν-SVC: ν ∈ (0, 1] bounds the fraction of margin errors and support vectors.
    NuSvc { nu: f64 },
    /// One-class SVM (Schölkopf et al.): ν bounds the fraction of outliers.
    OneClass { nu: f64 },
    /// ε-SVR: errors below ε are free.
    EpsilonSvr { c: f64, epsilon: f64 },
    /// ν-SVR: ε is chosen so that a fraction ν of points lie outside the tube.
    NuSvr { c: f64, nu: f64 },
}

impl SvmKind {
    /// The command-line name (`svc`, `nusvc`, `oneclass`, `svr`, `nusvr`).
    pub fn name(&self) -> &'static str {
        match self {
            SvmKind::CSvc { .. } => "svc",
            SvmKind::NuSvc { .. } => "nusvc",
            SvmKind::OneClass { .. } => "oneclass",
            SvmKind::EpsilonSvr { .. } => "svr",
            SvmKind::NuSvr { .. } => "nusvr",
        }
    }

    /// Whether the task predicts classes.
    pub fn is_classifier(&self) -> bool {
        matches!(self, SvmKind::CSvc { .. } | SvmKind::NuSvc { .. })
    }
}

/// Everything that configures an SVM fit.
///
/// ```
/// use kern_solvers::{SvmKind, SvmParams};
/// let params = SvmParams::new(SvmKind::CSvc { c: 10.0 });
/// assert!(params.validate().is_ok());
/// assert!(SvmParams::new(SvmKind::NuSvc { nu: 1.5 }).validate().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SvmParams {
    /// The problem and its hyperparameters.
    pub kind: SvmKind,
    /// Solver options (tolerance, shrinking, cache, iteration limit).
    pub smo: SmoOptions,
    /// Per-class weights multiplying C (C-SVC), indexed by class; empty: all 1.
    pub class_weights: Vec<f64>,
    /// Per-sample weights, indexed by sample; empty: all 1. A weight
    /// multiplies the sample's bound: C (C-SVC, ε-SVR, ν-SVR) or 1 (ν-SVC,
    /// one-class), as LIBSVM's instance weights and scikit-learn's
    /// `sample_weight` do. Each must be positive: leave out the samples of
    /// weight zero before training.
    pub sample_weights: Vec<f64>,
    /// Fit probability outputs (Platt scaling for classifiers, the Laplace
    /// scale of residuals for regression) on 5-fold cross-validation.
    pub probability: bool,
    /// Seed of the probability cross-validation folds.
    pub seed: u64,
    /// C-SVC only: a starting point per binary problem, in LIBSVM's pair
    /// order: `α` of class a's members, then class b's (as
    /// [`SvmModel::pair_alphas`] gives them), clipped to the box; it must
    /// satisfy `Σ y α = 0`. Empty: start from zero. The solution at a
    /// smaller C is feasible at a larger one, so a path over C can start
    /// each fit from the last (a grid search does).
    pub warm_start: Vec<Vec<f64>>,
}

impl SvmParams {
    /// Default solver options (LIBSVM's: tol 1e-3, shrinking, 100 MiB cache).
    pub fn new(kind: SvmKind) -> Self {
        Self {
            kind,
            smo: SmoOptions::default(),
            class_weights: Vec::new(),
            sample_weights: Vec::new(),
            probability: false,
            seed: 0,
            warm_start: Vec::new(),
        }
    }

    /// Checks every hyperparameter.
    pub fn validate(&self) -> Result<(), SolverError> {
        let positive = |name: &'static str, value: f64| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(SolverError::InvalidParameter { name, value, reason: "must be positive and finite" })
            }
        };
        let fraction = |value: f64| {
            if value > 0.0 && value <= 1.0 {
                Ok(())
            } else {
                Err(SolverError::InvalidParameter { name: "nu", value, reason: "must be in (0, 1]" })
            }
        };
        match self.kind {
            SvmKind::CSvc { c } => positive("C", c)?,
            SvmKind::NuSvc { nu } | SvmKind::OneClass { nu } => fraction(nu)?,
            SvmKind::EpsilonSvr { c, epsilon } => {
                positive("C", c)?;
                if !(epsilon.is_finite() && epsilon >= 0.0) {
                    return Err(SolverError::InvalidParameter {
                        name: "epsilon",
                        value: epsilon,
                        reason: "must be non-negative and finite",
                    });
                }
            }
            SvmKind::NuSvr { c, nu } => {
                positive("C", c)?;
                fraction(nu)?;
            }
        }
        positive("tol", self.smo.tol)?;
        if let Some(q) = self.smo.working_set {
            let invalid = |reason| SolverError::InvalidParameter { name: "working set", value: q as f64, reason };
            if q < 2 {
                return Err(invalid("must be at least 2"));
            }
            if matches!(self.kind, SvmKind::NuSvc { .. } | SvmKind::NuSvr { .. }) {
                return Err(invalid(
                    "applies to svc, svr and oneclass, not to nusvc or nusvr (a ν dual keeps LIBSVM's pairs)",
                ));
            }
        }
        for &w in &self.class_weights {
            positive("class weight", w)?;
        }
        for &w in &self.sample_weights {
            positive("sample weight", w)?;
        }
        Ok(())
    }
}
