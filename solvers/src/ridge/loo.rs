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
}

impl LooPath {
    /// Eigendecomposes the Gram matrix of `gram` for targets `y` (`n × t`).
    pub fn new(gram: &dyn GramProvider, y: MatRef<'_, f64>, par: Par) -> Result<Self, SolverError> {
        let n = gram.n();
        if y.nrows() != n {
            return Err(SolverError::DimensionMismatch { what: "targets", expected: n, got: y.nrows() });
        }
        let k = gram.full();
        let (lambda, q) =
            kern_kernels::self_adjoint_eigen(k.as_ref(), par).ok_or(SolverError::NotPositiveDefinite {
                pivot: 0,
                hint: "the eigendecomposition of K did not converge",
            })?;
        let mut qty = Mat::zeros(n, y.ncols());
        faer::linalg::matmul::matmul(qty.as_mut(), faer::Accum::Replace, q.transpose(), y, 1.0, par);
        kern_kernels::simd::clear_upper_state();
        Ok(Self { q, lambda, qty })
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
        // Scale the grid by the mean diagonal: tr K = Σ λ.
        let scale = (self.lambda.iter().sum::<f64>() / n.max(1) as f64).max(f64::MIN_POSITIVE);
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
