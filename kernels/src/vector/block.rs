//! Gram blocks of vector kernels: gather the requested rows into panels, then
//! fill the output in parallel tiles (one GEMM per dense tile).

use std::borrow::Cow;

use faer::{MatMut, Par};

use crate::data::{DataSet, Storage};
use crate::gram::tiles::{TILE, fill_tiles_sized};
use crate::vector::VectorKernel;
use crate::vector::tile::{DenseTile, SelfPairs, SparseTile};

/// Dense rows of a data set at the requested indices, row-major, `d` wide.
/// Borrowed when the indices are a contiguous run of a dense set of width `d`
/// (SMO asks for whole columns: no copy then).
pub(super) struct Panel<'a> {
    pub(super) values: Cow<'a, [f64]>,
    pub(super) sq_norms: Cow<'a, [f64]>,
}

impl<'a> Panel<'a> {
    pub(super) fn gather(data: &'a DataSet, rows: &[usize], d: usize) -> Self {
        let contiguous = rows.windows(2).all(|w| w[1] == w[0] + 1);
        if let (Storage::Dense(m), true, Some(&first)) = (data.storage(), contiguous, rows.first())
            && m.n_cols() == d
        {
            let range = first..first + rows.len();
            return Self {
                values: Cow::Borrowed(&m.values()[range.start * d..range.end * d]),
                sq_norms: Cow::Borrowed(&data.sq_norms()[range]),
            };
        }
        let mut values = vec![0.0; rows.len() * d];
        for (dst, &i) in values.chunks_exact_mut(d.max(1)).zip(rows) {
            match data.storage() {
                Storage::Dense(m) => dst[..m.n_cols()].copy_from_slice(m.row(i)),
                Storage::Sparse(m) => {
                    let (idx, val) = m.row(i);
                    for (&k, &v) in idx.iter().zip(val) {
                        dst[k as usize] = v;
                    }
                }
            }
        }
        Self { values: Cow::Owned(values), sq_norms: Cow::Owned(rows.iter().map(|&i| data.sq_norms()[i]).collect()) }
    }
}

pub(crate) fn vector_block(
    kernel: &VectorKernel,
    a: &DataSet,
    rows: &[usize],
    b: &DataSet,
    cols: &[usize],
    mut out: MatMut<'_, f64>,
    par: Par,
) {
    assert_eq!((out.nrows(), out.ncols()), (rows.len(), cols.len()), "output block has the wrong shape");
    let par = if rows.len() == 1 { row_par(b, cols.len(), par) } else { par };
    // One row of a distance kernel (SMO's kernel rows): fused, in one pass.
    if let [row] = rows
        && cols.len() > 1
        && let Some(values) = out.as_mut().row_mut(0).try_as_row_major_mut()
        && super::row::fused_row(kernel, a, *row, b, cols, values.as_slice_mut(), par)
    {
        return;
    }
    // A few rows against many columns: compute the transpose
    // K(cols, rows) = K(rows, cols)ᵀ in tall tiles, so that the element-wise
    // passes run over long contiguous columns.
    if rows.len() <= THIN && cols.len() > rows.len() {
        // A row over a few thousand narrow samples is microseconds of work:
        // less than handing half of it to another thread costs.
        let width = match b.storage() {
            Storage::Dense(m) => m.n_cols(),
            Storage::Sparse(m) => m.nnz().div_ceil(m.n_rows().max(1)),
        };
        let par = if rows.len() * cols.len() * width.max(1) < THIN_PARALLEL_WORK { Par::Seq } else { par };
        match (a.storage(), b.storage(), kernel.uses_inner_products_only()) {
            (Storage::Sparse(_), Storage::Sparse(_), true) => {
                return super::inverted::thin_block(kernel, a, rows, b, cols, out, par);
            }
            (_, Storage::Dense(m), true) if m.n_cols() >= a.n_features() => {
                return super::indexed::thin_block(kernel, a, rows, b, cols, out, par);
            }
            _ => {}
        }
        return block_tiles(kernel, b, cols, a, rows, out.transpose_mut(), par, (THIN_TILE, THIN));
    }
    block_tiles(kernel, a, rows, b, cols, out, par, (TILE, TILE));
}

/// Columns from which a second thread helps with a dense kernel row: below,
/// the hand-off costs more than half the row.
const HELP_FROM: usize = 20_000;

/// The parallelism one kernel row of `len` columns over `b` is computed
/// with, given `par`: a dense row splits in two halves from [`HELP_FROM`]
/// columns; a sparse row stays on one thread. Its inner products come from
/// the inverted index a few times faster than a dense row's, so the
/// hand-offs and the cache lines two halves trade cost more than half a row
/// saves (a9a, 32,561 samples: 6.0 s on one thread, 7.4 s split).
pub(crate) fn row_par(b: &DataSet, len: usize, par: Par) -> Par {
    match b.storage() {
        Storage::Dense(_) if len >= HELP_FROM => par,
        _ => Par::Seq,
    }
}

/// Blocks with at most this many rows are computed transposed.
pub(super) const THIN: usize = 8;
/// Tile height of a transposed thin block.
pub(super) const THIN_TILE: usize = 4096;
/// Multiply-adds (values times features, or stored entries per sample)
/// below which a thin block is computed on one thread.
const THIN_PARALLEL_WORK: usize = 1 << 18;

#[allow(clippy::too_many_arguments)]
fn block_tiles(
    kernel: &VectorKernel,
    a: &DataSet,
    rows: &[usize],
    b: &DataSet,
    cols: &[usize],
    out: MatMut<'_, f64>,
    par: Par,
    shape: (usize, usize),
) {
    let same_data = std::ptr::eq(a, b);
    let symmetric = same_data && rows == cols && shape.0 == shape.1;
    // Small blocks are not worth a thread hand-off.
    let par = if rows.len() * cols.len() <= TILE * TILE / 4 { Par::Seq } else { par };
    match (a.storage(), b.storage()) {
        (Storage::Sparse(sa), Storage::Sparse(sb)) => {
            let na: Vec<f64> = rows.iter().map(|&i| a.sq_norms()[i]).collect();
            let nb: Vec<f64> = cols.iter().map(|&j| b.sq_norms()[j]).collect();
            fill_tiles_sized(out, shape, symmetric, par, |rr, cc, tile| {
                let mut src = SparseTile {
                    a: sa,
                    rows: &rows[rr.clone()],
                    b: sb,
                    cols: &cols[cc.clone()],
                    na: &na[rr],
                    nb: &nb[cc],
                    same_data,
                };
                kernel.fill_tile(&mut src, tile);
            });
        }
        _ => {
            let d = a.n_features().max(b.n_features());
            let pa = Panel::gather(a, rows, d);
            let pb = if symmetric { None } else { Some(Panel::gather(b, cols, d)) };
            let pb = pb.as_ref().unwrap_or(&pa);
            fill_tiles_sized(out, shape, symmetric, par, |rr, cc, tile| {
                let mut src = DenseTile {
                    a: &pa.values[rr.start * d..rr.end * d],
                    b: &pb.values[cc.start * d..cc.end * d],
                    na: &pa.sq_norms[rr.clone()],
                    nb: &pb.sq_norms[cc.clone()],
                    d,
                    self_pairs: same_data.then(|| SelfPairs { rows: &rows[rr], cols: &cols[cc] }),
                };
                kernel.fill_tile(&mut src, tile);
            });
        }
    }
}
