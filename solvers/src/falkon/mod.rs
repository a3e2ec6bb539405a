//! Nyström kernel ridge regression by preconditioned conjugate gradient
//! (Falkon: Rudi, Carratino & Rosasco 2017). With centres `C` (`M` of the
//! samples), the coefficients `α` of `f(x) = K(x, C) α` solve
//!
//! `(K_nMᵀ K_nM + λ n K_MM) α = K_nMᵀ y`,
//!
//! by conjugate gradient on the system preconditioned with two Cholesky
//! factors, `T = chol(K_MM)` and `A = chol(T Tᵀ / M + λ I)`, which makes a
//! few dozen iterations enough. `K_nM` is computed in row blocks at every
//! iteration and never held whole: memory is `O(n d + M²)`, so `n` may run
//! to millions. With `M = n` this is exact kernel ridge with `alpha = λ n`.

mod cg;

use faer::{Accum, Mat, MatMut, MatRef, Par};
use kern_kernels::{BlockProduct, DataSet, Kernel, VectorKernel, gram_matrix};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::SolverError;
use crate::linalg::{cholesky, lauum, solve_lower_in_place, solve_lower_transpose_in_place};

/// Rows of `K_nM` computed at a time: fixed, so the sums are the same at
/// any thread count.
const BLOCK: usize = 256;

/// Falkon's parameters (validated at fit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Falkon {
    /// Ridge penalty on the scale of kernel ridge's `alpha` (`λ = alpha / n`).
    pub alpha: f64,
    /// Conjugate-gradient iterations at most.
    pub max_iter: usize,
    /// Stop when every residual is below this fraction of its start.
    pub tol: f64,
}

impl Default for Falkon {
    fn default() -> Self {
        Self { alpha: 1.0, max_iter: 100, tol: 1e-10 }
    }
}

impl Falkon {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SolverError> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(SolverError::InvalidParameter {
                name: "alpha",
                value: self.alpha,
                reason: "must be positive and finite",
            });
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(SolverError::InvalidParameter {
                name: "tol",
                value: self.tol,
                reason: "must be ≥ 0 and finite",
            });
        }
        Ok(())
    }
}

/// A fitted Falkon model: `f(x) = K(x, C) α`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FalkonModel {
    /// The kernel.
    pub kernel: VectorKernel,
    /// The centres `C`.
    pub centers: DataSet,
    /// `α`, `M × n_targets`, column-major.
    pub coef: Vec<f64>,
    /// Target columns.
    pub n_targets: usize,
    /// Conjugate-gradient iterations taken.
    pub iterations: usize,
    /// Each target's final residual, relative to its start.
    pub relative_residuals: Vec<f64>,
}

impl FalkonModel {
    /// Fits `y` (`n × t`) at samples `x` with the given centres.
    ///
    /// ```
    /// use faer::{Mat, Par};
    /// use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
    /// use kern_solvers::falkon::{Falkon, FalkonModel};
    /// let rows: Vec<Vec<f64>> = (0..200).map(|i| vec![i as f64 / 40.0]).collect();
    /// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    /// let y = Mat::from_fn(200, 1, |i, _| rows[i][0].sin());
    /// let centers = x.select(&(0..200).step_by(10).collect::<Vec<_>>());
    /// let params = Falkon { alpha: 1e-3, ..Falkon::default() };
    /// let model = FalkonModel::fit(&params, &VectorKernel::Rbf { gamma: 1.0 }, &x, y.as_ref(), centers, Par::Seq).unwrap();
    /// let f = model.predict(&x, Par::Seq);
    /// assert!((f[(100, 0)] - 2.5f64.sin()).abs() < 1e-2);
    /// ```
    pub fn fit(
        params: &Falkon,
        kernel: &VectorKernel,
        x: &DataSet,
        y: MatRef<'_, f64>,
        centers: DataSet,
        par: Par,
    ) -> Result<Self, SolverError> {
        Self::fit_with_blocks(params, kernel, kernel, x, y, centers, par)
    }

    /// [`fit`](Self::fit) with the `K_nM` products computed by `blocks` (the
    /// same function as `kernel`, computed elsewhere: a
    /// `kern_gpu::DeviceKernel` puts them on the GPU). The preconditioner's
    /// `K_MM` comes from `kernel` in f64. The model stores `kernel`.
    pub fn fit_with_blocks(
        params: &Falkon,
        kernel: &VectorKernel,
        blocks: &dyn Kernel<DataSet>,
        x: &DataSet,
        y: MatRef<'_, f64>,
        centers: DataSet,
        par: Par,
    ) -> Result<Self, SolverError> {
        params.validate()?;
        let (n, m, t) = (x.n_samples(), centers.n_samples(), y.ncols());
        if n == 0 || m == 0 {
            return Err(SolverError::Empty);
        }
        if y.nrows() != n {
            return Err(SolverError::DimensionMismatch { what: "targets", expected: n, got: y.nrows() });
        }
        if let Some(index) = (0..n).find(|&i| (0..t).any(|c| !y[(i, c)].is_finite())) {
            return Err(SolverError::NonFiniteTarget { index });
        }
        let lambda = params.alpha / n as f64;
        // K_MM from the exact kernel in f64: a device's f32 blocks perturb it
        // by ~1e-7, more than the jitter a smooth kernel's K_MM allows. With
        // f32 products, T⁻¹ must not magnify their rounding: Falkon's float32
        // jitter, M · 1e-5, bounds ‖T⁻¹‖ by about 300 / √M.
        let jitter = if blocks.unit_roundoff() > f64::EPSILON { SINGLE_JITTER } else { f64::EPSILON };
        let pre = Preconditioner::new(kernel, &centers, lambda, jitter, par)?;
        let products = KnmProducts { kernel: blocks, x, centers: &centers, par };

        // R = A⁻ᵀ T⁻ᵀ K_nMᵀ y / n.
        let mut r = products.transpose_times(y);
        pre.apply_transpose(r.as_mut(), 1.0 / n as f64, None);
        let operator = |beta: MatRef<'_, f64>| -> Mat<f64> {
            // A⁻ᵀ (T⁻ᵀ K_nMᵀ K_nM T⁻¹ A⁻¹ β / n + λ A⁻¹ β).
            let mut v = beta.to_owned();
            pre.solve_a(v.as_mut());
            let mut w = v.clone();
            pre.solve_t(w.as_mut());
            let mut c = products.gram_times(w.as_ref());
            pre.apply_transpose(c.as_mut(), 1.0 / n as f64, Some((lambda, v.as_ref())));
            c
        };
        let solution = cg::conjugate_gradient(operator, r.as_ref(), params.max_iter, params.tol);
        // α = T⁻¹ A⁻¹ β.
        let mut alpha = solution.x;
        pre.solve_a(alpha.as_mut());
        pre.solve_t(alpha.as_mut());
        kern_kernels::simd::clear_upper_state();
        Ok(Self {
            kernel: kernel.clone(),
            centers,
            coef: (0..t).flat_map(|c| alpha.col_as_slice(c).to_vec()).collect(),
            n_targets: t,
            iterations: solution.iterations,
            relative_residuals: solution.relative_residuals,
        })
    }

    /// `K(x, C) α`, one row per sample (`n × n_targets`), in blocks.
    pub fn predict(&self, x: &DataSet, par: Par) -> Mat<f64> {
        let coef = MatRef::from_column_major_slice(&self.coef, self.centers.n_samples(), self.n_targets);
        let products = KnmProducts { kernel: &self.kernel, x, centers: &self.centers, par };
        products.times(coef)
    }
}

/// `K_nM` products, computed block by block.
struct KnmProducts<'a> {
    kernel: &'a dyn Kernel<DataSet>,
    x: &'a DataSet,
    centers: &'a DataSet,
    par: Par,
}

impl KnmProducts<'_> {
    fn blocks(&self) -> usize {
        self.x.n_samples().div_ceil(BLOCK)
    }

    /// `K(X_b, C)` for block `b`.
    fn block(&self, b: usize) -> Mat<f64> {
        let rows: Vec<usize> = (b * BLOCK..((b + 1) * BLOCK).min(self.x.n_samples())).collect();
        let cols: Vec<usize> = (0..self.centers.n_samples()).collect();
        let mut k = Mat::zeros(rows.len(), cols.len());
        self.kernel.block(self.x, &rows, self.centers, &cols, k.as_mut(), Par::Seq);
        k
    }

    /// `f(b, K(X_b, C))` for every block `b`, in block order (in parallel when allowed).
    fn map_blocks(&self, f: impl Fn(usize, &Mat<f64>) -> Mat<f64> + Sync) -> Vec<Mat<f64>> {
        let run = |b: usize| f(b, &self.block(b));
        if kern_kernels::is_sequential(self.par) {
            (0..self.blocks()).map(run).collect()
        } else {
            (0..self.blocks()).into_par_iter().map(run).collect()
        }
    }

    /// `K_nMᵀ v` for `v` with one row per sample.
    fn transpose_times(&self, v: MatRef<'_, f64>) -> Mat<f64> {
        if let Some(product) = self.kernel.block_product(self.x, self.centers, BlockProduct::TransposeTimes(v)) {
            return product;
        }
        let parts = self.map_blocks(|b, k| {
            let rows = v.subrows(b * BLOCK, k.nrows());
            let mut out = Mat::zeros(k.ncols(), v.ncols());
            faer::linalg::matmul::matmul(out.as_mut(), Accum::Replace, k.transpose(), rows, 1.0, Par::Seq);
            out
        });
        add_in_order(parts, self.centers.n_samples(), v.ncols())
    }

    /// `K_nMᵀ K_nM w`.
    fn gram_times(&self, w: MatRef<'_, f64>) -> Mat<f64> {
        if let Some(product) = self.kernel.block_product(self.x, self.centers, BlockProduct::GramTimes(w)) {
            return product;
        }
        let parts = self.map_blocks(|_, k| {
            let z = k * w;
            let mut out = Mat::zeros(k.ncols(), w.ncols());
            faer::linalg::matmul::matmul(out.as_mut(), Accum::Replace, k.transpose(), z.as_ref(), 1.0, Par::Seq);
            out
        });
        add_in_order(parts, self.centers.n_samples(), w.ncols())
    }

    /// `K_nM w`, one row per sample.
    fn times(&self, w: MatRef<'_, f64>) -> Mat<f64> {
        if let Some(product) = self.kernel.block_product(self.x, self.centers, BlockProduct::Times(w)) {
            return product;
        }
        let parts = self.map_blocks(|_, k| k * w);
        let mut out = Mat::zeros(self.x.n_samples(), w.ncols());
        for (b, part) in parts.iter().enumerate() {
            out.as_mut().subrows_mut(b * BLOCK, part.nrows()).copy_from(part);
        }
        kern_kernels::simd::clear_upper_state();
        out
    }
}

fn add_in_order(parts: Vec<Mat<f64>>, rows: usize, cols: usize) -> Mat<f64> {
    let mut total = Mat::zeros(rows, cols);
    for p in &parts {
        total += p;
    }
    kern_kernels::simd::clear_upper_state();
    total
}

/// The largest jitter tried on K_MM's diagonal, relative to its mean.
const JITTER_LIMIT: f64 = 1e-6;
/// The preconditioner's jitter per centre when `K_nM` is in f32 (Falkon's
/// `pc_epsilon` for float32).
const SINGLE_JITTER: f64 = 1e-5;

/// Falkon's preconditioner: `T = chol(K_MM)ᵀ` and `A = chol(T Tᵀ / M + λ I)ᵀ`,
/// stored as their lower-triangular transposes.
struct Preconditioner {
    /// `L_T` with `K_MM + εI = L_T L_Tᵀ` (`T = L_Tᵀ`).
    t: Mat<f64>,
    /// `L_A` with `T Tᵀ / M + λ I = L_A L_Aᵀ` (`A = L_Aᵀ`).
    a: Mat<f64>,
    /// For the solves: memory-bound, and the same at any thread count.
    par: Par,
}

impl Preconditioner {
    /// `relative_jitter`: the first jitter per centre, relative to the mean diagonal.
    fn new(
        kernel: &dyn Kernel<DataSet>,
        centers: &DataSet,
        lambda: f64,
        relative_jitter: f64,
        par: Par,
    ) -> Result<Self, SolverError> {
        let m = centers.n_samples();
        // A relative jitter of a few ulps of the mean diagonal, as Falkon, for
        // centres that are duplicates or nearly so; a smooth kernel on many
        // centres can be singular to working precision, so the jitter grows
        // tenfold until K_MM factors (it only shapes the preconditioner: CG
        // still solves the system with the exact K_MM).
        let mut t = gram_matrix(kernel, centers, par);
        let mean_diagonal = (0..m).map(|i| t[(i, i)]).sum::<f64>() / m as f64;
        let mut jitter = m as f64 * relative_jitter * mean_diagonal;
        loop {
            for i in 0..m {
                t[(i, i)] += jitter;
            }
            match cholesky(t.as_mut(), par) {
                Ok(()) => break,
                Err(pivot) if jitter >= JITTER_LIMIT * mean_diagonal => {
                    return Err(SolverError::NotPositiveDefinite {
                        pivot,
                        hint: "the centres' kernel matrix is singular: use fewer or distinct centres",
                    });
                }
                Err(_) => {
                    jitter *= 10.0;
                    t = gram_matrix(kernel, centers, par);
                }
            }
        }
        // T Tᵀ = L_Tᵀ L_T; Cholesky reads its lower half only.
        let mut a = lauum(t.as_ref(), 1.0 / m as f64, par);
        for i in 0..m {
            a[(i, i)] += lambda;
        }
        cholesky(a.as_mut(), par).map_err(|pivot| SolverError::NotPositiveDefinite {
            pivot,
            hint: "the preconditioner did not factor: increase alpha",
        })?;
        Ok(Self { t, a, par })
    }

    /// `v ← A⁻¹ v = L_A⁻ᵀ v`.
    fn solve_a(&self, v: MatMut<'_, f64>) {
        solve_lower_transpose_in_place(self.a.as_ref(), v, self.par);
    }

    /// `v ← T⁻¹ v = L_T⁻ᵀ v`.
    fn solve_t(&self, v: MatMut<'_, f64>) {
        solve_lower_transpose_in_place(self.t.as_ref(), v, self.par);
    }

    /// `c ← A⁻ᵀ (scale · T⁻ᵀ c + λ v)` (the `λ v` term when given).
    fn apply_transpose(&self, mut c: MatMut<'_, f64>, scale: f64, plus: Option<(f64, MatRef<'_, f64>)>) {
        solve_lower_in_place(self.t.as_ref(), c.as_mut(), self.par);
        for j in 0..c.ncols() {
            for i in 0..c.nrows() {
                c[(i, j)] *= scale;
                if let Some((lambda, v)) = plus {
                    c[(i, j)] += lambda * v[(i, j)];
                }
            }
        }
        solve_lower_in_place(self.a.as_ref(), c, self.par);
    }
}
