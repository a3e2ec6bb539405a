//! Per-sample weights as the solvers take them: one positive, finite
//! weight per sample (the engine leaves out samples of weight zero first).

use crate::SolverError;
use crate::gp::GpError;

const REASON: &str = "must be positive and finite (leave samples of weight 0 out)";

/// What is wrong with a set of sample weights.
enum Fault {
    /// Not one weight per sample.
    Count(usize),
    /// A weight that is zero, negative, NaN or infinite.
    Value(f64),
}

fn fault(weights: &[f64], n: usize) -> Option<Fault> {
    if weights.len() != n {
        return Some(Fault::Count(weights.len()));
    }
    weights.iter().find(|w| !(w.is_finite() && **w > 0.0)).map(|&w| Fault::Value(w))
}

/// Checks that `weights` holds one positive, finite weight per sample.
pub(crate) fn check_sample_weights(weights: &[f64], n: usize) -> Result<(), SolverError> {
    match fault(weights, n) {
        Some(Fault::Count(got)) => Err(SolverError::DimensionMismatch { what: "sample weights", expected: n, got }),
        Some(Fault::Value(value)) => {
            Err(SolverError::InvalidParameter { name: "sample weight", value, reason: REASON })
        }
        None => Ok(()),
    }
}

/// [`check_sample_weights`] for a GP.
pub(crate) fn check_gp_weights(weights: &[f64], n: usize) -> Result<(), GpError> {
    match fault(weights, n) {
        Some(Fault::Count(got)) => Err(GpError::DimensionMismatch { what: "sample weights", expected: n, got }),
        Some(Fault::Value(value)) => Err(GpError::InvalidParameter { name: "sample weight", value, reason: REASON }),
        None => Ok(()),
    }
}
