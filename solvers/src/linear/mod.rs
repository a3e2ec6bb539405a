//! Linear models on explicit features `Φ` (`n × M`, from a random-feature
//! or Nyström map): ridge regression in the primal, and linear SVMs and SVRs by
//! dual coordinate descent (LIBLINEAR's methods). With `Φ Φᵀ ≈ K`, these stand in
//! for kernel ridge and kernel SVMs at `O(n M²)` or `O(n M)` per pass
//! instead of `O(n³)`; a GP on the features gives error bars the same way.

mod bayes;
mod dcd;
mod ridge;
mod svr;

pub use bayes::FeatureGp;
pub use dcd::{LinearSvm, LinearSvmLoss, LinearSvmModel};
pub use ridge::{primal_ridge, primal_ridge_shared};
pub use svr::{LinearSvr, LinearSvrModel};
