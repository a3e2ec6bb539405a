//! Per-sample weights as the solvers take them: one positive, finite
//! weight per sample (the engine leaves out samples of weight zero first).

use crate::SolverError;

/// Checks that `weights` holds one positive, finite weight per sample.
pub(crate) fn check_sample_weights(weights: &[f64], n: usize) -> Result<(), SolverError> {
    if weights.len() != n {
        return Err(SolverError::DimensionMismatch { what: "sample weights", expected: n, got: weights.len() });
    }
    match weights.iter().find(|w| !(w.is_finite() && **w > 0.0)) {
        Some(&value) => {
            Err(SolverError::InvalidParameter { name: "sample weight", value, reason: "must be positive and finite" })
        }
        None => Ok(()),
    }
}
