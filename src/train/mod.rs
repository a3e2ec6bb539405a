//! Training: a typed description of one fit ([`FitSpec`]) and one [`fit`]
//! for vectors, sequences and graphs that returns a [`Model`].
//!
//! Every face (the `kern` CLI, the linfa estimators, the browser demo) turns
//! its own input into a [`FitSpec`] and calls this module; the class coding
//! ([`Targets`]), the SVM parameters ([`svm_params`]) and the GPU-or-CPU
//! choice ([`device`]) live here once.
//!
//! ```
//! use kern::io::{Data, Inputs, Labels};
//! use kern::train::{FitSpec, Task, fit};
//! use kern::{DataSet, DenseMatrix, Par};
//!
//! let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![0.1], vec![1.0], vec![1.1]]).unwrap());
//! let labels = Labels::Numeric(vec![-1.0, -1.0, 1.0, 1.0]);
//! let mut spec = FitSpec::new(Task::Svc);
//! spec.svm.c = 10.0;
//! let fitted = fit(&spec, Data::new(Inputs::Vectors(x), Some(labels)), Par::Seq)?;
//! assert_eq!(fitted.model.task(), "svc");
//! # Ok::<(), kern::Error>(())
//! ```

mod approx;
mod checkpoint;
mod conformal;
pub mod device;
mod kernel;
mod machine;
pub mod memory;
mod samples;
mod shared;
mod spec;
mod svm;
mod targets;
mod vectors;
mod weights;

use std::path::Path;
use std::time::Instant;

use kern_kernels::{DataSet, Par, VectorKernel};

pub(crate) use approx::approx_error;
pub use approx::feature_map;
pub use checkpoint::{Checkpointing, decode_checkpoint, encode_checkpoint};
pub use device::Notices;
pub(crate) use kernel::scaled_covariance;
pub use kernel::{KernelName, KernelSpec};
pub use machine::{check_memory, fit_machine, gram_bytes};
pub use samples::Learnable;
pub use shared::{Shares, check_shareable, fit_shared};
pub use spec::{
    Alpha, Approx, ApproxSpec, Device, EXACT_GP_RESTARTS, EXACT_GPC_RESTARTS, FitSpec, GpSpec, Loss, SGPR_FIT_SAMPLES,
    Sampling, SvmSpec, Task, default_max_memory,
};
pub use svm::{cache_budget, cache_bytes, svm_params};
pub use targets::{ClassOrder, Targets, are_classes, code_classes, label_name, label_names};
pub use vectors::{fit_vectors, sgpr_params};
pub(crate) use weights::without_zero_weights;
pub use weights::{check_weights, positive_rows};

use crate::error::{DataErrorKind, Error, Result};
use crate::io::{Data, Inputs};
use crate::model::{Estimator, InputSchema, Model, Scaling};

/// A fitted model and how the fit went.
#[derive(Clone, Debug)]
pub struct Fitted {
    /// The model, ready to save or predict with.
    pub model: Model,
    /// The samples it was fitted on.
    pub n_samples: usize,
    /// Seconds the fit took.
    pub seconds: f64,
    /// Where work stayed on the CPU although a GPU was asked for, and why.
    pub notices: Vec<String>,
}

/// Fits `spec` on `data`: the model of any task, kernel and approximation.
pub fn fit(spec: &FitSpec, data: Data, par: Par) -> Result<Fitted> {
    let notices = Notices::default();
    let n_samples = data.x.len();
    let started = Instant::now();
    let model = fit_model(spec, data, par, &notices)?;
    Ok(Fitted { model, n_samples, seconds: started.elapsed().as_secs_f64(), notices: notices.lines() })
}

/// [`fit`], its notices gathered in `notices`.
pub(crate) fn fit_model(spec: &FitSpec, data: Data, par: Par, notices: &Notices) -> Result<Model> {
    checkpoint::check_checkpointing(spec)?;
    check_centring(spec)?;
    let data = without_zero_weights(&data)?.unwrap_or(data);
    if let Some(share) = spec.conformal {
        return conformal::fit_calibrated(spec, share, data, par, notices);
    }
    let Data { x, labels, file, format, csv, sequences, weights } = data;
    let weights = weights.as_deref();
    let schema = |scaling| InputSchema { format, csv, scaling };
    match x {
        Inputs::Vectors(x) => {
            check_precomputed(spec, &x, &file)?;
            let scaling = (spec.scale && !spec.precomputed()).then(|| Scaling::fit(&x));
            let x = match &scaling {
                Some(s) => s.apply(&x),
                None => x,
            };
            let d = x.n_features();
            let kernel = DataSet::kernel(spec, &x)?;
            let targets = Targets::new(spec.task, labels.as_ref(), &file)?;
            let estimator = fit_vectors(spec, &kernel, x, &targets, weights, par, notices)?;
            Ok(Model::new(d, schema(scaling), estimator))
        }
        Inputs::Sequences(x) => {
            let kernel = kern_kernels::Sequences::kernel(spec, &x)?;
            let targets = Targets::new(spec.task, labels.as_ref(), &file)?;
            let machine = kern_kernels::Sequences::fit(spec, &kernel, x, &targets, weights, par, notices)?;
            Ok(Model::new(0, schema(None), Estimator::Sequences { machine, read: sequences }))
        }
        Inputs::Graphs(x) => {
            let kernel = kern_kernels::Graphs::kernel(spec, &x)?;
            let targets = Targets::new(spec.task, labels.as_ref(), &file)?;
            let machine = kern_kernels::Graphs::fit(spec, &kernel, x, &targets, weights, par, notices)?;
            Ok(Model::new(0, schema(None), Estimator::Graphs(machine)))
        }
    }
}

impl FitSpec {
    /// The kernel on vectors of `n_features` features: the custom kernel, or
    /// the named one (a GP's unheld width at `gp.gamma_start` when set).
    pub fn vector_kernel(&self, n_features: usize) -> Result<VectorKernel> {
        if let Some(kernel) = &self.custom_kernel {
            if self.gp.ard {
                let why = "--ard applies to a named kernel; a kernel expression writes ard(ls=[..]) itself";
                return Err(Error::Usage(why.into()));
            }
            kernel.validate(n_features)?;
            return Ok(kernel.clone());
        }
        let k = &self.kernel;
        let kernel = match (self.task, self.gp.gamma_start) {
            (Task::Gp | Task::Gpc, Some(g)) if k.gamma.is_none() && k.lengthscale.is_none() => {
                KernelSpec { gamma: Some(g), ..k.clone() }.vector(n_features)?
            }
            _ => k.vector(n_features)?,
        };
        if self.gp.ard { ard(kernel, self.task, n_features) } else { Ok(kernel) }
    }

    /// A GP's covariance and noise variance before its fit: where the
    /// marginal likelihood's search starts (held values as given).
    pub fn gp_start(&self, n_features: usize) -> Result<(VectorKernel, f64)> {
        let params = vectors::gp_params(self, &self.vector_kernel(n_features)?)?;
        Ok((params.kernel, params.noise))
    }

    /// Whether the fit is kernel ridge with no intercept of its own (exact,
    /// Falkon's, or ridge on Nyström or random features), whose targets
    /// `centre_targets` may centre.
    pub fn fits_ridge(&self) -> bool {
        self.task == Task::Krr && self.approx.method != Approx::Sgpr && self.approx.loss.is_none()
    }

    /// Whether the kernel reads precomputed kernel values.
    pub fn precomputed(&self) -> bool {
        self.custom_kernel.as_ref().map_or(self.kernel.name == KernelName::Precomputed, |k| k.contains_precomputed())
    }
}

/// The named kernel with its one lengthscale repeated for every feature, for
/// a GP to fit each (`--ard`).
fn ard(kernel: VectorKernel, task: Task, n_features: usize) -> Result<VectorKernel> {
    if !matches!(task, Task::Gp | Task::Gpc) {
        let why =
            format!("--ard is for GPs (--task gp or gpc), which fit the lengthscales; not --task {}", task.name());
        return Err(Error::Usage(why));
    }
    kernel
        .per_feature(n_features)
        .ok_or_else(|| Error::Usage(format!("--ard takes --kernel rbf, matern32 or matern52, not {}", kernel.name())))
}

/// Centring the targets is kernel ridge's (exact, Falkon's, or ridge on
/// Nyström or random features): the SVMs have an intercept, a GP `--normalize-y`.
fn check_centring(spec: &FitSpec) -> Result<()> {
    if spec.centre_targets && !spec.fits_ridge() {
        let why = format!(
            "--centre-targets is for kernel ridge regression (--task krr: exact, --approx falkon, nystroem or rff with the squared loss), not --task {}{}",
            spec.task.name(),
            match spec.task {
                Task::Gp => ": a GP centres its targets with --normalize-y",
                Task::Krr => " with --loss (a linear SVR on the features, which has an intercept)",
                _ => "",
            }
        );
        return Err(Error::Usage(why));
    }
    Ok(())
}

/// With a precomputed kernel, every row must carry its sample number.
pub fn check_precomputed(spec: &FitSpec, x: &DataSet, file: &Path) -> Result<()> {
    if !spec.precomputed() {
        return Ok(());
    }
    kern_kernels::check_precomputed_ids(x)
        .map_err(|e| Error::Data { file: file.to_path_buf(), kind: DataErrorKind::PrecomputedIds(e) })
}
