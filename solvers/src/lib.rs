//! Kernel solvers of kern, written once against the Gram-provider seam of
//! [`kern_kernels`]: they ask for blocks of K and never know where the samples
//! came from, nor which file or face they were read by.
//!
//! - exact kernel ridge regression ([`KernelRidgeModel`], mixed-precision
//!   Cholesky with refinement), α by exact leave-one-out and predictions at
//!   many α from one eigendecomposition ([`LooPath`]);
//! - support vector machines, LIBSVM's five problems ([`SvmModel`]), by
//!   sequential minimal optimisation with Newton steps on the free variables
//!   ([`smo`]), with Platt probabilities and warm starts;
//! - Gaussian processes ([`gp`]): exact regression and Laplace
//!   classification with hyperparameters fitted by the (approximate) log
//!   marginal likelihood, and GPs on fixed kernels of any samples
//!   ([`gp::FixedGpModel`], [`gp::FixedGpcModel`]);
//! - linear models on kernel features ([`linear`]): primal ridge, linear SVMs
//!   and SVRs by dual coordinate descent, a GP on features;
//! - Falkon, Nyström kernel ridge by preconditioned conjugate gradient
//!   ([`falkon`]);
//! - the dense linear algebra they share ([`linalg`]);
//! - the seam to other processes holding shares of the rows ([`collective`]).

pub mod collective;
mod error;
pub mod falkon;
pub mod gp;
pub mod linalg;
pub mod linear;
mod ridge;
mod rng;
pub mod smo;
mod svm;
mod weights;

pub use error::SolverError;
pub use gp::{GaussianProcess, GpError, GpModel};
pub use ridge::{
    KernelRidge, KernelRidgeModel, LooPath, LooSelection, PredictionIntervals, WeightedGram, add_target_means,
    centre_shared_targets, centre_targets, fit_dual, fit_dual_weighted, lower_rank, upper_rank,
};
pub use smo::{CacheBudget, SmoOptions};
pub use svm::{PairInfo, SvmKind, SvmModel, SvmParams, train_classifier, train_one_class, train_regressor};
