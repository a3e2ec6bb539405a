//! The collapsed bound (Titsias 2009, eq. 9) and its gradient with respect
//! to the log of every kernel hyperparameter and of the noise variance.
//!
//! With `Q = K_fu K_uu⁻¹ K_uf`, the bound is
//! `F = log N(y | 0, Q + σ² I) − tr(K_ff − Q) / (2σ²)`. Writing
//! `P = K_uf K_fu`, `b = K_uf y`, `K_uu = L Lᵀ` and
//! `B = I + L⁻¹ P L⁻ᵀ / σ²` (so `Σ = K_uu + P/σ² = L B Lᵀ`), every term is
//! an `M × M` quantity once `P`, `b`, `yᵀy` and `tr K_ff` are summed over
//! the rows:
//!
//! `F = −n/2 log 2π − ½ log|B| − n/2 log σ² − yᵀy/(2σ²) + bᵀw/(2σ⁴)
//!      − tr K_ff/(2σ²) + tr(K_uu⁻¹ P)/(2σ²)`, with `w = Σ⁻¹ b`.
//!
//! Its differential is `tr(G_uu dK_uu) + Σ G_uf ⊙ dK_uf − tr(dK_ff)/(2σ²)
//! + (∂F/∂σ²) dσ²`, with `E₁ = K_uu⁻¹ − Σ⁻¹ = L⁻ᵀ(I − B⁻¹)L⁻¹` and
//! `E₂ = K_uu⁻¹ P K_uu⁻¹ / σ² = L⁻ᵀ(B − I)L⁻¹`:
//!
//! ```text
//! G_uu    = ½E₁ − ½E₂ − wwᵀ/(2σ⁴)
//! G_uf    = (E₁/σ² − wwᵀ/σ⁶) K_uf + w yᵀ/σ⁴
//! ∂F/∂σ²  = (M − tr B⁻¹)/(2σ²) + wᵀPw/(2σ⁸) − bᵀw/σ⁶
//!           + (tr K_ff − tr(K_uu⁻¹P) + yᵀy)/(2σ⁴) − n/(2σ²)
//! ```
//!
//! The kernel's part is contracted pair by pair with `∂k/∂ log θ`, never
//! held as matrices. The same contraction with `∂k/∂z` gives the gradient
//! in the inducing locations: `∂F/∂z_m = 2 Σ_j (G_uu)_mj ∂k(z_m, z_j)/∂z_m
//! + Σ_i (G_uf)_mi ∂k(z_m, x_i)/∂z_m`.

use faer::linalg::matmul::matmul;
use std::cell::RefCell;

use faer::{Accum, Mat, MatMut, MatRef, Par};
use kern_kernels::{DataSet, Kernel, VectorKernel, gram_matrix};
use rayon::prelude::*;

use crate::gp::GpError;
use crate::gp::lml::{Factor, Noise, factor};
use crate::linalg::{
    cholesky, inverse, lower_normal_into, mirror_lower, solve_lower_in_place, solve_lower_transpose_in_place,
};

/// Rows of X per block of `K(X, Z)`.
const BLOCK: usize = 1024;
/// Blocks computed at once: a fixed number, so that the block sums are
/// added in the same order whatever the thread count.
const WAVE: usize = 8;

/// Which derivatives of the bound to compute beside its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gradient {
    /// The value alone.
    None,
    /// In the log of every hyperparameter and of the noise.
    Hyperparameters,
    /// Those, and in every coordinate of every inducing point.
    AndInducing,
}

/// The bound at one point, and its gradient.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    /// The collapsed evidence lower bound.
    pub elbo: f64,
    /// `∂/∂ log θ` for the kernel's hyperparameters, then the noise variance
    /// (empty unless asked for).
    pub gradient: Vec<f64>,
    /// `∂/∂z_mj`, row by row (`M × d`; empty unless asked for).
    pub inducing_gradient: Vec<f64>,
    /// Diagonal jitter `K_uu` needed to factor.
    pub jitter: f64,
}

/// The collapsed bound of GP regression of `y` at `x` with inducing points
/// `z`, kernel `kernel`, noise variance `noise` and `K_uu`'s diagonal
/// raised by `jitter` times `K_ff`'s mean diagonal (0: Titsias' bound exactly;
/// see [`crate::gp::SparseGaussianProcess::jitter`]), with the derivatives
/// `gradient` asks for (the jitter's own included). The same value at any
/// thread count.
///
/// ```
/// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
/// use kern_solvers::gp::{Gradient, collapsed_bound, log_marginal_likelihood};
/// let rows: Vec<Vec<f64>> = (0..30).map(|i| vec![i as f64 / 6.0]).collect();
/// let y: Vec<f64> = rows.iter().map(|r| r[0].sin()).collect();
/// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
/// let k = VectorKernel::Matern32 { lengthscale: 1.0 };
/// let exact = log_marginal_likelihood(&k, 0.1, &x, &y, false, Par::Seq).unwrap().log_marginal_likelihood;
/// let z = x.select(&[0, 10, 20, 29]);
/// let bound = collapsed_bound(&k, 0.1, &x, &y, &z, 0.0, Gradient::None, Par::Seq).unwrap().elbo;
/// assert!(bound <= exact);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn collapsed_bound(
    kernel: &VectorKernel,
    noise: f64,
    x: &DataSet,
    y: &[f64],
    z: &DataSet,
    jitter: f64,
    gradient: Gradient,
    par: Par,
) -> Result<Bound, GpError> {
    let value = Value::new(kernel, noise, x, y, z, jitter, par)?;
    if gradient == Gradient::None {
        let (elbo, jitter) = (value.elbo, value.factors.jitter);
        return Ok(Bound { elbo, gradient: Vec::new(), inducing_gradient: Vec::new(), jitter });
    }
    Ok(value.finish(kernel, x, y, z, gradient == Gradient::AndInducing, par))
}

/// The posterior of the variational fit: the mean is `k(x, Z) mean`, the
/// latent variance `k(x, x) − ‖L⁻¹ k(Z, x)‖² + ‖L_B⁻¹ L⁻¹ k(Z, x)‖²`
/// (`k(x, x) − k K_uu⁻¹ k + k Σ⁻¹ k`, never formed as a difference of
/// inverses: `K_uu` may be close to singular).
pub(crate) struct Posterior {
    /// `Σ⁻¹ K_uf y / σ²`.
    pub mean: Vec<f64>,
    /// `L` of `K_uu = L Lᵀ` (lower triangle; zeros above).
    pub l: Mat<f64>,
    /// `L_B` of `B = L_B L_Bᵀ` (lower triangle; zeros above).
    pub l_b: Mat<f64>,
}

/// The bound at one point, with what its gradient needs: the first pass
/// over the rows. A line search can reject a point at this cost, and
/// [`Value::finish`] the points it keeps.
pub(crate) struct Value {
    pub elbo: f64,
    noise: f64,
    stats: Stats,
    factors: Factors,
    /// `L_B⁻¹ L⁻¹ b`.
    u: Mat<f64>,
    trace_bp: f64,
    /// `tr K_ff`.
    trace_kff: f64,
    /// The relative jitter of `K_uu`.
    relative_jitter: f64,
}

/// A pass's sums, before the noise enters: the bound at any noise
/// ([`Value::at_noise`]) without another pass over the rows.
pub(crate) struct Sums {
    samples: usize,
    stats: Stats,
    l: Mat<f64>,
    bp: Mat<f64>,
    jitter: f64,
    trace_kff: f64,
    relative_jitter: f64,
    /// `K_uu`'s mean diagonal (for the error when `B` does not factor).
    mean_diagonal: f64,
}

impl Sums {
    /// The pass at inducing points `z`: `K_uu = L Lᵀ` (raised by
    /// `relative_jitter` times `K_ff`'s mean diagonal), `B' = A Aᵀ`, `A y`,
    /// `yᵀy` and `tr K_ff`, `A = L⁻¹ K_uf`.
    pub(crate) fn new(
        kernel: &VectorKernel,
        x: &DataSet,
        y: &[f64],
        z: &DataSet,
        relative_jitter: f64,
        par: Par,
    ) -> Result<Self, GpError> {
        let (n, m) = (x.n_samples(), z.n_samples());
        if !(relative_jitter.is_finite() && relative_jitter >= 0.0) {
            let reason = "must be at least 0 and finite";
            return Err(GpError::InvalidParameter { name: "jitter", value: relative_jitter, reason });
        }
        if y.len() != n {
            return Err(GpError::DimensionMismatch { what: "targets", expected: n, got: y.len() });
        }
        let kuu = gram_matrix(kernel, z, par);
        let mean_diagonal = (0..m).map(|i| kuu[(i, i)]).sum::<f64>() / m.max(1) as f64;
        // Relative to the samples' mean variance, which the inducing points do not move.
        let trace_kff = trace_of_kff(kernel, x);
        let fixed = relative_jitter * trace_kff / n.max(1) as f64;
        let Factor { l, jitter } = factor(|| kuu.clone(), Noise::uniform(fixed), par)?;
        // Reported whole: the model's share and any more factoring needed.
        let jitter = jitter + fixed;
        let mut stats = Stats::sum(kernel, x, y, z, &l, par);
        let bp = std::mem::replace(&mut stats.aa, Mat::zeros(0, 0));
        Ok(Self { samples: n, stats, l, bp, jitter, trace_kff, relative_jitter, mean_diagonal })
    }

    /// What the bound is as a function of the noise alone: `B' = A Aᵀ`, `A y`,
    /// `yᵀy`, `tr(K_ff − Q)` and the number of rows.
    pub(crate) fn noise_profile(&self) -> (MatRef<'_, f64>, &[f64], f64, f64, usize) {
        let trace_bp: f64 = (0..self.bp.nrows()).map(|i| self.bp[(i, i)]).sum();
        (self.bp.as_ref(), &self.stats.ay, self.stats.yy, self.trace_kff - trace_bp, self.samples)
    }
}

impl Value {
    pub(crate) fn new(
        kernel: &VectorKernel,
        noise: f64,
        x: &DataSet,
        y: &[f64],
        z: &DataSet,
        relative_jitter: f64,
        par: Par,
    ) -> Result<Self, GpError> {
        if !(noise.is_finite() && noise > 0.0) {
            let reason = "must be positive and finite";
            return Err(GpError::InvalidParameter { name: "noise", value: noise, reason });
        }
        Self::at_noise(Sums::new(kernel, x, y, z, relative_jitter, par)?, noise, par)
    }

    /// The bound at `noise` from a pass's sums: `B = I + B'/σ²` factored,
    /// `M³/3` work, no pass over the rows.
    pub(crate) fn at_noise(sums: Sums, noise: f64, par: Par) -> Result<Self, GpError> {
        let Sums { samples: n, stats, l, bp, jitter, trace_kff, relative_jitter, mean_diagonal } = sums;
        let (m, s2) = (bp.nrows(), noise);
        // B' = A Aᵀ, a Gram matrix: B = I + B'/σ² factors whatever K_uu's conditioning.
        let mut lb = Mat::from_fn(m, m, |i, j| bp[(i, j)] / s2 + f64::from(u8::from(i == j)));
        cholesky(lb.as_mut(), par).map_err(|_| GpError::NotPositiveDefinite { jitter, mean_diagonal })?;
        // u = L_B⁻¹ L⁻¹ b = L_B⁻¹ A y, so bᵀw = ‖u‖²; w = L⁻ᵀ L_B⁻ᵀ u.
        let mut u = Mat::from_fn(m, 1, |i, _| stats.ay[i]);
        solve_lower_in_place(lb.as_ref(), u.as_mut(), Par::Seq);
        let bw: f64 = (0..m).map(|i| u[(i, 0)] * u[(i, 0)]).sum();
        let log_det_b = 2.0 * (0..m).map(|i| lb[(i, i)].ln()).sum::<f64>();
        let trace_bp: f64 = (0..m).map(|i| bp[(i, i)]).sum();
        let nf = n as f64;
        let elbo = -0.5 * nf * (2.0 * std::f64::consts::PI).ln()
            - 0.5 * log_det_b
            - 0.5 * nf * s2.ln()
            - stats.yy / (2.0 * s2)
            + bw / (2.0 * s2 * s2)
            - (trace_kff - trace_bp) / (2.0 * s2);
        let factors = Factors { l, bp, lb, jitter };
        Ok(Self { elbo, noise, stats, factors, u, trace_bp, trace_kff, relative_jitter })
    }

    /// The noise variance of this point.
    pub(crate) fn noise(&self) -> f64 {
        self.noise
    }

    /// The diagonal jitter `K_uu` needed.
    pub(crate) fn jitter(&self) -> f64 {
        self.factors.jitter
    }

    /// The posterior this point implies, without the gradient's pass.
    pub(crate) fn posterior(&self) -> Posterior {
        let m = self.u.nrows();
        let Factors { l, lb, .. } = &self.factors;
        let mut w = self.u.clone();
        solve_lower_transpose_in_place(lb.as_ref(), w.as_mut(), Par::Seq);
        solve_lower_transpose_in_place(l.as_ref(), w.as_mut(), Par::Seq);
        let lower = |a: &Mat<f64>| Mat::from_fn(m, m, |i, j| if i >= j { a[(i, j)] } else { 0.0 });
        Posterior { mean: (0..m).map(|i| w[(i, 0)] / self.noise).collect(), l: lower(l), l_b: lower(lb) }
    }

    /// The gradient (second pass over the rows), in the inducing locations
    /// too when `inducing`.
    pub(crate) fn finish(
        self,
        kernel: &VectorKernel,
        x: &DataSet,
        y: &[f64],
        z: &DataSet,
        inducing: bool,
        par: Par,
    ) -> Bound {
        let Value {
            elbo,
            noise: s2,
            stats,
            factors: Factors { l, bp, lb, jitter },
            u,
            trace_bp,
            trace_kff,
            relative_jitter,
        } = self;
        let (n, m) = (x.n_samples(), z.n_samples());
        let bw: f64 = (0..m).map(|i| u[(i, 0)] * u[(i, 0)]).sum();
        let mut w = u;
        solve_lower_transpose_in_place(lb.as_ref(), w.as_mut(), Par::Seq);
        // v = Lᵀ w, so wᵀ P w = vᵀ B' v.
        let v: Vec<f64> = (0..m).map(|i| w[(i, 0)]).collect();
        solve_lower_transpose_in_place(l.as_ref(), w.as_mut(), Par::Seq);
        let w: Vec<f64> = (0..m).map(|i| w[(i, 0)]).collect();
        let b_inv = symmetric(inverse(&lb, par));
        // E₁ = L⁻ᵀ (I − B⁻¹) L⁻¹ and E₂ = L⁻ᵀ (B'/σ²) L⁻¹.
        let e1 = sandwich(&l, Mat::from_fn(m, m, |i, j| f64::from(u8::from(i == j)) - b_inv[(i, j)]), par);
        let e2 = sandwich(&l, Mat::from_fn(m, m, |i, j| bp[(i, j)] / s2), par);
        let (s4, s6) = (s2 * s2, s2 * s2 * s2);
        let g_uu = Mat::from_fn(m, m, |i, j| 0.5 * e1[(i, j)] - 0.5 * e2[(i, j)] - w[i] * w[j] / (2.0 * s4));
        let c = Mat::from_fn(m, m, |i, j| e1[(i, j)] / s2 - w[i] * w[j] / s6);
        let mut gradient = kernel.gradient_traces(z, g_uu.as_ref(), par);
        let cross = cross_terms(kernel, x, y, z, c.as_ref(), &w, s4, inducing, par);
        // The jitter δ tr K_ff / n moves with K_ff's diagonal: tr(G_uu) δ ∂(tr K_ff)/n.
        let trace_g: f64 = (0..m).map(|i| g_uu[(i, i)]).sum();
        let jitter_slope = relative_jitter * trace_g / n.max(1) as f64;
        for ((g, c), d) in gradient.iter_mut().zip(&cross.hyperparameters).zip(&cross.diagonal) {
            *g += c - d / (2.0 * s2) + jitter_slope * d;
        }
        let mut inducing_gradient = cross.inducing;
        if inducing {
            let own = inducing_terms(kernel, z, g_uu.as_ref());
            inducing_gradient.iter_mut().zip(&own).for_each(|(g, v)| *g += v);
        }
        let mut bv = vec![0.0; m];
        for (j, vj) in v.iter().enumerate() {
            bv.iter_mut().zip(bp.col(j).iter()).for_each(|(t, b)| *t += b * vj);
        }
        let wpw: f64 = v.iter().zip(&bv).map(|(a, b)| a * b).sum();
        let trace_b_inv: f64 = (0..m).map(|i| b_inv[(i, i)]).sum();
        let d_noise = (m as f64 - trace_b_inv) / (2.0 * s2) + wpw / (2.0 * s4 * s4) - bw / s6
            + (trace_kff - trace_bp + stats.yy) / (2.0 * s4)
            - n as f64 / (2.0 * s2);
        if matches!(kernel, VectorKernel::Scaled { .. }) {
            // Scaling the amplitude and the noise together scales Q + σ²I and
            // leaves tr(K_ff − Q)/σ² alone, so ∂F/∂log s = yᵀ(Q + σ²I)⁻¹y/2 − n/2
            // − ∂F/∂log σ²: exact where the contraction above loses its digits
            // to K_uu's conditioning.
            let quadratic = (stats.yy - bw / s2) / s2;
            gradient[0] = 0.5 * quadratic - 0.5 * n as f64 - s2 * d_noise;
        }
        gradient.push(s2 * d_noise);
        Bound { elbo, gradient, inducing_gradient, jitter }
    }
}

/// `L` of `K_uu + jI`, `B' = L⁻¹ P L⁻ᵀ` and `L_B` of `B = I + B'/σ²`.
struct Factors {
    l: Mat<f64>,
    bp: Mat<f64>,
    lb: Mat<f64>,
    jitter: f64,
}

/// What the bound needs of the rows, summed block by block through
/// `A = L⁻¹ K_uf` (as GPflow forms Titsias' bound): forming `P = K_uf K_fu`
/// first and solving with `L` on both sides squares the condition number
/// of `K_uu`, which a wide kernel makes large (bike, RBF: 1e10, where that
/// route's posterior mean was off by a factor of 170 in its weights).
struct Stats {
    /// `B' = A Aᵀ = L⁻¹ K_uf K_fu L⁻ᵀ`.
    aa: Mat<f64>,
    /// `A y = L⁻¹ K_uf y`.
    ay: Vec<f64>,
    /// `yᵀ y`.
    yy: f64,
}

/// `tr K_ff`, summed in row order.
fn trace_of_kff(kernel: &VectorKernel, x: &DataSet) -> f64 {
    let rows: Vec<usize> = (0..x.n_samples()).collect();
    let mut diag = vec![0.0; rows.len()];
    kernel.diagonal(x, &rows, &mut diag);
    diag.iter().sum()
}

impl Stats {
    fn sum(kernel: &VectorKernel, x: &DataSet, y: &[f64], z: &DataSet, l: &Mat<f64>, par: Par) -> Self {
        let m = z.n_samples();
        let zero = || Stats { aa: Mat::zeros(m, m), ay: vec![0.0; m], yy: 0.0 };
        let points: Vec<usize> = (0..m).collect();
        let block = |rows: &[usize]| {
            with_scratch(m * rows.len(), |[scratch, slopes, _]| {
                let mut s = zero();
                // A's columns for these rows: L⁻¹ K(Z, x[rows]), the block made
                // in the layout the solve reads (by the gradient's own formula
                // where the kernel is radial).
                let mut a = MatMut::from_column_major_slice_mut(scratch, m, rows.len());
                let slopes = MatMut::from_column_major_slice_mut(slopes, m, rows.len());
                if !kernel.radial_values_and_slopes((z, &points), (x, rows), a.as_mut(), slopes) {
                    kernel.block(z, &points, x, rows, a.as_mut(), Par::Seq);
                }
                solve_lower_in_place(l.as_ref(), a.as_mut(), Par::Seq);
                // B' is symmetric: its lower triangle alone, half a product's work.
                let a = a.as_ref();
                lower_normal_into(s.aa.as_mut(), a.transpose());
                let ys: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
                let mut ay = MatMut::from_column_major_slice_mut(&mut s.ay, m, 1);
                matmul(
                    ay.as_mut(),
                    Accum::Replace,
                    a,
                    MatRef::from_column_major_slice(&ys, ys.len(), 1),
                    1.0,
                    Par::Seq,
                );
                s.yy = ys.iter().map(|v| v * v).sum();
                s
            })
        };
        let mut total = in_waves(x.n_samples(), par, block, zero(), |total, s| {
            total.aa += &s.aa;
            total.ay.iter_mut().zip(&s.ay).for_each(|(t, v)| *t += v);
            total.yy += s.yy;
        });
        mirror_lower(&mut total.aa);
        total
    }
}

/// What the rows add to the gradient.
struct Cross {
    /// `Σ G_uf ⊙ ∂K_uf/∂ log θ` per hyperparameter.
    hyperparameters: Vec<f64>,
    /// `Σ_i ∂k(x_i, x_i)/∂ log θ` per hyperparameter.
    diagonal: Vec<f64>,
    /// `Σ_i (G_uf)_mi ∂k(z_m, x_i)/∂z_m`, `M × d` (empty unless asked for).
    inducing: Vec<f64>,
}

/// [`Cross`] with `G_uf = C K_uf + w yᵀ/σ⁴` (as `(K_fu C + y wᵀ/σ⁴)` row blocks).
#[allow(clippy::too_many_arguments)]
fn cross_terms(
    kernel: &VectorKernel,
    x: &DataSet,
    y: &[f64],
    z: &DataSet,
    c: MatRef<'_, f64>,
    w: &[f64],
    s4: f64,
    inducing: bool,
    par: Par,
) -> Cross {
    let p = kernel.n_hyperparameters();
    let (m, d) = (z.n_samples(), z.n_features());
    let zero = || Cross {
        hyperparameters: vec![0.0; p],
        diagonal: vec![0.0; p],
        inducing: vec![0.0; if inducing { m * d } else { 0 }],
    };
    // Stationary kernels: k(x, x) is the same at every x, and so is its gradient.
    let same_diagonal = (kernel.is_stationary() && x.n_samples() > 0).then(|| {
        let mut dk = vec![0.0; p];
        kernel.value_and_gradient(&x.row(0), &x.row(0), &mut dk);
        dk
    });
    let points: Vec<usize> = (0..m).collect();
    let block = |rows: &[usize]| {
        with_scratch(rows.len() * m, |[kb, gb, sb]| {
            let r = rows.len();
            let mut k = MatMut::from_column_major_slice_mut(kb, r, m);
            let mut slopes = MatMut::from_column_major_slice_mut(sb, r, m);
            // A radial kernel's values and slopes from one pass serve G and the traces.
            let radial = kernel.radial_values_and_slopes((x, rows), (z, &points), k.as_mut(), slopes.as_mut());
            if !radial {
                kernel.block(x, rows, z, &points, k.as_mut(), Par::Seq);
            }
            let mut g = MatMut::from_column_major_slice_mut(gb, r, m);
            matmul(g.as_mut(), Accum::Replace, k.as_ref(), c, 1.0, Par::Seq);
            let ys: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
            for (j, wj) in w.iter().enumerate() {
                let column = g.as_mut().col_mut(j).try_as_col_major_mut().expect("a column-major block").as_slice_mut();
                let wj = wj / s4;
                column.iter_mut().zip(&ys).for_each(|(gr, yi)| *gr += yi * wj);
            }
            let mut part = zero();
            let fused = if radial {
                kernel.radial_contractions((x, rows), z, g.as_ref(), (k.as_ref(), slopes.as_mut()), inducing)
            } else {
                None
            };
            let (traces, input) = fused.map_or((None, None), |c| (c.traces, c.input_gradient));
            part.hyperparameters =
                traces.unwrap_or_else(|| kernel.cross_gradient_traces(x, rows, z, g.as_ref(), Par::Seq));
            let mut dk = vec![0.0; p];
            for &i in rows {
                // Added row by row even when all the same, so the sum keeps its bits.
                let dk = match &same_diagonal {
                    Some(same) => same,
                    None => {
                        kernel.value_and_gradient(&x.row(i), &x.row(i), &mut dk);
                        &dk
                    }
                };
                part.diagonal.iter_mut().zip(dk).for_each(|(t, v)| *t += v);
            }
            if inducing {
                part.inducing = input.unwrap_or_else(|| kernel.cross_input_gradient(z, x, rows, g.as_ref()));
            }
            part
        })
    };
    let add = |a: &mut Vec<f64>, b: &[f64]| a.iter_mut().zip(b).for_each(|(t, v)| *t += v);
    in_waves(x.n_samples(), par, block, zero(), |total, part| {
        add(&mut total.hyperparameters, &part.hyperparameters);
        add(&mut total.diagonal, &part.diagonal);
        add(&mut total.inducing, &part.inducing);
    })
}

/// `2 Σ_j (G_uu)_mj ∂k(z_m, z_j)/∂z_m`, `M × d`: the part of the inducing
/// gradient through `K_uu` (symmetric in its two arguments).
fn inducing_terms(kernel: &VectorKernel, z: &DataSet, g_uu: MatRef<'_, f64>) -> Vec<f64> {
    let all: Vec<usize> = (0..z.n_samples()).collect();
    let twice = Mat::from_fn(all.len(), all.len(), |j, m| 2.0 * g_uu[(j, m)]);
    kernel.cross_input_gradient(z, z, &all, twice.as_ref())
}

thread_local! {
    /// Each thread's blocks (of `K(x[rows], Z)`, `G` and the kernel's
    /// slopes), reused from block to block: a fresh block of megabytes costs
    /// a page fault per page and its zeroing, every time (a tenth of an
    /// evaluation).
    static SCRATCH: RefCell<[Vec<f64>; 3]> = const { RefCell::new([Vec::new(), Vec::new(), Vec::new()]) };
}

/// `f` with this thread's three scratch blocks of `len` values each (any values).
fn with_scratch<R>(len: usize, f: impl FnOnce([&mut [f64]; 3]) -> R) -> R {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        let [a, b, c] = &mut *scratch;
        for block in [&mut *a, &mut *b, &mut *c] {
            if block.len() < len {
                block.resize(len, 0.0);
            }
        }
        f([&mut a[..len], &mut b[..len], &mut c[..len]])
    })
}

/// `f` over the row blocks of `n` rows, `WAVE` blocks at a time in
/// parallel, the results added into `total` in block order.
pub(crate) fn in_waves<T: Send>(
    n: usize,
    par: Par,
    f: impl Fn(&[usize]) -> T + Sync,
    mut total: T,
    mut add: impl FnMut(&mut T, T),
) -> T {
    let blocks: Vec<Vec<usize>> = (0..n).step_by(BLOCK).map(|s| (s..(s + BLOCK).min(n)).collect()).collect();
    for wave in blocks.chunks(WAVE) {
        let parts: Vec<T> = if kern_kernels::is_sequential(par) {
            wave.iter().map(|rows| f(rows)).collect()
        } else {
            wave.par_iter().map(|rows| f(rows)).collect()
        };
        parts.into_iter().for_each(|part| add(&mut total, part));
    }
    total
}

/// `L⁻ᵀ X L⁻¹` for symmetric `X`.
pub(crate) fn sandwich(l: &Mat<f64>, mut x: Mat<f64>, par: Par) -> Mat<f64> {
    solve_lower_transpose_in_place(l.as_ref(), x.as_mut(), par);
    let mut y = x.transpose().to_owned();
    solve_lower_transpose_in_place(l.as_ref(), y.as_mut(), par);
    symmetric_of(&y)
}

/// The full symmetric matrix of a lower triangle.
fn symmetric(lower: Mat<f64>) -> Mat<f64> {
    let n = lower.nrows();
    Mat::from_fn(n, n, |i, j| if i >= j { lower[(i, j)] } else { lower[(j, i)] })
}

/// `(Y + Yᵀ)/2`: symmetric to the last bit.
fn symmetric_of(y: &Mat<f64>) -> Mat<f64> {
    let n = y.nrows();
    Mat::from_fn(n, n, |i, j| 0.5 * (y[(i, j)] + y[(j, i)]))
}
