//! Why an approximation could not be built.

use thiserror::Error;

/// Errors of the feature maps.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ApproxError {
    /// The kernel has no feature map of this kind.
    #[error("{method} cannot approximate the {kernel} kernel: {hint}")]
    UnsupportedKernel { method: &'static str, kernel: &'static str, hint: &'static str },
    /// A parameter outside its domain.
    #[error("{name} = {value} is invalid: {reason}")]
    InvalidParameter { name: &'static str, value: f64, reason: &'static str },
    /// No samples to draw landmarks from.
    #[error("no samples to approximate")]
    Empty,
    /// The landmarks' kernel matrix has no eigenvalue above the cutoff.
    #[error("the landmarks' kernel matrix is numerically zero: check the kernel's parameters")]
    Degenerate,
    /// The data's width differs from the map's.
    #[error("the data has {got} features, the feature map was built for {expected}")]
    Width { expected: usize, got: usize },
}
