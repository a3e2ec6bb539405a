//! What a model says about itself: the fields of `kern fit --json` and
//! `kern info --json`, the summary line, a description in words.

use kern_kernels::Samples;
use kern_solvers::gp::{FeatureLatent, GpcModel, LatentGp};
use kern_solvers::linear::LinearSvmLoss;
use kern_solvers::{PairInfo, SvmKind, SvmModel};
use serde_json::{Map, Value, json};

use super::{ApproxMap, Estimator, LinearHead, Machine, Model};

impl Model {
    /// The estimator's fields of a report (LIBSVM's sign conventions; one
    /// entry per class pair in LIBSVM's order, a scalar when there is one).
    pub fn report(&self) -> Map<String, Value> {
        let mut r = Map::new();
        match &self.estimator {
            Estimator::KernelRidge(m) => ridge_report(m.params.alpha, &m.target_mean, &mut r),
            Estimator::Gp(m) => {
                let hyper: Map<String, Value> = m.hyperparameters().into_iter().map(|(k, v)| (k, json!(v))).collect();
                put(&mut r, "log_marginal_likelihood", json!(m.log_marginal_likelihood));
                put(&mut r, "kernel_expression", json!(m.expression().to_string()));
                put(&mut r, "hyperparameters", Value::Object(hyper));
                put(&mut r, "jitter", json!(m.jitter));
                put(&mut r, "evaluations", json!(m.evaluations));
            }
            Estimator::Sgpr(m) => {
                let hyper: Map<String, Value> = m.hyperparameters().into_iter().map(|(k, v)| (k, json!(v))).collect();
                put(&mut r, "approx", json!("sgpr"));
                put(&mut r, "components", json!(m.inducing.n_samples()));
                put(&mut r, "elbo", json!(m.elbo));
                put(&mut r, "kernel_expression", json!(m.expression().to_string()));
                put(&mut r, "hyperparameters", Value::Object(hyper));
                put(&mut r, "jitter", json!(m.jitter));
                put(&mut r, "evaluations", json!(m.evaluations));
                if let Some(fit) = &m.widened {
                    put(&mut r, "fit_components", json!(fit.components));
                    put(&mut r, "fit_noise", json!(fit.noise));
                }
                if let Some(dense) = &m.dense_mean {
                    put(&mut r, "mean_components", json!(dense.centers.n_samples()));
                    put(&mut r, "mean_iterations", json!(dense.iterations));
                }
            }
            Estimator::Gpc { model, classes } => gpc_report(model, classes, &mut r),
            Estimator::FeatureGp(m) => {
                let hyper: Map<String, Value> = m.hyperparameters().into_iter().map(|(k, v)| (k, json!(v))).collect();
                map_report(&m.map, &mut r);
                put(&mut r, "log_marginal_likelihood", json!(m.log_marginal_likelihood));
                put(&mut r, "kernel_expression", json!(m.expression().to_string()));
                put(&mut r, "hyperparameters", Value::Object(hyper));
                put(&mut r, "evaluations", json!(m.evaluations));
            }
            Estimator::FeatureGpc { model, classes } => {
                let hyper = |l: &FeatureLatent| -> Value {
                    Value::Object(l.kernel.hyperparameters().into_iter().map(|h| (h.name, json!(h.value))).collect())
                };
                map_report(&model.latent[0].map, &mut r);
                put(&mut r, "classes", json!(classes));
                put(&mut r, "log_marginal_likelihood", json!(model.log_marginal_likelihood()));
                put(&mut r, "hyperparameters", one_or_list(model.latent.iter().map(hyper).collect()));
                put(&mut r, "evaluations", json!(model.latent.iter().map(|l| l.evaluations).sum::<usize>()));
            }
            Estimator::Approx { map, head, .. } => approx_report(map, head, &mut r),
            Estimator::Falkon { model, classes } => {
                put(&mut r, "approx", json!("falkon"));
                put(&mut r, "components", json!(model.centers.n_samples()));
                put(&mut r, "iterations", json!(model.iterations));
                put(&mut r, "relative_residuals", json!(model.relative_residuals));
                target_mean_report(&model.target_mean, &mut r);
                if let Some(stopped) = model.stopped_because {
                    put(&mut r, "stopped_because", json!(stopped.name()));
                }
                if !classes.is_empty() {
                    put(&mut r, "classes", json!(classes));
                }
            }
            Estimator::Svm { model, classes } => svm_report(model, classes, &mut r),
            Estimator::Sequences { machine, .. } => machine_report(machine, &mut r),
            Estimator::Graphs(machine) => machine_report(machine, &mut r),
        }
        r
    }

    /// The tail of the `kern fit` summary line: what the fit found.
    pub fn summary(&self) -> String {
        match &self.estimator {
            Estimator::Svm { model, .. } => format!(", {} support vectors", model.n_sv()),
            Estimator::KernelRidge(m) => ridge_summary(m.params.alpha, &m.target_mean),
            Estimator::Gp(m) => format!(", log marginal likelihood {:.4}", m.log_marginal_likelihood),
            Estimator::Sgpr(m) => {
                let dense = m.dense_mean.as_ref().map(|d| format!(", the mean from {} centres", d.centers.n_samples()));
                let extra = dense.or(m.widened.map(|w| format!(", fitted on {}", w.components)));
                format!(
                    ", {} inducing points, bound {:.4} (sgpr){}",
                    m.inducing.n_samples(),
                    m.elbo,
                    extra.unwrap_or_default()
                )
            }
            Estimator::Gpc { model, .. } => {
                format!(", approximate log marginal likelihood {:.4}", model.log_marginal_likelihood())
            }
            Estimator::FeatureGp(m) => format!(
                ", {} features ({}), log marginal likelihood {:.4}",
                m.map.feature_map().n_components(),
                m.map.name(),
                m.log_marginal_likelihood
            ),
            Estimator::FeatureGpc { model, .. } => format!(
                ", {} features ({}), approximate log marginal likelihood {:.4}",
                model.latent[0].map.feature_map().n_components(),
                model.latent[0].map.name(),
                model.log_marginal_likelihood()
            ),
            Estimator::Approx { map, .. } => {
                format!(", {} features ({})", map.feature_map().n_components(), map.name())
            }
            Estimator::Falkon { model, .. } => format!(
                ", {} centres, {} conjugate-gradient iterations (falkon){}",
                model.centers.n_samples(),
                model.iterations,
                centred_summary(&model.target_mean)
            ),
            Estimator::Sequences { machine, .. } => machine_summary(machine),
            Estimator::Graphs(machine) => machine_summary(machine),
        }
    }

    /// Whether an iterative solver stopped at its iteration limit before converging.
    pub fn reached_iteration_limit(&self) -> bool {
        match &self.estimator {
            Estimator::Svm { model, .. } => model.pairs.iter().any(|p| p.reached_max_iter),
            Estimator::Sequences { machine: Machine::Svm { model, .. }, .. } => {
                model.pairs.iter().any(|p| p.reached_max_iter)
            }
            Estimator::Graphs(Machine::Svm { model, .. }) => model.pairs.iter().any(|p| p.reached_max_iter),
            Estimator::Approx { head: LinearHead::Svm { model, .. }, .. } => !model.converged,
            Estimator::Approx { head: LinearHead::Svr { model }, .. } => !model.converged,
            Estimator::Falkon { model, .. } => {
                model.stopped_because == Some(kern_solvers::falkon::Stopped::IterationLimit)
            }
            _ => false,
        }
    }

    /// The task in words.
    pub fn description(&self) -> &'static str {
        match &self.estimator {
            Estimator::Sequences { machine, .. } => describe_machine(machine),
            Estimator::Graphs(machine) => describe_machine(machine),
            Estimator::KernelRidge(_) => "exact kernel ridge regression",
            Estimator::Gp(_) => "Gaussian-process regression",
            Estimator::Sgpr(_) => "sparse Gaussian-process regression (Titsias' collapsed bound)",
            Estimator::Gpc { .. } => "Gaussian-process classification (Laplace)",
            Estimator::FeatureGp(_) => "Gaussian-process regression on kernel features (weight space)",
            Estimator::FeatureGpc { .. } => {
                "Gaussian-process classification on kernel features (Laplace, weight space)"
            }
            Estimator::Falkon { classes, .. } if classes.is_empty() => "Nyström kernel ridge (Falkon)",
            Estimator::Falkon { .. } => "Nyström kernel ridge classification (Falkon)",
            Estimator::Approx { head, .. } => match head {
                LinearHead::Ridge { .. } => "ridge regression on kernel features",
                LinearHead::Svm { .. } => "linear SVM on kernel features",
                LinearHead::Svr { .. } => "linear SVR on kernel features",
                LinearHead::RidgeClassifier { .. } => "ridge classification on kernel features",
            },
            Estimator::Svm { model, .. } => describe_svm(&model.kind),
        }
    }
}

fn put(report: &mut Map<String, Value>, key: &str, value: Value) {
    report.insert(key.to_string(), value);
}

/// The report fields of a machine on sequences or graphs.
fn machine_report<K, S: Samples>(machine: &Machine<K, S>, r: &mut Map<String, Value>) {
    match machine {
        Machine::Svm { model, classes } => svm_report(model, classes, r),
        Machine::KernelRidge(m) => ridge_report(m.params.alpha, &m.target_mean, r),
        Machine::Gp(m) => {
            put(r, "log_marginal_likelihood", json!(m.log_marginal_likelihood));
            put(r, "hyperparameters", json!({ "amplitude": m.amplitude, "noise": m.noise }));
            put(r, "jitter", json!(m.jitter));
            put(r, "evaluations", json!(m.evaluations));
        }
        Machine::Gpc { model, classes } => {
            let per_latent: Vec<Value> = model.latent.iter().map(|l| json!({ "amplitude": l.amplitude })).collect();
            put(r, "classes", json!(classes));
            put(r, "log_marginal_likelihood", json!(model.log_marginal_likelihood()));
            put(r, "hyperparameters", one_or_list(per_latent));
            put(r, "evaluations", json!(model.latent.iter().map(|l| l.evaluations).sum::<usize>()));
        }
    }
}

/// Kernel ridge's report fields: α, and the targets' mean where centred.
fn ridge_report(alpha: f64, target_mean: &[f64], r: &mut Map<String, Value>) {
    put(r, "alpha", json!(alpha));
    target_mean_report(target_mean, r);
}

/// `target_mean` (one or a list) where the targets were centred.
fn target_mean_report(target_mean: &[f64], r: &mut Map<String, Value>) {
    if !target_mean.is_empty() {
        put(r, "target_mean", one_or_list(target_mean.iter().map(|m| json!(m)).collect()));
    }
}

/// Kernel ridge's summary tail.
fn ridge_summary(alpha: f64, target_mean: &[f64]) -> String {
    format!(", alpha = {alpha}{}", centred_summary(target_mean))
}

/// ", targets centred at M" where they were.
fn centred_summary(target_mean: &[f64]) -> String {
    match target_mean {
        [] => String::new(),
        [m] => format!(", targets centred at {m:.6e}"),
        means => format!(", {} targets centred at their means", means.len()),
    }
}

/// A list with one entry as the entry itself.
fn one_or_list(mut values: Vec<Value>) -> Value {
    if values.len() == 1 { values.remove(0) } else { Value::Array(values) }
}

/// An SVM's report fields.
fn svm_report<K, S: Samples>(model: &SvmModel<K, S>, classes: &[String], r: &mut Map<String, Value>) {
    let per_pair = |f: fn(&PairInfo) -> Value| one_or_list(model.pairs.iter().map(f).collect());
    put(r, "svm", json!(model.kind));
    put(r, "n_support", json!(model.support_vectors.len()));
    put(r, "objective", per_pair(|p| json!(p.objective)));
    put(r, "rho", per_pair(|p| json!(p.rho)));
    put(r, "iterations", per_pair(|p| json!(p.iterations)));
    put(r, "n_bounded_support", per_pair(|p| json!(p.n_bsv)));
    if !classes.is_empty() {
        put(r, "classes", json!(classes));
        put(r, "n_support_per_class", json!(model.n_support));
    }
    if !model.prob_a.is_empty() {
        put(r, "prob_a", json!(model.prob_a));
        put(r, "prob_b", json!(model.prob_b));
    }
    if let Some(sigma) = model.laplace_scale {
        put(r, "laplace_scale", json!(sigma));
    }
}

/// A GP classifier's report fields: its classes, the approximate log
/// marginal likelihood (summed over latent functions) and the fitted
/// hyperparameters (one set per latent function when there are several).
fn gpc_report(model: &GpcModel, classes: &[String], r: &mut Map<String, Value>) {
    let hyper = |l: &LatentGp| -> Value {
        Value::Object(l.kernel.hyperparameters().into_iter().map(|h| (h.name, json!(h.value))).collect())
    };
    put(r, "classes", json!(classes));
    put(r, "log_marginal_likelihood", json!(model.log_marginal_likelihood()));
    put(r, "hyperparameters", one_or_list(model.latent.iter().map(hyper).collect()));
    put(r, "evaluations", json!(model.latent.iter().map(|l| l.evaluations).sum::<usize>()));
}

/// A feature map's report fields.
fn map_report(map: &ApproxMap, r: &mut Map<String, Value>) {
    put(r, "approx", json!(map.name()));
    put(r, "components", json!(map.feature_map().n_components()));
    if let ApproxMap::Nystroem(m) = map {
        put(r, "landmarks", json!(m.landmarks.n_samples()));
    }
}

/// An approximate model's report fields.
fn approx_report(map: &ApproxMap, head: &LinearHead, r: &mut Map<String, Value>) {
    map_report(map, r);
    match head {
        LinearHead::Ridge { alpha, target_mean, .. } => ridge_report(*alpha, target_mean, r),
        LinearHead::Svm { model, classes } => {
            put(r, "classes", json!(classes));
            put(r, "iterations", json!(model.iterations));
            put(r, "converged", json!(model.converged));
        }
        LinearHead::Svr { model } => {
            let loss = match model.loss {
                LinearSvmLoss::Hinge => "hinge",
                LinearSvmLoss::SquaredHinge => "squared-hinge",
            };
            put(r, "loss", json!(loss));
            put(r, "iterations", json!(model.iterations));
            put(r, "converged", json!(model.converged));
        }
        LinearHead::RidgeClassifier { alpha, classes, .. } => {
            put(r, "loss", json!("squared"));
            put(r, "alpha", json!(alpha));
            put(r, "classes", json!(classes));
        }
    }
}

/// The summary line's tail for a machine on sequences or graphs.
fn machine_summary<K, S: Samples>(machine: &Machine<K, S>) -> String {
    match machine {
        Machine::Svm { model, .. } => format!(", {} support vectors", model.support_vectors.len()),
        Machine::KernelRidge(m) => ridge_summary(m.params.alpha, &m.target_mean),
        Machine::Gp(m) => format!(
            ", amplitude {:.4}, noise {:.4}, log marginal likelihood {:.4}",
            m.amplitude, m.noise, m.log_marginal_likelihood
        ),
        Machine::Gpc { model, .. } => {
            format!(", approximate log marginal likelihood {:.4}", model.log_marginal_likelihood())
        }
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

fn describe_svm(kind: &SvmKind) -> &'static str {
    match kind {
        SvmKind::CSvc { .. } => "C-SVM classification",
        SvmKind::NuSvc { .. } => "nu-SVM classification",
        SvmKind::OneClass { .. } => "one-class SVM",
        SvmKind::EpsilonSvr { .. } => "epsilon-SVM regression",
        SvmKind::NuSvr { .. } => "nu-SVM regression",
    }
}
