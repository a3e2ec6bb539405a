//! Typed errors of the solvers.

use kern_kernels::KernelError;
use thiserror::Error;

/// Why a solver could not fit or predict.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SolverError {
    /// A hyperparameter outside its domain.
    #[error("{name} = {value} is invalid: {reason}")]
    InvalidParameter { name: &'static str, value: f64, reason: &'static str },
    /// The kernel's own parameters are invalid.
    #[error(transparent)]
    Kernel(#[from] KernelError),
    /// Inputs of inconsistent sizes.
    #[error("{what}: expected {expected}, got {got}")]
    DimensionMismatch { what: &'static str, expected: usize, got: usize },
    /// A classifier needs at least two classes.
    #[error("only one class in the training labels: a classifier needs at least two")]
    OneClassOnly,
    /// A class with no samples.
    #[error("class {class} has no training samples")]
    EmptyClass { class: usize },
    /// ν too large for the class sizes.
    #[error("nu = {nu} is infeasible for these class sizes (nu · (n1 + n2) / 2 must not exceed min(n1, n2))")]
    InfeasibleNu { nu: f64 },
    /// No training samples.
    #[error("no training samples")]
    Empty,
    /// A checkpoint could not be kept.
    #[error("cannot write the checkpoint: {0}")]
    Checkpoint(String),
    /// A checkpoint of another system than the one being solved.
    #[error(
        "the checkpoint was written for another problem (its data, centres or options differ): it cannot be resumed here"
    )]
    CheckpointMismatch,
    /// Processes sharing the rows split a block of rows between them.
    #[error(
        "process {rank} holds {rows} rows, not whole blocks of {block}: shares must start at multiples of {block} rows"
    )]
    UnalignedShare { rank: usize, rows: usize, block: usize },
    /// A target is NaN or infinite.
    #[error("target {index} is not finite")]
    NonFiniteTarget { index: usize },
    /// The regularised kernel matrix could not be factored.
    #[error("the kernel matrix plus alpha·I is not positive definite (pivot {pivot}): {hint}")]
    NotPositiveDefinite { pivot: usize, hint: &'static str },
    /// A Gaussian process could not be fitted or evaluated.
    #[error(transparent)]
    Gp(#[from] crate::gp::GpError),
    /// An n × n matrix that cannot even be addressed.
    #[error("an exact {n} × {n} kernel matrix does not fit in memory")]
    TooLarge { n: usize },
}
