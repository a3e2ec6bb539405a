//! `kern info`: what a model file holds.

use serde_json::json;

use super::{InfoArgs, print_json};
use crate::error::Result;
use crate::model::{Estimator, Machine, load_model};

pub(super) fn run(args: &InfoArgs) -> Result<()> {
    let model = load_model(&args.model)?;
    let (storage, n_targets, params) = match &model.estimator {
        Estimator::KernelRidge(m) => {
            (if m.train.is_sparse() { "sparse" } else { "dense" }, m.n_targets, json!({ "alpha": m.params.alpha }))
        }
        Estimator::Gp(m) => (
            if m.train.is_sparse() { "sparse" } else { "dense" },
            1,
            json!({
                "hyperparameters": m.hyperparameters().into_iter().map(|(k, v)| (k, json!(v))).collect::<serde_json::Map<_, _>>(),
                "log_marginal_likelihood": m.log_marginal_likelihood,
                "jitter": m.jitter,
            }),
        ),
        Estimator::Approx { map, head, .. } => {
            let storage = match map {
                crate::model::ApproxMap::Nystroem(m) if m.landmarks.is_sparse() => "sparse",
                _ => "dense",
            };
            (storage, 1, super::approx::approx_report(map, head))
        }
        Estimator::Falkon { model, classes } => (
            if model.centers.is_sparse() { "sparse" } else { "dense" },
            model.n_targets,
            super::approx::falkon_report(model, classes),
        ),
        Estimator::Gpc { model: m, classes } => {
            (if m.train.is_sparse() { "sparse" } else { "dense" }, 1, super::fit::gpc_report(m, classes))
        }
        Estimator::Sequences { machine, .. } => ("as sequences", 1, machine_params(machine)),
        Estimator::Graphs(machine) => ("as graphs", 1, machine_params(machine)),
        Estimator::Svm { model: m, classes } => (
            if m.support_vectors.is_sparse() { "sparse" } else { "dense" },
            1,
            json!({
                "svm": m.kind,
                "n_support": m.n_sv(),
                "n_support_per_class": m.n_support,
                "classes": classes,
                "rho": m.pairs.iter().map(|p| p.rho).collect::<Vec<_>>(),
            }),
        ),
    };
    if args.json {
        print_json(&json!({
            "format_version": model.format_version,
            "kern_version": model.kern_version,
            "task": model.task(),
            "kernel": model.kernel().name(),
            "kernel_params": model.kernel(),
            "params": params,
            "n_train": model.n_train(),
            "n_features": model.n_features,
            "n_targets": n_targets,
            "input_format": model.input.format.name(),
            "scaling": scaling_name(&model),
        }));
        return Ok(());
    }
    println!(
        "model file     {} (format version {}, written by kern {})",
        args.model.display(),
        model.format_version,
        model.kern_version
    );
    println!("task           {} ({})", model.task(), describe_task(&model.estimator));
    println!("kernel         {}", model.kernel());
    println!("parameters     {params}");
    let kept = match &model.estimator {
        Estimator::Svm { .. }
        | Estimator::Sequences { machine: Machine::Svm { .. }, .. }
        | Estimator::Graphs(Machine::Svm { .. }) => "support vectors",
        _ => "training set",
    };
    println!("{kept:<14} {} samples × {} features, stored {storage}", model.n_train(), model.n_features);
    println!("targets        {n_targets}");
    println!("input          {}", model.input.format.name());
    if let Some(how) = scaling_name(&model) {
        println!("scaling        features {how} (fitted on the training data, applied at predict)");
    }
    if let Some(names) = model.input.csv.as_ref().and_then(|c| c.feature_names()) {
        println!("features       {}", names.join(", "));
    }
    Ok(())
}

/// How the model scales its inputs, if it does.
fn scaling_name(model: &crate::model::Model) -> Option<&'static str> {
    Some(model.input.scaling.as_ref()?.describe())
}

/// The parameters of a machine on sequences or graphs.
fn machine_params<K, S: kern_kernels::Samples>(machine: &Machine<K, S>) -> serde_json::Value {
    match machine {
        Machine::Svm { model: m, classes } => json!({
            "svm": m.kind,
            "n_support": m.support_vectors.len(),
            "n_support_per_class": m.n_support,
            "classes": classes,
            "rho": m.pairs.iter().map(|p| p.rho).collect::<Vec<_>>(),
        }),
        Machine::KernelRidge(m) => json!({ "alpha": m.params.alpha }),
        Machine::Gp(m) => json!({
            "amplitude": m.amplitude,
            "noise": m.noise,
            "log_marginal_likelihood": m.log_marginal_likelihood,
        }),
        Machine::Gpc { model, classes } => json!({
            "classes": classes,
            "amplitude": model.latent.iter().map(|l| l.amplitude).collect::<Vec<_>>(),
            "log_marginal_likelihood": model.latent.iter().map(|l| l.log_marginal_likelihood).sum::<f64>(),
        }),
    }
}

fn describe_task(estimator: &Estimator) -> &'static str {
    match estimator {
        Estimator::Sequences { machine, .. } => describe_machine(machine),
        Estimator::Graphs(machine) => describe_machine(machine),
        Estimator::KernelRidge(_) => "exact kernel ridge regression",
        Estimator::Gp(_) => "Gaussian-process regression",
        Estimator::Gpc { .. } => "Gaussian-process classification (Laplace)",
        Estimator::Falkon { classes, .. } if classes.is_empty() => "Nyström kernel ridge (Falkon)",
        Estimator::Falkon { .. } => "Nyström kernel ridge classification (Falkon)",
        Estimator::Approx { head: crate::model::LinearHead::Ridge { .. }, .. } => "ridge regression on kernel features",
        Estimator::Approx { head: crate::model::LinearHead::Svm { .. }, .. } => "linear SVM on kernel features",
        Estimator::Approx { head: crate::model::LinearHead::Svr { .. }, .. } => "linear SVR on kernel features",
        Estimator::Approx { head: crate::model::LinearHead::RidgeClassifier { .. }, .. } => {
            "ridge classification on kernel features"
        }
        Estimator::Svm { model, .. } => describe_svm(&model.kind),
    }
}

fn describe_machine<K, S>(machine: &Machine<K, S>) -> &'static str {
    match machine {
        Machine::Svm { model, .. } => describe_svm(&model.kind),
        Machine::KernelRidge(_) => "exact kernel ridge regression",
        Machine::Gp(_) => "Gaussian-process regression (amplitude and noise fitted)",
        Machine::Gpc { .. } => "Gaussian-process classification (Laplace, amplitude fitted)",
    }
}

fn describe_svm(kind: &kern_solvers::SvmKind) -> &'static str {
    match kind {
        kern_solvers::SvmKind::CSvc { .. } => "C-SVM classification",
        kern_solvers::SvmKind::NuSvc { .. } => "nu-SVM classification",
        kern_solvers::SvmKind::OneClass { .. } => "one-class SVM",
        kern_solvers::SvmKind::EpsilonSvr { .. } => "epsilon-SVM regression",
        kern_solvers::SvmKind::NuSvr { .. } => "nu-SVM regression",
    }
}
