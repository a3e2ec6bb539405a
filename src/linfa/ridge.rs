//! `KernelRidge`: exact kernel ridge regression.

use std::marker::PhantomData;

use faer::Mat;
use kern_kernels::{DataSet, Par, VectorKernel};
use kern_solvers::KernelRidgeModel;
use linfa::dataset::{AsSingleTargets, DatasetBase, Records};
use linfa::traits::{Fit, PredictInplace};
use linfa::{Float, ParamGuard};
use ndarray::{Array1, ArrayBase, Data, Ix2};

use super::{Device, KernelChoice, as_f64, cast, default_par, kernel_builder, to_dataset, to_test_set};
use crate::error::{Error, Result};

/// The hyperparameters of a [`KernelRidge`], checked when it is fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelRidgeParams<F>(KernelRidgeValid<F>);

/// Checked [`KernelRidgeParams`].
#[derive(Clone, Debug, PartialEq)]
pub struct KernelRidgeValid<F> {
    /// `None`: chosen by exact leave-one-out error.
    pub(super) alpha: Option<f64>,
    pub(super) kernel: KernelChoice,
    pub(super) device: Device,
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
        KernelRidgeParams(KernelRidgeValid {
            alpha: Some(1.0),
            kernel: KernelChoice::default(),
            device: Device::default(),
            par: default_par(),
            marker: PhantomData,
        })
    }

    /// The ridge penalty used (the chosen one with `auto_alpha`).
    pub fn alpha(&self) -> f64 {
        self.model.params.alpha
    }

    /// The underlying kern model.
    pub fn model(&self) -> &KernelRidgeModel<VectorKernel, DataSet> {
        &self.model
    }
}

impl<F> KernelRidgeParams<F> {
    kernel_builder!();

    /// The ridge penalty α > 0 added to the kernel matrix's diagonal (1).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = Some(alpha);
        self
    }

    /// Where the kernel matrix is computed ([`Device::cpu`] by default).
    pub fn device(mut self, device: Device) -> Self {
        self.0.device = device;
        self
    }

    /// Choose α by the least exact leave-one-out error over a log grid.
    pub fn auto_alpha(mut self) -> Self {
        self.0.alpha = None;
        self
    }
}

impl<F> ParamGuard for KernelRidgeParams<F> {
    type Checked = KernelRidgeValid<F>;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        self.0.kernel.check()?;
        if let Some(alpha) = self.0.alpha {
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
        let targets = as_f64(dataset.as_single_targets());
        let y = Mat::from_fn(targets.len(), 1, |i, _| targets[i]);
        let kernel = self.kernel.build(x.n_features())?;
        let plain = |k: kern_gpu::DeviceKernel| k.kernel().clone();
        let model = match (self.alpha, self.device.kernel(&kernel)) {
            (Some(alpha), Some(on_gpu)) => {
                let params = kern_solvers::KernelRidge { alpha };
                KernelRidgeModel::fit(on_gpu, x, y.as_ref(), params, self.par)?.map_kernel(plain)
            }
            (Some(alpha), None) => {
                KernelRidgeModel::fit(kernel, x, y.as_ref(), kern_solvers::KernelRidge { alpha }, self.par)?
            }
            (None, Some(on_gpu)) => KernelRidgeModel::fit_auto(on_gpu, x, y.as_ref(), self.par)?.0.map_kernel(plain),
            (None, None) => KernelRidgeModel::fit_auto(kernel, x, y.as_ref(), self.par)?.0,
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
