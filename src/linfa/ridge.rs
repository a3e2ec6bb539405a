//! `KernelRidge`: exact kernel ridge regression.

use std::marker::PhantomData;

use kern_kernels::{DataSet, Par, VectorKernel};
use kern_solvers::KernelRidgeModel;
use linfa::dataset::{AsSingleTargets, DatasetBase, Records};
use linfa::traits::{Fit, PredictInplace};
use linfa::{Float, ParamGuard};
use ndarray::{Array1, ArrayBase, Data, Ix2};

use super::{
    Device, as_f64, cast, check_kernel, default_par, fit_records, kernel_builder, to_dataset, to_f64, to_test_set,
};
use crate::error::{Error, Result};
use crate::model::Estimator;
use crate::train::{Alpha, FitSpec, Targets, Task};

/// The hyperparameters of a [`KernelRidge`], checked when it is fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelRidgeParams<F>(KernelRidgeValid<F>);

/// Checked [`KernelRidgeParams`].
#[derive(Clone, Debug, PartialEq)]
pub struct KernelRidgeValid<F> {
    pub(super) spec: FitSpec,
    pub(super) par: Par,
    pub(super) marker: PhantomData<F>,
}

/// Fitted kernel ridge regression: `f(x) = k(x, X)(K + αI)⁻¹y`, as
/// scikit-learn's `KernelRidge`.
///
/// ```
/// use linfa::prelude::*;
/// use ndarray::{Array1, Array2};
///
/// let x = Array2::from_shape_fn((50, 1), |(i, _)| i as f64 / 10.0);
/// let y: Array1<f64> = x.column(0).mapv(f64::sin);
/// let data = Dataset::new(x.clone(), y.clone());
/// let model = kern::KernelRidge::params().alpha(1e-3).gamma(1.0).fit(&data)?;
/// assert!(model.predict(&x).r2(&y)? > 0.999);
/// let auto = kern::KernelRidge::params().auto_alpha().gamma(1.0).fit(&data)?;
/// assert!(auto.alpha() > 0.0);
/// # Ok::<(), kern::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct KernelRidge<F> {
    model: KernelRidgeModel<VectorKernel, DataSet>,
    par: Par,
    marker: PhantomData<F>,
}

impl<F: Float> KernelRidge<F> {
    /// α = 1 and an RBF kernel of gamma `1/n_features`.
    pub fn params() -> KernelRidgeParams<F> {
        KernelRidgeParams(KernelRidgeValid { spec: FitSpec::new(Task::Krr), par: default_par(), marker: PhantomData })
    }

    /// The ridge penalty used (the chosen one with `auto_alpha`).
    pub fn alpha(&self) -> f64 {
        self.model.params.alpha
    }

    /// The underlying kern model.
    pub fn model(&self) -> &KernelRidgeModel<VectorKernel, DataSet> {
        &self.model
    }

    /// Predictions with jackknife+ intervals meant to hold a new target
    /// with probability `level` (from the exact leave-one-out fits; one
    /// factorisation of `K + αI`): `(prediction, lower, upper)`.
    ///
    /// ```
    /// use linfa::prelude::*;
    /// use ndarray::Array2;
    /// let x = Array2::from_shape_fn((60, 1), |(i, _)| i as f64 / 10.0);
    /// let y = x.column(0).mapv(|v| v.sin() + 0.1 * (7.0 * v).cos());
    /// let model = kern::KernelRidge::params().alpha(0.1).gamma(1.0).fit(&Dataset::new(x.clone(), y))?;
    /// let (p, lo, hi) = model.predict_interval(&x, 0.9)?;
    /// assert!((0..60).all(|i| lo[i] <= p[i] && p[i] <= hi[i]));
    /// # Ok::<(), kern::Error>(())
    /// ```
    pub fn predict_interval<D: Data<Elem = F>>(
        &self,
        x: &ArrayBase<D, Ix2>,
        level: f64,
    ) -> Result<(Array1<F>, Array1<F>, Array1<F>)> {
        let test = to_test_set(x, self.model.train.n_features());
        let i = self.model.jackknife_plus(&test, level, self.par)?;
        let column = |m: &faer::Mat<f64>| m.col(0).iter().map(|&v| cast(v)).collect();
        Ok((column(&i.prediction), column(&i.lower), column(&i.upper)))
    }
}

impl<F: Float> KernelRidgeParams<F> {
    kernel_builder!();

    /// The ridge penalty α > 0 added to the kernel matrix's diagonal (1).
    pub fn alpha(mut self, alpha: F) -> Self {
        self.0.spec.alpha = Alpha::Value(to_f64(alpha));
        self
    }

    /// Where the kernel matrix is computed ([`Device::cpu`] by default).
    pub fn device(mut self, device: Device) -> Self {
        self.0.spec.device = device;
        self
    }

    /// Choose α by the least exact leave-one-out error over a log grid.
    pub fn auto_alpha(mut self) -> Self {
        self.0.spec.alpha = Alpha::Auto;
        self
    }

    /// Centre the targets about their mean before the fit and add it back
    /// to every prediction (off, as scikit-learn's `KernelRidge`): kernel
    /// ridge has no intercept and shrinks towards zero.
    ///
    /// ```
    /// use linfa::prelude::*;
    /// use ndarray::{Array1, Array2};
    /// let x = Array2::from_shape_fn((40, 1), |(i, _)| i as f64 / 8.0);
    /// let y: Array1<f64> = x.column(0).mapv(|v| 1e6 + v.sin());
    /// let model = kern::KernelRidge::params().alpha(0.1).gamma(1.0).centre_targets(true).fit(&Dataset::new(x.clone(), y.clone()))?;
    /// assert!(model.predict(&x).r2(&y)? > 0.99);
    /// # Ok::<(), kern::Error>(())
    /// ```
    pub fn centre_targets(mut self, centre: bool) -> Self {
        self.0.spec.centre_targets = centre;
        self
    }
}

impl<F> ParamGuard for KernelRidgeParams<F> {
    type Checked = KernelRidgeValid<F>;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        check_kernel(&self.0.spec)?;
        if let Alpha::Value(alpha) = self.0.spec.alpha {
            kern_solvers::KernelRidge { alpha }.validate()?;
        }
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl<F: Float, D: Data<Elem = F>, T: AsSingleTargets<Elem = F>> Fit<ArrayBase<D, Ix2>, T, Error>
    for KernelRidgeValid<F>
{
    type Object = KernelRidge<F>;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<KernelRidge<F>> {
        let x = to_dataset(dataset.records())?;
        let targets = Targets::Values(as_f64(dataset.as_single_targets()));
        let Estimator::KernelRidge(model) = fit_records(&self.spec, x, &targets, dataset.weights(), self.par)? else {
            unreachable!("kernel ridge fits kernel ridge")
        };
        Ok(KernelRidge { model, par: self.par, marker: PhantomData })
    }
}

impl<F: Float, D: Data<Elem = F>> PredictInplace<ArrayBase<D, Ix2>, Array1<F>> for KernelRidge<F> {
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<F>) {
        assert_eq!(x.nrows(), y.len(), "one target per record");
        let f = self.model.predict(&to_test_set(x, self.model.train.n_features()), self.par);
        y.iter_mut().enumerate().for_each(|(i, y)| *y = cast(f[(i, 0)]));
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<F> {
        Array1::zeros(x.nsamples())
    }
}
