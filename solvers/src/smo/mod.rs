//! Sequential minimal optimisation for the SVM dual (LIBSVM's `Solver` and
//! `Solver_NU`): second-order working-set selection (Fan, Chen & Lin 2005),
//! shrinking with a final un-shrink, and an LRU cache of kernel rows.
//!
//! The dual problem is
//! `min ½ αᵀQα + pᵀα  s.t.  yᵀα = Δ, 0 ≤ α_t ≤ C_t`,
//! with `Q[s, t] = y_s y_t K[sample_s, sample_t]` and `y_t = ±1`. The ν
//! variant also keeps `Σ_{y=+1} α` and `Σ_{y=−1} α` fixed.

mod batched;
mod cache;
mod chunks;
mod newton;
mod qmatrix;
mod select;
mod shrink;
mod solver;

use kern_kernels::GramProvider;

/// One dual problem, variables in their natural order.
#[derive(Clone, Debug)]
pub struct DualProblem {
    /// The sample (row of K) behind each variable.
    pub sample: Vec<usize>,
    /// `±1` per variable.
    pub y: Vec<f64>,
    /// The linear term `p`.
    pub p: Vec<f64>,
    /// The upper bound `C_t` per variable.
    pub c: Vec<f64>,
    /// A feasible starting point.
    pub alpha: Vec<f64>,
}

/// Which SMO: LIBSVM's `Solver` (C-SVC, one-class, ε-SVR) or `Solver_NU`
/// (ν-SVC, ν-SVR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// One equality constraint `yᵀα = Δ`.
    Standard,
    /// Two equality constraints, one per sign of `y`.
    Nu,
}

/// Stopping and resource options.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SmoOptions {
    /// Stop when the maximal violating pair's gap is below this (`--tol`).
    pub tol: f64,
    /// Shrink variables that are bound at the optimum (`--no-shrinking` turns it off).
    pub shrinking: bool,
    /// The kernel-row cache's budget (`--cache-mb`).
    pub cache: CacheBudget,
    /// Iteration limit; `None`: LIBSVM's `max(10⁷, 100 n)`.
    pub max_iter: Option<u64>,
    /// Take Newton steps on the free variables between SMO iterations
    /// (see `newton.rs`): the same KKT tolerance in fewer iterations where
    /// many variables are free. Off: LIBSVM's exact sequence of iterates.
    pub newton: bool,
    /// Solve by working sets of this many variables, their kernel rows
    /// computed in one parallel batch (standard dual only; see
    /// `batched.rs`), instead of LIBSVM's pairs. It pays where many samples
    /// end as support vectors and costs where few do. `None`: pairs.
    pub working_set: Option<usize>,
}

impl Default for SmoOptions {
    fn default() -> Self {
        let cache = CacheBudget::Bytes(LIBSVM_CACHE);
        Self { tol: 1e-3, shrinking: true, cache, max_iter: None, newton: true, working_set: None }
    }
}

/// Iterations between two shrinking steps, at most (LIBSVM's `min(l, 1000)`).
pub(crate) const SHRINK_INTERVAL: usize = 1000;

/// LIBSVM's default cache, 100 MiB.
const LIBSVM_CACHE: usize = 100 << 20;

/// How many bytes the kernel-row cache may hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CacheBudget {
    /// This many.
    Bytes(usize),
    /// Room for every row one shrinking interval can read (two per
    /// iteration, each of `l` values in f32), so that no row is computed
    /// twice between two shrinking steps; never less than LIBSVM's 100 MiB,
    /// nor more than `max` (unless `max` is below 100 MiB).
    Interval { max: usize },
}

impl CacheBudget {
    /// The bytes for a problem of `l` variables.
    ///
    /// ```
    /// use kern_solvers::smo::CacheBudget;
    /// let budget = CacheBudget::Interval { max: 1 << 30 };
    /// assert_eq!(budget.bytes(50_000), 2 * 1000 * 50_000 * 4);
    /// assert_eq!(budget.bytes(500), 100 << 20);
    /// assert_eq!(budget.bytes(1_000_000), 1 << 30);
    /// ```
    pub fn bytes(self, l: usize) -> usize {
        match self {
            CacheBudget::Bytes(bytes) => bytes,
            CacheBudget::Interval { max } => {
                let rows = 2 * l.min(SHRINK_INTERVAL);
                rows.saturating_mul(l).saturating_mul(4).min(max).max(LIBSVM_CACHE)
            }
        }
    }
}

/// The optimum found.
#[derive(Clone, Debug, PartialEq)]
pub struct SmoSolution {
    /// `α`, in the problem's variable order.
    pub alpha: Vec<f64>,
    /// The gradient `Qα + p` at `α`, in the same order.
    pub gradient: Vec<f64>,
    /// The offset: the decision function is `Σ y_t α_t K(x_t, x) − rho`.
    pub rho: f64,
    /// `½ αᵀQα + pᵀα`.
    pub objective: f64,
    /// The ν variant's `r` (0 for the standard one).
    pub r: f64,
    /// SMO iterations done (pair updates).
    pub iterations: u64,
    /// Newton steps on the free set taken between them.
    pub newton_steps: u64,
    /// Whether the iteration limit stopped the solver before convergence.
    pub reached_max_iter: bool,
}

/// Solves `problem` on the kernel matrix of `gram`.
pub fn solve(gram: &dyn GramProvider, problem: DualProblem, variant: Variant, options: &SmoOptions) -> SmoSolution {
    let problem_len = problem.y.len();
    // Working sets spread a batch's rows over the threads; pairs split one
    // row (and their loops over it) as the provider does.
    let working_set = options.working_set.filter(|_| variant == Variant::Standard);
    let par = if working_set.is_some() { gram.par() } else { gram.row_par(problem_len) };
    let run = || match working_set {
        Some(q) => batched::solve_batched(gram, problem, options, q),
        None => solver::Solver::new(gram, problem, variant, options).run(),
    };
    if kern_kernels::is_sequential(par) || problem_len < chunks::PARALLEL_LEN {
        // Too small for the loops to split: stay on the caller's thread.
        run()
    } else {
        // On a worker of the pool, the loops' fork-joins are cheap steals
        // instead of a hand-off from an outside thread each time.
        rayon::scope(|_| run())
    }
}
