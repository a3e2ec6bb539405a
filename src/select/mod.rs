//! Model selection, in one home: folds, scores, typed grid axes, the
//! (point × fold) scheduler that shares one Gram matrix per kernel, and
//! `--auto`'s coarse-to-fine search. A cross-validation is a grid of one
//! point: `kern cv` and `kern grid` run the same code and score the same.
//!
//! ```
//! use kern::io::{Data, Inputs, Labels};
//! use kern::select::{CvScore, grid_points, grid_search, parse_axis};
//! use kern::train::{FitSpec, Task};
//! use kern::{DataSet, DenseMatrix, Par};
//!
//! // Two classes on a line.
//! let rows: Vec<Vec<f64>> = (0..40).map(|i| vec![i as f64 / 40.0 + if i % 2 == 0 { 0.0 } else { 3.0 }]).collect();
//! let labels = Labels::Numeric((0..40).map(|i| (i % 2) as f64).collect());
//! let data = Data::new(Inputs::Vectors(DataSet::from(DenseMatrix::from_rows(&rows).unwrap())), Some(labels));
//! let points = grid_points(&FitSpec::new(Task::Svc), &[parse_axis("c=0.1,1,10").unwrap()])?;
//! let specs: Vec<FitSpec> = points.into_iter().map(|(_, spec)| spec).collect();
//! let search = grid_search(&specs, &data, 5, Par::Seq, &|| ())?;
//! assert!(matches!(search.scores[search.best], CvScore::Accuracy { accuracy, .. } if accuracy > 0.9));
//! # Ok::<(), kern::Error>(())
//! ```

pub mod auto;
mod axes;
mod folds;
#[cfg(feature = "linfa")]
pub mod linfa;
mod schedule;
mod score;
mod spread;

pub use auto::{AutoSpec, Choices, Held, Robust, fit_auto};
pub use axes::{Axis, MAX_POINTS, MAX_VALUES, Param, grid_points, parse_axis};
pub use folds::{assign_folds, check_folds, fold_rows, holdout, kfold, stratified_kfold, unscored, unscored_said};
pub use score::{Confusion, CvScore, Metric, best, mean_and_std, mean_squared_error, r2_score, weighted_mean_and_std};
pub use spread::agree;

use kern_kernels::{DataSet, Par};
use kern_solvers::collective::{Alone, Collective};

use crate::error::{Error, Result};
use crate::io::{Data, Inputs};
use crate::model::Scaling;
use crate::train::{FitSpec, Learnable, Notices, Targets, Task, check_precomputed, without_zero_weights};
use schedule::{GramCache, Scheduler};

/// What a search measured: every point's score in the points' order, and
/// the best (the first on ties).
#[derive(Clone, Debug, PartialEq)]
pub struct GridSearch<S = CvScore> {
    /// One entry per point.
    pub scores: Vec<S>,
    /// The index of the best.
    pub best: usize,
    /// Where work stayed on the CPU although a GPU was asked for, and why.
    pub notices: Vec<String>,
    /// Samples in no fold ([`assign_folds`]): trained on in every fold, not scored.
    pub unscored: usize,
}

/// Scores every point by `folds`-fold cross-validation on `data` (folds
/// stratified by class for classifiers, seeded by the first point's seed),
/// sharing one Gram matrix among the points of one kernel. `on_fit` is
/// called after each (point, fold) fit.
pub fn grid_search(
    points: &[FitSpec],
    data: &Data,
    folds: usize,
    par: Par,
    on_fit: &(dyn Fn() + Sync),
) -> Result<GridSearch> {
    grid_search_spread(points, data, folds, par, on_fit, &Alone)
}

/// [`grid_search`] with the (point, fold) fits spread over the processes of
/// `collective`, each holding all of `data`: every process returns the
/// search one process alone returns (`on_fit` is called after each of this
/// process's fits).
pub fn grid_search_spread(
    points: &[FitSpec],
    data: &Data,
    folds: usize,
    par: Par,
    on_fit: &(dyn Fn() + Sync),
    collective: &dyn Collective,
) -> Result<GridSearch> {
    let Some(base) = points.first() else { return Err(Error::Usage("a search needs at least one point".into())) };
    if base.task == Task::Oneclass {
        return Err(Error::Usage(
            "cross-validation scores predictions against labels: it does not apply to --task oneclass".into(),
        ));
    }
    if let Some(kept) = without_zero_weights(data)? {
        return grid_search_spread(points, &kept, folds, par, on_fit, collective);
    }
    let notices = Notices::default();
    let c = collective;
    let (scores, unscored) = match &data.x {
        Inputs::Vectors(x) => {
            check_precomputed(base, x, &data.file)?;
            match base.scale.then(|| Scaling::fit(x)) {
                Some(scaling) => score::<DataSet>(points, &scaling.apply(x), data, folds, par, on_fit, &notices, c)?,
                None => score(points, x, data, folds, par, on_fit, &notices, c)?,
            }
        }
        Inputs::Sequences(x) => score(points, x, data, folds, par, on_fit, &notices, c)?,
        Inputs::Graphs(x) => score(points, x, data, folds, par, on_fit, &notices, c)?,
    };
    Ok(GridSearch { best: best(&scores), scores, notices: notices.lines(), unscored })
}

/// Cross-validates `spec` on `data`: [`grid_search`] of one point.
pub fn cross_validate(spec: &FitSpec, data: &Data, folds: usize, par: Par) -> Result<CvScore> {
    Ok(grid_search(std::slice::from_ref(spec), data, folds, par, &|| ())?.scores.remove(0))
}

/// [`grid_search`] on samples of one kind: the scores, and how many
/// samples were in no fold.
#[allow(clippy::too_many_arguments)]
fn score<S: Learnable>(
    points: &[FitSpec],
    x: &S,
    data: &Data,
    folds: usize,
    par: Par,
    on_fit: &(dyn Fn() + Sync),
    notices: &Notices,
    collective: &dyn Collective,
) -> Result<(Vec<CvScore>, usize)> {
    let base = &points[0];
    let targets = Targets::new(base.task, data.labels.as_ref(), &data.file)?;
    check_folds(folds, x.len())?;
    let fold_of = assign_folds(&targets, x.len(), folds, base.seed);
    let kept = GramCache::new(0);
    let weights = data.weights.as_deref();
    let scheduler = Scheduler { x, targets: &targets, weights, fold_of: &fold_of, folds, par, on_fit, notices, kept };
    Ok((scheduler.scores(points, collective)?, unscored(&fold_of, folds)))
}
