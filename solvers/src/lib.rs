//! Kernel solvers of kern, written once against the Gram-provider seam of
//! [`kern_kernels`]: they ask for blocks of K and never know where the samples
//! came from.
//!
//! - exact kernel ridge regression ([`KernelRidgeModel`]);
//! - support vector machines, LIBSVM's five problems ([`SvmModel`]), by
//!   sequential minimal optimisation ([`smo`]);
//! - Gaussian processes ([`gp`]): exact regression with hyperparameters
//!   fitted by the log marginal likelihood.

mod error;
pub mod falkon;
pub mod gp;
pub mod linalg;
pub mod linear;
mod ridge;
mod rng;
pub mod smo;
mod svm;

pub use error::SolverError;
pub use gp::{GaussianProcess, GpError, GpModel};
pub use ridge::{KernelRidge, KernelRidgeModel, LooPath, LooSelection, fit_dual};
pub use smo::SmoOptions;
pub use svm::{PairInfo, SvmKind, SvmModel, SvmParams, train_classifier, train_one_class, train_regressor};
