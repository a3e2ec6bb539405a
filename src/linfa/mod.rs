//! linfa 0.8 estimators (feature `linfa`, on by default): every kern model
//! behind linfa's `ParamGuard` / `Fit` / `PredictInplace` traits, so it
//! drops into code written for linfa-svm and friends, and works with
//! `Dataset::fold`, `cross_validate`, `ConfusionMatrix` and the regression
//! metrics.
//!
//! ```
//! use linfa::prelude::*;
//! use ndarray::array;
//!
//! let x = array![[0.0, 0.0], [0.1, 0.2], [1.0, 1.0], [0.9, 1.1]];
//! let dataset = Dataset::new(x.clone(), array![false, false, true, true]);
//! let model = kern::Svc::params().gamma(2.0).c(10.0).fit(&dataset)?;
//! assert_eq!(model.predict(&x), array![false, false, true, true]);
//! # Ok::<(), kern::Error>(())
//! ```
//!
//! Records of any float type (`f32` or `f64`) are converted to `f64` at the
//! boundary, as the solvers compute in `f64`; hyperparameters are given in
//! the estimator's float type, as linfa's own estimators take them. Each
//! builder fills a [`crate::train::FitSpec`], checked when the estimator is
//! fitted (`ParamGuard`, with kern's own [`Error`]) and fitted by
//! [`crate::train`]: the same SVM parameters, solvers and device choice as
//! `kern fit`.

mod features;
mod gp;
#[cfg(feature = "nalgebra")]
pub mod nalgebra;
mod ridge;
mod structured;
mod svm;

pub use features::{Nystroem, NystroemParams, RandomFourierFeatures, RandomFourierFeaturesParams};
pub use gp::{
    GaussianProcess, GaussianProcessClassifier, GaussianProcessClassifierParams, GaussianProcessParams, GpFit, GpcFit,
};
pub use ridge::{KernelRidge, KernelRidgeParams};
pub use structured::{GraphRecords, SequenceRecords, StructuredRecords, StructuredRegressor, StructuredSvc};
pub use svm::{OneClassSvm, OneClassSvmParams, Svc, SvcParams, Svr, SvrParams};

use kern_kernels::{DataSet, DenseMatrix, Par};
use linfa::Float;
use ndarray::{ArrayBase, Data, Ix2};

use crate::error::{Error, Result};
use crate::io::SampleKind;
use crate::model::Estimator;
pub use crate::train::Device;
use crate::train::{FitSpec, Notices, Targets, fit_vectors, positive_rows};

/// Checks what can be checked of `spec`'s kernel before the data is seen.
pub(crate) fn check_kernel(spec: &FitSpec) -> Result<()> {
    if spec.precomputed() {
        return Err(Error::Usage(
            "a precomputed kernel needs sample numbers in the data: use the kern CLI, or a kernel on vectors".into(),
        ));
    }
    // A custom kernel may depend on the width (ARD); string and graph
    // kernels are checked against the data at fit.
    if spec.custom_kernel.is_some() || spec.kernel.name.takes() != SampleKind::Vectors {
        return Ok(());
    }
    spec.vector_kernel(1).map(drop)
}

/// Fits `spec` on vector records through the engine (the CPU-or-GPU choice,
/// the SVM parameters and the solvers are [`crate::train`]'s), each record
/// weighted by the data set's weights when it has them.
pub(crate) fn fit_records(
    spec: &FitSpec,
    x: DataSet,
    targets: &Targets,
    weights: Option<&[f32]>,
    par: Par,
) -> Result<Estimator> {
    check_kernel(spec)?;
    let Some(weights) = weights else {
        let kernel = spec.vector_kernel(x.n_features())?;
        return fit_vectors(spec, &kernel, x, targets, None, par, &Notices::default());
    };
    let (rows, kept) = dataset_weights(weights, x.n_samples())?;
    let (x, targets) = match rows {
        Some(rows) => (x.select(&rows), targets.select(&rows)),
        None => (x, targets.clone()),
    };
    let kernel = spec.vector_kernel(x.n_features())?;
    fit_vectors(spec, &kernel, x, &targets, Some(&kept), par, &Notices::default())
}

/// A data set's weights, checked: the records of positive weight (`None`:
/// all) and their weights.
pub(crate) fn dataset_weights(weights: &[f32], n: usize) -> Result<(Option<Vec<usize>>, Vec<f64>)> {
    let weights = weights.iter().map(|&w| f64::from(w)).collect();
    positive_rows(weights, n, std::path::Path::new("<linfa data set weights>"))
}

/// Class targets of codes `0..n_classes` (the estimator keeps its labels).
pub(crate) fn coded_targets(codes: Vec<usize>, n_classes: usize) -> Result<Targets> {
    if n_classes < 2 {
        return Err(kern_solvers::SolverError::OneClassOnly.into());
    }
    Ok(Targets::Classes { names: (0..n_classes).map(|c| c.to_string()).collect(), codes })
}

/// The builder methods every kernel estimator shares: the kernel, its
/// parameters (in the estimator's float type `F`), and the parallelism.
macro_rules! kernel_builder {
    () => {
        /// The kernel by name (`KernelKind::Rbf` by default); its parameters
        /// come from `gamma`, `degree`, `coef0` and `lengthscale`.
        pub fn kernel(mut self, kind: $crate::KernelKind) -> Self {
            self.0.spec.kernel.name = kind;
            self.0.spec.custom_kernel = None;
            self
        }

        /// A kernel on vectors given whole, e.g. a sum or an ARD RBF (until
        /// a named kernel or one of its parameters is set again).
        pub fn vector_kernel(mut self, kernel: $crate::VectorKernel) -> Self {
            self.0.spec.custom_kernel = Some(kernel);
            self
        }

        /// Kernel coefficient of rbf, poly, sigmoid and laplacian [default: 1/n_features].
        pub fn gamma(mut self, gamma: F) -> Self {
            self.0.spec.kernel.gamma = Some($crate::linfa::to_f64(gamma));
            self.0.spec.custom_kernel = None;
            self
        }

        /// Degree of the polynomial kernel (3).
        pub fn degree(mut self, degree: u32) -> Self {
            self.0.spec.kernel.degree = degree;
            self.0.spec.custom_kernel = None;
            self
        }

        /// Constant term of the polynomial and sigmoid kernels (0).
        pub fn coef0(mut self, coef0: F) -> Self {
            self.0.spec.kernel.coef0 = $crate::linfa::to_f64(coef0);
            self.0.spec.custom_kernel = None;
            self
        }

        /// Lengthscale of the Matérn kernels [default: `1/sqrt(2 gamma)`].
        pub fn lengthscale(mut self, lengthscale: F) -> Self {
            self.0.spec.kernel.lengthscale = Some($crate::linfa::to_f64(lengthscale));
            self.0.spec.custom_kernel = None;
            self
        }

        /// String kernels: the k-mer length of spectrum and mismatch, the
        /// subsequence length of ssk [default: 3; mismatch 5].
        pub fn k(mut self, k: usize) -> Self {
            self.0.spec.kernel.k = Some(k);
            self
        }

        /// String kernels: the mismatches the mismatch kernel allows (1).
        pub fn mismatches(mut self, m: usize) -> Self {
            self.0.spec.kernel.mismatches = m;
            self
        }

        /// String kernels: the letters the mismatch kernel substitutes
        /// [default: every letter of the training sequences].
        pub fn alphabet(mut self, letters: &str) -> Self {
            self.0.spec.kernel.alphabet = Some(letters.to_string());
            self
        }

        /// String kernels: the largest shift of the weighted-degree kernel
        /// (0; its degree is [`degree`](Self::degree)).
        pub fn shift(mut self, shift: usize) -> Self {
            self.0.spec.kernel.shift = shift;
            self
        }

        /// Graph kernels: the Weisfeiler-Lehman rounds (5).
        pub fn wl_rounds(mut self, h: usize) -> Self {
            self.0.spec.kernel.wl_rounds = h;
            self
        }

        /// The gap decay of ssk (0.5), or the walk-length decay of rw
        /// [default: half the largest that converges on the training graphs].
        pub fn lambda(mut self, lambda: F) -> Self {
            self.0.spec.kernel.lambda = Some($crate::linfa::to_f64(lambda));
            self
        }

        /// String and graph kernels: cosine normalisation (on).
        pub fn normalize(mut self, normalize: bool) -> Self {
            self.0.spec.kernel.normalize = normalize;
            self
        }

        /// Parallelism of the fit and of predictions (`Par::rayon(0)`: every core).
        pub fn par(mut self, par: $crate::Par) -> Self {
            self.0.par = par;
            self
        }

        /// The memory the fit may plan to hold, in bytes [default: half the
        /// machine's]: a fit over it is refused before it allocates.
        pub fn max_memory(mut self, bytes: u64) -> Self {
            self.0.spec.max_memory = Some(bytes);
            self
        }
    };
}
pub(crate) use kernel_builder;

/// Records as kern's samples, checking that every value is finite.
pub(crate) fn to_dataset<F: Float, D: Data<Elem = F>>(x: &ArrayBase<D, Ix2>) -> Result<DataSet> {
    let values = as_f64(x);
    if let Some(at) = values.iter().position(|v| !v.is_finite()) {
        let width = x.ncols().max(1);
        return Err(Error::Usage(format!("record {} feature {} is not finite", at / width, at % width)));
    }
    Ok(DataSet::from(DenseMatrix::new(x.nrows(), x.ncols(), values)?))
}

/// Records as kern's samples for prediction, where no error can be returned
/// (linfa's `PredictInplace`): a width other than the model's panics, as in
/// linfa's own estimators.
pub(crate) fn to_test_set<F: Float, D: Data<Elem = F>>(x: &ArrayBase<D, Ix2>, n_features: usize) -> DataSet {
    assert_eq!(x.ncols(), n_features, "the records have {} features, the model {n_features}", x.ncols());
    DataSet::from(DenseMatrix::new(x.nrows(), x.ncols(), as_f64(x)).expect("a rectangular array"))
}

/// Values in `f64`, row by row (NaN where a value does not convert).
pub(crate) fn as_f64<'a, F: Float + 'a>(values: impl IntoIterator<Item = &'a F>) -> Vec<f64> {
    values.into_iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect()
}

/// The default parallelism: every core.
pub(crate) fn default_par() -> Par {
    kern_kernels::par_threads(0)
}

/// `f64` to the records' float type.
pub(crate) fn cast<F: Float>(v: f64) -> F {
    F::from_f64(v).expect("an f64 converts to any linfa float")
}

/// A hyperparameter in the estimator's float type as the solvers' `f64`.
pub fn to_f64<F: Float>(v: F) -> f64 {
    v.to_f64().unwrap_or(f64::NAN)
}
