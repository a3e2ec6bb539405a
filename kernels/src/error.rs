//! Typed errors of the kernels crate.

use thiserror::Error;

/// A sample matrix that cannot be built as asked.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DataError {
    /// The number of values does not match the shape.
    #[error("expected {expected} values, got {got}")]
    Shape { expected: usize, got: usize },
    /// A NaN or infinite value.
    #[error("row {row}, feature {col}: value is not finite")]
    NotFinite { row: usize, col: usize },
    /// Sparse indices not strictly ascending.
    #[error("row {row}: feature index {col} is not greater than the previous one")]
    Unsorted { row: usize, col: usize },
    /// A sparse index at or beyond the column count.
    #[error("row {row}: feature index {col} is beyond the {n_cols} features")]
    ColumnOutOfRange { row: usize, col: usize, n_cols: usize },
}

/// A kernel whose parameters are not valid for the data it is bound to.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum KernelError {
    /// A numeric parameter outside its domain.
    #[error("kernel parameter {name} = {value} is invalid: {reason}")]
    InvalidParameter { name: &'static str, value: f64, reason: &'static str },
    /// ARD lengthscales must be one per feature.
    #[error("ARD kernel has {got} lengthscales but the data has {expected} features")]
    LengthscaleCount { expected: usize, got: usize },
    /// A precomputed-kernel sample whose column 0 is not a training sample's number.
    #[error(
        "sample {}: a precomputed kernel needs column 0 to hold the sample's number 1..={max} (LIBSVM's `0:i`), found {value}",
        row + 1
    )]
    PrecomputedId { row: usize, value: f64, max: usize },
    /// A precomputed kernel inside a sum, product, scaling or normalisation.
    #[error("a precomputed kernel cannot be combined with other kernels; combine the values before writing them")]
    NestedPrecomputed,
    /// A sum or product with no terms.
    #[error("a kernel {0} needs at least one term")]
    EmptyComposite(&'static str),
}
