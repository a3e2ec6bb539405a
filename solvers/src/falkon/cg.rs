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

use crate::SolverError;

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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

/// Conjugate gradient between two iterations: everything it needs to go on
/// and reach the bits an uninterrupted run reaches. Written to a file, it
/// is a checkpoint (`kern fit --checkpoint`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CgState {
    /// A fingerprint of the right-hand side's bits: a state only continues
    /// the system it came from.
    system: u64,
    iterations: usize,
    /// Iterate, residual and direction, column-major, `m × t` each.
    x: Vec<f64>,
    r: Vec<f64>,
    p: Vec<f64>,
    columns: Vec<Column>,
    last: Stopped,
}

impl CgState {
    /// Iterations done.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// The state before the first iteration of `A x = b`, each column
    /// converged where its residual is within `tol` of `norms`, `‖b‖`.
    fn start(b: MatRef<'_, f64>, norms: &[f64], tol: f64) -> Self {
        let (m, t) = (b.nrows(), b.ncols());
        let values: Vec<f64> = (0..t).flat_map(|j| b.col(j).iter().copied().collect::<Vec<_>>()).collect();
        let columns = (0..t)
            .map(|j| {
                let rs = dot(&values[j * m..(j + 1) * m], &values[j * m..(j + 1) * m]);
                let converged = rs.sqrt() <= tol * norms[j];
                Column { rs, energy: 0.0, small_steps: 0, stopped: converged.then_some(Stopped::Residual) }
            })
            .collect();
        CgState {
            system: fingerprint(&values),
            iterations: 0,
            x: vec![0.0; m * t],
            r: values.clone(),
            p: values,
            columns,
            last: Stopped::Residual,
        }
    }
}

/// FNV-1a over the bits of `values`.
fn fingerprint(values: &[f64]) -> u64 {
    values
        .iter()
        .flat_map(|v| v.to_bits().to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, byte| (h ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Where a run keeps its state: `save` after every `every` iterations, and
/// the state to `resume` from.
pub struct Checkpoints<'a> {
    /// Iterations between saves (at least 1).
    pub every: usize,
    /// Keeps a state (a process that does not write it returns `Ok`).
    pub save: &'a dyn Fn(&CgState) -> Result<(), String>,
    /// A state of this system to continue from.
    pub resume: Option<CgState>,
}

/// Solves `A x = b` column by column, starting from zero (or from a
/// checkpoint's state), until each column has converged or settled
/// ([`Stopping`]), or `max_iter` iterations in all.
pub(super) fn conjugate_gradient(
    apply: impl Fn(MatRef<'_, f64>) -> Mat<f64>,
    b: MatRef<'_, f64>,
    stop: Stopping,
    checkpoints: Option<Checkpoints<'_>>,
) -> Result<Solution, SolverError> {
    let (m, t) = (b.nrows(), b.ncols());
    let norms: Vec<f64> = (0..t).map(|j| b.col(j).iter().map(|v| v * v).sum::<f64>().sqrt()).collect();
    let mut state = CgState::start(b, &norms, stop.tol);
    let (every, save, resume) = match checkpoints {
        Some(c) => (c.every.max(1), Some(c.save), c.resume),
        None => (usize::MAX, None, None),
    };
    if let Some(resumed) = resume {
        let fits = resumed.system == state.system && resumed.x.len() == m * t && resumed.columns.len() == t;
        if !fits {
            return Err(SolverError::CheckpointMismatch);
        }
        state = resumed;
    }
    while state.iterations < stop.max_iter && state.columns.iter().any(|c| c.stopped.is_none()) {
        iterate(&mut state, &apply, &norms, stop, m);
        if let Some(save) = save.filter(|_| state.iterations % every == 0) {
            save(&state).map_err(SolverError::Checkpoint)?;
        }
    }
    let mut last = state.last;
    if state.columns.iter().any(|c| c.stopped.is_none()) {
        last = Stopped::IterationLimit;
    }
    let relative_residuals =
        (0..t).map(|j| if norms[j] > 0.0 { state.columns[j].rs.sqrt() / norms[j] } else { 0.0 }).collect();
    let x = Mat::from_fn(m, t, |i, j| state.x[j * m + i]);
    Ok(Solution { x, iterations: state.iterations, relative_residuals, stopped: last })
}

/// One conjugate-gradient iteration on every column still running.
fn iterate(state: &mut CgState, apply: &impl Fn(MatRef<'_, f64>) -> Mat<f64>, norms: &[f64], stop: Stopping, m: usize) {
    let t = norms.len();
    let ap = apply(MatRef::from_column_major_slice(&state.p, m, t));
    state.iterations += 1;
    let CgState { x, r, p, columns, last, .. } = state;
    for (j, column) in columns.iter_mut().enumerate().filter(|(_, c)| c.stopped.is_none()) {
        let col = j * m..(j + 1) * m;
        let (x, r, p) = (&mut x[col.clone()], &mut r[col.clone()], &mut p[col]);
        let ap = ap.col_as_slice(j);
        let curvature = dot(p, ap);
        if curvature <= 0.0 || !curvature.is_finite() {
            column.stopped = Some(Stopped::Breakdown);
            *last = Stopped::Breakdown;
            continue;
        }
        let step = column.rs / curvature;
        for i in 0..m {
            x[i] += step * p[i];
            r[i] -= step * ap[i];
        }
        let step_energy = step * column.rs;
        column.energy += step_energy;
        let small = step_energy <= stop.settle * stop.settle * column.energy;
        column.small_steps = if small { column.small_steps + 1 } else { 0 };
        let next = dot(r, r);
        let ratio = next / column.rs;
        for i in 0..m {
            p[i] = r[i] + ratio * p[i];
        }
        column.rs = next;
        column.stopped = if next.sqrt() <= stop.tol * norms[j] {
            Some(Stopped::Residual)
        } else if column.small_steps >= SETTLE_STEPS {
            Some(Stopped::Settled)
        } else {
            None
        };
        *last = column.stopped.unwrap_or(*last);
    }
}
