//! Dense rows stored row-major in one buffer.

use serde::{Deserialize, Serialize};

use crate::error::DataError;

/// An `n × d` matrix of samples, one row per sample, stored row-major.
///
/// ```
/// use kern_kernels::DenseMatrix;
/// let x = DenseMatrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
/// assert_eq!(x.row(1), &[3.0, 4.0]);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DenseMatrix {
    n_rows: usize,
    n_cols: usize,
    values: Vec<f64>,
}

impl DenseMatrix {
    /// The row-major values, given back.
    pub fn into_values(self) -> Vec<f64> {
        self.values
    }

    /// Wraps a row-major buffer of `n_rows * n_cols` finite values.
    pub fn new(n_rows: usize, n_cols: usize, values: Vec<f64>) -> Result<Self, DataError> {
        let expected =
            n_rows.checked_mul(n_cols).ok_or(DataError::Shape { expected: usize::MAX, got: values.len() })?;
        if values.len() != expected {
            return Err(DataError::Shape { expected, got: values.len() });
        }
        if let Some(pos) = values.iter().position(|v| !v.is_finite()) {
            return Err(DataError::NotFinite { row: pos / n_cols.max(1), col: pos % n_cols.max(1) });
        }
        Ok(Self { n_rows, n_cols, values })
    }

    /// Builds a matrix from equal-length rows.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, DataError> {
        let n_cols = rows.first().map_or(0, Vec::len);
        let mut values = Vec::with_capacity(rows.len() * n_cols);
        for row in rows {
            if row.len() != n_cols {
                return Err(DataError::Shape { expected: n_cols, got: row.len() });
            }
            values.extend_from_slice(row);
        }
        Self::new(rows.len(), n_cols, values)
    }

    /// Number of rows (samples).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns (features).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Row `i` as a slice of `n_cols` values.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// The row-major buffer.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Widens the matrix to `n_cols` columns by appending zero columns.
    pub(crate) fn widen(&self, n_cols: usize) -> Self {
        debug_assert!(n_cols >= self.n_cols);
        let mut values = vec![0.0; self.n_rows * n_cols];
        for i in 0..self.n_rows {
            values[i * n_cols..i * n_cols + self.n_cols].copy_from_slice(self.row(i));
        }
        Self { n_rows: self.n_rows, n_cols, values }
    }
}
