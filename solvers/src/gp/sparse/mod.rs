//! Sparse GP regression on `M` inducing points (Titsias 2009): the
//! collapsed variational bound on the log marginal likelihood and its
//! gradient, in `O(n M²)` time and `O(M²)` memory plus a few row blocks.

mod bound;
mod fit;
mod predict;
mod widen;

pub use bound::{Bound, Gradient, collapsed_bound};
pub(crate) use bound::{in_waves, sandwich};
pub use fit::{INDUCING_JITTER, SgprModel, SparseGaussianProcess, Widening, fit_subset};
