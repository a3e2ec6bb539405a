//! Scoring the points of a search by cross-validation, reusing what the
//! mathematics allows:
//!
//! - points with the same kernel share one Gram matrix of all the data,
//!   computed once; every fold's fits read their rows of it ([`GramRows`],
//!   [`SharedGram`]), so no kernel value is computed twice;
//! - kernel ridge at several α takes one eigendecomposition per fold,
//!   `K = QΛQᵀ`, for all of them ([`LooPath::predictions`]);
//! - the (point, fold) fits on shared Grams run in parallel, one thread
//!   each, in one pass over every kernel whose matrix is kept (a round of
//!   `--auto` has one point per gamma: a pass per kernel left threads idle);
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
        // Groups of points that share an SVM's Gram matrix, fitted together.
        let mut together: Vec<Vec<usize>> = Vec::new();
        for group in kernel_groups(&kernels) {
            let members: Vec<&FitSpec> = group.iter().map(|&p| &points[p]).collect();
            let kernel = &kernels[group[0]];
            let group_scores = if !self.shareable(members[0]) {
                self.alone(&members, kernel, collective)?
            } else if let Some(alphas) = ridge_alphas(&members).filter(|_| self.weights.is_none()) {
                self.ridge(&alphas, kernel, collective)?
            } else {
                together.push(group);
                continue;
            };
            group.iter().zip(group_scores).for_each(|(&p, s)| scores[p] = Some(s));
        }
        for batch in together.chunks(self.grams_at_once()) {
            let groups: Vec<(Vec<&FitSpec>, &S::Kernel)> =
                batch.iter().map(|g| (g.iter().map(|&p| &points[p]).collect(), &kernels[g[0]])).collect();
            let batch_scores = self.shared(&groups, collective)?;
            for (group, group_scores) in batch.iter().zip(batch_scores) {
                group.iter().zip(group_scores).for_each(|(&p, s)| scores[p] = Some(s));
            }
        }
        Ok(scores.into_iter().map(|s| s.expect("every point scored")).collect())
    }

    /// How many Gram matrices of all the data fits may read at once: as
    /// many as [`Scheduler::kept`] may hold, at least one (a grid search,
    /// which keeps none, reads one at a time).
    fn grams_at_once(&self) -> usize {
        let each = gram_bytes(self.x.len()).max(1);
        usize::try_from(self.kept.budget / each).unwrap_or(usize::MAX).max(1)
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

    /// Kernel ridge's scores at every α of `alphas` from one
    /// eigendecomposition per fold of `kernel`'s Gram matrix.
    fn ridge(&self, alphas: &[f64], kernel: &S::Kernel, collective: &dyn Collective) -> Result<Vec<Scored>> {
        let Targets::Values(y) = self.targets else { unreachable!("kernel ridge regresses") };
        let all = GramRows::all(self.x.len());
        // Fold `f` runs on process `f mod P`: a process of rank ≥ folds has none.
        let gram = if collective.rank() < self.folds {
            self.kept.get(kernel, || gram_matrix(kernel, self.x, self.par))
        } else {
            Arc::new(Mat::zeros(0, 0))
        };
        let shared = SharedGram::new(gram.as_ref().as_ref());
        let path = |f: usize| {
            let (test, train) = fold_rows(self.fold_of, f);
            Ok(ridge_path(&shared, &all, &train, &test, y, alphas))
        };
        let per_fold = spread(collective, self.folds, true, &path, PREDICTIONS)?;
        Ok((0..alphas.len())
            .map(|p| {
                (0..self.folds).for_each(|_| (self.on_fit)());
                let predictions = per_fold.iter().map(|fold| Prediction::Values(fold[p].clone())).collect();
                Scored { score: self.score(predictions), box_inactive: false }
            })
            .collect())
    }

    /// Scores groups of points, each group sharing its kernel's Gram matrix
    /// of all the data (formed only by a process with fits of the group to
    /// run). Every (point, fold) fit of every group runs in one parallel
    /// pass, so a group of one point does not leave threads idle.
    fn shared(&self, groups: &[(Vec<&FitSpec>, &S::Kernel)], collective: &dyn Collective) -> Result<Vec<Vec<Scored>>> {
        let all = GramRows::all(self.x.len());
        let folds: Vec<(Vec<usize>, Vec<usize>)> = (0..self.folds).map(|f| fold_rows(self.fold_of, f)).collect();
        let jobs: Vec<(usize, usize, usize)> = groups
            .iter()
            .enumerate()
            .flat_map(|(g, (points, _))| {
                (0..points.len() * self.folds).map(move |k| (g, k / self.folds, k % self.folds))
            })
            .collect();
        // Jobs `j` with `j mod P` the rank.
        let (rank, size) = (collective.rank(), collective.size());
        let grams: Vec<Arc<Mat<f64>>> = groups
            .iter()
            .enumerate()
            .map(|(g, (_, kernel))| {
                let needed = jobs.iter().enumerate().any(|(j, job)| job.0 == g && j % size == rank);
                if needed {
                    self.kept.get(kernel, || gram_matrix(*kernel, self.x, self.par))
                } else {
                    Arc::new(Mat::zeros(0, 0))
                }
            })
            .collect();
        let fit = |j: usize| {
            let (g, p, f) = jobs[j];
            let (test, train) = &folds[f];
            let (targets, weights) = (self.targets.select(train), self.weights_of(train));
            let (rows, weights) = (all.select(train), weights.as_deref());
            let kernel = SharedGram::new(grams[g].as_ref().as_ref());
            let machine = fit_machine(groups[g].0[p], &kernel, rows, &targets, weights, GramRows::select, Par::Seq)?;
            let prediction = predict_machine(&machine, &all.select(test), Par::Seq)?;
            (self.on_fit)();
            Ok((prediction, machine.box_inactive()))
        };
        let mut fits = spread(collective, jobs.len(), true, &fit, PREDICTION_AND_BOX)?.into_iter();
        Ok(groups
            .iter()
            .map(|(points, _)| {
                points
                    .iter()
                    .map(|_| {
                        let (predictions, boxes): (Vec<Prediction>, Vec<bool>) = fits.by_ref().take(self.folds).unzip();
                        let score = self.score(predictions);
                        Scored { score, box_inactive: boxes.into_iter().all(|b| b) }
                    })
                    .collect()
            })
            .collect())
    }
}

/// The indices of `kernels` grouped by equal kernel, in order of first appearance.
fn kernel_groups<K: PartialEq>(kernels: &[K]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, k) in kernels.iter().enumerate() {
        match groups.iter_mut().find(|g| kernels[g[0]] == *k) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::{Param, assign_folds};
    use crate::train::Task;
    use kern_solvers::collective::Alone;
    use rand::RngExt as _;

    #[test]
    fn every_kernel_in_one_pass_scores_as_one_kernel_at_a_time() {
        // Two classes by the sign of x₀·x₁: a narrow RBF learns it, a wide one does not.
        let mut rng = crate::synthetic::rng(4);
        let values: Vec<f64> = (0..450).map(|_| 2.0 * rng.random::<f64>() - 1.0).collect();
        let codes: Vec<usize> = values.chunks(3).map(|v| usize::from(v[0] * v[1] > 0.0)).collect();
        let x = kern_kernels::DataSet::from(kern_kernels::DenseMatrix::new(150, 3, values).unwrap());
        let targets = Targets::Classes { names: vec!["a".into(), "b".into()], codes };
        let fold_of = assign_folds(&targets, 150, 5, 1);
        let points: Vec<FitSpec> = [(1.0, 0.1), (1.0, 2.0), (8.0, 0.1), (64.0, 8.0), (8.0, 2.0)]
            .iter()
            .map(|&(c, gamma)| {
                let mut spec = FitSpec::new(Task::Svc);
                Param::C.set(&mut spec, c);
                Param::Gamma.set(&mut spec, gamma);
                spec
            })
            .collect();
        let notices = Notices::default();
        let scheduler = |budget: u64| Scheduler {
            x: &x,
            targets: &targets,
            weights: None,
            fold_of: &fold_of,
            folds: 5,
            par: Par::rayon(2),
            on_fit: &|| (),
            notices: &notices,
            kept: GramCache::new(budget),
        };
        let (one_at_a_time, together) = (scheduler(0), scheduler(u64::MAX));
        assert!(one_at_a_time.grams_at_once() == 1 && together.grams_at_once() > points.len());
        let a = one_at_a_time.scored(&points, &Alone).unwrap();
        let b = together.scored(&points, &Alone).unwrap();
        for (p, (a, b)) in a.iter().zip(&b).enumerate() {
            assert_eq!(a.score, b.score, "point {p}");
            assert_eq!(a.box_inactive, b.box_inactive, "point {p}");
        }
        // The points differ, so a mix-up of points or folds would show.
        let accuracy = |s: &Scored| s.score.key_by(crate::select::Metric::Accuracy);
        assert!(accuracy(&a[0]) < accuracy(&a[3]) - 0.1, "{} {}", accuracy(&a[0]), accuracy(&a[3]));
    }
}
