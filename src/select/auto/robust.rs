//! Far-off errors in the targets under `--auto`: Huber's loss for kernel
//! ridge and Falkon, and ε-SVR's ε and search score (`regression_loss`).
//!
//! The squared loss lets a few gross errors in the targets pull the fit
//! and its chosen gamma and α: on a curve with 3 % of its targets off by
//! ±50, kernel ridge's R² on clean targets was −0.11. Huber's loss is
//! squared within `δ` of the fit and linear beyond, so each sample's pull
//! is bounded. It is fitted by iteratively reweighted ridge: weight
//! `min(1, δ / |r_i − median r|)` on each squared error, `r_i` the
//! sample's leave-one-out residual, `δ = 1.345 × 1.4826 × median |r −
//! median r|` (Huber's constant: 95 % of the squared loss's efficiency on
//! normal errors), until the weights settle. Leave-one-out residuals, not
//! the fit's, because a far-off sample bends the fit that includes it
//! towards itself and so hides its own error. The median centre lets one-sided
//! contamination, which shifts the whole fit, be seen as such.

use faer::Mat;
use kern_kernels::{DataSet, ExactGram, Kernel, Par};
use kern_solvers::{KernelRidge, fit_dual_weighted};
use serde_json::json;

use super::ridge::{Drawn, Loo, Subsample, column, leave_one_out, search_gamma, spec_loo};
use super::{AutoSpec, Choices, Weighed};
use crate::error::Result;
use crate::select::{Metric, Param, mean_and_std};
use crate::train::{Alpha, FitSpec, Task};

/// Residuals are heavy-tailed when their root mean square about their
/// median is over this many times the typical one (1.4826 times their
/// median absolute deviation): about 1 for normal residuals, 1.4 for
/// Laplace's, 1.5 for Student's t with 3 degrees of freedom; 25 where 3 %
/// of a curve's targets were off by ±50 (noise deviation 0.1), 6.6 where
/// 10 % were off by +20.
pub(super) const HEAVY_TAILS: f64 = 3.0;
/// ... and at most this share of them lies over [`HEAVY_TAILS`] typical
/// sizes from the median: a few far-off values, not a spread of two kinds
/// (targets of which 45 % are zero have a small typical deviation, and
/// most of the others lie far from it).
const FEW: f64 = 0.25;
/// Huber's tuning constant, in units of the residuals' typical size.
const HUBER_K: f64 = 1.345;
/// The reweighting stops when no weight moves by more than this.
pub(super) const WEIGHT_CHANGE: f64 = 0.05;
/// ... or after this many rounds (three to five sufficed on the curves of
/// `tests/auto_shapes.rs` and `benches/robust.sh`).
pub(super) const MAX_ROUNDS: usize = 10;

/// When `--auto` treats the targets as holding far-off errors
/// (`--auto-robust`): kernel ridge then fits Huber's loss, and the ε-SVR
/// search takes ε from the targets' typical deviation and scores the mean
/// absolute error.
///
/// ```
/// use kern::select::{AutoSpec, Robust};
/// // The squared loss whatever the residuals, as before Huber's loss.
/// let auto = AutoSpec { robust: Robust::Never, ..AutoSpec::default() };
/// assert_eq!(AutoSpec::default().robust, Robust::Detect);
/// # let _ = auto;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Robust {
    /// When the squared loss's leave-one-out residuals are heavy-tailed:
    /// their root mean square about their median over 3 times 1.4826 ×
    /// their median absolute deviation, with at most a quarter beyond that.
    #[default]
    Detect,
    /// Always.
    Always,
    /// Never: the squared loss, heavy tails reported.
    Never,
}

/// The spread of residuals: their median, root mean square about it and
/// typical size about it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Tails {
    pub centre: f64,
    pub rms: f64,
    pub typical: f64,
    /// The share over [`HEAVY_TAILS`] typical sizes from the centre.
    pub far: f64,
}

impl Tails {
    /// The tails of the finite `residuals`; `None` with fewer than two.
    pub fn of(residuals: &[f64]) -> Option<Self> {
        let mut r: Vec<f64> = residuals.iter().copied().filter(|r| r.is_finite()).collect();
        if r.len() < 2 {
            return None;
        }
        let centre = median(&mut r);
        let mut sizes: Vec<f64> = r.iter().map(|v| (v - centre).abs()).collect();
        let rms = (sizes.iter().map(|s| s * s).sum::<f64>() / sizes.len() as f64).sqrt();
        let typical = 1.4826 * median(&mut sizes);
        let far = sizes.iter().filter(|&&s| s > HEAVY_TAILS * typical).count() as f64 / sizes.len() as f64;
        Some(Self { centre, rms, typical, far })
    }

    /// Whether a few samples dominate the squared error ([`HEAVY_TAILS`],
    /// [`FEW`]); never when over half are at the centre (no typical size).
    pub fn heavy(&self) -> bool {
        self.typical > 0.0 && self.rms > HEAVY_TAILS * self.typical && self.far <= FEW
    }

    /// Huber's `δ`: residuals further than this from the centre are down-weighted.
    pub fn delta(&self) -> f64 {
        HUBER_K * self.typical
    }

    /// Huber's weight for each residual: 1 within `δ` of the centre,
    /// `δ / |r − centre|` beyond (a non-finite residual gets the least
    /// finite one's weight). All 1 when the typical size is 0: more than
    /// half the samples fitted exactly leave no scale to measure.
    pub fn huber_weights(&self, residuals: &[f64]) -> Vec<f64> {
        let delta = self.delta();
        if !(delta > 0.0 && delta.is_finite()) {
            return vec![1.0; residuals.len()];
        }
        let weight = |r: f64| (delta / (r - self.centre).abs()).min(1.0);
        let least = residuals.iter().filter(|r| r.is_finite()).map(|&r| weight(r)).fold(1.0, f64::min);
        residuals.iter().map(|&r| if r.is_finite() { weight(r) } else { least }).collect()
    }
}

/// The median of `v` (reordered; the mean of the middle two for an even count).
fn median(v: &mut [f64]) -> f64 {
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

/// `user` weights (1 when absent) times Huber's `huber`.
pub(super) fn combined(user: Option<&[f64]>, huber: &[f64]) -> Vec<f64> {
    huber.iter().enumerate().map(|(i, h)| h * user.map_or(1.0, |u| u[i])).collect()
}

/// The largest change between two weightings.
pub(super) fn largest_change(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

/// Kernel ridge with Huber's loss: what leave-one-out measured and the weights.
pub(super) struct HuberFit {
    /// Leave-one-out on every sample at the final weights (α chosen there).
    pub on_all: Loo,
    /// Leave-one-out on the gamma-search samples at their final weights.
    pub on_sub: Loo,
    /// Every sample's final weight: Huber's times the caller's.
    pub weights: Vec<f64>,
    /// The gamma-search samples' final weights.
    pub sub_weights: Vec<f64>,
}

/// Whether `--auto` fits Huber's loss, given the squared loss's
/// leave-one-out `residuals`.
pub(super) fn wanted(robust: Robust, residuals: &[f64]) -> bool {
    match robust {
        Robust::Always => true,
        Robust::Never => false,
        Robust::Detect => Tails::of(residuals).is_some_and(|t| t.heavy()),
    }
}

/// Exact kernel ridge with Huber's loss ([`huber_rounds`]); on a subsample,
/// every sample then weighted ([`weigh_every_sample`]) and α chosen on all
/// of them by leave-one-out, as the squared loss's is.
#[allow(clippy::too_many_arguments)]
pub(super) fn huber_ridge(
    spec: &mut FitSpec,
    x: &DataSet,
    data: Weighed<'_, [f64]>,
    sub: &Subsample<'_>,
    first: Loo,
    g0: Option<f64>,
    par: Par,
    choices: &mut Choices,
) -> Result<HuberFit> {
    let rounds = huber_rounds(spec, sub, first, g0, par)?;
    let (on_all, every) = match sub.rows {
        None => (rounds.loo.clone(), rounds.weights.clone()),
        Some(_) => {
            let every = weigh_every_sample(spec, x, data, sub, &rounds, par)?;
            (spec_loo(spec, x, &column(data.targets), Some(&every.weights), par)?, every)
        }
    };
    report_reweighting(&rounds, &every, &on_all.residuals, choices);
    Ok(HuberFit { on_all, on_sub: rounds.loo, weights: every.weights, sub_weights: rounds.weights.weights })
}

/// Weights: Huber's, and the final ones (Huber's times the caller's), with
/// the `δ` they were drawn with.
#[derive(Clone)]
pub(super) struct Weights {
    pub huber: Vec<f64>,
    pub weights: Vec<f64>,
    pub delta: f64,
}

/// Where the reweighting on the gamma-search samples ended.
pub(super) struct Rounds {
    /// Leave-one-out at the final weights.
    pub loo: Loo,
    pub weights: Weights,
    pub rounds: usize,
    /// The last round moved no weight by more than [`WEIGHT_CHANGE`].
    pub settled: bool,
    /// The typical residual of the squared loss.
    pub typical_before: f64,
}

/// Huber's loss by reweighting on the gamma-search samples `sub`, from the
/// squared loss's leave-one-out there (`first`): the first round searches
/// gamma again from `g0` (unless held: `None`) under the weights, each round
/// chooses α (unless held), until no weight moves by more than
/// [`WEIGHT_CHANGE`] (at most [`MAX_ROUNDS`]).
pub(super) fn huber_rounds(
    spec: &mut FitSpec,
    sub: &Subsample<'_>,
    first: Loo,
    g0: Option<f64>,
    par: Par,
) -> Result<Rounds> {
    let typical_before = Tails::of(&first.residuals).map_or(f64::NAN, |t| t.typical);
    let mut huber = vec![1.0; sub.x.n_samples()];
    let (mut loo, mut rounds, mut settled, mut delta) = (first, 0, false, f64::NAN);
    while let Some(tails) = Tails::of(&loo.residuals) {
        let next = tails.huber_weights(&loo.residuals);
        if rounds > 0 && largest_change(&next, &huber) <= WEIGHT_CHANGE {
            settled = true;
            break;
        }
        if rounds == MAX_ROUNDS {
            break;
        }
        (huber, delta, rounds) = (next, tails.delta(), rounds + 1);
        let w = combined(sub.weights, &huber);
        loo = match g0 {
            Some(g0) if rounds == 1 => {
                let (gamma, loo) = search_gamma(spec, sub.x, Weighed { targets: sub.y, weights: Some(&w) }, g0, par)?;
                Param::Gamma.set(spec, gamma);
                loo
            }
            _ => spec_loo(spec, sub.x, sub.y, Some(&w), par)?,
        };
    }
    let weights = Weights { weights: combined(sub.weights, &huber), huber, delta };
    Ok(Rounds { loo, weights, rounds, settled, typical_before })
}

/// Every sample's weight, from its residual under the subsample's final
/// fit (`rounds`): its leave-one-out residual within the subsample
/// (`rows`), the fit's error elsewhere.
pub(super) fn weigh_every_sample(
    spec: &FitSpec,
    x: &DataSet,
    data: Weighed<'_, [f64]>,
    sub: &Subsample<'_>,
    rounds: &Rounds,
    par: Par,
) -> Result<Weights> {
    let residuals = every_residual(spec, x, data.targets, sub, (&rounds.weights.weights, &rounds.loo), par)?;
    let Some(tails) = Tails::of(&residuals) else {
        let huber = vec![1.0; residuals.len()];
        return Ok(Weights { weights: combined(data.weights, &huber), huber, delta: f64::NAN });
    };
    let huber = tails.huber_weights(&residuals);
    Ok(Weights { weights: combined(data.weights, &huber), huber, delta: tails.delta() })
}

/// Residuals of every sample of `x` under the subsample's weighted fit:
/// leave-one-out within the subsample (`loo`, at `weights`), the fit's
/// error elsewhere, predicted in blocks of rows.
fn every_residual(
    spec: &FitSpec,
    x: &DataSet,
    y: &[f64],
    sub: &Subsample<'_>,
    (weights, loo): (&[f64], &Loo),
    par: Par,
) -> Result<Vec<f64>> {
    let all: Vec<usize>;
    let rows = match sub.rows {
        Some(rows) => rows,
        None => {
            all = (0..x.n_samples()).collect();
            &all
        }
    };
    const BLOCK: usize = 1024;
    let kernel = spec.vector_kernel(x.n_features())?;
    let params = KernelRidge { alpha: loo.alpha };
    let dual = fit_dual_weighted(&ExactGram::new(&kernel, sub.x, par), sub.y.as_ref(), Some(weights), &params, par)?;
    let mut residual: Vec<f64> = vec![f64::NAN; x.n_samples()];
    rows.iter().zip(&loo.residuals).for_each(|(&i, &r)| residual[i] = r);
    let others: Vec<usize> = (0..x.n_samples()).filter(|&i| residual[i].is_nan()).collect();
    let columns: Vec<usize> = (0..sub.x.n_samples()).collect();
    for block in others.chunks(BLOCK) {
        let mut k = Mat::zeros(block.len(), columns.len());
        kernel.block(x, block, sub.x, &columns, k.as_mut(), par);
        let predicted = &k * &dual;
        block.iter().enumerate().for_each(|(r, &i)| residual[i] = y[i] - predicted[(r, 0)]);
    }
    Ok(residual)
}

/// ε-SVR's ε (unless held) and what a regression search minimises: a
/// tenth of the targets' deviation and the squared error; where far-off
/// targets are found (`--auto-robust`: their deviation dominated by a few
/// of them, [`Tails`], or, for vectors, the leave-one-out residuals
/// of kernel ridge at the median gamma, `pilot`, heavy-tailed), a tenth of
/// their typical deviation and the absolute error, as `--auto-metric mae`
/// asks anywhere. On a curve with 10 % of its targets off by +20, the
/// squared error's search reached test R² 0.28 even with that ε. Returns
/// the metric and the log2 of C's unit ([`in_target_units`]).
pub(super) fn regression_loss(
    spec: &mut FitSpec,
    auto: &AutoSpec,
    y: &[f64],
    pilot: impl FnOnce() -> Option<Vec<f64>>,
    choices: &mut Choices,
) -> (Metric, i32) {
    let targets = Tails::of(y);
    let far_off = match auto.robust {
        Robust::Always => Some("--auto-robust always"),
        Robust::Never => None,
        Robust::Detect if targets.is_some_and(|t| t.heavy()) => Some("a few far-off targets dominate their std"),
        Robust::Detect => pilot()
            .filter(|r| wanted(Robust::Detect, r))
            .map(|_| "kernel ridge's leave-one-out residuals at the median gamma are heavy-tailed"),
    };
    let (spread, what) = match (far_off, targets) {
        (Some(why), Some(t)) if t.typical > 0.0 => {
            (t.typical, format!("typical deviation, 1.4826 × their median absolute deviation: {why}"))
        }
        _ => (mean_and_std(y).1, "std".to_string()),
    };
    if let (Task::Svr, false, true) = (spec.task, auto.held.epsilon, spread > 0.0) {
        spec.svm.epsilon = 0.1 * spread;
        let said = format!("epsilon {:.4e} (a tenth of the targets' {what})", spec.svm.epsilon);
        choices.note("epsilon", json!(spec.svm.epsilon), said);
    }
    let c_unit = in_target_units(spec, auto, spread, choices);
    let metric = match (auto.metric, far_off) {
        (Metric::AbsoluteError, _) => Metric::AbsoluteError,
        (_, Some(why)) => {
            choices.said.push(format!(
                "the search minimises the mean absolute error ({why}: they would dominate the squared one)"
            ));
            Metric::AbsoluteError
        }
        (metric, None) => metric,
    };
    (metric, c_unit)
}

/// An SVR's dual coefficients, ε and stopping gradient are in the targets'
/// units: scaling the targets by `s` scales the solution at `s·C` and `s·tol`.
/// So the search takes C in units of the targets' `spread` (rounded to a
/// power of two: its log2, returned, keeps the grid's lattice) and SMO's
/// tolerance (unless held) times it, as on standardised targets. At
/// LIBSVM's absolute 1e-3, targets of size 1e-4 stopped SMO at its start.
fn in_target_units(spec: &mut FitSpec, auto: &AutoSpec, spread: f64, choices: &mut Choices) -> i32 {
    if !(spread.is_finite() && spread > 0.0) {
        return 0;
    }
    if !auto.held.tol {
        spec.svm.tol *= spread;
        let said = format!("SMO's tolerance {:.4e} (its default times the targets' spread)", spec.svm.tol);
        choices.note("tol", json!(spec.svm.tol), said);
    }
    let c_unit = spread.log2().round().clamp(-60.0, 60.0) as i32;
    if c_unit != 0 {
        let said = format!("C searched in units of 2^{c_unit}, the targets' spread {spread:.4e} rounded");
        choices.note("c_unit", json!(f64::from(c_unit).exp2()), said);
    }
    c_unit
}

/// The leave-one-out residuals of kernel ridge at the median gamma `g0` on
/// at most [`GAMMA_SEARCH_MAX`] of the samples (α by the same
/// leave-one-out): how far off the targets are from what a kernel model
/// predicts, before the SVR search. `None` where it cannot be had.
pub(super) fn pilot_residuals(
    spec: &FitSpec,
    x: &DataSet,
    y: &[f64],
    weights: Option<&[f64]>,
    g0: Option<f64>,
    par: Par,
) -> Option<Vec<f64>> {
    let g0 = g0.filter(|_| !spec.precomputed())?;
    let mut ridge = spec.clone();
    Param::Gamma.set(&mut ridge, g0);
    let kernel = ridge.vector_kernel(x.n_features()).ok()?;
    let drawn = Drawn::new(x, Weighed { targets: y, weights }, spec.seed);
    let sub = drawn.sub();
    let mut y = sub.y.clone();
    kern_solvers::centre_targets(y.as_mut(), sub.weights);
    let loo = leave_one_out(&kernel, Alpha::Auto, sub.x, &y, sub.weights, par);
    loo.ok().map(|l| l.residuals)
}

/// Reports the kernel model's `residuals` (signed), measured as `how`
/// says ("leave-one-out", "held-out"): their root mean square about their
/// median beside their typical size, and what that means when a few
/// samples dominate the squared loss ([`HEAVY_TAILS`]): `then` says what
/// `--auto` did about it.
pub(super) fn report_residual_tails(residuals: &[f64], how: &str, then: &str, choices: &mut Choices) -> Option<Tails> {
    let tails = Tails::of(residuals)?;
    let Tails { rms, typical, .. } = tails;
    let heavy = tails.heavy();
    choices.json.insert("residuals".into(), json!({ "rms": rms, "typical": typical, "heavy_tailed": heavy }));
    if heavy {
        choices.said.push(format!(
            "the {how} residuals are heavy-tailed (root mean square {rms:.3e} against {typical:.3e} typical, \
             1.4826 × their median deviation): a few samples dominate the squared error{then}"
        ));
    }
    Some(tails)
}

/// Reports a fit with Huber's loss: its `rounds` on the gamma-search
/// samples, the weights of `every` sample, and their residuals under it.
pub(super) fn report_reweighting(rounds: &Rounds, every: &Weights, residuals: &[f64], choices: &mut Choices) {
    let settled = if rounds.settled { "settled" } else { "stopped at the limit" };
    let downweighted = every.huber.iter().filter(|&&h| h < 1.0).count();
    let (before, after) = (rounds.typical_before, Tails::of(residuals).map_or(f64::NAN, |t| t.typical));
    choices.json.insert(
        "robust".into(),
        json!({ "loss": "huber", "delta": every.delta, "rounds": rounds.rounds, "settled": rounds.settled,
                "downweighted": downweighted, "typical_squared_loss": before, "typical": after }),
    );
    choices.said.push(format!(
        "Huber's loss (delta {:.3e}, 1.345 × the typical residual) by reweighted ridge, {} rounds ({settled}): \
         {downweighted} samples down-weighted; the typical residual {after:.3e} against {before:.3e} with the \
         squared loss (--auto-robust never keeps the squared loss)",
        every.delta, rounds.rounds
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Normal residuals are not heavy-tailed; the same with 3 % off by 50
    /// are, and those get weights near δ/50 while the rest keep 1.
    #[test]
    fn gross_errors_are_heavy_tails_and_get_small_weights() {
        let mut rng = crate::synthetic::rng(3);
        let normal: Vec<f64> = (0..2000).map(|_| crate::synthetic::normal(&mut rng)).collect();
        let clean = Tails::of(&normal).unwrap();
        assert!(!clean.heavy(), "{clean:?}");
        assert!((clean.typical - 1.0).abs() < 0.1 && (clean.rms - 1.0).abs() < 0.1, "{clean:?}");
        let mut dirty = normal.clone();
        (0..60).for_each(|i| dirty[i * 33] += if i % 2 == 0 { 50.0 } else { -50.0 });
        let tails = Tails::of(&dirty).unwrap();
        assert!(tails.heavy(), "{tails:?}");
        let w = tails.huber_weights(&dirty);
        assert!((0..60).all(|i| w[i * 33] < 0.05), "{:?}", (0..60).map(|i| w[i * 33]).collect::<Vec<_>>());
        let kept = w.iter().filter(|&&w| w == 1.0).count();
        // 82 % of normal errors lie within 1.345 sd: 1,593 of the 1,940 clean ones.
        assert!((1500..1700).contains(&kept), "{kept}");
    }

    /// One-sided contamination shifts the median, not the typical size
    /// about it: 10 % of residuals at +20 beside 90 % near −2 are heavy.
    #[test]
    fn one_sided_errors_are_measured_about_the_median() {
        let r: Vec<f64> = (0..100).map(|i| if i % 10 == 0 { 18.0 } else { -2.0 + 0.01 * (i % 7) as f64 }).collect();
        let tails = Tails::of(&r).unwrap();
        assert!(tails.heavy(), "{tails:?}");
        assert!((tails.centre + 1.97).abs() < 0.05, "{tails:?}");
    }

    /// Values of which 55 % are within 0.006 of 0 and the rest spread over
    /// [1, 10]: their deviation is many times their typical one, but 45 %
    /// lie far: two kinds of value, not a few far-off ones.
    #[test]
    fn a_spread_of_two_kinds_is_not_heavy_tails() {
        let v: Vec<f64> =
            (0..200).map(|i| if i % 20 < 11 { 0.001 * (i % 7) as f64 } else { 1.0 + (i % 10) as f64 }).collect();
        let tails = Tails::of(&v).unwrap();
        assert!(tails.rms > HEAVY_TAILS * tails.typical, "{tails:?}");
        assert!(!tails.heavy(), "{tails:?}");
    }

    #[test]
    fn no_scale_means_no_reweighting_and_non_finite_residuals_weigh_least() {
        let exact = [0.0, 0.0, 0.0, 5.0];
        assert_eq!(Tails::of(&exact).unwrap().huber_weights(&exact), vec![1.0; 4]);
        assert!(!Tails::of(&exact).unwrap().heavy());
        let r = [1.0, -1.0, 2.0, -2.0, 40.0, f64::INFINITY];
        let w = Tails::of(&r).unwrap().huber_weights(&r);
        assert_eq!(w[5], w[4]);
        assert!(w[4] < 0.2 && w[0] == 1.0, "{w:?}");
        assert!(Tails::of(&[f64::NAN, 1.0]).is_none());
    }
}
