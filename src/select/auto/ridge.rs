//! `--auto` for kernel ridge: gamma and α by exact leave-one-out error, and
//! the linear baseline (linear ridge, α by the same leave-one-out) beside it.

use faer::Mat;
use kern_kernels::{DataSet, ExactGram, GramProvider, GramRows, Par, SharedGram, VectorKernel};
use kern_solvers::{LooPath, WeightedGram};
use serde_json::json;

use super::baseline::{linear_with_intercept, paired_difference};
use super::robust::{self, Robust, report_residual_tails};
use super::search::sample_rows;
use super::{AutoSpec, Choices, Weighed};
use crate::error::Result;
use crate::select::{Param, mean_and_std, weighted_mean_and_std};
use crate::train::memory::{Shape, check_plan};
use crate::train::{Alpha, FitSpec};

/// What leave-one-out measured at one kernel: α, the mean squared error,
/// each sample's squared error (weighted, as scored) and its residual
/// `y_i − f₋ᵢ(x_i)` (unweighted, signed).
#[derive(Clone)]
pub(super) struct Loo {
    pub alpha: f64,
    pub mse: f64,
    pub squared: Vec<f64>,
    pub residuals: Vec<f64>,
}

/// Leave-one-out of `spec`'s kernel and α on `x` ([`leave_one_out`]).
pub(super) fn spec_loo(spec: &FitSpec, x: &DataSet, y: &Mat<f64>, weights: Option<&[f64]>, par: Par) -> Result<Loo> {
    leave_one_out(&spec.vector_kernel(x.n_features())?, spec.alpha, x, y, weights, par)
}

/// Leave-one-out of ridge regression with `kernel` on `x`: at `alpha` when
/// given, else at the α it selects; with weights, each squared error
/// weighted (the residuals of the weighted problem, [`WeightedGram`]). At
/// α = σ² these are a GP's leave-one-out residuals (its posterior mean is
/// this ridge fit).
pub(super) fn leave_one_out(
    kernel: &VectorKernel,
    alpha: Alpha,
    x: &DataSet,
    y: &Mat<f64>,
    weights: Option<&[f64]>,
    par: Par,
) -> Result<Loo> {
    gram_loo(&ExactGram::new(kernel, x, par), alpha, y, weights, Free::Nothing, par)
}

/// Linear ridge with an unpenalised intercept ([`leave_one_out`] of the
/// linear kernel on features and targets centred on their weighted means,
/// as scikit-learn's `RidgeCV` centres them): the linear baseline.
pub(super) fn linear_loo(x: &DataSet, y: &Mat<f64>, alpha: Alpha, weights: Option<&[f64]>, par: Par) -> Result<Loo> {
    let n = x.n_samples();
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let total: f64 = (0..n).map(w).sum::<f64>().max(f64::MIN_POSITIVE);
    let mut k = ExactGram::new(&VectorKernel::Linear, x, par).full();
    // ⟨x_i − m, x_j − m⟩ = K_ij − r_i − r_j + t, with m the weighted mean.
    let r: Vec<f64> = (0..n).map(|i| (0..n).map(|l| w(l) * k[(i, l)]).sum::<f64>() / total).collect();
    let t = (0..n).map(|i| w(i) * r[i]).sum::<f64>() / total;
    for j in 0..n {
        for i in 0..n {
            k[(i, j)] = k[(i, j)] - r[i] - r[j] + t;
        }
    }
    let mean = (0..n).map(|i| w(i) * y[(i, 0)]).sum::<f64>() / total;
    let y = Mat::from_fn(n, 1, |i, _| y[(i, 0)] - mean);
    let centred = SharedGram::new(k.as_ref());
    gram_loo(&ExactGram::new(&centred, &GramRows::all(n), par), alpha, &y, weights, Free::Intercept, par)
}

/// Whether leave-one-out refits an unpenalised intercept without the
/// left-out sample ([`LooPath::with_intercept`]): the centred linear
/// baseline's does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Free {
    Nothing,
    Intercept,
}

/// How the baseline and the kernel model were scored, on the same samples.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ScoredBy {
    /// Leave-one-out, each sample left out of a fit on the others.
    LeaveOneOut,
    /// Fitted on the rest, scored on held-out samples (Falkon's).
    HeldOut,
}

/// Reports the linear baseline `linear` beside the kernel model `kernel`
/// (`what`: "kernel's", "GP's"), both scored on the same samples as
/// `scored_by` says, `r2` turning a mean squared error into R²: whether it
/// is as good within noise (one standard error of the paired per-sample
/// differences of squared errors), and whether it is kept (when as good
/// and `prefer_simple`).
pub(super) fn report_linear_baseline(
    kernel: &Loo,
    linear: &Loo,
    r2: impl Fn(f64) -> f64,
    (what, scored_by): (&str, ScoredBy),
    prefer_simple: bool,
    choices: &mut Choices,
) -> bool {
    let (mean, noise) = paired_difference(&kernel.squared, &linear.squared);
    let as_good = mean.is_finite() && mean <= noise;
    let kept = as_good && prefer_simple;
    let samples = kernel.squared.len();
    let (key, how, on) = match scored_by {
        ScoredBy::LeaveOneOut => ("loo", "by leave-one-out", "samples"),
        ScoredBy::HeldOut => {
            ("held_out", "by its error on held-out samples, on the kernel's centres", "held-out samples")
        }
    };
    choices.json.insert(
        "baseline".into(),
        json!({ "kernel": "linear", "alpha": linear.alpha, format!("{key}_mse"): linear.mse,
                format!("{key}_r2"): r2(linear.mse), format!("kernel_{key}_mse"): kernel.mse, "samples": samples,
                "as_good_within_noise": as_good, "kept": kept }),
    );
    choices.said.push(format!(
        "linear baseline (ridge with an intercept, alpha {:.4e} {how}) on the same {samples} {on}: R² {:.4} beside the {what} {:.4}: {}",
        linear.alpha,
        r2(linear.mse),
        r2(kernel.mse),
        super::baseline::verdict(as_good, kept)
    ));
    kept
}

/// [`leave_one_out`] of the Gram matrix `gram`.
fn gram_loo(
    gram: &dyn GramProvider,
    alpha: Alpha,
    y: &Mat<f64>,
    weights: Option<&[f64]>,
    free: Free,
    par: Par,
) -> Result<Loo> {
    let path = |gram: &dyn GramProvider, y: faer::MatRef<'_, f64>| match free {
        Free::Nothing => LooPath::new(gram, y, par),
        Free::Intercept => {
            // The weighted problem's rows are scaled by √w: so is the intercept's direction.
            let direction: Vec<f64> = (0..gram.n()).map(|i| weights.map_or(1.0, |w| w[i].sqrt())).collect();
            LooPath::with_intercept(gram, y, &direction, par)
        }
    };
    let path = match weights {
        None => path(gram, y.as_ref())?,
        Some(w) => {
            let weighted = WeightedGram::new(gram, w);
            path(&weighted, weighted.scale_rows(y.as_ref()).as_ref())?
        }
    };
    let alpha = match alpha {
        Alpha::Auto => path.select()?.alpha,
        Alpha::Value(a) => a,
    };
    // The weighted problem's residuals are √w_i times the samples' own.
    let residuals: Vec<f64> = match path.residuals(alpha) {
        Some(r) => {
            r.col_as_slice(0).iter().enumerate().map(|(i, v)| v / weights.map_or(1.0, |w| w[i].sqrt())).collect()
        }
        None => vec![f64::INFINITY; gram.n()],
    };
    let squared: Vec<f64> = residuals.iter().enumerate().map(|(i, r)| weights.map_or(1.0, |w| w[i]) * r * r).collect();
    let total = weights.map_or(squared.len() as f64, |w| w.iter().sum());
    let mse = squared.iter().sum::<f64>() / total.max(1e-300);
    Ok(Loo { alpha, mse: if mse.is_finite() { mse } else { f64::INFINITY }, squared, residuals })
}

/// `spec` as the kept linear ridge (`linear + c`, `c` scaled to `xs`, the
/// samples the baseline was measured on) with penalty `alpha`.
pub(super) fn kept_linear(spec: &FitSpec, xs: &DataSet, alpha: Alpha) -> FitSpec {
    let mean_sq_norm = xs.sq_norms().iter().sum::<f64>() / xs.n_samples().max(1) as f64;
    FitSpec { alpha, ..linear_with_intercept(spec, INTERCEPT_VARIANCE * mean_sq_norm.max(1.0)) }
}

/// The intercept's variance in a kept linear ridge (`linear + c`), in units
/// of the samples' mean squared norm: α then penalises the intercept a
/// thousandth as much as the weights, as near to the centred fit the
/// baseline measured as a kernel can come.
const INTERCEPT_VARIANCE: f64 = 1e3;

/// Gamma is chosen on a seeded subsample of at most this many samples: one
/// eigendecomposition per gamma tried costs n³, and up to exact ridge's
/// 10,000 samples the width that wins on 2,000 is the one that wins on all
/// (the penalty α, which does depend on n, is then chosen on all of them;
/// beyond, Falkon also tries narrower widths on held-out samples).
pub(super) const GAMMA_SEARCH_MAX: usize = 2_000;

/// Gamma (unless held: `g0` is `None`) by the exact leave-one-out error over
/// `g0 · 2^{-4, -2, 0, 2, 4}` then the neighbours of the best at one step,
/// on at most [`GAMMA_SEARCH_MAX`] samples; α (unless held) by leave-one-out
/// on all samples at that gamma. With Huber's loss (`auto.robust`: always, or
/// when those residuals are heavy-tailed) both under reweighting
/// ([`huber_ridge`]). Then linear ridge on the samples gamma was chosen on,
/// kept when `prefer_simple` and as good within noise. Returns the weights
/// the final fit takes when they are not the caller's: Huber's times theirs.
pub(super) fn choose(
    spec: &mut FitSpec,
    x: &DataSet,
    data: Weighed<'_, [f64]>,
    g0: Option<f64>,
    auto: &AutoSpec,
    par: Par,
    choices: &mut Choices,
) -> Result<Option<Vec<f64>>> {
    let alpha_held = auto.held.alpha;
    if !alpha_held {
        spec.alpha = Alpha::Auto;
    }
    let Some(g0) = g0 else {
        if !alpha_held {
            choices.note("alpha", json!("leave-one-out"), "alpha by exact leave-one-out".into());
        }
        return Ok(None);
    };
    // One eigendecomposition of K at a time: K and its eigenvectors.
    check_plan(&FitSpec { alpha: Alpha::Auto, ..spec.clone() }, Shape::of_vectors(x, par))?;
    let (y, weights) = (data.targets, data.weights);
    let drawn = Drawn::new(x, data, spec.seed);
    let sub = drawn.sub();
    let (gamma, searched) = search_gamma(spec, sub.x, Weighed { targets: sub.y, weights: sub.weights }, g0, par)?;
    Param::Gamma.set(spec, gamma);
    if robust::wanted(auto.robust, &searched.residuals) {
        let then = ", which would bend the fit towards them";
        report_residual_tails(&searched.residuals, "squared loss's leave-one-out", then, choices);
        let fit = robust::huber_ridge(spec, x, data, &sub, searched, Some(g0), par, choices)?;
        // Huber-weighted scores: R² against the targets' deviation under the same weights.
        let (_, sd) = weighted_mean_and_std(y, &fit.weights);
        let sub = Subsample { weights: Some(&fit.sub_weights), ..sub };
        report_ridge(spec, &fit.on_all, &fit.on_sub, &sub, sd, auto, par, choices)?;
        return Ok(Some(fit.weights));
    }
    let chosen = match sub.rows {
        Some(_) => spec_loo(spec, x, &column(y), weights, par)?,
        None => searched.clone(),
    };
    let then = match auto.robust {
        Robust::Never => "; --auto-robust never keeps the squared loss, which bends the fit towards them",
        _ => ", which bend the fit towards them; --auto-robust always fits Huber's loss",
    };
    report_residual_tails(&chosen.residuals, "leave-one-out", then, choices);
    let (_, sd) = mean_and_std(y);
    report_ridge(spec, &chosen, &searched, &sub, sd, auto, par, choices)?;
    Ok(None)
}

/// The samples gamma is searched on: all, or a seeded subsample (`rows`).
pub(super) struct Subsample<'a> {
    pub x: &'a DataSet,
    pub y: &'a Mat<f64>,
    pub weights: Option<&'a [f64]>,
    pub rows: Option<&'a [usize]>,
}

/// The samples gamma is searched on, drawn once: every sample up to
/// [`GAMMA_SEARCH_MAX`], else a seeded random subsample of that many.
pub(super) struct Drawn {
    x: DataSet,
    y: Mat<f64>,
    weights: Option<Vec<f64>>,
    rows: Option<Vec<usize>>,
}

impl Drawn {
    /// Draws from `x` and `data` with `seed`.
    pub(super) fn new(x: &DataSet, data: Weighed<'_, [f64]>, seed: u64) -> Self {
        let (y, weights) = (data.targets, data.weights);
        let rows = sample_rows(y.len(), GAMMA_SEARCH_MAX, seed);
        let pick = |v: &[f64], rows: &[usize]| rows.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let (x, y, weights) = match &rows {
            Some(rows) => (x.select(rows), column(&pick(y, rows)), weights.map(|w| pick(w, rows))),
            None => (x.clone(), column(y), weights.map(<[f64]>::to_vec)),
        };
        Drawn { x, y, weights, rows }
    }

    /// The drawn samples, borrowed.
    pub(super) fn sub(&self) -> Subsample<'_> {
        Subsample { x: &self.x, y: &self.y, weights: self.weights.as_deref(), rows: self.rows.as_deref() }
    }
}

/// A column of targets.
pub(super) fn column(y: &[f64]) -> Mat<f64> {
    Mat::from_fn(y.len(), 1, |i, _| y[i])
}

/// `y` centred about its mean (weighted by `weights` where given), as the
/// final fit centres it ([`FitSpec::centre_targets`]).
pub(super) fn centred(y: &[f64], weights: Option<&[f64]>) -> Vec<f64> {
    let mut c = y.to_vec();
    kern_solvers::centre_targets(faer::MatMut::from_column_major_slice_mut(&mut c, y.len(), 1), weights);
    c
}

/// Sets α from `chosen` (leave-one-out on all samples) and reports gamma,
/// α and their score (R² against targets of deviation `sd`), then the linear
/// baseline beside `searched` (the kernel on the gamma-search samples, with
/// their weights), kept when as good within noise and `prefer_simple`.
#[allow(clippy::too_many_arguments)]
fn report_ridge(
    spec: &mut FitSpec,
    chosen: &Loo,
    searched: &Loo,
    sub: &Subsample<'_>,
    sd: f64,
    auto: &AutoSpec,
    par: Par,
    choices: &mut Choices,
) -> Result<()> {
    let r2 = |mse: f64| if sd > 0.0 { 1.0 - mse / (sd * sd) } else { 0.0 };
    // The alpha leave-one-out chose at this gamma: the final fit needs no second eigendecomposition.
    spec.alpha = Alpha::Value(chosen.alpha);
    let gamma = spec.kernel.gamma.unwrap_or(f64::NAN);
    let (alpha, mse, n) = (chosen.alpha, chosen.mse, sub.x.n_samples());
    let on = if sub.rows.is_some() { format!(" on a random {n}") } else { String::new() };
    let said = format!(
        "gamma {gamma:.4e} by exact leave-one-out{on}, then alpha {alpha:.4e} (mse {mse:.4e}, R² {:.4})",
        r2(mse)
    );
    choices.note("gamma", json!(gamma), said);
    if !auto.held.alpha {
        choices.json.insert("alpha".into(), json!("leave-one-out"));
    }
    choices.json.insert("gamma_search_samples".into(), json!(n));
    choices.json.insert("loo_mse".into(), json!(mse));
    choices.json.insert("loo_r2".into(), json!(r2(mse)));
    // Linear ridge on the samples gamma was chosen on.
    let alpha_held_or_auto = if auto.held.alpha { spec.alpha } else { Alpha::Auto };
    let lin = linear_loo(sub.x, sub.y, alpha_held_or_auto, sub.weights, par)?;
    let what = ("kernel's", ScoredBy::LeaveOneOut);
    if report_linear_baseline(searched, &lin, r2, what, auto.prefer_simple, choices) {
        // On a subsample, α is chosen again on all samples by the final fit.
        let alpha = if sub.rows.is_some() && !auto.held.alpha { Alpha::Auto } else { Alpha::Value(lin.alpha) };
        *spec = kept_linear(spec, sub.x, alpha);
    }
    Ok(())
}

/// Gamma by leave-one-out on `x`: the best of `g0 · 2^{-4, -2, 0, 2, 4}` and
/// its neighbours at one step, and what leave-one-out measured there.
pub(super) fn search_gamma(
    spec: &FitSpec,
    x: &DataSet,
    data: Weighed<'_, Mat<f64>>,
    g0: f64,
    par: Par,
) -> Result<(f64, Loo)> {
    // (log2 gamma offset, what leave-one-out measured) of each gamma tried.
    let mut tried: Vec<(f64, Loo)> = Vec::new();
    let loo = |tried: &mut Vec<(f64, Loo)>, log2g: f64| -> Result<()> {
        if !tried.iter().any(|p| p.0 == log2g) {
            let mut p = spec.clone();
            Param::Gamma.set(&mut p, g0 * log2g.exp2());
            tried.push((log2g, spec_loo(&p, x, data.targets, data.weights, par)?));
        }
        Ok(())
    };
    for offset in [-4.0, -2.0, 0.0, 2.0, 4.0] {
        loo(&mut tried, offset)?;
    }
    let best =
        |tried: &[(f64, Loo)]| (0..tried.len()).fold(0, |b, i| if tried[i].1.mse < tried[b].1.mse { i } else { b });
    let centre = tried[best(&tried)].0;
    loo(&mut tried, centre - 1.0)?;
    loo(&mut tried, centre + 1.0)?;
    let (log2g, at_best) = tried.swap_remove(best(&tried));
    Ok((g0 * log2g.exp2(), at_best))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::linalg::solvers::Solve;

    /// Targets `50 + xᵀw` exactly: with its intercept the linear baseline
    /// predicts every left-out sample (to rounding), without it it cannot;
    /// and weights of 1 change nothing.
    #[test]
    fn the_linear_baseline_has_an_unpenalised_intercept() {
        let x = crate::synthetic::uniform(60, 3, 3);
        let v = |i: usize, f: usize| x.row(i).value_at(f);
        let y = Mat::from_fn(60, 1, |i, _| 50.0 + 2.0 * v(i, 0) - v(i, 1) + 0.5 * v(i, 2));
        let with = linear_loo(&x, &y, Alpha::Value(1e-10), None, Par::Seq).unwrap();
        assert!(with.mse < 1e-12, "{}", with.mse);
        let without = leave_one_out(&VectorKernel::Linear, Alpha::Value(1e-10), &x, &y, None, Par::Seq).unwrap();
        assert!(without.mse > 1.0, "{}", without.mse);
        let ones = vec![1.0; 60];
        let weighted = linear_loo(&x, &y, Alpha::Value(1e-10), Some(&ones), Par::Seq).unwrap();
        assert!(with.squared.iter().zip(&weighted.squared).all(|(a, b)| (a - b).abs() < 1e-12));
    }

    /// Each left-out sample's weighted squared error of linear ridge with an
    /// intercept refitted on the other samples (weighted means, then
    /// `(X_cᵀ W X_c + αI) β = X_cᵀ W y_c` in the primal): the reference.
    fn refitted(x: &DataSet, y: &[f64], w: &[f64], alpha: f64) -> Vec<f64> {
        let (n, d) = (x.n_samples(), x.n_features());
        let v = |i: usize, f: usize| x.row(i).value_at(f);
        (0..n)
            .map(|out| {
                let rest: Vec<usize> = (0..n).filter(|&i| i != out).collect();
                let total: f64 = rest.iter().map(|&i| w[i]).sum();
                let mean = |f: &dyn Fn(usize) -> f64| rest.iter().map(|&i| w[i] * f(i)).sum::<f64>() / total;
                let xm: Vec<f64> = (0..d).map(|f| mean(&|i| v(i, f))).collect();
                let ym = mean(&|i| y[i]);
                let a = Mat::from_fn(d, d, |f, g| {
                    let sum: f64 = rest.iter().map(|&i| w[i] * (v(i, f) - xm[f]) * (v(i, g) - xm[g])).sum();
                    sum + if f == g { alpha } else { 0.0 }
                });
                let b = Mat::from_fn(d, 1, |f, _| rest.iter().map(|&i| w[i] * (v(i, f) - xm[f]) * (y[i] - ym)).sum());
                let beta = a.llt(faer::Side::Lower).expect("definite").solve(&b);
                let predicted = ym + (0..d).map(|f| (v(out, f) - xm[f]) * beta[(f, 0)]).sum::<f64>();
                w[out] * (y[out] - predicted).powi(2)
            })
            .collect()
    }

    /// The baseline's leave-one-out errors are those of refitting without
    /// each sample, intercept included, with more features than samples
    /// and fewer, weighted or not. Without refitting the intercept, a fit
    /// with more features than samples predicted every left-out target
    /// exactly, so the baseline scored R² 1 on noise.
    #[test]
    fn the_linear_baseline_leaves_each_sample_out_of_its_intercept_too() {
        for (n, d) in [(14, 30), (40, 3)] {
            let x = crate::synthetic::uniform(n, d, 7);
            let noise = crate::synthetic::uniform(n, 1, 8);
            let y: Vec<f64> = (0..n).map(|i| 3.0 + x.row(i).value_at(0) + noise.row(i).value_at(0)).collect();
            let column = Mat::from_fn(n, 1, |i, _| y[i]);
            let varied: Vec<f64> = (0..n).map(|i| 0.5 + (i % 3) as f64).collect();
            for weights in [None, Some(&varied[..])] {
                let w = weights.map_or(vec![1.0; n], <[f64]>::to_vec);
                for alpha in [1e-4, 1.0] {
                    let loo = linear_loo(&x, &column, Alpha::Value(alpha), weights, Par::Seq).unwrap();
                    for (got, want) in loo.squared.iter().zip(refitted(&x, &y, &w, alpha)) {
                        assert!((got - want).abs() <= 1e-8 * want.max(1e-3), "{n}×{d} α {alpha}: {got} against {want}");
                    }
                }
            }
            // Noise alone, wide: nothing predicts it better than its mean.
            let only_noise = Mat::from_fn(n, 1, |i, _| noise.row(i).value_at(0));
            let (_, sd) = mean_and_std(only_noise.col_as_slice(0));
            let loo = linear_loo(&x, &only_noise, Alpha::Auto, None, Par::Seq).unwrap();
            assert!(loo.mse > 0.8 * sd * sd, "{n}×{d}: mse {} on targets of variance {}", loo.mse, sd * sd);
        }
    }
}
