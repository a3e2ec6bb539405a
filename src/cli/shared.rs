//! `mpirun -np P kern fit|predict|cv|grid ...` (feature `mpi`): for fit and
//! predict each process reads its share of the file's lines; a fit is the
//! engine's [`fit_shared`](crate::train::fit_shared), written by process 0;
//! a prediction is each share's, written by process 0 in the file's order.
//! `cv` and `grid` read all the data in every process and spread the
//! (point, fold) fits ([`grid_search_spread`](crate::select::grid_search_spread)).
//!
//! Options are checked by every process alike before any data is read, and
//! refused in one line by process 0. After that a process that fails prints
//! its line, naming itself, and ends the whole run (MPI's abort): no
//! process is left waiting for it, and no model file is written.

use std::io::Write;

use kern_kernels::{DataSet, DenseMatrix, Par, SparseMatrix, Storage};
use kern_solvers::collective::Collective;
use serde_json::json;

use super::fit::{finish, with_fit_options};
use super::predict::{Tally, check_options, lines, predict_rows};
use super::{Command, FitArgs, PredictArgs, print_json};
use crate::dist::World;
use crate::error::{Error, Result};
use crate::io::{Data, Inputs, SampleKind, Share, read_inputs, read_weight_lines};
use crate::model::{Estimator, Intervals, Model, Prediction, ROW_BLOCK, load_model, write_atomically};
use crate::select::agree;
use crate::train::{Device, FitSpec, Shares, check_shareable, fit_shared};

/// Runs `command` as one of the world's processes.
pub(super) fn run(command: Command, par: Par, world: &World) -> Result<()> {
    // Searches: every process reads all the data and takes its share of the
    // fits; all meet every failure, and process 0 says it.
    let spread = match &command {
        Command::Cv(args) => Some(super::cv::run_spread(args, par, world)),
        Command::Grid(args) => Some(super::grid::run_spread(args, par, world)),
        _ => None,
    };
    if let Some(done) = spread {
        return done.map_err(|e| if world.rank() == 0 { e } else { Error::Elsewhere });
    }
    let checked = match &command {
        Command::Fit(args) => check_fit(args).map(Some),
        Command::Predict(args) => check_options(args).map(|()| None),
        _ => Err(Error::Usage(
            "under mpirun, kern runs fit and predict on shares of the rows and cv and grid with their fits spread; run info, export and demo without mpirun"
                .into(),
        )),
    };
    let spec = match checked {
        Ok(spec) => spec,
        Err(_) if world.rank() != 0 => return Err(Error::Elsewhere),
        Err(e) => return Err(e),
    };
    let done = match (&command, spec) {
        (Command::Fit(args), Some(spec)) => fit(&spec, args, par, world),
        (Command::Predict(args), _) => predict(args, par, world),
        _ => unreachable!("checked above"),
    };
    match done {
        Ok(()) => Ok(()),
        // Process 0 says it; every process ends through MPI's finalisation.
        Err(Failed::Together(_)) if world.rank() != 0 => Err(Error::Elsewhere),
        Err(Failed::Together(e)) => Err(named(e, world)),
        Err(Failed::Alone(e)) => {
            super::error_line(&format!("kern: error: {}", named(e, world).to_string().replace('\n', " ")));
            world.abort(1)
        }
    }
}

/// How a process's part of a fit or prediction failed, which decides how
/// the run ends.
enum Failed {
    /// No process waits for this one in a collective: all met the failure
    /// (an agreed step), or none has a collective left. Process 0 says it and
    /// all end through MPI's finalisation: an abort racing the others'
    /// finalisation can leave mpirun waiting for ever.
    Together(Error),
    /// This process alone, while others may wait for it in a collective: it
    /// says its line and ends the run (MPI's abort).
    Alone(Error),
}

impl From<Error> for Failed {
    fn from(e: Error) -> Failed {
        Failed::Alone(e)
    }
}

/// `outcome`, a step every process reaches, as all processes learn it
/// ([`agree`]): all go on, or all fail together.
fn agreed<T>(world: &World, outcome: Result<T>) -> Result<T, Failed> {
    agree(world, outcome).map_err(Failed::Together)
}

/// `e` naming the process that met it, as every error of a shared run does.
fn named(e: Error, world: &World) -> Error {
    match e {
        Error::Remote { .. } => e,
        e => Error::Remote { rank: world.rank(), size: world.size(), message: e.to_string() },
    }
}

/// This process's share of a file.
fn share(world: &World) -> Share {
    Share { index: world.rank(), count: world.size() }
}

/// The fit's description, when processes sharing the rows can fit it.
fn check_fit(args: &FitArgs) -> Result<FitSpec> {
    let spec = with_fit_options(&args.train_args.spec()?, args);
    if args.auto {
        return Err(Error::Usage(
            "--auto searches on every row in one process: under mpirun give the model (e.g. --task krr --approx falkon --components M --alpha A)".into(),
        ));
    }
    check_shareable(&spec)?;
    Ok(spec)
}

fn fit(spec: &FitSpec, args: &FitArgs, par: Par, world: &World) -> Result<(), Failed> {
    // One GPU per process of a machine, in turn.
    let mut spec = spec.clone();
    if let Device::Gpu(options) = &mut spec.device {
        (options.ordinal, options.wrap_ordinal) = (world.local_rank(), true);
    }
    let spec = &spec;
    let mut options = args.weights.options(args.data.options(spec));
    options.share = Some(share(world));
    let mut data = agreed(world, read_inputs(&args.train, &options, Some(SampleKind::Vectors)))?;
    if let Some(file) = &args.weights.weights {
        // Each process keeps its rows' lines; all agree on whether the file fits.
        let shares = Shares::count(world, data.x.len());
        let rows = shares.offset..shares.offset + data.x.len();
        data.weights = Some(agreed(world, read_weight_lines(file, Some(shares.total), rows))?);
    }
    let fitted = fit_shared(spec, data, par, world)?;
    if world.rank() != 0 {
        return Ok(());
    }
    let output = args.output.clone().unwrap_or_else(|| super::args::default_model_path(&args.train));
    // Past the last collective: no process waits for this one.
    finish(spec, args, &fitted, None, &output).map_err(Failed::Together)
}

fn predict(args: &PredictArgs, par: Par, world: &World) -> Result<(), Failed> {
    let (model, data) = agreed(world, model_and_share(args, world))?;
    let (intervals, prediction) = predict_aligned(&model, &data.x, args, par, world)?;
    let mut text = lines(&model, &prediction, args)?;
    if args.proba && world.rank() != 0 {
        // The `labels ...` line heads the whole output once.
        text = text.split_once('\n').map_or(String::new(), |(_, rest)| rest.to_string());
    }
    let parts = world.all_gather_bytes(text.as_bytes());
    let n = world.sum_count(prediction.len() as u64);
    let tally = match &data.labels {
        Some(labels) => Some(pooled(Tally::new(&model, &prediction, labels, &args.data)?, world)),
        None => None,
    };
    let widths = intervals.as_ref().map(|i| {
        let mut total = [i.mean_width() * prediction.len() as f64];
        world.sum(&mut total);
        total[0]
    });
    let inside = match (&intervals, &data.labels) {
        (Some(i), Some(labels)) => {
            let y = labels.numeric(&args.data)?;
            Some(world.sum_count((i.coverage(y) * y.len() as f64).round() as u64))
        }
        _ => None,
    };
    if world.rank() != 0 {
        return Ok(());
    }
    // Past the last collective: no process waits for this one.
    let pooled = Pooled { n, tally, intervals: intervals.as_ref().zip(widths), inside };
    write_prediction(args, &parts.concat(), pooled).map_err(Failed::Together)
}

/// The model and this process's share of the rows to predict.
fn model_and_share(args: &PredictArgs, world: &World) -> Result<(Model, Data)> {
    let mut model = load_model(&args.model)?;
    if matches!(model.estimator, Estimator::Sequences { .. } | Estimator::Graphs(_)) {
        return Err(Error::Usage("under mpirun, kern predicts with models of vectors".into()));
    }
    let d = &args.data_args;
    let options = crate::io::InputOptions {
        format: d.format,
        label_col: d.label_col.clone(),
        share: Some(share(world)),
        shards: d.shards,
        ..Default::default()
    };
    let data = model.read_inputs(&args.data, &options)?;
    Ok((model, data))
}

/// What every process's prediction adds up to: samples, the tally against
/// labels, the intervals' mean width and how many targets they hold.
struct Pooled<'a> {
    n: u64,
    tally: Option<Tally>,
    intervals: Option<(&'a Intervals, f64)>,
    inside: Option<u64>,
}

/// Writes the predictions (`text`, every process's in order) and the report.
fn write_prediction(args: &PredictArgs, text: &[u8], pooled: Pooled<'_>) -> Result<()> {
    let Pooled { n, tally, intervals, inside } = pooled;
    match &args.output {
        Some(path) => write_atomically(path, text)?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text)
                .and_then(|()| out.flush())
                .map_err(|source| Error::Io { file: "<stdout>".into(), source })?;
        }
    }
    let mut report = json!({ "n": n });
    if let (Some((i, widths)), Some(level)) = (intervals, args.interval) {
        let mean_width = widths / n.max(1) as f64;
        report["interval"] = json!({ "level": level, "method": i.method, "mean_width": mean_width });
    }
    if let Some(tally) = tally {
        let mut line = tally.report(&mut report);
        if let (Some(inside), Some((i, _))) = (inside, intervals) {
            let coverage = inside as f64 / n.max(1) as f64;
            report["interval"]["coverage"] = json!(coverage);
            line.push_str(&format!(", {:.2} % inside the {} intervals", 100.0 * coverage, i.method));
        }
        if !args.run.quiet {
            eprintln!("kern predict: {n} samples, {line}");
        }
    }
    if args.run.json {
        print_json(&report);
    }
    Ok(())
}

/// [`predict_rows`] on this share, padded with zero rows to whole blocks
/// of [`ROW_BLOCK`] rows of the whole file's numbering, so that every row
/// is predicted in the block, and at the place, it has alone: the same bits.
fn predict_aligned(
    model: &Model,
    x: &Inputs,
    args: &PredictArgs,
    par: Par,
    world: &World,
) -> Result<(Option<Intervals>, Prediction)> {
    let Inputs::Vectors(rows) = x else { return predict_rows(model, x, args, par) };
    let n = rows.n_samples();
    let shares = Shares::count(world, n);
    let before = shares.offset % ROW_BLOCK;
    let end = shares.offset + n;
    let after = if end == shares.total { 0 } else { end.next_multiple_of(ROW_BLOCK).min(shares.total) - end };
    if before == 0 && after == 0 {
        return predict_rows(model, x, args, par);
    }
    let padded = Inputs::Vectors(padded(rows, before, after));
    let (intervals, prediction) = predict_rows(model, &padded, args, par)?;
    let mine = before..before + n;
    Ok((intervals.map(|i| i.rows(mine.clone())), prediction.rows(mine)))
}

/// `x` with `before` zero rows ahead and `after` behind.
fn padded(x: &DataSet, before: usize, after: usize) -> DataSet {
    let d = x.n_features();
    match x.storage() {
        Storage::Dense(m) => {
            let mut values = vec![0.0; before * d];
            values.extend_from_slice(m.values());
            values.resize(values.len() + after * d, 0.0);
            DataSet::from(DenseMatrix::new(before + x.n_samples() + after, d, values).expect("a valid matrix"))
        }
        Storage::Sparse(m) => {
            let mut rows = SparseMatrix::with_cols(d);
            (0..before).for_each(|_| rows.push_row(&[], &[]).expect("an empty row"));
            for i in 0..m.n_rows() {
                let (idx, values) = m.row(i);
                rows.push_row(idx, values).expect("rows of a valid matrix");
            }
            (0..after).for_each(|_| rows.push_row(&[], &[]).expect("an empty row"));
            DataSet::from(rows)
        }
    }
}

/// Every process's tally, pooled.
fn pooled(tally: Tally, world: &World) -> Tally {
    match tally {
        Tally::Correct { correct, n } => {
            Tally::Correct { correct: world.sum_count(correct as u64) as usize, n: world.sum_count(n as u64) as usize }
        }
        Tally::Values { y, predicted } => {
            let gather = |v: &[f64]| world.all_gather_f64(v).concat();
            Tally::Values { y: gather(&y), predicted: gather(&predicted) }
        }
    }
}
