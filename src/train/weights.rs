//! Per-sample weights, checked once: one per sample, each non-negative and
//! finite, not all zero; samples of weight zero are left out before any
//! solver sees them (LIBSVM's instance-weight version and scikit-learn do
//! the same), so the solvers take positive weights only.

use std::path::Path;

use crate::error::{DataErrorKind, Error, Result};
use crate::io::Data;

/// `data` without its samples of weight zero, or `None` when it has none
/// (its weights checked either way): the fit, and a search's folds, fits
/// and scores, see positive weights only.
pub(crate) fn without_zero_weights(data: &Data) -> Result<Option<Data>> {
    let Some(weights) = &data.weights else { return Ok(None) };
    check_weights(weights, data.x.len(), &data.file)?;
    let Some(rows) = positive(weights) else { return Ok(None) };
    Ok(Some(data.select(&rows)))
}

/// Checks the weights of `n` samples and keeps the positive ones: the rows
/// kept (`None`: all) and their weights.
pub fn positive_rows(weights: Vec<f64>, n: usize, file: &Path) -> Result<(Option<Vec<usize>>, Vec<f64>)> {
    check_weights(&weights, n, file)?;
    match positive(&weights) {
        None => Ok((None, weights)),
        Some(rows) => {
            let kept = rows.iter().map(|&i| weights[i]).collect();
            Ok((Some(rows), kept))
        }
    }
}

/// The rows of positive weight, `None` when that is every row.
fn positive(weights: &[f64]) -> Option<Vec<usize>> {
    (!weights.iter().all(|&w| w > 0.0)).then(|| (0..weights.len()).filter(|&i| weights[i] > 0.0).collect())
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
