//! Decomposition by working sets of many variables (Joachims' SVMlight, as
//! ThunderSVM and oneDAL run it): each outer step brings the most violating
//! variables into a working set of `q`, computes their kernel rows in one
//! parallel batch, solves the dual restricted to the set by SMO on its
//! `q × q` block, and updates every gradient from the rows at once. It
//! stops at the same maximal-violation tolerance as LIBSVM's solver, by a
//! different path, so α, nSV and ρ agree with it to that tolerance, not to
//! the bit.

use kern_kernels::{GramProvider, Par, is_sequential};
use rayon::prelude::*;

use super::chunks::for_each_chunk;
use super::qmatrix::distinct_samples;
use super::solver::{Bound, TAU, pair_optimum, rho_standard};
use super::{DualProblem, SmoOptions, SmoSolution};

/// Inner SMO steps per outer step, per working-set variable.
const INNER_STEPS: usize = 10;

/// The problem's variables and their samples.
struct Vars {
    y: Vec<f64>,
    c: Vec<f64>,
    /// The local sample (row of the block) behind each variable.
    local: Vec<usize>,
}

impl Vars {
    fn up(&self, t: usize, a: f64) -> bool {
        if self.y[t] > 0.0 { a < self.c[t] } else { a > 0.0 }
    }

    fn low(&self, t: usize, a: f64) -> bool {
        if self.y[t] > 0.0 { a > 0.0 } else { a < self.c[t] }
    }
}

/// Kernel rows of the working set over the problem's distinct samples, in
/// f32 (LIBSVM's `Qfloat`), one slot per working-set variable.
struct Rows<'a> {
    gram: &'a dyn GramProvider,
    members: Vec<usize>,
    values: Vec<f32>,
    /// The provider's parallelism: a batch's rows, one per thread.
    par: Par,
}

impl Rows<'_> {
    fn n(&self) -> usize {
        self.members.len()
    }

    fn row(&self, slot: usize) -> &[f32] {
        &self.values[slot * self.n()..(slot + 1) * self.n()]
    }

    /// Computes the row of local sample `fill[s]` into slot `s` wherever
    /// `fill[s]` is set, rows in parallel when the provider's parallelism allows.
    fn compute(&mut self, fill: &[Option<usize>]) {
        let n = self.n();
        let (gram, members) = (self.gram, &self.members);
        let one = |scratch: &mut Vec<f64>, (row, m): (&mut [f32], usize)| {
            gram.block(&[members[m]], members, faer::MatMut::from_row_major_slice_mut(scratch, 1, n));
            row.iter_mut().zip(scratch.iter()).for_each(|(r, &k)| *r = k as f32);
        };
        fn filled<'r>((row, f): (&'r mut [f32], &Option<usize>)) -> Option<(&'r mut [f32], usize)> {
            f.map(|m| (row, m))
        }
        if is_sequential(self.par) {
            let mut scratch = vec![0.0; n];
            self.values.chunks_mut(n).zip(fill).filter_map(filled).for_each(|job| one(&mut scratch, job));
        } else {
            self.values.par_chunks_mut(n).zip(fill.par_iter()).filter_map(filled).for_each_init(|| vec![0.0; n], one);
        }
    }
}

/// Solves the standard dual with working sets of `q` variables (fewer where
/// their rows and block would not fit in the cache's budget; at least two).
pub(super) fn solve_batched(
    gram: &dyn GramProvider,
    problem: DualProblem,
    options: &SmoOptions,
    q: usize,
) -> SmoSolution {
    let DualProblem { sample, y, p, c, mut alpha } = problem;
    let l = y.len();
    let (members, local) = distinct_samples(&sample);
    let n = members.len();
    let q = q.min(l).min(largest_set(n, options.cache.bytes(l))).max(2);
    let vars = Vars { y, c, local };
    let mut rows = Rows { gram, members, values: vec![0.0; q * n], par: gram.par() };
    // G = p + Qα, from the rows of the non-zero α.
    let mut g = p.clone();
    let nonzero: Vec<usize> = (0..l).filter(|&t| alpha[t] != 0.0).collect();
    for batch in nonzero.chunks(q) {
        let fill: Vec<Option<usize>> = (0..q).map(|s| batch.get(s).map(|&t| vars.local[t])).collect();
        rows.compute(&fill);
        let slots: Vec<(usize, usize)> = batch.iter().enumerate().map(|(s, &t)| (t, s)).collect();
        let delta: Vec<f64> = batch.iter().map(|&t| alpha[t]).collect();
        update_gradient(&mut g, &vars, &rows, &slots, &delta);
    }
    let mut ws = WorkingSet { vars: Vec::with_capacity(q), held: vec![false; l], free: (0..q).rev().collect() };
    // LIBSVM's limit, on the inner steps.
    let max_iter = options.max_iter.unwrap_or((100 * l as u64).max(10_000_000));
    let mut iterations = 0u64;
    while iterations < max_iter {
        let (up, low) = max_violation(&vars, &g, &alpha);
        if up.0 - low.0 < options.tol {
            break;
        }
        let fill = ws.renew(q, &[up.1, low.1], |held, count| select_violators(&vars, &g, &alpha, held, count));
        rows.compute(&fill.iter().map(|f| f.map(|t| vars.local[t])).collect::<Vec<_>>());
        let old: Vec<f64> = ws.vars.iter().map(|&(t, _)| alpha[t]).collect();
        iterations += solve_subproblem(&ws.vars, &vars, &rows, &g, &mut alpha, options.tol).max(1);
        let delta: Vec<f64> = ws.vars.iter().zip(&old).map(|(&(t, _), &a)| alpha[t] - a).collect();
        update_gradient(&mut g, &vars, &rows, &ws.vars, &delta);
    }
    let rho = rho_standard((0..l).map(|t| (vars.y[t], g[t], Bound::of(alpha[t], vars.c[t]))));
    let objective = (0..l).map(|t| alpha[t] * (g[t] + p[t])).sum::<f64>() / 2.0;
    SmoSolution {
        alpha,
        gradient: g,
        rho,
        objective,
        r: 0.0,
        iterations,
        newton_steps: 0,
        reached_max_iter: iterations >= max_iter,
    }
}

/// The working set and the slots of its rows.
struct WorkingSet {
    /// `(variable, slot of its row)`, oldest first.
    vars: Vec<(usize, usize)>,
    /// Whether each variable is in the set.
    held: Vec<bool>,
    /// Slots no variable holds.
    free: Vec<usize>,
}

impl WorkingSet {
    /// Keeps the newer half of a full set (all of a partial one) and brings
    /// in `pair` (the maximal violating pair) and then the variables
    /// `select(held, count)` gives, up to `q` in all: with the pair always
    /// inside, the subproblem moves it and the decomposition converges
    /// (Lin 2001). Returns, per slot, the variable whose row it must now hold.
    fn renew(
        &mut self,
        q: usize,
        pair: &[usize; 2],
        select: impl FnOnce(&[bool], usize) -> Vec<usize>,
    ) -> Vec<Option<usize>> {
        let keep = if self.vars.len() == q { q / 2 } else { self.vars.len() };
        while self.vars.len() > keep {
            self.evict(0);
        }
        let mut pair = pair.to_vec();
        pair.dedup();
        let missing = pair.iter().filter(|&&t| !self.held[t]).count();
        while self.vars.len() + missing > q {
            let k = self.vars.iter().position(|(t, _)| !pair.contains(t)).expect("q >= 2 leaves room for the pair");
            self.evict(k);
        }
        let mut fresh: Vec<usize> = pair.into_iter().filter(|&t| !self.held[t]).collect();
        fresh.iter().for_each(|&t| self.held[t] = true);
        fresh.extend(select(&self.held, q - self.vars.len() - fresh.len()));
        let mut fill = vec![None; q];
        for t in fresh {
            let slot = self.free.pop().expect("a free slot per fresh variable");
            self.held[t] = true;
            fill[slot] = Some(t);
            self.vars.push((t, slot));
        }
        fill
    }

    fn evict(&mut self, k: usize) {
        let (t, slot) = self.vars.remove(k);
        self.held[t] = false;
        self.free.push(slot);
    }
}

/// The largest working set whose rows over `n` samples (f32) and `q × q`
/// block (f64) fit in `bytes` together: `4 q n + 8 q² ≤ bytes`.
fn largest_set(n: usize, bytes: usize) -> usize {
    let (n, bytes) = (n as f64, bytes as f64);
    ((-4.0 * n + (16.0 * n * n + 32.0 * bytes).sqrt()) / 16.0).floor() as usize
}

/// The maximal violating pair: `max_{I_up} −y G` and `min_{I_low} −y G`,
/// each with its variable.
fn max_violation(vars: &Vars, g: &[f64], alpha: &[f64]) -> ((f64, usize), (f64, usize)) {
    let (mut up, mut low) = ((f64::NEG_INFINITY, 0), (f64::INFINITY, 0));
    for t in 0..g.len() {
        let f = -vars.y[t] * g[t];
        if vars.up(t, alpha[t]) && f > up.0 {
            up = (f, t);
        }
        if vars.low(t, alpha[t]) && f < low.0 {
            low = (f, t);
        }
    }
    (up, low)
}

/// Up to `count` variables outside the working set: alternately the
/// largest `−y G` in `I_up` and the smallest in `I_low`.
fn select_violators(vars: &Vars, g: &[f64], alpha: &[f64], in_ws: &[bool], count: usize) -> Vec<usize> {
    let (mut up, mut low) = (Vec::new(), Vec::new());
    for t in (0..g.len()).filter(|&t| !in_ws[t]) {
        let f = -vars.y[t] * g[t];
        if vars.up(t, alpha[t]) {
            up.push((-f, t));
        }
        if vars.low(t, alpha[t]) {
            low.push((f, t));
        }
    }
    let smallest = |v: &mut Vec<(f64, usize)>| {
        let k = count.min(v.len());
        if k > 0 && k < v.len() {
            v.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        }
        v.truncate(k);
        v.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    };
    smallest(&mut up);
    smallest(&mut low);
    let mut taken = vec![false; g.len()];
    let mut chosen = Vec::with_capacity(count);
    for k in 0..up.len().max(low.len()) {
        for &(_, t) in up.get(k).into_iter().chain(low.get(k)) {
            if !taken[t] && chosen.len() < count {
                taken[t] = true;
                chosen.push(t);
            }
        }
    }
    chosen
}

/// SMO (second-order pairs) on the working set, every other variable held,
/// until its own violation is below a tenth of where it started (and below
/// `tol` at the latest), or `INNER_STEPS` steps per variable. Returns the
/// steps taken.
fn solve_subproblem(
    ws: &[(usize, usize)],
    vars: &Vars,
    rows: &Rows<'_>,
    g_all: &[f64],
    alpha: &mut [f64],
    tol: f64,
) -> u64 {
    let q = ws.len();
    let ys: Vec<f64> = ws.iter().map(|&(t, _)| vars.y[t]).collect();
    // Q restricted to the set, row-major.
    let mut qws = vec![0.0; q * q];
    for (a, &(_, slot)) in ws.iter().enumerate() {
        let row = rows.row(slot);
        for (b, &(t, _)) in ws.iter().enumerate() {
            qws[a * q + b] = ys[a] * ys[b] * f64::from(row[vars.local[t]]);
        }
    }
    let mut a: Vec<f64> = ws.iter().map(|&(t, _)| alpha[t]).collect();
    let mut g: Vec<f64> = ws.iter().map(|&(t, _)| g_all[t]).collect();
    let (up, low) = (|s: usize, a: f64| vars.up(ws[s].0, a), |s: usize, a: f64| vars.low(ws[s].0, a));
    let mut stop = None;
    let mut steps = 0;
    while steps < INNER_STEPS * q {
        let (mut gmax, mut i, mut gmin) = (f64::NEG_INFINITY, usize::MAX, f64::INFINITY);
        for s in 0..q {
            let f = -ys[s] * g[s];
            if up(s, a[s]) && f >= gmax {
                (gmax, i) = (f, s);
            }
            if low(s, a[s]) {
                gmin = gmin.min(f);
            }
        }
        let stop = *stop.get_or_insert((0.1 * (gmax - gmin)).max(tol));
        if i == usize::MAX || gmax - gmin < stop {
            break;
        }
        let qi = &qws[i * q..(i + 1) * q];
        let (mut best, mut j) = (f64::INFINITY, usize::MAX);
        for s in 0..q {
            let f = -ys[s] * g[s];
            if low(s, a[s]) && f < gmax {
                let b = gmax - f;
                let quad = qi[i] + qws[s * q + s] - 2.0 * ys[i] * ys[s] * qi[s];
                let decrease = -(b * b) / if quad > 0.0 { quad } else { TAU };
                if decrease <= best {
                    (best, j) = (decrease, s);
                }
            }
        }
        if j == usize::MAX {
            break;
        }
        let (ci, cj) = (vars.c[ws[i].0], vars.c[ws[j].0]);
        let (ai, aj) =
            pair_optimum(ys[i] == ys[j], (qi[i], qws[j * q + j], qi[j]), (g[i], g[j]), (a[i], a[j]), (ci, cj));
        let (di, dj) = (ai - a[i], aj - a[j]);
        (a[i], a[j]) = (ai, aj);
        let qj = &qws[j * q..(j + 1) * q];
        g.iter_mut().zip(qi.iter().zip(qj)).for_each(|(g, (&qi, &qj))| *g += qi * di + qj * dj);
        steps += 1;
    }
    for (&(t, _), &v) in ws.iter().zip(&a) {
        alpha[t] = v;
    }
    steps as u64
}

/// `G_t += y_t Σ_r y_r Δ_r K[r, t]` for every variable `t`, over the rows
/// of the working set `(variable r, slot)`.
fn update_gradient(g: &mut [f64], vars: &Vars, rows: &Rows<'_>, ws: &[(usize, usize)], delta: &[f64]) {
    let coef: Vec<(usize, f64)> =
        ws.iter().zip(delta).filter(|&(_, &d)| d != 0.0).map(|(&(t, slot), &d)| (slot, d * vars.y[t])).collect();
    if coef.is_empty() {
        return;
    }
    // Σ_r coef_r K[r, ·] over the distinct samples.
    let mut sum = vec![0.0; rows.n()];
    for_each_chunk(rows.par, &mut sum, |start, chunk| {
        for &(slot, w) in &coef {
            let row = &rows.row(slot)[start..start + chunk.len()];
            chunk.iter_mut().zip(row).for_each(|(s, &k)| *s += w * f64::from(k));
        }
    });
    for (t, g) in g.iter_mut().enumerate() {
        *g += vars.y[t] * sum[vars.local[t]];
    }
}
