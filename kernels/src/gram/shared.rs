//! One Gram matrix computed once and read by many fits: samples are row
//! numbers of it, and the kernel looks entries up. A grid search shares one
//! matrix per kernel setting across every fold and every C, ν or α.

use faer::{MatMut, MatRef, Par};

use crate::kernel::{Kernel, Samples};

/// Samples named by their row in a precomputed Gram matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GramRows(pub Vec<usize>);

impl Samples for GramRows {
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl GramRows {
    /// The rows `0..n`.
    pub fn all(n: usize) -> Self {
        GramRows((0..n).collect())
    }

    /// The samples at `rows` (positions in this collection).
    pub fn select(&self, rows: &[usize]) -> Self {
        GramRows(rows.iter().map(|&i| self.0[i]).collect())
    }
}

/// The kernel whose values are the entries of a precomputed Gram matrix.
///
/// ```
/// use faer::{Mat, Par};
/// use kern_kernels::{DataSet, DenseMatrix, GramRows, Kernel, SharedGram, VectorKernel, gram_matrix};
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0], vec![3.0]]).unwrap());
/// let rbf = VectorKernel::Rbf { gamma: 0.5 };
/// let k = gram_matrix(&rbf, &x, Par::Seq);
/// let shared = SharedGram::new(k.as_ref());
/// let (a, b) = (GramRows(vec![2, 0]), GramRows::all(3));
/// assert_eq!(shared.eval(&a, 0, &b, 1), rbf.eval(&x, 2, &x, 1));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SharedGram<'a> {
    gram: MatRef<'a, f64>,
}

impl<'a> SharedGram<'a> {
    /// Reads entries of `gram`, square and symmetric (as a Gram matrix is).
    pub fn new(gram: MatRef<'a, f64>) -> Self {
        assert_eq!(gram.nrows(), gram.ncols(), "a Gram matrix is square");
        Self { gram }
    }

    /// Column `k` (row `k`, by symmetry) as a slice.
    fn column(&self, k: usize) -> &'a [f64] {
        let column = self.gram.col(k);
        column.try_as_col_major().map(|c| c.as_slice()).unwrap_or_else(|| panic!("a column-major Gram matrix"))
    }
}

impl Kernel<GramRows> for SharedGram<'_> {
    fn eval(&self, a: &GramRows, i: usize, b: &GramRows, j: usize) -> f64 {
        self.gram[(a.0[i], b.0[j])]
    }

    /// A gather along contiguous columns of the matrix: a short block (an
    /// SMO row) reads row `i` as column `i`, by symmetry.
    fn block(&self, a: &GramRows, rows: &[usize], b: &GramRows, cols: &[usize], mut out: MatMut<'_, f64>, _: Par) {
        if rows.len() <= cols.len() {
            for (r, &i) in rows.iter().enumerate() {
                let column = self.column(a.0[i]);
                out.as_mut().row_mut(r).iter_mut().zip(cols).for_each(|(o, &j)| *o = column[b.0[j]]);
            }
        } else {
            for (c, &j) in cols.iter().enumerate() {
                let column = self.column(b.0[j]);
                out.as_mut().col_mut(c).iter_mut().zip(rows).for_each(|(o, &i)| *o = column[a.0[i]]);
            }
        }
    }

    fn diagonal(&self, a: &GramRows, rows: &[usize], out: &mut [f64]) {
        for (o, &i) in out.iter_mut().zip(rows) {
            *o = self.gram[(a.0[i], a.0[i])];
        }
    }
}
