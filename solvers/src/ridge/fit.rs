//! Fitting: `(K + αI) a = y` for all targets together, by a Cholesky
//! factorisation in single precision refined to double accuracy (double
//! throughout when `K + αI` is too ill-conditioned for that).

use faer::{Mat, MatRef, Par};
use kern_kernels::{ExactGram, GramProvider, Kernel, Samples};

use super::{KernelRidge, KernelRidgeModel};
use crate::SolverError;
use crate::linalg::solve_spd;

/// Solves `(K + αI) a = Y` for the Gram matrix of `gram`; `y` is `n × t`.
///
/// Works on any [`GramProvider`] (exact, precomputed, GPU).
pub fn fit_dual(
    gram: &dyn GramProvider,
    y: MatRef<'_, f64>,
    params: &KernelRidge,
    par: Par,
) -> Result<Mat<f64>, SolverError> {
    params.validate()?;
    let n = gram.n();
    if n == 0 {
        return Err(SolverError::Empty);
    }
    if y.nrows() != n {
        return Err(SolverError::DimensionMismatch { what: "number of targets rows", expected: n, got: y.nrows() });
    }
    if let Some(index) = (0..y.nrows()).find(|&i| (0..y.ncols()).any(|t| !y[(i, t)].is_finite())) {
        return Err(SolverError::NonFiniteTarget { index });
    }
    n.checked_mul(n).and_then(|e| e.checked_mul(8)).ok_or(SolverError::TooLarge { n })?;
    let mut k = gram.full();
    for i in 0..n {
        k[(i, i)] += params.alpha;
    }
    let a = solve_spd(k, y, par).map_err(|pivot| SolverError::NotPositiveDefinite {
        pivot,
        hint: "increase alpha, or use a positive semi-definite kernel (the sigmoid kernel is not)",
    })?;
    Ok(a)
}

impl<K: Kernel<S>, S: Samples> KernelRidgeModel<K, S> {
    /// Fits kernel ridge regression of the targets `y` (`n × t`) on `train`.
    ///
    /// ```
    /// use faer::{Mat, Par};
    /// use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
    /// use kern_solvers::{KernelRidge, KernelRidgeModel};
    ///
    /// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0], vec![2.0]]).unwrap());
    /// let y = Mat::from_fn(3, 1, |i, _| (i as f64).sin());
    /// let model = KernelRidgeModel::fit(VectorKernel::Rbf { gamma: 1.0 }, x.clone(), y.as_ref(), KernelRidge { alpha: 1e-9 }, Par::Seq).unwrap();
    /// let fitted = model.predict(&x, Par::Seq);
    /// assert!((fitted[(1, 0)] - 1f64.sin()).abs() < 1e-6);
    /// ```
    pub fn fit(kernel: K, train: S, y: MatRef<'_, f64>, params: KernelRidge, par: Par) -> Result<Self, SolverError> {
        let dual = fit_dual(&ExactGram::new(&kernel, &train, par), y, &params, par)?;
        let n_targets = dual.ncols();
        let dual_coef = (0..n_targets).flat_map(|t| dual.col_as_slice(t).to_vec()).collect();
        Ok(Self { kernel, train, params, dual_coef, n_targets })
    }

    /// Fits with the `α` of least exact leave-one-out error over a log grid
    /// ([`LooPath`](super::LooPath)), and reports the choice.
    pub fn fit_auto(
        kernel: K,
        train: S,
        y: MatRef<'_, f64>,
        par: Par,
    ) -> Result<(Self, super::LooSelection), SolverError> {
        let selection = super::LooPath::new(&ExactGram::new(&kernel, &train, par), y, par)?.select()?;
        let model = Self::fit(kernel, train, y, KernelRidge { alpha: selection.alpha }, par)?;
        Ok((model, selection))
    }

    /// The dual coefficients as an `n_train × n_targets` matrix.
    pub fn dual(&self) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.dual_coef, self.train.len(), self.n_targets)
    }
}
