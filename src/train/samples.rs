//! Vectors, sequences and graphs behind one trait, so that fitting and model
//! selection are written once for all three.

use kern_kernels::{DataSet, Graphs, Kernel, Par, Samples, Sequences};

use super::device::{self, Notices};
use super::memory::{Shape, check_plan};
use super::{Approx, FitSpec, Targets, fit_machine, fit_vectors};
use crate::error::{Error, Result};
use crate::io::SampleKind;
use crate::model::{Estimator, Machine, Prediction, predict_estimator, predict_machine};

/// Samples the engine learns from, with their kernel, fit and prediction.
pub trait Learnable: Samples + Sized {
    /// The kernel on these samples.
    type Kernel: Kernel<Self> + Clone + PartialEq;
    /// What a fit returns.
    type Fitted;
    /// Which kind they are.
    const KIND: SampleKind;

    /// The samples at `rows`, in that order.
    fn select(&self, rows: &[usize]) -> Self;

    /// `spec`'s kernel, its defaults filled from the training samples.
    fn kernel(spec: &FitSpec, train: &Self) -> Result<Self::Kernel>;

    /// Fits `spec.task` on `x` with `kernel`, samples weighted by `weights`.
    fn fit(
        spec: &FitSpec,
        kernel: &Self::Kernel,
        x: Self,
        targets: &Targets,
        weights: Option<&[f64]>,
        par: Par,
        notices: &Notices,
    ) -> Result<Self::Fitted>;

    /// What `fitted` predicts for `x`.
    fn predict(fitted: &Self::Fitted, x: &Self, par: Par) -> Result<Prediction>;
}

impl Learnable for DataSet {
    type Kernel = kern_kernels::VectorKernel;
    type Fitted = Estimator;
    const KIND: SampleKind = SampleKind::Vectors;

    fn select(&self, rows: &[usize]) -> Self {
        DataSet::select(self, rows)
    }

    fn kernel(spec: &FitSpec, train: &Self) -> Result<Self::Kernel> {
        spec.vector_kernel(train.n_features())
    }

    fn fit(
        spec: &FitSpec,
        kernel: &Self::Kernel,
        x: Self,
        targets: &Targets,
        weights: Option<&[f64]>,
        par: Par,
        notices: &Notices,
    ) -> Result<Estimator> {
        fit_vectors(spec, kernel, x, targets, weights, par, notices)
    }

    fn predict(fitted: &Estimator, x: &Self, par: Par) -> Result<Prediction> {
        predict_estimator(fitted, x, par)
    }
}

/// A machine on sequences or graphs: no approximation, no GPU.
fn fit_structured<K: Kernel<S> + Clone, S: Learnable>(
    spec: &FitSpec,
    kernel: &K,
    x: S,
    targets: &Targets,
    weights: Option<&[f64]>,
    par: Par,
    notices: &Notices,
) -> Result<Machine<K, S>> {
    if spec.approx.method != Approx::None {
        return Err(Error::Usage("--approx applies to kernels on vectors, not string or graph kernels".into()));
    }
    device::cpu_only(&spec.device, "string and graph kernels", notices);
    check_plan(spec, Shape::of_structured(x.len(), S::KIND, par))?;
    fit_machine(spec, kernel, x, targets, weights, S::select, par)
}

/// The kernel named on sequences or graphs (a kernel given whole is on vectors).
fn named_only(spec: &FitSpec) -> Result<()> {
    match spec.custom_kernel {
        Some(_) => Err(Error::Usage("a vector kernel given whole takes vectors, not sequences or graphs".into())),
        None => Ok(()),
    }
}

/// `Learnable` for samples with a named kernel of their own (sequences,
/// graphs): `$build` makes the kernel from the spec and the training samples.
macro_rules! structured_learnable {
    ($samples:ty, $kernel:ty, $build:ident, $kind:expr) => {
        impl Learnable for $samples {
            type Kernel = $kernel;
            type Fitted = Machine<$kernel, $samples>;
            const KIND: SampleKind = $kind;

            fn select(&self, rows: &[usize]) -> Self {
                <$samples>::select(self, rows)
            }

            fn kernel(spec: &FitSpec, train: &Self) -> Result<$kernel> {
                named_only(spec)?;
                spec.kernel.$build(train)
            }

            fn fit(
                spec: &FitSpec,
                kernel: &$kernel,
                x: Self,
                targets: &Targets,
                weights: Option<&[f64]>,
                par: Par,
                notices: &Notices,
            ) -> Result<Self::Fitted> {
                fit_structured(spec, kernel, x, targets, weights, par, notices)
            }

            fn predict(fitted: &Self::Fitted, x: &Self, par: Par) -> Result<Prediction> {
                predict_machine(fitted, x, par)
            }
        }
    };
}

structured_learnable!(Sequences, kern_kernels::StringKernel, string, SampleKind::Sequences);
structured_learnable!(Graphs, kern_kernels::GraphKernel, graph, SampleKind::Graphs);
