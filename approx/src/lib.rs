//! Kernel approximations for kern: random Fourier features and Nyström
//! feature maps `φ` with `φ(x)ᵀ φ(y) ≈ k(x, y)`, so that linear methods on
//! `φ(X)` (`n × M`) stand in for kernel methods on `K(X, X)` (`n × n`).
//!
//! This crate is the approximation layer of the workspace (solvers → approx →
//! kernels).

mod error;
mod features;
mod map;
pub mod nystroem;
pub mod rff;
mod rng;

pub use error::ApproxError;
pub use features::FeatureMap;
pub use map::ApproxMap;
pub use nystroem::{Landmarks, Nystroem};
pub use rff::RandomFourierFeatures;
pub use rng::SplitMix64;
