//! The interface every approximation offers: a feature map applied to
//! samples in parallel row blocks.

use faer::{Mat, MatMut, Par};
use kern_kernels::DataSet;
use rayon::prelude::*;

use crate::ApproxError;

/// Rows per block when a map is applied: fixed, so that the result is the
/// same at any thread count (each block is computed the same way).
pub(crate) const BLOCK: usize = 512;

/// A map `φ: ℝᵈ → ℝᴹ` with `φ(x)ᵀ φ(y) ≈ k(x, y)`.
pub trait FeatureMap: Send + Sync {
    /// `M`, the number of features.
    fn n_components(&self) -> usize;

    /// The number of input features the map expects.
    fn n_features(&self) -> usize;

    /// Writes `φ` of the samples `start..start + out.nrows()` of `x` into `out`.
    fn transform_block(&self, x: &DataSet, start: usize, out: MatMut<'_, f64>);

    /// `φ(X)`, one row per sample (`n × M`), computed in parallel blocks.
    fn transform(&self, x: &DataSet, par: Par) -> Result<Mat<f64>, ApproxError> {
        if x.n_features() > self.n_features() {
            return Err(ApproxError::Width { expected: self.n_features(), got: x.n_features() });
        }
        let (n, m) = (x.n_samples(), self.n_components());
        let mut out = Mat::zeros(n, m);
        let blocks: Vec<(usize, MatMut<'_, f64>)> = {
            let mut rest = out.as_mut();
            let mut v = Vec::new();
            let mut start = 0;
            while start < n {
                let rows = BLOCK.min(n - start);
                let (head, tail) = rest.split_at_row_mut(rows);
                v.push((start, head));
                rest = tail;
                start += rows;
            }
            v
        };
        if kern_kernels::is_sequential(par) {
            blocks.into_iter().for_each(|(s, b)| self.transform_block(x, s, b));
        } else {
            blocks.into_par_iter().for_each(|(s, b)| self.transform_block(x, s, b));
        }
        kern_kernels::simd::clear_upper_state();
        Ok(out)
    }
}

/// Rows `start..start + rows` of dense `x` as a row block (`rows × d`).
pub(crate) fn dense_block(x: &DataSet, start: usize, rows: usize) -> Mat<f64> {
    let mut out = Mat::zeros(rows, x.n_features());
    for r in 0..rows {
        let kern_kernels::Row::Dense(v) = x.row(start + r) else { unreachable!("dense data only") };
        v.iter().enumerate().for_each(|(j, &value)| out[(r, j)] = value);
    }
    out
}
