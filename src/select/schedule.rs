//! Scoring the points of a search by cross-validation, reusing what the
//! mathematics allows:
//!
//! - points with the same kernel share one Gram matrix of all the data,
//!   computed once; every fold's fits read their rows of it ([`GramRows`],
//!   [`SharedGram`]), so no kernel value is computed twice;
//! - kernel ridge at several α takes one eigendecomposition per fold,
//!   `K = QΛQᵀ`, for all of them ([`LooPath::predictions`]);
//! - the (point, fold) fits on a shared Gram run in parallel, one thread each;
//! - under several processes, the (point, fold) fits are spread over them
//!   ([`spread`]) and every process scores every point from the gathered
//!   predictions.
//!
//! GPs, approximations, or a Gram matrix beyond the memory cap fit each point
//! and fold on their own. A cross-validation is a search of one point, so it
//! scores exactly what the same point scores in a grid.
//!
//! Warm starts along C (`SvmParams::warm_start`, from the solution at the
//! next smaller C) were measured and left out: on the first 10,000 rows of
//! a9a they spent the same CPU time as cold starts (17.6 against 17.8
//! minutes for 11 Cs × 5 folds) and, being sequential per fold, took longer.

use std::sync::{Arc, Mutex};

use faer::{Mat, Par};
use kern_kernels::{ExactGram, GramRows, SharedGram, gram_matrix};
use kern_solvers::LooPath;
use kern_solvers::collective::Collective;

use super::spread::{PREDICTION, PREDICTION_AND_BOX, PREDICTIONS, spread};
use super::{CvScore, fold_rows};
use crate::error::Result;
use crate::model::{Prediction, predict_machine};
use crate::train::{Alpha, Approx, FitSpec, Learnable, Notices, Targets, Task, fit_machine, gram_bytes};

/// One search's samples, targets and folds, and what it keeps between calls.
pub(crate) struct Scheduler<'a, S: Learnable> {
    pub x: &'a S,
    pub targets: &'a Targets,
    /// A positive weight per sample, in the fits and the scores (`None`: all 1).
    pub weights: Option<&'a [f64]>,
    pub fold_of: &'a [usize],
    pub folds: usize,
    pub par: Par,
    /// Called once per (point, fold) fit.
    pub on_fit: &'a (dyn Fn() + Sync),
    pub notices: &'a Notices,
    /// Gram matrices kept for later calls (a search that comes back to a
    /// kernel, as `--auto` does round by round).
    pub kept: GramCache<S::Kernel>,
}

/// Gram matrices by kernel, the most recent last, within a memory budget.
pub(crate) struct GramCache<K> {
    grams: Mutex<Vec<(K, Arc<Mat<f64>>)>>,
    /// Bytes they may take together (0: keep none).
    budget: u64,
}

impl<K: PartialEq + Clone> GramCache<K> {
    /// A cache of at most `budget` bytes.
    pub fn new(budget: u64) -> Self {
        Self { grams: Mutex::default(), budget }
    }

    /// The Gram matrix of `kernel`, computed by `compute` when not kept.
    fn get(&self, kernel: &K, compute: impl FnOnce() -> Mat<f64>) -> Arc<Mat<f64>> {
        let mut grams = self.grams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = grams.iter().position(|(k, _)| k == kernel) {
            let entry = grams.remove(k);
            grams.push(entry.clone());
            return entry.1;
        }
        let gram = Arc::new(compute());
        let bytes = |g: &Mat<f64>| (g.nrows() * g.ncols() * 8) as u64;
        if bytes(&gram) <= self.budget {
            while grams.iter().map(|(_, g)| bytes(g)).sum::<u64>() + bytes(&gram) > self.budget {
                grams.remove(0);
            }
            grams.push((kernel.clone(), gram.clone()));
        }
        gram
    }
}

/// A point's cross-validated score, and whether every fold's fit was an SVM
/// with no variable at its bound C ([`crate::model::Machine::box_inactive`]): every larger
/// C then fits the same models.
#[derive(Clone, Debug)]
pub(crate) struct Scored {
    pub score: CvScore,
    pub box_inactive: bool,
}

impl<S: Learnable> Scheduler<'_, S> {
    /// Every point's score, in the points' order, the fits spread over the
    /// processes of `collective` (each holding all the samples).
    pub fn scores(&self, points: &[FitSpec], collective: &dyn Collective) -> Result<Vec<CvScore>> {
        Ok(self.scored(points, collective)?.into_iter().map(|s| s.score).collect())
    }

    /// Every point's score and box, in the points' order.
    pub fn scored(&self, points: &[FitSpec], collective: &dyn Collective) -> Result<Vec<Scored>> {
        let kernels = points.iter().map(|p| S::kernel(p, self.x)).collect::<Result<Vec<_>>>()?;
        let mut scores: Vec<Option<Scored>> = vec![None; points.len()];
        for first in 0..points.len() {
            if scores[first].is_some() {
                continue;
            }
            // The points not yet scored with this one's kernel.
            let group: Vec<usize> =
                (first..points.len()).filter(|&p| scores[p].is_none() && kernels[p] == kernels[first]).collect();
            let members: Vec<&FitSpec> = group.iter().map(|&p| &points[p]).collect();
            let group_scores = if self.shareable(members[0]) {
                let gram = || self.kept.get(&kernels[first], || gram_matrix(&kernels[first], self.x, self.par));
                self.shared(&members, &gram, collective)?
            } else {
                self.alone(&members, &kernels[first], collective)?
            };
            group.iter().zip(group_scores).for_each(|(&p, s)| scores[p] = Some(s));
        }
        Ok(scores.into_iter().map(|s| s.expect("every point scored")).collect())
    }

    /// Whether `spec`'s fits can read a shared Gram matrix of all the data:
    /// the matrix, and what the fits running at once hold beside it (an SVM
    /// its row cache, kernel ridge a fold's matrix and its eigenvectors),
    /// within the memory cap.
    fn shareable(&self, spec: &FitSpec) -> bool {
        let n = self.x.len();
        let each = match spec.task {
            Task::Svc | Task::Nusvc | Task::Svr | Task::Nusvr => crate::train::cache_bytes(spec, n),
            Task::Krr => gram_bytes(n).saturating_mul(2),
            _ => return false,
        };
        let at_once = each.saturating_mul(self.par.degree().max(1) as u64);
        spec.approx.method == Approx::None && gram_bytes(n).saturating_add(at_once) <= spec.memory_cap()
    }

    /// Cross-validates points, each fold fitted from scratch (the box is not
    /// looked at: never claimed inactive).
    fn alone(&self, points: &[&FitSpec], kernel: &S::Kernel, collective: &dyn Collective) -> Result<Vec<Scored>> {
        let fit = |job: usize| {
            let (spec, f) = (points[job / self.folds], job % self.folds);
            let (test, train) = fold_rows(self.fold_of, f);
            let weights = self.weights_of(&train);
            let fitted = S::fit(
                spec,
                kernel,
                self.x.select(&train),
                &self.targets.select(&train),
                weights.as_deref(),
                self.par,
                self.notices,
            )?;
            let prediction = S::predict(&fitted, &self.x.select(&test), self.par);
            (self.on_fit)();
            prediction
        };
        let mut predictions = spread(collective, points.len() * self.folds, false, &fit, PREDICTION)?.into_iter();
        Ok((0..points.len())
            .map(|_| {
                let score = self.score(predictions.by_ref().take(self.folds).collect());
                Scored { score, box_inactive: false }
            })
            .collect())
    }

    /// The weights of the samples at `rows`, when there are weights.
    fn weights_of(&self, rows: &[usize]) -> Option<Vec<f64>> {
        self.weights.map(|w| rows.iter().map(|&i| w[i]).collect())
    }

    /// The score of out-of-fold `predictions`, weighted as the fits are.
    fn score(&self, predictions: Vec<Prediction>) -> CvScore {
        CvScore::weighted(self.targets, self.fold_of, predictions, self.weights)
    }

    /// Scores points that share the Gram matrix `gram()` of all the data
    /// (formed only by a process with fits to run).
    fn shared(
        &self,
        points: &[&FitSpec],
        gram: &dyn Fn() -> Arc<Mat<f64>>,
        collective: &dyn Collective,
    ) -> Result<Vec<Scored>> {
        let all = GramRows::all(self.x.len());
        let folds: Vec<(Vec<usize>, Vec<usize>)> = (0..self.folds).map(|f| fold_rows(self.fold_of, f)).collect();
        let alphas = ridge_alphas(points).filter(|_| self.weights.is_none());
        let jobs = if alphas.is_some() { self.folds } else { points.len() * self.folds };
        // Jobs `j` with `j mod P` the rank: a process of rank ≥ jobs has none.
        let gram = if collective.rank() < jobs { gram() } else { Arc::new(Mat::zeros(0, 0)) };
        let kernel = || SharedGram::new(gram.as_ref().as_ref());
        if let Some(alphas) = alphas {
            let Targets::Values(y) = self.targets else { unreachable!("kernel ridge regresses") };
            let path = |f: usize| Ok(ridge_path(&kernel(), &all, &folds[f].1, &folds[f].0, y, &alphas));
            let per_fold = spread(collective, self.folds, true, &path, PREDICTIONS)?;
            return Ok((0..points.len())
                .map(|p| {
                    (0..self.folds).for_each(|_| (self.on_fit)());
                    let predictions = per_fold.iter().map(|fold| Prediction::Values(fold[p].clone())).collect();
                    Scored { score: self.score(predictions), box_inactive: false }
                })
                .collect());
        }
        let fit = |job: usize| {
            let (p, f) = (job / self.folds, job % self.folds);
            let (test, train) = &folds[f];
            let (targets, weights) = (self.targets.select(train), self.weights_of(train));
            let (rows, weights) = (all.select(train), weights.as_deref());
            let machine = fit_machine(points[p], &kernel(), rows, &targets, weights, GramRows::select, Par::Seq)?;
            let prediction = predict_machine(&machine, &all.select(test), Par::Seq)?;
            (self.on_fit)();
            Ok((prediction, machine.box_inactive()))
        };
        let mut fits = spread(collective, jobs, true, &fit, PREDICTION_AND_BOX)?.into_iter();
        Ok((0..points.len())
            .map(|_| {
                let (predictions, boxes): (Vec<Prediction>, Vec<bool>) = fits.by_ref().take(self.folds).unzip();
                let score = self.score(predictions);
                Scored { score, box_inactive: boxes.into_iter().all(|b| b) }
            })
            .collect())
    }
}

/// The penalties when every point is kernel ridge at a given α and there
/// are several to share one eigendecomposition (one α is a Cholesky's job).
fn ridge_alphas(points: &[&FitSpec]) -> Option<Vec<f64>> {
    let alphas: Vec<f64> = points
        .iter()
        .filter_map(|p| match (p.task, p.alpha) {
            (Task::Krr, Alpha::Value(a)) if a.is_finite() && a > 0.0 => Some(a),
            _ => None,
        })
        .collect();
    (alphas.len() == points.len() && alphas.len() >= 2).then_some(alphas)
}

/// Kernel ridge predictions on `test` from `train` at every α, from one
/// eigendecomposition of `K(train, train)`; NaN (scored worst) where it
/// does not converge.
fn ridge_path(
    kernel: &SharedGram<'_>,
    all: &GramRows,
    train: &[usize],
    test: &[usize],
    y: &[f64],
    alphas: &[f64],
) -> Vec<Mat<f64>> {
    let rows = all.select(train);
    let y = Mat::from_fn(train.len(), 1, |i, _| y[train[i]]);
    let Ok(path) = LooPath::new(&ExactGram::new(kernel, &rows, Par::Seq), y.as_ref(), Par::Seq) else {
        return alphas.iter().map(|_| Mat::from_fn(test.len(), 1, |_, _| f64::NAN)).collect();
    };
    let mut cross = Mat::zeros(test.len(), train.len());
    kern_kernels::Kernel::block(kernel, all, test, all, train, cross.as_mut(), Par::Seq);
    path.predictions(cross.as_ref(), alphas, Par::Seq)
}
