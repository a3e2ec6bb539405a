//! The posterior mean with many more centres than the variational fit can
//! afford: Falkon's solver on the fitted hyperparameters.
//!
//! With `λn = σ²`, Falkon's problem `(K_nCᵀ K_nC + σ² K_CC) β = K_nCᵀ y` is
//! the subset-of-regressors GP mean on centres `C`; with every sample a
//! centre it is the exact GP's mean `k(x, X)(K + σ²I)⁻¹ y`. The bound's own
//! mean lives on the `M` inducing points, so `M' ≫ M` centres bring the mean
//! close to the exact GP's at `O(n M')` per conjugate-gradient step, while
//! the variances stay those of the fitted sparse GP.

use faer::{MatRef, Par};
use kern_approx::nystroem::uniform_sample;
use kern_kernels::DataSet;

use super::fit::SgprModel;
use crate::SolverError;
use crate::falkon::{Falkon, FalkonModel};

impl SgprModel {
    /// Recomputes the posterior mean from `centres` samples of `x` drawn
    /// uniformly (seeded; every sample when `centres ≥ n`), the kernel and
    /// noise kept; `x` and `y` are the data of the fit. `hold_bytes` lets
    /// Falkon keep `K(X, C)` between its steps (0 recomputes it).
    ///
    /// ```
    /// use kern_approx::Landmarks;
    /// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
    /// use kern_solvers::gp::{GaussianProcess, GpModel, SgprModel, SparseGaussianProcess};
    /// let rows: Vec<Vec<f64>> = (0..150).map(|i| vec![i as f64 / 15.0]).collect();
    /// let y: Vec<f64> = rows.iter().map(|r| (2.0 * r[0]).sin()).collect();
    /// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    /// let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 2.0 }) };
    /// let mut gp = GaussianProcess::new(kernel, 0.01);
    /// gp.fit = vec![false; 3];
    /// let params = SparseGaussianProcess { gp: gp.clone(), components: 5, inducing: Landmarks::Uniform, learn_inducing: false, fit_samples: None, jitter: 0.0 };
    /// let mut sparse = SgprModel::fit(&params, &x, &y, Par::Seq).unwrap();
    /// sparse.refine_mean(&x, &y, 150, 0, 0, Par::Seq).unwrap();
    /// let exact = GpModel::fit(&gp, x.clone(), &y, Par::Seq).unwrap();
    /// let (a, b) = (sparse.predict_mean(&x, Par::Seq), exact.predict_mean(&x, Par::Seq));
    /// assert!(a.iter().zip(&b).all(|(a, b)| (a - b).abs() < 1e-4)); // the exact GP's mean
    /// ```
    pub fn refine_mean(
        &mut self,
        x: &DataSet,
        y: &[f64],
        centres: usize,
        hold_bytes: u64,
        seed: u64,
        par: Par,
    ) -> Result<(), SolverError> {
        let n = x.n_samples();
        let chosen = if centres >= n { (0..n).collect() } else { uniform_sample(n, centres, seed) };
        let yn: Vec<f64> = y.iter().map(|v| (v - self.y_mean) / self.y_scale).collect();
        let params = Falkon { alpha: self.noise, hold_bytes, ..Falkon::default() };
        let targets = MatRef::from_column_major_slice(&yn, n, 1);
        self.dense_mean = Some(Box::new(FalkonModel::fit(&params, &self.kernel, x, targets, x.select(&chosen), par)?));
        Ok(())
    }
}
