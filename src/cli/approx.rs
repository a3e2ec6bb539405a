//! `--approx rff|nystroem`: fit a feature map on the training data, then a
//! linear model on the features (ridge for krr, a linear SVM or ridge
//! classification for svc, a linear SVR for svr).

use faer::{Mat, MatRef};
use kern_approx::{Landmarks, Nystroem, RandomFourierFeatures};
use kern_kernels::{DataSet, Par, VectorKernel};
use kern_solvers::falkon::{Falkon, FalkonModel};
use kern_solvers::linear::{LinearSvm, LinearSvmLoss, LinearSvmModel, LinearSvr, LinearSvrModel, primal_ridge};
use serde_json::{Value, json};

use super::TrainArgs;
use super::args::{AlphaArg, ApproxArg, LandmarksArg, LossArg, TaskArg};
use super::fit::Targets;
use super::predict::Prediction;
use crate::error::{Error, Result};
use crate::model::{ApproxMap, Estimator, LinearHead};

/// Fits `--approx`'s map and the task's linear model on it.
pub(crate) fn train_approx(
    t: &TrainArgs,
    kernel: &VectorKernel,
    x: &DataSet,
    targets: &Targets,
    par: Par,
) -> Result<Estimator> {
    let a = &t.approx;
    if a.approx == ApproxArg::Falkon {
        return train_falkon(t, kernel, x, targets, par);
    }
    let map = match a.approx {
        ApproxArg::Rff => ApproxMap::Rff(
            RandomFourierFeatures::new(kernel, x.n_features(), a.components, a.orthogonal, t.seed)
                .map_err(approx_error)?,
        ),
        ApproxArg::Nystroem => {
            let method = landmarks(t);
            ApproxMap::Nystroem(Box::new(
                Nystroem::fit(kernel, x, a.components, method, t.seed, par).map_err(approx_error)?,
            ))
        }
        ApproxArg::None | ApproxArg::Falkon => unreachable!("a feature map was asked for"),
    };
    // Nyström's K(X, L) U Λ^(−1/2) on the GPU when asked for.
    let on_gpu = match &map {
        ApproxMap::Nystroem(nystroem) => super::device::device_kernel(t, kernel).map(|k| (nystroem, k)),
        ApproxMap::Rff(_) => {
            super::device::cpu_only(t, "--approx rff (its feature map)");
            None
        }
    };
    let phi = match on_gpu {
        Some((nystroem, on_gpu)) => {
            let phi = nystroem.transform_with(&on_gpu, x, par);
            super::device::report(&on_gpu);
            phi
        }
        None => map.feature_map().transform(x, par),
    }
    .map_err(approx_error)?;
    let head = match (t.task, targets, a.loss) {
        (TaskArg::Krr, Targets::Values(y), None) => {
            let alpha = given_alpha(t)?;
            let y = MatRef::from_column_major_slice(y, y.len(), 1);
            let coef = primal_ridge(phi.as_ref(), y, alpha, par)?;
            LinearHead::Ridge { coef: coef.col_as_slice(0).to_vec(), n_targets: 1, alpha }
        }
        (TaskArg::Svc, Targets::Classes { names, codes }, Some(LossArg::Squared)) => {
            let alpha = given_alpha(t)?;
            let coef = primal_ridge(phi.as_ref(), plus_minus_targets(names.len(), codes).as_ref(), alpha, par)?;
            let n_targets = coef.ncols();
            let coef = (0..n_targets).flat_map(|c| coef.col_as_slice(c).to_vec()).collect();
            LinearHead::RidgeClassifier { coef, n_targets, alpha, classes: names.clone() }
        }
        (TaskArg::Svc, Targets::Classes { names, codes }, loss) => {
            let params = LinearSvm {
                c: t.svm.c,
                loss: margin_loss(loss.unwrap_or(LossArg::SquaredHinge)),
                tol: t.svm.tol,
                max_iter: max_iter(t, 1000),
                bias: 1.0,
                seed: t.seed,
            };
            let model = LinearSvmModel::fit(&params, phi.as_ref(), codes, names.len())?;
            LinearHead::Svm { model, classes: names.clone() }
        }
        (TaskArg::Svr, Targets::Values(y), loss) if loss != Some(LossArg::Squared) => {
            let params = LinearSvr {
                c: t.svm.c,
                epsilon: t.svm.epsilon,
                loss: margin_loss(loss.unwrap_or(LossArg::Hinge)),
                tol: t.svm.tol,
                max_iter: max_iter(t, 1000),
                bias: 1.0,
                seed: t.seed,
            };
            LinearHead::Svr { model: LinearSvrModel::fit(&params, phi.as_ref(), y)? }
        }
        (TaskArg::Krr, _, Some(_)) => {
            return Err(Error::Usage("--loss is for --task svc or svr: krr's loss is squared".into()));
        }
        (TaskArg::Svr, _, _) => {
            return Err(Error::Usage("--loss squared on values is --task krr".into()));
        }
        _ => {
            return Err(Error::Usage(format!("--approx {} works with --task krr, svc or svr", map.name())));
        }
    };
    Ok(Estimator::Approx { kernel: kernel.clone(), map, head })
}

/// Least-squares classification targets: `+1` for the class and `−1` for
/// the rest, one column for two classes (class 1 positive), one per class
/// beyond.
fn plus_minus_targets(n_classes: usize, codes: &[usize]) -> Mat<f64> {
    let columns = if n_classes == 2 { 1 } else { n_classes };
    let positive = |c: usize| if n_classes == 2 { 1 } else { c };
    Mat::from_fn(codes.len(), columns, |i, c| if codes[i] == positive(c) { 1.0 } else { -1.0 })
}

/// The class of each row of the scores of [`plus_minus_targets`]: the sign
/// of the one column, or the largest column (the first on ties).
fn class_of_scores(f: MatRef<'_, f64>, classes: &[String]) -> Vec<String> {
    (0..f.nrows())
        .map(|i| {
            let c = if f.ncols() == 1 {
                usize::from(f[(i, 0)] > 0.0)
            } else {
                (0..f.ncols()).fold(0, |b, c| if f[(i, c)] > f[(i, b)] { c } else { b })
            };
            classes[c].clone()
        })
        .collect()
}

/// A margin loss for the SVM and SVR solvers (`Squared` is refused before).
fn margin_loss(loss: LossArg) -> LinearSvmLoss {
    match loss {
        LossArg::Hinge => LinearSvmLoss::Hinge,
        LossArg::SquaredHinge | LossArg::Squared => LinearSvmLoss::SquaredHinge,
    }
}

/// `--alpha`, which must be a value: leave-one-out selection needs the exact kernel.
fn given_alpha(t: &TrainArgs) -> Result<f64> {
    match t.alpha {
        AlphaArg::Value(alpha) => Ok(alpha),
        AlphaArg::Auto => Err(Error::Usage("--alpha auto needs the exact kernel: give a value with --approx".into())),
    }
}

/// `--max-iter` (epochs or iterations), or `default`.
fn max_iter(t: &TrainArgs, default: usize) -> usize {
    t.svm.max_iter.map_or(default, |m| usize::try_from(m).unwrap_or(usize::MAX))
}

/// `--landmarks` as the library's choice.
fn landmarks(t: &TrainArgs) -> Landmarks {
    match t.approx.landmarks {
        LandmarksArg::Uniform => Landmarks::Uniform,
        LandmarksArg::Greedy => Landmarks::Greedy { tolerance: t.approx.landmark_tol },
        LandmarksArg::Leverage => Landmarks::Leverage { lambda: None },
    }
}

/// Falkon: centres by `--landmarks`, then the preconditioned CG, on the
/// targets (krr) or on ±1 targets per class (svc: one column for two
/// classes, one per class beyond).
fn train_falkon(t: &TrainArgs, kernel: &VectorKernel, x: &DataSet, targets: &Targets, par: Par) -> Result<Estimator> {
    let alpha = given_alpha(t)?;
    let n = x.n_samples();
    let (y, classes) = match (t.task, targets) {
        (TaskArg::Krr, Targets::Values(y)) => (Mat::from_fn(n, 1, |i, _| y[i]), Vec::new()),
        (TaskArg::Svc, Targets::Classes { names, codes }) => (plus_minus_targets(names.len(), codes), names.clone()),
        _ => return Err(Error::Usage("--approx falkon works with --task krr or svc".into())),
    };
    if t.approx.loss.is_some() {
        return Err(Error::Usage("--approx falkon fits least squares: leave out --loss".into()));
    }
    let m = t.approx.components.min(n);
    if m == 0 {
        return Err(Error::Usage("--components must be at least 1".into()));
    }
    let indices = landmarks(t).choose(kernel, x, m, t.seed, par).map_err(approx_error)?;
    let params = Falkon { alpha, max_iter: max_iter(t, FALKON_ITERATIONS), tol: FALKON_TOL };
    let model = match super::device::device_kernel(t, kernel) {
        Some(on_gpu) => {
            let model = FalkonModel::fit_with_blocks(&params, kernel, &on_gpu, x, y.as_ref(), x.select(&indices), par);
            super::device::report(&on_gpu);
            model?
        }
        None => FalkonModel::fit(&params, kernel, x, y.as_ref(), x.select(&indices), par)?,
    };
    Ok(Estimator::Falkon { model, classes })
}

/// Falkon's conjugate gradient stops at this relative residual…
pub(crate) const FALKON_TOL: f64 = 1e-7;
/// …or after this many iterations (`--max-iter` changes it).
const FALKON_ITERATIONS: usize = 100;

/// Predictions of a Falkon model.
pub(crate) fn predict_falkon(model: &FalkonModel, classes: &[String], x: &DataSet, par: Par) -> Prediction {
    let f = model.predict(x, par);
    if classes.is_empty() {
        return Prediction::Values(f);
    }
    Prediction::Classes(class_of_scores(f.as_ref(), classes), None)
}

/// Predictions of an approximate model.
pub(crate) fn predict_approx(map: &ApproxMap, head: &LinearHead, x: &DataSet, par: Par) -> Result<Prediction> {
    let phi = map.feature_map().transform(x, par).map_err(approx_error)?;
    Ok(match head {
        LinearHead::Ridge { coef, n_targets, .. } => {
            let coef = MatRef::from_column_major_slice(coef, phi.ncols(), *n_targets);
            Prediction::Values(&phi * coef)
        }
        LinearHead::Svm { model, classes } => {
            Prediction::Classes(model.predict(phi.as_ref()).into_iter().map(|c| classes[c].clone()).collect(), None)
        }
        LinearHead::Svr { model } => {
            let f = model.predict(phi.as_ref());
            Prediction::Values(Mat::from_fn(f.len(), 1, |i, _| f[i]))
        }
        LinearHead::RidgeClassifier { coef, n_targets, classes, .. } => {
            let coef = MatRef::from_column_major_slice(coef, phi.ncols(), *n_targets);
            Prediction::Classes(class_of_scores((&phi * coef).as_ref(), classes), None)
        }
    })
}

/// What `--json` reports of an approximate model.
pub(crate) fn approx_report(map: &ApproxMap, head: &LinearHead) -> Value {
    let mut report = json!({
        "approx": map.name(),
        "components": map.feature_map().n_components(),
    });
    if let ApproxMap::Nystroem(m) = map {
        report["landmarks"] = json!(m.landmarks.n_samples());
    }
    match head {
        LinearHead::Ridge { alpha, .. } => report["alpha"] = json!(alpha),
        LinearHead::Svm { model, classes } => {
            report["classes"] = json!(classes);
            report["iterations"] = json!(model.iterations);
            report["converged"] = json!(model.converged);
        }
        LinearHead::Svr { model } => {
            report["loss"] = json!(loss_name(model.loss));
            report["iterations"] = json!(model.iterations);
            report["converged"] = json!(model.converged);
        }
        LinearHead::RidgeClassifier { alpha, classes, .. } => {
            report["loss"] = json!("squared");
            report["alpha"] = json!(alpha);
            report["classes"] = json!(classes);
        }
    }
    report
}

/// What `--json` reports of a Falkon model.
pub(crate) fn falkon_report(model: &FalkonModel, classes: &[String]) -> Value {
    let mut report = json!({
        "approx": "falkon",
        "components": model.centers.n_samples(),
        "iterations": model.iterations,
        "relative_residuals": model.relative_residuals,
    });
    if !classes.is_empty() {
        report["classes"] = json!(classes);
    }
    report
}

/// An approximation error as a usage error (it comes from the options).
fn approx_error(e: kern_approx::ApproxError) -> Error {
    Error::Usage(e.to_string())
}

/// `--loss`'s name for a margin loss.
fn loss_name(loss: LinearSvmLoss) -> &'static str {
    match loss {
        LinearSvmLoss::Hinge => "hinge",
        LinearSvmLoss::SquaredHinge => "squared-hinge",
    }
}
