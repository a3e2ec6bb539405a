//! Kernel machines on samples of any kind with a fixed kernel: the SVMs,
//! exact kernel ridge, and GPs that fit only their amplitude and noise.
//! Vectors add approximations, kernel hyperparameters and the GPU on top
//! ([`super::vectors`]).

use faer::Mat;
use kern_kernels::{Kernel, Par, Samples};
use kern_solvers::gp::{FixedGpModel, FixedGpcModel, FixedKernelGp};
use kern_solvers::{KernelRidge, KernelRidgeModel, SolverError, centre_targets};

use super::{Alpha, FitSpec, Targets, Task, svm_params};
use crate::error::{Error, Result};
use crate::model::Machine;

/// Fits `spec.task` on `x` with `kernel` (`select` picks samples by index,
/// for the SVMs' probability folds), each sample weighted by `weights`
/// (positive; `None`: all 1) where the task takes weights.
pub fn fit_machine<K: Kernel<S> + Clone, S: Samples>(
    spec: &FitSpec,
    kernel: &K,
    x: S,
    targets: &Targets,
    weights: Option<&[f64]>,
    select: fn(&S, &[usize]) -> S,
    par: Par,
) -> Result<Machine<K, S>> {
    let n = x.len();
    check_weighable(spec.task, weights)?;
    let svm_params = |classes: &[String]| -> Result<kern_solvers::SvmParams> {
        let mut params = svm_params(spec, classes)?;
        params.sample_weights = weights.map(<[f64]>::to_vec).unwrap_or_default();
        Ok(params)
    };
    Ok(match (spec.task, targets) {
        (Task::Krr, Targets::Values(y)) => {
            check_memory(n, spec.memory_cap())?;
            let mut y = Mat::from_fn(n, 1, |i, _| y[i]);
            let target_mean = if spec.centre_targets { centre_targets(y.as_mut(), weights) } else { Vec::new() };
            let mut model = match spec.alpha {
                Alpha::Value(alpha) => {
                    let params = KernelRidge { alpha };
                    params.validate()?;
                    KernelRidgeModel::fit_weighted(kernel.clone(), x, y.as_ref(), weights, params, par)?
                }
                Alpha::Auto => KernelRidgeModel::fit_auto_weighted(kernel.clone(), x, y.as_ref(), weights, par)?.0,
            };
            model.target_mean = target_mean;
            Machine::KernelRidge(model)
        }
        (Task::Svc | Task::Nusvc, Targets::Classes { names, codes }) => {
            let params = svm_params(names)?;
            let model = kern_solvers::train_classifier(kernel, &x, codes, names.len(), &params, select, par)?;
            Machine::Svm { model, classes: names.clone() }
        }
        (Task::Oneclass, _) => {
            let model = kern_solvers::train_one_class(kernel, &x, &svm_params(&[])?, select, par)?;
            Machine::Svm { model, classes: Vec::new() }
        }
        (Task::Svr | Task::Nusvr, Targets::Values(y)) => {
            let model = kern_solvers::train_regressor(kernel, &x, y, &svm_params(&[])?, select, par)?;
            Machine::Svm { model, classes: Vec::new() }
        }
        (Task::Gp, Targets::Values(y)) => {
            check_memory(n, spec.memory_cap())?;
            let params = fixed_gp(spec);
            Machine::Gp(FixedGpModel::fit(kernel.clone(), x, y, &params, par).map_err(SolverError::from)?)
        }
        (Task::Gp | Task::Gpc, Targets::Classes { names, codes }) => {
            check_memory(n, spec.memory_cap())?;
            let params = fixed_gp(spec);
            let model =
                FixedGpcModel::fit(kernel.clone(), x, codes, names.len(), &params, par).map_err(SolverError::from)?;
            Machine::Gpc { model, classes: names.clone() }
        }
        (task, _) => return Err(Error::Usage(format!("--task {} needs labels it can use", task.name()))),
    })
}

/// Refuses weights for a task that does not take them on these samples:
/// the GPs of kernels without hyperparameters (strings, graphs).
fn check_weighable(task: Task, weights: Option<&[f64]>) -> Result<()> {
    match (task, weights) {
        (Task::Gp | Task::Gpc, Some(_)) => Err(Error::Usage(format!(
            "--task {} on sequences or graphs does not take sample weights yet (GP regression on vectors, the SVMs and kernel ridge do)",
            task.name()
        ))),
        _ => Ok(()),
    }
}

/// A GP on a kernel without hyperparameters of its own: the amplitude and
/// noise given are held, the others fitted.
fn fixed_gp(spec: &FitSpec) -> FixedKernelGp {
    let (amplitude, noise, normalize_y) = (spec.gp.amplitude, spec.gp.noise, spec.gp.normalize_y);
    FixedKernelGp { amplitude, noise, normalize_y, ..FixedKernelGp::default() }
}

/// Refuses an exact `n × n` kernel matrix larger than `cap` bytes.
pub fn check_memory(n: usize, cap: u64) -> Result<()> {
    let needed = gram_bytes(n);
    if needed <= cap {
        return Ok(());
    }
    Err(Error::OverMemory {
        what: format!("an exact fit on {n} samples: the {n} × {n} kernel matrix"),
        option: "--approx none".into(),
        needed,
        limit: cap,
        hint: "approximate it (--approx falkon or nystroem --components M), train on fewer samples, or raise --max-memory",
    })
}

/// The bytes of an `n × n` matrix of `f64`.
pub fn gram_bytes(n: usize) -> u64 {
    (n as u64).saturating_mul(n as u64).saturating_mul(8)
}
