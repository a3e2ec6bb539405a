//! Nyström kernel ridge regression by preconditioned conjugate gradient
//! (Falkon: Rudi, Carratino & Rosasco 2017). With centres `C` (`M` of the
//! samples), the coefficients `α` of `f(x) = K(x, C) α` solve
//!
//! `(K_nMᵀ K_nM + λ n K_MM) α = K_nMᵀ y`,
//!
//! (with sample weights `W`: `K_nMᵀ W K_nM` and `K_nMᵀ W y`, `n = Σ w`),
//! by conjugate gradient on the system preconditioned with two Cholesky
//! factors, `T = chol(K_MM)` and `A = chol(T Tᵀ / M + λ I)`, which makes a
//! few dozen iterations enough. `K_nM` is held in memory when the fit may
//! spend `n M` values on it ([`Falkon::hold_bytes`]); otherwise it is
//! computed in row blocks at every iteration and never held whole: memory
//! is then `O(n d + M²)`, so `n` may run to millions. With `M = n` this is
//! exact kernel ridge with `alpha = λ n`.

mod cg;
mod preconditioner;
mod products;

use std::ops::Range;

use faer::{Mat, MatRef, Par};
use kern_kernels::{DataSet, Kernel, VectorKernel};
use serde::{Deserialize, Serialize};

pub use cg::{CgState, Checkpoints, Stopped};
use preconditioner::{Preconditioner, SINGLE_JITTER};
pub use products::BLOCK;
use products::KnmProducts;

use crate::SolverError;
use crate::collective::{Alone, Collective, tree_sum};
use crate::ridge::{add_target_means, column_sums, subtract_means};
use crate::weights::check_sample_weights;

/// The default [`Falkon::settle`]: CG stops once its last steps each move
/// the solution by less than this fraction of its size (energy norm).
pub const SETTLE: f64 = 1e-3;

/// Falkon's parameters (validated at fit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Falkon {
    /// Ridge penalty on the scale of kernel ridge's `alpha` (`λ = alpha / n`).
    pub alpha: f64,
    /// Conjugate-gradient iterations at most.
    pub max_iter: usize,
    /// Stop when every residual is below this fraction of its start.
    pub tol: f64,
    /// Stop when the last two steps each moved every solution by less than
    /// this fraction of its size, in the energy norm of the system (with a
    /// small `alpha`, the root-mean-square change of the fitted values on
    /// the training samples); 0 never stops for this.
    #[serde(default)]
    pub settle: f64,
    /// Bytes the fit may spend holding `K_nM` (`8 n M`), so that an
    /// iteration reads it rather than computing it; 0 computes it at every
    /// iteration. Leave it 0 when a device computes the blocks.
    #[serde(default)]
    pub hold_bytes: u64,
    /// Centre each target about its (weighted) mean before the fit and add
    /// the mean to every prediction: Falkon, like kernel ridge, has no
    /// intercept and shrinks towards zero.
    #[serde(default)]
    pub centre_targets: bool,
}

impl Default for Falkon {
    fn default() -> Self {
        Self { alpha: 1.0, max_iter: 100, tol: 1e-10, settle: SETTLE, hold_bytes: 0, centre_targets: false }
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
        for (name, value) in [("tol", self.tol), ("settle", self.settle)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(SolverError::InvalidParameter { name, value, reason: "must be ≥ 0 and finite" });
            }
        }
        Ok(())
    }
}

/// The samples Falkon fits: `y` (`n × t`) at `x`, each sample's squared
/// error weighted by a positive weight when `weights` is given.
#[derive(Clone, Copy, Debug)]
pub struct FalkonData<'a> {
    /// The samples.
    pub x: &'a DataSet,
    /// Their targets, one column per target.
    pub y: MatRef<'a, f64>,
    /// One positive weight per sample (`None`: all 1).
    pub weights: Option<&'a [f64]>,
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
    /// Each target's mean, taken out before the fit and added to every
    /// prediction ([`Falkon::centre_targets`]); empty: fitted as given.
    /// Format 7 on.
    #[serde(default)]
    pub target_mean: Vec<f64>,
    /// Why the conjugate gradient stopped: known after a fit, not kept in
    /// model files (whose layout it would change).
    #[serde(skip)]
    pub stopped_because: Option<Stopped>,
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
        Self::fit_data(params, kernel, blocks, FalkonData { x, y, weights: None }, centers, par)
    }

    /// [`fit_with_blocks`](Self::fit_with_blocks) on `data`, whose samples
    /// may carry weights. A weight of 2 is the sample twice.
    pub fn fit_data(
        params: &Falkon,
        kernel: &VectorKernel,
        blocks: &dyn Kernel<DataSet>,
        data: FalkonData<'_>,
        centers: DataSet,
        par: Par,
    ) -> Result<Self, SolverError> {
        Self::fit_shared(params, kernel, blocks, data, centers, par, Run::alone())
    }

    /// [`fit_data`](Self::fit_data) where each process of `run.collective` holds
    /// a share of the samples and all hold the same centres: every product
    /// with `K_nM` is summed over the processes (an `M`-vector per target and
    /// conjugate-gradient step), the preconditioner is factorised by process
    /// 0 and broadcast, and every process ends with the same model.
    ///
    /// Every process but the last with rows holds whole [`BLOCK`]s of rows
    /// (else [`SolverError::UnalignedShare`]); the sums then run over the
    /// same blocks in the same tree as one process's, and the model is the
    /// same bits as the model fitted on all rows alone.
    pub fn fit_shared(
        params: &Falkon,
        kernel: &VectorKernel,
        blocks: &dyn Kernel<DataSet>,
        data: FalkonData<'_>,
        centers: DataSet,
        par: Par,
        run: Run<'_>,
    ) -> Result<Self, SolverError> {
        params.validate()?;
        let collective = run.collective;
        let FalkonData { x, y, weights } = data;
        let (n, m, t) = (x.n_samples(), centers.n_samples(), y.ncols());
        let (first_block, total_blocks, total) = number_blocks(n, collective)?;
        if total == 0 || m == 0 {
            return Err(SolverError::Empty);
        }
        if y.nrows() != n {
            return Err(SolverError::DimensionMismatch { what: "targets", expected: n, got: y.nrows() });
        }
        if let Some(index) = (0..n).find(|&i| (0..t).any(|c| !y[(i, c)].is_finite())) {
            return Err(SolverError::NonFiniteTarget { index });
        }
        if let Some(w) = weights {
            check_sample_weights(w, n)?;
        }
        let numbered = first_block..first_block + n.div_ceil(BLOCK);
        let (centred, target_mean) = if params.centre_targets {
            let (centred, means) = centre_shared(y, weights, numbered.clone(), total_blocks, collective);
            (Some(centred), means)
        } else {
            (None, Vec::new())
        };
        let y = centred.as_ref().map_or(y, Mat::as_ref);
        // The weighted problem is the unweighted one on Σ w samples.
        let n = match weights {
            None => total as f64,
            Some(w) => weight_sum(w, numbered, total_blocks, collective),
        };
        let lambda = params.alpha / n;
        // K_MM from the exact kernel in f64: a device's f32 blocks perturb it
        // by ~1e-7, more than the jitter a smooth kernel's K_MM allows. With
        // f32 products, T⁻¹ must not magnify their rounding: Falkon's float32
        // jitter, M · 1e-5, bounds ‖T⁻¹‖ by about 300 / √M.
        let jitter = if blocks.unit_roundoff() > f64::EPSILON { SINGLE_JITTER } else { f64::EPSILON };
        let pre = Preconditioner::shared(kernel, &centers, lambda, jitter, par, collective)?;
        let products = KnmProducts::new(blocks, x, &centers, par)
            .hold_within(params.hold_bytes)
            .weighted(weights)
            .numbered(first_block, total_blocks);

        // R = A⁻ᵀ T⁻ᵀ K_nMᵀ W y / n.
        let mut r = match weights {
            Some(w) => {
                products.transpose_times(Mat::from_fn(y.nrows(), t, |i, c| w[i] * y[(i, c)]).as_ref(), collective)
            }
            None => products.transpose_times(y, collective),
        };
        pre.apply_transpose(r.as_mut(), 1.0 / n, None);
        let operator = |beta: MatRef<'_, f64>| -> Mat<f64> {
            // A⁻ᵀ (T⁻ᵀ K_nMᵀ K_nM T⁻¹ A⁻¹ β / n + λ A⁻¹ β).
            let mut v = beta.to_owned();
            pre.solve_a(v.as_mut());
            let mut w = v.clone();
            pre.solve_t(w.as_mut());
            let mut c = products.gram_times(w.as_ref(), collective);
            pre.apply_transpose(c.as_mut(), 1.0 / n, Some((lambda, v.as_ref())));
            c
        };
        let stopping = cg::Stopping { max_iter: params.max_iter, tol: params.tol, settle: params.settle };
        let solution = cg::conjugate_gradient(operator, r.as_ref(), stopping, run.checkpoints)?;
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
            target_mean,
            stopped_because: Some(solution.stopped),
        })
    }

    /// `K(x, C) α`, one row per sample (`n × n_targets`), in blocks.
    pub fn predict(&self, x: &DataSet, par: Par) -> Mat<f64> {
        let coef = MatRef::from_column_major_slice(&self.coef, self.centers.n_samples(), self.n_targets);
        let mut f = KnmProducts::new(&self.kernel, x, &self.centers, par).times(coef);
        add_target_means(f.as_mut(), &self.target_mean);
        f
    }
}

/// `Σ w` over all processes, by blocks along the tree of block numbers
/// (this process's blocks numbered from `first_block`): the same bits at
/// any number of processes.
fn weight_sum(w: &[f64], numbered: Range<usize>, total_blocks: usize, collective: &dyn Collective) -> f64 {
    let first_block = numbered.start;
    let block_weight = |b: usize| {
        let local = (b - first_block) * BLOCK;
        vec![w[local..(local + BLOCK).min(w.len())].iter().sum::<f64>()]
    };
    tree_sum(collective, numbered, total_blocks, 1, false, &block_weight)[0]
}

/// `y` centred about its (weighted) means over all processes, and the
/// means; summed by blocks along the tree of block numbers, as
/// [`weight_sum`], so the same bits at any number of processes.
fn centre_shared(
    y: MatRef<'_, f64>,
    weights: Option<&[f64]>,
    numbered: Range<usize>,
    total_blocks: usize,
    collective: &dyn Collective,
) -> (Mat<f64>, Vec<f64>) {
    let (first_block, n) = (numbered.start, y.nrows());
    let block_sums = |b: usize| {
        let local = (b - first_block) * BLOCK;
        column_sums(y, weights, local..(local + BLOCK).min(n))
    };
    let sums = tree_sum(collective, numbered, total_blocks, y.ncols() + 1, false, &block_sums);
    let mut centred = y.to_owned();
    let means = subtract_means(centred.as_mut(), &sums);
    (centred, means)
}

/// How a fit runs besides its data: the processes sharing the rows, and
/// where its conjugate gradient keeps checkpoints.
pub struct Run<'a> {
    /// The processes ([`Alone`] for one).
    pub collective: &'a dyn Collective,
    /// Checkpoints to save, and one to resume from.
    pub checkpoints: Option<Checkpoints<'a>>,
}

impl Run<'static> {
    /// One process, no checkpoints.
    pub fn alone() -> Self {
        Run { collective: &Alone, checkpoints: None }
    }
}

/// This process's first block number, the blocks and the rows over all
/// processes, for `n` rows here; every process but the last with rows must
/// hold whole blocks, so that blocks are the same rows at any split.
fn number_blocks(n: usize, collective: &dyn Collective) -> Result<(usize, usize, usize), SolverError> {
    let counts = collective.all_gather_counts(n);
    let last = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
    if let Some(rank) = (0..last).find(|&r| counts[r] % BLOCK != 0) {
        return Err(SolverError::UnalignedShare { rank, rows: counts[rank], block: BLOCK });
    }
    let first = counts[..collective.rank()].iter().map(|c| c.div_ceil(BLOCK)).sum();
    let total_blocks = counts.iter().map(|c| c.div_ceil(BLOCK)).sum();
    Ok((first, total_blocks, counts.iter().sum()))
}
