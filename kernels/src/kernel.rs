//! The `Kernel` trait: a positive (semi-)definite function evaluated on a set
//! of samples, one pair at a time or one block at a time.

use faer::{Mat, MatMut, MatRef, Par};

use crate::gram::tiles::fill_tiles;

/// A collection of samples a kernel is evaluated on (vector rows, strings,
/// graphs). Kernels address samples by index so that a block of K can use
/// whatever the collection precomputed (norms, feature maps).
pub trait Samples: Sync {
    /// Number of samples.
    fn len(&self) -> usize;

    /// Whether there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A kernel function over the samples of `S`.
///
/// Solvers never call [`Kernel::eval`] in their inner loops: they ask for
/// blocks, which implementations compute in parallel tiles (vector kernels
/// through one GEMM per tile).
///
/// ```
/// use faer::{Mat, Par};
/// use kern_kernels::{DataSet, DenseMatrix, Kernel, VectorKernel};
///
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0], vec![3.0]]).unwrap());
/// let k = VectorKernel::Rbf { gamma: 0.5 };
/// let mut block = Mat::zeros(2, 3);
/// k.block(&x, &[0, 2], &x, &[0, 1, 2], block.as_mut(), Par::Seq);
/// assert!((block[(0, 1)] - (-0.5f64).exp()).abs() < 1e-15);
/// assert_eq!(block[(1, 2)], 1.0);
/// ```
pub trait Kernel<S: Samples + ?Sized>: Send + Sync {
    /// `k(a_i, b_j)`.
    fn eval(&self, a: &S, i: usize, b: &S, j: usize) -> f64;

    /// Fills `out[(r, c)] = k(a[rows[r]], b[cols[c]])`.
    ///
    /// The default evaluates pairs in parallel tiles; implementations override
    /// it with something faster. `out` must be `rows.len() × cols.len()`.
    fn block(&self, a: &S, rows: &[usize], b: &S, cols: &[usize], out: MatMut<'_, f64>, par: Par) {
        let symmetric = std::ptr::addr_eq(a, b) && rows == cols;
        fill_tiles(out, symmetric, par, |rr, cc, tile| {
            for (c, &j) in cols[cc].iter().enumerate() {
                for (r, &i) in rows[rr.clone()].iter().enumerate() {
                    tile[(r, c)] = self.eval(a, i, b, j);
                }
            }
        });
    }

    /// The parallelism [`block`](Self::block) computes one row of `len`
    /// columns with, given `par`. Solvers that walk kernel rows (SMO) split
    /// their own loops over a row only when the row itself is split, so
    /// that each thread reads the half it wrote.
    fn row_par(&self, samples: &S, len: usize, par: Par) -> Par {
        let _ = (samples, len);
        par
    }

    /// Rows of `K(a, a[cols])` from a compact copy of `a[cols]`, for a
    /// column list many rows share ([`GramProvider::columns`](crate::GramProvider::columns)),
    /// or `None` where [`block`](Self::block) is as fast.
    fn columns<'s>(&'s self, a: &'s S, cols: &[usize], par: Par) -> Option<Box<dyn crate::ColumnView + 's>> {
        let _ = (a, cols, par);
        None
    }

    /// Fills `out[r] = k(a[rows[r]], a[rows[r]])`.
    fn diagonal(&self, a: &S, rows: &[usize], out: &mut [f64]) {
        for (o, &i) in out.iter_mut().zip(rows) {
            *o = self.eval(a, i, a, i);
        }
    }

    /// `product` of the whole block `K(a, b)` computed without handing the
    /// block to the caller (a GPU keeps it in device memory), or `None` when
    /// this kernel has no such path and the caller should form blocks itself.
    fn block_product(&self, a: &S, b: &S, product: BlockProduct<'_>) -> Option<Mat<f64>> {
        let _ = (a, b, product);
        None
    }

    /// The unit roundoff of the values `block` and `block_product` give:
    /// f64's, or f32's for a device computing in single precision. Solvers
    /// regularise by it (Falkon's preconditioner jitter).
    fn unit_roundoff(&self) -> f64 {
        f64::EPSILON / 2.0
    }
}

/// A product with a kernel block `K = K(a, b)` (`n × m`): what Falkon's
/// conjugate gradient needs of `K_nM` at each step.
#[derive(Clone, Copy, Debug)]
pub enum BlockProduct<'a> {
    /// `K w` for `w` of `m` rows: `n` rows.
    Times(MatRef<'a, f64>),
    /// `Kᵀ v` for `v` of `n` rows: `m` rows.
    TransposeTimes(MatRef<'a, f64>),
    /// `Kᵀ K w` for `w` of `m` rows: `m` rows.
    GramTimes(MatRef<'a, f64>),
}
