//! `kern cv`: k-fold cross-validation of any task, folds stratified by class
//! for classifiers and seeded; a grid of one point.

use kern_kernels::Par;
use kern_solvers::collective::{Alone, Collective};
use serde_json::{Value, json};

use super::args::read_weighted;
use super::progress::Progress;
use super::{CvArgs, print_json, print_notices};
use crate::error::Result;
use crate::select::{CvScore, agree, grid_search_spread, mean_and_std, unscored_said};

pub(super) fn run(args: &CvArgs, par: Par) -> Result<()> {
    run_spread(args, par, &Alone)
}

/// `kern cv` with its fits spread over the processes of `collective`, each
/// reading all the data; process 0 reports.
pub(super) fn run_spread(args: &CvArgs, par: Par, collective: &dyn Collective) -> Result<()> {
    let spec = args.train_args.spec()?;
    let data = agree(collective, read_weighted(&args.data_file, &args.data, &args.weights, &spec))?;
    let what = format!("kern cv: {} with {}", spec.task.name(), spec.kernel.name.name());
    // A process counts only its own fits: the bar is shown alone.
    let progress = Progress::bar(&what, args.folds as u64, args.run.quiet || collective.size() > 1);
    let search =
        grid_search_spread(std::slice::from_ref(&spec), &data, args.folds, par, &|| progress.inc(), collective);
    progress.finish();
    let search = search?;
    if collective.rank() != 0 {
        return Ok(());
    }
    let n = data.n_weighed();
    let mut report =
        json!({ "task": spec.task.name(), "kernel": spec.kernel.name.name(), "folds": args.folds, "n_samples": n });
    let score = &search.scores[0];
    fields(score, &mut report);
    if search.unscored > 0 {
        report["unscored"] = json!(search.unscored);
    }
    if !args.run.quiet {
        print_notices(&search.notices);
        let (mean, std) = mean_and_std(score.per_fold());
        match score {
            CvScore::Accuracy { accuracy, correct, .. } => eprintln!(
                "kern cv: {}-fold accuracy = {:.4} % ({correct}/{}); per fold {:.2} ± {:.2} %{}",
                args.folds,
                100.0 * accuracy,
                n - search.unscored,
                100.0 * mean,
                100.0 * std,
                unscored_said(search.unscored)
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
        CvScore::Error { mse, r2, mae, per_fold, .. } => {
            report["mse"] = json!(mse);
            report["r2"] = json!(r2);
            report["mae"] = json!(mae);
            report["mse_per_fold"] = json!(per_fold);
            report["mse_std"] = json!(std);
        }
    }
}
