//! Conjugate gradient for a symmetric positive-definite operator, on several
//! right-hand sides in lockstep (one operator application serves them all).
//!
//! Besides the residual, each column watches the size of its steps in the
//! energy norm `‖v‖_A = √(vᵀ A v)`. CG's steps are A-orthogonal, so the
//! iterate's energy is the sum of its steps' energies `γ_k ‖r_k‖²`, and the
//! error of the iterate is the energy of the steps still to come
//! (Hestenes & Stiefel 1952; Strakoš & Tichý 2002 estimate it from the
//! next few steps). A column has settled when its last steps are each
//! below `settle` of the iterate's size: further steps would move it less.

use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

/// Steps in a row that must each be below the settle threshold.
const SETTLE_STEPS: usize = 2;

/// Why conjugate gradient stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// Every residual fell below the tolerance.
    Residual,
    /// The last steps moved every solution by less than the settle fraction.
    Settled,
    /// The iteration limit came first.
    IterationLimit,
    /// Rounding left a column no direction of descent.
    Breakdown,
}

impl Stopped {
    /// The name `--json` reports.
    pub fn name(self) -> &'static str {
        match self {
            Stopped::Residual => "residual",
            Stopped::Settled => "settled",
            Stopped::IterationLimit => "iteration_limit",
            Stopped::Breakdown => "breakdown",
        }
    }
}

/// When to stop.
#[derive(Clone, Copy, Debug)]
pub(super) struct Stopping {
    pub max_iter: usize,
    /// Relative residual.
    pub tol: f64,
    /// Relative step size in the energy norm (0: never settle).
    pub settle: f64,
}

/// The solution and how it was reached.
pub(super) struct Solution {
    pub x: Mat<f64>,
    pub iterations: usize,
    /// `‖r‖ / ‖b‖` per column at the end.
    pub relative_residuals: Vec<f64>,
    /// Why the last column to stop stopped.
    pub stopped: Stopped,
}

/// One column's progress.
struct Column {
    /// `‖r‖²`.
    rs: f64,
    /// `‖x‖²_A`, the sum of the steps' energies.
    energy: f64,
    /// Steps in a row below the settle threshold.
    small_steps: usize,
    /// Why it stopped, once it has.
    stopped: Option<Stopped>,
}

/// Solves `A x = b` column by column, starting from zero, until each column
/// has converged or settled ([`Stopping`]), or `max_iter` iterations.
pub(super) fn conjugate_gradient(
    apply: impl Fn(MatRef<'_, f64>) -> Mat<f64>,
    b: MatRef<'_, f64>,
    stop: Stopping,
) -> Solution {
    let (m, t) = (b.nrows(), b.ncols());
    let dot = |a: MatRef<'_, f64>, c: MatRef<'_, f64>, j: usize| -> f64 { (0..m).map(|i| a[(i, j)] * c[(i, j)]).sum() };
    let mut x = Mat::zeros(m, t);
    let mut r = b.to_owned();
    let mut p = r.clone();
    let norms: Vec<f64> = (0..t).map(|j| dot(b, b, j).sqrt()).collect();
    let mut columns: Vec<Column> = (0..t)
        .map(|j| {
            let rs = dot(r.as_ref(), r.as_ref(), j);
            let converged = rs.sqrt() <= stop.tol * norms[j];
            Column { rs, energy: 0.0, small_steps: 0, stopped: converged.then_some(Stopped::Residual) }
        })
        .collect();
    let mut last = Stopped::Residual;
    let mut iterations = 0;
    while iterations < stop.max_iter && columns.iter().any(|c| c.stopped.is_none()) {
        let ap = apply(p.as_ref());
        iterations += 1;
        for (j, column) in columns.iter_mut().enumerate().filter(|(_, c)| c.stopped.is_none()) {
            let curvature = dot(p.as_ref(), ap.as_ref(), j);
            if curvature <= 0.0 || !curvature.is_finite() {
                column.stopped = Some(Stopped::Breakdown);
                last = Stopped::Breakdown;
                continue;
            }
            let step = column.rs / curvature;
            for i in 0..m {
                x[(i, j)] += step * p[(i, j)];
                r[(i, j)] -= step * ap[(i, j)];
            }
            let step_energy = step * column.rs;
            column.energy += step_energy;
            let small = step_energy <= stop.settle * stop.settle * column.energy;
            column.small_steps = if small { column.small_steps + 1 } else { 0 };
            let next = dot(r.as_ref(), r.as_ref(), j);
            let ratio = next / column.rs;
            for i in 0..m {
                p[(i, j)] = r[(i, j)] + ratio * p[(i, j)];
            }
            column.rs = next;
            column.stopped = if next.sqrt() <= stop.tol * norms[j] {
                Some(Stopped::Residual)
            } else if column.small_steps >= SETTLE_STEPS {
                Some(Stopped::Settled)
            } else {
                None
            };
            last = column.stopped.unwrap_or(last);
        }
    }
    if columns.iter().any(|c| c.stopped.is_none()) {
        last = Stopped::IterationLimit;
    }
    let relative_residuals =
        (0..t).map(|j| if norms[j] > 0.0 { columns[j].rs.sqrt() / norms[j] } else { 0.0 }).collect();
    Solution { x, iterations, relative_residuals, stopped: last }
}
