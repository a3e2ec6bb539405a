//! `--auto`: the choices an expert makes, made from the data and reported.
//!
//! - The kernel, when not given: wl for graphs, spectrum for sequences, the
//!   given (rbf by default) for vectors. The task, when not given: classes
//!   (text labels, two values, or a few integers) → svc; other numbers →
//!   krr (svr beyond 10,000 samples); no labels → oneclass.
//! - Vectors are scaled per feature, fitted on the training data and stored
//!   in the model, so prediction applies the same map ([`Scaling`]).
//! - gamma from the median pairwise distance ([`gamma::median_gamma`]).
//! - SVMs: C and gamma by a coarse-to-fine cross-validated search over
//!   grid.py's ranges (`tune.rs`), never ending below its start (C = 1 at
//!   the median gamma); beyond [`SEARCH_MAX`] samples on a subsample, its
//!   best few checked on a disjoint one (`search.rs`). ε-SVR's ε is a tenth
//!   of the targets' standard deviation; where a few far-off targets
//!   dominate it, of their typical deviation, and the search minimises the
//!   mean absolute error (`robust.rs`).
//! - Vectors: a linear baseline on the same samples and folds, reported
//!   beside the kernel model, kept with `prefer_simple` when as good within
//!   noise (`baseline.rs`).
//! - Kernel ridge: α by exact leave-one-out, and gamma by the same
//!   leave-one-out error over a few multiples of the median heuristic;
//!   Huber's loss by reweighting when a few samples dominate that error
//!   (`robust.rs`, [`Robust`]).
//! - GPs: every hyperparameter by the marginal likelihood, from the median
//!   heuristic. For regression from [`CHOSEN_GP_MIN`] samples the covariance
//!   (RBF or Matérn 3/2, one lengthscale or one per feature) is chosen by
//!   held-out samples (`covariance.rs`); beyond [`EXACT_GP_MAX`] the GP is sparse.
//!   Classification is exact from one start up to [`EXACT_GPC_MAX`] samples,
//!   on Nyström features beyond.
//!
//! An option the caller holds ([`Held`]) is kept as given, never searched.

mod baseline;
mod covariance;
mod falkon;
mod gamma;
mod gp;
mod report;
mod ridge;
mod robust;
mod search;
mod task;
mod tune;

use std::time::Instant;

use kern_kernels::{DataSet, Par};
use serde_json::{Map, Value, json};

use super::{Metric, Param};
use crate::error::{Error, Result};
use crate::io::{Data, Inputs, SampleKind};
use crate::model::Scaling;
use crate::train::{
    Approx, FitSpec, Fitted, KernelName, Learnable, Notices, Sampling, Targets, Task, check_precomputed,
};
pub use gamma::median_gamma;
pub use robust::Robust;
pub use search::search_rows;
use search::{Sample, check_on_disjoint};
use task::choose_task;
pub use task::{ValueLabels, numeric_labels_as_classes};
use tune::{LOG2_C, Space};

/// Folds of the searches' cross-validation.
pub const FOLDS: usize = 5;
/// Beyond this many samples regression on vectors is Falkon's kernel ridge
/// (ε-SVR on strings and graphs), not exact ridge.
const EXACT_RIDGE_MAX: usize = 10_000;
/// Above this many samples GP regression under `--auto` is a sparse GP with
/// its covariance chosen by held-out samples. An exact GP's fit grows as n³:
/// on 3,000 rows of UCI pol it took 51 s (one-width RBF, five restarts; test
/// RMSE 0.270) and 88 s with the chosen covariance (0.119), where the sparse
/// GP took 4.7 s (0.147); on 3,000 of abalone 26 s, 21 s and 3.5 s (test MSE
/// 3.916, 3.960 and 3.889).
const EXACT_GP_MAX: usize = 2_000;
/// From this many samples the exact GP's covariance is chosen too, by the
/// held-out half ([`choose_exact_gp`]); below, one-width RBF with random
/// restarts: a hundred held-out samples are about the fewest that tell the
/// candidates apart (the mean log density's standard error is about 0.1).
const CHOSEN_GP_MIN: usize = 200;
/// Above this many samples GP classification under `--auto` is the Laplace
/// classifier on Nyström features: its exact fit is n³ per Newton step, and
/// more steps as nearly separable classes drive the amplitude up. On 2,000
/// rows of four binary sets it took 8-13 s (one start) against 2.5-2.9 s on
/// features for the same test accuracy within 0.25 point; at 1,000 both
/// took about 2 s (five restarts at scipy's tolerance: 7 minutes on 2,000 rows
/// of UCI pol).
const EXACT_GPC_MAX: usize = 1_000;
/// GP classification's Nyström features under `--auto` (the published SGPR's 512).
const SPARSE_GP_INDUCING: usize = 512;
/// Under `--auto` the sparse GP's posterior goes on up to this many inducing
/// points ([`crate::train::GpSpec::posterior_components`])...
const SPARSE_GP_POSTERIOR: usize = 2_048;
/// ... as long as that pass, `2 n M'²` flops, stays within this (about 10 s
/// on 2 cores), and adds at least as many points as the fit has.
const POSTERIOR_PASS_FLOPS: f64 = 8e11;
/// The SVM search runs on a seeded random subsample of at most this many
/// samples (the final model is fitted on all of them): every search point
/// is `FOLDS` fits, and SMO's cost grows faster than linearly in n.
pub const SEARCH_MAX: usize = 5_000;

/// The options the caller gave, held as given: `--auto` chooses the others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Held {
    pub task: bool,
    pub kernel: bool,
    pub c: bool,
    /// gamma or a lengthscale.
    pub width: bool,
    pub alpha: bool,
    pub epsilon: bool,
    /// SMO's stopping tolerance.
    pub tol: bool,
}

/// How `--auto` searches: the options held, what it maximises, and whether
/// a linear model as good within noise is kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AutoSpec {
    pub held: Held,
    /// What the searches maximise (`--auto-metric`): a classifier's metric,
    /// or for regression the mean absolute error in place of the squared.
    pub metric: Metric,
    /// Keep the linear baseline when it scores as well within noise (`--auto-prefer-simple`).
    pub prefer_simple: bool,
    /// When the targets are taken to hold far-off errors (`--auto-robust`):
    /// Huber's loss for kernel ridge, a robust ε and score for ε-SVR.
    pub robust: Robust,
}

/// What `--auto` chose and why.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Choices {
    /// Human-readable, one clause each.
    pub said: Vec<String>,
    /// The same as JSON fields.
    pub json: Map<String, Value>,
}

impl Choices {
    fn note(&mut self, key: &str, value: Value, said: String) {
        self.json.insert(key.to_string(), value);
        self.said.push(said);
    }

    /// Whether the options were scored by held-out fits of the final
    /// solver under the same limits (Falkon beyond 10,000 samples), so that
    /// an iteration limit the final fit reaches is part of what was scored.
    ///
    /// ```
    /// assert!(!kern::select::Choices::default().scored_held_out());
    /// ```
    pub fn scored_held_out(&self) -> bool {
        self.json.contains_key("held_out_mse")
    }
}

/// Fits `spec` on `data` with every option not `held` chosen from the
/// data: the fitted model (its time includes the search) and the choices.
///
/// ```
/// use kern::io::{Data, Inputs, Labels};
/// use kern::select::{AutoSpec, fit_auto};
/// use kern::train::FitSpec;
/// use kern::{DataSet, DenseMatrix, Par};
///
/// let rows: Vec<Vec<f64>> = (0..60).map(|i| vec![(i % 2) as f64 * 3.0 + i as f64 / 60.0]).collect();
/// let labels = Labels::Numeric((0..60).map(|i| (i % 2) as f64).collect());
/// let data = Data::new(Inputs::Vectors(DataSet::from(DenseMatrix::from_rows(&rows).unwrap())), Some(labels));
/// let (fitted, choices) = fit_auto(&FitSpec::default(), &AutoSpec::default(), data, Par::Seq)?;
/// assert_eq!(fitted.model.task(), "svc");
/// assert!(choices.json.contains_key("c"));
/// # Ok::<(), kern::Error>(())
/// ```
pub fn fit_auto(spec: &FitSpec, auto: &AutoSpec, data: Data, par: Par) -> Result<(Fitted, Choices)> {
    let held = &auto.held;
    // Samples of weight zero take no part: not in the search, not in the fit.
    let data = crate::train::without_zero_weights(&data)?.unwrap_or(data);
    let started = Instant::now();
    let mut spec = spec.clone();
    // The search fits on all samples; only the final fit holds a calibration share out.
    let conformal = spec.conformal.take();
    let mut choices = Choices::default();
    let notices = Notices::default();
    if !held.kernel {
        let kernel = match data.x.kind() {
            SampleKind::Graphs => KernelName::Wl,
            SampleKind::Sequences => KernelName::Spectrum,
            SampleKind::Vectors => spec.kernel.name,
        };
        if kernel != spec.kernel.name {
            spec.kernel.name = kernel;
            choices.note("kernel", json!(kernel.name()), format!("kernel {} (from the data's format)", kernel.name()));
        }
    }
    if !held.task {
        choose_task(&mut spec, data.labels.as_ref(), data.x.kind(), data.x.len(), &mut choices);
    }
    let classifies = matches!(spec.task, Task::Svc | Task::Nusvc | Task::Gpc | Task::Oneclass);
    if auto.metric == Metric::AbsoluteError && classifies {
        let task = spec.task.name();
        return Err(Error::Usage(format!(
            "--auto-metric mae scores regression; --task {task} classifies: accuracy, balanced-accuracy or f1"
        )));
    }
    let ToFit { check: gp_check, weights } = match &data.x {
        Inputs::Vectors(x) => choose_for_vectors(&mut spec, auto, x, &data, par, &notices, &mut choices)?,
        Inputs::Sequences(x) => choose_for_machine(&mut spec, auto, x, &data, par, &notices, &mut choices)?,
        Inputs::Graphs(x) => choose_for_machine(&mut spec, auto, x, &data, par, &notices, &mut choices)?,
    };
    // Huber's loss is fitted as ridge weighted by it (and by the caller's weights).
    let data = match weights {
        Some(weights) => Data { weights: Some(weights), ..data },
        None => data,
    };
    let exact_intervals = spec.task == Task::Gp || (spec.task == Task::Krr && spec.approx.method == Approx::None);
    if conformal.is_some() && exact_intervals {
        // The chosen model has intervals of its own (Gaussian, jackknife+): no share held out.
        let why = format!("no calibration share held out: {} has intervals of its own", spec.task.name());
        choices.note("conformal", json!(null), why);
    } else {
        spec.conformal = conformal;
    }
    let n_samples = data.x.len();
    // A GP's check needs the fitted hyperparameters; keeping its linear
    // model is a second fit.
    let for_refit = (gp_check.is_some() && auto.prefer_simple).then(|| data.clone());
    let mut model = crate::train::fit_model(&spec, data, par, &notices)?;
    if let Some(check) = &gp_check {
        let verdict = check.report(&model.estimator, auto.prefer_simple, par, &notices, &mut choices);
        if let (true, Some(data)) = (verdict.keep_linear, for_refit) {
            // Weights' and intercept's variances by the marginal likelihood, from 1.
            let linear = baseline::linear_with_intercept(&spec, 1.0);
            model = crate::train::fit_model(&linear, data, par, &notices)?;
        }
    }
    let fitted = Fitted { model, n_samples, seconds: started.elapsed().as_secs_f64(), notices: notices.lines() };
    Ok((fitted, choices))
}

/// Targets (or target values) and, when given, a positive weight per sample.
#[derive(Debug)]
pub(super) struct Weighed<'a, T: ?Sized> {
    pub targets: &'a T,
    pub weights: Option<&'a [f64]>,
}

impl<T: ?Sized> Clone for Weighed<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Weighed<'_, T> {}

/// What the choices leave for the final fit: the check to run on a fitted
/// GP, and weights the fit takes in place of the caller's (Huber's times theirs).
#[derive(Default)]
struct ToFit {
    check: Option<gp::Check>,
    weights: Option<Vec<f64>>,
}

/// Vectors: scaling, the median gamma, then the task's own choices; for GP
/// regression, the check to run on the fitted GP.
fn choose_for_vectors(
    spec: &mut FitSpec,
    auto: &AutoSpec,
    x: &DataSet,
    data: &Data,
    par: Par,
    notices: &Notices,
    choices: &mut Choices,
) -> Result<ToFit> {
    check_precomputed(spec, x, &data.file)?;
    let scaled = (!spec.precomputed()).then(|| {
        let scaling = Scaling::fit(x);
        let how = scaling.describe();
        choices.note("scaling", json!(how), format!("features {how} (stored in the model)"));
        scaling.apply(x)
    });
    spec.scale = scaled.is_some();
    let held = &auto.held;
    let x = scaled.as_ref().unwrap_or(x);
    let targets = Targets::new(spec.task, data.labels.as_ref(), &data.file)?;
    let g0 = if held.width { None } else { median_gamma(spec.kernel.name, x, spec.seed) };
    if let Some(g) = g0 {
        choices.note("gamma_median", json!(g), format!("median-heuristic gamma {g:.4e}"));
    }
    // Kernel ridge has no intercept: targets far from zero would cost it its smoothness.
    spec.centre_targets = spec.fits_ridge();
    match (spec.task, &targets) {
        (Task::Gp | Task::Gpc, _) if spec.approx.method == Approx::None => {
            spec.gp.gamma_start = g0;
            let (n, unweighted) = (x.n_samples(), data.weights.is_none());
            let sparse =
                spec.task == Task::Gp && matches!(targets, Targets::Values(_)) && unweighted && n > EXACT_GP_MAX;
            // Taken before the covariance is chosen: the check measures the fit against the median start.
            let check = match (spec.task, &targets, spec.precomputed()) {
                (Task::Gp, Targets::Values(y), false) => {
                    let weighed = Weighed { targets: y.as_slice(), weights: data.weights.as_deref() };
                    Some(gp::Check::new(spec, x, weighed, sparse)?)
                }
                _ => None,
            };
            match &targets {
                Targets::Values(y) if sparse => choose_sparse_gp(spec, (x, y), held, par, choices)?,
                Targets::Values(y) if spec.task == Task::Gp && unweighted && n >= CHOSEN_GP_MIN => {
                    choose_exact_gp(spec, (x, y), held, par, choices)?
                }
                Targets::Classes { .. } if unweighted && n > EXACT_GPC_MAX => {
                    (spec.approx.method, spec.approx.components) = (Approx::Nystroem, SPARSE_GP_INDUCING);
                    spec.approx.sampling = Sampling::Greedy;
                    let why = format!(
                        "GP classification on up to {SPARSE_GP_INDUCING} Nyström features on landmarks chosen by greedy pivoted Cholesky ({n} samples > {EXACT_GPC_MAX} for exact GP classification)"
                    );
                    choices.note("approx", json!("nystroem"), why);
                }
                Targets::Classes { .. } => from_one_start(spec),
                _ => {}
            }
            choices.note(
                "hyperparameters",
                json!("marginal likelihood"),
                "GP hyperparameters by the marginal likelihood".into(),
            );
            return Ok(ToFit { check, weights: None });
        }
        (Task::Krr, Targets::Values(y)) if spec.approx.method == Approx::None => {
            let y = ridge::centred(y, data.weights.as_deref());
            let weighed = Weighed { targets: y.as_slice(), weights: data.weights.as_deref() };
            if x.n_samples() > EXACT_RIDGE_MAX && !spec.precomputed() {
                let weights = falkon::choose(spec, x, weighed, g0, auto, par, notices, choices)?;
                return Ok(ToFit { check: None, weights });
            } else {
                let weights = ridge::choose(spec, x, weighed, g0, auto, par, choices)?;
                return Ok(ToFit { check: None, weights });
            }
        }
        (Task::Svc | Task::Nusvc | Task::Svr | Task::Nusvr, _) if spec.approx.method == Approx::None => {
            let weighed = Weighed { targets: &targets, weights: data.weights.as_deref() };
            tune_svm(spec, auto, x, weighed, g0, par, notices, choices)?;
        }
        // Approximations and one-class: the median gamma.
        _ => {
            if let Some(g) = g0 {
                Param::Gamma.set(spec, g);
            }
        }
    }
    Ok(ToFit::default())
}

/// GP regression beyond [`EXACT_GP_MAX`] samples: a sparse GP whose
/// hyperparameters are learnt on a sample of rows, its covariance chosen
/// among candidates by held-out samples ([`covariance`]), and its posterior
/// on every row with as many inducing points as [`POSTERIOR_PASS_FLOPS`] allows.
fn choose_sparse_gp(
    spec: &mut FitSpec,
    (x, y): (&DataSet, &[f64]),
    held: &Held,
    par: Par,
    choices: &mut Choices,
) -> Result<()> {
    let n = x.n_samples();
    (spec.approx.method, spec.approx.components) = (Approx::Sgpr, covariance::FIT_INDUCING);
    // Where the samples are, not greedy pivoted Cholesky's points of largest
    // variance at the start's width: test RMSE 0.263 against 0.328 on UCI pol.
    spec.approx.sampling = Sampling::Kmeans;
    spec.gp.fit_samples = Some(covariance::fit_rows(n));
    let why = format!(
        "a sparse GP ({n} samples > {EXACT_GP_MAX} for an exact GP): hyperparameters learnt on a random {} samples with {} inducing points seeded by k-means++",
        covariance::fit_rows(n),
        covariance::FIT_INDUCING
    );
    choices.note("approx", json!("sgpr"), why);
    choices.json.insert("fit_samples".into(), json!(covariance::fit_rows(n)));
    covariance::choose_covariance(spec, (x, y), held.kernel, held.width, par, choices)?;
    let affordable = (POSTERIOR_PASS_FLOPS / (2.0 * n as f64)).sqrt() as usize;
    let wide = SPARSE_GP_POSTERIOR.min(affordable);
    if spec.gp.posterior_components.is_none() && wide >= 2 * covariance::FIT_INDUCING {
        spec.gp.posterior_components = Some(wide);
        let why = format!(
            "the posterior on every sample with {wide} inducing points, the fit's and more samples, the noise re-fitted (one more pass, 2·n·{wide}² flops)"
        );
        choices.note("posterior_components", json!(wide), why);
    }
    Ok(())
}

/// GP regression from [`CHOSEN_GP_MIN`] to [`EXACT_GP_MAX`] samples: the
/// exact GP, its covariance chosen among exact candidates learnt on half the
/// samples and scored on the other half ([`covariance`]), then fitted on
/// every sample from the winner's hyperparameters without random restarts
/// (unless `--restarts` asks for them).
fn choose_exact_gp(
    spec: &mut FitSpec,
    (x, y): (&DataSet, &[f64]),
    held: &Held,
    par: Par,
    choices: &mut Choices,
) -> Result<()> {
    if covariance::choose_covariance(spec, (x, y), held.kernel, held.width, par, choices)? {
        from_one_start(spec);
    }
    Ok(())
}

/// `--auto`'s exact GP searches (regression's candidates and final fit,
/// classification) stop when a step gains less than this fraction of the
/// log marginal likelihood, as a sparse GP's bound does: scipy's tolerance
/// and a polish took up to 1,618 evaluations on 1,500 rows of UCI bike, and
/// with five restarts 244 on 2,000 rows of pol labelled at its median.
pub(super) const EXACT_DECREASE: f64 = 1e-5;

/// An exact GP's search from its one start (unless `--restarts` asks for
/// more), stopped at [`EXACT_DECREASE`] (measured: docs/selection.md).
fn from_one_start(spec: &mut FitSpec) {
    spec.gp.restarts.get_or_insert(0);
    spec.gp.relative_decrease = Some(EXACT_DECREASE);
}

/// An SVM on vectors: ε of ε-SVR, C (unless held, or ν-SVC) and gamma
/// (unless held: `g0` is `None`) by the search, then the linear baseline.
#[allow(clippy::too_many_arguments)]
fn tune_svm(
    spec: &mut FitSpec,
    auto: &AutoSpec,
    x: &DataSet,
    data: Weighed<'_, Targets>,
    g0: Option<f64>,
    par: Par,
    notices: &Notices,
    choices: &mut Choices,
) -> Result<()> {
    let (metric, c_unit) = match data.targets {
        Targets::Values(y) => {
            let base = spec.clone();
            robust::regression_loss(
                spec,
                auto,
                y,
                || robust::pilot_residuals(&base, x, y, data.weights, g0, par),
                choices,
            )
        }
        _ => (auto.metric, 0),
    };
    let tune_c = spec.task != Task::Nusvc && !auto.held.c;
    if !tune_c && g0.is_none() {
        return Ok(());
    }
    let before = spec.clone();
    let space = Space::new(tune_c.then_some(LOG2_C), c_unit, g0.map(f64::log2), metric);
    let Some((sample, outcome)) = search_and_apply(spec, x, data, space, par, notices, choices)? else {
        if let Some(g) = g0 {
            Param::Gamma.set(spec, g);
        }
        choices.said.push("too few samples per class to cross-validate: the median gamma, C as given".into());
        return Ok(());
    };
    if spec.kernel.name == KernelName::Linear || spec.precomputed() {
        return Ok(());
    }
    let (linear, lin) = baseline::search_linear(&before, &sample, &space, par, notices)?;
    let kernel_score = &outcome.best().1;
    let as_good = baseline::as_good_within_noise(kernel_score, &lin.best().1, metric, lin.samples);
    let kept = as_good && auto.prefer_simple;
    report::baseline(&lin, kernel_score, as_good, kept, choices);
    if kept {
        *spec = linear;
    }
    Ok(())
}

/// Searches `space` on `x` (on a subsample beyond [`SEARCH_MAX`] samples,
/// its best few checked on disjoint ones) and sets the chosen point on
/// `spec`, reported: the sample searched and the outcome, or `None` when
/// too few samples per class for the folds.
fn search_and_apply<S: Learnable>(
    spec: &mut FitSpec,
    x: &S,
    data: Weighed<'_, Targets>,
    space: Space,
    par: Par,
    notices: &Notices,
    choices: &mut Choices,
) -> Result<Option<(Sample<S>, tune::Outcome)>> {
    let Some(sample) = Sample::new(x, data, spec.seed) else { return Ok(None) };
    let mut outcome = sample.search(spec, space, par, notices)?;
    let check = check_on_disjoint(spec, &mut outcome, &sample, x, data, par, notices)?;
    report::apply_outcome(spec, &outcome, check.as_ref(), x.len(), choices, notices);
    Ok(Some((sample, outcome)))
}

/// Sequences and graphs: C of svc, svr and nusvr by the search (no gamma),
/// α by leave-one-out; GPs fit their own (and are not checked: the
/// leave-one-out check reads vectors).
fn choose_for_machine<S: Learnable>(
    spec: &mut FitSpec,
    auto: &AutoSpec,
    x: &S,
    data: &Data,
    par: Par,
    notices: &Notices,
    choices: &mut Choices,
) -> Result<ToFit> {
    let held = &auto.held;
    match spec.task {
        Task::Krr => {
            // As on vectors: kernel ridge has no intercept.
            spec.centre_targets = true;
            if !held.alpha {
                spec.alpha = crate::train::Alpha::Auto;
                choices.note("alpha", json!("leave-one-out"), "alpha by exact leave-one-out".into());
            }
        }
        Task::Svc | Task::Svr | Task::Nusvr if !held.c => {
            let targets = Targets::new(spec.task, data.labels.as_ref(), &data.file)?;
            let (metric, c_unit) = match &targets {
                Targets::Values(y) => robust::regression_loss(spec, auto, y, || None, choices),
                _ => (auto.metric, 0),
            };
            let space = Space::new(Some(LOG2_C), c_unit, None, metric);
            let weighed = Weighed { targets: &targets, weights: data.weights.as_deref() };
            search_and_apply(spec, x, weighed, space, par, notices, choices)?;
        }
        _ => {}
    }
    Ok(ToFit::default())
}
