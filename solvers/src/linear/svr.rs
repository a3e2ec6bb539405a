//! Linear support vector regression by dual coordinate descent (Ho & Lin
//! 2012; LIBLINEAR's `-s 13` and `-s 12`). The dual is
//! `min ½βᵀQβ − yᵀβ + ε‖β‖₁ + (λ/2)‖β‖²` over `|β_i| ≤ U`, with `Q = ΦΦᵀ`
//! and `w = Σ β_i φ_i`: `U = C, λ = 0` for the ε-insensitive loss,
//! `U = ∞, λ = 1/(2C)` for its square. Each coordinate step minimises the
//! one-variable piecewise quadratic exactly.

use faer::MatRef;
use kern_kernels::simd;
use serde::{Deserialize, Serialize};

use super::dcd::{LinearSvmLoss, SampleBounds, q_diagonal, rows_with_bias, shuffle, validate_common};
use crate::SolverError;
use crate::rng::SplitMix64;
use crate::weights::check_sample_weights;

/// A linear SVR's parameters (validated at fit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearSvr {
    /// Cost `C > 0`.
    pub c: f64,
    /// Half-width `ε ≥ 0` of the insensitive tube.
    pub epsilon: f64,
    /// `Hinge`: `max(0, |r| − ε)` (L1); `SquaredHinge`: its square (L2).
    pub loss: LinearSvmLoss,
    /// Stop when the largest violation of the optimality conditions in an
    /// epoch falls below this.
    pub tol: f64,
    /// Epochs at most.
    pub max_iter: usize,
    /// Value of the appended constant feature (0: no intercept).
    pub bias: f64,
    /// Seed of the visiting order.
    pub seed: u64,
}

impl Default for LinearSvr {
    fn default() -> Self {
        Self { c: 1.0, epsilon: 0.1, loss: LinearSvmLoss::Hinge, tol: 1e-3, max_iter: 1000, bias: 1.0, seed: 0 }
    }
}

impl LinearSvr {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SolverError> {
        validate_common(self.c, self.tol, self.bias)?;
        if !(self.epsilon.is_finite() && self.epsilon >= 0.0) {
            return Err(SolverError::InvalidParameter {
                name: "epsilon",
                value: self.epsilon,
                reason: "must be ≥ 0 and finite",
            });
        }
        Ok(())
    }
}

/// A fitted linear SVR: `f(φ) = wᵀφ + b`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearSvrModel {
    /// `w` (length `M`).
    pub weights: Vec<f64>,
    /// `b` (`bias × w_bias`).
    pub intercept: f64,
    /// The loss it was fitted with.
    pub loss: LinearSvmLoss,
    /// Epochs taken.
    pub iterations: usize,
    /// Whether the tolerance was met within `max_iter` epochs.
    pub converged: bool,
}

impl LinearSvrModel {
    /// Fits on features `phi` (`n × M`) and targets `y`.
    ///
    /// ```
    /// use faer::Mat;
    /// use kern_solvers::linear::{LinearSvr, LinearSvrModel};
    /// let phi = Mat::from_fn(20, 1, |i, _| i as f64 / 10.0);
    /// let y: Vec<f64> = (0..20).map(|i| 3.0 * i as f64 / 10.0 + 1.0).collect();
    /// let params = LinearSvr { c: 100.0, epsilon: 0.01, ..LinearSvr::default() };
    /// let model = LinearSvrModel::fit(&params, phi.as_ref(), &y).unwrap();
    /// assert!((model.predict(phi.as_ref())[5] - y[5]).abs() < 0.05);
    /// ```
    pub fn fit(params: &LinearSvr, phi: MatRef<'_, f64>, y: &[f64]) -> Result<Self, SolverError> {
        Self::fit_weighted(params, phi, y, None)
    }

    /// [`fit`](Self::fit) with a positive weight per sample multiplying its
    /// cost C (`None`: all 1).
    pub fn fit_weighted(
        params: &LinearSvr,
        phi: MatRef<'_, f64>,
        y: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<Self, SolverError> {
        params.validate()?;
        if let Some(w) = weights {
            check_sample_weights(w, phi.nrows())?;
        }
        if y.len() != phi.nrows() {
            return Err(SolverError::DimensionMismatch { what: "targets", expected: phi.nrows(), got: y.len() });
        }
        if y.is_empty() {
            return Err(SolverError::Empty);
        }
        if let Some(index) = y.iter().position(|v| !v.is_finite()) {
            return Err(SolverError::NonFiniteTarget { index });
        }
        let width = phi.ncols() + 1;
        let rows = rows_with_bias(phi, params.bias);
        let (mut w, _, iterations, converged) = solve_dual(params, &rows, width, y, weights);
        let w_bias = w.pop().expect("the bias weight");
        Ok(Self { weights: w, intercept: params.bias * w_bias, loss: params.loss, iterations, converged })
    }

    /// `wᵀφ + b` at each row of `phi`.
    pub fn predict(&self, phi: MatRef<'_, f64>) -> Vec<f64> {
        (0..phi.nrows())
            .map(|i| (0..phi.ncols()).map(|j| phi[(i, j)] * self.weights[j]).sum::<f64>() + self.intercept)
            .collect()
    }
}

/// Dual coordinate descent; `rows` holds the samples one after another
/// (`width` values each). Returns `w`, `β`, the epochs and whether the
/// tolerance was met.
///
/// With LIBLINEAR's shrinking (Ho & Lin 2012, §4): a variable held at 0 or
/// at a bound by a gradient beyond last epoch's largest violation leaves the
/// active set; once the active set meets the tolerance, every variable is
/// checked again before stopping.
fn solve_dual(
    params: &LinearSvr,
    rows: &[f64],
    width: usize,
    y: &[f64],
    weights: Option<&[f64]>,
) -> (Vec<f64>, Vec<f64>, usize, bool) {
    let n = y.len();
    let eps = params.epsilon;
    let SampleBounds { upper, lambda } = SampleBounds::new(params.loss, params.c, weights, n);
    let row = |i: usize| &rows[i * width..(i + 1) * width];
    let q = q_diagonal(rows, width, &lambda);
    let mut beta = vec![0.0; n];
    let mut w = vec![0.0; width];
    let mut active: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64::new(params.seed);
    let mut worst_old = f64::INFINITY;
    for epoch in 1..=params.max_iter {
        shuffle(&mut active, &mut rng);
        let mut worst: f64 = 0.0;
        let mut s = 0;
        while s < active.len() {
            let i = active[s];
            let xi = row(i);
            let b = beta[i];
            // Gradient of the smooth part; ±ε is the subgradient of |β_i|.
            let g = simd::dot(xi, &w) - y[i] + lambda[i] * b;
            let (gp, gn) = (g + eps, g - eps);
            if shrinkable(b, gp, gn, upper[i], worst_old) {
                active.swap_remove(s);
                continue;
            }
            s += 1;
            worst = worst.max(violation(b, gp, gn, upper[i]));
            let h = q[i];
            if h <= 0.0 {
                continue;
            }
            // The minimiser of the piecewise quadratic in d = β_i' − β_i.
            let d = if gp < h * b {
                -gp / h
            } else if gn > h * b {
                -gn / h
            } else {
                -b
            };
            let new = (b + d).clamp(-upper[i], upper[i]);
            if new != b {
                beta[i] = new;
                simd::axpy(new - b, xi, &mut w);
            }
        }
        if worst < params.tol {
            if active.len() == n {
                return (w, beta, epoch, true);
            }
            active = (0..n).collect();
            worst_old = f64::INFINITY;
            continue;
        }
        worst_old = worst;
    }
    (w, beta, params.max_iter, false)
}

/// Whether `β_i` may leave the active set: held at 0 inside the tube, or at
/// a bound, by a margin wider than `worst_old` (LIBLINEAR's rule).
fn shrinkable(b: f64, gp: f64, gn: f64, upper: f64, worst_old: f64) -> bool {
    if b == 0.0 {
        gp > worst_old && gn < -worst_old
    } else if b >= upper {
        gp < -worst_old
    } else if b <= -upper {
        gn > worst_old
    } else {
        false
    }
}

/// How far `β_i` is from optimal: the distance of 0 from the subdifferential
/// `[gn, gp]` (at 0) or from the one-sided gradient (elsewhere, at a bound).
fn violation(b: f64, gp: f64, gn: f64, upper: f64) -> f64 {
    if b == 0.0 {
        (-gp).max(gn).max(0.0)
    } else if b >= upper {
        gp.max(0.0)
    } else if b <= -upper {
        (-gn).max(0.0)
    } else if b > 0.0 {
        gp.abs()
    } else {
        gn.abs()
    }
}

#[cfg(test)]
mod tests {
    use super::{LinearSvr, solve_dual};
    use crate::linear::LinearSvmLoss;
    use crate::rng::SplitMix64;

    #[test]
    fn the_duality_gap_closes_for_both_losses() {
        let mut rng = SplitMix64::new(3);
        let (n, width) = (300, 4);
        let rows: Vec<f64> = (0..n)
            .flat_map(|_| {
                let mut r: Vec<f64> = (0..3).map(|_| rng.normal()).collect();
                r.push(1.0);
                r
            })
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| {
                let r = &rows[i * width..(i + 1) * width];
                2.0 * r[0] - r[1] + 0.5 + 0.3 * rng.normal()
            })
            .collect();
        for loss in [LinearSvmLoss::Hinge, LinearSvmLoss::SquaredHinge] {
            let params = LinearSvr { c: 0.7, epsilon: 0.2, loss, tol: 1e-8, max_iter: 100_000, ..LinearSvr::default() };
            let (w, beta, _, converged) = solve_dual(&params, &rows, width, &y, None);
            assert!(converged);
            let ww: f64 = w.iter().map(|v| v * v).sum();
            let tube: Vec<f64> = (0..n)
                .map(|i| {
                    let f: f64 = rows[i * width..(i + 1) * width].iter().zip(&w).map(|(a, b)| a * b).sum();
                    ((f - y[i]).abs() - params.epsilon).max(0.0)
                })
                .collect();
            let l1: f64 = beta.iter().map(|b| b.abs()).sum();
            let by: f64 = beta.iter().zip(&y).map(|(b, y)| b * y).sum();
            let (primal, dual) = match loss {
                LinearSvmLoss::Hinge => {
                    (0.5 * ww + params.c * tube.iter().sum::<f64>(), by - params.epsilon * l1 - 0.5 * ww)
                }
                LinearSvmLoss::SquaredHinge => (
                    0.5 * ww + params.c * tube.iter().map(|t| t * t).sum::<f64>(),
                    by - params.epsilon * l1 - 0.5 * ww - beta.iter().map(|b| b * b).sum::<f64>() / (4.0 * params.c),
                ),
            };
            assert!(primal >= dual - 1e-9, "weak duality: {primal} < {dual}");
            assert!((primal - dual) / primal < 1e-6, "{loss:?}: gap {} of {primal}", primal - dual);
            let upper = if loss == LinearSvmLoss::Hinge { params.c } else { f64::INFINITY };
            assert!(beta.iter().all(|b| b.abs() <= upper));
        }
    }
}
