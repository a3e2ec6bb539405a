//! `--approx rff|nystroem`: fit a feature map on the training data, then a
//! linear model on the features (ridge for krr, a linear SVM for svc).

use faer::MatRef;
use kern_approx::{Landmarks, Nystroem, RandomFourierFeatures};
use kern_kernels::{DataSet, Par, VectorKernel};
use kern_solvers::linear::{LinearSvm, LinearSvmLoss, LinearSvmModel, primal_ridge};
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
    let map = match a.approx {
        ApproxArg::Rff => ApproxMap::Rff(
            RandomFourierFeatures::new(kernel, x.n_features(), a.components, a.orthogonal, t.seed)
                .map_err(approx_error)?,
        ),
        ApproxArg::Nystroem => {
            let method = match a.landmarks {
                LandmarksArg::Uniform => Landmarks::Uniform,
                LandmarksArg::Greedy => Landmarks::Greedy { tolerance: a.landmark_tol },
                LandmarksArg::Leverage => Landmarks::Leverage { lambda: None },
            };
            ApproxMap::Nystroem(Box::new(
                Nystroem::fit(kernel, x, a.components, method, t.seed, par).map_err(approx_error)?,
            ))
        }
        ApproxArg::None => unreachable!("an approximation was asked for"),
    };
    let phi = map.feature_map().transform(x, par).map_err(approx_error)?;
    let head = match (t.task, targets) {
        (TaskArg::Krr, Targets::Values(y)) => {
            let AlphaArg::Value(alpha) = t.alpha else {
                return Err(Error::Usage("--alpha auto needs the exact kernel: give a value with --approx".into()));
            };
            let y = MatRef::from_column_major_slice(y, y.len(), 1);
            let coef = primal_ridge(phi.as_ref(), y, alpha, par)?;
            LinearHead::Ridge { coef: coef.col_as_slice(0).to_vec(), n_targets: 1, alpha }
        }
        (TaskArg::Svc, Targets::Classes { names, codes }) => {
            let params = LinearSvm {
                c: t.svm.c,
                loss: match a.loss {
                    LossArg::Hinge => LinearSvmLoss::Hinge,
                    LossArg::SquaredHinge => LinearSvmLoss::SquaredHinge,
                },
                tol: t.svm.tol,
                max_iter: t.svm.max_iter.map_or(1000, |m| m.min(usize::MAX as u64) as usize),
                bias: 1.0,
                seed: t.seed,
            };
            let model = LinearSvmModel::fit(&params, phi.as_ref(), codes, names.len())?;
            LinearHead::Svm { model, classes: names.clone() }
        }
        _ => {
            return Err(Error::Usage(format!("--approx {} works with --task krr or svc", map.name())));
        }
    };
    Ok(Estimator::Approx { kernel: kernel.clone(), map, head })
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
    }
    report
}

/// An approximation error as a usage error (it comes from the options).
fn approx_error(e: kern_approx::ApproxError) -> Error {
    Error::Usage(e.to_string())
}
