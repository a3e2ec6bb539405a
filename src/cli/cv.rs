//! `kern cv`: k-fold cross-validation of any task, folds stratified by class
//! for classifiers and seeded.

use kern_kernels::Par;
use rand::seq::SliceRandom;
use serde_json::json;

use super::fit::{Targets, train};
use super::predict::{Prediction, mean_squared_error, predict_estimator, r2_score};
use super::progress::Progress;
use super::{CvArgs, print_json};
use crate::error::{Error, Result};
use crate::io::read_data;
use crate::synthetic::rng;

pub(super) fn run(args: &CvArgs, par: Par) -> Result<()> {
    let t = &args.train_args;
    if t.task == super::TaskArg::Oneclass {
        return Err(Error::Usage(
            "kern cv scores predictions against labels: it does not apply to --task oneclass".into(),
        ));
    }
    if t.kernel.kernel.on_strings() || t.kernel.kernel.on_graphs() {
        return super::structured::cv(args, par);
    }
    let data = read_data(&args.data_file, &super::fit::training_read_options(&args.data, t))?;
    super::fit::check_precomputed(&t.kernel, &data.x, &args.data_file)?;
    let kernel = t.kernel.build(data.x.n_features())?;
    let targets = Targets::new(t, data.labels.as_ref(), &args.data_file)?;
    score_folds(args, kernel.name(), &targets, data.x.n_samples(), |train_rows, test| {
        let model = train(t, &kernel, data.x.select(train_rows), &targets.select(train_rows), par)?;
        predict_estimator(&model, &data.x.select(test), par)
    })
}

/// Fits on all folds but one and predicts the one left out, for each fold
/// in turn (`fit_predict(train_rows, test_rows)`), then reports.
pub(crate) fn score_folds(
    args: &CvArgs,
    kernel_name: &str,
    targets: &Targets,
    n: usize,
    mut fit_predict: impl FnMut(&[usize], &[usize]) -> Result<Prediction>,
) -> Result<()> {
    let t = &args.train_args;
    check_folds(args.folds, n)?;
    let fold_of = assign_folds(targets, n, args.folds, t.seed);
    let what = format!("kern cv: {} with {kernel_name}", super::fit::task_name(t.task));
    let progress = Progress::bar(&what, args.folds as u64, args.run.quiet);
    let predictions = (0..args.folds)
        .map(|f| {
            let (test, train_rows) = fold_rows(&fold_of, f);
            let p = fit_predict(&train_rows, &test);
            progress.inc();
            p
        })
        .collect::<Result<Vec<_>>>();
    progress.finish();
    let predictions = predictions?;
    let score = CvScore::new(targets, &fold_of, predictions);
    let mut report =
        json!({ "task": super::fit::task_name(t.task), "kernel": kernel_name, "folds": args.folds, "n_samples": n });
    match score {
        CvScore::Accuracy { accuracy, correct, ref per_fold } => {
            let (mean, std) = mean_and_std(per_fold);
            report["accuracy"] = json!(accuracy);
            report["accuracy_per_fold"] = json!(per_fold);
            report["accuracy_std"] = json!(std);
            if !args.run.quiet {
                eprintln!(
                    "kern cv: {}-fold accuracy = {:.4} % ({correct}/{n}); per fold {:.2} ± {:.2} %",
                    args.folds,
                    100.0 * accuracy,
                    100.0 * mean,
                    100.0 * std
                );
            }
        }
        CvScore::Error { mse, r2, ref per_fold } => {
            let (mean, std) = mean_and_std(per_fold);
            report["mse"] = json!(mse);
            report["r2"] = json!(r2);
            report["mse_per_fold"] = json!(per_fold);
            report["mse_std"] = json!(std);
            if !args.run.quiet {
                eprintln!(
                    "kern cv: {}-fold mse = {mse:.6}, r2 = {r2:.6}; per-fold mse {mean:.6} ± {std:.6}",
                    args.folds
                );
            }
        }
    }
    if args.run.json {
        print_json(&report);
    }
    Ok(())
}

/// Refuses fold counts below 2 or above the number of samples.
pub(crate) fn check_folds(folds: usize, n: usize) -> Result<()> {
    if folds < 2 || folds > n {
        return Err(Error::Usage(format!("--folds {folds} must be between 2 and the {n} samples")));
    }
    Ok(())
}

/// The rows of fold `f` and the rest: `(test, train)`.
pub(crate) fn fold_rows(fold_of: &[usize], f: usize) -> (Vec<usize>, Vec<usize>) {
    (0..fold_of.len()).partition(|&i| fold_of[i] == f)
}

/// Mean and (population) standard deviation.
pub(crate) fn mean_and_std(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    (mean, (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len().max(1) as f64).sqrt())
}

/// What cross-validation measured: pooled over the out-of-fold predictions
/// (as LIBSVM's `-v` reports), and per fold.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CvScore {
    /// Classification: the pooled accuracy and count right, accuracy per fold.
    Accuracy { accuracy: f64, correct: usize, per_fold: Vec<f64> },
    /// Regression: pooled mean squared error and R², MSE per fold.
    Error { mse: f64, r2: f64, per_fold: Vec<f64> },
}

impl CvScore {
    /// Scores `predictions[f]`, the predictions for the rows of fold `f` in order.
    pub(crate) fn new(targets: &Targets, fold_of: &[usize], predictions: Vec<Prediction>) -> Self {
        let n = fold_of.len();
        let mut classes_out = vec![String::new(); n];
        let mut values_out = vec![0.0; n];
        let mut per_fold = Vec::with_capacity(predictions.len());
        for (f, prediction) in predictions.into_iter().enumerate() {
            let (test, _) = fold_rows(fold_of, f);
            per_fold.push(match (prediction, targets) {
                (Prediction::Classes(names, _), Targets::Classes { names: all, codes }) => {
                    let correct = test.iter().zip(&names).filter(|&(&i, p)| *p == all[codes[i]]).count();
                    test.iter().zip(names).for_each(|(&i, p)| classes_out[i] = p);
                    correct as f64 / test.len() as f64
                }
                (Prediction::Values(v), Targets::Values(y)) => {
                    test.iter().enumerate().for_each(|(k, &i)| values_out[i] = v[(k, 0)]);
                    let (yt, pt): (Vec<f64>, Vec<f64>) =
                        test.iter().enumerate().map(|(k, &i)| (y[i], v[(k, 0)])).unzip();
                    mean_squared_error(&yt, &pt)
                }
                _ => unreachable!("predictions match the task"),
            });
        }
        match targets {
            Targets::Classes { names, codes } => {
                let correct = (0..n).filter(|&i| classes_out[i] == names[codes[i]]).count();
                CvScore::Accuracy { accuracy: correct as f64 / n as f64, correct, per_fold }
            }
            Targets::Values(y) => {
                CvScore::Error { mse: mean_squared_error(y, &values_out), r2: r2_score(y, &values_out), per_fold }
            }
            Targets::Unlabelled => unreachable!("cv needs labels"),
        }
    }
}

/// The fold of each sample: classes are shuffled (seeded) and dealt round
/// robin, so every fold keeps the class proportions to within one sample.
pub(crate) fn assign_folds(targets: &Targets, n: usize, folds: usize, seed: u64) -> Vec<usize> {
    let mut rng = rng(seed);
    let groups: Vec<Vec<usize>> = match targets {
        Targets::Classes { names, codes } => {
            (0..names.len()).map(|c| (0..n).filter(|&i| codes[i] == c).collect()).collect()
        }
        _ => vec![(0..n).collect()],
    };
    let mut fold_of = vec![0; n];
    let mut next = 0;
    for mut group in groups {
        group.shuffle(&mut rng);
        for i in group {
            fold_of[i] = next % folds;
            next += 1;
        }
    }
    fold_of
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_and_seeded() {
        // 3 classes of 50, 31 and 19 samples, interleaved.
        let codes: Vec<usize> = (0..100)
            .map(|i| {
                if i % 2 == 0 {
                    0
                } else if i % 5 == 1 {
                    2
                } else {
                    1
                }
            })
            .collect();
        let counts: Vec<usize> = (0..3).map(|c| codes.iter().filter(|&&k| k == c).count()).collect();
        let targets = Targets::Classes { names: vec!["a".into(), "b".into(), "c".into()], codes: codes.clone() };
        let folds = assign_folds(&targets, 100, 5, 7);
        for f in 0..5 {
            for c in 0..3 {
                let in_fold = (0..100).filter(|&i| folds[i] == f && codes[i] == c).count() as f64;
                let expected = counts[c] as f64 / 5.0;
                assert!((in_fold - expected).abs() <= 1.0, "fold {f} class {c}: {in_fold} vs {expected}");
            }
        }
        assert_eq!(folds, assign_folds(&targets, 100, 5, 7));
        assert_ne!(folds, assign_folds(&targets, 100, 5, 8));
    }
}
