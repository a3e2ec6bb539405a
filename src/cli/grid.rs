//! `kern grid`: cross-validated search over any numeric options, e.g.
//! LIBSVM grid.py's `--grid 'c=2^-5..2^15:4' --grid 'gamma=2^3..2^-15:0.25'`.
//! Prints the table (or `--json`: every point, `best_params` and the best
//! score); `--refit -o MODEL` trains the best point on all the data.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use kern_kernels::Par;
use kern_solvers::collective::{Alone, Collective};
use serde_json::{Value, json};

use super::args::{DataArgs, RunArgs, TrainArgs, WeightArgs, default_model_path, read_weighted};
use super::progress::Progress;
use super::{FitArgs, print_json, print_notices};
use crate::error::{Error, Result};
use crate::select::{Axis, CvScore, agree, grid_points, grid_search_spread, mean_and_std, parse_axis, unscored_said};
use crate::train::FitSpec;

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
    pub weights: WeightArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

pub(super) fn run(args: &GridArgs, par: Par) -> Result<()> {
    run_spread(args, par, &Alone)
}

/// `kern grid` with its fits spread over the processes of `collective`,
/// each reading all the data; process 0 reports and refits.
pub(super) fn run_spread(args: &GridArgs, par: Par, collective: &dyn Collective) -> Result<()> {
    let axes = args.grid.iter().map(|g| parse_axis(g).map_err(Error::Usage)).collect::<Result<Vec<_>>>()?;
    let base = args.train_args.spec()?;
    let (values, points): (Vec<Vec<f64>>, Vec<FitSpec>) = grid_points(&base, &axes)?.into_iter().unzip();
    let data = agree(collective, read_weighted(&args.data_file, &args.data, &args.weights, &base))?;
    let started = Instant::now();
    let what = format!("kern grid: {}", base.task.name());
    // A process counts only its own fits: the bar is shown alone.
    let quiet = args.run.quiet || collective.size() > 1;
    let progress = Progress::bar(&what, (points.len() * args.folds) as u64, quiet);
    let search = grid_search_spread(&points, &data, args.folds, par, &|| progress.inc(), collective);
    progress.finish();
    let search = search?;
    if collective.rank() != 0 {
        return Ok(());
    }
    let seconds = started.elapsed().as_secs_f64();
    let (scores, best) = (&search.scores, search.best);
    let params =
        |v: &[f64]| -> Value { axes.iter().zip(v).map(|(a, x)| (a.param.name().to_string(), json!(x))).collect() };
    let mut report = json!({
        "task": base.task.name(),
        "kernel": base.kernel.name.name(),
        "folds": args.folds,
        "n_samples": data.n_weighed(),
        "n_points": points.len(),
        "seconds": seconds,
        "points": values.iter().zip(scores).map(|(v, s)| {
            let mut point = json!({ "params": params(v) });
            super::cv::fields(s, &mut point);
            point
        }).collect::<Vec<_>>(),
        "best_params": params(&values[best]),
    });
    if search.unscored > 0 {
        report["unscored"] = json!(search.unscored);
    }
    match &scores[best] {
        CvScore::Accuracy { accuracy, .. } => report["best_accuracy"] = json!(accuracy),
        CvScore::Error { mse, r2, .. } => {
            report["best_mse"] = json!(mse);
            report["best_r2"] = json!(r2);
        }
    }
    if !args.run.json {
        print_table(&axes, &values, scores);
    }
    if !args.run.quiet {
        print_notices(&search.notices);
        let chosen: Vec<String> =
            axes.iter().zip(&values[best]).map(|(a, v)| format!("{}={v}", a.param.name())).collect();
        let score = match &scores[best] {
            CvScore::Accuracy { accuracy, .. } => format!("accuracy = {:.4} %", 100.0 * accuracy),
            CvScore::Error { mse, r2, .. } => format!("mse = {mse:.6}, r2 = {r2:.6}"),
        };
        let (count, folds) = (points.len(), args.folds);
        let unscored = unscored_said(search.unscored);
        eprintln!(
            "kern grid: {count} points × {folds} folds in {seconds:.3} s; best {}: {score}{unscored}",
            chosen.join(" ")
        );
    }
    if args.refit {
        let output = args.output.clone().unwrap_or_else(|| default_model_path(&args.data_file));
        let fit = FitArgs {
            train: args.data_file.clone(),
            output: Some(output.clone()),
            train_args: args.train_args.clone(),
            auto: false,
            auto_metric: Default::default(),
            auto_prefer_simple: false,
            auto_robust: Default::default(),
            conformal: None,
            checkpoint: None,
            checkpoint_every: 5,
            resume: None,
            given: Vec::new(),
            data: args.data.clone(),
            weights: args.weights.clone(),
            run: RunArgs { threads: args.run.threads, json: false, quiet: args.run.quiet },
        };
        super::fit::run_with(&points[best], &fit, par)?;
        report["model"] = json!(output);
    }
    if args.run.json {
        print_json(&report);
    }
    Ok(())
}

/// The table on stdout: one row per point.
fn print_table(axes: &[Axis], values: &[Vec<f64>], scores: &[CvScore]) {
    let mut header: Vec<String> = axes.iter().map(|a| format!("{:>12}", a.param.name())).collect();
    header.push(match scores.first() {
        Some(CvScore::Error { .. }) => format!("{:>14} {:>10} {:>12}", "mse", "r2", "fold std"),
        _ => format!("{:>10} {:>10}", "accuracy", "fold std"),
    });
    println!("{}", header.join(" "));
    for (v, s) in values.iter().zip(scores) {
        let mut row: Vec<String> = v.iter().map(|x| format!("{x:>12.6e}")).collect();
        let std = mean_and_std(s.per_fold()).1;
        row.push(match s {
            CvScore::Accuracy { accuracy, .. } => format!("{:>9.4}% {:>9.4}%", 100.0 * accuracy, 100.0 * std),
            CvScore::Error { mse, r2, .. } => format!("{mse:>14.6e} {r2:>10.6} {std:>12.4e}"),
        });
        println!("{}", row.join(" "));
    }
}
