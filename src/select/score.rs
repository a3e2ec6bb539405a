//! What cross-validation measures, and which score is best.

use super::fold_rows;
use crate::model::Prediction;
use crate::train::Targets;

/// What cross-validation measured: pooled over the out-of-fold predictions
/// (as LIBSVM's `-v` reports), and per fold.
#[derive(Clone, Debug, PartialEq)]
pub enum CvScore {
    /// Classification: the pooled accuracy and count right, accuracy per fold.
    Accuracy { accuracy: f64, correct: usize, per_fold: Vec<f64> },
    /// Regression: pooled mean squared error and R², MSE per fold.
    Error { mse: f64, r2: f64, per_fold: Vec<f64> },
}

impl CvScore {
    /// Scores `predictions[f]`, the predictions for the rows of fold `f` in order.
    pub fn new(targets: &Targets, fold_of: &[usize], predictions: Vec<Prediction>) -> Self {
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
            Targets::Unlabelled => unreachable!("cross-validation needs labels"),
        }
    }

    /// Higher is better: the accuracy, or minus the mean squared error (NaN worst).
    pub fn key(&self) -> f64 {
        match self {
            CvScore::Accuracy { accuracy, .. } => *accuracy,
            CvScore::Error { mse, .. } if mse.is_nan() => f64::NEG_INFINITY,
            CvScore::Error { mse, .. } => -mse,
        }
    }

    /// The score per fold.
    pub fn per_fold(&self) -> &[f64] {
        match self {
            CvScore::Accuracy { per_fold, .. } | CvScore::Error { per_fold, .. } => per_fold,
        }
    }
}

/// The index of the best score (the first on ties).
pub fn best(scores: &[CvScore]) -> usize {
    argmax(scores.iter().map(CvScore::key))
}

/// The index of the highest of `keys`, NaN lowest, the first on ties (0 when empty).
pub fn argmax(keys: impl IntoIterator<Item = f64>) -> usize {
    let key = |k: f64| if k.is_nan() { f64::NEG_INFINITY } else { k };
    let mut best = (0, f64::NEG_INFINITY);
    for (i, k) in keys.into_iter().enumerate() {
        if i == 0 || key(k) > best.1 {
            best = (i, key(k));
        }
    }
    best.0
}

/// Mean and (population) standard deviation.
pub fn mean_and_std(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    (mean, (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len().max(1) as f64).sqrt())
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
