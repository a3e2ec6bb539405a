//! `A x = b` for symmetric positive-definite `A` in mixed precision, as
//! LAPACK's `dsposv`: a single-precision Cholesky factorisation (twice the
//! speed of double), then iterative refinement with residuals in double
//! until the solution is as accurate as a double-precision factorisation
//! would give. When single precision cannot factor `A` or the refinement
//! stalls (`A` too ill-conditioned for it), it falls back to double.

use faer::{Mat, MatRef, Par};
use rayon::prelude::*;

use super::{cholesky, cholesky_solve};

/// Refinement steps before falling back to double precision (as `dsposv`).
const MAX_REFINE: usize = 30;
/// Rows per task of the residual's matrix product: fixed, so the sums are
/// the same at any thread count.
const ROWS_PER_TASK: usize = 256;

/// Solves `A X = B` for symmetric positive-definite `a` (both triangles
/// filled), one column of `X` per column of `B`. On failure, the index of
/// the first non-positive pivot of the double-precision factorisation.
///
/// ```
/// use faer::{Mat, Par};
/// use kern_solvers::linalg::solve_spd;
/// let a = Mat::from_fn(3, 3, |i, j| if i == j { 4.0 } else { 1.0 });
/// let b = Mat::from_fn(3, 1, |i, _| i as f64);
/// let x = solve_spd(a.clone(), b.as_ref(), Par::Seq).unwrap();
/// let r = &a * &x - &b;
/// assert!(r.norm_max() < 1e-15);
/// ```
pub fn solve_spd(a: Mat<f64>, b: MatRef<'_, f64>, par: Par) -> Result<Mat<f64>, usize> {
    if let Some(x) = refined(&a, b, par) {
        return Ok(x);
    }
    let mut a = a;
    cholesky(a.as_mut(), par)?;
    let mut x = b.to_owned();
    cholesky_solve(a.as_ref(), x.as_mut());
    Ok(x)
}

/// The single-precision attempt; `None` when it cannot reach double accuracy.
fn refined(a: &Mat<f64>, b: MatRef<'_, f64>, par: Par) -> Option<Mat<f64>> {
    let n = a.nrows();
    let mut l = Mat::<f32>::zeros(n, n);
    // Only the lower triangle is read by the factorisation.
    let convert = |first: usize, mut block: faer::MatMut<'_, f32>| {
        for c in 0..block.ncols() {
            let j = first + c;
            for i in j..n {
                block[(i, c)] = a[(i, j)] as f32;
            }
        }
    };
    // faer's parallel column chunks exist only with its rayon feature (not on wasm32).
    #[cfg(target_family = "wasm")]
    convert(0, l.as_mut());
    #[cfg(not(target_family = "wasm"))]
    if kern_kernels::is_sequential(par) {
        convert(0, l.as_mut());
    } else {
        l.as_mut().par_col_chunks_mut(64).enumerate().for_each(|(c, block)| convert(64 * c, block));
    }
    cholesky(l.as_mut(), par).ok()?;
    let solve32 = |r: &Mat<f64>| -> Mat<f64> {
        let mut d = Mat::<f32>::from_fn(n, r.ncols(), |i, t| r[(i, t)] as f32);
        cholesky_solve(l.as_ref(), d.as_mut());
        Mat::from_fn(n, r.ncols(), |i, t| f64::from(d[(i, t)]))
    };
    // dsposv's test: ‖r‖∞ ≤ ‖x‖∞ ‖A‖∞ ε √n, column by column (‖A‖∞ the
    // largest row sum of |A|, a column sum since A is symmetric).
    let a_norm = (0..n).map(|j| a.col(j).iter().map(|v| v.abs()).sum::<f64>()).fold(0.0, f64::max);
    let tolerance = a_norm * f64::EPSILON * (n as f64).sqrt();
    let mut x = solve32(&b.to_owned());
    for _ in 0..MAX_REFINE {
        let r = residual(a, &x, b, par);
        let converged = (0..x.ncols()).all(|t| r.col(t).norm_max() <= x.col(t).norm_max() * tolerance);
        if converged {
            return Some(x);
        }
        if !r.norm_max().is_finite() {
            return None;
        }
        x += solve32(&r);
    }
    None
}

/// `B − A X`, in double precision.
fn residual(a: &Mat<f64>, x: &Mat<f64>, b: MatRef<'_, f64>, par: Par) -> Mat<f64> {
    let n = a.nrows();
    let rows = |task: usize| -> Mat<f64> {
        let range = task * ROWS_PER_TASK..((task + 1) * ROWS_PER_TASK).min(n);
        let block = a.as_ref().subrows(range.start, range.len());
        let mut r = b.subrows(range.start, range.len()).to_owned();
        faer::linalg::matmul::matmul(r.as_mut(), faer::Accum::Add, block, x.as_ref(), -1.0, Par::Seq);
        r
    };
    let tasks = n.div_ceil(ROWS_PER_TASK);
    let parts: Vec<Mat<f64>> = if kern_kernels::is_sequential(par) {
        (0..tasks).map(rows).collect()
    } else {
        (0..tasks).into_par_iter().map(rows).collect()
    };
    kern_kernels::simd::clear_upper_state();
    let mut out = Mat::zeros(n, x.ncols());
    for (task, part) in parts.iter().enumerate() {
        out.as_mut().subrows_mut(task * ROWS_PER_TASK, part.nrows()).copy_from(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::solve_spd;
    use crate::linalg::{cholesky, cholesky_solve};
    use crate::rng::SplitMix64;
    use faer::{Mat, Par};

    /// An RBF Gram matrix of random 3-d points plus `alpha` on the diagonal.
    fn gram(n: usize, alpha: f64) -> Mat<f64> {
        let mut rng = SplitMix64::new(5);
        let x: Vec<[f64; 3]> = (0..n).map(|_| [rng.normal(), rng.normal(), rng.normal()]).collect();
        Mat::from_fn(n, n, |i, j| {
            let d2: f64 = (0..3).map(|f| (x[i][f] - x[j][f]).powi(2)).sum();
            (-0.5 * d2).exp() + if i == j { alpha } else { 0.0 }
        })
    }

    fn in_double(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
        let mut l = a.clone();
        cholesky(l.as_mut(), Par::Seq).unwrap();
        let mut x = b.clone();
        cholesky_solve(l.as_ref(), x.as_mut());
        x
    }

    #[test]
    fn agrees_with_a_double_precision_cholesky_well_or_ill_conditioned() {
        let n = 300;
        let b = Mat::from_fn(n, 2, |i, t| ((i * (t + 3)) % 7) as f64 - 3.0);
        // alpha = 1: single precision and refinement; 1e-9: condition ~1e11,
        // beyond single precision, so the double-precision fallback.
        for alpha in [1.0, 1e-3, 1e-9] {
            let a = gram(n, alpha);
            let x = solve_spd(a.clone(), b.as_ref(), Par::Seq).unwrap();
            let reference = in_double(&a, &b);
            let residual = (&a * &x - &b).norm_max();
            let reference_residual = (&a * &reference - &b).norm_max();
            assert!(
                residual <= 4.0 * reference_residual.max(1e-14),
                "alpha {alpha}: {residual} vs {reference_residual}"
            );
            if alpha >= 1e-3 {
                let err = (&x - &reference).norm_max() / reference.norm_max();
                assert!(err < 1e-10, "alpha {alpha}: {err}");
            }
            assert_eq!(x, solve_spd(a.clone(), b.as_ref(), Par::rayon(2)).unwrap(), "any thread count");
        }
    }

    #[test]
    fn an_indefinite_matrix_names_its_pivot() {
        let a = Mat::from_fn(3, 3, |i, j| if i == j { [1.0, 1.0, -1.0][i] } else { 0.0 });
        assert_eq!(solve_spd(a, Mat::<f64>::ones(3, 1).as_ref(), Par::Seq), Err(2));
    }
}
