//! L-BFGS with box constraints (a projected variant of L-BFGS-B): the
//! quasi-Newton direction of the free variables, a backtracking line search
//! along the projected path, and the stopping rules of scipy's `L-BFGS-B`
//! (projected-gradient tolerance, relative decrease of the objective).

/// Pairs `(s, y)` kept for the inverse-Hessian estimate.
const MEMORY: usize = 10;
/// Stop when `max_i |P(x − g) − x|_i` falls below this.
const PG_TOL: f64 = 1e-5;
/// Stop when the relative decrease of `f` falls below this (scipy's `factr · ε`).
const F_TOL: f64 = 1e7 * f64::EPSILON;
/// Armijo's sufficient-decrease constant.
const ARMIJO: f64 = 1e-4;

/// Where the minimiser stopped.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub f: f64,
    pub evaluations: usize,
}

/// Minimises `f` over the box `lower ≤ x ≤ upper`, from `x0`.
///
/// `f(x, true)` returns the value and the gradient, `f(x, false)` the value
/// (and any gradient, which is ignored); `None` where `f` cannot be
/// evaluated. Line-search trials ask for the value alone, then for the
/// gradient at the point they accept, so an objective whose gradient costs
/// more than its value can keep the first half of the work for the second
/// (a rejected trial then costs only the value).
///
/// ```
/// use kern_solvers::gp::minimize_box;
/// let f = |x: &[f64], _: bool| Some(((x[0] - 3.0).powi(2), vec![2.0 * (x[0] - 3.0)]));
/// let m = minimize_box(f, &[0.0], &[-10.0], &[2.0], 100).unwrap();
/// assert_eq!(m.x, [2.0]); // on the bound
/// ```
pub fn minimize_box(
    f: impl FnMut(&[f64], bool) -> Option<(f64, Vec<f64>)>,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    max_iter: usize,
) -> Option<Minimum> {
    minimize_box_to(f, x0, lower, upper, max_iter, Stop::DEFAULT)
}

/// When [`minimize_box_to`] stops.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stop {
    /// `max_i |P(x − g) − x|_i` below this.
    pub projected_gradient: f64,
    /// The relative decrease of `f` in one step below this.
    pub relative_decrease: f64,
}

impl Stop {
    /// scipy's `L-BFGS-B` defaults.
    pub const DEFAULT: Stop = Stop { projected_gradient: PG_TOL, relative_decrease: F_TOL };

    /// An approximate GP's objective (a sparse GP's bound, the evidence on
    /// features): stop when a step gains less than 1e-4 of it. Against 1e-5,
    /// the same test RMSE and NLL to 3 digits on elevators, pol, bike and
    /// five generated sets (ARD Matérn 3/2), in up to 60 % fewer evaluations:
    /// the steps it skips fit the sample's noise more than the function.
    pub const BOUND: Stop = Stop { projected_gradient: PG_TOL, relative_decrease: 1e-4 };

    /// Tolerances for polishing a minimum found with the defaults: a few
    /// more steps, to the objective's own precision.
    pub const POLISH: Stop = Stop { projected_gradient: 1e-7, relative_decrease: 1e-11 };

    /// scipy's defaults with the relative decrease given (a fit's parameter,
    /// checked by [`check_relative_decrease`]).
    pub const fn relative(relative_decrease: f64) -> Stop {
        Stop { relative_decrease, ..Stop::DEFAULT }
    }
}

/// Checks a [`Stop::relative_decrease`] given as a parameter: in (0, 1).
pub(crate) fn check_relative_decrease(value: f64) -> Result<(), super::GpError> {
    if value > 0.0 && value < 1.0 {
        return Ok(());
    }
    Err(super::GpError::InvalidParameter { name: "relative_decrease", value, reason: "must lie in (0, 1)" })
}

/// [`minimize_box`] with its stopping tolerances given.
pub(crate) fn minimize_box_to(
    mut f: impl FnMut(&[f64], bool) -> Option<(f64, Vec<f64>)>,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    max_iter: usize,
    stop: Stop,
) -> Option<Minimum> {
    let project = |x: &mut [f64]| x.iter_mut().enumerate().for_each(|(i, v)| *v = v.clamp(lower[i], upper[i]));
    let mut x = x0.to_vec();
    project(&mut x);
    let mut evaluations = 1;
    let finite = |(v, g): &(f64, Vec<f64>)| v.is_finite() && g.iter().all(|d| d.is_finite());
    let (mut fx, mut g) = f(&x, true).filter(|e| finite(e) && e.1.len() == x.len())?;
    let mut memory: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    let mut previously_fixed: Vec<bool> = Vec::new();
    for iter in 0..max_iter {
        let pg = (0..x.len()).map(|i| ((x[i] - g[i]).clamp(lower[i], upper[i]) - x[i]).abs()).fold(0.0, f64::max);
        if pg < stop.projected_gradient {
            break;
        }
        // Variables held at a bound by their gradient stay there.
        let fixed: Vec<bool> =
            (0..x.len()).map(|i| (x[i] <= lower[i] && g[i] > 0.0) || (x[i] >= upper[i] && g[i] < 0.0)).collect();
        // Curvature pairs measured with other variables free mislead the
        // reduced problem: start afresh when the active set changes.
        if fixed != previously_fixed {
            memory.clear();
            previously_fixed = fixed.clone();
        }
        let mask = |v: &mut Vec<f64>| {
            v.iter_mut().zip(&fixed).for_each(|(v, &f)| {
                if f {
                    *v = 0.0
                }
            })
        };
        let mut d = two_loop(&memory, &g);
        mask(&mut d);
        let mut slope: f64 = d.iter().zip(&g).map(|(a, b)| a * b).sum();
        if slope >= 0.0 || !slope.is_finite() {
            memory.clear();
            d = g.iter().map(|v| -v).collect();
            mask(&mut d);
            slope = d.iter().zip(&g).map(|(a, b)| a * b).sum();
        }
        if slope >= 0.0 {
            break;
        }
        let norm = d.iter().map(|v| v * v).sum::<f64>().sqrt();
        let mut t = if iter == 0 && memory.is_empty() { (1.0 / norm).min(1.0) } else { 1.0 };
        let mut accepted = None;
        for _ in 0..30 {
            let mut trial: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a + t * b).collect();
            project(&mut trial);
            evaluations += 1;
            if let Some(ft) = f(&trial, false).map(|(v, _)| v).filter(|v| v.is_finite()) {
                let decrease: f64 = g.iter().zip(trial.iter().zip(&x)).map(|(g, (a, b))| g * (a - b)).sum();
                // A projected step that does not move (decrease 0) is no step.
                if decrease < 0.0 && ft <= fx + ARMIJO * decrease {
                    let Some((ft, gt)) = f(&trial, true).filter(|e| finite(e) && e.1.len() == x.len()) else {
                        break;
                    };
                    accepted = Some((trial, ft, gt));
                    break;
                }
            }
            t *= 0.5;
        }
        let Some((x_new, f_new, g_new)) = accepted else {
            if memory.is_empty() {
                break;
            }
            // The quasi-Newton direction failed: retry along the gradient.
            memory.clear();
            continue;
        };
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        if s.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>() > 1e-10 * y.iter().map(|v| v * v).sum::<f64>() {
            if memory.len() == MEMORY {
                memory.remove(0);
            }
            memory.push((s, y));
        }
        let relative = (fx - f_new) / fx.abs().max(f_new.abs()).max(1.0);
        (x, fx, g) = (x_new, f_new, g_new);
        if relative <= stop.relative_decrease {
            break;
        }
    }
    Some(Minimum { x, f: fx, evaluations })
}

/// Minimises the objective that `objective()` makes (one per start, so that
/// it may keep state such as a warm start) over the box `[lower, upper]`
/// from every start in parallel, each until `stop`; the best minimum (ties
/// to the earliest start) and the evaluations spent.
pub(crate) fn best_start_to<F: FnMut(&[f64], bool) -> Option<(f64, Vec<f64>)>>(
    objective: impl Fn() -> F + Sync,
    starts: &[Vec<f64>],
    lower: &[f64],
    upper: &[f64],
    max_iter: usize,
    stop: Stop,
) -> Result<(Minimum, usize), super::GpError> {
    use rayon::prelude::*;
    let results: Vec<_> =
        starts.par_iter().map(|z0| minimize_box_to(objective(), z0, lower, upper, max_iter, stop)).collect();
    let evaluations = results.iter().flatten().map(|m| m.evaluations).sum();
    let best = results
        .into_iter()
        .flatten()
        .fold(None, |best: Option<Minimum>, m| match best {
            Some(b) if b.f <= m.f => Some(b),
            _ => Some(m),
        })
        .ok_or_else(|| super::GpError::NoStart(format!("{} starts", starts.len())))?;
    Ok((best, evaluations))
}

/// `first`, then `restarts` points drawn uniformly in the box `[lower,
/// upper]` (log-parameters, scikit-learn's restarts), seeded.
pub(crate) fn random_starts(
    first: Vec<f64>,
    restarts: usize,
    seed: u64,
    lower: &[f64],
    upper: &[f64],
) -> Vec<Vec<f64>> {
    std::iter::once(first)
        .chain((1..=restarts).map(|r| {
            let mut rng = crate::rng::SplitMix64::new(seed ^ (r as u64).wrapping_mul(0xA076_1D64_78BD_642F));
            lower.iter().zip(upper).map(|(lo, hi)| lo + (hi - lo) * rng.uniform()).collect()
        }))
        .collect()
}

/// The log-bounds of a kernel's hyperparameters and then, with `noise`,
/// of the noise variance: scikit-learn's `bounds` on lengthscales, amplitudes and noise.
pub(crate) fn log_bounds(kernel: &kern_kernels::VectorKernel, bounds: (f64, f64), noise: bool) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> =
        kernel.hyperparameter_bounds(bounds).into_iter().map(|(lo, hi)| (lo.ln(), hi.ln())).collect();
    if noise {
        out.push((bounds.0.ln(), bounds.1.ln()));
    }
    out
}

/// `−H g` by the L-BFGS two-loop recursion over the stored pairs.
fn two_loop(memory: &[(Vec<f64>, Vec<f64>)], g: &[f64]) -> Vec<f64> {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut q = g.to_vec();
    let mut alphas = Vec::with_capacity(memory.len());
    for (s, y) in memory.iter().rev() {
        let a = dot(s, &q) / dot(y, s);
        q.iter_mut().zip(y).for_each(|(q, y)| *q -= a * y);
        alphas.push(a);
    }
    if let Some((s, y)) = memory.last() {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|q| *q *= gamma);
    }
    for ((s, y), a) in memory.iter().zip(alphas.into_iter().rev()) {
        let b = dot(y, &q) / dot(y, s);
        q.iter_mut().zip(s).for_each(|(q, s)| *q += (a - b) * s);
    }
    q.iter_mut().for_each(|q| *q = -*q);
    q
}

#[cfg(test)]
mod tests {
    use super::minimize_box;

    #[test]
    fn finds_the_minimum_of_a_rosenbrock_valley_and_respects_bounds() {
        let rosen = |x: &[f64], _: bool| {
            let (a, b) = (x[0], x[1]);
            let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            Some((f, vec![-2.0 * (1.0 - a) - 400.0 * a * (b - a * a), 200.0 * (b - a * a)]))
        };
        let m = minimize_box(rosen, &[-1.2, 1.0], &[-5.0, -5.0], &[5.0, 5.0], 500).unwrap();
        assert!((m.x[0] - 1.0).abs() < 1e-3 && (m.x[1] - 1.0).abs() < 1e-3, "{:?}", m.x);
        // With x ≤ 0.5 the optimum sits on the bound: (0.5, 0.25).
        let m = minimize_box(rosen, &[-1.2, 1.0], &[-5.0, -5.0], &[0.5, 5.0], 500).unwrap();
        assert!((m.x[0] - 0.5).abs() < 1e-9 && (m.x[1] - 0.25).abs() < 1e-3, "{:?} {}", m.x, m.evaluations);
    }
}
