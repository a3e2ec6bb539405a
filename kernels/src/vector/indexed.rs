//! Kernel rows of dense data without copies: the many columns of a thin
//! block are read in place by index (after shrinking they are a scattered
//! subset, and gathering them would cost as much as the products).
//!
//! Narrow data (a few dozen features) is the exception: a dot product of
//! ten numbers costs more in loop overhead than in arithmetic, so there the
//! inner products with every sample are computed feature by feature, as
//! long contiguous AXPYs over the feature-major copy, and then picked out.

use faer::{Mat, MatMut, Par};

use super::VectorKernel;
use super::block::{Panel, THIN, THIN_TILE};
use super::pass::{dot_to_sq_distance, dots_into_rows};
use super::tile::{DenseTile, SelfPairs, TileSource};
use crate::data::{DataSet, DenseMatrix, Row, Storage};
use crate::gram::tiles::fill_tiles_sized;

/// `out = K(a[rows], b[cols])` for a few `rows` and dense `b`, at `b`'s width.
pub(super) fn thin_block(
    kernel: &VectorKernel,
    a: &DataSet,
    rows: &[usize],
    b: &DataSet,
    cols: &[usize],
    out: MatMut<'_, f64>,
    par: Par,
) {
    let Storage::Dense(mb) = b.storage() else { unreachable!("called for dense data only") };
    let d = mb.n_cols();
    let few = Panel::gather(a, rows, d);
    let same_data = std::ptr::eq(a, b);
    let n = mb.n_rows();
    // Every sample's products cost n·d/8 vector FMAs: worth it for narrow
    // data unless the columns asked for are a small fraction of the samples.
    let all_dots = (d <= NARROW && super::row::all_products_pay(cols.len(), n)).then(|| {
        let fm = b.feature_major().expect("dense data");
        let mut all = vec![0.0; n * rows.len()];
        for (r, dots) in all.chunks_exact_mut(n.max(1)).enumerate() {
            feature_major_dots(dots, 0, &few.values[r * d..(r + 1) * d], fm, n);
        }
        all
    });
    fill_tiles_sized(out.transpose_mut(), (THIN_TILE, THIN), false, par, |cc, rr, tile| {
        let many = &cols[cc];
        let mut src = IndexedTile {
            m: mb,
            many,
            all_dots: all_dots.as_deref().map(|all| (all, n, rr.start)),
            few: &few.values[rr.start * d..rr.end * d],
            na: many.iter().map(|&j| b.sq_norms()[j]).collect(),
            nb: &few.sq_norms[rr.clone()],
            d,
            self_pairs: same_data.then(|| SelfPairs { rows: many, cols: &rows[rr] }),
        };
        kernel.fill_tile(&mut src, tile);
    });
}

/// Features at most for which kernel rows go through the feature-major copy.
pub(super) const NARROW: usize = 32;

/// `dots[i] += Σ_k y[k] · fm[k n + first + i]` for samples `first..` of the
/// `n` in the feature-major copy `fm`: one AXPY per feature, in blocks of
/// samples that stay in the L1 cache across the features; compiled for the
/// widest vector unit. Each product sums in feature order, however the
/// samples are split. Callers pass zeros (zeroing just before also brings
/// `dots` into cache: measured faster than starting from the first product).
pub(super) fn feature_major_dots(dots: &mut [f64], first: usize, y: &[f64], fm: &[f64], n: usize) {
    const BLOCK: usize = 512;
    crate::simd::dispatched(|| {
        for (b, block) in dots.chunks_mut(BLOCK).enumerate() {
            let start = first + b * BLOCK;
            for (k, &yk) in y.iter().enumerate() {
                let x = &fm[k * n + start..k * n + start + block.len()];
                block.iter_mut().zip(x).for_each(|(o, &x)| *o += yk * x);
            }
        }
    });
}

/// A tile of `K(m[many], few)`: `many` rows read in place, `few` a small panel.
struct IndexedTile<'a> {
    m: &'a DenseMatrix,
    many: &'a [usize],
    /// Inner products of the few rows with every sample (`n` per few row),
    /// and the index of this tile's first few row, when computed up front.
    all_dots: Option<(&'a [f64], usize, usize)>,
    few: &'a [f64],
    na: Vec<f64>,
    nb: &'a [f64],
    d: usize,
    self_pairs: Option<SelfPairs<'a>>,
}

impl IndexedTile<'_> {
    /// The same tile over a gathered copy (for quantities other than inner products).
    fn with_copy<R>(&self, f: impl FnOnce(&mut DenseTile<'_>) -> R) -> R {
        let values: Vec<f64> = self.many.iter().flat_map(|&j| self.m.row(j).iter().copied()).collect();
        let mut tile =
            DenseTile { a: &values, b: self.few, na: &self.na, nb: self.nb, d: self.d, self_pairs: self.self_pairs };
        f(&mut tile)
    }
}

impl TileSource for IndexedTile<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.many.len(), self.nb.len())
    }

    fn dot_into(&mut self, out: &mut Mat<f64>) {
        let (m, many) = (self.m, self.many);
        if let Some((all, n, first)) = self.all_dots {
            for c in 0..out.ncols() {
                let dots = &all[(first + c) * n..(first + c + 1) * n];
                out.col_as_slice_mut(c).iter_mut().zip(many).for_each(|(o, &j)| *o = dots[j]);
            }
            return;
        }
        dots_into_rows(out, |r| m.row(many[r]), self.few, self.d);
    }

    fn sq_distance_into(&mut self, out: &mut Mat<f64>) {
        self.dot_into(out);
        dot_to_sq_distance(out, &self.na, self.nb);
        if let Some(p) = self.self_pairs {
            p.zero(out);
        }
    }

    fn l1_distance_into(&mut self, out: &mut Mat<f64>) {
        self.with_copy(|t| t.l1_distance_into(out));
    }

    fn weighted_sq_distance_into(&mut self, weights: &[f64], out: &mut Mat<f64>) {
        self.with_copy(|t| t.weighted_sq_distance_into(weights, out));
    }

    fn row_a(&self, r: usize) -> Row<'_> {
        Row::Dense(self.m.row(self.many[r]))
    }

    fn row_b(&self, c: usize) -> Row<'_> {
        Row::Dense(&self.few[c * self.d..(c + 1) * self.d])
    }
}
