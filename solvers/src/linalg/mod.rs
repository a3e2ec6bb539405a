//! Thin wrappers over faer's dense factorisations with explicit parallelism,
//! and a mixed-precision solver for symmetric positive-definite systems.

mod refine;
mod triangular;

pub use refine::solve_spd;
pub use triangular::{lauum, solve_lower_in_place, solve_lower_transpose_in_place};

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
