//! `--auto`: the choices an expert makes, made from the data and reported.
//!
//! - The kernel, when not given: wl for graphs, spectrum for sequences, the
//!   given (rbf by default) for vectors. The task, when not given: classes
//!   (text labels, two values, or a few integers) → svc; other numbers →
//!   krr (svr beyond 10,000 samples); no labels → oneclass.
//! - Vectors are scaled per feature, fitted on the training data and stored
//!   in the model, so prediction applies the same map ([`Scaling`]).
//! - gamma from the median pairwise distance ([`gamma::median_gamma`]).
//! - SVMs: C and gamma by a coarse-to-fine cross-validated search with early
//!   stopping along C (`tune.rs`); ε-SVR's ε is a tenth of
//!   the targets' standard deviation.
//! - Kernel ridge: α by exact leave-one-out, and gamma by the same
//!   leave-one-out error over a few multiples of the median heuristic.
//! - GPs: every hyperparameter by the marginal likelihood, from the median
//!   heuristic.
//!
//! An option the caller holds ([`Held`]) is kept as given, never searched.

mod gamma;
mod ridge;
mod tune;

use std::time::Instant;

use kern_kernels::{DataSet, Par};
use serde_json::{Map, Value, json};

use super::schedule::{GramCache, Scheduler};
use super::{CvScore, Param, assign_folds, check_folds, mean_and_std};
use crate::error::Result;
use crate::io::{Data, Inputs, Labels, SampleKind};
use crate::model::Scaling;
use crate::train::{Approx, FitSpec, Fitted, KernelName, Learnable, Notices, Targets, Task, check_precomputed};
pub use gamma::median_gamma;
use tune::{Outcome, Point, coarse_to_fine};

/// Folds of the searches' cross-validation.
pub const FOLDS: usize = 5;
/// Beyond this many samples regression defaults to ε-SVR, not exact ridge.
const EXACT_RIDGE_MAX: usize = 10_000;
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
}

/// Fits `spec` on `data` with every option not `held` chosen from the
/// data: the fitted model (its time includes the search) and the choices.
///
/// ```
/// use kern::io::{Data, Inputs, Labels};
/// use kern::select::{Held, fit_auto};
/// use kern::train::FitSpec;
/// use kern::{DataSet, DenseMatrix, Par};
///
/// let rows: Vec<Vec<f64>> = (0..60).map(|i| vec![(i % 2) as f64 * 3.0 + i as f64 / 60.0]).collect();
/// let labels = Labels::Numeric((0..60).map(|i| (i % 2) as f64).collect());
/// let data = Data::new(Inputs::Vectors(DataSet::from(DenseMatrix::from_rows(&rows).unwrap())), Some(labels));
/// let (fitted, choices) = fit_auto(&FitSpec::default(), &Held::default(), data, Par::Seq)?;
/// assert_eq!(fitted.model.task(), "svc");
/// assert!(choices.json.contains_key("c"));
/// # Ok::<(), kern::Error>(())
/// ```
pub fn fit_auto(spec: &FitSpec, held: &Held, data: Data, par: Par) -> Result<(Fitted, Choices)> {
    let started = Instant::now();
    let mut spec = spec.clone();
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
        choose_task(&mut spec, data.labels.as_ref(), data.x.len(), &mut choices);
    }
    match &data.x {
        Inputs::Vectors(x) => choose_for_vectors(&mut spec, held, x, &data, par, &notices, &mut choices)?,
        Inputs::Sequences(x) => choose_for_machine(&mut spec, held, x, &data, par, &notices, &mut choices)?,
        Inputs::Graphs(x) => choose_for_machine(&mut spec, held, x, &data, par, &notices, &mut choices)?,
    }
    let n_samples = data.x.len();
    let model = crate::train::fit_model(&spec, data, par, &notices)?;
    let fitted = Fitted { model, n_samples, seconds: started.elapsed().as_secs_f64(), notices: notices.lines() };
    Ok((fitted, choices))
}

/// Sets the task from the labels.
fn choose_task(spec: &mut FitSpec, labels: Option<&Labels>, n: usize, choices: &mut Choices) {
    let (task, why) = match labels {
        None => (Task::Oneclass, "no labels".to_string()),
        Some(Labels::Text { classes, .. }) => (Task::Svc, format!("{} text classes", classes.len())),
        Some(Labels::Numeric(v)) => {
            let mut distinct: Vec<f64> = Vec::new();
            for &y in v {
                if !distinct.contains(&y) {
                    distinct.push(y);
                    if distinct.len() > 20 {
                        break;
                    }
                }
            }
            let integers = v.iter().all(|y| y.fract() == 0.0);
            let k = distinct.len();
            if k <= 2 || (integers && k <= 20 && n >= 5 * k) {
                (Task::Svc, format!("{k} distinct label values: classes"))
            } else if n <= EXACT_RIDGE_MAX {
                (Task::Krr, "real-valued labels".to_string())
            } else {
                (Task::Svr, format!("real-valued labels, {n} samples (> {EXACT_RIDGE_MAX} for exact ridge)"))
            }
        }
    };
    spec.task = task;
    choices.note("task", json!(task.name()), format!("task {} ({why})", task.name()));
}

/// Vectors: scaling, the median gamma, then the task's own choices.
fn choose_for_vectors(
    spec: &mut FitSpec,
    held: &Held,
    x: &DataSet,
    data: &Data,
    par: Par,
    notices: &Notices,
    choices: &mut Choices,
) -> Result<()> {
    check_precomputed(spec, x, &data.file)?;
    let scaled = (!spec.precomputed()).then(|| {
        let scaling = Scaling::fit(x);
        let how = scaling.describe();
        choices.note("scaling", json!(how), format!("features {how} (stored in the model)"));
        scaling.apply(x)
    });
    spec.scale = scaled.is_some();
    let x = scaled.as_ref().unwrap_or(x);
    let targets = Targets::new(spec.task, data.labels.as_ref(), &data.file)?;
    let g0 = if held.width { None } else { median_gamma(spec.kernel.name, x, spec.seed) };
    if let Some(g) = g0 {
        choices.note("gamma_median", json!(g), format!("median-heuristic gamma {g:.4e}"));
    }
    match (spec.task, &targets) {
        (Task::Gp | Task::Gpc, _) if spec.approx.method == Approx::None => {
            spec.gp.gamma_start = g0;
            choices.note(
                "hyperparameters",
                json!("marginal likelihood"),
                "GP hyperparameters by the marginal likelihood".into(),
            );
        }
        (Task::Krr, Targets::Values(y)) if spec.approx.method == Approx::None => {
            ridge::choose(spec, x, y, g0, held.alpha, par, choices)?;
        }
        (Task::Svc | Task::Nusvc | Task::Svr | Task::Nusvr, _) if spec.approx.method == Approx::None => {
            if let (Task::Svr, Targets::Values(y), false) = (spec.task, &targets, held.epsilon) {
                let (_, sd) = mean_and_std(y);
                if sd > 0.0 {
                    spec.svm.epsilon = 0.1 * sd;
                    let said = format!("epsilon {:.4e} (a tenth of the targets' std)", spec.svm.epsilon);
                    choices.note("epsilon", json!(spec.svm.epsilon), said);
                }
            }
            let tune_c = spec.task != Task::Nusvc && !held.c;
            match (search(spec, x, &targets, tune_c, g0, par, notices)?, g0) {
                (Some(outcome), _) => apply_outcome(spec, &outcome, x.n_samples(), choices),
                (None, Some(g)) => {
                    Param::Gamma.set(spec, g);
                    choices
                        .said
                        .push("too few samples per class to cross-validate: the median gamma, C as given".into());
                }
                (None, None) => {}
            }
        }
        // Approximations and one-class: the median gamma.
        _ => {
            if let Some(g) = g0 {
                Param::Gamma.set(spec, g);
            }
        }
    }
    Ok(())
}

/// Sequences and graphs: C of svc, svr and nusvr by the search (no gamma),
/// α by leave-one-out; GPs fit their own.
fn choose_for_machine<S: Learnable>(
    spec: &mut FitSpec,
    held: &Held,
    x: &S,
    data: &Data,
    par: Par,
    notices: &Notices,
    choices: &mut Choices,
) -> Result<()> {
    match spec.task {
        Task::Krr if !held.alpha => {
            spec.alpha = crate::train::Alpha::Auto;
            choices.note("alpha", json!("leave-one-out"), "alpha by exact leave-one-out".into());
        }
        Task::Svc | Task::Svr | Task::Nusvr if !held.c => {
            let targets = Targets::new(spec.task, data.labels.as_ref(), &data.file)?;
            if let Some(outcome) = search(spec, x, &targets, true, None, par, notices)? {
                apply_outcome(spec, &outcome, x.len(), choices);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Runs the coarse-to-fine search on `x` when there is anything to search
/// (`None` otherwise, or with too few samples for the folds); beyond
/// [`SEARCH_MAX`] samples, on a random subsample.
fn search<S: Learnable>(
    spec: &FitSpec,
    x: &S,
    targets: &Targets,
    tune_c: bool,
    g0: Option<f64>,
    par: Par,
    notices: &Notices,
) -> Result<Option<Outcome>> {
    if !(tune_c || g0.is_some()) || !matches!(targets, Targets::Classes { .. } | Targets::Values(_)) {
        return Ok(None);
    }
    if x.len() > SEARCH_MAX {
        let mut rows = rand::seq::index::sample(&mut crate::synthetic::rng(spec.seed), x.len(), SEARCH_MAX).into_vec();
        rows.sort_unstable();
        return search(spec, &x.select(&rows), &targets.select(&rows), tune_c, g0, par, notices);
    }
    // Every training fold must hold every class: no more folds than the
    // smallest class has samples.
    let smallest = match targets {
        Targets::Classes { names, codes } => (0..names.len()).map(|c| codes.iter().filter(|&&k| k == c).count()).min(),
        _ => None,
    };
    let folds = FOLDS.min(x.len()).min(smallest.unwrap_or(usize::MAX));
    if check_folds(folds, x.len()).is_err() {
        return Ok(None);
    }
    let fold_of = assign_folds(targets, x.len(), folds, spec.seed);
    // Keep each gamma's Gram matrix between rounds, within half the memory budget.
    let kept = GramCache::new(spec.memory_cap() / 2);
    let on_fit = || ();
    let scheduler = Scheduler { x, targets, fold_of: &fold_of, folds, par, on_fit: &on_fit, notices, kept };
    let mut outcome = coarse_to_fine(tune_c, g0.map(f64::log2), |points| {
        let trial: Vec<FitSpec> = points.iter().map(|p| at_point(spec, p)).collect();
        scheduler.scores(&trial)
    })?;
    outcome.folds = folds;
    Ok(Some(outcome))
}

/// `spec` at a search point.
fn at_point(spec: &FitSpec, p: &Point) -> FitSpec {
    let mut spec = spec.clone();
    if let Some(c) = p.log2c {
        Param::C.set(&mut spec, c.exp2());
    }
    if let Some(g) = p.log2g {
        Param::Gamma.set(&mut spec, g.exp2());
    }
    spec
}

/// Sets the search's best point on `spec`, and reports it.
fn apply_outcome(spec: &mut FitSpec, outcome: &Outcome, n: usize, choices: &mut Choices) {
    let (point, score) = outcome.best();
    *spec = at_point(spec, point);
    let mut said = Vec::new();
    if point.log2c.is_some() {
        choices.json.insert("c".into(), json!(spec.svm.c));
        said.push(format!("C {}", spec.svm.c));
    }
    if let (Some(_), Some(gamma)) = (point.log2g, spec.kernel.gamma) {
        choices.json.insert("gamma".into(), json!(gamma));
        said.push(format!("gamma {gamma:.4e}"));
    }
    let how = match score {
        CvScore::Accuracy { accuracy, .. } => {
            choices.json.insert("cv_accuracy".into(), json!(accuracy));
            format!("accuracy {:.2} %", 100.0 * accuracy)
        }
        CvScore::Error { mse, r2, .. } => {
            choices.json.insert("cv_mse".into(), json!(mse));
            choices.json.insert("cv_r2".into(), json!(r2));
            format!("mse {mse:.4e}")
        }
    };
    let folds = outcome.folds;
    choices.json.insert("search_points".into(), json!(outcome.tried.len()));
    choices.json.insert("search_folds".into(), json!(folds));
    choices.json.insert("search_samples".into(), json!(n.min(SEARCH_MAX)));
    let on = if n > SEARCH_MAX { format!(" on a random {SEARCH_MAX} of the {n} samples") } else { String::new() };
    choices.said.push(format!(
        "{} by {folds}-fold cross-validation over {} points{on} ({how})",
        said.join(" and "),
        outcome.tried.len()
    ));
}
