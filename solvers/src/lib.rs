//! Kernel solvers of kern, written once against the Gram-provider seam of
//! [`kern_kernels`]: they ask for blocks of K and never know where the samples
//! came from.
//!
//! Now: exact kernel ridge regression ([`KernelRidgeModel`]).

mod error;
pub mod linalg;
mod ridge;

pub use error::SolverError;
pub use ridge::{KernelRidge, KernelRidgeModel, fit_dual};
