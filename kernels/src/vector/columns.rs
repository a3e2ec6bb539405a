//! Kernel rows over a fixed list of columns from a compact copy of them.
//!
//! SMO asks for thousands of rows over the same active set between two
//! shrinking steps. A row of narrow dense data computes its inner products
//! with every sample through the feature-major copy of all the data, so it
//! streams `n · d` values even when a third of the samples are active. Here
//! the active samples are copied once, feature-major in the columns' order,
//! and each row streams only them. Every product sums in feature order, as
//! in [`row`](super::row), so the rows equal [`block`](crate::Kernel::block)'s
//! to the bit.

use std::borrow::Cow;
use std::ops::Range;

use faer::{MatMut, Par};

use super::VectorKernel;
use super::block::row_par;
use super::indexed::NARROW;
use super::row::{Columns, FeatureMajor, Source, all_products_pay};
use crate::data::{DataSet, DenseMatrix, Storage};
use crate::gram::ColumnView;
use crate::kernel::Kernel;

/// `K[·, cols]` of a distance kernel over narrow dense data.
pub(super) struct CopiedColumns<'a> {
    kernel: &'a VectorKernel,
    data: &'a DataSet,
    m: &'a DenseMatrix,
    cols: Vec<usize>,
    /// `data[cols]` feature-major: feature `k` of column `c` at `k · len + c`
    /// (the data's own copy when the columns are all the samples in order).
    copy: Cow<'a, [f64]>,
    /// `‖x‖²` of each column.
    norms: Cow<'a, [f64]>,
    /// Each sample's position among the columns (`usize::MAX`: not one).
    position_of: Vec<usize>,
    par: Par,
}

impl<'a> CopiedColumns<'a> {
    /// The view of `data[cols]`, or `None` when rows would not read a
    /// feature-major copy (wide or sparse data, kernels other than RBF and
    /// Matérn).
    pub(super) fn new(kernel: &'a VectorKernel, data: &'a DataSet, cols: &[usize], par: Par) -> Option<Self> {
        let Storage::Dense(m) = data.storage() else { return None };
        let distance = matches!(
            kernel,
            VectorKernel::Rbf { .. }
                | VectorKernel::Matern12 { .. }
                | VectorKernel::Matern32 { .. }
                | VectorKernel::Matern52 { .. }
        );
        if !distance || m.n_cols() > NARROW || cols.len() < 2 {
            return None;
        }
        let (len, d) = (cols.len(), m.n_cols());
        let (copy, norms) = if cols.iter().enumerate().all(|(c, &j)| c == j) && len == data.n_samples() {
            (Cow::Borrowed(data.feature_major().expect("dense data")), Cow::Borrowed(data.sq_norms()))
        } else {
            let mut copy = vec![0.0; len * d];
            for (c, &j) in cols.iter().enumerate() {
                for (k, &v) in m.row(j).iter().enumerate() {
                    copy[k * len + c] = v;
                }
            }
            (Cow::Owned(copy), cols.iter().map(|&j| data.sq_norms()[j]).collect())
        };
        let mut position_of = vec![usize::MAX; data.n_samples()];
        cols.iter().enumerate().for_each(|(c, &j)| position_of[j] = c);
        Some(Self { kernel, data, m, cols: cols.to_vec(), copy, norms, position_of, par })
    }
}

impl ColumnView for CopiedColumns<'_> {
    fn row(&self, row: usize, range: Range<usize>, out: &mut [f64]) {
        let cols = &self.cols[range.clone()];
        // A row the tiled path would compute column by column: so here too.
        if !all_products_pay(cols.len(), self.data.n_samples()) {
            let out = MatMut::from_row_major_slice_mut(out, 1, cols.len());
            return self.kernel.block(self.data, &[row], self.data, cols, out, self.par);
        }
        let copy = FeatureMajor { fm: &self.copy, n: self.cols.len(), first: range.start };
        let itself = range.contains(&self.position_of[row]).then(|| self.position_of[row] - range.start);
        let (norms, ny) = (&self.norms[range.clone()], self.data.sq_norms()[row]);
        let source = Source::copied(self.m, (row, ny), copy, (norms, itself));
        let par = row_par(self.data, cols.len(), self.par);
        let done = source.apply(self.kernel, Columns::Run(0..cols.len()), out, par);
        debug_assert!(done, "a distance kernel");
    }
}

#[cfg(test)]
mod tests {
    use faer::{Mat, Par};

    use crate::data::{DataSet, DenseMatrix, SparseMatrix};
    use crate::kernel::Kernel;
    use crate::vector::VectorKernel;

    fn uniform_data(n: usize, d: usize, seed: u64) -> DataSet {
        let mut state = seed;
        let values = (0..n * d)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect();
        DataSet::from(DenseMatrix::new(n, d, values).unwrap())
    }

    /// A view's rows equal `block`'s, bit for bit: every distance kernel,
    /// the columns all samples in order (the data's own copy) or a shuffled
    /// subset, whole or a tail short enough to take the per-column path,
    /// the row among the columns or not, one thread or two.
    #[test]
    fn a_views_rows_equal_blocks_to_the_bit() {
        let n = 24_000;
        let x = uniform_data(n, 7, 11);
        let kernels = [
            VectorKernel::Rbf { gamma: 2.0 },
            VectorKernel::Matern12 { lengthscale: 0.7 },
            VectorKernel::Matern32 { lengthscale: 0.7 },
            VectorKernel::Matern52 { lengthscale: 0.7 },
        ];
        let every: Vec<usize> = (0..n).collect();
        // A permutation of two thirds of the samples, as shrinking leaves them.
        let mut shuffled: Vec<usize> = (0..n).filter(|i| i % 3 != 1).collect();
        for k in (1..shuffled.len()).rev() {
            shuffled.swap(k, (k * 7919 + 13) % (k + 1));
        }
        for kernel in &kernels {
            for cols in [&every, &shuffled] {
                for par in [Par::Seq, Par::rayon(2)] {
                    let view = kernel.columns(&x, cols, par).expect("narrow dense data");
                    let len = cols.len();
                    // Whole, a long tail, and a tail of fewer than n / 8 columns.
                    for range in [0..len, 1000..len, len - 2000..len] {
                        for row in [cols[5], cols[len - 1], 1] {
                            let mut got = vec![0.0; range.len()];
                            view.row(row, range.clone(), &mut got);
                            let mut want = Mat::zeros(1, range.len());
                            kernel.block(&x, &[row], &x, &cols[range.clone()], want.as_mut(), par);
                            for (c, g) in got.iter().enumerate() {
                                assert_eq!(g.to_bits(), want[(0, c)].to_bits(), "{kernel:?} {range:?} row {row}, {c}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn no_view_where_rows_read_no_feature_major_copy() {
        let cols: Vec<usize> = (0..100).collect();
        let wide = uniform_data(100, 40, 3);
        assert!(VectorKernel::Rbf { gamma: 1.0 }.columns(&wide, &cols, Par::Seq).is_none());
        let narrow = uniform_data(100, 4, 3);
        assert!(VectorKernel::Linear.columns(&narrow, &cols, Par::Seq).is_none());
        assert!(VectorKernel::Rbf { gamma: 1.0 }.columns(&narrow, &cols, Par::Seq).is_some());
        let mut sparse = SparseMatrix::with_cols(4);
        (0..100).for_each(|i| sparse.push_row(&[(i % 4) as u32], &[1.0]).unwrap());
        assert!(VectorKernel::Rbf { gamma: 1.0 }.columns(&DataSet::from(sparse), &cols, Par::Seq).is_none());
    }
}
