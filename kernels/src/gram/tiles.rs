//! The tile engine: splits an output block into fixed-size tiles and fills
//! them in parallel. Tile boundaries never depend on the thread count, so the
//! result is bit-identical at any `Par`.

use std::ops::Range;

use faer::{Mat, MatMut, Par};
use rayon::prelude::*;

/// Side of a square output tile. 256 keeps a tile's GEMM operands and result
/// in L2 while leaving enough tiles to balance two to sixteen threads.
pub const TILE: usize = 256;

/// Fills `out` tile by tile: `fill(rows, cols, tile)` must write the values of
/// the output rows `rows` and columns `cols` into `tile` (column-major,
/// `rows.len() × cols.len()`, zeroed).
///
/// With `symmetric`, `out` is square and equal to its transpose: only tiles on
/// or above the diagonal are computed, and each value is written to both
/// `(i, j)` and `(j, i)` from the upper triangle, so the result is exactly
/// symmetric.
pub fn fill_tiles<F>(out: MatMut<'_, f64>, symmetric: bool, par: Par, fill: F)
where
    F: Fn(Range<usize>, Range<usize>, &mut Mat<f64>) + Sync,
{
    fill_tiles_sized(out, (TILE, TILE), symmetric, par, fill)
}

/// [`fill_tiles`] with tiles of `shape = (rows, cols)` (square when symmetric).
pub fn fill_tiles_sized<F>(out: MatMut<'_, f64>, shape: (usize, usize), symmetric: bool, par: Par, fill: F)
where
    F: Fn(Range<usize>, Range<usize>, &mut Mat<f64>) + Sync,
{
    let (m, n) = (out.nrows(), out.ncols());
    assert!(!symmetric || (m == n && shape.0 == shape.1), "a symmetric block and its tiles must be square");
    let (tr, tc) = (shape.0.max(1), shape.1.max(1));
    let mut tiles = Vec::new();
    for c0 in (0..n).step_by(tc) {
        for r0 in (0..m).step_by(tr) {
            if !symmetric || r0 <= c0 {
                tiles.push((r0..(r0 + tr).min(m), c0..(c0 + tc).min(n)));
            }
        }
    }
    let target = SharedOut { ptr: out.as_ptr_mut(), row_stride: out.row_stride(), col_stride: out.col_stride() };
    let run = |tile: &mut Mat<f64>, (rows, cols): &(Range<usize>, Range<usize>)| {
        if (tile.nrows(), tile.ncols()) != (rows.len(), cols.len()) {
            *tile = Mat::zeros(rows.len(), cols.len());
        }
        fill(rows.clone(), cols.clone(), tile);
        // SAFETY: tiles partition the output (and, when symmetric, the upper
        // tiles and their mirrors partition it too), so no two tasks write the
        // same element; `out` is borrowed mutably for the whole call.
        unsafe { target.write(tile, rows.start, cols.start, symmetric) };
    };
    // One tile buffer per worker, reused from tile to tile.
    if crate::is_sequential(par) {
        let mut tile = Mat::zeros(0, 0);
        tiles.iter().for_each(|t| run(&mut tile, t));
    } else {
        tiles.par_iter().for_each_init(|| Mat::zeros(0, 0), run);
    }
}

struct SharedOut {
    ptr: *mut f64,
    row_stride: isize,
    col_stride: isize,
}

// SAFETY: only used to write disjoint elements from different threads.
unsafe impl Sync for SharedOut {}

impl SharedOut {
    /// # Safety
    /// The tile's target elements (and mirrors) must be in bounds and written
    /// by no other thread.
    unsafe fn write(&self, tile: &Mat<f64>, r0: usize, c0: usize, symmetric: bool) {
        let at = |i: usize, j: usize| i as isize * self.row_stride + j as isize * self.col_stride;
        for c in 0..tile.ncols() {
            let j = c0 + c;
            // When symmetric, only the upper triangle (i <= j) is taken from the tile.
            let rows = if symmetric { (j + 1).saturating_sub(r0).min(tile.nrows()) } else { tile.nrows() };
            for (r, &v) in tile.col_as_slice(c)[..rows].iter().enumerate() {
                unsafe { *self.ptr.offset(at(r0 + r, j)) = v };
            }
        }
        if symmetric {
            // Mirror (i, j) to (j, i) for i < j, walking the output's columns
            // so that writes are contiguous.
            for r in 0..tile.nrows() {
                let i = r0 + r;
                for c in (i + 1).saturating_sub(c0)..tile.ncols() {
                    unsafe { *self.ptr.offset(at(c0 + c, i)) = tile[(r, c)] };
                }
            }
        }
    }
}
