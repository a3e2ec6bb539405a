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
//! boundary, as the solvers compute in `f64`. Hyperparameters are checked
//! when an estimator is fitted (`ParamGuard`), with kern's own [`Error`].

mod features;
mod gp;
#[cfg(feature = "nalgebra")]
pub mod nalgebra;
mod ridge;
mod structured;
mod svm;

pub use features::{Nystroem, NystroemParams, RandomFourierFeatures, RandomFourierFeaturesParams};
pub use gp::{GaussianProcess, GaussianProcessClassifier, GaussianProcessClassifierParams, GaussianProcessParams};
pub use ridge::{KernelRidge, KernelRidgeParams};
pub use structured::{GraphRecords, SequenceRecords, StructuredRecords, StructuredRegressor, StructuredSvc};
pub use svm::{OneClassSvm, OneClassSvmParams, Svc, SvcParams, Svr, SvrParams};

use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
use linfa::Float;
use ndarray::{ArrayBase, Data, Ix2};

use crate::cli::args::{KernelArg, KernelArgs};
use crate::error::{Error, Result};

/// The kernel of an estimator: a kind and its parameters, resolved against
/// the data's width at fit (gamma defaults to `1 / n_features`, as LIBSVM's).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum KernelChoice {
    /// A named kernel with the builder's `gamma`, `degree`, `coef0`, `lengthscale`.
    Named(KernelArgs),
    /// A kernel given whole (any composite).
    Given(VectorKernel),
}

impl Default for KernelChoice {
    fn default() -> Self {
        KernelChoice::Named(KernelArgs {
            kernel: KernelArg::Rbf,
            gamma: None,
            degree: 3,
            coef0: 0.0,
            lengthscale: None,
            kmer: None,
            mismatches: 1,
            alphabet: None,
            shift: 0,
            wl_rounds: 5,
            lambda: None,
            no_normalize: false,
        })
    }
}

impl KernelChoice {
    /// The kernel for data with `n_features` features.
    pub(crate) fn build(&self, n_features: usize) -> Result<VectorKernel> {
        let kernel = match self {
            KernelChoice::Named(args) => args.build(n_features)?,
            KernelChoice::Given(k) => k.clone(),
        };
        if kernel.contains_precomputed() {
            return Err(Error::Usage(
                "a precomputed kernel needs sample numbers in the data: use the kern CLI, or a kernel on vectors"
                    .into(),
            ));
        }
        kernel.validate(n_features)?;
        Ok(kernel)
    }

    /// The named kernel's parameters, turning a given kernel back into the default RBF.
    pub(crate) fn named(&mut self) -> &mut KernelArgs {
        if let KernelChoice::Given(_) = self {
            *self = KernelChoice::default();
        }
        match self {
            KernelChoice::Named(args) => args,
            KernelChoice::Given(_) => unreachable!("replaced above"),
        }
    }

    /// Checks what can be checked before the data is seen.
    pub(crate) fn check(&self) -> Result<()> {
        match self {
            KernelChoice::Given(k) if k.contains_precomputed() => {
                Err(Error::Usage("a precomputed kernel cannot be used on records".into()))
            }
            KernelChoice::Given(_) => Ok(()),
            // String and graph kernels are checked against the data at fit.
            KernelChoice::Named(args) if args.kernel.on_strings() || args.kernel.on_graphs() => Ok(()),
            _ => self.build(1).map(|_| ()),
        }
    }
}

/// Where an estimator computes its kernel blocks: the CPU (the default), or
/// a GPU opened with [`kern_gpu::Gpu::open`] (in builds with the `cuda`
/// feature). Kernels without a GPU tile (sums, products, ARD) stay on the
/// CPU; the fitted model is the same type either way.
///
/// ```
/// use kern::linfa::Device;
/// use kern::gpu::{Gpu, GpuOptions};
/// let device = Gpu::open(&GpuOptions::default()).map(Device::gpu).unwrap_or_default();
/// let params = kern::Svc::<f64, bool>::params().device(device);
/// # let _ = params;
/// ```
#[derive(Clone, Debug, Default)]
pub struct Device(Option<kern_gpu::Gpu>);

impl PartialEq for Device {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => a.same(b),
            _ => false,
        }
    }
}

impl Device {
    /// The CPU.
    pub fn cpu() -> Self {
        Self(None)
    }

    /// An opened GPU.
    pub fn gpu(gpu: kern_gpu::Gpu) -> Self {
        Self(Some(gpu))
    }

    /// `kernel` computing its large blocks on the GPU, when there is one
    /// and the kernel has a GPU tile.
    pub(crate) fn kernel(&self, kernel: &VectorKernel) -> Option<kern_gpu::DeviceKernel> {
        let gpu = self.0.as_ref()?;
        kern_gpu::DeviceKernel::new(kernel.clone(), gpu.clone()).ok()
    }
}

/// The builder methods every kernel estimator shares: the kernel, its
/// parameters, and the parallelism.
macro_rules! kernel_builder {
    () => {
        /// The kernel by name (`KernelKind::Rbf` by default); its parameters
        /// come from `gamma`, `degree`, `coef0` and `lengthscale`.
        pub fn kernel(mut self, kind: $crate::KernelKind) -> Self {
            self.0.kernel.named().kernel = kind;
            self
        }

        /// A kernel given whole, e.g. a sum or an ARD RBF (replaces `kernel` and its parameters).
        pub fn vector_kernel(mut self, kernel: $crate::VectorKernel) -> Self {
            self.0.kernel = $crate::linfa::KernelChoice::Given(kernel);
            self
        }

        /// Kernel coefficient of rbf, poly, sigmoid and laplacian [default: 1/n_features].
        pub fn gamma(mut self, gamma: f64) -> Self {
            self.0.kernel.named().gamma = Some(gamma);
            self
        }

        /// Degree of the polynomial kernel (3).
        pub fn degree(mut self, degree: u32) -> Self {
            self.0.kernel.named().degree = degree;
            self
        }

        /// Constant term of the polynomial and sigmoid kernels (0).
        pub fn coef0(mut self, coef0: f64) -> Self {
            self.0.kernel.named().coef0 = coef0;
            self
        }

        /// Lengthscale of the Matérn kernels [default: `1/sqrt(2 gamma)`].
        pub fn lengthscale(mut self, lengthscale: f64) -> Self {
            self.0.kernel.named().lengthscale = Some(lengthscale);
            self
        }

        /// String kernels: the k-mer length of spectrum and mismatch, the
        /// subsequence length of ssk [default: 3; mismatch 5].
        pub fn k(mut self, k: usize) -> Self {
            self.0.kernel.named().kmer = Some(k);
            self
        }

        /// String kernels: the mismatches the mismatch kernel allows (1).
        pub fn mismatches(mut self, m: usize) -> Self {
            self.0.kernel.named().mismatches = m;
            self
        }

        /// String kernels: the letters the mismatch kernel substitutes
        /// [default: every letter of the training sequences].
        pub fn alphabet(mut self, letters: &str) -> Self {
            self.0.kernel.named().alphabet = Some(letters.to_string());
            self
        }

        /// String kernels: the largest shift of the weighted-degree kernel
        /// (0; its degree is [`degree`](Self::degree)).
        pub fn shift(mut self, shift: usize) -> Self {
            self.0.kernel.named().shift = shift;
            self
        }

        /// Graph kernels: the Weisfeiler-Lehman rounds (5).
        pub fn wl_rounds(mut self, h: usize) -> Self {
            self.0.kernel.named().wl_rounds = h;
            self
        }

        /// The gap decay of ssk (0.5), or the walk-length decay of rw
        /// [default: half the largest that converges on the training graphs].
        pub fn lambda(mut self, lambda: f64) -> Self {
            self.0.kernel.named().lambda = Some(lambda);
            self
        }

        /// String and graph kernels: cosine normalisation (on).
        pub fn normalize(mut self, normalize: bool) -> Self {
            self.0.kernel.named().no_normalize = !normalize;
            self
        }

        /// Parallelism of the fit and of predictions (`Par::rayon(0)`: every core).
        pub fn par(mut self, par: $crate::Par) -> Self {
            self.0.par = par;
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
