//! Ridge regression in the primal: `β = (ΦᵀΦ + αI)⁻¹ Φᵀ y`. With
//! `K = ΦΦᵀ` its predictions `φ(x)ᵀβ` equal kernel ridge's
//! `k(x, X)(K + αI)⁻¹ y` (push-through identity), at `O(n M²)` cost.

use faer::{Accum, Mat, MatRef, Par};

use crate::SolverError;
use crate::collective::{Alone, Collective, sum_matrix};
use crate::linalg::solve_spd;

/// The primal ridge weights (`M × t`, one column per target column of `y`).
///
/// ```
/// use faer::{Mat, Par};
/// use kern_solvers::linear::primal_ridge;
/// let phi = Mat::from_fn(4, 2, |i, j| (i + j) as f64);
/// let y = Mat::from_fn(4, 1, |i, _| 2.0 * i as f64);
/// let beta = primal_ridge(phi.as_ref(), y.as_ref(), 1e-9, Par::Seq).unwrap();
/// let fitted = &phi * &beta;
/// assert!((fitted[(3, 0)] - 6.0).abs() < 1e-6);
/// ```
pub fn primal_ridge(phi: MatRef<'_, f64>, y: MatRef<'_, f64>, alpha: f64, par: Par) -> Result<Mat<f64>, SolverError> {
    primal_ridge_shared(phi, y, alpha, par, &Alone)
}

/// [`primal_ridge`] where each process of `collective` holds some rows of
/// `Φ` and `y`: `ΦᵀΦ` (`M × M`) and `Φᵀy` are summed over the processes,
/// and every process solves the same system.
pub fn primal_ridge_shared(
    phi: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    alpha: f64,
    par: Par,
    collective: &dyn Collective,
) -> Result<Mat<f64>, SolverError> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(SolverError::InvalidParameter {
            name: "alpha",
            value: alpha,
            reason: "must be positive and finite",
        });
    }
    if phi.nrows() != y.nrows() {
        return Err(SolverError::DimensionMismatch { what: "targets", expected: phi.nrows(), got: y.nrows() });
    }
    if phi.nrows() == 0 {
        return Err(SolverError::Empty);
    }
    if let Some(index) = (0..y.nrows()).find(|&i| (0..y.ncols()).any(|t| !y[(i, t)].is_finite())) {
        return Err(SolverError::NonFiniteTarget { index });
    }
    let m = phi.ncols();
    let mut gram = Mat::zeros(m, m);
    faer::linalg::matmul::matmul(gram.as_mut(), Accum::Replace, phi.transpose(), phi, 1.0, par);
    let mut rhs = Mat::zeros(m, y.ncols());
    faer::linalg::matmul::matmul(rhs.as_mut(), Accum::Replace, phi.transpose(), y, 1.0, par);
    kern_kernels::simd::clear_upper_state();
    sum_matrix(collective, &mut gram);
    sum_matrix(collective, &mut rhs);
    for i in 0..m {
        gram[(i, i)] += alpha;
    }
    solve_spd(gram, rhs.as_ref(), par).map_err(|pivot| SolverError::NotPositiveDefinite {
        pivot,
        hint: "ΦᵀΦ + alpha·I did not factor: increase alpha",
    })
}
