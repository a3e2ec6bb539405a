//! Sparse rows in compressed sparse row (CSR) form.

use serde::{Deserialize, Serialize};

use crate::error::DataError;

/// An `n × d` matrix of samples whose rows hold sorted `(index, value)` pairs.
///
/// Indices are 0-based and strictly ascending within a row; `d` may be far
/// larger than any row's length (a LibSVM file with index 4,000,000,000 is a
/// valid, small sparse matrix).
///
/// ```
/// use kern_kernels::SparseMatrix;
/// let mut x = SparseMatrix::with_cols(10);
/// x.push_row(&[0, 7], &[1.5, -2.0]).unwrap();
/// x.push_row(&[], &[]).unwrap();
/// assert_eq!(x.n_rows(), 2);
/// assert_eq!(x.row(0), (&[0u32, 7][..], &[1.5, -2.0][..]));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SparseMatrix {
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
}

impl SparseMatrix {
    /// An empty matrix with `n_cols` columns and no rows.
    pub fn with_cols(n_cols: usize) -> Self {
        Self { n_cols, indptr: vec![0], indices: Vec::new(), values: Vec::new() }
    }

    /// Appends a row; indices must be strictly ascending and below `n_cols`,
    /// values finite. Explicit zeros are dropped.
    pub fn push_row(&mut self, indices: &[u32], values: &[f64]) -> Result<(), DataError> {
        let row = self.n_rows();
        if indices.len() != values.len() {
            return Err(DataError::Shape { expected: indices.len(), got: values.len() });
        }
        let mut previous: Option<u32> = None;
        for (&j, &v) in indices.iter().zip(values) {
            if previous.is_some_and(|p| j <= p) {
                return Err(DataError::Unsorted { row, col: j as usize });
            }
            if j as usize >= self.n_cols {
                return Err(DataError::ColumnOutOfRange { row, col: j as usize, n_cols: self.n_cols });
            }
            if !v.is_finite() {
                return Err(DataError::NotFinite { row, col: j as usize });
            }
            previous = Some(j);
            if v != 0.0 {
                self.indices.push(j);
                self.values.push(v);
            }
        }
        self.indptr.push(self.indices.len());
        Ok(())
    }

    /// Number of rows (samples).
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns (features).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// Row `i` as `(indices, values)`.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (start, end) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[start..end], &self.values[start..end])
    }

    /// Sets the number of columns; it may only grow.
    pub fn set_n_cols(&mut self, n_cols: usize) -> Result<(), DataError> {
        if n_cols < self.n_cols {
            let col = self.indices.iter().copied().max().unwrap_or(0) as usize;
            return Err(DataError::ColumnOutOfRange { row: 0, col, n_cols });
        }
        self.n_cols = n_cols;
        Ok(())
    }

    /// Shrinks the column count to one past the largest stored index.
    pub fn fit_n_cols(&mut self) {
        self.n_cols = self.indices.iter().map(|&j| j as usize + 1).max().unwrap_or(0);
    }

    /// Whether each row's indices are strictly ascending and in range
    /// (checked after deserialisation).
    pub(crate) fn is_well_formed(&self) -> bool {
        self.indptr.first() == Some(&0)
            && self.indptr.windows(2).all(|w| w[0] <= w[1])
            && self.indptr.last() == Some(&self.indices.len())
            && self.indices.len() == self.values.len()
            && (0..self.n_rows()).all(|i| {
                let (idx, _) = self.row(i);
                idx.windows(2).all(|w| w[0] < w[1]) && idx.last().is_none_or(|&j| (j as usize) < self.n_cols)
            })
            && self.values.iter().all(|v| v.is_finite())
    }
}
