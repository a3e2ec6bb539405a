//! Kernel rows of sparse data through an inverted index: `K(x_i, X)` needs
//! the inner products `X x_i`, which are the sum of the few feature columns
//! where `x_i` is non-zero ([`CscIndex`]), streamed in order instead of
//! `n` scattered sparse dot products. SMO asks for exactly such rows.

use faer::{Mat, MatMut, Par};
use rayon::prelude::*;

use super::VectorKernel;
use super::block::{THIN, THIN_TILE};
use super::pass::dot_to_sq_distance;
use super::tile::{SelfPairs, SparseTile, TileSource};
use crate::data::{DataSet, Row, SparseMatrix, Storage};
use crate::gram::tiles::fill_tiles_sized;

/// Samples per parallel chunk of an accumulation (fixed: results never depend
/// on the thread count).
const CHUNK: usize = 8192;

/// `out = K(a[rows], b[cols])` for a few sparse `rows`, through `b`'s inverted index.
pub(super) fn thin_block(
    kernel: &VectorKernel,
    a: &DataSet,
    rows: &[usize],
    b: &DataSet,
    cols: &[usize],
    out: MatMut<'_, f64>,
    par: Par,
) {
    let (Storage::Sparse(sa), Storage::Sparse(sb)) = (a.storage(), b.storage()) else {
        unreachable!("called for sparse data only")
    };
    let csc = b.csc().expect("sparse data has an index");
    let n = b.n_samples();
    // acc[r][j] = ⟨a_{rows[r]}, b_j⟩ for every sample j of b.
    let acc: Vec<Vec<f64>> = rows
        .iter()
        .map(|&i| {
            let (idx, val) = sa.row(i);
            let mut acc = vec![0.0; n];
            let fill = |(c, chunk): (usize, &mut [f64])| {
                let start = c * CHUNK;
                csc.accumulate(idx, val, start..start + chunk.len(), chunk);
            };
            if crate::is_sequential(par) {
                acc.chunks_mut(CHUNK).enumerate().for_each(fill);
            } else {
                acc.par_chunks_mut(CHUNK).enumerate().for_each(fill);
            }
            acc
        })
        .collect();
    let same_data = std::ptr::eq(a, b);
    // Tiles of the transpose K(cols, rows), as for every thin block.
    fill_tiles_sized(out.transpose_mut(), (THIN_TILE, THIN), false, par, |cc, rr, tile| {
        let many = &cols[cc];
        let few = &rows[rr.clone()];
        let mut src = InvertedTile {
            acc: &acc[rr],
            many,
            few,
            b: sb,
            a: sa,
            na: many.iter().map(|&j| b.sq_norms()[j]).collect(),
            nb: few.iter().map(|&i| a.sq_norms()[i]).collect(),
            same_data,
        };
        kernel.fill_tile(&mut src, tile);
    });
}

/// A tile of `K(b[many], a[few])` whose inner products are precomputed.
struct InvertedTile<'a> {
    acc: &'a [Vec<f64>],
    many: &'a [usize],
    few: &'a [usize],
    b: &'a SparseMatrix,
    a: &'a SparseMatrix,
    na: Vec<f64>,
    nb: Vec<f64>,
    same_data: bool,
}

impl InvertedTile<'_> {
    fn sparse_tile(&self) -> SparseTile<'_> {
        SparseTile {
            a: self.b,
            rows: self.many,
            b: self.a,
            cols: self.few,
            na: &self.na,
            nb: &self.nb,
            same_data: self.same_data,
        }
    }
}

impl TileSource for InvertedTile<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.many.len(), self.few.len())
    }

    fn dot_into(&mut self, out: &mut Mat<f64>) {
        for (c, acc) in self.acc.iter().enumerate() {
            for (o, &j) in out.col_as_slice_mut(c).iter_mut().zip(self.many) {
                *o = acc[j];
            }
        }
    }

    fn sq_distance_into(&mut self, out: &mut Mat<f64>) {
        self.dot_into(out);
        dot_to_sq_distance(out, &self.na, &self.nb);
        if self.same_data {
            SelfPairs { rows: self.many, cols: self.few }.zero(out);
        }
    }

    fn l1_distance_into(&mut self, out: &mut Mat<f64>) {
        self.sparse_tile().l1_distance_into(out);
    }

    fn weighted_sq_distance_into(&mut self, weights: &[f64], out: &mut Mat<f64>) {
        self.sparse_tile().weighted_sq_distance_into(weights, out);
    }

    fn row_a(&self, r: usize) -> Row<'_> {
        let (i, v) = self.b.row(self.many[r]);
        Row::Sparse(i, v)
    }

    fn row_b(&self, c: usize) -> Row<'_> {
        let (i, v) = self.a.row(self.few[c]);
        Row::Sparse(i, v)
    }
}
