//! The Gram-provider seam: solvers ask for blocks of K, never single pairs.

mod shared;
pub mod tiles;

pub use shared::{GramRows, SharedGram};

use faer::{Mat, MatMut, Par};

use crate::kernel::{Kernel, Samples};

/// Blocks of a kernel matrix `K(X, X)` over a fixed set of `n` samples.
///
/// One trait, several providers (exact on the CPU, cached, precomputed,
/// low-rank, GPU); every solver is written once against it.
pub trait GramProvider: Sync {
    /// Number of samples `n`.
    fn n(&self) -> usize;

    /// Fills `out[(r, c)] = K[rows[r], cols[c]]`.
    fn block(&self, rows: &[usize], cols: &[usize], out: MatMut<'_, f64>);

    /// Fills `out[r] = K[rows[r], rows[r]]`.
    fn diagonal(&self, rows: &[usize], out: &mut [f64]);

    /// The parallelism this provider computes with; solvers use it for
    /// their own O(n) loops too.
    fn par(&self) -> Par {
        Par::Seq
    }

    /// The parallelism one row of `len` columns is computed with; solvers
    /// that walk rows (SMO) split their loops over a row the same way.
    fn row_par(&self, len: usize) -> Par {
        let _ = len;
        self.par()
    }

    /// Rows of `K[·, cols]` for a column list that many rows will share
    /// (SMO's active set between two shrinking steps), from a compact copy
    /// of those samples; `None` where this provider has nothing faster than
    /// [`block`](Self::block). Its rows equal `block`'s to the bit.
    fn columns(&self, cols: &[usize]) -> Option<Box<dyn ColumnView + '_>> {
        let _ = cols;
        None
    }

    /// The whole `n × n` matrix.
    fn full(&self) -> Mat<f64> {
        let all: Vec<usize> = (0..self.n()).collect();
        let mut k = Mat::zeros(all.len(), all.len());
        self.block(&all, &all, k.as_mut());
        k
    }
}

/// `K[·, cols]` for a fixed column list (see [`GramProvider::columns`]).
///
/// ```
/// use faer::{Mat, Par};
/// use kern_kernels::{DataSet, DenseMatrix, ExactGram, GramProvider, VectorKernel};
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0], vec![3.0]]).unwrap());
/// let k = VectorKernel::Rbf { gamma: 0.5 };
/// let gram = ExactGram::new(&k, &x, Par::Seq);
/// let view = gram.columns(&[2, 0]).expect("narrow dense data");
/// let mut row = [0.0; 2];
/// view.row(1, 0..2, &mut row);
/// let mut block = Mat::zeros(1, 2);
/// gram.block(&[1], &[2, 0], block.as_mut());
/// assert_eq!(row, [block[(0, 0)], block[(0, 1)]]);
/// ```
pub trait ColumnView: Sync {
    /// Fills `out[c] = K[row, cols[range.start + c]]`.
    fn row(&self, row: usize, range: std::ops::Range<usize>, out: &mut [f64]);
}

/// A kernel bound to its samples, computed exactly on the CPU.
///
/// ```
/// use faer::Par;
/// use kern_kernels::{DataSet, DenseMatrix, ExactGram, GramProvider, VectorKernel};
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![2.0]]).unwrap());
/// let gram = ExactGram::new(&VectorKernel::Linear, &x, Par::Seq);
/// assert_eq!(gram.full()[(1, 1)], 4.0);
/// ```
pub struct ExactGram<'a, K: ?Sized, S: ?Sized> {
    kernel: &'a K,
    samples: &'a S,
    par: Par,
}

impl<'a, K: ?Sized, S: ?Sized> ExactGram<'a, K, S> {
    /// Binds `kernel` to `samples`; blocks are computed with parallelism `par`.
    pub fn new(kernel: &'a K, samples: &'a S, par: Par) -> Self {
        Self { kernel, samples, par }
    }
}

impl<K: Kernel<S> + ?Sized, S: Samples + ?Sized> GramProvider for ExactGram<'_, K, S> {
    fn n(&self) -> usize {
        self.samples.len()
    }

    fn block(&self, rows: &[usize], cols: &[usize], out: MatMut<'_, f64>) {
        self.kernel.block(self.samples, rows, self.samples, cols, out, self.par);
    }

    fn diagonal(&self, rows: &[usize], out: &mut [f64]) {
        self.kernel.diagonal(self.samples, rows, out);
    }

    fn par(&self) -> Par {
        self.par
    }

    fn row_par(&self, len: usize) -> Par {
        self.kernel.row_par(self.samples, len, self.par)
    }

    fn columns(&self, cols: &[usize]) -> Option<Box<dyn ColumnView + '_>> {
        self.kernel.columns(self.samples, cols, self.par)
    }
}

/// `K(X, X)` for all samples of `x`.
pub fn gram_matrix<K: Kernel<S> + ?Sized, S: Samples + ?Sized>(kernel: &K, x: &S, par: Par) -> Mat<f64> {
    ExactGram::new(kernel, x, par).full()
}

/// `K(test, train)`: one row per test sample, one column per training sample.
pub fn cross_gram<K: Kernel<S> + ?Sized, S: Samples + ?Sized>(kernel: &K, test: &S, train: &S, par: Par) -> Mat<f64> {
    let rows: Vec<usize> = (0..test.len()).collect();
    let cols: Vec<usize> = (0..train.len()).collect();
    let mut k = Mat::zeros(rows.len(), cols.len());
    kernel.block(test, &rows, train, &cols, k.as_mut(), par);
    k
}
