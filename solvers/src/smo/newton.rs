//! A Newton step on the free variables, between SMO iterations.
//!
//! SMO changes two variables at a time. Where many variables are free (large
//! C, or a small gamma), it zigzags: hundreds of thousands of pair updates
//! slowly settle a set of free variables whose optimum is one linear solve.
//! This step takes that solve. With the bound variables held, it minimises
//! the dual over the free set `F` subject to the equality constraints
//! (`yᵀα` for the standard dual, each class's sum for ν):
//!
//! `min_d ½ dᵀ Q_FF d + G_Fᵀ d   s.t.  A d = 0`,
//!
//! whose solution is `d = −H⁻¹ (G_F + Aᵀ b)` with `(A H⁻¹ Aᵀ) b = −A H⁻¹ G_F`
//! and `H = Q_FF` (plus a tiny ridge when it is singular). `α_F` then moves
//! along `d` by an exact line search cut where the first variable reaches
//! its bound (an active-set step), or to the full step projected onto the
//! box and the constraints, whichever is lower. Every step lowers the objective and keeps
//! α feasible, so SMO's stopping rule, and its tolerance, are unchanged:
//! the solver returns a point satisfying the same KKT conditions as without
//! the step, in fewer iterations.

use faer::{Mat, Par};

use super::solver::{Bound, Solver};
use super::{SHRINK_INTERVAL, Variant};
use crate::linalg::{cholesky, cholesky_solve};

/// How much cheaper than SMO's own work since the last step a Newton step
/// must be: a step that does not help then costs at most a tenth more time.
const WORK_RATIO: f64 = 10.0;

/// When Newton steps are due, by a deterministic model of their cost (never
/// by timing, so the iterates do not depend on the machine's load).
///
/// Work is counted in SMO's unit, one variable swept by one iteration. A
/// step on `k` free variables of an active set of `n` costs about
/// `k³/150 + kn/2` of those units (a Cholesky factorisation at ~20 flops per
/// unit, and gathering `k` cached rows); it is taken once SMO has done
/// [`WORK_RATIO`] times that since the last one, and only when every free
/// row is in the cache, so a step never computes kernel values.
pub(super) struct NewtonSchedule {
    /// SMO's work since the last step (or since the start).
    pub(super) work: f64,
    /// The work at which the free set is next looked at.
    due: f64,
    /// The largest free set a step takes: its `k × k` matrix stays within
    /// the kernel cache's budget.
    max_free: usize,
    /// Steps taken.
    pub(super) steps: u64,
}

impl NewtonSchedule {
    /// The schedule of a problem of `l` variables with a kernel cache of
    /// `cache_bytes`: nothing before SMO has swept `l²` (a short solve
    /// never sees a step, and follows LIBSVM's iterates exactly).
    pub(super) fn new(l: usize, cache_bytes: usize) -> Self {
        let max_free = ((cache_bytes / 8) as f64).sqrt() as usize;
        Self { work: 0.0, due: (l as f64) * (l as f64), max_free, steps: 0 }
    }

    pub(super) fn is_due(&self) -> bool {
        self.work >= self.due
    }

    /// The cost of a step on `k` of `n` active variables, in SMO's unit.
    fn cost(k: usize, n: usize) -> f64 {
        let (k, n) = (k as f64, n as f64);
        k * k * k / 150.0 + k * n / 2.0
    }
}

impl Solver<'_> {
    /// Called when the schedule is due: takes a step if the free set is now
    /// cheap enough, else puts the next look off until it would be.
    pub(super) fn scheduled_newton_step(&mut self) {
        let free: Vec<usize> = (0..self.active_size).filter(|&t| self.status[t] == Bound::Free).collect();
        let n = self.active_size;
        let Some(schedule) = &mut self.newton else { return };
        let needed = WORK_RATIO * NewtonSchedule::cost(free.len(), n);
        if free.len() < 2 || free.len() > schedule.max_free || schedule.work < needed {
            schedule.due = needed.max(schedule.work + (n * n.min(SHRINK_INTERVAL)) as f64);
            return;
        }
        if !free.iter().all(|&s| self.q.is_cached(s, n)) {
            // SMO will bring the rows in if it uses them; look again later.
            schedule.due = schedule.work + needed;
            return;
        }
        schedule.work = 0.0;
        schedule.due = needed;
        if self.newton_step(&free)
            && let Some(schedule) = &mut self.newton
        {
            schedule.steps += 1;
        }
    }

    /// One Newton step on the free variables `free` (positions in the active
    /// set); whether α moved.
    pub(super) fn newton_step(&mut self, free: &[usize]) -> bool {
        let mut row = std::mem::take(&mut self.qi);
        let target = self.free_set_step(free, &mut row);
        if let Some(x) = &target {
            self.move_free(free, x, &mut row);
        }
        self.qi = row;
        target.is_some()
    }

    /// The new values of `α_F`, lower in the objective, or `None` when no
    /// step lowers it. `row` is scratch for rows of Q.
    fn free_set_step(&mut self, free: &[usize], row: &mut Vec<f64>) -> Option<Vec<f64>> {
        let k = free.len();
        if k < 2 {
            return None;
        }
        let n = self.active_size;
        // H = Q_FF, from the rows of the free variables.
        let mut h = Mat::<f64>::zeros(k, k);
        for (a, &s) in free.iter().enumerate() {
            self.q.row(s, n, row);
            for (b, &t) in free.iter().enumerate() {
                h[(b, a)] = row[t];
            }
        }
        let g: Vec<f64> = free.iter().map(|&t| self.g[t]).collect();
        let constraints = self.constraint_rows(free);
        let d = newton_direction(&h, &g, &constraints)?;
        // Exact line search along d, then the ratio test against the box.
        let hd = sym_times(&h, &d);
        let slope: f64 = g.iter().zip(&d).map(|(g, d)| g * d).sum();
        let curvature: f64 = d.iter().zip(&hd).map(|(d, hd)| d * hd).sum();
        if slope.is_nan() || slope >= 0.0 {
            return None;
        }
        let alpha_f: Vec<f64> = free.iter().map(|&t| self.alpha[t]).collect();
        let upper: Vec<f64> = free.iter().map(|&t| self.c[t]).collect();
        let mut step = if curvature > 0.0 { -slope / curvature } else { f64::INFINITY };
        let mut blocking = None;
        for a in 0..k {
            let room = if d[a] > 0.0 {
                (upper[a] - alpha_f[a]) / d[a]
            } else if d[a] < 0.0 {
                -alpha_f[a] / d[a]
            } else {
                continue;
            };
            if room < step {
                step = room;
                blocking = Some(a);
            }
        }
        // Two candidates: the step cut at the first bound, and the full step
        // projected onto the box and the constraints (many variables may
        // reach their bounds at once). The one that lowers the objective more
        // is taken.
        let mut cut = None;
        if step.is_finite() && step > 0.0 {
            let mut x: Vec<f64> = (0..k).map(|a| (alpha_f[a] + step * d[a]).clamp(0.0, upper[a])).collect();
            if let Some(b) = blocking {
                x[b] = if d[b] > 0.0 { upper[b] } else { 0.0 };
            }
            cut = Some((step * slope + 0.5 * step * step * curvature, x));
        }
        // The projected step, halved while that lowers the objective more.
        let mut projected: Option<(f64, Vec<f64>)> = None;
        let mut scale = 1.0;
        for _ in 0..12 {
            let z: Vec<f64> = (0..k).map(|a| alpha_f[a] + scale * d[a]).collect();
            let Some(x) = project(&z, &upper, &constraints, &alpha_f) else { break };
            let delta: Vec<f64> = (0..k).map(|a| x[a] - alpha_f[a]).collect();
            let hd = sym_times(&h, &delta);
            let change: f64 = (0..k).map(|a| delta[a] * (g[a] + 0.5 * hd[a])).sum();
            match &projected {
                Some((best, _)) if *best <= change => {
                    if *best < 0.0 {
                        break;
                    }
                }
                _ => projected = Some((change, x)),
            }
            scale *= 0.5;
        }
        let best = match (cut, projected) {
            (Some(c), Some(p)) => Some(if p.0 < c.0 { p } else { c }),
            (c, p) => c.or(p),
        };
        let (_, mut x) = best.filter(|(change, _)| *change < 0.0)?;
        restore_sums(&mut x, &upper, &constraints, &alpha_f);
        Some(x)
    }

    /// Sets `α_F = x` and updates `G` over the active set and `G_bar` for the
    /// variables that reached their upper bound.
    fn move_free(&mut self, free: &[usize], x: &[f64], row: &mut Vec<f64>) {
        let (n, l) = (self.active_size, self.l());
        for (&s, &new) in free.iter().zip(x) {
            let delta = new - self.alpha[s];
            self.alpha[s] = new;
            if delta == 0.0 {
                continue;
            }
            self.q.row(s, n, row);
            for (g, &q) in self.g[..n].iter_mut().zip(row.iter()) {
                *g += delta * q;
            }
        }
        for &t in free {
            self.update_status(t);
            if self.is_upper(t) {
                self.q.row(t, l, row);
                let c = self.c[t];
                for (gb, &q) in self.g_bar.iter_mut().zip(row.iter()) {
                    *gb += c * q;
                }
            }
        }
    }

    /// The equality constraints' rows restricted to `free`: `y` for the
    /// standard dual; one indicator per class for ν (a class without free
    /// variables has no row).
    fn constraint_rows(&self, free: &[usize]) -> Vec<Vec<f64>> {
        match self.variant {
            Variant::Standard => vec![free.iter().map(|&t| self.y[t]).collect()],
            Variant::Nu => [1.0, -1.0]
                .iter()
                .map(|&sign| free.iter().map(|&t| f64::from(u8::from(self.y[t] == sign))).collect::<Vec<f64>>())
                .filter(|r| r.iter().any(|&v| v != 0.0))
                .collect(),
        }
    }
}

/// `d = −H⁻¹ (g + Aᵀ b)` with `A d = 0`, by a Cholesky factorisation of
/// `H + λI` (λ zero, or grown from 1e-12 of the largest diagonal until the
/// factorisation succeeds). `None` when it never does.
fn newton_direction(h: &Mat<f64>, g: &[f64], a: &[Vec<f64>]) -> Option<Vec<f64>> {
    let k = g.len();
    let scale = (0..k).map(|i| h[(i, i)]).fold(0.0, f64::max);
    if !(scale > 0.0 && scale.is_finite()) {
        return None;
    }
    let mut factor = h.clone();
    let mut ridge = 0.0;
    while cholesky(factor.as_mut(), Par::Seq).is_err() {
        ridge = if ridge == 0.0 { 1e-12 * scale } else { ridge * 100.0 };
        if ridge > 1e-4 * scale {
            return None;
        }
        factor = h.clone();
        (0..k).for_each(|i| factor[(i, i)] += ridge);
    }
    // Columns: g, then each constraint row; solved together.
    let m = a.len();
    let mut rhs = Mat::<f64>::from_fn(k, m + 1, |i, j| if j == 0 { g[i] } else { a[j - 1][i] });
    cholesky_solve(factor.as_ref(), rhs.as_mut());
    // (A H⁻¹ Aᵀ) b = −A H⁻¹ g, an m × m system (m ≤ 2).
    let dot = |r: &[f64], col: usize| (0..k).map(|i| r[i] * rhs[(i, col)]).sum::<f64>();
    let s: Vec<Vec<f64>> = a.iter().map(|r| (1..=m).map(|c| dot(r, c)).collect()).collect();
    let t: Vec<f64> = a.iter().map(|r| -dot(r, 0)).collect();
    let b = match m {
        0 => vec![],
        1 => vec![t[0] / s[0][0]],
        _ => {
            let det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
            vec![(t[0] * s[1][1] - s[0][1] * t[1]) / det, (s[0][0] * t[1] - s[1][0] * t[0]) / det]
        }
    };
    if !b.iter().all(|v| v.is_finite()) {
        return None;
    }
    let d: Vec<f64> = (0..k).map(|i| -(rhs[(i, 0)] + (0..m).map(|c| b[c] * rhs[(i, c + 1)]).sum::<f64>())).collect();
    d.iter().all(|v| v.is_finite()).then_some(d)
}

/// The point nearest `z` with `0 ≤ x ≤ upper` and each constraint row's
/// `aᵀx` equal to its value at `keep` (the rows have disjoint supports and
/// entries ±1 or 0): per row, `x = clip(z − μ a)` for the μ where `aᵀx(μ)`,
/// a falling piecewise-linear function, meets its target.
fn project(z: &[f64], upper: &[f64], rows: &[Vec<f64>], keep: &[f64]) -> Option<Vec<f64>> {
    let mut x: Vec<f64> = z.iter().zip(upper).map(|(z, u)| z.clamp(0.0, *u)).collect();
    for a in rows {
        let support: Vec<usize> = (0..z.len()).filter(|&i| a[i] != 0.0).collect();
        let target: f64 = support.iter().map(|&i| a[i] * keep[i]).sum();
        // a_i x_i(μ) falls with slope −1 on [start_i, end_i] and is flat
        // outside; at μ → −∞ the sum is Σ_{a=+1} upper.
        let mut breaks: Vec<(f64, f64)> = Vec::with_capacity(2 * support.len());
        let mut level = 0.0;
        for &i in &support {
            let (start, end) = if a[i] > 0.0 { (z[i] - upper[i], z[i]) } else { (-z[i], upper[i] - z[i]) };
            if a[i] > 0.0 {
                level += upper[i];
            }
            breaks.push((start, -1.0));
            breaks.push((end, 1.0));
        }
        if !breaks.iter().all(|b| b.0.is_finite()) {
            return None;
        }
        breaks.sort_by(|p, q| p.0.total_cmp(&q.0));
        let (mut mu, mut slope) = (breaks.first().map_or(0.0, |b| b.0), 0.0);
        for &(at, change) in &breaks {
            let next = level + slope * (at - mu);
            if next <= target && slope < 0.0 {
                break;
            }
            (level, mu) = (next, at);
            slope += change;
        }
        if slope < 0.0 {
            mu += (target - level) / slope;
        }
        support.iter().for_each(|&i| x[i] = (z[i] - mu * a[i]).clamp(0.0, upper[i]));
    }
    Some(x)
}

/// Puts each constraint row's `aᵀx` back to its value at `keep`, exactly up
/// to one rounding, by moving the variable with the most room: the step's
/// arithmetic leaves a residual of the order of the sums' rounding, which
/// would otherwise accumulate over many steps.
fn restore_sums(x: &mut [f64], upper: &[f64], rows: &[Vec<f64>], keep: &[f64]) {
    for a in rows {
        let support = (0..x.len()).filter(|&i| a[i] != 0.0);
        let residual: f64 = support.clone().map(|i| a[i] * (keep[i] - x[i])).sum();
        let room = |i: usize| x[i].min(upper[i] - x[i]);
        if let Some(i) = support.max_by(|&i, &j| room(i).total_cmp(&room(j)))
            && room(i) > residual.abs()
        {
            x[i] += a[i] * residual;
        }
    }
}

/// `H v` for a symmetric `H`, column by column (contiguous in memory).
fn sym_times(h: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    (0..v.len()).map(|b| h.col_as_slice(b).iter().zip(v).map(|(h, v)| h * v).sum()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uniform(s: &mut u64) -> f64 {
        *s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*s >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn projection_keeps_the_sums_and_is_the_nearest_such_point() {
        let mut s = 3;
        for case in 0..200 {
            let k = 1 + case % 17;
            let upper: Vec<f64> = (0..k).map(|_| 0.5 + 2.0 * uniform(&mut s)).collect();
            let keep: Vec<f64> = upper.iter().map(|u| u * uniform(&mut s)).collect();
            let z: Vec<f64> = keep.iter().map(|v| v + 6.0 * uniform(&mut s) - 3.0).collect();
            // One ±1 row (the standard dual), or two disjoint indicator rows (ν).
            let rows: Vec<Vec<f64>> = if case % 2 == 0 {
                vec![(0..k).map(|_| if uniform(&mut s) < 0.5 { 1.0 } else { -1.0 }).collect()]
            } else {
                let first: Vec<f64> = (0..k).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
                vec![first.clone(), first.iter().map(|v| 1.0 - v).collect()]
            };
            let x = project(&z, &upper, &rows, &keep).unwrap();
            for a in &rows {
                let (want, got) = (0..k).fold((0.0, 0.0), |(w, g), i| (w + a[i] * keep[i], g + a[i] * x[i]));
                assert!((want - got).abs() < 1e-12, "case {case}: sum {got} vs {want}");
                // x = clip(z − μ a) with one μ per row: the projection's optimality.
                let mu: Vec<f64> = (0..k)
                    .filter(|&i| a[i] != 0.0 && x[i] > 0.0 && x[i] < upper[i])
                    .map(|i| (z[i] - x[i]) / a[i])
                    .collect();
                assert!(mu.windows(2).all(|w| (w[0] - w[1]).abs() < 1e-9), "case {case}: multipliers {mu:?}");
                if let Some(&mu) = mu.first() {
                    for i in (0..k).filter(|&i| a[i] != 0.0) {
                        let expected = (z[i] - mu * a[i]).clamp(0.0, upper[i]);
                        assert!((x[i] - expected).abs() < 1e-9, "case {case}: x[{i}] {} vs {expected}", x[i]);
                    }
                }
            }
            assert!(x.iter().zip(&upper).all(|(x, u)| (0.0..=*u).contains(x)), "case {case}: outside the box");
        }
    }

    #[test]
    fn the_direction_minimises_the_quadratic_on_the_constraint_plane() {
        // H = BᵀB + I, g random; d must satisfy H d + g + Aᵀb = 0 and A d = 0.
        let mut s = 11;
        let k = 9;
        let b = Mat::<f64>::from_fn(k, k, |_, _| uniform(&mut s) - 0.5);
        let h = Mat::<f64>::from_fn(k, k, |i, j| {
            (0..k).map(|r| b[(r, i)] * b[(r, j)]).sum::<f64>() + f64::from(u8::from(i == j))
        });
        let g: Vec<f64> = (0..k).map(|_| uniform(&mut s) - 0.5).collect();
        let y: Vec<f64> = (0..k).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        let d = newton_direction(&h, &g, std::slice::from_ref(&y)).unwrap();
        assert!(d.iter().zip(&y).map(|(d, y)| d * y).sum::<f64>().abs() < 1e-12);
        let hd = sym_times(&h, &d);
        // H d + g is parallel to y: (H d + g)_i / y_i is one number.
        let ratios: Vec<f64> = (0..k).map(|i| (hd[i] + g[i]) / y[i]).collect();
        assert!(ratios.windows(2).all(|w| (w[0] - w[1]).abs() < 1e-10), "{ratios:?}");
    }
}
