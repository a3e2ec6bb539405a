//! Triangular solves with a Cholesky factor `L`, parallel and yet the same to
//! the last bit at any thread count.
//!
//! Solving with one right-hand side is memory-bound: a 20,000² factor is
//! 1.6 GB read per solve, and Falkon's CG does four per iteration. One core
//! streams it at a fraction of the machine's bandwidth. faer's parallel solve
//! sums in an order that depends on the threads, so these are blocked
//! substitutions whose updates split the rows into chunks of a fixed size
//! (never by thread count), each summed sequentially.

use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{BlockStructure, matmul as triangular_matmul};
use faer::linalg::triangular_solve::{solve_lower_triangular_in_place, solve_upper_triangular_in_place};
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

/// Columns of `L` solved per step; each step's update reads the rest of them.
const PANEL: usize = 256;
/// Rows per parallel task in an update: fixed, so sums never depend on threads.
const CHUNK: usize = 512;

/// `b ← L⁻¹ b` for lower-triangular `L` (forward substitution).
///
/// ```
/// use faer::{mat, Par};
/// let l = mat![[2.0, 0.0], [1.0, 4.0]];
/// let mut b = mat![[2.0], [9.0]];
/// kern_solvers::linalg::solve_lower_in_place(l.as_ref(), b.as_mut(), Par::Seq);
/// assert_eq!(b, mat![[1.0], [2.0]]);
/// ```
pub fn solve_lower_in_place(l: MatRef<'_, f64>, mut b: MatMut<'_, f64>, par: Par) {
    let n = l.nrows();
    for j0 in (0..n).step_by(PANEL) {
        let w = PANEL.min(n - j0);
        let (head, below) = b.as_mut().split_at_row_mut(j0 + w);
        let mut x = head.subrows_mut(j0, w);
        solve_lower_triangular_in_place(l.submatrix(j0, j0, w, w), x.as_mut(), Par::Seq);
        // b[below] -= L[below, panel] x.
        subtract_product(below, l.submatrix(j0 + w, j0, n - j0 - w, w), x.as_ref(), par);
    }
    kern_kernels::simd::clear_upper_state();
}

/// `b ← L⁻ᵀ b` for lower-triangular `L` (back substitution with `Lᵀ`).
///
/// ```
/// use faer::{mat, Par};
/// let l = mat![[2.0, 0.0], [1.0, 4.0]];
/// let mut b = mat![[4.0], [8.0]];
/// kern_solvers::linalg::solve_lower_transpose_in_place(l.as_ref(), b.as_mut(), Par::Seq);
/// assert_eq!(b, mat![[1.0], [2.0]]);
/// ```
pub fn solve_lower_transpose_in_place(l: MatRef<'_, f64>, mut b: MatMut<'_, f64>, par: Par) {
    let n = l.nrows();
    let mut j1 = n;
    while j1 > 0 {
        let w = (j1 - 1) % PANEL + 1;
        let j0 = j1 - w;
        let (above, rest) = b.as_mut().split_at_row_mut(j0);
        let mut x = rest.subrows_mut(0, w);
        solve_upper_triangular_in_place(l.submatrix(j0, j0, w, w).transpose(), x.as_mut(), Par::Seq);
        // b[above] -= (L[panel, above])ᵀ x.
        subtract_product(above, l.submatrix(j0, 0, w, j0).transpose(), x.as_ref(), par);
        j1 = j0;
    }
    kern_kernels::simd::clear_upper_state();
}

/// The lower half of `scale · Lᵀ L` for lower-triangular `L` (LAPACK's
/// `lauum`): a product of triangles, a sixth of a full `n³` product's work.
/// The strict upper half of the result is zero.
///
/// ```
/// use faer::{mat, Par};
/// let l = mat![[2.0, 0.0], [1.0, 3.0]];
/// let p = kern_solvers::linalg::lauum(l.as_ref(), 1.0, Par::Seq);
/// assert_eq!(p, mat![[5.0, 0.0], [3.0, 9.0]]);
/// ```
pub fn lauum(l: MatRef<'_, f64>, scale: f64, par: Par) -> Mat<f64> {
    let n = l.nrows();
    let mut out = Mat::zeros(n, n);
    triangular_matmul(
        out.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        l.transpose(),
        BlockStructure::TriangularUpper,
        l,
        BlockStructure::TriangularLower,
        scale,
        par,
    );
    kern_kernels::simd::clear_upper_state();
    out
}

/// `out -= lhs · rhs`, in row chunks of [`CHUNK`] (in parallel when allowed).
fn subtract_product(out: MatMut<'_, f64>, lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>, par: Par) {
    let mut chunks = Vec::with_capacity(out.nrows().div_ceil(CHUNK));
    let (mut rest, mut at) = (out, 0);
    while rest.nrows() > 0 {
        let take = CHUNK.min(rest.nrows());
        let (chunk, tail) = rest.split_at_row_mut(take);
        let rows = chunk.nrows();
        chunks.push((at, chunk));
        (rest, at) = (tail, at + rows);
    }
    let update = |(at, chunk): (usize, MatMut<'_, f64>)| {
        let rows = chunk.nrows();
        matmul(chunk, Accum::Add, lhs.subrows(at, rows), rhs, -1.0, Par::Seq);
    };
    if kern_kernels::is_sequential(par) || chunks.len() < 2 {
        chunks.into_iter().for_each(update);
    } else {
        chunks.into_par_iter().for_each(update);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;

    /// A well-conditioned lower-triangular factor and right-hand sides.
    fn problem(n: usize, t: usize) -> (Mat<f64>, Mat<f64>) {
        let mut rng = kern_approx::SplitMix64::new(n as u64);
        let mut u = move || rng.uniform() - 0.5;
        let l = Mat::from_fn(n, n, |i, j| match i.cmp(&j) {
            std::cmp::Ordering::Less => 0.0,
            std::cmp::Ordering::Equal => 1.0 + u().abs(),
            std::cmp::Ordering::Greater => u() / (n as f64).sqrt(),
        });
        let b = Mat::from_fn(n, t, |_, _| u());
        (l, b)
    }

    fn relative(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
        (a - b).norm_l2() / b.norm_l2()
    }

    #[test]
    fn solves_and_lauum_agree_with_faer_and_solves_with_themselves_at_any_thread_count() {
        // Sizes below, at and across panel and chunk boundaries.
        for (n, t) in [(1, 1), (255, 2), (256, 1), (1000, 1), (1300, 3)] {
            let (l, b) = problem(n, t);
            let mut forward = b.clone();
            solve_lower_triangular_in_place(l.as_ref(), forward.as_mut(), Par::Seq);
            let mut backward = b.clone();
            solve_upper_triangular_in_place(l.transpose(), backward.as_mut(), Par::Seq);
            let mut first: Option<(Mat<f64>, Mat<f64>)> = None;
            for par in [Par::Seq, Par::rayon(2), Par::rayon(3)] {
                let (mut f, mut g) = (b.clone(), b.clone());
                solve_lower_in_place(l.as_ref(), f.as_mut(), par);
                solve_lower_transpose_in_place(l.as_ref(), g.as_mut(), par);
                assert!(relative(&f, &forward) < 1e-13, "n = {n}: L⁻¹ b off by {:e}", relative(&f, &forward));
                assert!(relative(&g, &backward) < 1e-13, "n = {n}: L⁻ᵀ b off by {:e}", relative(&g, &backward));
                match &first {
                    None => first = Some((f, g)),
                    Some((f0, g0)) => assert!(f == *f0 && g == *g0, "n = {n}: results depend on the threads"),
                }
            }
            // A residual check that does not lean on faer's solves.
            let mut first = first.unwrap();
            assert!(relative(&(&l * &first.0), &b) < 1e-13 && relative(&(l.transpose() * &first.1), &b) < 1e-13);
            let full = l.transpose() * &l * 0.5;
            let half = lauum(l.as_ref(), 0.5, Par::rayon(2));
            for j in 0..n {
                for i in 0..n {
                    let want = if i >= j { full[(i, j)] } else { 0.0 };
                    assert!((half[(i, j)] - want).abs() < 1e-13, "n = {n}: lauum ({i}, {j})");
                }
            }
            first.0[(0, 0)] += 1.0;
            assert!(relative(&(&l * &first.0), &b) > 1e-6, "the residual check can fail");
        }
    }
}
