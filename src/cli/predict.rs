//! `kern predict`: one prediction per line, metrics when the data has labels.

use std::io::Write;

use kern_kernels::Par;
use kern_solvers::SvmKind;
use serde_json::json;

use super::{PredictArgs, print_json};
use crate::error::{Error, Result};
use crate::io::{InputOptions, Labels};
use crate::model::{Estimator, Intervals, Model, Prediction, load_model, write_atomically};
use crate::select::{mean_squared_error, r2_score};
use crate::train::label_names;

pub(super) fn run(args: &PredictArgs, par: Par) -> Result<()> {
    check_options(args)?;
    let mut model = load_model(&args.model)?;
    let d = &args.data_args;
    let options = InputOptions {
        format: d.format,
        label_col: d.label_col.clone(),
        seq_col: d.seq_col.clone(),
        shards: d.shards,
        ..InputOptions::default()
    };
    let data = model.read_inputs(&args.data, &options)?;
    let (intervals, prediction) = predict_rows(&model, &data.x, args, par)?;
    let text = lines(&model, &prediction, args)?;
    match &args.output {
        Some(path) => write_atomically(path, text.as_bytes())?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|source| Error::Io { file: "<stdout>".into(), source })?;
        }
    }
    let mut report = json!({ "n": prediction.len() });
    if let (Some(i), Some(level)) = (&intervals, args.interval) {
        report["interval"] = json!({ "level": level, "method": i.method, "mean_width": i.mean_width() });
    }
    if let Some(labels) = &data.labels {
        let mut line = Tally::new(&model, &prediction, labels, &args.data)?.report(&mut report);
        if let Some(i) = &intervals {
            let coverage = i.coverage(labels.numeric(&args.data)?);
            report["interval"]["coverage"] = json!(coverage);
            line.push_str(&format!(", {:.2} % inside the {} intervals", 100.0 * coverage, i.method));
        }
        if !args.run.quiet {
            eprintln!("kern predict: {} samples, {line}", prediction.len());
        }
    }
    if args.run.json {
        print_json(&report);
    }
    Ok(())
}

/// The intervals when asked for, and the predictions (with `--std`, means and deviations).
pub(super) fn predict_rows(
    model: &Model,
    x: &crate::io::Inputs,
    args: &PredictArgs,
    par: Par,
) -> Result<(Option<Intervals>, Prediction)> {
    let in_model = |e: Error| match e {
        Error::Usage(why) => Error::Usage(format!("{}: {why}", args.model.display())),
        e => e,
    };
    let intervals = match args.interval {
        Some(level) => Some(model.predict_interval(x, level, par).map_err(in_model)?),
        None => None,
    };
    let prediction = match (&intervals, args.std) {
        (Some(i), _) => i.columns(),
        (None, true) => model.predict_std(x, par).map_err(in_model)?,
        (None, false) => model.predict(x, par).map_err(in_model)?,
    };
    Ok((intervals, prediction))
}

/// Checks the options before any data is read.
pub(super) fn check_options(args: &PredictArgs) -> Result<()> {
    if args.run.json && args.output.is_none() {
        return Err(Error::Usage("--json prints the report on stdout: give -o OUT for the predictions".into()));
    }
    if let Some(level) = args.interval.filter(|l| !(*l > 0.0 && *l < 1.0)) {
        return Err(Error::Usage(format!("--interval {level}: the level must lie strictly between 0 and 1")));
    }
    Ok(())
}

/// The predictions as text: a name or values per line; with `--proba` a
/// first line `labels A B ...` and the probabilities after each name.
pub(super) fn lines(model: &Model, prediction: &Prediction, args: &PredictArgs) -> Result<String> {
    let mut text = String::with_capacity(prediction.len() * 20);
    if args.proba {
        match prediction {
            Prediction::Classes(_, Some(_)) if !model.estimator.classes().is_empty() => {
                text.push_str(&format!("labels {}\n", model.estimator.classes().join(" ")));
            }
            _ => {
                return Err(Error::Usage(format!(
                    "{}: no class probabilities in this model (fit a classifier with --probability)",
                    args.model.display()
                )));
            }
        }
    }
    for i in 0..prediction.len() {
        match prediction {
            Prediction::Classes(names, proba) => {
                text.push_str(&names[i]);
                if let (true, Some(p)) = (args.proba, proba) {
                    (0..p.ncols()).for_each(|c| text.push_str(&format!(" {}", p[(i, c)])));
                }
            }
            Prediction::Values(v) => {
                let values: Vec<String> = (0..v.ncols()).map(|t| v[(i, t)].to_string()).collect();
                text.push_str(&values.join(" "));
            }
        }
        text.push('\n');
    }
    Ok(text)
}

/// What the labels say of the predictions, before it is a metric: so that
/// processes predicting shares of one file can pool theirs.
pub(super) enum Tally {
    /// Predictions that equal their label, of how many.
    Correct { correct: usize, n: usize },
    /// Targets and predictions (regression).
    Values { y: Vec<f64>, predicted: Vec<f64> },
}

impl Tally {
    /// Compares the predictions with the labels.
    pub(super) fn new(model: &Model, prediction: &Prediction, labels: &Labels, file: &std::path::Path) -> Result<Self> {
        let n = prediction.len();
        let one_class =
            matches!(&model.estimator, Estimator::Svm { model, .. } if matches!(model.kind, SvmKind::OneClass { .. }));
        let correct = match prediction {
            Prediction::Classes(names, _) => label_names(labels).iter().zip(names).filter(|(a, b)| a == b).count(),
            Prediction::Values(v) if one_class => {
                let y = labels.numeric(file)?;
                (0..n).filter(|&i| v[(i, 0)] == y[i]).count()
            }
            Prediction::Values(v) => {
                let y = labels.numeric(file)?.to_vec();
                return Ok(Tally::Values { y, predicted: (0..n).map(|i| v[(i, 0)]).collect() });
            }
        };
        Ok(Tally::Correct { correct, n })
    }

    /// The metric into `report`; the summary line.
    pub(super) fn report(&self, report: &mut serde_json::Value) -> String {
        match self {
            Tally::Values { y, predicted } => {
                let (mse, r2) = (mean_squared_error(y, predicted), r2_score(y, predicted));
                report["mse"] = json!(mse);
                report["r2"] = json!(r2);
                format!("mse = {mse:.6}, r2 = {r2:.6}")
            }
            Tally::Correct { correct, n } => {
                let accuracy = *correct as f64 / *n as f64;
                report["accuracy"] = json!(accuracy);
                format!("accuracy = {:.4} % ({correct}/{n})", 100.0 * accuracy)
            }
        }
    }
}
