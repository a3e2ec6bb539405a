//! `kern predict`: one prediction per line, metrics when the data has labels.

use std::io::Write;

use faer::Mat;
use kern_kernels::{DataSet, Kernel, Par, Samples};
use kern_solvers::{SvmKind, SvmModel};

use super::fit::label_name;
use serde_json::json;

use super::{PredictArgs, print_json};
use crate::error::{Error, Result};
use crate::io::{Labels, ReadOptions, read_data};
use crate::model::{Estimator, Model, Origin, load_model, write_atomically};

pub(super) fn run(args: &PredictArgs, par: Par) -> Result<()> {
    if args.run.json && args.output.is_none() {
        return Err(Error::Usage("--json prints the report on stdout: give -o OUT for the predictions".into()));
    }
    let mut model = load_model(&args.model)?;
    let (n, labels, prediction) = match &model.estimator {
        Estimator::Sequences { .. } | Estimator::Graphs(_) => {
            super::structured::predict(&model, &args.data, &args.data_args, args.std, par).map_err(|e| match e {
                Error::Usage(why) if why.is_empty() => Error::Usage(format!(
                    "{}: --std needs a GP regression model (fit with --task gp)",
                    args.model.display()
                )),
                e => e,
            })?
        }
        _ => predict_vectors(args, &mut model, par)?,
    };

    let mut text = String::with_capacity(n * 20);
    if args.proba {
        match (&prediction, &model.estimator) {
            (Prediction::Classes(_, Some(_)), estimator) if !estimator.classes().is_empty() => {
                text.push_str(&format!("labels {}\n", estimator.classes().join(" ")));
            }
            _ => {
                return Err(Error::Usage(format!(
                    "{}: no class probabilities in this model (fit a classifier with --probability)",
                    args.model.display()
                )));
            }
        }
    }
    for i in 0..n {
        match &prediction {
            Prediction::Classes(names, proba) => {
                text.push_str(&names[i]);
                if let (true, Some(p)) = (args.proba, proba) {
                    for c in 0..p.ncols() {
                        text.push_str(&format!(" {}", p[(i, c)]));
                    }
                }
            }
            Prediction::Values(v) => {
                for t in 0..v.ncols() {
                    if t > 0 {
                        text.push(' ');
                    }
                    text.push_str(&v[(i, t)].to_string());
                }
            }
        }
        text.push('\n');
    }
    match &args.output {
        Some(path) => write_atomically(path, text.as_bytes())?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|source| Error::Io { file: "<stdout>".into(), source })?;
        }
    }

    let mut report = json!({ "n": n });
    if let Some(labels) = &labels {
        let one_class =
            matches!(&model.estimator, Estimator::Svm { model, .. } if matches!(model.kind, SvmKind::OneClass { .. }));
        match &prediction {
            Prediction::Classes(names, _) => {
                let truth = label_names(labels);
                let correct = truth.iter().zip(names).filter(|(a, b)| a == b).count();
                let accuracy = correct as f64 / n as f64;
                report["accuracy"] = json!(accuracy);
                if !args.run.quiet {
                    eprintln!("kern predict: {n} samples, accuracy = {:.4} % ({correct}/{n})", 100.0 * accuracy);
                }
            }
            Prediction::Values(v) if one_class => {
                let y = labels.numeric(&args.data)?;
                let correct = (0..n).filter(|&i| v[(i, 0)] == y[i]).count();
                let accuracy = correct as f64 / n as f64;
                report["accuracy"] = json!(accuracy);
                if !args.run.quiet {
                    eprintln!("kern predict: {n} samples, accuracy = {:.4} % ({correct}/{n})", 100.0 * accuracy);
                }
            }
            Prediction::Values(v) => {
                let y = labels.numeric(&args.data)?;
                let pred: Vec<f64> = (0..n).map(|i| v[(i, 0)]).collect();
                let (mse, r2) = (mean_squared_error(y, &pred), r2_score(y, &pred));
                report["mse"] = json!(mse);
                report["r2"] = json!(r2);
                if !args.run.quiet {
                    eprintln!("kern predict: {n} samples, mse = {mse:.6}, r2 = {r2:.6}");
                }
            }
        }
    }
    if args.run.json {
        print_json(&report);
    }
    Ok(())
}

/// Reads vector data as the model's training data was read, and predicts.
fn predict_vectors(args: &PredictArgs, model: &mut Model, par: Par) -> Result<(usize, Option<Labels>, Prediction)> {
    // A model from LIBSVM accepts any width, as svm-predict does (features
    // beyond the support vectors' count in the norms).
    let from_libsvm = model.origin == Origin::Libsvm;
    let options = ReadOptions {
        format: args.data_args.format.map(Into::into),
        label_col: args.data_args.label_col.clone(),
        n_features: if from_libsvm { None } else { Some(model.n_features) },
        schema: model.input.csv.as_ref(),
        require_labels: false,
        precomputed: model.kernel().contains_precomputed(),
    };
    let mut data = read_data(&args.data, &options)?;
    if from_libsvm {
        let width = data.x.n_features().max(model.n_features);
        data.x = data.x.with_n_features(width).expect("widening");
        if let Estimator::Svm { model: m, .. } = &mut model.estimator {
            // Widen in place: take the support vectors out rather than copy them.
            let svs =
                std::mem::replace(&mut m.support_vectors, DataSet::from(kern_kernels::SparseMatrix::with_cols(0)));
            m.support_vectors = svs.with_n_features(width).expect("widening");
        }
    }
    if let Some(scaling) = &model.input.scaling {
        data.x = scaling.apply(&data.x);
    }
    let n = data.x.n_samples();
    let prediction = match (&model.estimator, args.std) {
        (Estimator::Gp(m), true) => {
            // Two columns: the mean and the predictive standard deviation.
            let p = m.predict(&data.x, par).map_err(kern_solvers::SolverError::from)?;
            Prediction::Values(Mat::from_fn(n, 2, |i, c| if c == 0 { p.mean[i] } else { p.std_with_noise[i] }))
        }
        (_, true) => {
            return Err(Error::Usage(format!("{}: --std needs a GP model (fit with --task gp)", args.model.display())));
        }
        _ => predict_estimator(&model.estimator, &data.x, par)?,
    };
    Ok((n, data.labels, prediction))
}

/// Predicted values (regression, one-class ±1) or class names (with class
/// probabilities when the model has them).
pub(crate) enum Prediction {
    Values(Mat<f64>),
    Classes(Vec<String>, Option<Mat<f64>>),
}

/// What `estimator` predicts for `x`.
pub(crate) fn predict_estimator(estimator: &Estimator, x: &DataSet, par: Par) -> Result<Prediction> {
    Ok(match estimator {
        Estimator::KernelRidge(m) => Prediction::Values(m.predict(x, par)),
        Estimator::Gp(m) => {
            let mean = m.predict_mean(x, par);
            Prediction::Values(Mat::from_fn(x.n_samples(), 1, |i, _| mean[i]))
        }
        Estimator::Svm { model, classes } => svm_prediction(model, classes, x, par),
        Estimator::Approx { map, head, .. } => super::approx::predict_approx(map, head, x, par)?,
        Estimator::Falkon { model, classes } => super::approx::predict_falkon(model, classes, x, par),
        Estimator::Gpc { model, classes } => {
            // Probabilities always: beyond two classes the label needs them.
            most_probable(model.predict_proba(x, par).map_err(kern_solvers::SolverError::from)?, classes)
        }
        Estimator::Sequences { .. } | Estimator::Graphs(_) => {
            return Err(Error::Usage("this model takes sequences or graphs, not vectors".into()));
        }
    })
}

/// What an SVM on samples of any kind predicts for `x`: class names (with
/// probabilities when fitted), or values (regression, one-class ±1).
pub(crate) fn svm_prediction<K: Kernel<S>, S: Samples>(
    model: &SvmModel<K, S>,
    classes: &[String],
    x: &S,
    par: Par,
) -> Prediction {
    if !model.kind.is_classifier() {
        let values = model.predict_values(x, par);
        return Prediction::Values(Mat::from_fn(x.len(), 1, |i, _| values[i]));
    }
    match model.predict_proba(x, par) {
        // With probabilities, the label is the most probable class (the first on ties).
        Some(proba) => most_probable(proba, classes),
        None => {
            Prediction::Classes(model.predict_classes(x, par).into_iter().map(|c| classes[c].clone()).collect(), None)
        }
    }
}

/// Each row's most probable class (the first on ties), with the probabilities.
pub(crate) fn most_probable(proba: Mat<f64>, classes: &[String]) -> Prediction {
    let labels = (0..proba.nrows())
        .map(|i| {
            let best = (0..classes.len()).fold(0, |b, c| if proba[(i, c)] > proba[(i, b)] { c } else { b });
            classes[best].clone()
        })
        .collect();
    Prediction::Classes(labels, Some(proba))
}

/// Each label's canonical class name (see [`label_name`]).
fn label_names(labels: &Labels) -> Vec<String> {
    match labels {
        Labels::Numeric(v) => v.iter().map(|x| x.to_string()).collect(),
        Labels::Text { classes, codes, .. } => codes.iter().map(|&c| label_name(&classes[c as usize])).collect(),
    }
}

/// Mean of the squared errors.
pub fn mean_squared_error(y: &[f64], pred: &[f64]) -> f64 {
    y.iter().zip(pred).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / y.len() as f64
}

/// Coefficient of determination, as scikit-learn's `r2_score` (1 for a
/// perfect fit of constant targets, 0 for an imperfect one).
pub fn r2_score(y: &[f64], pred: &[f64]) -> f64 {
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let ss_tot: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    let ss_res: f64 = y.iter().zip(pred).map(|(a, b)| (a - b) * (a - b)).sum();
    if ss_tot == 0.0 { if ss_res == 0.0 { 1.0 } else { 0.0 } } else { 1.0 - ss_res / ss_tot }
}
