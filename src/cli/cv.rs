//! `kern cv`: k-fold cross-validation of any task, folds stratified by class
//! for classifiers and seeded; a grid of one point.

use kern_kernels::Par;
use serde_json::{Value, json};

use super::args::read_weighted;
use super::progress::Progress;
use super::{CvArgs, print_json, print_notices};
use crate::error::Result;
use crate::select::{CvScore, grid_search, mean_and_std};

pub(super) fn run(args: &CvArgs, par: Par) -> Result<()> {
    let spec = args.train_args.spec()?;
    let data = read_weighted(&args.data_file, &args.data, &args.weights, &spec)?;
    let what = format!("kern cv: {} with {}", spec.task.name(), spec.kernel.name.name());
    let progress = Progress::bar(&what, args.folds as u64, args.run.quiet);
    let search = grid_search(std::slice::from_ref(&spec), &data, args.folds, par, &|| progress.inc());
    progress.finish();
    let search = search?;
    let n = data.n_weighed();
    let mut report =
        json!({ "task": spec.task.name(), "kernel": spec.kernel.name.name(), "folds": args.folds, "n_samples": n });
    let score = &search.scores[0];
    fields(score, &mut report);
    if !args.run.quiet {
        print_notices(&search.notices);
        let (mean, std) = mean_and_std(score.per_fold());
        match score {
            CvScore::Accuracy { accuracy, correct, .. } => eprintln!(
                "kern cv: {}-fold accuracy = {:.4} % ({correct}/{n}); per fold {:.2} ± {:.2} %",
                args.folds,
                100.0 * accuracy,
                100.0 * mean,
                100.0 * std
            ),
            CvScore::Error { mse, r2, .. } => eprintln!(
                "kern cv: {}-fold mse = {mse:.6}, r2 = {r2:.6}; per-fold mse {mean:.6} ± {std:.6}",
                args.folds
            ),
        }
    }
    if args.run.json {
        print_json(&report);
    }
    Ok(())
}

/// A score's fields in a JSON report: the pooled metric, per fold, and the
/// folds' standard deviation.
pub(super) fn fields(score: &CvScore, report: &mut Value) {
    let std = mean_and_std(score.per_fold()).1;
    match score {
        CvScore::Accuracy { accuracy, per_fold, .. } => {
            report["accuracy"] = json!(accuracy);
            report["accuracy_per_fold"] = json!(per_fold);
            report["accuracy_std"] = json!(std);
        }
        CvScore::Error { mse, r2, per_fold } => {
            report["mse"] = json!(mse);
            report["r2"] = json!(r2);
            report["mse_per_fold"] = json!(per_fold);
            report["mse_std"] = json!(std);
        }
    }
}
