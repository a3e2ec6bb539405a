//! Kernel approximations: a feature map fitted on the training data with a
//! linear model on the features (ridge for krr, a linear SVM or ridge
//! classification for svc, a linear SVR for svr), or Falkon.

use faer::{Mat, MatRef};
use kern_approx::{Landmarks, Nystroem, RandomFourierFeatures};
use kern_kernels::{DataSet, Par, VectorKernel};
use kern_solvers::SolverError;
use kern_solvers::collective::Collective;
use kern_solvers::falkon::{CgState, Falkon, FalkonData, FalkonModel, Run};
use kern_solvers::linear::{LinearSvm, LinearSvmLoss, LinearSvmModel, LinearSvr, LinearSvrModel, primal_ridge_shared};

use super::checkpoint;
use super::device::{self, Notices};
use super::memory::{Shape, spare_bytes};
use super::shared::Shares;
use super::{Alpha, Approx, FitSpec, Loss, Sampling, Targets, Task};
use crate::error::{Error, Result};
use crate::model::{ApproxMap, Estimator, LinearHead, plus_minus_targets};

/// Falkon's conjugate gradient stops at this relative residual, once its
/// steps settle ([`kern_solvers::falkon::SETTLE`]), or after
/// `FALKON_ITERATIONS` (`max_iter` changes it).
const FALKON_TOL: f64 = 1e-7;
const FALKON_ITERATIONS: usize = 100;
/// Epochs of the linear SVM and SVR solvers unless `max_iter` says.
const LINEAR_EPOCHS: usize = 1000;

/// Fits `spec.approx`'s map and the task's linear model on it, each
/// sample's loss weighted by `weights` when given.
///
/// `x` is this process's share of the rows of all processes in `shares`
/// ([`Shares::alone`]: all of them).
#[allow(clippy::too_many_arguments)]
pub fn fit_approx(
    spec: &FitSpec,
    kernel: &VectorKernel,
    x: &DataSet,
    targets: &Targets,
    weights: Option<&[f64]>,
    par: Par,
    notices: &Notices,
    shares: Shares<'_>,
) -> Result<Estimator> {
    let data = Weighed { targets, weights };
    if spec.approx.method == Approx::Falkon {
        return fit_falkon(spec, kernel, x, data, par, notices, shares);
    }
    let map = shared_feature_map(spec, kernel, x, par, shares)?;
    let phi = features(spec, &map, kernel, x, par, notices)?;
    let head = linear_head(spec, &map, phi.as_ref(), data, par, shares.collective)?;
    Ok(Estimator::Approx { kernel: kernel.clone(), map, head })
}

/// The feature map `spec.approx` asks for, fitted on `x` (random features
/// read only its width; Nyström its landmarks).
pub fn feature_map(spec: &FitSpec, kernel: &VectorKernel, x: &DataSet, par: Par) -> Result<ApproxMap> {
    shared_feature_map(spec, kernel, x, par, Shares::alone(x.n_samples()))
}

/// [`feature_map`] with Nyström's landmarks drawn from the rows of every
/// process in `shares`.
fn shared_feature_map(
    spec: &FitSpec,
    kernel: &VectorKernel,
    x: &DataSet,
    par: Par,
    shares: Shares<'_>,
) -> Result<ApproxMap> {
    let a = &spec.approx;
    Ok(match a.method {
        Approx::Rff => ApproxMap::Rff(
            RandomFourierFeatures::new(kernel, x.n_features(), a.components, a.orthogonal, spec.seed)
                .map_err(approx_error)?,
        ),
        Approx::Nystroem if shares.collective.size() == 1 => ApproxMap::Nystroem(Box::new(
            Nystroem::fit(kernel, x, a.components, landmarks(spec), spec.seed, par).map_err(approx_error)?,
        )),
        Approx::Nystroem => {
            if a.components == 0 {
                return Err(Error::Usage("--components must be at least 1".into()));
            }
            let (indices, rows) = shares.choose_rows(spec, kernel, x, a.components.min(shares.total), par)?;
            let map = Nystroem::from_landmarks(kernel, rows, indices, par).map_err(approx_error)?;
            ApproxMap::Nystroem(Box::new(map))
        }
        Approx::None | Approx::Falkon | Approx::Sgpr => {
            return Err(Error::Usage(format!("--approx {} is not a feature map", a.method.name())));
        }
    })
}

/// The training samples' features; Nyström's `K(X, L) U Λ^(−1/2)` on the GPU when asked for.
fn features(
    spec: &FitSpec,
    map: &ApproxMap,
    kernel: &VectorKernel,
    x: &DataSet,
    par: Par,
    notices: &Notices,
) -> Result<Mat<f64>> {
    let phi = match map {
        ApproxMap::Nystroem(nystroem) => match device::on_device(&spec.device, kernel, notices) {
            Some(on_gpu) => {
                let phi = nystroem.transform_with(&on_gpu, x, par);
                device::report(&on_gpu, notices);
                phi
            }
            None => map.feature_map().transform(x, par),
        },
        ApproxMap::Rff(_) => {
            device::cpu_only(&spec.device, "--approx rff (its feature map)", notices);
            map.feature_map().transform(x, par)
        }
    };
    phi.map_err(approx_error)
}

/// Targets and, when given, a positive weight per sample.
#[derive(Clone, Copy)]
struct Weighed<'a> {
    targets: &'a Targets,
    weights: Option<&'a [f64]>,
}

/// Ridge in the primal, each sample's squared error weighted: the
/// unweighted problem on rows scaled by `√w` (scikit-learn's `Ridge`).
/// `ΦᵀΦ` and `Φᵀy` are summed over the processes of `collective`.
fn weighted_ridge(
    phi: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    weights: Option<&[f64]>,
    alpha: f64,
    par: Par,
    collective: &dyn Collective,
) -> Result<Mat<f64>> {
    let Some(w) = weights else { return Ok(primal_ridge_shared(phi, y, alpha, par, collective)?) };
    let root: Vec<f64> = w.iter().map(|v| v.sqrt()).collect();
    let phi = Mat::from_fn(phi.nrows(), phi.ncols(), |i, j| root[i] * phi[(i, j)]);
    let y = Mat::from_fn(y.nrows(), y.ncols(), |i, j| root[i] * y[(i, j)]);
    Ok(primal_ridge_shared(phi.as_ref(), y.as_ref(), alpha, par, collective)?)
}

/// The task's linear model on the features `phi`.
fn linear_head(
    spec: &FitSpec,
    map: &ApproxMap,
    phi: MatRef<'_, f64>,
    data: Weighed<'_>,
    par: Par,
    collective: &dyn Collective,
) -> Result<LinearHead> {
    let s = &spec.svm;
    let weights = data.weights;
    Ok(match (spec.task, data.targets, spec.approx.loss) {
        (Task::Krr, Targets::Values(y), None) => {
            let alpha = given_alpha(spec)?;
            let mut y = Mat::from_fn(y.len(), 1, |i, _| y[i]);
            let target_mean = if spec.centre_targets {
                kern_solvers::centre_shared_targets(y.as_mut(), weights, collective)
            } else {
                Vec::new()
            };
            let coef = weighted_ridge(phi, y.as_ref(), weights, alpha, par, collective)?;
            LinearHead::Ridge { coef: coef.col_as_slice(0).to_vec(), n_targets: 1, alpha, target_mean }
        }
        (Task::Svc, Targets::Classes { names, codes }, Some(Loss::Squared)) => {
            let alpha = given_alpha(spec)?;
            let coef =
                weighted_ridge(phi, plus_minus_targets(names.len(), codes).as_ref(), weights, alpha, par, collective)?;
            let n_targets = coef.ncols();
            let coef = (0..n_targets).flat_map(|c| coef.col_as_slice(c).to_vec()).collect();
            LinearHead::RidgeClassifier { coef, n_targets, alpha, classes: names.clone() }
        }
        (Task::Svc, Targets::Classes { names, codes }, loss) => {
            let loss = margin_loss(loss.unwrap_or(Loss::SquaredHinge));
            let max_iter = max_iter(spec, LINEAR_EPOCHS);
            let params = LinearSvm { c: s.c, loss, tol: s.tol, max_iter, bias: 1.0, seed: spec.seed };
            let model = LinearSvmModel::fit_weighted(&params, phi, codes, names.len(), weights)?;
            LinearHead::Svm { model, classes: names.clone() }
        }
        (Task::Svr, Targets::Values(y), loss) if loss != Some(Loss::Squared) => {
            let loss = margin_loss(loss.unwrap_or(Loss::Hinge));
            let max_iter = max_iter(spec, LINEAR_EPOCHS);
            let params =
                LinearSvr { c: s.c, epsilon: s.epsilon, loss, tol: s.tol, max_iter, bias: 1.0, seed: spec.seed };
            LinearHead::Svr { model: LinearSvrModel::fit_weighted(&params, phi, y, weights)? }
        }
        (Task::Krr, _, Some(_)) => {
            return Err(Error::Usage("--loss is for --task svc or svr: krr's loss is squared".into()));
        }
        (Task::Svr, _, _) => return Err(Error::Usage("--loss squared on values is --task krr".into())),
        _ => return Err(Error::Usage(format!("--approx {} works with --task krr, svc, svr, gp or gpc", map.name()))),
    })
}

/// A margin loss for the SVM and SVR solvers (`Squared` is refused before).
fn margin_loss(loss: Loss) -> LinearSvmLoss {
    match loss {
        Loss::Hinge => LinearSvmLoss::Hinge,
        Loss::SquaredHinge | Loss::Squared => LinearSvmLoss::SquaredHinge,
    }
}

/// The ridge penalty, which must be a value: leave-one-out needs the exact kernel.
fn given_alpha(spec: &FitSpec) -> Result<f64> {
    match spec.alpha {
        Alpha::Value(alpha) => Ok(alpha),
        Alpha::Auto => Err(Error::Usage("--alpha auto needs the exact kernel: give a value with --approx".into())),
    }
}

/// `max_iter` (epochs or iterations), or `default`.
fn max_iter(spec: &FitSpec, default: usize) -> usize {
    spec.svm.max_iter.map_or(default, |m| usize::try_from(m).unwrap_or(usize::MAX))
}

/// The landmark sampler.
pub(crate) fn landmarks(spec: &FitSpec) -> Landmarks {
    match spec.approx.sampling {
        Sampling::Uniform => Landmarks::Uniform,
        Sampling::Greedy => Landmarks::Greedy { tolerance: spec.approx.landmark_tol },
        Sampling::Leverage => Landmarks::Leverage { lambda: None },
        Sampling::Kmeans => Landmarks::KMeans,
    }
}

/// Falkon: centres by the sampler, then the preconditioned CG, on the
/// targets (krr) or on ±1 targets per class (svc: one column for two
/// classes, one per class beyond).
fn fit_falkon(
    spec: &FitSpec,
    kernel: &VectorKernel,
    x: &DataSet,
    data: Weighed<'_>,
    par: Par,
    notices: &Notices,
    shares: Shares<'_>,
) -> Result<Estimator> {
    let alpha = given_alpha(spec)?;
    let n = x.n_samples();
    let (y, classes) = match (spec.task, data.targets) {
        (Task::Krr, Targets::Values(y)) => (Mat::from_fn(n, 1, |i, _| y[i]), Vec::new()),
        (Task::Svc, Targets::Classes { names, codes }) => (plus_minus_targets(names.len(), codes), names.clone()),
        _ => return Err(Error::Usage("--approx falkon works with --task krr or svc".into())),
    };
    if spec.approx.loss.is_some() {
        return Err(Error::Usage("--approx falkon fits least squares: leave out --loss".into()));
    }
    let m = spec.approx.components.min(shares.total);
    if m == 0 {
        return Err(Error::Usage("--components must be at least 1".into()));
    }
    let (_, centers) = shares.choose_rows(spec, kernel, x, m, par)?;
    let mut params = Falkon {
        alpha,
        max_iter: max_iter(spec, FALKON_ITERATIONS),
        tol: FALKON_TOL,
        settle: spec.svm.tol,
        hold_bytes: spare_bytes(spec, Shape::of_vectors(x, par)),
        // Only regression's (checked once, in `fit_model`).
        centre_targets: spec.centre_targets,
    };
    let samples = FalkonData { x, y: y.as_ref(), weights: data.weights };
    let collective = shares.collective;
    let save = spec.checkpoint.as_ref().and_then(|c| c.save.as_deref());
    let saver = |state: &CgState| checkpoint::save_state(save, collective.rank(), state);
    let run = || -> Result<Run<'_>> {
        let checkpoints = match &spec.checkpoint {
            Some(c) => Some(checkpoint::solver_checkpoints(c, collective, &saver)?),
            None => None,
        };
        Ok(Run { collective, checkpoints })
    };
    let model = match device::on_device(&spec.device, kernel, notices) {
        Some(on_gpu) => {
            params.hold_bytes = 0;
            let model = FalkonModel::fit_shared(&params, kernel, &on_gpu, samples, centers, par, run()?);
            device::report(&on_gpu, notices);
            model
        }
        None => FalkonModel::fit_shared(&params, kernel, kernel, samples, centers, par, run()?),
    }
    .map_err(|e| match (e, spec.checkpoint.as_ref().and_then(|c| c.resume.as_ref())) {
        (SolverError::CheckpointMismatch, Some(file)) => {
            Error::Checkpoint { file: file.clone(), why: SolverError::CheckpointMismatch.to_string() }
        }
        (e, _) => e.into(),
    })?;
    Ok(Estimator::Falkon { model, classes })
}

/// An approximation error as a usage error (it comes from the options).
pub(crate) fn approx_error(e: kern_approx::ApproxError) -> Error {
    Error::Usage(e.to_string())
}
