//! Conjugate gradient for a symmetric positive-definite operator, on several
//! right-hand sides in lockstep (one operator application serves them all).

use faer::{Mat, MatRef};

/// The solution and how it was reached.
pub(super) struct Solution {
    pub x: Mat<f64>,
    pub iterations: usize,
    /// `‖r‖ / ‖b‖` per column at the end.
    pub relative_residuals: Vec<f64>,
}

/// Solves `A x = b` column by column, starting from zero, until every
/// residual is below `tol` of its right-hand side or `max_iter` iterations.
pub(super) fn conjugate_gradient(
    apply: impl Fn(MatRef<'_, f64>) -> Mat<f64>,
    b: MatRef<'_, f64>,
    max_iter: usize,
    tol: f64,
) -> Solution {
    let (m, t) = (b.nrows(), b.ncols());
    let dot = |a: MatRef<'_, f64>, c: MatRef<'_, f64>, j: usize| -> f64 { (0..m).map(|i| a[(i, j)] * c[(i, j)]).sum() };
    let mut x = Mat::zeros(m, t);
    let mut r = b.to_owned();
    let mut p = r.clone();
    let norms: Vec<f64> = (0..t).map(|j| dot(b, b, j).sqrt()).collect();
    let mut rs: Vec<f64> = (0..t).map(|j| dot(r.as_ref(), r.as_ref(), j)).collect();
    // A column stops when it converges, or when rounding leaves no descent.
    let mut active: Vec<bool> = (0..t).map(|j| rs[j].sqrt() > tol * norms[j]).collect();
    let mut iterations = 0;
    while iterations < max_iter && active.iter().any(|&a| a) {
        let ap = apply(p.as_ref());
        iterations += 1;
        for j in 0..t {
            if !active[j] {
                continue;
            }
            let curvature = dot(p.as_ref(), ap.as_ref(), j);
            if curvature <= 0.0 || !curvature.is_finite() {
                active[j] = false;
                continue;
            }
            let step = rs[j] / curvature;
            for i in 0..m {
                x[(i, j)] += step * p[(i, j)];
                r[(i, j)] -= step * ap[(i, j)];
            }
            let next = dot(r.as_ref(), r.as_ref(), j);
            let ratio = next / rs[j];
            for i in 0..m {
                p[(i, j)] = r[(i, j)] + ratio * p[(i, j)];
            }
            rs[j] = next;
            active[j] = next.sqrt() > tol * norms[j];
        }
    }
    let relative_residuals = (0..t).map(|j| if norms[j] > 0.0 { rs[j].sqrt() / norms[j] } else { 0.0 }).collect();
    Solution { x, iterations, relative_residuals }
}
