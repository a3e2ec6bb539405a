//! Kernel approximations for kern: random Fourier features and Nyström
//! feature maps, and the low-rank Gram providers built on them.
//!
//! This crate is the approximation layer of the workspace (solvers → approx →
//! kernels). It holds no code yet: the feature maps arrive with the
//! scale issue, and solvers already depend on it so the arrows stay fixed.
