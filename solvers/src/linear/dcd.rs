//! Linear SVMs by dual coordinate descent (Hsieh, Chang, Lin, Keerthi &
//! Sundararajan 2008; LIBLINEAR's `-s 1` and `-s 3`): one dual variable at a
//! time in a random order each epoch, with `w = Σ α_i y_i φ_i` kept up to
//! date, until the projected gradient's spread falls below the tolerance.
//! A constant feature `bias` is appended (LIBLINEAR's `-B`), so the
//! intercept is regularised as LIBLINEAR and scikit-learn's `LinearSVC` do.

use faer::MatRef;
use kern_kernels::simd;
use serde::{Deserialize, Serialize};

use crate::SolverError;
use crate::rng::SplitMix64;
use crate::weights::check_sample_weights;

/// The loss on the margin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinearSvmLoss {
    /// `max(0, 1 − y wᵀφ)` (L1-loss; dual box `0 ≤ α ≤ C`).
    Hinge,
    /// `max(0, 1 − y wᵀφ)²` (L2-loss; dual `α ≥ 0` with `1/(2C)` on the diagonal).
    SquaredHinge,
}

/// A linear SVM's parameters (validated at fit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearSvm {
    /// Cost `C > 0`.
    pub c: f64,
    /// The loss.
    pub loss: LinearSvmLoss,
    /// Stop when the projected gradient's max − min falls below this (LIBLINEAR: 0.1).
    pub tol: f64,
    /// Epochs at most.
    pub max_iter: usize,
    /// Value of the appended constant feature (0: no intercept).
    pub bias: f64,
    /// Seed of the visiting order.
    pub seed: u64,
}

impl Default for LinearSvm {
    fn default() -> Self {
        Self { c: 1.0, loss: LinearSvmLoss::SquaredHinge, tol: 0.1, max_iter: 1000, bias: 1.0, seed: 0 }
    }
}

impl LinearSvm {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SolverError> {
        validate_common(self.c, self.tol, self.bias)
    }
}

/// The checks the linear SVM and SVR share: `C > 0`, `tol > 0`, `bias ≥ 0`.
pub(super) fn validate_common(c: f64, tol: f64, bias: f64) -> Result<(), SolverError> {
    let bad = |name, value, reason| Err(SolverError::InvalidParameter { name, value, reason });
    if !(c.is_finite() && c > 0.0) {
        return bad("c", c, "must be positive and finite");
    }
    if !(tol.is_finite() && tol > 0.0) {
        return bad("tol", tol, "must be positive and finite");
    }
    if !(bias.is_finite() && bias >= 0.0) {
        return bad("bias", bias, "must be ≥ 0 and finite");
    }
    Ok(())
}

/// A fitted linear SVM over classes `0..n_classes`: one weight vector per
/// binary problem (class 1 against 0 for two classes, each class against
/// the rest beyond).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearSvmModel {
    /// `w` of each problem (length `M`).
    pub weights: Vec<Vec<f64>>,
    /// The intercept of each problem (`bias × w_bias`).
    pub intercepts: Vec<f64>,
    /// Number of classes.
    pub n_classes: usize,
    /// Epochs each problem took.
    pub iterations: Vec<usize>,
    /// Whether every problem met the tolerance within `max_iter` epochs.
    pub converged: bool,
}

impl LinearSvmModel {
    /// Fits on features `phi` (`n × M`) with `classes` below `n_classes`.
    ///
    /// ```
    /// use faer::Mat;
    /// use kern_solvers::linear::{LinearSvm, LinearSvmModel};
    /// let phi = Mat::from_fn(6, 1, |i, _| i as f64 - 2.5);
    /// let classes = [0, 0, 0, 1, 1, 1];
    /// let model = LinearSvmModel::fit(&LinearSvm::default(), phi.as_ref(), &classes, 2).unwrap();
    /// assert_eq!(model.predict(phi.as_ref()), classes);
    /// ```
    pub fn fit(
        params: &LinearSvm,
        phi: MatRef<'_, f64>,
        classes: &[usize],
        n_classes: usize,
    ) -> Result<Self, SolverError> {
        Self::fit_weighted(params, phi, classes, n_classes, None)
    }

    /// [`fit`](Self::fit) with a positive weight per sample multiplying its
    /// cost C (LIBLINEAR's instance weights; `None`: all 1).
    pub fn fit_weighted(
        params: &LinearSvm,
        phi: MatRef<'_, f64>,
        classes: &[usize],
        n_classes: usize,
        weights: Option<&[f64]>,
    ) -> Result<Self, SolverError> {
        params.validate()?;
        if let Some(w) = weights {
            check_sample_weights(w, phi.nrows())?;
        }
        if classes.len() != phi.nrows() {
            return Err(SolverError::DimensionMismatch { what: "labels", expected: phi.nrows(), got: classes.len() });
        }
        if n_classes < 2 {
            return Err(SolverError::OneClassOnly);
        }
        if let Some(class) = (0..n_classes).find(|c| !classes.contains(c)) {
            return Err(SolverError::EmptyClass { class });
        }
        let width = phi.ncols() + 1;
        let rows = rows_with_bias(phi, params.bias);
        let problems: Vec<usize> = if n_classes == 2 { vec![1] } else { (0..n_classes).collect() };
        let mut model =
            Self { weights: Vec::new(), intercepts: Vec::new(), n_classes, iterations: Vec::new(), converged: true };
        for &positive in &problems {
            let y: Vec<f64> = classes.iter().map(|&c| if c == positive { 1.0 } else { -1.0 }).collect();
            let (mut w, _, epochs, converged) = solve_dual(params, &rows, width, &y, weights);
            let w_bias = w.pop().expect("the bias weight");
            model.weights.push(w);
            model.intercepts.push(params.bias * w_bias);
            model.iterations.push(epochs);
            model.converged &= converged;
        }
        Ok(model)
    }

    /// `wᵀφ + b` of each problem at each row of `phi` (`n × problems`).
    pub fn decision_function(&self, phi: MatRef<'_, f64>) -> faer::Mat<f64> {
        faer::Mat::from_fn(phi.nrows(), self.weights.len(), |i, p| {
            (0..phi.ncols()).map(|j| phi[(i, j)] * self.weights[p][j]).sum::<f64>() + self.intercepts[p]
        })
    }

    /// The predicted class of each row: the sign for two classes, the
    /// largest decision value beyond (the first on ties).
    pub fn predict(&self, phi: MatRef<'_, f64>) -> Vec<usize> {
        let f = self.decision_function(phi);
        (0..f.nrows())
            .map(|i| {
                if self.weights.len() == 1 {
                    usize::from(f[(i, 0)] > 0.0)
                } else {
                    (0..f.ncols()).fold(0, |b, c| if f[(i, c)] > f[(i, b)] { c } else { b })
                }
            })
            .collect()
    }
}

/// The rows of `Φ` one after another (each a contiguous slice, as the
/// coordinate steps read them) with the constant feature `bias` appended.
pub(super) fn rows_with_bias(phi: MatRef<'_, f64>, bias: f64) -> Vec<f64> {
    let m = phi.ncols();
    let mut rows = vec![0.0; phi.nrows() * (m + 1)];
    // In blocks of rows, column by column: reads run down Φ's columns and
    // the block's rows stay in cache while they are written.
    const ROWS: usize = 64;
    for (b, block) in rows.chunks_mut(ROWS * (m + 1)).enumerate() {
        let start = b * ROWS;
        let height = block.len() / (m + 1);
        for j in 0..m {
            match phi.col(j).try_as_col_major() {
                Some(column) => {
                    for (r, &v) in column.as_slice()[start..start + height].iter().enumerate() {
                        block[r * (m + 1) + j] = v;
                    }
                }
                None => (0..height).for_each(|r| block[r * (m + 1) + j] = phi[(start + r, j)]),
            }
        }
        for r in 0..height {
            block[r * (m + 1) + m] = bias;
        }
    }
    rows
}

/// The dual's box `[0, U]` and the term `λ` on its diagonal: `(C, 0)` for
/// the L1 loss, `(∞, 1/(2C))` for the L2 loss.
pub(super) fn box_and_diagonal(loss: LinearSvmLoss, c: f64) -> (f64, f64) {
    match loss {
        LinearSvmLoss::Hinge => (c, 0.0),
        LinearSvmLoss::SquaredHinge => (f64::INFINITY, 0.5 / c),
    }
}

/// Each sample's box bound `U_i` and diagonal term `λ_i`, at cost `C w_i`.
pub(super) struct SampleBounds {
    pub upper: Vec<f64>,
    pub lambda: Vec<f64>,
}

impl SampleBounds {
    /// The bounds of `n` samples at cost `c` times their weights (all 1 without).
    pub fn new(loss: LinearSvmLoss, c: f64, weights: Option<&[f64]>, n: usize) -> Self {
        let (upper, lambda) = (0..n).map(|i| box_and_diagonal(loss, c * weights.map_or(1.0, |w| w[i]))).unzip();
        Self { upper, lambda }
    }
}

/// `Q_ii = ‖φ_i‖² + λ_i` for each row.
pub(super) fn q_diagonal(rows: &[f64], width: usize, lambda: &[f64]) -> Vec<f64> {
    rows.chunks_exact(width).zip(lambda).map(|(r, l)| r.iter().map(|v| v * v).sum::<f64>() + l).collect()
}

/// A new random visiting order for the next epoch (Fisher–Yates).
pub(super) fn shuffle(order: &mut [usize], rng: &mut SplitMix64) {
    let n = order.len();
    for i in 0..n {
        let j = i + rng.below(n - i);
        order.swap(i, j);
    }
}

/// Dual coordinate descent for one binary problem (`y` in ±1); `rows` holds
/// the samples one after another (`width` values each). Returns `w`, `α`,
/// the epochs and whether the tolerance was met.
///
/// With LIBLINEAR's shrinking: a variable at a bound whose gradient points
/// out of the box by more than last epoch's extreme projected gradient
/// leaves the active set; once the active set meets the tolerance, every
/// variable is checked again before stopping.
fn solve_dual(
    params: &LinearSvm,
    rows: &[f64],
    width: usize,
    y: &[f64],
    weights: Option<&[f64]>,
) -> (Vec<f64>, Vec<f64>, usize, bool) {
    let n = y.len();
    let SampleBounds { upper, lambda: diag } = SampleBounds::new(params.loss, params.c, weights, n);
    let row = |i: usize| &rows[i * width..(i + 1) * width];
    let q = q_diagonal(rows, width, &diag);
    let mut alpha = vec![0.0; n];
    let mut w = vec![0.0; width];
    let mut active: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64::new(params.seed);
    let (mut pg_max_old, mut pg_min_old) = (f64::INFINITY, f64::NEG_INFINITY);
    for epoch in 1..=params.max_iter {
        shuffle(&mut active, &mut rng);
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        let mut s = 0;
        while s < active.len() {
            let i = active[s];
            let xi = row(i);
            let g = y[i] * simd::dot(xi, &w) - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active.swap_remove(s);
                    continue;
                }
                g.min(0.0)
            } else if alpha[i] == upper[i] {
                if g < pg_min_old {
                    active.swap_remove(s);
                    continue;
                }
                g.max(0.0)
            } else {
                g
            };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg != 0.0 && q[i] > 0.0 {
                let old = alpha[i];
                alpha[i] = (old - g / q[i]).clamp(0.0, upper[i]);
                simd::axpy((alpha[i] - old) * y[i], xi, &mut w);
            }
            s += 1;
        }
        if pg_max - pg_min < params.tol {
            if active.len() == n {
                return (w, alpha, epoch, true);
            }
            active = (0..n).collect();
            (pg_max_old, pg_min_old) = (f64::INFINITY, f64::NEG_INFINITY);
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
        pg_min_old = if pg_min >= 0.0 { f64::NEG_INFINITY } else { pg_min };
    }
    (w, alpha, params.max_iter, false)
}

#[cfg(test)]
mod tests {
    use super::{LinearSvm, LinearSvmLoss, solve_dual};
    use crate::rng::SplitMix64;

    #[test]
    fn the_duality_gap_closes_for_both_losses() {
        // Overlapping classes in 3-d plus the bias feature.
        let mut rng = SplitMix64::new(1);
        let n = 200;
        let width = 4;
        let y: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        let rows: Vec<f64> = (0..n)
            .flat_map(|i| {
                let shift = 0.8 * y[i];
                let mut r: Vec<f64> = (0..3).map(|_| rng.normal() + shift).collect();
                r.push(1.0);
                r
            })
            .collect();
        for loss in [LinearSvmLoss::Hinge, LinearSvmLoss::SquaredHinge] {
            let params = LinearSvm { c: 0.5, loss, tol: 1e-6, max_iter: 10_000, ..LinearSvm::default() };
            let (w, alpha, _, converged) = solve_dual(&params, &rows, width, &y, None);
            assert!(converged);
            let ww: f64 = w.iter().map(|v| v * v).sum();
            let margins: Vec<f64> = (0..n)
                .map(|i| 1.0 - y[i] * rows[i * width..(i + 1) * width].iter().zip(&w).map(|(a, b)| a * b).sum::<f64>())
                .collect();
            let (primal, dual) = match loss {
                LinearSvmLoss::Hinge => (
                    0.5 * ww + params.c * margins.iter().map(|m| m.max(0.0)).sum::<f64>(),
                    alpha.iter().sum::<f64>() - 0.5 * ww,
                ),
                LinearSvmLoss::SquaredHinge => (
                    0.5 * ww + params.c * margins.iter().map(|m| m.max(0.0).powi(2)).sum::<f64>(),
                    alpha.iter().sum::<f64>() - 0.5 * ww - alpha.iter().map(|a| a * a).sum::<f64>() / (4.0 * params.c),
                ),
            };
            assert!(primal >= dual - 1e-9, "weak duality: {primal} < {dual}");
            assert!((primal - dual) / primal < 1e-4, "{loss:?}: gap {} of {primal}", primal - dual);
            // w = Σ α_i y_i x_i, α within its box.
            let upper = if loss == LinearSvmLoss::Hinge { params.c } else { f64::INFINITY };
            assert!(alpha.iter().all(|&a| (0.0..=upper).contains(&a)));
            // The stopping rule holds over every variable, shrunk or not.
            let diag = if loss == LinearSvmLoss::Hinge { 0.0 } else { 0.5 / params.c };
            let projected: Vec<f64> = (0..n)
                .map(|i| {
                    let g = -margins[i] + diag * alpha[i];
                    if alpha[i] == 0.0 {
                        g.min(0.0)
                    } else if alpha[i] == upper {
                        g.max(0.0)
                    } else {
                        g
                    }
                })
                .collect();
            let spread = projected.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - projected.iter().cloned().fold(f64::INFINITY, f64::min);
            assert!(spread < 10.0 * params.tol, "{loss:?}: projected gradients spread {spread}");
        }
    }
}
