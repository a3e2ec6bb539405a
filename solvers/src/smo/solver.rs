//! The SMO loop: pick a pair, solve the two-variable subproblem exactly,
//! update the gradient, repeat until the maximal violation is below tol.

use kern_kernels::{GramProvider, Par};

use super::chunks::for_each_chunk;
use super::newton::NewtonSchedule;
use super::qmatrix::QMatrix;
use super::{DualProblem, SHRINK_INTERVAL, SmoOptions, SmoSolution, Variant};

/// Curvature used when a pair's `Q_ii + Q_jj − 2 y_i y_j Q_ij` is not positive.
pub(super) const TAU: f64 = 1e-12;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Bound {
    Lower,
    Upper,
    Free,
}

impl Bound {
    /// Where `alpha` lies in `[0, c]`.
    pub(super) fn of(alpha: f64, c: f64) -> Self {
        if alpha >= c {
            Bound::Upper
        } else if alpha <= 0.0 {
            Bound::Lower
        } else {
            Bound::Free
        }
    }
}

/// `rho` as LIBSVM computes it for the standard dual, over `(y, G, bound)`
/// per variable: the mean of `y G` over free variables, or the middle of
/// the feasible interval when none is free.
pub(super) fn rho_standard(vars: impl Iterator<Item = (f64, f64, Bound)>) -> f64 {
    let (mut ub, mut lb, mut sum_free, mut n_free) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
    for (y, g, bound) in vars {
        let yg = y * g;
        match bound {
            Bound::Upper if y < 0.0 => ub = ub.min(yg),
            Bound::Upper => lb = lb.max(yg),
            Bound::Lower if y > 0.0 => ub = ub.min(yg),
            Bound::Lower => lb = lb.max(yg),
            Bound::Free => {
                n_free += 1;
                sum_free += yg;
            }
        }
    }
    if n_free > 0 { sum_free / n_free as f64 } else { (ub + lb) / 2.0 }
}

pub(super) struct Solver<'a> {
    pub(super) q: QMatrix<'a>,
    pub(super) variant: Variant,
    pub(super) active_size: usize,
    pub(super) y: Vec<f64>,
    pub(super) g: Vec<f64>,
    /// `Σ_{α_t at upper bound} C_t Q[·, t]`: lets the gradient of shrunk
    /// variables be rebuilt from the free ones only.
    pub(super) g_bar: Vec<f64>,
    pub(super) alpha: Vec<f64>,
    pub(super) status: Vec<Bound>,
    pub(super) p: Vec<f64>,
    pub(super) c: Vec<f64>,
    /// The original variable at each position.
    pub(super) active_set: Vec<usize>,
    pub(super) tol: f64,
    pub(super) shrinking: bool,
    pub(super) unshrunk: bool,
    max_iter: u64,
    /// Scratch for a row of Q in f64 (shrinking, the ν selection, Newton steps).
    pub(super) qi: Vec<f64>,
    pub(super) qj: Vec<f64>,
    /// How the O(l) loops split: as the provider splits a kernel row, so
    /// each thread reads the half of a row it wrote (`GramProvider::row_par`).
    pub(super) par: Par,
    /// When Newton steps on the free set are due (`None`: never).
    pub(super) newton: Option<NewtonSchedule>,
}

impl<'a> Solver<'a> {
    pub(super) fn new(
        gram: &'a dyn GramProvider,
        problem: DualProblem,
        variant: Variant,
        options: &SmoOptions,
    ) -> Self {
        let l = problem.y.len();
        let cache_bytes = options.cache.bytes(l);
        let q = QMatrix::new(gram, problem.sample, problem.y.clone(), cache_bytes);
        let default_max = (100 * l as u64).max(10_000_000);
        let mut solver = Self {
            q,
            variant,
            active_size: l,
            y: problem.y,
            g: problem.p.clone(),
            g_bar: vec![0.0; l],
            alpha: problem.alpha,
            status: vec![Bound::Free; l],
            p: problem.p,
            c: problem.c,
            active_set: (0..l).collect(),
            tol: options.tol,
            shrinking: options.shrinking,
            unshrunk: false,
            max_iter: options.max_iter.unwrap_or(default_max),
            qi: Vec::with_capacity(l),
            qj: Vec::new(),
            par: gram.row_par(l),
            newton: options.newton.then(|| NewtonSchedule::new(l, cache_bytes)),
        };
        for t in 0..l {
            solver.update_status(t);
        }
        // G = p + Qα, and G_bar from the variables at their upper bound.
        let mut row = Vec::with_capacity(l);
        for t in 0..l {
            if solver.status[t] != Bound::Lower {
                solver.q.row(t, l, &mut row);
                let a = solver.alpha[t];
                for (g, &qv) in solver.g.iter_mut().zip(&row) {
                    *g += a * qv;
                }
                if solver.status[t] == Bound::Upper {
                    let c = solver.c[t];
                    for (gb, &qv) in solver.g_bar.iter_mut().zip(&row) {
                        *gb += c * qv;
                    }
                }
            }
        }
        solver
    }

    pub(super) fn update_status(&mut self, t: usize) {
        self.status[t] = Bound::of(self.alpha[t], self.c[t]);
    }

    pub(super) fn is_upper(&self, t: usize) -> bool {
        self.status[t] == Bound::Upper
    }

    pub(super) fn is_lower(&self, t: usize) -> bool {
        self.status[t] == Bound::Lower
    }

    pub(super) fn l(&self) -> usize {
        self.y.len()
    }

    /// Swaps positions `s` and `t` in every per-variable array.
    pub(super) fn swap_index(&mut self, s: usize, t: usize) {
        self.q.swap(s, t);
        self.y.swap(s, t);
        self.g.swap(s, t);
        self.status.swap(s, t);
        self.alpha.swap(s, t);
        self.p.swap(s, t);
        self.c.swap(s, t);
        self.active_set.swap(s, t);
        self.g_bar.swap(s, t);
    }

    pub(super) fn run(mut self) -> SmoSolution {
        let l = self.l();
        let mut iterations = 0u64;
        let mut counter = l.min(SHRINK_INTERVAL) + 1;
        while iterations < self.max_iter {
            counter -= 1;
            if counter == 0 {
                counter = l.min(SHRINK_INTERVAL);
                if self.shrinking {
                    self.do_shrinking();
                }
            }
            if self.newton.as_ref().is_some_and(NewtonSchedule::is_due) {
                self.scheduled_newton_step();
            }
            let pair = match self.select_working_set() {
                Some(pair) => pair,
                None => {
                    // Optimal on the active set: check all variables.
                    self.unshrink_all();
                    match self.select_working_set() {
                        Some(pair) => {
                            counter = 1; // shrink again at the next iteration
                            pair
                        }
                        None => break,
                    }
                }
            };
            iterations += 1;
            if let Some(schedule) = &mut self.newton {
                schedule.work += self.active_size as f64;
            }
            self.update_pair(pair.0, pair.1);
        }
        let reached_max_iter = iterations >= self.max_iter;
        if reached_max_iter {
            self.unshrink_all();
        }
        let (rho, r) = match self.variant {
            Variant::Standard => (self.calculate_rho(), 0.0),
            Variant::Nu => self.calculate_rho_nu(),
        };
        let objective = (0..l).map(|t| self.alpha[t] * (self.g[t] + self.p[t])).sum::<f64>() / 2.0;
        let mut alpha = vec![0.0; l];
        let mut gradient = vec![0.0; l];
        for t in 0..l {
            alpha[self.active_set[t]] = self.alpha[t];
            gradient[self.active_set[t]] = self.g[t];
        }
        let newton_steps = self.newton.as_ref().map_or(0, |s| s.steps);
        SmoSolution { alpha, gradient, rho, objective, r, iterations, newton_steps, reached_max_iter }
    }

    /// Solves the two-variable subproblem on `(i, j)` exactly, clips to the
    /// box, and updates the gradients.
    fn update_pair(&mut self, i: usize, j: usize) {
        let len = self.active_size;
        let (qd_i, qd_j) = (self.q.diag()[i], self.q.diag()[j]);
        let (old_i, old_j) = (self.alpha[i], self.alpha[j]);
        // The rows are read where the cache holds them (f32, as LIBSVM's).
        let (qi, qj) = self.q.rows_f32(i, j, len);
        let (ai, aj) = pair_optimum(
            self.y[i] == self.y[j],
            (qd_i, qd_j, f64::from(qi[j])),
            (self.g[i], self.g[j]),
            (old_i, old_j),
            (self.c[i], self.c[j]),
        );
        self.alpha[i] = ai;
        self.alpha[j] = aj;
        let (da_i, da_j) = (ai - old_i, aj - old_j);
        for_each_chunk(self.par, &mut self.g[..len], |start, g| {
            let range = start..start + g.len();
            for ((g, &a), &b) in g.iter_mut().zip(&qi[range.clone()]).zip(&qj[range]) {
                *g += f64::from(a) * da_i + f64::from(b) * da_j;
            }
        });
        let (was_upper_i, was_upper_j) = (self.is_upper(i), self.is_upper(j));
        self.update_status(i);
        self.update_status(j);
        let l = self.l();
        for (t, was_upper) in [(i, was_upper_i), (j, was_upper_j)] {
            if was_upper != self.is_upper(t) {
                let delta = if was_upper { -self.c[t] } else { self.c[t] };
                let (row, _) = self.q.row_f32(t, l);
                for (gb, &qv) in self.g_bar.iter_mut().zip(row) {
                    *gb += delta * f64::from(qv);
                }
            }
        }
    }

    /// `rho` as LIBSVM computes it (see [`rho_standard`]).
    fn calculate_rho(&self) -> f64 {
        rho_standard((0..self.active_size).map(|t| (self.y[t], self.g[t], self.status[t])))
    }

    /// ν variant: `(rho, r)` from the two classes' free gradients.
    fn calculate_rho_nu(&self) -> (f64, f64) {
        let mut side = [(f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize); 2];
        for t in 0..self.active_size {
            let s = &mut side[usize::from(self.y[t] < 0.0)];
            let g = self.g[t];
            match self.status[t] {
                Bound::Upper => s.1 = s.1.max(g),
                Bound::Lower => s.0 = s.0.min(g),
                Bound::Free => {
                    s.3 += 1;
                    s.2 += g;
                }
            }
        }
        let r_of = |(ub, lb, sum, n): (f64, f64, f64, usize)| if n > 0 { sum / n as f64 } else { (ub + lb) / 2.0 };
        let (r1, r2) = (r_of(side[0]), r_of(side[1]));
        ((r1 - r2) / 2.0, (r1 + r2) / 2.0)
    }
}

/// The optimum of the dual on the pair `(i, j)` with every other variable
/// held (LIBSVM's update, clipped to the box along the constraint line):
/// `same_sign` is `y_i = y_j`; `q` is `(Q_ii, Q_jj, Q_ij)`, `g` the pair's
/// gradient, `alpha` and `c` its values and bounds.
pub(super) fn pair_optimum(
    same_sign: bool,
    (qd_i, qd_j, q_ij): (f64, f64, f64),
    (g_i, g_j): (f64, f64),
    (mut ai, mut aj): (f64, f64),
    (c_i, c_j): (f64, f64),
) -> (f64, f64) {
    if !same_sign {
        let quad = qd_i + qd_j + 2.0 * q_ij;
        let quad = if quad > 0.0 { quad } else { TAU };
        let delta = (-g_i - g_j) / quad;
        let diff = ai - aj;
        ai += delta;
        aj += delta;
        if diff > 0.0 {
            if aj < 0.0 {
                aj = 0.0;
                ai = diff;
            }
        } else if ai < 0.0 {
            ai = 0.0;
            aj = -diff;
        }
        if diff > c_i - c_j {
            if ai > c_i {
                ai = c_i;
                aj = c_i - diff;
            }
        } else if aj > c_j {
            aj = c_j;
            ai = c_j + diff;
        }
    } else {
        let quad = qd_i + qd_j - 2.0 * q_ij;
        let quad = if quad > 0.0 { quad } else { TAU };
        let delta = (g_i - g_j) / quad;
        let sum = ai + aj;
        ai -= delta;
        aj += delta;
        if sum > c_i {
            if ai > c_i {
                ai = c_i;
                aj = sum - c_i;
            }
        } else if aj < 0.0 {
            aj = 0.0;
            ai = sum;
        }
        if sum > c_j {
            if aj > c_j {
                aj = c_j;
                ai = sum - c_j;
            }
        } else if ai < 0.0 {
            ai = 0.0;
            aj = sum;
        }
    }
    (ai, aj)
}
