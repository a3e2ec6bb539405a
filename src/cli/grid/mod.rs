//! `kern grid`: cross-validated search over any numeric options, e.g.
//! LIBSVM grid.py's `--grid 'c=2^-5..2^15:4' --grid 'gamma=2^3..2^-15:0.25'`.
//! Prints the table (or `--json`: every point, `best_params` and the best
//! score); `--refit -o MODEL` trains the best point on all the data.

pub(crate) mod search;
mod spec;

pub(crate) use spec::set_option;
pub use spec::{Axis, MAX_VALUES, OPTIONS, parse_axis};

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use kern_kernels::{DataSet, Graphs, Kernel, Par, Samples, Sequences};
use serde_json::{Value, json};

use super::args::{DataArgs, RunArgs, arg_name};
use super::cv::{CvScore, assign_folds, check_folds, mean_and_std};
use super::fit::{Targets, task_name, train, train_machine};
use super::predict::{Prediction, predict_estimator};
use super::progress::Progress;
use super::structured::{graph_format, predict_machine, sequence_format, sequence_options};
use super::{FitArgs, TrainArgs, print_json};
use crate::error::{Error, Result};
use crate::io::{Labels, read_data, read_sequences, read_tu};
use search::Search;

/// Points a grid may have at most.
const MAX_POINTS: usize = 100_000;

/// `kern grid`.
#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
pub struct GridArgs {
    /// Data (LibSVM, CSV, FASTA, sequence CSV or a TU folder)
    pub data_file: PathBuf,
    /// Number of folds (stratified by class for classifiers; seeded by --seed)
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// An option and its values: a list `c=0.1,1,10` or a geometric range `A..B:F` (from A towards B multiplying by F; numbers may be `2^k`). Repeat for more axes: every combination is scored
    #[arg(long, value_name = "NAME=SPEC", required = true)]
    pub grid: Vec<String>,
    /// Train the best point on all the data and write the model (-o, or DATA's name + .model)
    #[arg(long)]
    pub refit: bool,
    /// Where --refit writes the model
    #[arg(short, long, value_name = "MODEL", requires = "refit")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub train_args: TrainArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

pub(super) fn run(args: &GridArgs, par: Par) -> Result<()> {
    let axes = args.grid.iter().map(|g| parse_axis(g).map_err(Error::Usage)).collect::<Result<Vec<_>>>()?;
    if let Some(twice) = axes.iter().enumerate().find(|(i, a)| axes[..*i].iter().any(|b| b.name == a.name)) {
        return Err(Error::Usage(format!("--grid names {} twice", twice.1.name)));
    }
    let count = axes.iter().try_fold(1usize, |n, a| n.checked_mul(a.values.len()).filter(|&n| n <= MAX_POINTS));
    let Some(count) = count else {
        return Err(Error::Usage(format!("the grid has more than {MAX_POINTS} points")));
    };
    if args.train_args.task == super::TaskArg::Oneclass {
        return Err(Error::Usage("kern grid scores predictions against labels: not --task oneclass".into()));
    }
    // Every combination, the first axis outermost.
    let values: Vec<Vec<f64>> = (0..count)
        .map(|mut i| {
            let mut v = vec![0.0; axes.len()];
            for (a, axis) in axes.iter().enumerate().rev() {
                v[a] = axis.values[i % axis.values.len()];
                i /= axis.values.len();
            }
            v
        })
        .collect();
    let points: Vec<TrainArgs> = values
        .iter()
        .map(|v| {
            let mut t = args.train_args.clone();
            axes.iter().zip(v).for_each(|(axis, &x)| spec::set_option(&mut t, axis.name, x));
            t
        })
        .collect();

    let started = Instant::now();
    let (scores, n, kernel_name) = score_points(args, &points, par)?;
    let seconds = started.elapsed().as_secs_f64();
    let best = best_point(&scores);
    let params = |v: &[f64]| -> Value { axes.iter().zip(v).map(|(a, x)| (a.name.to_string(), json!(x))).collect() };

    let mut report = json!({
        "task": task_name(args.train_args.task),
        "kernel": kernel_name,
        "folds": args.folds,
        "n_samples": n,
        "n_points": count,
        "seconds": seconds,
        "points": values.iter().zip(&scores).map(|(v, s)| {
            let mut point = score_json(s);
            point["params"] = params(v);
            point
        }).collect::<Vec<_>>(),
        "best_params": params(&values[best]),
    });
    match &scores[best] {
        CvScore::Accuracy { accuracy, .. } => report["best_accuracy"] = json!(accuracy),
        CvScore::Error { mse, r2, .. } => {
            report["best_mse"] = json!(mse);
            report["best_r2"] = json!(r2);
        }
    }
    if !args.run.json {
        print_table(&axes, &values, &scores);
    }
    if !args.run.quiet {
        let chosen: Vec<String> = axes.iter().zip(&values[best]).map(|(a, v)| format!("{}={v}", a.name)).collect();
        let score = match &scores[best] {
            CvScore::Accuracy { accuracy, .. } => format!("accuracy = {:.4} %", 100.0 * accuracy),
            CvScore::Error { mse, r2, .. } => format!("mse = {mse:.6}, r2 = {r2:.6}"),
        };
        eprintln!(
            "kern grid: {count} points × {} folds in {seconds:.3} s; best {}: {score}",
            args.folds,
            chosen.join(" ")
        );
    }
    if args.refit {
        let output = args.output.clone().unwrap_or_else(|| super::args::default_model_path(&args.data_file));
        let fit = FitArgs {
            train: args.data_file.clone(),
            output: Some(output.clone()),
            train_args: points[best].clone(),
            auto: false,
            given: Vec::new(),
            data: args.data.clone(),
            run: RunArgs { threads: args.run.threads, json: false, quiet: args.run.quiet },
        };
        super::fit::run(&fit, par)?;
        report["model"] = json!(output);
    }
    if args.run.json {
        print_json(&report);
    }
    Ok(())
}

/// Reads the data and scores every point: the scores, the sample count and the kernel's name.
fn score_points(args: &GridArgs, points: &[TrainArgs], par: Par) -> Result<(Vec<CvScore>, usize, String)> {
    let t = &args.train_args;
    let file = &args.data_file;
    let kernel = t.kernel.kernel;
    if kernel.on_strings() {
        let read = sequence_options(&args.data);
        let data = read_sequences(file, sequence_format(file, &args.data)?, &read)?;
        let build = |p: &TrainArgs| p.kernel.build_string(&data.x);
        let scores = score_machines(args, points, &data.x, data.labels.as_ref(), build, Sequences::select, par)?;
        return Ok((scores, data.x.len(), arg_name(kernel)));
    }
    if kernel.on_graphs() {
        graph_format(file, &args.data)?;
        let data = read_tu(file)?;
        let build = |p: &TrainArgs| p.kernel.build_graph(&data.x);
        let scores = score_machines(args, points, &data.x, data.labels.as_ref(), build, Graphs::select, par)?;
        return Ok((scores, data.x.len(), arg_name(kernel)));
    }
    let data = read_data(file, &super::fit::training_read_options(&args.data, t))?;
    super::fit::check_precomputed(&t.kernel, &data.x, file)?;
    let d = data.x.n_features();
    let scores = score_on(
        args,
        points,
        &data.x,
        data.labels.as_ref(),
        par,
        |p| p.kernel.build(d),
        |p, targets, train_rows, test, par| {
            let kernel = p.kernel.build(d)?;
            let model = train(p, &kernel, data.x.select(train_rows), &targets.select(train_rows), par)?;
            predict_estimator(&model, &DataSet::select(&data.x, test), par)
        },
    )?;
    Ok((scores, data.x.n_samples(), arg_name(kernel)))
}

/// [`score_on`] for the SVM, ridge and GP machines of sequences and graphs.
fn score_machines<K: Kernel<S> + Clone, S: Samples>(
    args: &GridArgs,
    points: &[TrainArgs],
    x: &S,
    labels: Option<&Labels>,
    build: impl Fn(&TrainArgs) -> Result<K> + Sync,
    select: fn(&S, &[usize]) -> S,
    par: Par,
) -> Result<Vec<CvScore>> {
    score_on(args, points, x, labels, par, &build, |p, targets, train, test, par| {
        let machine = train_machine(p, &build(p)?, select(x, train), &targets.select(train), select, par)?;
        predict_machine(&machine, &select(x, test), false, par)
    })
}

/// Scores every point on samples `x` with `labels`, by the grid's folds:
/// `build` makes a point's kernel, `fit_predict` fits a point on training
/// rows and predicts test rows without sharing (see [`Search::scores`]).
fn score_on<K: Kernel<S> + Clone, S: Samples>(
    args: &GridArgs,
    points: &[TrainArgs],
    x: &S,
    labels: Option<&Labels>,
    par: Par,
    build: impl Fn(&TrainArgs) -> Result<K>,
    fit_predict: impl Fn(&TrainArgs, &Targets, &[usize], &[usize], Par) -> Result<Prediction> + Sync,
) -> Result<Vec<CvScore>> {
    let targets = Targets::new(&args.train_args, labels, &args.data_file)?;
    check_folds(args.folds, x.len())?;
    let fold_of = assign_folds(&targets, x.len(), args.folds, args.train_args.seed);
    let what = format!("kern grid: {}", task_name(args.train_args.task));
    let progress = Progress::bar(&what, (points.len() * args.folds) as u64, args.run.quiet);
    let kept = search::GramCache::default();
    let search = Search { x, targets: &targets, fold_of: &fold_of, folds: args.folds, par, progress, kept };
    search.scores(points, build, |p, train, test, par| fit_predict(p, &targets, train, test, par))
}

/// The best point: the highest accuracy or the lowest MSE, the first on ties.
fn best_point(scores: &[CvScore]) -> usize {
    let key = |s: &CvScore| match s {
        CvScore::Accuracy { accuracy, .. } => *accuracy,
        CvScore::Error { mse, .. } if mse.is_nan() => f64::NEG_INFINITY,
        CvScore::Error { mse, .. } => -mse,
    };
    (0..scores.len()).fold(0, |b, i| if key(&scores[i]) > key(&scores[b]) { i } else { b })
}

/// One point's scores in the JSON report.
fn score_json(s: &CvScore) -> Value {
    match s {
        CvScore::Accuracy { accuracy, per_fold, .. } => {
            json!({ "accuracy": accuracy, "accuracy_std": mean_and_std(per_fold).1, "accuracy_per_fold": per_fold })
        }
        CvScore::Error { mse, r2, per_fold } => {
            json!({ "mse": mse, "r2": r2, "mse_std": mean_and_std(per_fold).1, "mse_per_fold": per_fold })
        }
    }
}

/// The table on stdout: one row per point.
fn print_table(axes: &[Axis], values: &[Vec<f64>], scores: &[CvScore]) {
    let mut header: Vec<String> = axes.iter().map(|a| format!("{:>12}", a.name)).collect();
    header.push(match scores.first() {
        Some(CvScore::Error { .. }) => format!("{:>14} {:>10} {:>12}", "mse", "r2", "fold std"),
        _ => format!("{:>10} {:>10}", "accuracy", "fold std"),
    });
    println!("{}", header.join(" "));
    for (v, s) in values.iter().zip(scores) {
        let mut row: Vec<String> = v.iter().map(|x| format!("{x:>12.6e}")).collect();
        row.push(match s {
            CvScore::Accuracy { accuracy, per_fold, .. } => {
                format!("{:>9.4}% {:>9.4}%", 100.0 * accuracy, 100.0 * mean_and_std(per_fold).1)
            }
            CvScore::Error { mse, r2, per_fold } => {
                format!("{mse:>14.6e} {r2:>10.6} {:>12.4e}", mean_and_std(per_fold).1)
            }
        });
        println!("{}", row.join(" "));
    }
}
