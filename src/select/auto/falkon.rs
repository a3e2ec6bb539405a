//! `--auto`'s kernel ridge beyond exact ridge's size: Falkon. Gamma by
//! exact leave-one-out on a random 2,000, as exact ridge chooses it; then
//! centres, gamma and α by Falkon's error on a held-out share of the
//! samples ([`held_out_choice`]). Neither α nor the width carries from
//! 2,000 samples to many more: on a generated 30,000 × 10 regression the
//! subsample's α gave test R² 0.936, the held-out share's (10⁴ times
//! smaller) 0.965; on a surface folded across two features, 8,000 centres
//! at a four times narrower kernel than the subsample's gave 0.960 where
//! 2,000 at its width gave 0.865.

use std::sync::Arc;

use kern_kernels::{DataSet, Par};
use serde_json::json;

use super::ridge::{
    Drawn, Loo, ScoredBy, Subsample, kept_linear, linear_loo, report_linear_baseline, search_gamma, spec_loo,
};
use super::robust::{self, report_residual_tails};
use super::{AutoSpec, Choices, Weighed};
use crate::error::Result;
use crate::model::Prediction;
use crate::select::{Param, mean_and_std, weighted_mean_and_std};
use crate::synthetic::rng;
use crate::train::memory::{self, Shape};
use crate::train::{Alpha, Approx, FitSpec, Learnable, Notices, Targets};

/// The centres (uniformly drawn samples) Falkon starts from; more are tried
/// while they pay ([`held_out_choice`]).
const CENTRES: usize = 2_000;
/// The α tried, times the α leave-one-out chose on the subsample, largest
/// first, until one scores worse than the best before it: more data
/// supports less penalty, and one step more in case it does not.
const ALPHA_STEPS: [f64; 10] = [10.0, 1.0, 0.1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8];
/// A step down in α must lower the held-out error by more than this share
/// to be taken: where α hardly matters (a linear model on many more samples
/// than features), the path stops rather than walk every step.
const ALPHA_GAIN: f64 = 1e-4;
/// Twice the centres are kept when they lower the held-out error by this
/// share: each doubling costs twice Falkon's time, four times its M² memory.
const CENTRES_GAIN: f64 = 0.05;
/// The most centres `--auto` tries: K_MM and the preconditioner's two
/// factors take 1.5 GB at 8,000, and their factorisations M³.
const MAX_CENTRES: usize = 8_000;
/// Centres double only while the final fit's `K(X, centres)` has at most
/// this many values (4 GB in f64, held when the memory cap allows): beyond
/// it every conjugate-gradient step recomputes them, and 200,000 samples on
/// 8,000 centres ran over nine minutes where 2,000 centres took 15 s.
const MAX_KNM_VALUES: usize = 500_000_000;
/// The narrower kernel tried beside each gamma, as its multiple: a width
/// chosen on 2,000 samples is often wider than many more samples support.
const NARROWER: f64 = 4.0;
/// The share of the samples α is scored on.
const HELD_OUT: f64 = 0.2;
/// The held-out share and the rest are drawn from a seeded subsample of at
/// most this many samples (each point scored is a whole Falkon fit).
const HELD_OUT_SEARCH_MAX: usize = 50_000;

/// Falkon for `spec` (kernel ridge) on `x`: gamma (unless held: `g0` is
/// `None`) and α (unless held), then the linear baseline on the same
/// held-out samples, kept when `prefer_simple` and as good within noise.
/// With Huber's loss (`auto.robust`), its weights from the subsample's
/// reweighted exact fit weigh every Falkon fit and held-out error; they are
/// returned for the final fit.
#[allow(clippy::too_many_arguments)]
pub(super) fn choose(
    spec: &mut FitSpec,
    x: &DataSet,
    data: Weighed<'_, [f64]>,
    g0: Option<f64>,
    auto: &AutoSpec,
    par: Par,
    notices: &Notices,
    choices: &mut Choices,
) -> Result<Option<Vec<f64>>> {
    let n = x.n_samples();
    (spec.approx.method, spec.approx.components) = (Approx::Falkon, CENTRES.min(n));
    let y = data.targets;
    let drawn = Drawn::new(x, data, spec.seed);
    let sub = drawn.sub();
    let drawn_rows = sub.x.n_samples();
    if !auto.held.alpha {
        spec.alpha = Alpha::Auto;
    }
    let searched = match g0 {
        Some(g0) => {
            let (gamma, loo) = search_gamma(spec, sub.x, Weighed { targets: sub.y, weights: sub.weights }, g0, par)?;
            Param::Gamma.set(spec, gamma);
            choices.note(
                "subsample_gamma",
                json!(gamma),
                format!(
                    "gamma {gamma:.4e} by exact leave-one-out on a random {drawn_rows} (where held-out samples start)"
                ),
            );
            loo
        }
        None => spec_loo(spec, sub.x, sub.y, sub.weights, par)?,
    };
    choices.json.insert("gamma_search_samples".into(), json!(drawn_rows));
    if !robust::wanted(auto.robust, &searched.residuals) {
        let sd = mean_and_std(y).1;
        let best =
            held_out_and_baseline(spec, x, data, (&sub, &searched, sd), g0.is_some(), auto, par, notices, choices)?;
        let then = ", which bend the fit towards them; --auto-robust always fits Huber's loss";
        report_residual_tails(&best.residuals, "held-out", then, choices);
        return Ok(None);
    }
    let then = ", which would bend the fit towards them";
    report_residual_tails(&searched.residuals, "squared loss's leave-one-out", then, choices);
    let rounds = robust::huber_rounds(spec, &sub, searched, g0, par)?;
    let every = robust::weigh_every_sample(spec, x, data, &sub, &rounds, par)?;
    let huber = Weighed { targets: y, weights: Some(&every.weights[..]) };
    let sub = Subsample { weights: Some(&rounds.weights.weights), ..sub };
    // Huber-weighted scores: R² against the targets' deviation under the same weights.
    let sd = weighted_mean_and_std(y, &every.weights).1;
    let best =
        held_out_and_baseline(spec, x, huber, (&sub, &rounds.loo, sd), g0.is_some(), auto, par, notices, choices)?;
    robust::report_reweighting(&rounds, &every, &best.residuals, choices);
    Ok(Some(every.weights))
}

/// Centres, gamma and α by held-out error ([`held_out_choice`]) from the
/// subsample's leave-one-out `searched`, set on `spec` and reported (R²
/// against targets of deviation `sd`); then
/// the linear baseline on the same centres and held-out samples, kept when
/// as good within noise and `auto.prefer_simple`. Returns the chosen point.
#[allow(clippy::too_many_arguments)]
fn held_out_and_baseline(
    spec: &mut FitSpec,
    x: &DataSet,
    data: Weighed<'_, [f64]>,
    (sub, searched, sd): (&Subsample<'_>, &Loo, f64),
    width_free: bool,
    auto: &AutoSpec,
    par: Par,
    notices: &Notices,
    choices: &mut Choices,
) -> Result<Scored> {
    let r2 = |mse: f64| if sd > 0.0 { 1.0 - mse / (sd * sd) } else { 0.0 };
    // A held value is kept; otherwise α starts from leave-one-out's.
    let (alpha, alpha_fixed) = match (auto.held.alpha, spec.alpha) {
        (true, Alpha::Value(alpha)) => (alpha, true),
        _ => (searched.alpha, false),
    };
    let held = HeldOut::split(x, data, spec.seed);
    let shape = Shape::of_vectors(x, par);
    let (best, tried) = held_out_choice(spec, &held, shape, (alpha, alpha_fixed, width_free), par, notices)?;
    (spec.approx.components, spec.kernel.gamma, spec.alpha) = (best.centres, best.gamma, Alpha::Value(best.alpha));
    report_held_out(&best, &tried, (held.y_test.len(), alpha_fixed), r2, choices);
    // The linear baseline on the same centres and held-out samples, α from
    // its leave-one-out on the subsample down, as the kernel's.
    let (start, steps) = match alpha_fixed {
        true => (alpha, &ALPHA_STEPS[1..2]),
        false => (linear_loo(sub.x, sub.y, Alpha::Auto, sub.weights, par)?.alpha, &ALPHA_STEPS[..]),
    };
    let linear = kept_linear(spec, sub.x, Alpha::Value(start));
    let lin = held.alpha_path(&linear, start, steps, par, notices)?;
    let scores =
        |s: &Scored| Loo { alpha: s.alpha, mse: s.mse, squared: s.errors.to_vec(), residuals: s.residuals.to_vec() };
    let what = ("kernel's", ScoredBy::HeldOut);
    if report_linear_baseline(&scores(&best), &scores(&lin), r2, what, auto.prefer_simple, choices) {
        *spec = kept_linear(spec, sub.x, Alpha::Value(lin.alpha));
    }
    Ok(best)
}

/// Says which centres, gamma and α the held-out share chose, and the best
/// each number of centres scored.
fn report_held_out(
    best: &Scored,
    tried: &[Scored],
    (held, alpha_held): (usize, bool),
    r2: impl Fn(f64) -> f64,
    choices: &mut Choices,
) {
    let scores: Vec<String> = tried.iter().map(|t| format!("{}: R² {:.4}", t.centres, r2(t.mse))).collect();
    let gamma = best.gamma.map_or(String::new(), |g| format!(", gamma {g:.4e}"));
    let why = format!(
        "Falkon on {} centres{gamma}, alpha {:.4e} by its error on {held} held-out samples (mse {:.4e}; {}; \
         more centres only when they lower it by {:.0} %)",
        best.centres,
        best.alpha,
        best.mse,
        scores.join(", "),
        CENTRES_GAIN * 100.0
    );
    choices.note("approx", json!("falkon"), why);
    choices.json.insert("components".into(), json!(best.centres));
    if let Some(g) = best.gamma {
        choices.json.insert("gamma".into(), json!(g));
    }
    if !alpha_held {
        choices.json.insert("alpha".into(), json!(best.alpha));
    }
    choices.json.insert("held_out_mse".into(), json!(best.mse));
    choices.json.insert("held_out_samples".into(), json!(held));
}

/// A seeded [`HELD_OUT`] share of at most [`HELD_OUT_SEARCH_MAX`] samples and
/// the rest, which Falkon is fitted on to score each (centres, α).
struct HeldOut {
    x_train: DataSet,
    x_test: DataSet,
    targets: Targets,
    w_train: Option<Vec<f64>>,
    y_test: Vec<f64>,
    w_test: Option<Vec<f64>>,
}

impl HeldOut {
    fn split(x: &DataSet, data: Weighed<'_, [f64]>, seed: u64) -> Self {
        let n = x.n_samples();
        let mut rows: Vec<usize> =
            rand::seq::index::sample(&mut rng(seed ^ 0xa1fa), n, n.min(HELD_OUT_SEARCH_MAX)).into_vec();
        let held = ((rows.len() as f64 * HELD_OUT) as usize).max(1);
        let (test, train) = rows.split_at_mut(held);
        test.sort_unstable();
        train.sort_unstable();
        let pick = |v: &[f64], rows: &[usize]| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        HeldOut {
            x_train: x.select(train),
            x_test: x.select(test),
            targets: Targets::Values(pick(data.targets, train)),
            w_train: data.weights.map(|w| pick(w, train)),
            y_test: pick(data.targets, test),
            w_test: data.weights.map(|w| pick(w, test)),
        }
    }

    /// The held-out samples' (weighted) squared errors of `spec` fitted on
    /// the rest, their (weighted) mean, and their residuals `y − f(x)`.
    fn errors(&self, spec: &FitSpec, par: Par, notices: &Notices) -> Result<(Vec<f64>, f64, Vec<f64>)> {
        let kernel = DataSet::kernel(spec, &self.x_train)?;
        let fitted =
            DataSet::fit(spec, &kernel, self.x_train.clone(), &self.targets, self.w_train.as_deref(), par, notices)?;
        let Prediction::Values(p) = DataSet::predict(&fitted, &self.x_test, par)? else {
            unreachable!("ridge predicts values")
        };
        let p = p.col_as_slice(0);
        let (squared, mse) = weighted_squared_errors(p, &self.y_test, self.w_test.as_deref());
        Ok((squared, mse, self.y_test.iter().zip(p).map(|(y, p)| y - p).collect()))
    }

    /// The α of `start · steps` with the least held-out error at `spec`'s
    /// centres and gamma, stepping down until a step does not score better
    /// than the best by [`ALPHA_GAIN`] (near-ties go to the larger α), and
    /// that error.
    fn alpha_path(&self, spec: &FitSpec, start: f64, steps: &[f64], par: Par, notices: &Notices) -> Result<Scored> {
        let mut best: Option<Scored> = None;
        for step in steps {
            let alpha = start * step;
            let (errors, mse, residuals) =
                self.errors(&FitSpec { alpha: Alpha::Value(alpha), ..spec.clone() }, par, notices)?;
            match best {
                Some(ref b) if mse >= b.mse * (1.0 - ALPHA_GAIN) => break,
                _ => {
                    let (centres, gamma, errors) = (spec.approx.components, spec.kernel.gamma, errors.into());
                    best = Some(Scored { centres, gamma, alpha, mse, errors, residuals: residuals.into() });
                }
            }
        }
        Ok(best.expect("steps are not empty"))
    }
}

/// Falkon's centres, gamma and α with the held-out error they scored.
#[derive(Clone, Debug)]
struct Scored {
    centres: usize,
    gamma: Option<f64>,
    alpha: f64,
    mse: f64,
    /// Each held-out sample's (weighted) squared error.
    errors: Arc<[f64]>,
    /// Each held-out sample's residual `y − f(x)`.
    residuals: Arc<[f64]>,
}

/// Centres, gamma and α by the held-out error ([`HeldOut`]). At
/// [`CENTRES`]: α along `alpha · ALPHA_STEPS` at `spec`'s gamma. Then twice
/// the centres, each at the best gamma and [`NARROWER`] times it (more
/// centres resolve a narrower kernel; α from the best down), while that
/// lowers the error by [`CENTRES_GAIN`], up to [`MAX_CENTRES`], half the
/// samples fitted on, [`MAX_KNM_VALUES`] and what the memory cap lets the
/// final fit (on `shape`) hold; where these stop the first doubling, the
/// narrower width at [`CENTRES`]. Gamma moves only when `gamma_free`, α
/// only when not `alpha_held`. The choice, and the best at each number of
/// centres.
fn held_out_choice(
    spec: &FitSpec,
    held: &HeldOut,
    shape: Shape,
    (alpha, alpha_held, gamma_free): (f64, bool, bool),
    par: Par,
    notices: &Notices,
) -> Result<(Scored, Vec<Scored>)> {
    let at = |centres: usize, gamma: Option<f64>| {
        let mut at = spec.clone();
        (at.approx.components, at.kernel.gamma) = (centres, gamma);
        at
    };
    let steps = |from: usize| if alpha_held { &ALPHA_STEPS[1..2] } else { &ALPHA_STEPS[from..] };
    let fitted_on = held.x_train.n_samples();
    let mut best = held.alpha_path(&at(CENTRES.min(fitted_on), spec.kernel.gamma), alpha, steps(0), par, notices)?;
    let mut tried = vec![best.clone()];
    let narrower = |gamma: Option<f64>| gamma.filter(|_| gamma_free).map(|g| g * NARROWER);
    loop {
        let m = 2 * best.centres;
        let too_big = m > MAX_CENTRES || 2 * m > fitted_on || shape.n.saturating_mul(m) > MAX_KNM_VALUES;
        if too_big || memory::check_plan(&at(m, best.gamma), shape).is_err() {
            // No more centres than the first: the narrower width at these,
            // kept when it scores better at all (it costs the final fit nothing).
            if let Some(g) = narrower(best.gamma).filter(|_| tried.len() == 1) {
                let there = held.alpha_path(&at(best.centres, Some(g)), best.alpha, steps(1), par, notices)?;
                if there.mse < best.mse {
                    (best, *tried.last_mut().expect("one tried")) = (there.clone(), there);
                }
            }
            break;
        }
        let mut scored = held.alpha_path(&at(m, best.gamma), best.alpha, steps(1), par, notices)?;
        if let Some(g) = narrower(best.gamma) {
            let there = held.alpha_path(&at(m, Some(g)), best.alpha, steps(1), par, notices)?;
            scored = if there.mse < scored.mse { there } else { scored };
        }
        tried.push(scored.clone());
        if scored.mse > best.mse * (1.0 - CENTRES_GAIN) {
            break;
        }
        best = scored;
    }
    Ok((best, tried))
}

/// Each sample's squared error of `p` against `y` (times its weight `w`,
/// when given), and their mean (weighted); an error that is not a number
/// counts as infinite.
fn weighted_squared_errors(p: &[f64], y: &[f64], w: Option<&[f64]>) -> (Vec<f64>, f64) {
    let weight = |i: usize| w.map_or(1.0, |w| w[i]);
    let total: f64 = (0..y.len()).map(weight).sum();
    let errors: Vec<f64> = (0..y.len())
        .map(|i| weight(i) * (p[i] - y[i]).powi(2))
        .map(|e| if e.is_nan() { f64::INFINITY } else { e })
        .collect();
    let mse = errors.iter().sum::<f64>() / total.max(f64::MIN_POSITIVE);
    (errors, if mse.is_finite() { mse } else { f64::INFINITY })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_squared_errors_weigh_and_are_never_nan() {
        assert_eq!(weighted_squared_errors(&[1.0, 3.0], &[0.0, 0.0], None), (vec![1.0, 9.0], 5.0));
        assert_eq!(weighted_squared_errors(&[1.0, 3.0], &[0.0, 0.0], Some(&[3.0, 1.0])), (vec![3.0, 9.0], 3.0));
        assert_eq!(weighted_squared_errors(&[f64::NAN], &[0.0], None), (vec![f64::INFINITY], f64::INFINITY));
    }
}
