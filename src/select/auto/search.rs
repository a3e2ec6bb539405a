//! Where the SVM search runs: the sample it cross-validates on (a seeded
//! subsample beyond [`SEARCH_MAX`] samples), the search itself, and the
//! check of its best few points on a second, disjoint subsample.

use super::Weighed;
use super::tune::{Outcome, Point, Space, coarse_to_fine};
use super::{FOLDS, SEARCH_MAX};
use crate::error::Result;
use crate::select::schedule::{GramCache, Scheduler};
use crate::select::{CvScore, Param, assign_folds, check_folds, unscored};
use crate::synthetic::rng;
use crate::train::{FitSpec, Learnable, Notices, Targets};

/// Points of the subsample's search checked on the disjoint one.
pub(super) const CHECKED: usize = 3;
/// The disjoint subsample is used when it holds at least this many samples.
const CHECK_MIN: usize = 1_000;

/// The samples a search cross-validates on, and its folds.
pub(super) struct Sample<S> {
    pub x: S,
    pub targets: Targets,
    /// The samples' weights, when the data has them.
    pub weights: Option<Vec<f64>>,
    pub fold_of: Vec<usize>,
    pub folds: usize,
    /// The rows of the whole data, when a subsample (sorted).
    pub rows: Option<Vec<usize>>,
}

impl<S: Learnable> Sample<S> {
    /// All of `x`, or a seeded random [`SEARCH_MAX`] of it; `None` when
    /// fewer than two classes have two samples there. Classes the sample
    /// lacks are left out of its targets; the one sample of a class is in
    /// no fold ([`assign_folds`]).
    pub fn new(x: &S, data: Weighed<'_, Targets>, seed: u64) -> Option<Self> {
        let rows = search_rows(x.len(), seed);
        let (x, targets, weights) = match &rows {
            Some(rows) => (x.select(rows), data.targets.select(rows), data.weights.map(|w| pick(w, rows))),
            None => {
                (x.select(&(0..x.len()).collect::<Vec<_>>()), data.targets.clone(), data.weights.map(<[f64]>::to_vec))
            }
        };
        let targets = present_classes(targets);
        let folds = FOLDS.min(x.len());
        check_folds(folds, x.len()).ok()?;
        if let Targets::Classes { names, codes } = &targets {
            let count = |c: usize| codes.iter().filter(|&&k| k == c).count();
            if (0..names.len()).filter(|&c| count(c) >= 2).count() < 2 {
                return None;
            }
        }
        let fold_of = assign_folds(&targets, x.len(), folds, seed);
        Some(Self { x, targets, weights, fold_of, folds, rows })
    }

    /// Runs the search over `space` for `spec`.
    pub fn search(&self, spec: &FitSpec, space: Space, par: kern_kernels::Par, notices: &Notices) -> Result<Outcome> {
        // Keep each gamma's Gram matrix between rounds, within half the memory budget.
        let kept = GramCache::new(spec.memory_cap() / 2);
        let on_fit = || ();
        let (x, targets, fold_of, folds) = (&self.x, &self.targets, &self.fold_of[..], self.folds);
        let weights = self.weights.as_deref();
        let scheduler = Scheduler { x, targets, weights, fold_of, folds, par, on_fit: &on_fit, notices, kept };
        let mut outcome = coarse_to_fine(space, |points| {
            let trial: Vec<FitSpec> = points.iter().map(|p| at_point(spec, p)).collect();
            scheduler.scored(&trial, &kern_solvers::collective::Alone)
        })?;
        outcome.folds = folds;
        outcome.samples = self.x.len();
        outcome.unscored = unscored(&self.fold_of, folds);
        Ok(outcome)
    }
}

/// The rows (sorted) of the subsample the search of `n` samples runs on,
/// drawn with `seed`; `None` when it runs on all of them (`n` ≤ [`SEARCH_MAX`]).
/// `kern grid` on these rows with the same seed scores the search's folds.
pub fn search_rows(n: usize, seed: u64) -> Option<Vec<usize>> {
    sample_rows(n, SEARCH_MAX, seed)
}

/// A seeded random `max` of `n` rows, sorted; `None` when `n` ≤ `max`.
pub(super) fn sample_rows(n: usize, max: usize, seed: u64) -> Option<Vec<usize>> {
    (n > max).then(|| {
        let mut rows = rand::seq::index::sample(&mut rng(seed), n, max).into_vec();
        rows.sort_unstable();
        rows
    })
}

/// What the check on the disjoint subsample measured.
#[derive(Clone, Debug)]
pub(super) struct Check {
    /// Samples it scored.
    pub samples: usize,
    /// (index into the outcome's points, its score on them), in rank order.
    pub scores: Vec<(usize, CvScore)>,
}

/// Fits the search's best [`CHECKED`] points on the search's subsample,
/// scores each on a disjoint seeded subsample of at most [`SEARCH_MAX`]
/// other samples, and makes the best there the outcome's best. `None` when
/// the search ran on all the data or too few samples are left.
pub(super) fn check_on_disjoint<S: Learnable>(
    spec: &FitSpec,
    outcome: &mut Outcome,
    sample: &Sample<S>,
    x: &S,
    data: Weighed<'_, Targets>,
    par: kern_kernels::Par,
    notices: &Notices,
) -> Result<Option<Check>> {
    let Some(used) = &sample.rows else { return Ok(None) };
    let mut rest: Vec<usize> = (0..x.len()).filter(|i| used.binary_search(i).is_err()).collect();
    if rest.len() < CHECK_MIN {
        return Ok(None);
    }
    if rest.len() > SEARCH_MAX {
        let picked = rand::seq::index::sample(&mut rng(spec.seed ^ 0x5eed), rest.len(), SEARCH_MAX);
        let mut rows: Vec<usize> = picked.iter().map(|k| rest[k]).collect();
        rows.sort_unstable();
        rest = rows;
    }
    let (x_check, t_check) = (x.select(&rest), data.targets.select(&rest));
    let w_check = data.weights.map(|w| pick(w, &rest));
    let everywhere = vec![0; rest.len()];
    let all: Vec<usize> = (0..sample.x.len()).collect();
    let mut scores = Vec::new();
    for k in outcome.ranked(CHECKED) {
        let at = at_point(spec, &outcome.tried[k].0);
        let kernel = S::kernel(&at, &sample.x)?;
        let weights = sample.weights.as_deref();
        let fitted = S::fit(&at, &kernel, sample.x.select(&all), &sample.targets, weights, par, notices)?;
        let prediction = S::predict(&fitted, &x_check, par)?;
        scores.push((k, CvScore::weighted(&t_check, &everywhere, vec![prediction], w_check.as_deref())));
    }
    // The best on the fresh samples; ties keep the search's order.
    let key = |s: &CvScore| s.key_by(outcome.metric);
    let mut best = 0;
    for i in 1..scores.len() {
        if key(&scores[i].1) > key(&scores[best].1) + 1e-12 {
            best = i;
        }
    }
    outcome.best = scores[best].0;
    Ok(Some(Check { samples: rest.len(), scores }))
}

/// `targets` without the classes no sample holds (a subsample may miss a
/// rare one, and a fit refuses a class without samples).
fn present_classes(targets: Targets) -> Targets {
    let Targets::Classes { names, codes } = targets else { return targets };
    let mut new_code = vec![usize::MAX; names.len()];
    codes.iter().for_each(|&c| new_code[c] = 0);
    let kept: Vec<usize> = (0..names.len()).filter(|&c| new_code[c] == 0).collect();
    kept.iter().enumerate().for_each(|(k, &c)| new_code[c] = k);
    Targets::Classes {
        names: kept.iter().map(|&c| names[c].clone()).collect(),
        codes: codes.iter().map(|&c| new_code[c]).collect(),
    }
}

/// The weights at `rows`.
fn pick(weights: &[f64], rows: &[usize]) -> Vec<f64> {
    rows.iter().map(|&i| weights[i]).collect()
}

/// `spec` at a search point.
pub(super) fn at_point(spec: &FitSpec, p: &Point) -> FitSpec {
    let mut spec = spec.clone();
    if let Some(c) = p.log2c {
        Param::C.set(&mut spec, c.exp2());
    }
    if let Some(g) = p.log2g {
        Param::Gamma.set(&mut spec, g.exp2());
    }
    spec
}
