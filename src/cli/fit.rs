//! `kern fit`: read, fit (or choose and fit, with `--auto`), write the model
//! atomically, report.

use serde_json::{Value, json};

use super::args::{default_model_path, held, read_for_auto, read_weighted};
use super::progress::Progress;
use super::{FitArgs, print_json, print_notices};
use crate::error::{Error, Result};
use crate::io::{Data, Labels};
use crate::model::save_model;
use crate::select::auto::numeric_labels_as_classes;
use crate::select::{AutoSpec, Choices, fit_auto};
use crate::train::{Alpha, Checkpointing, FitSpec, Fitted, Task, fit};
use kern_kernels::Par;

pub(super) fn run(args: &FitArgs, par: Par) -> Result<()> {
    run_with(&args.train_args.spec()?, args, par)
}

/// `spec` with `kern fit`'s own options.
pub(super) fn with_fit_options(spec: &FitSpec, args: &FitArgs) -> FitSpec {
    let checkpoint = (args.checkpoint.is_some() || args.resume.is_some()).then(|| Checkpointing {
        save: args.checkpoint.clone().or_else(|| args.resume.clone()),
        every: args.checkpoint_every,
        resume: args.resume.clone(),
    });
    FitSpec { conformal: args.conformal, checkpoint, ..spec.clone() }
}

/// `kern fit` of `spec` (the options of `args` but the model's).
pub(super) fn run_with(spec: &FitSpec, args: &FitArgs, par: Par) -> Result<()> {
    let spec = &with_fit_options(spec, args);
    let output = args.output.clone().unwrap_or_else(|| default_model_path(&args.train));
    let what = match args.auto {
        true => format!("kern fit --auto on {}: choosing", args.train.display()),
        false => format!("kern fit: {} on {}", spec.task.name(), args.train.display()),
    };
    let spinner = Progress::spinner(&what, args.run.quiet);
    if args.auto && spec.checkpoint.is_some() {
        return Err(Error::Usage(
            "--checkpoint and --resume keep a Falkon fit's state: give the model (--approx falkon ...) instead of --auto".into(),
        ));
    }
    if args.auto && spec.custom_kernel.is_some() {
        return Err(Error::Usage(
            "--auto searches C and the width of named kernels; a kernel expression is fitted as written (drop --auto; --task gp fits its hyperparameters)".into(),
        ));
    }
    let (fitted, choices) = if args.auto {
        let held = held(&args.given);
        let data = read_for_auto(&args.train, &args.data, &args.weights, spec, &held)?;
        let auto = AutoSpec {
            held,
            metric: args.auto_metric,
            prefer_simple: args.auto_prefer_simple,
            robust: args.auto_robust,
        };
        let (fitted, choices) = fit_auto(spec, &auto, data, par)?;
        (fitted, Some(choices))
    } else {
        let data = read_weighted(&args.train, &args.data, &args.weights, spec)?;
        let warning = values_as_classes(spec, &args.given, &data);
        let fitted = fit(spec, data, par)?;
        // After the fit: an error stays the only line.
        if let Some(why) = warning.filter(|_| !args.run.quiet) {
            eprintln!("kern fit: warning: {why}");
        }
        (fitted, None)
    };
    spinner.finish();
    finish(spec, args, &fitted, choices.as_ref(), &output)
}

/// Why classifying may not be what was meant: the task left at its
/// default, C-SVC (LIBSVM's), and labels `--auto` would take as values
/// ([`numeric_labels_as_classes`]); each distinct value is then a class.
fn values_as_classes(spec: &FitSpec, given: &[String], data: &Data) -> Option<String> {
    let Some(Labels::Numeric(v)) = &data.labels else { return None };
    let defaulted = spec.task == Task::Svc && !given.iter().any(|g| g == "task");
    let why = numeric_labels_as_classes(v).err().filter(|_| defaulted)?;
    Some(format!(
        "{}: --task svc, the default (as LIBSVM's), makes a class of each value; --task krr or --task svr \
         fits a regression, and `kern fit DATA` without model options chooses",
        why.describe()
    ))
}

/// Notices, the model file, the summary line and `--json` of a fit.
pub(super) fn finish(
    spec: &FitSpec,
    args: &FitArgs,
    fitted: &Fitted,
    choices: Option<&Choices>,
    output: &std::path::Path,
) -> Result<()> {
    let quiet = args.run.quiet;
    if !quiet {
        print_notices(&fitted.notices);
        if let Some(c) = choices {
            eprintln!("kern fit --auto: {}", c.said.join("; "));
        }
        // --auto's Falkon chose α by the held-out error of fits under the same
        // limit: stopping early is then part of the model that was scored.
        if fitted.model.reached_iteration_limit() {
            if choices.is_some_and(Choices::scored_held_out) {
                eprintln!(
                    "kern fit: Falkon's conjugate gradient stopped at its iteration limit (--max-iter), as it may in \
                     the held-out fits that chose alpha: their score is of the stopped model"
                );
            } else {
                eprintln!(
                    "kern fit: warning: the iteration limit was reached before convergence; the model may be inaccurate"
                );
            }
        }
    }
    save_model(&fitted.model, output)?;
    let model = &fitted.model;
    if !quiet {
        eprintln!(
            "kern fit: {} with {} on {} samples × {} features in {:.3} s{}; model written to {}",
            model.task(),
            model.kernel(),
            fitted.n_samples,
            model.n_features,
            fitted.seconds,
            model.summary(),
            output.display()
        );
    }
    if args.run.json {
        let by_loo = spec.alpha == Alpha::Auto || choices.is_some_and(|c| c.json.contains_key("alpha"));
        print_json(&report(fitted, choices, by_loo, output));
    }
    Ok(())
}

/// The `--json` report: the contract's fields, then the model's own.
fn report(fitted: &Fitted, choices: Option<&Choices>, alpha_by_loo: bool, output: &std::path::Path) -> Value {
    let model = &fitted.model;
    let kernel = model.kernel();
    let mut report = json!({
        "task": model.task(),
        "kernel": kernel.name(),
        "kernel_params": kernel,
        "n_samples": fitted.n_samples,
        "n_features": model.n_features,
        "fit_seconds": fitted.seconds,
        "model": output,
    });
    if let Some(c) = choices {
        report["auto"] = Value::Object(c.json.clone());
    }
    for (key, value) in model.report() {
        report[key] = value;
    }
    if let crate::model::Estimator::KernelRidge(_) = model.estimator {
        report["alpha_selection"] = json!(if alpha_by_loo { "leave-one-out" } else { "given" });
    }
    report
}
