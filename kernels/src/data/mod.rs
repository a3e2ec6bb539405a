//! Vector samples: dense or sparse rows, with cached squared norms.

mod csc;
mod dense;
mod sparse;

pub use csc::CscIndex;
pub use dense::DenseMatrix;
pub use sparse::SparseMatrix;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DataError;
use crate::kernel::Samples;

/// One sample of a [`DataSet`].
#[derive(Clone, Copy, Debug)]
pub enum Row<'a> {
    /// All `d` values.
    Dense(&'a [f64]),
    /// Sorted 0-based indices and their values; absent entries are zero.
    Sparse(&'a [u32], &'a [f64]),
}

/// How a [`DataSet`] stores its rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Storage {
    /// Row-major dense values.
    Dense(DenseMatrix),
    /// Compressed sparse rows.
    Sparse(SparseMatrix),
}

/// Vector samples bound for a kernel: dense or sparse rows plus each row's
/// squared Euclidean norm, computed once so that distance kernels can use
/// `‖x − y‖² = ‖x‖² + ‖y‖² − 2⟨x, y⟩`.
///
/// ```
/// use kern_kernels::{DataSet, DenseMatrix};
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![3.0, 4.0]]).unwrap());
/// assert_eq!(x.sq_norms(), &[25.0]);
/// ```
#[derive(Clone, Debug)]
pub struct DataSet {
    storage: Storage,
    sq_norms: Vec<f64>,
    /// Built on first use by kernel rows of sparse data (derived, never saved).
    csc: std::sync::OnceLock<CscIndex>,
    /// Dense values feature by feature (`d × n`), built on first use by
    /// kernel rows of narrow dense data (derived, never saved).
    feature_major: std::sync::OnceLock<Vec<f64>>,
}

impl PartialEq for DataSet {
    fn eq(&self, other: &Self) -> bool {
        self.storage == other.storage
    }
}

impl DataSet {
    /// Wraps a storage and computes the row norms.
    pub fn new(storage: Storage) -> Self {
        let n = match &storage {
            Storage::Dense(m) => m.n_rows(),
            Storage::Sparse(m) => m.n_rows(),
        };
        let mut data = Self {
            storage,
            sq_norms: Vec::with_capacity(n),
            csc: Default::default(),
            feature_major: Default::default(),
        };
        data.sq_norms = (0..n).map(|i| data.row(i).sq_norm()).collect();
        data
    }

    /// The storage, given back (the norms and indices derived from it dropped).
    pub fn into_storage(self) -> Storage {
        self.storage
    }

    /// Number of samples.
    pub fn n_samples(&self) -> usize {
        self.sq_norms.len()
    }

    /// Number of features (the width every row is read at).
    pub fn n_features(&self) -> usize {
        match &self.storage {
            Storage::Dense(m) => m.n_cols(),
            Storage::Sparse(m) => m.n_cols(),
        }
    }

    /// Sample `i`.
    pub fn row(&self, i: usize) -> Row<'_> {
        match &self.storage {
            Storage::Dense(m) => Row::Dense(m.row(i)),
            Storage::Sparse(m) => {
                let (idx, val) = m.row(i);
                Row::Sparse(idx, val)
            }
        }
    }

    /// `‖x_i‖²` for every sample.
    pub fn sq_norms(&self) -> &[f64] {
        &self.sq_norms
    }

    /// The underlying storage.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The feature-major index of sparse rows (built once, on first call).
    pub fn csc(&self) -> Option<&CscIndex> {
        match &self.storage {
            Storage::Sparse(m) => Some(self.csc.get_or_init(|| CscIndex::new(m))),
            Storage::Dense(_) => None,
        }
    }

    /// Dense values feature by feature: feature `k` of sample `i` at
    /// `k · n + i` (built once, on first call; `None` for sparse data).
    pub fn feature_major(&self) -> Option<&[f64]> {
        match &self.storage {
            Storage::Dense(m) => Some(self.feature_major.get_or_init(|| {
                let (n, d) = (m.n_rows(), m.n_cols());
                let mut out = vec![0.0; n * d];
                for (i, row) in m.values().chunks_exact(d.max(1)).enumerate() {
                    for (k, &v) in row.iter().enumerate() {
                        out[k * n + i] = v;
                    }
                }
                out
            })),
            Storage::Sparse(_) => None,
        }
    }

    /// Whether the rows are stored sparse.
    pub fn is_sparse(&self) -> bool {
        matches!(self.storage, Storage::Sparse(_))
    }

    /// Number of stored values (`n·d` when dense).
    pub fn stored_values(&self) -> usize {
        match &self.storage {
            Storage::Dense(m) => m.values().len(),
            Storage::Sparse(m) => m.nnz(),
        }
    }

    /// The samples at `rows`, in that order, in the same storage.
    pub fn select(&self, rows: &[usize]) -> Self {
        let storage = match &self.storage {
            Storage::Dense(m) => {
                let mut values = Vec::with_capacity(rows.len() * m.n_cols());
                for &i in rows {
                    values.extend_from_slice(m.row(i));
                }
                Storage::Dense(DenseMatrix::new(rows.len(), m.n_cols(), values).expect("rows of a valid matrix"))
            }
            Storage::Sparse(m) => {
                let mut out = SparseMatrix::with_cols(m.n_cols());
                for &i in rows {
                    let (idx, val) = m.row(i);
                    out.push_row(idx, val).expect("rows of a valid matrix");
                }
                Storage::Sparse(out)
            }
        };
        Self {
            storage,
            sq_norms: rows.iter().map(|&i| self.sq_norms[i]).collect(),
            csc: Default::default(),
            feature_major: Default::default(),
        }
    }

    /// Converts sparse rows to dense ones (no-op when already dense).
    pub fn to_dense(&self) -> Self {
        match &self.storage {
            Storage::Dense(_) => self.clone(),
            Storage::Sparse(m) => {
                let d = m.n_cols();
                let mut values = vec![0.0; m.n_rows() * d];
                for i in 0..m.n_rows() {
                    let (idx, val) = m.row(i);
                    for (&j, &v) in idx.iter().zip(val) {
                        values[i * d + j as usize] = v;
                    }
                }
                let dense = DenseMatrix::new(m.n_rows(), d, values).expect("finite values");
                Self {
                    storage: Storage::Dense(dense),
                    sq_norms: self.sq_norms.clone(),
                    csc: Default::default(),
                    feature_major: Default::default(),
                }
            }
        }
    }

    /// Reads the rows at a larger width: trailing features are zero.
    /// Fails when `n_features` is smaller than the current width.
    pub fn with_n_features(mut self, n_features: usize) -> Result<Self, DataError> {
        let current = self.n_features();
        if n_features < current {
            return Err(DataError::ColumnOutOfRange { row: 0, col: current - 1, n_cols: n_features });
        }
        if n_features > current {
            self.storage = match self.storage {
                Storage::Dense(m) => Storage::Dense(m.widen(n_features)),
                Storage::Sparse(mut m) => {
                    m.set_n_cols(n_features)?;
                    Storage::Sparse(m)
                }
            };
        }
        Ok(self)
    }
}

impl From<DenseMatrix> for DataSet {
    fn from(m: DenseMatrix) -> Self {
        Self::new(Storage::Dense(m))
    }
}

impl From<SparseMatrix> for DataSet {
    fn from(m: SparseMatrix) -> Self {
        Self::new(Storage::Sparse(m))
    }
}

impl Samples for DataSet {
    fn len(&self) -> usize {
        self.n_samples()
    }
}

// Only the storage is written; the norms are derived and recomputed on load.
impl Serialize for DataSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.storage.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DataSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let storage = Storage::deserialize(deserializer)?;
        let ok = match &storage {
            Storage::Dense(m) => {
                m.values().len() == m.n_rows() * m.n_cols() && m.values().iter().all(|v| v.is_finite())
            }
            Storage::Sparse(m) => m.is_well_formed(),
        };
        if !ok {
            return Err(serde::de::Error::custom("malformed sample matrix"));
        }
        Ok(Self::new(storage))
    }
}

impl Row<'_> {
    /// `x_j` (0 beyond the stored width or where a sparse row has no entry).
    pub fn value_at(&self, j: usize) -> f64 {
        match *self {
            Row::Dense(v) => v.get(j).copied().unwrap_or(0.0),
            Row::Sparse(idx, v) => u32::try_from(j).ok().and_then(|j| idx.binary_search(&j).ok()).map_or(0.0, |p| v[p]),
        }
    }

    /// `‖x‖²`.
    pub fn sq_norm(&self) -> f64 {
        self.values().iter().map(|v| v * v).sum()
    }

    /// The stored values (all of them when dense, the non-zeros when sparse).
    pub fn values(&self) -> &[f64] {
        match *self {
            Row::Dense(v) | Row::Sparse(_, v) => v,
        }
    }

    /// Calls `f(j, x_j, y_j)` for every feature `j` where either row is non-zero
    /// (every feature when both are dense), in ascending order of `j`.
    pub fn zip_with(&self, other: &Row<'_>, mut f: impl FnMut(usize, f64, f64)) {
        match (*self, *other) {
            (Row::Dense(x), Row::Dense(y)) => {
                let d = x.len().max(y.len());
                for j in 0..d {
                    f(j, x.get(j).copied().unwrap_or(0.0), y.get(j).copied().unwrap_or(0.0));
                }
            }
            (Row::Dense(x), Row::Sparse(iy, vy)) => zip_dense_sparse(x, iy, vy, &mut f),
            (Row::Sparse(ix, vx), Row::Dense(y)) => zip_dense_sparse(y, ix, vx, |j, y, x| f(j, x, y)),
            (Row::Sparse(ix, vx), Row::Sparse(iy, vy)) => {
                let (mut a, mut b) = (0, 0);
                while a < ix.len() || b < iy.len() {
                    let ja = ix.get(a).copied().unwrap_or(u32::MAX);
                    let jb = iy.get(b).copied().unwrap_or(u32::MAX);
                    if a < ix.len() && (b >= iy.len() || ja < jb) {
                        f(ja as usize, vx[a], 0.0);
                        a += 1;
                    } else if b < iy.len() && (a >= ix.len() || jb < ja) {
                        f(jb as usize, 0.0, vy[b]);
                        b += 1;
                    } else {
                        f(ja as usize, vx[a], vy[b]);
                        a += 1;
                        b += 1;
                    }
                }
            }
        }
    }

    /// `⟨x, y⟩`.
    pub fn dot(&self, other: &Row<'_>) -> f64 {
        if let (Row::Dense(x), Row::Dense(y)) = (self, other) {
            if x.len() == y.len() {
                return x.iter().zip(*y).fold(0.0, |s, (a, b)| s + a * b);
            }
        }
        let mut s = 0.0;
        self.zip_with(other, |_, x, y| s += x * y);
        s
    }

    /// `‖x − y‖²`, summed from the differences (no cancellation).
    pub fn sq_distance(&self, other: &Row<'_>) -> f64 {
        // The common case without the general walk (same sum, same order).
        if let (Row::Dense(x), Row::Dense(y)) = (self, other) {
            if x.len() == y.len() {
                return x.iter().zip(*y).fold(0.0, |s, (a, b)| s + (a - b) * (a - b));
            }
        }
        let mut s = 0.0;
        self.zip_with(other, |_, x, y| s += (x - y) * (x - y));
        s
    }

    /// `Σ_j w_j (x_j − y_j)²`.
    pub fn weighted_sq_distance(&self, other: &Row<'_>, weights: &[f64]) -> f64 {
        let mut s = 0.0;
        self.zip_with(other, |j, x, y| s += weights[j] * (x - y) * (x - y));
        s
    }

    /// `‖x − y‖₁`.
    pub fn l1_distance(&self, other: &Row<'_>) -> f64 {
        if let (Row::Dense(x), Row::Dense(y)) = (self, other) {
            if x.len() == y.len() {
                return x.iter().zip(*y).fold(0.0, |s, (a, b)| s + (a - b).abs());
            }
        }
        let mut s = 0.0;
        self.zip_with(other, |_, x, y| s += (x - y).abs());
        s
    }
}

/// Calls `f(j, x_j, y_j)` over the union of a dense row and a sparse row.
fn zip_dense_sparse(x: &[f64], iy: &[u32], vy: &[f64], mut f: impl FnMut(usize, f64, f64)) {
    let mut k = 0;
    for (j, &xj) in x.iter().enumerate() {
        let yj = if k < iy.len() && iy[k] as usize == j {
            k += 1;
            vy[k - 1]
        } else {
            0.0
        };
        f(j, xj, yj);
    }
    for (&j, &yj) in iy[k..].iter().zip(&vy[k..]) {
        f(j as usize, 0.0, yj);
    }
}
