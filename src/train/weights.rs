//! Per-sample weights, checked once: one per sample, each non-negative and
//! finite, not all zero; samples of weight zero are left out before any
//! solver sees them (LIBSVM's instance-weight version and scikit-learn do
//! the same), so the solvers take positive weights only.

use std::path::Path;

use crate::error::{DataErrorKind, Error, Result};
use crate::io::{Inputs, Labels};

/// Samples, their labels and their weights, zero-weight samples left out.
pub(crate) type Weighed = (Inputs, Option<Labels>, Option<Vec<f64>>);

/// Checks `weights` for `x` (read from `file`) and leaves out the samples
/// of weight zero.
pub(crate) fn keep_weighed(
    x: Inputs,
    labels: Option<Labels>,
    weights: Option<Vec<f64>>,
    file: &Path,
) -> Result<Weighed> {
    let Some(weights) = weights else { return Ok((x, labels, None)) };
    match positive_rows(weights, x.len(), file)? {
        (None, weights) => Ok((x, labels, Some(weights))),
        (Some(rows), weights) => Ok((x.select(&rows), labels.map(|l| l.select(&rows)), Some(weights))),
    }
}

/// Checks the weights of `n` samples and keeps the positive ones: the rows
/// kept (`None`: all) and their weights.
pub fn positive_rows(weights: Vec<f64>, n: usize, file: &Path) -> Result<(Option<Vec<usize>>, Vec<f64>)> {
    check_weights(&weights, n, file)?;
    if weights.iter().all(|&w| w > 0.0) {
        return Ok((None, weights));
    }
    let rows: Vec<usize> = (0..n).filter(|&i| weights[i] > 0.0).collect();
    let kept = rows.iter().map(|&i| weights[i]).collect();
    Ok((Some(rows), kept))
}

/// One weight per sample, each non-negative and finite, not all zero; the
/// error names the first bad row (1-based).
pub fn check_weights(weights: &[f64], n: usize, file: &Path) -> Result<()> {
    let data = |kind| Err(Error::Data { file: file.to_path_buf(), kind });
    if weights.len() != n {
        return data(DataErrorKind::CountMismatch { what: "sample weights", got: weights.len(), expected: n });
    }
    if let Some(i) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
        return data(DataErrorKind::BadWeight { row: i + 1, value: weights[i] });
    }
    if weights.iter().all(|&w| w == 0.0) {
        return data(DataErrorKind::AllWeightsZero);
    }
    Ok(())
}
