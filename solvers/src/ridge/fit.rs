//! Fitting: `(K + αI) a = y` for all targets together, by a Cholesky
//! factorisation in single precision refined to double accuracy (double
//! throughout when `K + αI` is too ill-conditioned for that).

use faer::{Mat, MatRef, Par};
use kern_kernels::{ExactGram, GramProvider, Kernel, Samples};

use super::weights::WeightedGram;
use super::{KernelRidge, KernelRidgeModel};
use crate::SolverError;
use crate::linalg::solve_spd;
use crate::weights::check_sample_weights as check_weights;

/// Solves `(K + αI) a = Y` for the Gram matrix of `gram`; `y` is `n × t`.
///
/// Works on any [`GramProvider`] (exact, precomputed, GPU).
pub fn fit_dual(
    gram: &dyn GramProvider,
    y: MatRef<'_, f64>,
    params: &KernelRidge,
    par: Par,
) -> Result<Mat<f64>, SolverError> {
    fit_dual_weighted(gram, y, None, params, par)
}

/// Solves `(K + α W⁻¹) a = Y`: kernel ridge with a positive weight per
/// sample on its squared error (`None`: all 1).
pub fn fit_dual_weighted(
    gram: &dyn GramProvider,
    y: MatRef<'_, f64>,
    weights: Option<&[f64]>,
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
    if let Some(w) = weights {
        check_weights(w, n)?;
    }
    n.checked_mul(n).and_then(|e| e.checked_mul(8)).ok_or(SolverError::TooLarge { n })?;
    let mut k = gram.full();
    for i in 0..n {
        k[(i, i)] += params.alpha / weights.map_or(1.0, |w| w[i]);
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
        Self::fit_weighted(kernel, train, y, None, params, par)
    }

    /// [`fit`](Self::fit) with a positive weight per sample on its squared
    /// error (scikit-learn's `sample_weight`; `None`: all 1).
    ///
    /// ```
    /// use faer::{Mat, Par};
    /// use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
    /// use kern_solvers::{KernelRidge, KernelRidgeModel};
    ///
    /// // Weight 2 on a sample is the sample twice.
    /// let rows = [vec![0.0], vec![1.0], vec![2.0]];
    /// let y = Mat::from_fn(3, 1, |i, _| i as f64 * 0.5);
    /// let kernel = VectorKernel::Rbf { gamma: 0.5 };
    /// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    /// let weighted = KernelRidgeModel::fit_weighted(kernel.clone(), x.clone(), y.as_ref(), Some(&[1.0, 2.0, 1.0]), KernelRidge { alpha: 0.3 }, Par::Seq).unwrap();
    /// let twice = DataSet::from(DenseMatrix::from_rows(&[rows[0].clone(), rows[1].clone(), rows[1].clone(), rows[2].clone()]).unwrap());
    /// let y2 = Mat::from_fn(4, 1, |i, _| [0.0, 0.5, 0.5, 1.0][i]);
    /// let repeated = KernelRidgeModel::fit(kernel, twice, y2.as_ref(), KernelRidge { alpha: 0.3 }, Par::Seq).unwrap();
    /// let (a, b) = (weighted.predict(&x, Par::Seq), repeated.predict(&x, Par::Seq));
    /// assert!((0..3).all(|i| (a[(i, 0)] - b[(i, 0)]).abs() < 1e-10));
    /// ```
    pub fn fit_weighted(
        kernel: K,
        train: S,
        y: MatRef<'_, f64>,
        weights: Option<&[f64]>,
        params: KernelRidge,
        par: Par,
    ) -> Result<Self, SolverError> {
        let dual = fit_dual_weighted(&ExactGram::new(&kernel, &train, par), y, weights, &params, par)?;
        let n_targets = dual.ncols();
        let dual_coef = (0..n_targets).flat_map(|t| dual.col_as_slice(t).to_vec()).collect();
        let weights = weights.map(<[f64]>::to_vec).unwrap_or_default();
        Ok(Self { kernel, train, params, dual_coef, n_targets, weights, target_mean: Vec::new() })
    }

    /// Fits with the `α` of least exact leave-one-out error over a log grid
    /// ([`LooPath`](super::LooPath)), and reports the choice.
    pub fn fit_auto(
        kernel: K,
        train: S,
        y: MatRef<'_, f64>,
        par: Par,
    ) -> Result<(Self, super::LooSelection), SolverError> {
        Self::fit_auto_weighted(kernel, train, y, None, par)
    }

    /// [`fit_auto`](Self::fit_auto) with a positive weight per sample: `α`
    /// by the least weighted leave-one-out error.
    pub fn fit_auto_weighted(
        kernel: K,
        train: S,
        y: MatRef<'_, f64>,
        weights: Option<&[f64]>,
        par: Par,
    ) -> Result<(Self, super::LooSelection), SolverError> {
        let gram = ExactGram::new(&kernel, &train, par);
        let selection = match weights {
            None => super::LooPath::new(&gram, y, par)?.select()?,
            Some(w) => {
                check_weights(w, gram.n())?;
                let scaled = WeightedGram::new(&gram, w);
                super::LooPath::new(&scaled, scaled.scale_rows(y).as_ref(), par)?.select()?
            }
        };
        let model = Self::fit_weighted(kernel, train, y, weights, KernelRidge { alpha: selection.alpha }, par)?;
        Ok((model, selection))
    }

    /// The dual coefficients as an `n_train × n_targets` matrix.
    pub fn dual(&self) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.dual_coef, self.train.len(), self.n_targets)
    }
}
