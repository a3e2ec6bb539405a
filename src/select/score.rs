//! What cross-validation measures, and which score is best.

use super::fold_rows;
use crate::model::Prediction;
use crate::train::Targets;

/// What cross-validation measured: pooled over the out-of-fold predictions
/// (as LIBSVM's `-v` reports), and per fold.
#[derive(Clone, Debug, PartialEq)]
pub enum CvScore {
    /// Classification: the pooled accuracy and count right, accuracy per
    /// fold, and the pooled confusion matrix (other metrics derive from it).
    Accuracy { accuracy: f64, correct: usize, per_fold: Vec<f64>, confusion: Confusion },
    /// Regression: pooled mean squared error, R² and mean absolute error;
    /// MSE and MAE per fold.
    Error { mse: f64, r2: f64, mae: f64, per_fold: Vec<f64>, per_fold_mae: Vec<f64> },
}

impl CvScore {
    /// Scores `predictions[f]`, the predictions for the rows of fold `f` in
    /// order. A classifier's rows in no fold (`fold_of[i]` at least the
    /// number of folds: trained on in every fold) are left out of its score.
    pub fn new(targets: &Targets, fold_of: &[usize], predictions: Vec<Prediction>) -> Self {
        Self::weighted(targets, fold_of, predictions, None)
    }

    /// [`new`](Self::new), each sample counting with its weight in the
    /// accuracy, the confusion matrix, the mean squared error and R² (as
    /// scikit-learn's metrics with `sample_weight`); `correct` stays a count.
    pub fn weighted(
        targets: &Targets,
        fold_of: &[usize],
        predictions: Vec<Prediction>,
        weights: Option<&[f64]>,
    ) -> Self {
        let weight = |i: usize| weights.map_or(1.0, |w| w[i]);
        let n = fold_of.len();
        let mut classes_out = vec![usize::MAX; n];
        let mut values_out = vec![0.0; n];
        let mut per_fold = Vec::with_capacity(predictions.len());
        let mut per_fold_mae = Vec::new();
        for (f, prediction) in predictions.into_iter().enumerate() {
            let (test, _) = fold_rows(fold_of, f);
            per_fold.push(match (prediction, targets) {
                (Prediction::Classes(names, _), Targets::Classes { names: all, codes }) => {
                    // A name the training labels do not hold cannot be right: usize::MAX.
                    let code = |p: &String| all.iter().position(|a| a == p).unwrap_or(usize::MAX);
                    test.iter().zip(&names).for_each(|(&i, p)| classes_out[i] = code(p));
                    let right: f64 = test.iter().filter(|&&i| classes_out[i] == codes[i]).map(|&i| weight(i)).sum();
                    right / test.iter().map(|&i| weight(i)).sum::<f64>()
                }
                (Prediction::Values(v), Targets::Values(y)) => {
                    test.iter().enumerate().for_each(|(k, &i)| values_out[i] = v[(k, 0)]);
                    let yt: Vec<f64> = test.iter().map(|&i| y[i]).collect();
                    let wt: Option<Vec<f64>> = weights.map(|_| test.iter().map(|&i| weight(i)).collect());
                    per_fold_mae.push(weighted_mae(&yt, v.col_as_slice(0), wt.as_deref()));
                    weighted_mse(&yt, v.col_as_slice(0), wt.as_deref())
                }
                _ => unreachable!("predictions match the task"),
            });
        }
        match targets {
            Targets::Classes { names, codes } => {
                // Rows in no test fold (trained on in every fold) are not scored.
                let scored: Vec<usize> = (0..n).filter(|&i| fold_of[i] < per_fold.len()).collect();
                let pick = |v: &[usize]| scored.iter().map(|&i| v[i]).collect::<Vec<usize>>();
                let w: Option<Vec<f64>> = weights.map(|w| scored.iter().map(|&i| w[i]).collect());
                let confusion = Confusion::weighted(names.len(), &pick(codes), &pick(&classes_out), w.as_deref());
                let correct = scored.iter().filter(|&&i| classes_out[i] == codes[i]).count();
                CvScore::Accuracy { accuracy: confusion.accuracy(), correct, per_fold, confusion }
            }
            Targets::Values(y) => CvScore::Error {
                mse: weighted_mse(y, &values_out, weights),
                r2: weighted_r2(y, &values_out, weights),
                mae: weighted_mae(y, &values_out, weights),
                per_fold,
                per_fold_mae,
            },
            Targets::Unlabelled => unreachable!("cross-validation needs labels"),
        }
    }

    /// Higher is better: the accuracy, or minus the mean squared error (NaN worst).
    pub fn key(&self) -> f64 {
        self.key_by(Metric::Accuracy)
    }

    /// Higher is better: `metric` for classification (accuracy for a
    /// regression metric), for regression minus the mean absolute error
    /// when `metric` is [`Metric::AbsoluteError`], else minus the mean
    /// squared error (NaN worst).
    ///
    /// ```
    /// use kern::select::{CvScore, Metric};
    /// let s = CvScore::Error { mse: 4.0, r2: 0.5, mae: 1.5, per_fold: vec![4.0], per_fold_mae: vec![1.5] };
    /// assert_eq!(s.key_by(Metric::Accuracy), -4.0);
    /// assert_eq!(s.key_by(Metric::AbsoluteError), -1.5);
    /// ```
    pub fn key_by(&self, metric: Metric) -> f64 {
        let worst_if_nan = |v: f64| if v.is_nan() { f64::NEG_INFINITY } else { v };
        match self {
            CvScore::Accuracy { accuracy, confusion, .. } => match metric {
                Metric::Accuracy | Metric::AbsoluteError => *accuracy,
                Metric::BalancedAccuracy => confusion.balanced_accuracy(),
                Metric::F1 => confusion.f1(),
            },
            CvScore::Error { mae, .. } if metric == Metric::AbsoluteError => worst_if_nan(-mae),
            CvScore::Error { mse, .. } => worst_if_nan(-mse),
        }
    }

    /// The name of what [`key_by`](Self::key_by) scores with `metric`.
    pub fn metric_name(&self, metric: Metric) -> &'static str {
        match self {
            CvScore::Accuracy { .. } if metric == Metric::AbsoluteError => Metric::Accuracy.name(),
            CvScore::Accuracy { .. } => metric.name(),
            CvScore::Error { .. } if metric == Metric::AbsoluteError => metric.name(),
            CvScore::Error { .. } => "mse",
        }
    }

    /// Whether every out-of-fold prediction was one class although the
    /// labels hold several: a model that learnt the majority, not the data.
    pub fn predicts_one_class(&self) -> bool {
        matches!(self, CvScore::Accuracy { confusion, .. } if confusion.classes() > 1 && confusion.predicted_classes() <= 1)
    }

    /// The score per fold: accuracy, or the mean squared error.
    pub fn per_fold(&self) -> &[f64] {
        match self {
            CvScore::Accuracy { per_fold, .. } | CvScore::Error { per_fold, .. } => per_fold,
        }
    }

    /// The per-fold values of what `metric` scores: [`per_fold`](Self::per_fold),
    /// or for regression under [`Metric::AbsoluteError`] the mean absolute error.
    pub fn per_fold_by(&self, metric: Metric) -> &[f64] {
        match self {
            CvScore::Error { per_fold_mae, .. } if metric == Metric::AbsoluteError => per_fold_mae,
            _ => self.per_fold(),
        }
    }
}

/// What a search maximises (`--auto-metric`): for classifiers one of the
/// first three; regression minimises the mean squared error, or with
/// [`Metric::AbsoluteError`] the mean absolute error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Metric {
    /// The fraction right, as LIBSVM's grid.py.
    #[default]
    Accuracy,
    /// The mean of the per-class recalls: a majority-class model scores 1/k.
    BalancedAccuracy,
    /// Two classes: F1 of the rarer class; more: the mean of the per-class F1s (macro).
    F1,
    /// Regression: the mean absolute error, which a few far-off targets sway
    /// far less than the squared one.
    #[cfg_attr(feature = "cli", value(name = "mae"))]
    AbsoluteError,
}

impl Metric {
    /// The metric's name, as the option spells it.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced-accuracy",
            Metric::F1 => "f1",
            Metric::AbsoluteError => "mae",
        }
    }
}

/// Counts (or summed sample weights) of (true class, predicted class)
/// over the scored samples.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Confusion {
    classes: usize,
    /// Row-major `classes × classes`; a prediction outside the training
    /// classes counts in no column.
    counts: Vec<f64>,
    /// Every scored sample's count or weight, wherever it was predicted.
    total: f64,
}

impl Confusion {
    /// The confusion of `predicted` against `truth` (class codes below `classes`).
    pub fn new(classes: usize, truth: &[usize], predicted: &[usize]) -> Self {
        Self::weighted(classes, truth, predicted, None)
    }

    /// [`new`](Self::new), each sample counting with its weight.
    pub fn weighted(classes: usize, truth: &[usize], predicted: &[usize], weights: Option<&[f64]>) -> Self {
        let mut counts = vec![0.0; classes * classes];
        let mut total = 0.0;
        for (i, (&t, &p)) in truth.iter().zip(predicted).enumerate() {
            let w = weights.map_or(1.0, |w| w[i]);
            total += w;
            if t < classes && p < classes {
                counts[t * classes + p] += w;
            }
        }
        Self { classes, counts, total }
    }

    /// The (weighted) fraction predicted right.
    pub fn accuracy(&self) -> f64 {
        self.correct() / self.total
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Samples (or their summed weight) of class `t` predicted as `p`.
    pub fn count(&self, t: usize, p: usize) -> f64 {
        self.counts[t * self.classes + p]
    }

    /// Samples (or their summed weight) predicted right.
    pub fn correct(&self) -> f64 {
        (0..self.classes).map(|c| self.count(c, c)).sum()
    }

    /// How many classes were predicted at least once.
    pub fn predicted_classes(&self) -> usize {
        (0..self.classes).filter(|&p| (0..self.classes).any(|t| self.count(t, p) > 0.0)).count()
    }

    fn truth(&self, c: usize) -> f64 {
        (0..self.classes).map(|p| self.count(c, p)).sum()
    }

    fn predicted(&self, c: usize) -> f64 {
        (0..self.classes).map(|t| self.count(t, c)).sum()
    }

    /// The mean recall over the classes that occur (scikit-learn's `balanced_accuracy_score`).
    pub fn balanced_accuracy(&self) -> f64 {
        let present: Vec<usize> = (0..self.classes).filter(|&c| self.truth(c) > 0.0).collect();
        let recall: f64 = present.iter().map(|&c| self.count(c, c) / self.truth(c)).sum();
        recall / present.len().max(1) as f64
    }

    /// F1 of class `c`: 2·TP / (2·TP + FP + FN), 0 when the class is neither present nor predicted.
    pub fn f1_of(&self, c: usize) -> f64 {
        let tp = self.count(c, c);
        let denominator = self.truth(c) + self.predicted(c);
        if denominator == 0.0 { 0.0 } else { 2.0 * tp / denominator }
    }

    /// Two classes: F1 of the rarer (the second on a tie); more: the macro mean.
    pub fn f1(&self) -> f64 {
        match self.classes {
            0 | 1 => self.f1_of(0),
            2 => self.f1_of(if self.truth(0) < self.truth(1) { 0 } else { 1 }),
            k => (0..k).map(|c| self.f1_of(c)).sum::<f64>() / k as f64,
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

/// [`mean_and_std`], each value counting with its weight `w`.
///
/// ```
/// let (mean, sd) = kern::select::weighted_mean_and_std(&[0.0, 4.0], &[3.0, 1.0]);
/// assert_eq!((mean, sd), (1.0, 3f64.sqrt()));
/// ```
pub fn weighted_mean_and_std(v: &[f64], w: &[f64]) -> (f64, f64) {
    let total: f64 = w.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mean = v.iter().zip(w).map(|(v, w)| w * v).sum::<f64>() / total;
    (mean, (v.iter().zip(w).map(|(v, w)| w * (v - mean).powi(2)).sum::<f64>() / total).sqrt())
}

/// Mean of the squared errors.
pub fn mean_squared_error(y: &[f64], pred: &[f64]) -> f64 {
    weighted_mse(y, pred, None)
}

/// Coefficient of determination, as scikit-learn's `r2_score` (1 for a
/// perfect fit of constant targets, 0 for an imperfect one).
pub fn r2_score(y: &[f64], pred: &[f64]) -> f64 {
    weighted_r2(y, pred, None)
}

/// The mean squared error, each sample weighted (all 1 without weights).
fn weighted_mse(y: &[f64], pred: &[f64], weights: Option<&[f64]>) -> f64 {
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let total: f64 = (0..y.len()).map(w).sum();
    (0..y.len()).map(|i| w(i) * (y[i] - pred[i]) * (y[i] - pred[i])).sum::<f64>() / total
}

/// The mean absolute error, each sample weighted.
fn weighted_mae(y: &[f64], pred: &[f64], weights: Option<&[f64]>) -> f64 {
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let total: f64 = (0..y.len()).map(w).sum();
    (0..y.len()).map(|i| w(i) * (y[i] - pred[i]).abs()).sum::<f64>() / total
}

/// R², each sample weighted, about the weighted mean.
fn weighted_r2(y: &[f64], pred: &[f64], weights: Option<&[f64]>) -> f64 {
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let total: f64 = (0..y.len()).map(w).sum();
    let mean = (0..y.len()).map(|i| w(i) * y[i]).sum::<f64>() / total;
    let ss_tot: f64 = (0..y.len()).map(|i| w(i) * (y[i] - mean) * (y[i] - mean)).sum();
    let ss_res: f64 = (0..y.len()).map(|i| w(i) * (y[i] - pred[i]) * (y[i] - pred[i])).sum();
    if ss_tot == 0.0 { if ss_res == 0.0 { 1.0 } else { 0.0 } } else { 1.0 - ss_res / ss_tot }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row in no fold (trained on in every fold) counts in no score.
    #[test]
    fn rows_in_no_fold_are_not_scored() {
        let names: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let targets = Targets::Classes { names: names.clone(), codes: vec![0, 1, 0, 1, 2] };
        let predicted = |v: &[&str]| Prediction::Classes(v.iter().map(|s| s.to_string()).collect(), None);
        // Folds 0 and 1 hold rows 0, 2 and 1, 3; row 4 is in neither.
        let score = CvScore::new(&targets, &[0, 1, 0, 1, 2], vec![predicted(&["a", "b"]), predicted(&["b", "a"])]);
        let CvScore::Accuracy { accuracy, correct, confusion, .. } = score else { panic!("a classifier's score") };
        assert_eq!((accuracy, correct), (0.5, 2));
        assert_eq!(confusion.accuracy(), 0.5);
    }

    #[test]
    fn balanced_accuracy_and_f1_match_scikit_learns_definitions() {
        // Two classes; class 1 is the rarer: recalls 2/3 and 1/2, F1 of class 1 = 2/(2+2).
        let c = Confusion::new(2, &[0, 0, 0, 1, 1], &[0, 0, 1, 1, 0]);
        assert_eq!(c.correct(), 3.0);
        assert!((c.balanced_accuracy() - (2.0 / 3.0 + 0.5) / 2.0).abs() < 1e-15);
        assert!((c.f1() - 0.5).abs() < 1e-15);
        // Three classes: per-class F1 1, 0 and 0.8, macro mean 0.6.
        let c = Confusion::new(3, &[0, 1, 2, 2], &[0, 2, 2, 2]);
        assert!((c.f1() - 0.6).abs() < 1e-15);
        assert_eq!(c.predicted_classes(), 2);
        // A majority-class model: balanced accuracy 1/k, F1 of the rarer class 0.
        let c = Confusion::new(2, &[0, 0, 0, 1], &[0, 0, 0, 0]);
        assert_eq!((c.balanced_accuracy(), c.f1(), c.predicted_classes()), (0.5, 0.0, 1));
    }

    #[test]
    fn weighted_scores_match_scikit_learns_with_sample_weight() {
        // accuracy_score, balanced_accuracy_score, mean_squared_error and
        // r2_score of scikit-learn 1.9 with these weights: 2/3, 2/3, 0.75, 5/9.
        let c = Confusion::weighted(2, &[0, 0, 1], &[0, 1, 1], Some(&[1.0, 2.0, 3.0]));
        assert!((c.accuracy() - 2.0 / 3.0).abs() < 1e-15);
        assert!((c.balanced_accuracy() - 2.0 / 3.0).abs() < 1e-15);
        let (y, p, w) = ([1.0, 2.0, 4.0], [1.0, 3.0, 3.0], [1.0, 1.0, 2.0]);
        assert!((weighted_mse(&y, &p, Some(&w)) - 0.75).abs() < 1e-15);
        assert!((weighted_r2(&y, &p, Some(&w)) - 5.0 / 9.0).abs() < 1e-15);
        // Pooled over folds: each fold's share of the weight counts.
        let targets = Targets::Values(y.to_vec());
        let folds = [0, 1, 0];
        let predictions = |rows: &[usize]| Prediction::Values(faer::Mat::from_fn(rows.len(), 1, |k, _| p[rows[k]]));
        let score = CvScore::weighted(&targets, &folds, vec![predictions(&[0, 2]), predictions(&[1])], Some(&w));
        let CvScore::Error { mse, r2, per_fold, .. } = score else { panic!("a regression score") };
        assert!((mse - 0.75).abs() < 1e-15 && (r2 - 5.0 / 9.0).abs() < 1e-15);
        assert!((per_fold[0] - 2.0 / 3.0).abs() < 1e-15 && (per_fold[1] - 1.0).abs() < 1e-15);
    }
}
