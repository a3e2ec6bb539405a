//! `kern info`: what a model file holds.

use serde_json::{Value, json};

use super::{InfoArgs, print_json};
use crate::error::Result;
use crate::model::{ApproxMap, Estimator, Machine, Model, load_model};

pub(super) fn run(args: &InfoArgs) -> Result<()> {
    let model = load_model(&args.model)?;
    let params = Value::Object(model.report());
    let scaling = model.input.scaling.as_ref().map(|s| s.describe());
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
            "n_targets": n_targets(&model),
            "input_format": model.input.format.name(),
            "scaling": scaling,
        }));
        return Ok(());
    }
    println!(
        "model file     {} (format version {}, written by kern {})",
        args.model.display(),
        model.format_version,
        model.kern_version
    );
    println!("task           {} ({})", model.task(), model.description());
    match &model.estimator {
        Estimator::Gp(m) => println!("kernel         {}", m.expression()),
        Estimator::FeatureGp(m) => {
            println!("kernel         {}", m.expression());
            println!("features       {} ({})", m.map.feature_map().n_components(), m.map.name());
        }
        Estimator::FeatureGpc { model: m, .. } => {
            println!("kernel         {}", model.kernel());
            println!("features       {} ({})", m.latent[0].map.feature_map().n_components(), m.latent[0].map.name());
        }
        Estimator::Sgpr(m) => {
            println!("kernel         {}", m.expression());
            let dense = m.dense_mean.as_ref().map(|d| format!(", the mean from {} centres", d.centers.n_samples()));
            let extra = dense.or(m.widened.map(|w| format!(", the hyperparameters fitted on {}", w.components)));
            println!("inducing       {} points{}", m.inducing.n_samples(), extra.unwrap_or_default());
        }
        _ => println!("kernel         {}", model.kernel()),
    }
    println!("parameters     {params}");
    let kept = match &model.estimator {
        Estimator::Svm { .. }
        | Estimator::Sequences { machine: Machine::Svm { .. }, .. }
        | Estimator::Graphs(Machine::Svm { .. }) => "support vectors",
        _ => "training set",
    };
    println!("{kept:<14} {} samples × {} features, stored {}", model.n_train(), model.n_features, storage(&model));
    println!("targets        {}", n_targets(&model));
    println!("input          {}", model.input.format.name());
    if let Some(how) = scaling {
        println!("scaling        features {how} (fitted on the training data, applied at predict)");
    }
    if let Some(names) = model.input.csv.as_ref().and_then(|c| c.feature_names()) {
        println!("features       {}", names.join(", "));
    }
    Ok(())
}

/// How the kept samples are stored.
fn storage(model: &Model) -> &'static str {
    let sparse = match &model.estimator {
        Estimator::KernelRidge(m) => m.train.is_sparse(),
        Estimator::Gp(m) => m.train.is_sparse(),
        Estimator::Sgpr(m) => m.inducing.is_sparse(),
        Estimator::FeatureGp(m) => map_is_sparse(&m.map),
        Estimator::FeatureGpc { model, .. } => map_is_sparse(&model.latent[0].map),
        Estimator::Gpc { model, .. } => model.train.is_sparse(),
        Estimator::Svm { model, .. } => model.support_vectors.is_sparse(),
        Estimator::Falkon { model, .. } => model.centers.is_sparse(),
        Estimator::Approx { map, .. } => map_is_sparse(map),
        Estimator::Sequences { .. } => return "as sequences",
        Estimator::Graphs(_) => return "as graphs",
    };
    if sparse { "sparse" } else { "dense" }
}

/// Targets the model predicts per sample.
fn n_targets(model: &Model) -> usize {
    match &model.estimator {
        Estimator::KernelRidge(m) => m.n_targets,
        Estimator::Falkon { model, .. } => model.n_targets,
        _ => 1,
    }
}

/// Whether a feature map keeps sparse landmarks.
fn map_is_sparse(map: &ApproxMap) -> bool {
    matches!(map, ApproxMap::Nystroem(m) if m.landmarks.is_sparse())
}
