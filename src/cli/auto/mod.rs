//! `kern fit --auto`, and `kern fit DATA` with nothing else: the choices an
//! expert makes, made from the data and reported.
//!
//! - The task, when not given: classes (text labels, two values, or a few
//!   integers) → svc; other numbers → krr (svr beyond 10,000 samples); no
//!   labels → oneclass. The kernel, when not given: wl for a TU folder,
//!   spectrum for FASTA, rbf otherwise.
//! - Vectors are scaled per feature, fitted on the training data and stored
//!   in the model, so `kern predict` applies the same map ([`Scaling`]).
//! - gamma from the median pairwise distance ([`gamma::median_gamma`]).
//! - SVMs: C and gamma by a coarse-to-fine cross-validated search with early
//!   stopping along C ([`tune::coarse_to_fine`]); ε-SVR's ε is a tenth of
//!   the targets' standard deviation.
//! - Kernel ridge: α by exact leave-one-out, and gamma by the same
//!   leave-one-out error over a few multiples of the median heuristic.
//! - GPs: every hyperparameter by the marginal likelihood, from the median
//!   heuristic.
//!
//! An option given on the command line is held, never searched.

mod gamma;
pub(crate) mod tune;

use std::path::Path;
use std::time::Instant;

use faer::Mat;
use kern_kernels::{DataSet, ExactGram, Graphs, Kernel, Par, Samples, Sequences};
use kern_solvers::LooPath;
use serde_json::{Value, json};

use super::args::{AlphaArg, ApproxArg, KernelArg, TaskArg};
use super::cv::{CvScore, assign_folds, check_folds};
use super::fit::{Targets, check_memory, task_name, train, train_machine};
use super::grid::search::{GramCache, Search};
use super::grid::set_option;
use super::predict::{Prediction, predict_estimator};
use super::progress::Progress;
use super::structured::{graph_format, predict_machine, sequence_format, sequence_options};
use super::{FitArgs, TrainArgs};
use crate::error::Result;
use crate::io::{Labels, ReadOptions, read_data, read_sequences, read_tu};
use crate::model::{InputSchema, Model, Scaling};
pub(crate) use gamma::median_gamma;
use tune::{Outcome, Point, coarse_to_fine};

/// Folds of the searches' cross-validation.
pub(crate) const FOLDS: usize = 5;
/// Beyond this many samples regression defaults to ε-SVR, not exact ridge.
const EXACT_RIDGE_MAX: usize = 10_000;
/// The SVM search runs on a seeded random subsample of at most this many
/// samples (the final model is fitted on all of them): every search point
/// is `FOLDS` fits, and SMO's cost grows faster than linearly in n.
pub(crate) const SEARCH_MAX: usize = 5_000;

/// What `--auto` chose and why, for the summary line and `--json`.
pub(crate) struct Choices {
    /// Human-readable, one clause each.
    pub said: Vec<String>,
    /// The same as JSON fields.
    pub json: serde_json::Map<String, Value>,
}

impl Choices {
    fn note(&mut self, key: &str, value: Value, said: String) {
        self.json.insert(key.to_string(), value);
        self.said.push(said);
    }
}

/// Fits with every choice not given on the command line made from the
/// data: the model, the sample count, the seconds (search included) and
/// the choices.
pub(super) fn fit(args: &FitArgs, par: Par) -> Result<(Model, usize, f64, Choices)> {
    let started = Instant::now();
    let given = |id: &str| args.given.iter().any(|g| g == id);
    let mut t = args.train_args.clone();
    let mut choices = Choices { said: Vec::new(), json: serde_json::Map::new() };
    if !given("kernel") && args.data.format.is_none() {
        if args.train.is_dir() {
            t.kernel.kernel = KernelArg::Wl;
        } else if looks_like_fasta(&args.train) {
            t.kernel.kernel = KernelArg::Spectrum;
        }
        if t.kernel.kernel != args.train_args.kernel.kernel {
            let name = super::args::arg_name(t.kernel.kernel);
            choices.note("kernel", json!(name), format!("kernel {name} (from the data's format)"));
        }
    }
    let (model, n) = if t.kernel.kernel.on_strings() {
        let read = sequence_options(&args.data);
        let data = read_sequences(&args.train, sequence_format(&args.train, &args.data)?, &read)?;
        choose_task(&mut t, data.labels.as_ref(), data.x.len(), !given("task"), &mut choices);
        let build = |p: &TrainArgs| p.kernel.build_string(&data.x);
        tune_machine(args, &mut t, &data.x, data.labels.as_ref(), build, Sequences::select, par, &mut choices)?;
        structured_fit(args, t, par)?
    } else if t.kernel.kernel.on_graphs() {
        graph_format(&args.train, &args.data)?;
        let data = read_tu(&args.train)?;
        choose_task(&mut t, data.labels.as_ref(), data.x.len(), !given("task"), &mut choices);
        let build = |p: &TrainArgs| p.kernel.build_graph(&data.x);
        tune_machine(args, &mut t, &data.x, data.labels.as_ref(), build, Graphs::select, par, &mut choices)?;
        structured_fit(args, t, par)?
    } else {
        fit_vectors(args, t, par, &mut choices)?
    };
    Ok((model, n, started.elapsed().as_secs_f64(), choices))
}

/// Fits sequences or graphs with the chosen options.
fn structured_fit(args: &FitArgs, t: TrainArgs, par: Par) -> Result<(Model, usize)> {
    let chosen = FitArgs { train_args: t, ..args.clone() };
    let (model, n, _) = super::structured::fit(&chosen, par)?;
    Ok((model, n))
}

/// Whether the file's first non-blank byte opens a FASTA record.
fn looks_like_fasta(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 256];
    let Ok(read) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else { return false };
    head[..read].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'>')
}

/// Sets the task from the labels when `choose` (it was not given).
fn choose_task(t: &mut TrainArgs, labels: Option<&Labels>, n: usize, choose: bool, choices: &mut Choices) {
    if !choose {
        return;
    }
    let (task, why) = match labels {
        None => (TaskArg::Oneclass, "no labels".to_string()),
        Some(Labels::Text { classes, .. }) => (TaskArg::Svc, format!("{} text classes", classes.len())),
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
                (TaskArg::Svc, format!("{k} distinct label values: classes"))
            } else if n <= EXACT_RIDGE_MAX {
                (TaskArg::Krr, "real-valued labels".to_string())
            } else {
                (TaskArg::Svr, format!("real-valued labels, {n} samples (> {EXACT_RIDGE_MAX} for exact ridge)"))
            }
        }
    };
    t.task = task;
    choices.note("task", json!(task_name(task)), format!("task {} ({why})", task_name(task)));
}

/// Reads vectors, scales them, chooses, fits.
fn fit_vectors(args: &FitArgs, mut t: TrainArgs, par: Par, choices: &mut Choices) -> Result<(Model, usize)> {
    let given = |id: &str| args.given.iter().any(|g| g == id);
    let options = ReadOptions {
        require_labels: given("task") && t.task != TaskArg::Oneclass,
        ..super::fit::training_read_options(&args.data, &t)
    };
    let data = read_data(&args.train, &options)?;
    super::fit::check_precomputed(&t.kernel, &data.x, &args.train)?;
    let n = data.x.n_samples();
    choose_task(&mut t, data.labels.as_ref(), n, !given("task"), choices);
    let precomputed = t.kernel.kernel == KernelArg::Precomputed;
    let scaling = (!precomputed).then(|| Scaling::fit(&data.x));
    let x = match &scaling {
        Some(s) => {
            let how = s.describe();
            choices.note("scaling", json!(how), format!("features {how} (stored in the model)"));
            s.apply(&data.x)
        }
        None => data.x,
    };
    let d = x.n_features();
    let targets = Targets::new(&t, data.labels.as_ref(), &args.train)?;
    let width_given = given("gamma") || given("lengthscale");
    let g0 = if width_given { None } else { median_gamma(t.kernel.kernel, &x, t.seed) };
    if let Some(g) = g0 {
        choices.note("gamma_median", json!(g), format!("median-heuristic gamma {g:.4e}"));
    }
    match (t.task, &targets) {
        _ if t.approx.approx != ApproxArg::None => {
            if let Some(g) = g0 {
                set_option(&mut t, "gamma", g);
            }
        }
        (TaskArg::Gp | TaskArg::Gpc, _) => {
            choices.note(
                "hyperparameters",
                json!("marginal likelihood"),
                "GP hyperparameters by the marginal likelihood".into(),
            );
        }
        (TaskArg::Oneclass, _) => {
            if let Some(g) = g0 {
                set_option(&mut t, "gamma", g);
            }
        }
        (TaskArg::Krr, Targets::Values(y)) => ridge_choices(&mut t, &x, y, g0, given("alpha"), par, choices)?,
        (_, targets) => {
            if let (TaskArg::Svr, Targets::Values(y), false) = (t.task, targets, given("epsilon")) {
                let (_, sd) = super::cv::mean_and_std(y);
                if sd > 0.0 {
                    t.svm.epsilon = 0.1 * sd;
                    choices.note(
                        "epsilon",
                        json!(t.svm.epsilon),
                        format!("epsilon {:.4e} (a tenth of the targets' std)", t.svm.epsilon),
                    );
                }
            }
            let tune_c = t.task != TaskArg::Nusvc && !given("c");
            let build = |p: &TrainArgs| p.kernel.build(d);
            let outcome = search(&t, &x, targets, tune_c, g0, par, DataSet::select, build, |p, x, y, tr, te, par| {
                let model = train(p, &p.kernel.build(d)?, x.select(tr), &y.select(tr), par)?;
                predict_estimator(&model, &x.select(te), par)
            })?;
            match (outcome, g0) {
                (Some(outcome), _) => apply_outcome(&mut t, &outcome, x.n_samples(), choices),
                (None, Some(g)) => {
                    set_option(&mut t, "gamma", g);
                    choices
                        .said
                        .push("too few samples per class to cross-validate: the median gamma, C as given".into());
                }
                (None, None) => {}
            }
        }
    }
    // A GP starts from g0 and fits it: its kernel is built at g0 while `t` leaves gamma free.
    let mut start = t.clone();
    if let (TaskArg::Gp | TaskArg::Gpc, ApproxArg::None, Some(g)) = (t.task, t.approx.approx, g0) {
        set_option(&mut start, "gamma", g);
    }
    let kernel = start.kernel.build(d)?;
    let estimator = train(&t, &kernel, x, &targets, par)?;
    let input = InputSchema { format: data.format, csv: data.csv, scaling };
    Ok((Model::new(d, input, estimator), n))
}

/// Kernel ridge: gamma (unless given) by the exact leave-one-out error
/// over `g0 · 2^{-4, -2, 0, 2, 4}` then the neighbours of the best at one
/// step; α (unless given) by leave-one-out at that gamma.
fn ridge_choices(
    t: &mut TrainArgs,
    x: &DataSet,
    y: &[f64],
    g0: Option<f64>,
    alpha_given: bool,
    par: Par,
    choices: &mut Choices,
) -> Result<()> {
    if !alpha_given {
        t.alpha = AlphaArg::Auto;
    }
    let Some(g0) = g0 else {
        if !alpha_given {
            choices.note("alpha", json!("leave-one-out"), "alpha by exact leave-one-out".into());
        }
        return Ok(());
    };
    check_memory(x.n_samples(), t.max_memory)?;
    let y = Mat::from_fn(y.len(), 1, |i, _| y[i]);
    let d = x.n_features();
    // (log2 gamma offset, leave-one-out mse, the alpha it was at) of each gamma tried.
    let mut tried: Vec<(f64, f64, f64)> = Vec::new();
    let loo = |tried: &mut Vec<(f64, f64, f64)>, log2g: f64| -> Result<()> {
        if tried.iter().any(|p| p.0 == log2g) {
            return Ok(());
        }
        let mut p = t.clone();
        set_option(&mut p, "gamma", g0 * log2g.exp2());
        let path = LooPath::new(&ExactGram::new(&p.kernel.build(d)?, x, par), y.as_ref(), par)?;
        let (alpha, mse) = match p.alpha {
            AlphaArg::Auto => {
                let selection = path.select()?;
                (selection.alpha, selection.loo_mse)
            }
            AlphaArg::Value(a) => {
                let mse = path.residuals(a).map_or(f64::INFINITY, |r| {
                    r.col_as_slice(0).iter().map(|v| v * v).sum::<f64>() / r.nrows().max(1) as f64
                });
                (a, mse)
            }
        };
        tried.push((log2g, if mse.is_finite() { mse } else { f64::INFINITY }, alpha));
        Ok(())
    };
    let best = |tried: &[(f64, f64, f64)]| {
        tried.iter().copied().reduce(|b, p| if p.1 < b.1 { p } else { b }).expect("gammas tried")
    };
    for offset in [-4.0, -2.0, 0.0, 2.0, 4.0] {
        loo(&mut tried, offset)?;
    }
    let centre = best(&tried).0;
    for offset in [centre - 1.0, centre + 1.0] {
        loo(&mut tried, offset)?;
    }
    let (log2g, mse, alpha) = best(&tried);
    let gamma = g0 * log2g.exp2();
    set_option(t, "gamma", gamma);
    // The alpha leave-one-out chose at this gamma: the final fit needs no second eigendecomposition.
    t.alpha = AlphaArg::Value(alpha);
    choices.note(
        "gamma",
        json!(gamma),
        format!("gamma {gamma:.4e} by exact leave-one-out at alpha {alpha:.4e} (mse {mse:.4e})"),
    );
    if !alpha_given {
        choices.json.insert("alpha".into(), json!("leave-one-out"));
    }
    choices.json.insert("loo_mse".into(), json!(mse));
    Ok(())
}

/// Runs the coarse-to-fine search on samples `x` when there is anything
/// to search (`None` otherwise, or with too few samples for the folds);
/// beyond [`SEARCH_MAX`] samples, on a random subsample (`select` picks
/// samples; `fit_predict` gets the samples it fits on).
#[allow(clippy::too_many_arguments)]
fn search<K: Kernel<S> + Clone, S: Samples>(
    t: &TrainArgs,
    x: &S,
    targets: &Targets,
    tune_c: bool,
    g0: Option<f64>,
    par: Par,
    select: fn(&S, &[usize]) -> S,
    build: impl Fn(&TrainArgs) -> Result<K>,
    fit_predict: impl Fn(&TrainArgs, &S, &Targets, &[usize], &[usize], Par) -> Result<Prediction> + Sync,
) -> Result<Option<Outcome>> {
    if !(tune_c || g0.is_some()) || !matches!(targets, Targets::Classes { .. } | Targets::Values(_)) {
        return Ok(None);
    }
    if x.len() > SEARCH_MAX {
        let mut rows = rand::seq::index::sample(&mut crate::synthetic::rng(t.seed), x.len(), SEARCH_MAX).into_vec();
        rows.sort_unstable();
        return search(t, &select(x, &rows), &targets.select(&rows), tune_c, g0, par, select, build, fit_predict);
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
    let fold_of = assign_folds(targets, x.len(), folds, t.seed);
    // Keep each gamma's Gram matrix between rounds, within half the memory budget.
    let budget = t.max_memory.unwrap_or_else(super::args::default_max_memory) / 2;
    let progress = Progress::bar("", 0, true);
    let s = Search { x, targets, fold_of: &fold_of, folds, par, progress, kept: GramCache::new(budget) };
    let mut outcome = coarse_to_fine(tune_c, g0.map(f64::log2), |points| {
        let trial: Vec<TrainArgs> = points.iter().map(|p| at_point(t, p)).collect();
        s.scores(&trial, &build, |p, tr, te, par| fit_predict(p, x, targets, tr, te, par))
    })?;
    outcome.folds = folds;
    Ok(Some(outcome))
}

/// `t` at a search point.
fn at_point(t: &TrainArgs, p: &Point) -> TrainArgs {
    let mut t = t.clone();
    if let Some(c) = p.log2c {
        set_option(&mut t, "c", c.exp2());
    }
    if let Some(g) = p.log2g {
        set_option(&mut t, "gamma", g.exp2());
    }
    t
}

/// Sets the search's best point on `t`, and reports it.
fn apply_outcome(t: &mut TrainArgs, outcome: &Outcome, n: usize, choices: &mut Choices) {
    let (point, score) = outcome.best();
    *t = at_point(t, point);
    let mut said = Vec::new();
    if point.log2c.is_some() {
        choices.json.insert("c".into(), json!(t.svm.c));
        said.push(format!("C {}", t.svm.c));
    }
    if point.log2g.is_some() {
        let gamma = t.kernel.gamma.expect("set");
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
    choices.json.insert("search_points".into(), json!(outcome.tried.len()));
    let folds = outcome.folds;
    choices.json.insert("search_folds".into(), json!(folds));
    choices.json.insert("search_samples".into(), json!(n.min(SEARCH_MAX)));
    let on = if n > SEARCH_MAX { format!(" on a random {SEARCH_MAX} of the {n} samples") } else { String::new() };
    choices.said.push(format!(
        "{} by {folds}-fold cross-validation over {} points{on} ({how})",
        said.join(" and "),
        outcome.tried.len()
    ));
}

/// Chooses for a machine on sequences or graphs: C of svc, svr and nusvr
/// by the search (no gamma), α by leave-one-out; GPs fit their own.
#[allow(clippy::too_many_arguments)]
fn tune_machine<K: Kernel<S> + Clone, S: Samples>(
    args: &FitArgs,
    t: &mut TrainArgs,
    x: &S,
    labels: Option<&Labels>,
    build: impl Fn(&TrainArgs) -> Result<K> + Sync,
    select: fn(&S, &[usize]) -> S,
    par: Par,
    choices: &mut Choices,
) -> Result<()> {
    let given = |id: &str| args.given.iter().any(|g| g == id);
    match t.task {
        TaskArg::Krr if !given("alpha") => {
            t.alpha = AlphaArg::Auto;
            choices.note("alpha", json!("leave-one-out"), "alpha by exact leave-one-out".into());
        }
        TaskArg::Svc | TaskArg::Svr | TaskArg::Nusvr if !given("c") => {
            let targets = Targets::new(t, labels, &args.train)?;
            let outcome = search(t, x, &targets, true, None, par, select, &build, |p, x, y, tr, te, par| {
                let machine = train_machine(p, &build(p)?, select(x, tr), &y.select(tr), select, par)?;
                predict_machine(&machine, &select(x, te), false, par)
            })?;
            if let Some(outcome) = outcome {
                apply_outcome(t, &outcome, x.len(), choices);
            }
        }
        _ => {}
    }
    Ok(())
}
