//! Choosing kernel ridge's `α` by exact leave-one-out error, from one
//! eigendecomposition `K = Q Λ Qᵀ` and no refits: with `G = (K + αI)⁻¹`,
//! the dual coefficients are `c = G y` and the leave-one-out residual of
//! sample `i` is `c_i / G_ii` (Rifkin & Lippert 2007), where
//! `G = Q (Λ + α)⁻¹ Qᵀ` costs `O(n²)` per `α`.

use faer::{Mat, MatRef, Par};
use kern_kernels::GramProvider;
use serde::{Deserialize, Serialize};

use crate::SolverError;

/// Grid points per decade of `α`.
const PER_DECADE: i32 = 5;
/// The grid spans `10^-9 … 10^3` times the mean of `diag(K)`.
const DECADES: (i32, i32) = (-9, 3);

/// The `α` with the least leave-one-out error, and the error along the grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LooSelection {
    /// The chosen `α`.
    pub alpha: f64,
    /// Its mean squared leave-one-out error (over samples and targets).
    pub loo_mse: f64,
    /// `(α, mean squared leave-one-out error)` for every grid point tried.
    pub grid: Vec<(f64, f64)>,
}

/// The spectrum of K, computed once.
pub struct LooPath {
    q: Mat<f64>,
    lambda: Vec<f64>,
    /// `Qᵀ Y`.
    qty: Mat<f64>,
    /// The unpenalised intercept, when there is one ([`LooPath::with_intercept`]).
    intercept: Option<Intercept>,
}

/// An unpenalised direction `s` (unit, in K's null space) held in the
/// decomposition as the eigenvector of `K + τ s sᵀ` with eigenvalue `τ`,
/// well apart from K's own: its share `s_i² / (τ + α)` of `G_ii` is then
/// known exactly and taken out.
struct Intercept {
    s: Vec<f64>,
    tau: f64,
}

impl LooPath {
    /// Eigendecomposes the Gram matrix of `gram` for targets `y` (`n × t`).
    pub fn new(gram: &dyn GramProvider, y: MatRef<'_, f64>, par: Par) -> Result<Self, SolverError> {
        Self::decompose(gram, y, None, par)
    }

    /// [`new`](Self::new) for ridge with an unpenalised intercept: `K` is the
    /// Gram matrix of features centred on the (weighted) mean, `y` centred
    /// the same way, and `direction` spans what the intercept fits (all
    /// ones; with weights `w`, `√w`, as [`crate::WeightedGram`] scales),
    /// which `K` maps to zero. The leave-one-out residual of sample `i` is
    /// then `c_i / (G_ii − s_i²/α)`, `s` the unit direction: the intercept
    /// is fitted without the left-out sample too. Without that term a fit
    /// that interpolates (as many features as samples, or more) would
    /// predict every left-out sample exactly.
    ///
    /// ```
    /// use faer::{Mat, Par};
    /// use kern_kernels::{ExactGram, GramRows, SharedGram};
    /// use kern_solvers::LooPath;
    /// // Two samples and one feature: with its intercept, the fit on the
    /// // other sample alone predicts that sample's target.
    /// let k = Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { -1.0 }); // centred x = ±1
    /// let y = Mat::from_fn(2, 1, |i, _| if i == 0 { 1.0 } else { -1.0 }); // centred y = ±1
    /// let (shared, rows) = (SharedGram::new(k.as_ref()), GramRows::all(2));
    /// let gram = ExactGram::new(&shared, &rows, Par::Seq);
    /// let path = LooPath::with_intercept(&gram, y.as_ref(), &[1.0, 1.0], Par::Seq).unwrap();
    /// let r = path.residuals(1e-3).unwrap();
    /// assert!((r[(0, 0)] - 2.0).abs() < 1e-9 && (r[(1, 0)] + 2.0).abs() < 1e-9);
    /// ```
    pub fn with_intercept(
        gram: &dyn GramProvider,
        y: MatRef<'_, f64>,
        direction: &[f64],
        par: Par,
    ) -> Result<Self, SolverError> {
        let n = gram.n();
        if direction.len() != n {
            return Err(SolverError::DimensionMismatch {
                what: "intercept direction",
                expected: n,
                got: direction.len(),
            });
        }
        let norm = direction.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            return Err(SolverError::InvalidParameter {
                name: "intercept direction",
                value: norm,
                reason: "must have a positive, finite norm",
            });
        }
        let s = direction.iter().map(|v| v / norm).collect();
        Self::decompose(gram, y, Some(s), par)
    }

    fn decompose(
        gram: &dyn GramProvider,
        y: MatRef<'_, f64>,
        intercept: Option<Vec<f64>>,
        par: Par,
    ) -> Result<Self, SolverError> {
        let n = gram.n();
        if y.nrows() != n {
            return Err(SolverError::DimensionMismatch { what: "targets", expected: n, got: y.nrows() });
        }
        let mut k = gram.full();
        let intercept = intercept.map(|s| {
            // τ at K's trace: above every eigenvalue of K, yet on its scale.
            let tau = (0..n).map(|i| k[(i, i)]).sum::<f64>().max(1.0);
            for j in 0..n {
                for i in 0..n {
                    k[(i, j)] += tau * s[i] * s[j];
                }
            }
            Intercept { s, tau }
        });
        let (lambda, q) =
            kern_kernels::self_adjoint_eigen(k.as_ref(), par).ok_or(SolverError::NotPositiveDefinite {
                pivot: 0,
                hint: "the eigendecomposition of K did not converge",
            })?;
        let mut qty = Mat::zeros(n, y.ncols());
        faer::linalg::matmul::matmul(qty.as_mut(), faer::Accum::Replace, q.transpose(), y, 1.0, par);
        kern_kernels::simd::clear_upper_state();
        Ok(Self { q, lambda, qty, intercept })
    }

    /// Each sample's leave-one-out residual (`n × t`) at `alpha`, or `None`
    /// where `K + αI` is not positive definite.
    pub fn residuals(&self, alpha: f64) -> Option<Mat<f64>> {
        let n = self.lambda.len();
        if self.lambda.iter().any(|&l| l + alpha <= 0.0) {
            return None;
        }
        let inv: Vec<f64> = self.lambda.iter().map(|l| 1.0 / (l + alpha)).collect();
        let t = self.qty.ncols();
        // diag G = Σ_k Q[·,k]² / (λ_k + α); c = Q (Λ + α)⁻¹ Qᵀ y; column by column.
        let mut g_diag = vec![0.0; n];
        let mut out = Mat::zeros(n, t);
        for k in 0..n {
            let qk = self.q.col_as_slice(k);
            g_diag.iter_mut().zip(qk).for_each(|(g, &q)| *g += q * q * inv[k]);
            for c in 0..t {
                let w = inv[k] * self.qty[(k, c)];
                out.col_as_slice_mut(c).iter_mut().zip(qk).for_each(|(o, &q)| *o += q * w);
            }
        }
        if let Some(Intercept { s, tau }) = &self.intercept {
            g_diag.iter_mut().zip(s).for_each(|(g, s)| *g -= s * s / (tau + alpha));
        }
        for c in 0..t {
            out.col_as_slice_mut(c).iter_mut().zip(&g_diag).for_each(|(o, g)| *o /= g);
        }
        Some(out)
    }

    /// Predictions `K(test, train) (K + αI)⁻¹ Y` at every α in `alphas`,
    /// from `cross = K(test, train)`: `(cross Q) (Λ + α)⁻¹ Qᵀ Y`, one product
    /// with `Q` for all of them.
    pub fn predictions(&self, cross: MatRef<'_, f64>, alphas: &[f64], par: Par) -> Vec<Mat<f64>> {
        let (n, t) = (self.lambda.len(), self.qty.ncols());
        let mut cq = Mat::zeros(cross.nrows(), n);
        faer::linalg::matmul::matmul(cq.as_mut(), faer::Accum::Replace, cross, self.q.as_ref(), 1.0, par);
        kern_kernels::simd::clear_upper_state();
        alphas
            .iter()
            .map(|&alpha| {
                let w = Mat::from_fn(n, t, |k, c| self.qty[(k, c)] / (self.lambda[k] + alpha));
                let mut out = Mat::zeros(cross.nrows(), t);
                faer::linalg::matmul::matmul(out.as_mut(), faer::Accum::Replace, cq.as_ref(), w.as_ref(), 1.0, par);
                kern_kernels::simd::clear_upper_state();
                out
            })
            .collect()
    }

    /// The grid's best `α` (the smallest on ties).
    pub fn select(&self) -> Result<LooSelection, SolverError> {
        let n = self.lambda.len();
        // Scale the grid by the mean diagonal: tr K = Σ λ (less the intercept's τ).
        let tau = self.intercept.as_ref().map_or(0.0, |i| i.tau);
        let scale = ((self.lambda.iter().sum::<f64>() - tau) / n.max(1) as f64).max(f64::MIN_POSITIVE);
        let mut grid = Vec::new();
        for k in DECADES.0 * PER_DECADE..=DECADES.1 * PER_DECADE {
            let alpha = scale * 10f64.powf(f64::from(k) / f64::from(PER_DECADE));
            if let Some(r) = self.residuals(alpha) {
                let mse = (0..r.ncols()).flat_map(|c| r.col_as_slice(c).to_vec()).map(|v| v * v).sum::<f64>()
                    / (r.nrows() * r.ncols()).max(1) as f64;
                grid.push((alpha, mse));
            }
        }
        let &(alpha, loo_mse) = grid
            .iter()
            .filter(|(_, m)| m.is_finite())
            .fold(None, |best: Option<&(f64, f64)>, p| match best {
                Some(b) if b.1 <= p.1 => Some(b),
                _ => Some(p),
            })
            .ok_or(SolverError::NotPositiveDefinite {
                pivot: 0,
                hint: "no grid value of alpha makes K + alpha I definite",
            })?;
        Ok(LooSelection { alpha, loo_mse, grid })
    }
}
