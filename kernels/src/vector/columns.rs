//! Kernel rows over a fixed list of columns from a compact copy of them.
//!
//! SMO asks for thousands of rows over the same active set between two
//! shrinking steps. A row of narrow dense data computes its inner products
//! with every sample through the feature-major copy of all the data, so it
//! streams `n · d` values even when a third of the samples are active; a
//! row of wide dense data gathers each active sample's features from
//! wherever it lies. Here the active samples are copied once, in the
//! columns' order (feature-major when narrow, row-major when wide), and each
//! row streams only them, in order. Every product sums in the order
//! [`row`](super::row) sums it, so the rows equal
//! [`block`](crate::Kernel::block)'s to the bit.

use std::borrow::Cow;
use std::ops::Range;

use faer::{MatMut, Par};

use super::VectorKernel;
use super::block::row_par;
use super::indexed::NARROW;
use super::row::{Columns, Copied, FeatureMajor, RowMajor, Source, all_products_pay, fuses};
use crate::data::{CscIndex, DataSet, DenseMatrix, Storage};
use crate::gram::ColumnView;
use crate::kernel::Kernel;

/// `K[·, cols]` of a distance kernel over dense or sparse data.
pub(super) struct CopiedColumns<'a> {
    kernel: &'a VectorKernel,
    data: &'a DataSet,
    cols: Vec<usize>,
    copy: Copy<'a>,
    /// `‖x‖²` of each column.
    norms: Cow<'a, [f64]>,
    /// Each sample's position among the columns (`usize::MAX`: not one).
    position_of: Vec<usize>,
    par: Par,
}

/// `data[cols]` as a row's products read them. Borrowed from the data when
/// the columns are all the samples in order.
enum Copy<'a> {
    /// Feature-major (narrow data): feature `k` of column `c` at `k · len + c`.
    FeatureMajor(Cow<'a, [f64]>),
    /// Row-major (wide data): feature `k` of column `c` at `c · d + k`.
    RowMajor(Cow<'a, [f64]>),
    Inverted(Cow<'a, CscIndex>),
}

impl<'a> CopiedColumns<'a> {
    /// The view of `data[cols]`, or `None` for kernels other than RBF and
    /// Matérn, or fewer than two columns.
    pub(super) fn new(kernel: &'a VectorKernel, data: &'a DataSet, cols: &[usize], par: Par) -> Option<Self> {
        if !fuses(kernel) || cols.len() < 2 {
            return None;
        }
        let mut position_of = vec![usize::MAX; data.n_samples()];
        cols.iter().enumerate().for_each(|(c, &j)| position_of[j] = c);
        let all_in_order = cols.len() == data.n_samples() && cols.iter().enumerate().all(|(c, &j)| c == j);
        let (copy, norms) = if all_in_order {
            let copy = match data.storage() {
                Storage::Dense(m) if m.n_cols() > NARROW => Copy::RowMajor(Cow::Borrowed(m.values())),
                Storage::Dense(_) => Copy::FeatureMajor(Cow::Borrowed(data.feature_major()?)),
                Storage::Sparse(_) => Copy::Inverted(Cow::Borrowed(data.csc()?)),
            };
            (copy, Cow::Borrowed(data.sq_norms()))
        } else {
            let copy = match data.storage() {
                Storage::Dense(m) if m.n_cols() > NARROW => {
                    Copy::RowMajor(Cow::Owned(cols.iter().flat_map(|&j| m.row(j)).copied().collect()))
                }
                Storage::Dense(m) => Copy::FeatureMajor(Cow::Owned(feature_major(m, cols))),
                Storage::Sparse(_) => Copy::Inverted(Cow::Owned(data.csc()?.restricted(&position_of))),
            };
            (copy, cols.iter().map(|&j| data.sq_norms()[j]).collect())
        };
        Some(Self { kernel, data, cols: cols.to_vec(), copy, norms, position_of, par })
    }
}

/// `m[cols]` feature by feature.
fn feature_major(m: &DenseMatrix, cols: &[usize]) -> Vec<f64> {
    let len = cols.len();
    let mut copy = vec![0.0; len * m.n_cols()];
    for (c, &j) in cols.iter().enumerate() {
        for (k, &v) in m.row(j).iter().enumerate() {
            copy[k * len + c] = v;
        }
    }
    copy
}

impl ColumnView for CopiedColumns<'_> {
    fn row(&self, row: usize, range: Range<usize>, out: &mut [f64]) {
        let cols = &self.cols[range.clone()];
        let copied = match &self.copy {
            // A dense row the tiled path would compute column by column: so here too.
            Copy::FeatureMajor(_) if !all_products_pay(cols.len(), self.data.n_samples()) => {
                let out = MatMut::from_row_major_slice_mut(out, 1, cols.len());
                return self.kernel.block(self.data, &[row], self.data, cols, out, self.par);
            }
            Copy::FeatureMajor(fm) => Copied::FeatureMajor(FeatureMajor { fm, n: self.cols.len(), first: range.start }),
            // A product per column, in `dot`'s order whatever the tail's length.
            Copy::RowMajor(values) => {
                Copied::RowMajor(RowMajor { values, d: self.data.n_features(), first: range.start })
            }
            Copy::Inverted(csc) => Copied::Inverted(csc, range.start),
        };
        let itself = range.contains(&self.position_of[row]).then(|| self.position_of[row] - range.start);
        let source = Source::copied((self.data, row), copied, (&self.norms[range.clone()], itself));
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
        let mut uniform = crate::vector::uniform(seed);
        let values = (0..n * d).map(|_| uniform()).collect();
        DataSet::from(DenseMatrix::new(n, d, values).unwrap())
    }

    /// Sparse rows: feature 0 in about 80 % of them (a complemented column
    /// of the inverted index), features 1..30 rare.
    fn sparse_data(n: usize, seed: u64) -> DataSet {
        let dense = uniform_data(n, 31, seed);
        let mut sparse = SparseMatrix::with_cols(31);
        for i in 0..n {
            let row = dense.row(i);
            let crate::data::Row::Dense(u) = row else { unreachable!() };
            let keep = |k: usize| if k == 0 { u[0] < 0.3 } else { u[k] < -0.4 };
            let idx: Vec<u32> = (0..31).filter(|&k| keep(k)).map(|k| k as u32).collect();
            let val: Vec<f64> = idx.iter().map(|&k| if k == 0 { 1.0 } else { u[k as usize] * 3.0 }).collect();
            sparse.push_row(&idx, &val).unwrap();
        }
        DataSet::from(sparse)
    }

    /// A view's rows equal `block`'s, bit for bit: every distance kernel,
    /// narrow and wide dense data (45 features: five full lanes of eight
    /// and a tail of five), sparse data, the columns all samples in order (the data's
    /// own copy) or a shuffled subset, whole or a tail short enough to take
    /// the per-column path, the row among the columns or not, one thread or
    /// two.
    #[test]
    fn a_views_rows_equal_blocks_to_the_bit() {
        let n = 24_000;
        for x in [uniform_data(n, 7, 11), uniform_data(n, 45, 12), sparse_data(n, 5)] {
            rows_equal_blocks(&x);
        }
    }

    fn rows_equal_blocks(x: &DataSet) {
        let n = x.n_samples();
        let kernels = crate::vector::distance_kernels();
        let every: Vec<usize> = (0..n).collect();
        // A permutation of two thirds of the samples, as shrinking leaves them.
        let mut shuffled: Vec<usize> = (0..n).filter(|i| i % 3 != 1).collect();
        for k in (1..shuffled.len()).rev() {
            shuffled.swap(k, (k * 7919 + 13) % (k + 1));
        }
        for kernel in &kernels {
            for cols in [&every, &shuffled] {
                for par in [Par::Seq, Par::rayon(2)] {
                    let view = kernel.columns(x, cols, par).expect("a distance kernel");
                    let len = cols.len();
                    // Whole, a long tail, and a tail of fewer than n / 8 columns.
                    for range in [0..len, 1000..len, len - 2000..len] {
                        for row in [cols[5], cols[len - 1], 1] {
                            let mut got = vec![0.0; range.len()];
                            view.row(row, range.clone(), &mut got);
                            let mut want = Mat::zeros(1, range.len());
                            kernel.block(x, &[row], x, &cols[range.clone()], want.as_mut(), par);
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
    fn no_view_for_other_kernels() {
        let cols: Vec<usize> = (0..100).collect();
        for d in [4, 40] {
            let x = uniform_data(100, d, 3);
            assert!(VectorKernel::Linear.columns(&x, &cols, Par::Seq).is_none());
            assert!(VectorKernel::Rbf { gamma: 1.0 }.columns(&x, &cols, Par::Seq).is_some());
            assert!(VectorKernel::Rbf { gamma: 1.0 }.columns(&x, &cols[..1], Par::Seq).is_none());
        }
    }
}
