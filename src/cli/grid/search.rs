//! Scoring every point of a grid by cross-validation, reusing what the
//! mathematics allows:
//!
//! - points that differ only in C, ν, ε or α share one Gram matrix of all
//!   the data, computed once; every fold's fits read their rows of it
//!   ([`GramRows`], [`SharedGram`]), so no kernel value is computed twice;
//! - kernel ridge takes one eigendecomposition per fold, `K = QΛQᵀ`, for all
//!   α: the dual weights are `Q (Λ + α)⁻¹ Qᵀ y`;
//! - the (point, fold) fits run in parallel, one thread each.
//!
//! Other tasks (GPs, approximations), or a Gram matrix beyond
//! `--max-memory`, fit each point and fold as `kern cv` does.
//!
//! Warm starts along C (`SvmParams::warm_start`, from the solution at the
//! next smaller C) were measured and left out: on the first 10,000 rows of
//! a9a they spent the same CPU time as cold starts (17.6 against 17.8
//! minutes for 11 Cs × 5 folds) and, being sequential per fold, took longer.

use std::sync::{Arc, Mutex};

use faer::{Mat, Par, Side};
use kern_kernels::{GramRows, Kernel, Samples, SharedGram, gram_matrix};
use rayon::prelude::*;

use crate::cli::TrainArgs;
use crate::cli::args::{AlphaArg, ApproxArg, KernelArgs, TaskArg, default_max_memory};
use crate::cli::cv::{CvScore, fold_rows};
use crate::cli::fit::{Targets, train_machine};
use crate::cli::predict::Prediction;
use crate::cli::progress::Progress;
use crate::cli::structured::predict_machine;
use crate::error::{Error, Result};

/// How one grid's points are scored.
pub(crate) struct Search<'a, S> {
    pub x: &'a S,
    pub targets: &'a Targets,
    pub fold_of: &'a [usize],
    pub folds: usize,
    pub par: Par,
    /// Ticks once per (point, fold) fit.
    pub progress: Progress,
    /// Gram matrices kept for later calls of [`Search::scores`] (a search
    /// that comes back to a kernel, as `--auto` does round by round).
    pub kept: GramCache,
}

/// Gram matrices by kernel, the most recent last, within a memory budget.
#[derive(Default)]
pub(crate) struct GramCache {
    grams: Mutex<Vec<(KernelArgs, Arc<Mat<f64>>)>>,
    /// Bytes they may take together (0: keep none).
    pub budget: u64,
}

impl GramCache {
    /// A cache of at most `budget` bytes.
    pub fn new(budget: u64) -> Self {
        Self { grams: Mutex::default(), budget }
    }

    /// The Gram matrix of kernel `key`, computed by `compute` when not kept.
    fn get(&self, key: &KernelArgs, compute: impl FnOnce() -> Mat<f64>) -> Arc<Mat<f64>> {
        let mut grams = self.grams.lock().expect("no panic while held");
        if let Some(k) = grams.iter().position(|(k, _)| k == key) {
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
            grams.push((key.clone(), gram.clone()));
        }
        gram
    }
}

impl<S: Samples> Search<'_, S> {
    /// Scores every point. `build` makes a point's kernel; `fit_predict`
    /// fits a point on training rows and predicts test rows without sharing.
    pub fn scores<K: Kernel<S> + Clone>(
        &self,
        points: &[TrainArgs],
        build: impl Fn(&TrainArgs) -> Result<K>,
        fit_predict: impl Fn(&TrainArgs, &[usize], &[usize], Par) -> Result<Prediction> + Sync,
    ) -> Result<Vec<CvScore>> {
        let mut scores: Vec<Option<CvScore>> = vec![None; points.len()];
        let mut done = vec![false; points.len()];
        for first in 0..points.len() {
            if done[first] {
                continue;
            }
            // The points with this one's kernel.
            let group: Vec<usize> =
                (first..points.len()).filter(|&p| !done[p] && points[p].kernel == points[first].kernel).collect();
            group.iter().for_each(|&p| done[p] = true);
            let t = &points[first];
            let shareable =
                matches!(t.task, TaskArg::Svc | TaskArg::Nusvc | TaskArg::Svr | TaskArg::Nusvr | TaskArg::Krr)
                    && t.approx.approx == ApproxArg::None
                    && fits_in_memory(self.x.len(), t.max_memory);
            let group_scores = if shareable {
                let kernel = build(t)?;
                let gram = self.kept.get(&t.kernel, || gram_matrix(&kernel, self.x, self.par));
                let members: Vec<&TrainArgs> = group.iter().map(|&p| &points[p]).collect();
                self.shared(&members, &gram)?
            } else {
                group
                    .iter()
                    .map(|&p| {
                        let predictions = (0..self.folds)
                            .map(|f| {
                                let (test, train) = fold_rows(self.fold_of, f);
                                let prediction = fit_predict(&points[p], &train, &test, self.par);
                                self.progress.inc();
                                prediction
                            })
                            .collect::<Result<Vec<_>>>()?;
                        Ok(CvScore::new(self.targets, self.fold_of, predictions))
                    })
                    .collect::<Result<Vec<_>>>()?
            };
            for (&p, score) in group.iter().zip(group_scores) {
                scores[p] = Some(score);
            }
        }
        Ok(scores.into_iter().map(|s| s.expect("every point scored")).collect())
    }

    /// Scores points that share the Gram matrix `gram` of all the data.
    fn shared(&self, points: &[&TrainArgs], gram: &Mat<f64>) -> Result<Vec<CvScore>> {
        let kernel = SharedGram::new(gram.as_ref());
        let all = GramRows::all(self.x.len());
        let folds: Vec<(Vec<usize>, Vec<usize>)> = (0..self.folds).map(|f| fold_rows(self.fold_of, f)).collect();
        // Kernel ridge at given alphas: one eigendecomposition per fold.
        let ridge: Vec<f64> = points
            .iter()
            .filter_map(|t| match (t.task, t.alpha) {
                (TaskArg::Krr, AlphaArg::Value(a)) => Some(a),
                _ => None,
            })
            .collect();
        if ridge.len() == points.len() {
            if let Some(bad) = ridge.iter().find(|a| !(a.is_finite() && **a > 0.0)) {
                return Err(Error::Usage(format!("--grid alpha={bad}: alpha must be positive and finite")));
            }
            let Targets::Values(y) = self.targets else { unreachable!("kernel ridge regresses") };
            let per_fold =
                folds.par_iter().map(|(test, train)| ridge_path(gram, train, test, y, &ridge)).collect::<Vec<_>>();
            return Ok((0..points.len())
                .map(|p| {
                    (0..self.folds).for_each(|_| self.progress.inc());
                    let predictions = per_fold.iter().map(|fold| Prediction::Values(fold[p].clone())).collect();
                    CvScore::new(self.targets, self.fold_of, predictions)
                })
                .collect());
        }
        let jobs: Vec<(usize, usize)> = (0..points.len()).flat_map(|p| (0..self.folds).map(move |f| (p, f))).collect();
        let predictions = jobs
            .par_iter()
            .map(|&(p, f)| {
                let (test, train) = &folds[f];
                let targets = self.targets.select(train);
                let machine =
                    train_machine(points[p], &kernel, all.select(train), &targets, GramRows::select, Par::Seq)?;
                let prediction = predict_machine(&machine, &all.select(test), false, Par::Seq);
                self.progress.inc();
                prediction
            })
            .collect::<Result<Vec<_>>>()?;
        let mut predictions = predictions.into_iter();
        Ok((0..points.len())
            .map(|_| {
                let fold_predictions = predictions.by_ref().take(self.folds).collect();
                CvScore::new(self.targets, self.fold_of, fold_predictions)
            })
            .collect())
    }
}

/// Whether an `n × n` Gram matrix fits in `--max-memory`.
fn fits_in_memory(n: usize, max_memory: Option<u64>) -> bool {
    (n as u64).saturating_mul(n as u64).saturating_mul(8) <= max_memory.unwrap_or_else(default_max_memory)
}

/// Kernel ridge predictions on `test` from `train` at every α in `alphas`,
/// from one eigendecomposition of `K(train, train)` (one matrix per α).
fn ridge_path(gram: &Mat<f64>, train: &[usize], test: &[usize], y: &[f64], alphas: &[f64]) -> Vec<Mat<f64>> {
    let k = Mat::from_fn(train.len(), train.len(), |i, j| gram[(train[i], train[j])]);
    let cross = Mat::from_fn(test.len(), train.len(), |i, j| gram[(test[i], train[j])]);
    let Ok(evd) = k.self_adjoint_eigen(Side::Lower) else {
        // Not a symmetric matrix faer can decompose: predict NaN, scored as the worst.
        return alphas.iter().map(|_| Mat::from_fn(test.len(), 1, |_, _| f64::NAN)).collect();
    };
    kern_kernels::simd::clear_upper_state();
    let q = evd.U();
    let lambda: Vec<f64> = (0..train.len()).map(|i| evd.S()[i]).collect();
    let z: Vec<f64> = (0..train.len()).map(|j| (0..train.len()).map(|i| q[(i, j)] * y[train[i]]).sum()).collect();
    // K(test, train) Q, once: then each α is a scaling and one product.
    let cq = &cross * q;
    kern_kernels::simd::clear_upper_state();
    alphas
        .iter()
        .map(|&alpha| {
            let w: Vec<f64> = z.iter().zip(&lambda).map(|(z, l)| z / (l + alpha)).collect();
            Mat::from_fn(test.len(), 1, |i, _| (0..w.len()).map(|j| cq[(i, j)] * w[j]).sum())
        })
        .collect()
}
