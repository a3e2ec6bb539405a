//! `--auto`'s GP covariance, chosen by the predictive likelihood of
//! held-out samples. The candidates are RBF and Matérn 3/2, each with one
//! lengthscale and with one per feature (ARD), both from the median width,
//! and ARD once more from the better one-width optimum (it then never ends
//! below that optimum). Every candidate learns its hyperparameters on the
//! same seeded sample of rows, as the final fit is (a sparse GP beyond
//! [`super::EXACT_GP_MAX`] samples, an exact GP up to it); the final fit
//! starts at the winner's.
//!
//! Why not one kernel: on UCI pol and bike ARD Matérn 3/2 predicts with a
//! third and a tenth of RBF's test RMSE, while on a sum of sines ARD stops
//! far from the one-lengthscale optimum when started at the median width;
//! no single covariance was best on the seven sets measured
//! (docs/selection.md, `benches/gp_auto.sh`).

use kern_kernels::{DataSet, Par, VectorKernel};
use kern_solvers::gp::{GpModel, GpPrediction, SgprModel, fit_subset};
use serde_json::json;

use super::Choices;
use super::search::sample_rows;
use crate::error::{Error, Result};
use crate::select::r2_score;
use crate::train::{Approx, FitSpec, KernelName, Sampling, sgpr_params};

/// Rows each candidate learns its hyperparameters on, and at most as many
/// held out to score it: thousands of rows pin down a covariance's few
/// hyperparameters. On elevators, pol and bike 1,000, 2,000 and 4,000 rows
/// gave the same test RMSE within 0.008 (ARD Matérn 3/2).
pub(super) const FIT_ROWS: usize = 2_000;
/// The rows of `n` the candidates learn on: [`FIT_ROWS`], or half of them
/// below twice that (the rest are held out).
pub(super) fn fit_rows(n: usize) -> usize {
    FIT_ROWS.min(n / 2)
}

/// Inducing points of the candidates' bound (and of the final fit's): on
/// the same sets 128 lost up to 0.016 of test RMSE against 256 (and ranked
/// the candidates wrongly on two generated sets), 512 gained about 0.004
/// for four times the work.
pub(super) const FIT_INDUCING: usize = 256;
/// Per-feature candidates up to this many features: each lengthscale is
/// one more variable of the search, and its evaluations grow with them.
const ARD_MAX_FEATURES: usize = 100;
/// Mixed into the seed of the held-out rows.
const HELD_OUT_SEED: u64 = 0x5B5E_7F17_0000_0003;

/// One covariance fitted on the sample, and how it predicted the held-out rows.
struct Candidate {
    kernel: VectorKernel,
    noise: f64,
    /// Mean negative log predictive density of a new observation.
    nll: f64,
    r2: f64,
    /// Whether it may be chosen (with `--ard` only the per-feature ones).
    eligible: bool,
    /// One lengthscale per feature.
    per_feature: bool,
}

/// Chooses the covariance of the GP `spec` fits on `(x, y)` (scaled
/// samples), each candidate the same kind of GP (sparse or exact) learnt on
/// [`fit_rows`] of them, and sets `spec` to start the final fit at the chosen
/// one's hyperparameters. Kept as given (`false`) when the kernel is given
/// whole, or its width or amplitude is held.
pub(super) fn choose_covariance(
    spec: &mut FitSpec,
    (x, y): (&DataSet, &[f64]),
    kernel_held: bool,
    width_held: bool,
    par: Par,
    choices: &mut Choices,
) -> Result<bool> {
    // RBF and Matérn 3/2 bracket the smoothness: on seven sets Matérn 5/2
    // (per feature) never beat both by more than 0.001 of test RMSE.
    let families: Vec<KernelName> =
        if kernel_held { vec![spec.kernel.name] } else { vec![KernelName::Rbf, KernelName::Matern32] };
    let searchable = |k: &KernelName| matches!(k, KernelName::Rbf | KernelName::Matern32 | KernelName::Matern52);
    if spec.custom_kernel.is_some() || width_held || spec.gp.amplitude.is_some() || !families.iter().all(searchable) {
        return Ok(false);
    }
    let (n, d) = (x.n_samples(), x.n_features());
    let Some(fit_rows) = fit_subset(n, Some(fit_rows(n)), spec.seed) else { return Ok(false) };
    let mut taken = vec![false; n];
    fit_rows.iter().for_each(|&i| taken[i] = true);
    let rest: Vec<usize> = (0..n).filter(|&i| !taken[i]).collect();
    let held_out: Vec<usize> = match sample_rows(rest.len(), FIT_ROWS, spec.seed ^ HELD_OUT_SEED) {
        Some(picked) => picked.iter().map(|&i| rest[i]).collect(),
        None => rest,
    };
    let pick = |rows: &[usize]| (x.select(rows), rows.iter().map(|&i| y[i]).collect::<Vec<f64>>());
    let (fit, check) = (pick(&fit_rows), pick(&held_out));
    // Per-feature candidates unless there are too many features, or `--ard` asks for them alone.
    let per_feature = spec.gp.ard || (2..=ARD_MAX_FEATURES).contains(&d);
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut failures: Vec<Error> = Vec::new();
    let mut keep = |fitted: Result<Candidate>, candidates: &mut Vec<Candidate>| match fitted {
        Ok(c) => candidates.push(c),
        Err(e) => failures.push(e),
    };
    // A candidate learns on the sample it is given: a sparse GP with its
    // posterior on its own points, or an exact GP.
    let sparse = spec.approx.method == Approx::Sgpr;
    let on_sample = || {
        let mut one = spec.clone();
        (one.gp.ard, one.gp.fit_samples, one.gp.posterior_components) = (false, None, None);
        if sparse {
            (one.approx.components, one.approx.sampling) = (FIT_INDUCING, Sampling::Kmeans);
        } else {
            one.gp.relative_decrease = Some(super::EXACT_DECREASE);
        }
        one.gp.restarts = Some(0);
        one
    };
    for &family in &families {
        let mut one = on_sample();
        one.kernel.name = family;
        keep(fit_candidate(&one, &fit, &check, !spec.gp.ard, par), &mut candidates);
        if per_feature {
            one.gp.ard = true;
            keep(fit_candidate(&one, &fit, &check, true, par), &mut candidates);
        }
    }
    // Per-feature widths from the best one-width optimum too: from the median
    // width they may stop in a wide basin that explains the data as noise.
    let best_shared = candidates.iter().filter(|c| !c.per_feature).min_by(|a, b| a.nll.total_cmp(&b.nll));
    if let Some(kernel) = best_shared.filter(|_| per_feature).and_then(|c| c.kernel.per_feature(d)) {
        let mut each = on_sample();
        each.gp.fit = Some(vec![true; kernel.n_hyperparameters()]);
        each.custom_kernel = Some(kernel);
        each.gp.noise_start = best_shared.map(|c| c.noise);
        keep(fit_candidate(&each, &fit, &check, true, par), &mut candidates);
    }
    let Some(best) = candidates.iter().filter(|c| c.eligible).min_by(|a, b| a.nll.total_cmp(&b.nll)) else {
        return Err(failures
            .into_iter()
            .next()
            .unwrap_or_else(|| Error::Usage("no GP covariance candidate fitted".into())));
    };
    if let Some(first) = failures.first() {
        choices.said.push(format!("{} covariance candidate(s) could not be fitted ({first})", failures.len()));
    }
    report(best, &candidates, (fit_rows.len(), held_out.len()), choices);
    spec.gp.fit = Some(vec![true; best.kernel.n_hyperparameters()]);
    spec.custom_kernel = Some(best.kernel.clone());
    spec.gp.noise_start = Some(best.noise);
    spec.gp.ard = false;
    Ok(true)
}

/// `spec`'s GP (sparse or exact) fitted on `fit`, scored on `check`.
fn fit_candidate(
    spec: &FitSpec,
    (x, y): &(DataSet, Vec<f64>),
    (xc, yc): &(DataSet, Vec<f64>),
    eligible: bool,
    par: Par,
) -> Result<Candidate> {
    let params = sgpr_params(spec, &spec.vector_kernel(x.n_features())?)?;
    let solver = |e| Error::from(kern_solvers::SolverError::from(e));
    let (kernel, noise, p): (VectorKernel, f64, GpPrediction) = if spec.approx.method == Approx::Sgpr {
        let model = SgprModel::fit(&params, x, y, par).map_err(solver)?;
        let p = model.predict(xc, par);
        (model.kernel, model.noise, p)
    } else {
        let model = GpModel::fit(&params.gp, x.clone(), y, par).map_err(solver)?;
        let p = model.predict(xc, par).map_err(solver)?;
        (model.kernel, model.noise, p)
    };
    let m = yc.len().max(1) as f64;
    let nll = (0..yc.len())
        .map(|i| {
            let s2 = p.std_with_noise[i] * p.std_with_noise[i];
            0.5 * (2.0 * std::f64::consts::PI * s2).ln() + (yc[i] - p.mean[i]).powi(2) / (2.0 * s2)
        })
        .sum::<f64>()
        / m;
    let r2 = r2_score(yc, &p.mean);
    let nll = if nll.is_finite() { nll } else { f64::INFINITY };
    let per_feature = matches!(
        unscaled(&kernel),
        VectorKernel::ArdRbf { .. } | VectorKernel::ArdMatern32 { .. } | VectorKernel::ArdMatern52 { .. }
    );
    Ok(Candidate { kernel, noise, nll, r2, eligible, per_feature })
}

/// The choice, and every candidate's score, in words and in JSON.
fn report(best: &Candidate, all: &[Candidate], (fitted_on, scored_on): (usize, usize), choices: &mut Choices) {
    let name = |k: &VectorKernel| unscaled(k).name();
    let listed: Vec<_> = all
        .iter()
        .map(|c| json!({ "kernel": name(&c.kernel), "held_out_nll": c.nll, "held_out_r2": c.r2, "eligible": c.eligible }))
        .collect();
    choices.json.insert("covariance_candidates".into(), json!(listed));
    let scores: Vec<String> = all.iter().map(|c| format!("{} {:.3}", name(&c.kernel), c.nll)).collect();
    choices.note(
        "covariance",
        json!(name(&best.kernel)),
        format!(
            "covariance {} by the predictive likelihood of {scored_on} held-out samples, each candidate's hyperparameters learnt on another {fitted_on} (mean negative log density: {}; held-out R² {:.4})",
            name(&best.kernel),
            scores.join(", "),
            best.r2
        ),
    );
}

/// The kernel inside an amplitude.
fn unscaled(kernel: &VectorKernel) -> &VectorKernel {
    match kernel {
        VectorKernel::Scaled { kernel, .. } => kernel,
        other => other,
    }
}
