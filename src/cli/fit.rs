//! `kern fit`: read, fit, write the model atomically, report.

use std::time::Instant;

use faer::Mat;
use kern_kernels::{DataSet, Kernel, Par, Samples, VectorKernel};
use kern_solvers::gp::{FixedGpModel, FixedGpcModel, FixedKernelGp, GaussianProcessClassifier, GpcModel, LatentGp};
use kern_solvers::{
    GaussianProcess, GpModel, KernelRidge, KernelRidgeModel, PairInfo, SmoOptions, SolverError, SvmKind, SvmModel,
    SvmParams,
};
use serde_json::{Value, json};

use super::args::{
    AlphaArg, ApproxArg, KernelArg, KernelArgs, SvmArgs, TaskArg, default_max_memory, default_model_path,
};
use super::progress::Progress;
use super::{FitArgs, TrainArgs, print_json};
use crate::error::{DataErrorKind, Error, Result};
use crate::io::{Labels, ReadOptions, read_data};
use crate::model::{Estimator, InputSchema, Machine, Model, save_model};

pub(super) fn run(args: &FitArgs, par: Par) -> Result<()> {
    let t = &args.train_args;
    let output = args.output.clone().unwrap_or_else(|| default_model_path(&args.train));
    let what = format!("kern fit: {} on {}", task_name(t.task), args.train.display());
    let what = if args.auto { format!("kern fit --auto on {}: choosing", args.train.display()) } else { what };
    let spinner = Progress::spinner(&what, args.run.quiet);
    let mut choices = None;
    let (model, n, fit_seconds) = if args.auto {
        let (model, n, seconds, chosen) = super::auto::fit(args, par)?;
        choices = Some(chosen);
        (model, n, seconds)
    } else if t.kernel.kernel.on_strings() || t.kernel.kernel.on_graphs() {
        super::structured::fit(args, par)?
    } else {
        fit_vectors(args, par)?
    };
    spinner.finish();
    if let (Some(c), false) = (&choices, args.run.quiet) {
        eprintln!("kern fit --auto: {}", c.said.join("; "));
    }
    let d = model.n_features;
    let kernel = model.kernel();
    let estimator = &model.estimator;
    let stopped_early = match estimator {
        Estimator::Svm { model, .. } => model.pairs.iter().any(|p| p.reached_max_iter),
        Estimator::Sequences { machine: Machine::Svm { model, .. }, .. } => {
            model.pairs.iter().any(|p| p.reached_max_iter)
        }
        Estimator::Graphs(Machine::Svm { model, .. }) => model.pairs.iter().any(|p| p.reached_max_iter),
        Estimator::Approx { head: crate::model::LinearHead::Svm { model, .. }, .. } => !model.converged,
        Estimator::Approx { head: crate::model::LinearHead::Svr { model }, .. } => !model.converged,
        Estimator::Falkon { model, .. } => model.relative_residuals.iter().any(|&r| r > super::approx::FALKON_TOL),
        _ => false,
    };
    if stopped_early && !args.run.quiet {
        eprintln!("kern fit: warning: the iteration limit was reached before convergence; the model may be inaccurate");
    }
    save_model(&model, &output)?;

    if !args.run.quiet {
        let extra = match &model.estimator {
            Estimator::Svm { model, .. } => format!(", {} support vectors", model.n_sv()),
            Estimator::KernelRidge(m) => format!(", alpha = {}", m.params.alpha),
            Estimator::Gp(m) => format!(", log marginal likelihood {:.4}", m.log_marginal_likelihood),
            Estimator::Gpc { model, .. } => {
                format!(", approximate log marginal likelihood {:.4}", model.log_marginal_likelihood())
            }
            Estimator::Approx { map, .. } => {
                format!(", {} features ({})", map.feature_map().n_components(), map.name())
            }
            Estimator::Falkon { model, .. } => {
                format!(
                    ", {} centres, {} conjugate-gradient iterations (falkon)",
                    model.centers.n_samples(),
                    model.iterations
                )
            }
            Estimator::Sequences { machine, .. } => machine_summary(machine),
            Estimator::Graphs(machine) => machine_summary(machine),
        };
        eprintln!(
            "kern fit: {} with {kernel} on {n} samples × {d} features in {fit_seconds:.3} s{extra}; model written to {}",
            model.task(),
            output.display()
        );
    }
    if args.run.json {
        let mut report = json!({
            "task": model.task(),
            "kernel": kernel.name(),
            "kernel_params": kernel,
            "n_samples": n,
            "n_features": d,
            "fit_seconds": fit_seconds,
            "model": output,
        });
        if let Some(c) = &choices {
            report["auto"] = Value::Object(c.json.clone());
        }
        match &model.estimator {
            Estimator::KernelRidge(m) => {
                report["alpha"] = json!(m.params.alpha);
                // --auto may have chosen it by leave-one-out and fitted at that value.
                let by_loo =
                    t.alpha == AlphaArg::Auto || choices.as_ref().is_some_and(|c| c.json.contains_key("alpha"));
                report["alpha_selection"] = json!(if by_loo { "leave-one-out" } else { "given" });
            }
            Estimator::Gp(m) => {
                report["kernel_params"] = json!(m.kernel);
                report["log_marginal_likelihood"] = json!(m.log_marginal_likelihood);
                report["hyperparameters"] =
                    Value::Object(m.hyperparameters().into_iter().map(|(k, v)| (k, json!(v))).collect());
                report["jitter"] = json!(m.jitter);
                report["evaluations"] = json!(m.evaluations);
            }
            Estimator::Approx { map, head, .. } => {
                let Value::Object(fields) = super::approx::approx_report(map, head) else { unreachable!("an object") };
                fields.into_iter().for_each(|(k, v)| report[k] = v);
            }
            Estimator::Falkon { model, classes } => {
                let Value::Object(fields) = super::approx::falkon_report(model, classes) else {
                    unreachable!("an object")
                };
                fields.into_iter().for_each(|(k, v)| report[k] = v);
            }
            Estimator::Gpc { model, classes } => {
                let Value::Object(fields) = gpc_report(model, classes) else { unreachable!("an object") };
                fields.into_iter().for_each(|(k, v)| report[k] = v);
                report["kernel_params"] = json!(model.latent[0].kernel);
            }
            Estimator::Svm { model, classes } => svm_report(model, classes, &mut report),
            Estimator::Sequences { machine, .. } => machine_report(machine, &mut report),
            Estimator::Graphs(machine) => machine_report(machine, &mut report),
        }
        print_json(&report);
    }
    Ok(())
}

/// Reads the vector data and fits: the model, the sample count and the fit time.
fn fit_vectors(args: &FitArgs, par: Par) -> Result<(Model, usize, f64)> {
    let t = &args.train_args;
    let data = read_data(&args.train, &training_read_options(&args.data, t))?;
    check_precomputed(&t.kernel, &data.x, &args.train)?;
    let (n, d) = (data.x.n_samples(), data.x.n_features());
    let kernel = t.kernel.build(d)?;
    let targets = Targets::new(t, data.labels.as_ref(), &args.train)?;
    let started = Instant::now();
    let estimator = train(t, &kernel, data.x, &targets, par)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    Ok((Model::new(d, InputSchema { format: data.format, csv: data.csv, scaling: None }, estimator), n, fit_seconds))
}

/// How `fit`, `cv` and `grid` read vector training data.
pub(crate) fn training_read_options<'a>(d: &'a super::args::DataArgs, t: &TrainArgs) -> ReadOptions<'a> {
    ReadOptions {
        format: d.format.map(Into::into),
        label_col: d.label_col.clone(),
        n_features: d.n_features,
        schema: None,
        require_labels: t.task != TaskArg::Oneclass,
        precomputed: t.kernel.kernel == KernelArg::Precomputed,
    }
}

/// The summary line's tail for a machine on sequences or graphs.
fn machine_summary<K, S: Samples>(machine: &Machine<K, S>) -> String {
    match machine {
        Machine::Svm { model, .. } => format!(", {} support vectors", model.support_vectors.len()),
        Machine::KernelRidge(m) => format!(", alpha = {}", m.params.alpha),
        Machine::Gp(m) => format!(
            ", amplitude {:.4}, noise {:.4}, log marginal likelihood {:.4}",
            m.amplitude, m.noise, m.log_marginal_likelihood
        ),
        Machine::Gpc { model, .. } => {
            format!(", approximate log marginal likelihood {:.4}", model.log_marginal_likelihood())
        }
    }
}

/// The JSON report's fields for a machine on sequences or graphs.
fn machine_report<K, S: Samples>(machine: &Machine<K, S>, report: &mut Value) {
    match machine {
        Machine::Svm { model, classes } => svm_report(model, classes, report),
        Machine::KernelRidge(m) => report["alpha"] = json!(m.params.alpha),
        Machine::Gp(m) => {
            report["log_marginal_likelihood"] = json!(m.log_marginal_likelihood);
            report["hyperparameters"] = json!({ "amplitude": m.amplitude, "noise": m.noise });
            report["jitter"] = json!(m.jitter);
            report["evaluations"] = json!(m.evaluations);
        }
        Machine::Gpc { model, classes } => {
            let per_latent: Vec<Value> = model.latent.iter().map(|l| json!({ "amplitude": l.amplitude })).collect();
            report["classes"] = json!(classes);
            report["log_marginal_likelihood"] = json!(model.log_marginal_likelihood());
            report["hyperparameters"] =
                if per_latent.len() == 1 { per_latent[0].clone() } else { Value::Array(per_latent) };
            report["evaluations"] = json!(model.latent.iter().map(|l| l.evaluations).sum::<usize>());
        }
    }
}

/// An SVM's fields of the fit report: one entry per class pair in LIBSVM's
/// order, a scalar when there is one.
fn svm_report<K, S: Samples>(model: &SvmModel<K, S>, classes: &[String], report: &mut Value) {
    let per_pair = |f: fn(&PairInfo) -> Value| -> Value {
        let values: Vec<Value> = model.pairs.iter().map(f).collect();
        if values.len() == 1 { values[0].clone() } else { Value::Array(values) }
    };
    report["n_support"] = json!(model.support_vectors.len());
    report["objective"] = per_pair(|p| json!(p.objective));
    report["rho"] = per_pair(|p| json!(p.rho));
    report["iterations"] = per_pair(|p| json!(p.iterations));
    report["n_bounded_support"] = per_pair(|p| json!(p.n_bsv));
    if !classes.is_empty() {
        report["classes"] = json!(classes);
        report["n_support_per_class"] = json!(model.n_support);
    }
    if !model.prob_a.is_empty() {
        report["prob_a"] = json!(model.prob_a);
        report["prob_b"] = json!(model.prob_b);
    }
    if let Some(sigma) = model.laplace_scale {
        report["laplace_scale"] = json!(sigma);
    }
}

/// What a GP classifier reports: its classes, the approximate log marginal
/// likelihood (summed over latent functions) and the fitted hyperparameters
/// (one set per latent function when there are several).
pub(crate) fn gpc_report(model: &GpcModel, classes: &[String]) -> Value {
    let hyper = |l: &LatentGp| -> Value {
        Value::Object(l.kernel.hyperparameters().into_iter().map(|h| (h.name, json!(h.value))).collect())
    };
    let per_latent: Vec<Value> = model.latent.iter().map(hyper).collect();
    json!({
        "classes": classes,
        "log_marginal_likelihood": model.log_marginal_likelihood(),
        "hyperparameters": if per_latent.len() == 1 { per_latent[0].clone() } else { Value::Array(per_latent) },
        "evaluations": model.latent.iter().map(|l| l.evaluations).sum::<usize>(),
    })
}

/// Whether `--task gp` should classify: text labels, or exactly two values.
fn are_classes(labels: &Labels) -> bool {
    match labels {
        Labels::Text { .. } => true,
        Labels::Numeric(v) => {
            let first = v.first().copied();
            let second = v.iter().copied().find(|x| Some(*x) != first);
            second.is_some_and(|s| v.iter().all(|x| Some(*x) == first || *x == s))
        }
    }
}

/// The command-line name of a task.
pub(crate) fn task_name(task: TaskArg) -> &'static str {
    match task {
        TaskArg::Krr => "krr",
        TaskArg::Svc => "svc",
        TaskArg::Nusvc => "nusvc",
        TaskArg::Oneclass => "oneclass",
        TaskArg::Svr => "svr",
        TaskArg::Nusvr => "nusvr",
        TaskArg::Gp => "gp",
        TaskArg::Gpc => "gpc",
    }
}

/// What the labels are for a task.
pub(crate) enum Targets {
    /// Class names (LIBSVM's order) and each sample's class.
    Classes { names: Vec<String>, codes: Vec<usize> },
    /// Real targets.
    Values(Vec<f64>),
    /// None needed (one-class).
    Unlabelled,
}

impl Targets {
    /// The targets `task` needs from `labels` (read from `file`).
    pub(crate) fn new(t: &TrainArgs, labels: Option<&Labels>, file: &std::path::Path) -> Result<Self> {
        let labels = || labels.ok_or_else(|| Error::Data { file: file.to_path_buf(), kind: DataErrorKind::NoLabels });
        Ok(match t.task {
            TaskArg::Gp if labels().is_ok_and(are_classes) => Targets::new_classes(labels()?, file)?,
            TaskArg::Krr | TaskArg::Svr | TaskArg::Nusvr | TaskArg::Gp => {
                Targets::Values(labels()?.numeric(file)?.to_vec())
            }
            TaskArg::Svc | TaskArg::Nusvc | TaskArg::Gpc => Targets::new_classes(labels()?, file)?,
            TaskArg::Oneclass => Targets::Unlabelled,
        })
    }

    /// Class targets (at least two classes).
    ///
    /// `--task gp` treats labels as classes when they are text or take
    /// exactly two values (a regression on two values is rarely meant).
    fn new_classes(labels: &Labels, file: &std::path::Path) -> Result<Self> {
        let (names, codes) = class_codes(labels);
        if names.len() < 2 {
            return Err(Error::Data { file: file.to_path_buf(), kind: DataErrorKind::OneClass });
        }
        Ok(Targets::Classes { names, codes })
    }

    /// The targets of the samples at `rows`.
    pub(crate) fn select(&self, rows: &[usize]) -> Self {
        match self {
            Targets::Classes { names, codes } => {
                Targets::Classes { names: names.clone(), codes: rows.iter().map(|&i| codes[i]).collect() }
            }
            Targets::Values(v) => Targets::Values(rows.iter().map(|&i| v[i]).collect()),
            Targets::Unlabelled => Targets::Unlabelled,
        }
    }
}

/// Fits the estimator of `t.task` on `x` and its targets.
pub(crate) fn train(
    t: &TrainArgs,
    kernel: &VectorKernel,
    x: DataSet,
    targets: &Targets,
    par: Par,
) -> Result<Estimator> {
    if t.approx.approx != ApproxArg::None {
        if kernel.contains_precomputed() {
            return Err(Error::Usage("--approx needs a kernel on vectors, not --kernel precomputed".into()));
        }
        return super::approx::train_approx(t, kernel, &x, targets, par);
    }
    let n = x.n_samples();
    let mut estimator = match (t.task, targets) {
        (TaskArg::Gp, Targets::Values(y)) => {
            check_memory(n, t.max_memory)?;
            super::device::cpu_only(t, "a GP fitting its hyperparameters (gradient Grams)");
            let params = gp_params(t, kernel);
            Estimator::Gp(GpModel::fit(&params, x, y, par).map_err(kern_solvers::SolverError::from)?)
        }
        (TaskArg::Gp | TaskArg::Gpc, Targets::Classes { names, codes }) => {
            check_memory(n, t.max_memory)?;
            super::device::cpu_only(t, "GP classification");
            let (kernel, fit) = gp_kernel(t, kernel);
            let mut params = GaussianProcessClassifier::new(kernel);
            params.fit = fit;
            params.restarts = t.restarts;
            params.seed = t.seed;
            let model = GpcModel::fit(&params, x, codes, names.len(), par).map_err(kern_solvers::SolverError::from)?;
            Estimator::Gpc { model, classes: names.clone() }
        }
        _ => {
            // With --device gpu, the same solvers with their blocks through
            // the GPU; the model stores the plain kernel.
            let machine = match super::device::device_kernel(t, kernel) {
                Some(on_gpu) => {
                    let machine = train_machine(t, &on_gpu, x, targets, DataSet::select, par)?;
                    super::device::report(&on_gpu);
                    let plain = |k: kern_gpu::DeviceKernel| k.kernel().clone();
                    match machine {
                        Machine::Svm { model, classes } => Machine::Svm { model: model.map_kernel(plain), classes },
                        Machine::KernelRidge(m) => Machine::KernelRidge(m.map_kernel(plain)),
                        Machine::Gp(_) | Machine::Gpc { .. } => unreachable!("GPs on vectors are fitted above"),
                    }
                }
                None => train_machine(t, kernel, x, targets, DataSet::select, par)?,
            };
            match machine {
                Machine::Svm { model, classes } => Estimator::Svm { model, classes },
                Machine::KernelRidge(m) => Estimator::KernelRidge(m),
                Machine::Gp(_) | Machine::Gpc { .. } => unreachable!("GPs on vectors are fitted above"),
            }
        }
    };
    keep_ids_only(&mut estimator);
    Ok(estimator)
}

/// Fits an SVM, exact kernel ridge or GP model of `t.task` on samples of
/// any kind (`select` picks samples by index). A GP here fits only the
/// amplitude and noise (vectors take [`train`]'s GP, which fits the kernel's
/// own hyperparameters too).
pub(crate) fn train_machine<K: Kernel<S> + Clone, S: Samples>(
    t: &TrainArgs,
    kernel: &K,
    x: S,
    targets: &Targets,
    select: fn(&S, &[usize]) -> S,
    par: Par,
) -> Result<Machine<K, S>> {
    let n = x.len();
    Ok(match (t.task, targets) {
        (TaskArg::Krr, Targets::Values(y)) => {
            check_memory(n, t.max_memory)?;
            let y = Mat::from_fn(n, 1, |i, _| y[i]);
            match t.alpha {
                AlphaArg::Value(alpha) => {
                    let params = KernelRidge { alpha };
                    params.validate()?;
                    Machine::KernelRidge(KernelRidgeModel::fit(kernel.clone(), x, y.as_ref(), params, par)?)
                }
                AlphaArg::Auto => {
                    Machine::KernelRidge(KernelRidgeModel::fit_auto(kernel.clone(), x, y.as_ref(), par)?.0)
                }
            }
        }
        (TaskArg::Svc | TaskArg::Nusvc, Targets::Classes { names, codes }) => {
            let params = classifier_params(t, names)?;
            let model = kern_solvers::train_classifier(kernel, &x, codes, names.len(), &params, select, par)?;
            Machine::Svm { model, classes: names.clone() }
        }
        (TaskArg::Oneclass, _) => {
            let params = svm_params(t.task, &t.svm)?;
            let model = kern_solvers::train_one_class(kernel, &x, &params, select, par)?;
            Machine::Svm { model, classes: Vec::new() }
        }
        (TaskArg::Svr | TaskArg::Nusvr, Targets::Values(y)) => {
            let mut params = svm_params(t.task, &t.svm)?;
            params.seed = t.seed;
            let model = kern_solvers::train_regressor(kernel, &x, y, &params, select, par)?;
            Machine::Svm { model, classes: Vec::new() }
        }
        (TaskArg::Gp, Targets::Values(y)) => {
            check_memory(n, t.max_memory)?;
            let params = fixed_gp_params(t);
            Machine::Gp(FixedGpModel::fit(kernel.clone(), x, y, &params, par).map_err(SolverError::from)?)
        }
        (TaskArg::Gp | TaskArg::Gpc, Targets::Classes { names, codes }) => {
            check_memory(n, t.max_memory)?;
            let params = fixed_gp_params(t);
            let model =
                FixedGpcModel::fit(kernel.clone(), x, codes, names.len(), &params, par).map_err(SolverError::from)?;
            Machine::Gpc { model, classes: names.clone() }
        }
        (task, _) => {
            return Err(Error::Usage(format!("--task {} needs labels it can use", task_name(task))));
        }
    })
}

/// The SVM parameters of a classifier task (svc, nusvc) for classes `names`.
pub(crate) fn classifier_params(t: &TrainArgs, names: &[String]) -> Result<SvmParams> {
    let mut params = svm_params(t.task, &t.svm)?;
    params.seed = t.seed;
    params.class_weights = class_weights(&t.svm.class_weight, names)?;
    Ok(params)
}

/// A GP on a kernel without hyperparameters of its own (strings, graphs):
/// the amplitude and noise given on the command line are held, the others
/// fitted.
fn fixed_gp_params(t: &TrainArgs) -> FixedKernelGp {
    FixedKernelGp { amplitude: t.amplitude, noise: t.noise, ..FixedKernelGp::default() }
}

/// `amplitude × kernel + white noise`; a hyperparameter given on the command
/// line is held, the others are fitted from LIBSVM's defaults (amplitude and
/// noise from 1).
fn gp_params(t: &TrainArgs, base: &VectorKernel) -> GaussianProcess {
    let (kernel, mut fit) = gp_kernel(t, base);
    fit.push(t.noise.is_none());
    let mut params = GaussianProcess::new(kernel, t.noise.unwrap_or(1.0));
    params.fit = fit;
    params.restarts = t.restarts;
    params.seed = t.seed;
    params
}

/// `amplitude × kernel`, and which of its hyperparameters to fit (those not
/// given on the command line).
fn gp_kernel(t: &TrainArgs, base: &VectorKernel) -> (VectorKernel, Vec<bool>) {
    scaled_covariance(base.clone(), t.amplitude, |name| fitted_unless_given(&t.kernel, name))
}

/// `amplitude × base` (amplitude 1 when not given) and which of its
/// hyperparameters to fit: the amplitude when not given, then each of
/// `base`'s as `fitted(name)` says.
pub(crate) fn scaled_covariance(
    base: VectorKernel,
    amplitude: Option<f64>,
    fitted: impl Fn(&str) -> bool,
) -> (VectorKernel, Vec<bool>) {
    let mut fit = vec![amplitude.is_none()];
    fit.extend(base.hyperparameters().iter().map(|h| fitted(&h.name)));
    (VectorKernel::Scaled { scale: amplitude.unwrap_or(1.0), kernel: Box::new(base) }, fit)
}

/// Whether a named kernel's hyperparameter is fitted: gamma unless given, a
/// lengthscale unless it or gamma is given, anything else (coef0) held.
pub(crate) fn fitted_unless_given(k: &KernelArgs, name: &str) -> bool {
    if name.ends_with("gamma") {
        k.gamma.is_none()
    } else if name.ends_with("lengthscale") {
        k.gamma.is_none() && k.lengthscale.is_none()
    } else {
        false
    }
}

/// With `--kernel precomputed`, every row must carry its sample number.
pub(crate) fn check_precomputed(k: &KernelArgs, x: &DataSet, file: &std::path::Path) -> Result<()> {
    if k.kernel != KernelArg::Precomputed {
        return Ok(());
    }
    kern_kernels::check_precomputed_ids(x)
        .map_err(|e| Error::Data { file: file.to_path_buf(), kind: DataErrorKind::PrecomputedIds(e) })
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

/// Refuses an exact `n × n` kernel matrix larger than `--max-memory`.
pub(super) fn check_memory(n: usize, max_memory: Option<u64>) -> Result<()> {
    let limit = max_memory.unwrap_or_else(default_max_memory);
    let needed = (n as u64).saturating_mul(n as u64).saturating_mul(8);
    if needed > limit { Err(Error::TooLarge { n, needed, limit }) } else { Ok(()) }
}

fn svm_params(task: TaskArg, a: &SvmArgs) -> Result<SvmParams> {
    let kind = match task {
        TaskArg::Svc => SvmKind::CSvc { c: a.c },
        TaskArg::Nusvc => SvmKind::NuSvc { nu: a.nu },
        TaskArg::Oneclass => SvmKind::OneClass { nu: a.nu },
        TaskArg::Svr => SvmKind::EpsilonSvr { c: a.c, epsilon: a.epsilon },
        TaskArg::Nusvr => SvmKind::NuSvr { c: a.c, nu: a.nu },
        TaskArg::Krr | TaskArg::Gp | TaskArg::Gpc => unreachable!("not an SVM"),
    };
    if !(a.cache_mb.is_finite() && a.cache_mb > 0.0) {
        return Err(Error::Usage(format!("--cache-mb {} must be positive", a.cache_mb)));
    }
    let smo = SmoOptions {
        tol: a.tol,
        shrinking: !a.no_shrinking,
        cache_bytes: (a.cache_mb * (1 << 20) as f64) as usize,
        max_iter: a.max_iter,
        newton: !a.no_newton,
    };
    let params = SvmParams { smo, probability: a.probability, ..SvmParams::new(kind) };
    params.validate()?;
    Ok(params)
}

/// The canonical name of a label: numbers in Rust's shortest form (so `1.0`
/// and `+1` are the class `1`), text as it is.
pub(crate) fn label_name(text_or_number: &str) -> String {
    match text_or_number.parse::<f64>() {
        Ok(v) if v.is_finite() => v.to_string(),
        _ => text_or_number.to_string(),
    }
}

/// Class names and per-sample codes in LIBSVM's class order: order of first
/// appearance, except that a binary problem labelled −1/+1 puts +1 first.
pub(crate) fn class_codes(labels: &Labels) -> (Vec<String>, Vec<usize>) {
    let (mut names, mut codes): (Vec<String>, Vec<usize>) = match labels {
        Labels::Numeric(values) => {
            let mut names: Vec<String> = Vec::new();
            let mut index = std::collections::HashMap::new();
            let codes = values
                .iter()
                .map(|v| {
                    let name = v.to_string();
                    *index.entry(name.clone()).or_insert_with(|| {
                        names.push(name);
                        names.len() - 1
                    })
                })
                .collect();
            (names, codes)
        }
        Labels::Text { classes, codes, .. } => (classes.clone(), codes.iter().map(|&c| c as usize).collect()),
    };
    if names.len() == 2 && names[0] == "-1" && names[1] == "1" {
        names.swap(0, 1);
        codes.iter_mut().for_each(|c| *c = 1 - *c);
    }
    (names, codes)
}

/// `--class-weight LABEL=W` as one weight per class (1 where not given).
fn class_weights(specs: &[String], classes: &[String]) -> Result<Vec<f64>> {
    let mut weights = vec![1.0; classes.len()];
    for spec in specs {
        let usage = |why: &str| Error::Usage(format!("--class-weight {spec:?}: {why}"));
        let (label, w) = spec.split_once('=').ok_or_else(|| usage("expected LABEL=WEIGHT"))?;
        let w: f64 = w.trim().parse().map_err(|_| usage("the weight is not a number"))?;
        if !(w.is_finite() && w > 0.0) {
            return Err(usage("the weight must be positive"));
        }
        let name = label_name(label.trim());
        let k = classes
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| usage(&format!("no class {name:?} (classes: {})", classes.join(", "))))?;
        weights[k] = w;
    }
    Ok(weights)
}
