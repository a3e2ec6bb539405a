//! Fitting on vectors: everything [`fit_machine`] does, plus kernel
//! approximations, GPs that fit the kernel's own hyperparameters, and
//! kernel blocks on the GPU.

use kern_kernels::{DataSet, Par, VectorKernel};
use kern_solvers::gp::{
    FeatureGpModel, FeatureGpcModel, FeatureKind, FeatureSpace, GaussianProcessClassifier, GpcModel, SgprModel,
    SparseGaussianProcess,
};
use kern_solvers::{GaussianProcess, GpModel, SolverError};

use super::device::{self, Notices};
use super::memory::{Shape, check_plan};
use super::{Approx, FitSpec, Targets, Task, check_memory, fit_machine, scaled_covariance};
use crate::error::{Error, Result};
use crate::model::{Estimator, Machine};

/// Fits the estimator of `spec.task` on `x` and its targets with `kernel`,
/// each sample weighted by `weights` where the task takes weights.
pub fn fit_vectors(
    spec: &FitSpec,
    kernel: &VectorKernel,
    x: DataSet,
    targets: &Targets,
    weights: Option<&[f64]>,
    par: Par,
    notices: &Notices,
) -> Result<Estimator> {
    check_plan(spec, Shape::of_vectors(&x, par))?;
    let classifies = spec.task == Task::Gpc || (spec.task == Task::Gp && matches!(targets, Targets::Classes { .. }));
    if weights.is_some() && classifies {
        let why = "GP classification does not take sample weights: the Laplace approximation has no noise term to weight (GP regression, the SVMs and kernel ridge take them)";
        return Err(Error::Usage(why.into()));
    }
    if spec.approx.method == Approx::Sgpr {
        return fit_sgpr(spec, kernel, x, targets, weights, par, notices);
    }
    if spec.gp.learn_inducing || spec.gp.posterior_components.is_some() {
        let option = if spec.gp.learn_inducing { "--learn-inducing" } else { "--posterior-components" };
        return Err(Error::Usage(format!("{option} is an option of the sparse GP: it needs --approx sgpr")));
    }
    if spec.approx.method != Approx::None {
        if kernel.contains_precomputed() {
            return Err(Error::Usage("--approx needs a kernel on vectors, not --kernel precomputed".into()));
        }
        if matches!(spec.task, Task::Gp | Task::Gpc) && matches!(spec.approx.method, Approx::Rff | Approx::Nystroem) {
            return fit_feature_gp(spec, kernel, &x, targets, weights, par, notices);
        }
        let shares = super::shared::Shares::alone(x.n_samples());
        return super::approx::fit_approx(spec, kernel, &x, targets, weights, par, notices, shares);
    }
    let n = x.n_samples();
    let mut estimator = match (spec.task, targets) {
        (Task::Gp, Targets::Values(y)) => {
            check_memory(n, spec.memory_cap())?;
            device::cpu_only(&spec.device, "a GP fitting its hyperparameters (gradient Grams)", notices);
            let params = gp_params(spec, kernel)?;
            Estimator::Gp(GpModel::fit_weighted(&params, x, y, weights, par).map_err(SolverError::from)?)
        }
        (Task::Gp | Task::Gpc, Targets::Classes { names, codes }) => {
            check_memory(n, spec.memory_cap())?;
            device::cpu_only(&spec.device, "GP classification", notices);
            let params = gpc_params(spec, kernel)?;
            let model = GpcModel::fit(&params, x, codes, names.len(), par).map_err(SolverError::from)?;
            Estimator::Gpc { model, classes: names.clone() }
        }
        // The same solvers with their blocks through the GPU when asked
        // for; the model stores the plain kernel.
        _ => match device::on_device(&spec.device, kernel, notices) {
            Some(on_gpu) => {
                let machine = fit_machine(spec, &on_gpu, x, targets, weights, DataSet::select, par)?;
                device::report(&on_gpu, notices);
                Estimator::from(machine.map_kernel(|k| k.kernel().clone()))
            }
            None => Estimator::from(fit_machine(spec, kernel, x, targets, weights, DataSet::select, par)?),
        },
    };
    keep_ids_only(&mut estimator);
    Ok(estimator)
}

impl From<Machine<VectorKernel, DataSet>> for Estimator {
    /// The estimator of a machine on vectors (an SVM or exact ridge; a GP on
    /// vectors fits its kernel too, as [`GpModel`]).
    fn from(machine: Machine<VectorKernel, DataSet>) -> Self {
        match machine {
            Machine::Svm { model, classes } => Estimator::Svm { model, classes },
            Machine::KernelRidge(m) => Estimator::KernelRidge(m),
            Machine::Gp(_) | Machine::Gpc { .. } => unreachable!("GPs on vectors are fitted by fit_vectors"),
        }
    }
}

/// Sparse GP regression on `--components` inducing points.
fn fit_sgpr(
    spec: &FitSpec,
    kernel: &VectorKernel,
    x: DataSet,
    targets: &Targets,
    weights: Option<&[f64]>,
    par: Par,
    notices: &Notices,
) -> Result<Estimator> {
    let Targets::Values(y) = targets else {
        return Err(Error::Usage("--approx sgpr is GP regression: --task gp on numeric targets".into()));
    };
    if spec.task != Task::Gp {
        return Err(Error::Usage(format!(
            "--approx sgpr is GP regression (--task gp), not --task {}",
            spec.task.name()
        )));
    }
    if weights.is_some() {
        return Err(Error::Usage("--approx sgpr does not take sample weights yet (the exact GP does)".into()));
    }
    if kernel.contains_precomputed() {
        return Err(Error::Usage("--approx sgpr needs a kernel on vectors, not --kernel precomputed".into()));
    }
    device::cpu_only(&spec.device, "sparse GP regression", notices);
    if spec.gp.posterior_components == Some(0) {
        return Err(Error::Usage("--posterior-components must be at least 1".into()));
    }
    let params = sgpr_params(spec, kernel)?;
    Ok(Estimator::Sgpr(SgprModel::fit(&params, &x, y, par).map_err(SolverError::from)?))
}

/// The sparse GP `spec` asks for with `kernel`: `amplitude × kernel + white
/// noise` as [`gp_params`] makes it, on `--components` inducing points.
pub fn sgpr_params(spec: &FitSpec, kernel: &VectorKernel) -> Result<SparseGaussianProcess> {
    Ok(SparseGaussianProcess {
        gp: gp_params(spec, kernel)?,
        components: spec.approx.components,
        inducing: super::approx::landmarks(spec),
        learn_inducing: spec.gp.learn_inducing,
        fit_samples: spec.gp.fit_samples,
        jitter: kern_solvers::gp::INDUCING_JITTER,
        posterior_components: spec.gp.posterior_components,
    })
}

/// A GP on `--components` random Fourier or Nyström features, its
/// hyperparameters learnt by the evidence on those features: regression on
/// values, classification (Laplace) on classes.
fn fit_feature_gp(
    spec: &FitSpec,
    kernel: &VectorKernel,
    x: &DataSet,
    targets: &Targets,
    weights: Option<&[f64]>,
    par: Par,
    notices: &Notices,
) -> Result<Estimator> {
    let method = spec.approx.method.name();
    if weights.is_some() {
        return Err(Error::Usage(format!("a GP on --approx {method} features does not take sample weights yet")));
    }
    device::cpu_only(&spec.device, "a GP on kernel features", notices);
    let kind = match spec.approx.method {
        Approx::Rff => FeatureKind::Fourier { orthogonal: spec.approx.orthogonal },
        _ => FeatureKind::Nystroem { landmarks: super::approx::landmarks(spec) },
    };
    let space = FeatureSpace { kind, components: spec.approx.components, fit_samples: spec.gp.fit_samples };
    Ok(match targets {
        Targets::Values(y) => {
            if spec.task == Task::Gpc {
                return Err(Error::Usage("--task gpc needs class labels".into()));
            }
            let params = gp_params(spec, kernel)?;
            Estimator::FeatureGp(FeatureGpModel::fit(&params, &space, x, y, par).map_err(SolverError::from)?)
        }
        Targets::Classes { names, codes } => {
            let params = gpc_params(spec, kernel)?;
            let model = FeatureGpcModel::fit(&params, &space, x, codes, names.len(), par).map_err(SolverError::from)?;
            Estimator::FeatureGpc { model, classes: names.clone() }
        }
        Targets::Unlabelled => return Err(Error::Usage("a GP needs targets".into())),
    })
}

/// `amplitude × kernel + white noise`: the hyperparameters given are held,
/// the others fitted (the amplitude from 1, the noise and a width from
/// their starts when set).
pub(super) fn gp_params(spec: &FitSpec, base: &VectorKernel) -> Result<GaussianProcess> {
    let (kernel, mut fit) = gp_covariance(spec, base)?;
    fit.push(spec.gp.noise.is_none());
    let mut params = GaussianProcess::new(kernel, spec.gp.noise.or(spec.gp.noise_start).unwrap_or(1.0));
    params.fit = fit;
    params.restarts = spec.gp_restarts(false);
    params.seed = spec.seed;
    params.normalize_y = spec.gp.normalize_y;
    if let Some(t) = spec.gp.relative_decrease {
        params.relative_decrease = t;
    }
    Ok(params)
}

/// GP classification's `amplitude × kernel`, fitted as [`gp_params`] fits
/// regression's (no noise term).
fn gpc_params(spec: &FitSpec, base: &VectorKernel) -> Result<GaussianProcessClassifier> {
    let (kernel, fit) = gp_covariance(spec, base)?;
    let mut params = GaussianProcessClassifier::new(kernel);
    params.fit = fit;
    params.restarts = spec.gp_restarts(true);
    params.seed = spec.seed;
    if let Some(t) = spec.gp.relative_decrease {
        params.relative_decrease = t;
    }
    Ok(params)
}

/// The covariance and which of its hyperparameters to fit: a kernel given
/// whole with its fit flags as it is; else `amplitude × kernel` with a named
/// kernel's width unless given, every hyperparameter of a custom kernel.
pub(crate) fn gp_covariance(spec: &FitSpec, base: &VectorKernel) -> Result<(VectorKernel, Vec<bool>)> {
    match (&spec.custom_kernel, &spec.gp.fit) {
        (Some(_), Some(fit)) => {
            let expected = base.n_hyperparameters();
            if fit.len() != expected {
                let got = fit.len();
                return Err(Error::Usage(format!("{got} fit flags for a kernel of {expected} hyperparameters")));
            }
            Ok((base.clone(), fit.clone()))
        }
        (Some(_), None) => Ok(scaled_covariance(base.clone(), spec.gp.amplitude, |_| true)),
        (None, _) => Ok(scaled_covariance(base.clone(), spec.gp.amplitude, |name| spec.kernel.fits(name))),
    }
}

/// Under a precomputed kernel a model needs only the sample numbers of the
/// samples it keeps (LIBSVM writes `0:i`), not their rows of kernel values.
fn keep_ids_only(estimator: &mut Estimator) {
    match estimator {
        Estimator::KernelRidge(m) if m.kernel.contains_precomputed() => {
            m.train = kern_kernels::precomputed_ids_only(&m.train);
        }
        Estimator::Svm { model, .. } if model.kernel.contains_precomputed() => {
            model.support_vectors = kern_kernels::precomputed_ids_only(&model.support_vectors);
        }
        Estimator::Gp(m) if m.kernel.contains_precomputed() => {
            m.train = kern_kernels::precomputed_ids_only(&m.train);
        }
        Estimator::Gpc { model, .. } if model.latent[0].kernel.contains_precomputed() => {
            model.train = kern_kernels::precomputed_ids_only(&model.train);
        }
        _ => {}
    }
}
