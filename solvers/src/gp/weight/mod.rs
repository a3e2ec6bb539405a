//! GPs in weight space (Rasmussen & Williams §2.1) on an approximate
//! feature map, `f(x) = φ(x)ᵀ w` with `w ~ N(0, I)`, their hyperparameters
//! learnt by their own evidence: regression on random Fourier or Nyström
//! features ([`FeatureGpModel`]), and classification by the Laplace
//! approximation on them ([`FeatureGpcModel`]). Each evaluation costs
//! `O(n M²)` and holds the `n × M` features.
//!
//! Both objectives are written as functions of the features `Φ`, each with
//! its gradient `G = ∂L/∂Φ` ([`evidence`], [`laplace`]); the feature family
//! turns `G` into `∂L/∂ log θ` ([`basis`]), so one derivation of each
//! objective serves every map.

mod basis;
mod evidence;
mod fit;
mod laplace;
mod predict;

pub use basis::FeatureKind;
pub use fit::{FeatureGpModel, FeatureGpcModel, FeatureLatent, FeatureSpace};

#[cfg(test)]
mod tests;
