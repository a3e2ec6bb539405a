//! Model selection of any linfa estimator (kern's, or any other) on a
//! linfa [`Dataset`]: k-fold cross-validation and grid search with the
//! engine's folds ([`super::kfold`], [`super::stratified_kfold`]), so they compare on the
//! same folds as `kern cv --seed`. Scores are "higher is better":
//! [`accuracy`], [`neg_mean_squared_error`], [`r2`], or any closure.
//!
//! These are generic: each (candidate, fold) fit is independent, run in
//! parallel with rayon. [`crate::select::grid_search`] shares one kernel
//! matrix among the points of a kernel; these helpers do not.
//!
//! ```
//! use kern::select::linfa::{accuracy, grid_search};
//! use kern::select::stratified_kfold;
//! use kern::Svc;
//! use linfa::Dataset;
//! use ndarray::{Array1, Array2};
//!
//! // Two clusters on a line.
//! let x = Array2::from_shape_fn((40, 1), |(i, _)| if i % 2 == 0 { i as f64 / 40.0 } else { 3.0 + i as f64 / 40.0 });
//! let y: Array1<bool> = (0..40).map(|i| i % 2 == 0).collect();
//! let data = Dataset::new(x, y);
//! let folds = stratified_kfold(data.targets().as_slice().unwrap(), 5, 0);
//! let candidates: Vec<_> = [0.1, 1.0, 10.0].iter().map(|&c| Svc::params().c(c).gamma(0.5)).collect();
//! let search = grid_search(&candidates, &data, &folds, accuracy)?;
//! assert_eq!(search.scores.len(), 3);
//! assert!(search.scores[search.best].mean > 0.9);
//! # Ok::<(), kern::Error>(())
//! ```

use linfa::prelude::*;
use linfa::{Dataset, Float};
use ndarray::{Array1, Array2, ArrayView1, Axis, Ix1};
use rayon::prelude::*;

use super::{GridSearch, mean_and_std};

/// Cross-validated scores of one candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct CvScores {
    /// Each fold's score, fold 0 first.
    pub per_fold: Vec<f64>,
    /// Their mean.
    pub mean: f64,
    /// Their (population) standard deviation.
    pub std: f64,
}

impl CvScores {
    fn new(per_fold: Vec<f64>) -> Self {
        let (mean, std) = mean_and_std(&per_fold);
        Self { per_fold, mean, std }
    }
}

/// The share of predictions equal to the truth.
pub fn accuracy<T: PartialEq>(truth: ArrayView1<'_, T>, predicted: &Array1<T>) -> f64 {
    truth.iter().zip(predicted).filter(|(a, b)| a == b).count() as f64 / truth.len().max(1) as f64
}

/// Minus the mean squared error (so that higher is better).
pub fn neg_mean_squared_error<F: Float>(truth: ArrayView1<'_, F>, predicted: &Array1<F>) -> f64 {
    let sum: f64 = truth.iter().zip(predicted).map(|(a, b)| (*a - *b).to_f64().unwrap_or(f64::NAN).powi(2)).sum();
    -sum / truth.len().max(1) as f64
}

/// The coefficient of determination R².
pub fn r2<F: Float>(truth: ArrayView1<'_, F>, predicted: &Array1<F>) -> f64 {
    let y: Vec<f64> = truth.iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect();
    let p: Vec<f64> = predicted.iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect();
    super::r2_score(&y, &p)
}

/// Cross-validates `params` on `data` over the folds `fold_of` (one fold
/// number per sample, from [`super::kfold`] or [`super::stratified_kfold`]): fits on all
/// folds but one, scores the one left out with `score(truth, predicted)`.
///
/// Fails with the first fit's error, or with [`crate::Error::Usage`] when
/// `fold_of` does not match the data or a fold would train on nothing.
pub fn cross_validate<F, T, P, E>(
    params: &P,
    data: &Dataset<F, T, Ix1>,
    fold_of: &[usize],
    score: impl Fn(ArrayView1<'_, T>, &Array1<T>) -> f64 + Sync,
) -> Result<CvScores, E>
where
    F: Float,
    T: Clone + Send + Sync,
    P: Fit<Array2<F>, Array1<T>, E> + Sync,
    P::Object: PredictInplace<Array2<F>, Array1<T>>,
    E: std::error::Error + From<linfa::Error> + From<crate::Error> + Send,
{
    Ok(grid_search(std::slice::from_ref(params), data, fold_of, score)?.scores.remove(0))
}

/// Cross-validates every candidate in `candidates` (as [`cross_validate`]),
/// the (candidate, fold) fits in parallel, and picks the best mean score.
pub fn grid_search<F, T, P, E>(
    candidates: &[P],
    data: &Dataset<F, T, Ix1>,
    fold_of: &[usize],
    score: impl Fn(ArrayView1<'_, T>, &Array1<T>) -> f64 + Sync,
) -> Result<GridSearch<CvScores>, E>
where
    F: Float,
    T: Clone + Send + Sync,
    P: Fit<Array2<F>, Array1<T>, E> + Sync,
    P::Object: PredictInplace<Array2<F>, Array1<T>>,
    E: std::error::Error + From<linfa::Error> + From<crate::Error> + Send,
{
    let n = data.nsamples();
    if fold_of.len() != n || candidates.is_empty() {
        let why = format!("{} fold numbers for {n} samples and {} candidates", fold_of.len(), candidates.len());
        return Err(crate::Error::Usage(why).into());
    }
    let k = fold_of.iter().max().map_or(0, |m| m + 1);
    let folds: Vec<(Vec<usize>, Vec<usize>)> = (0..k)
        .map(|f| (0..n).partition(|&i| fold_of[i] == f))
        .filter(|(test, _): &(Vec<usize>, _)| !test.is_empty())
        .collect();
    if folds.len() < 2 {
        return Err(crate::Error::Usage(format!(
            "cross-validation needs at least 2 non-empty folds, got {}",
            folds.len()
        ))
        .into());
    }
    let split = |rows: &[usize]| -> Dataset<F, T, Ix1> {
        Dataset::new(data.records().select(Axis(0), rows), data.targets().select(Axis(0), rows))
    };
    let jobs: Vec<(usize, usize)> = (0..candidates.len()).flat_map(|c| (0..folds.len()).map(move |f| (c, f))).collect();
    let per_job = jobs
        .par_iter()
        .map(|&(c, f)| {
            let (test, train) = &folds[f];
            let model = candidates[c].fit(&split(train))?;
            let test = split(test);
            let mut predicted = model.default_target(test.records());
            model.predict_inplace(test.records(), &mut predicted);
            Ok(score(test.targets().view(), &predicted))
        })
        .collect::<Result<Vec<f64>, E>>()?;
    let scores: Vec<CvScores> = per_job.chunks(folds.len()).map(|s| CvScores::new(s.to_vec())).collect();
    let best = super::score::argmax(scores.iter().map(|s| s.mean));
    Ok(GridSearch { scores, best, notices: Vec::new(), unscored: 0 })
}
