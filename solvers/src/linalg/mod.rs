//! Thin wrappers over faer's dense factorisations with explicit parallelism,
//! and a mixed-precision solver for symmetric positive-definite systems.

mod refine;
mod triangular;
mod tridiagonal;

pub use refine::solve_spd;
pub use triangular::{lauum, solve_lower_in_place, solve_lower_transpose_in_place};
pub use tridiagonal::Tridiagonal;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{LltParams, LltRegularization, cholesky_in_place, cholesky_in_place_scratch};
use faer::linalg::cholesky::llt::solve::solve_in_place;
use faer::{Auto, MatMut, MatRef, Par};

/// Overwrites the lower triangle of the symmetric positive-definite `a` with
/// its Cholesky factor `L` (`a = L Lᵀ`). On failure, returns the index of the
/// first non-positive pivot.
pub fn cholesky<T: faer::traits::RealField>(a: MatMut<'_, T>, par: Par) -> Result<(), usize> {
    let n = a.nrows();
    let mut mem = MemBuffer::new(cholesky_in_place_scratch::<T>(n, par, Default::default()));
    let stack = MemStack::new(&mut mem);
    let params = <LltParams as Auto<T>>::auto();
    let result = cholesky_in_place(a, LltRegularization::default(), par, stack, params.into());
    kern_kernels::simd::clear_upper_state();
    match result {
        Ok(_) => Ok(()),
        Err(faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index }) => Err(index),
    }
}

/// Solves `L Lᵀ x = b` in place, given the factor from [`cholesky`].
///
/// Always sequential: faer's parallel triangular solve sums in a different
/// order from its sequential one, and a model must not depend on the thread
/// count. The solve is `O(n² t)` and memory-bound, so little is lost.
pub fn cholesky_solve<T: faer::traits::RealField>(l: MatRef<'_, T>, b: MatMut<'_, T>) {
    let mut mem = MemBuffer::new(faer::dyn_stack::StackReq::EMPTY);
    solve_in_place(l, b, Par::Seq, MemStack::new(&mut mem));
    kern_kernels::simd::clear_upper_state();
}

/// The lower triangle of `(L Lᵀ)⁻¹`, given the factor from [`cholesky`].
pub fn inverse(l: &faer::Mat<f64>, par: Par) -> faer::Mat<f64> {
    use faer::linalg::cholesky::llt::inverse as llt;
    let n = l.nrows();
    let mut out = faer::Mat::zeros(n, n);
    let mut mem = MemBuffer::new(llt::inverse_scratch::<f64>(n, par));
    llt::inverse(out.as_mut(), l.as_ref(), par, MemStack::new(&mut mem));
    kern_kernels::simd::clear_upper_state();
    out
}

/// The whole symmetric `(L Lᵀ)⁻¹`, given the factor from [`cholesky`].
pub fn symmetric_inverse(l: &faer::Mat<f64>, par: Par) -> faer::Mat<f64> {
    let lower = inverse(l, par);
    faer::Mat::from_fn(lower.nrows(), lower.ncols(), |i, j| if i >= j { lower[(i, j)] } else { lower[(j, i)] })
}

/// The lower triangle of `a`, column by column: how models store a
/// Cholesky factor.
///
/// ```
/// use kern_solvers::linalg::{pack_lower, unpack_lower};
/// let l = faer::Mat::from_fn(3, 3, |i, j| if i >= j { (1 + i + 3 * j) as f64 } else { 0.0 });
/// assert_eq!(pack_lower(&l), [1.0, 2.0, 3.0, 5.0, 6.0, 9.0]);
/// assert_eq!(unpack_lower(&pack_lower(&l), 3), Some(l));
/// ```
pub fn pack_lower(a: &faer::Mat<f64>) -> Vec<f64> {
    let m = a.nrows();
    (0..m).flat_map(|j| (j..m).map(move |i| (i, j))).map(|(i, j)| a[(i, j)]).collect()
}

/// The `m × m` lower-triangular matrix [`pack_lower`] packed (zeros above),
/// or `None` when `packed` does not hold `m (m + 1) / 2` values.
pub fn unpack_lower(packed: &[f64], m: usize) -> Option<faer::Mat<f64>> {
    if packed.len() != m * (m + 1) / 2 {
        return None;
    }
    let mut out = faer::Mat::zeros(m, m);
    let mut values = packed.iter();
    for j in 0..m {
        for i in j..m {
            out[(i, j)] = *values.next()?;
        }
    }
    Some(out)
}

/// Rows per block of [`transpose_times`].
const ROW_BLOCK: usize = 1024;

/// `Aᵀ B` for tall `A` (`n × p`) and `B` (`n × q`): a sum over the rows,
/// formed block by block of 1,024 rows (eight blocks at a time in
/// parallel) and added in block order, so that it is the same bits at any thread count (faer's
/// parallel product splits this sum by the thread count).
///
/// ```
/// use faer::{Mat, Par};
/// use kern_solvers::linalg::transpose_times;
/// let a = Mat::from_fn(3000, 2, |i, j| (i + j) as f64);
/// let b = Mat::from_fn(3000, 1, |_, _| 1.0);
/// let s = transpose_times(a.as_ref(), b.as_ref(), Par::Seq);
/// assert_eq!(s[(1, 0)], (1..=3000).sum::<usize>() as f64);
/// ```
pub fn transpose_times(a: MatRef<'_, f64>, b: MatRef<'_, f64>, par: Par) -> faer::Mat<f64> {
    assert_eq!(a.nrows(), b.nrows(), "Aᵀ B needs as many rows in A as in B");
    sum_over_row_blocks(a.nrows(), (a.ncols(), b.ncols()), par, |start, rows, part| {
        let (a, b) = (a.subrows(start, rows), b.subrows(start, rows));
        faer::linalg::matmul::matmul(part, faer::Accum::Replace, a.transpose(), b, 1.0, Par::Seq);
    })
}

/// `Aᵀ A`, the normal matrix of tall `A`: as [`transpose_times`]`(A, A)`,
/// the same bits at any thread count, at half its work (each block forms
/// the lower triangle alone; the upper is its mirror).
///
/// ```
/// use faer::{Mat, Par};
/// use kern_solvers::linalg::{normal_matrix, transpose_times};
/// let a = Mat::from_fn(3000, 3, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
/// let (n, t) = (normal_matrix(a.as_ref(), Par::Seq), transpose_times(a.as_ref(), a.as_ref(), Par::Seq));
/// assert!((0..3).all(|i| (0..3).all(|j| n[(i, j)] == n[(j, i)] && (n[(i, j)] - t[(i, j)]).abs() < 1e-9)));
/// ```
pub fn normal_matrix(a: MatRef<'_, f64>, par: Par) -> faer::Mat<f64> {
    let p = a.ncols();
    let mut total = sum_over_row_blocks(a.nrows(), (p, p), par, |start, rows, part| {
        lower_normal_into(part, a.subrows(start, rows))
    });
    mirror_lower(&mut total);
    total
}

/// The lower triangle of `Aᵀ A` into `out` (`p × p`; the strict upper
/// triangle untouched), sequentially: half the work of the full product.
pub(crate) fn lower_normal_into(out: faer::MatMut<'_, f64>, a: MatRef<'_, f64>) {
    use faer::linalg::matmul::triangular::{BlockStructure, matmul};
    let (lower, full) = (BlockStructure::TriangularLower, BlockStructure::Rectangular);
    matmul(out, lower, faer::Accum::Replace, a.transpose(), full, a, full, 1.0, Par::Seq);
}

/// Copies the strict lower triangle of square `a` onto its upper one.
pub(crate) fn mirror_lower(a: &mut faer::Mat<f64>) {
    for j in 0..a.ncols() {
        for i in 0..j {
            a[(i, j)] = a[(j, i)];
        }
    }
}

/// `Σ_blocks f(block)`: `f(start, rows, part)` writes the `p × q` term of
/// rows `start..start + rows` into `part`; blocks of [`ROW_BLOCK`] rows,
/// eight at a time in parallel, added in block order.
fn sum_over_row_blocks(
    n: usize,
    (p, q): (usize, usize),
    par: Par,
    f: impl Fn(usize, usize, faer::MatMut<'_, f64>) + Sync,
) -> faer::Mat<f64> {
    use rayon::prelude::*;
    let block = |start: usize| {
        let mut part = faer::Mat::zeros(p, q);
        f(start, ROW_BLOCK.min(n - start), part.as_mut());
        part
    };
    let starts: Vec<usize> = (0..n).step_by(ROW_BLOCK).collect();
    let mut total = faer::Mat::zeros(p, q);
    // A fixed number of blocks at once bounds the partial sums held.
    for wave in starts.chunks(8) {
        let parts: Vec<faer::Mat<f64>> = if kern_kernels::is_sequential(par) {
            wave.iter().map(|&s| block(s)).collect()
        } else {
            wave.par_iter().map(|&s| block(s)).collect()
        };
        parts.iter().for_each(|part| total += part);
    }
    kern_kernels::simd::clear_upper_state();
    total
}

/// `A B` for tall `A` (`n × p`): row blocks of 1,024 in parallel, each a
/// sequential product, so that it is the same bits at any thread count.
///
/// ```
/// use faer::{Mat, Par};
/// use kern_solvers::linalg::times_by_rows;
/// let a = Mat::from_fn(2500, 3, |i, j| (i * j) as f64);
/// let b = Mat::from_fn(3, 1, |_, _| 1.0);
/// assert_eq!(times_by_rows(a.as_ref(), b.as_ref(), Par::Seq)[(2, 0)], 6.0);
/// ```
pub fn times_by_rows(a: MatRef<'_, f64>, b: MatRef<'_, f64>, par: Par) -> faer::Mat<f64> {
    use rayon::prelude::*;
    let mut out = faer::Mat::zeros(a.nrows(), b.ncols());
    let mut blocks = Vec::new();
    let mut rest = out.as_mut();
    let mut start = 0;
    while start < a.nrows() {
        let rows = ROW_BLOCK.min(a.nrows() - start);
        let (head, tail) = rest.split_at_row_mut(rows);
        blocks.push((start, head));
        rest = tail;
        start += rows;
    }
    let block = |(start, out): (usize, MatMut<'_, f64>)| {
        let rows = out.nrows();
        faer::linalg::matmul::matmul(out, faer::Accum::Replace, a.subrows(start, rows), b, 1.0, Par::Seq);
    };
    if kern_kernels::is_sequential(par) {
        blocks.into_iter().for_each(block);
    } else {
        blocks.into_par_iter().for_each(block);
    }
    kern_kernels::simd::clear_upper_state();
    out
}
