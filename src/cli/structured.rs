//! `fit`, `predict` and `cv` on sequences (FASTA, sequence CSV) and graphs
//! (TU folders) with string and graph kernels: the same solvers as vectors,
//! fitted through the same generic `train_machine`.

use std::path::Path;
use std::time::Instant;

use faer::Mat;
use kern_kernels::{Graphs, Kernel, Par, Samples, Sequences};

use super::args::{DataArgs, FormatArg};
use super::fit::{Targets, train_machine};
use super::predict::{Prediction, most_probable, svm_prediction};
use super::{CvArgs, FitArgs, TrainArgs};
use crate::error::{Error, Result};
use crate::io::{Format, LabelCol, Labels, SequenceOptions, read_sequences, read_tu};
use crate::model::{Estimator, InputSchema, Machine, Model};

/// How to read sequences, from the command line.
pub(crate) fn sequence_options(d: &DataArgs) -> SequenceOptions {
    SequenceOptions {
        seq_col: d.seq_col.clone(),
        label_col: d.label_col.as_ref().map(|c| match c {
            LabelCol::Name(n) => n.clone(),
            LabelCol::Index(i) => i.to_string(),
        }),
        fold_case: d.fold_case,
    }
}

/// The sequence format `--format` names (csv read as sequence CSV).
pub(crate) fn sequence_format(path: &Path, d: &DataArgs) -> Result<Option<Format>> {
    match d.format {
        None => Ok(None),
        Some(FormatArg::Fasta) => Ok(Some(Format::Fasta)),
        Some(FormatArg::Seqcsv | FormatArg::Csv) => Ok(Some(Format::SeqCsv)),
        Some(other) => Err(Error::Usage(format!(
            "{}: a string kernel reads sequences (--format fasta or seqcsv), not {other:?}",
            path.display()
        ))),
    }
}

/// Checks that graph data is asked for as a TU folder.
pub(crate) fn graph_format(path: &Path, d: &DataArgs) -> Result<()> {
    match d.format {
        None | Some(FormatArg::Tu) => Ok(()),
        Some(other) => Err(Error::Usage(format!(
            "{}: a graph kernel reads a TU data-set folder (--format tu), not {other:?}",
            path.display()
        ))),
    }
}

/// Reads the training data, fits, and returns the model with its sample
/// count and fit time.
pub(super) fn fit(args: &FitArgs, par: Par) -> Result<(Model, usize, f64)> {
    let t = &args.train_args;
    super::device::cpu_only(t, "string and graph kernels");
    if t.approx.approx != super::args::ApproxArg::None {
        return Err(Error::Usage("--approx applies to kernels on vectors, not string or graph kernels".into()));
    }
    if t.kernel.kernel.on_strings() {
        let read = sequence_options(&args.data);
        let data = read_sequences(&args.train, sequence_format(&args.train, &args.data)?, &read)?;
        let kernel = t.kernel.build_string(&data.x)?;
        let targets = Targets::new(t, data.labels.as_ref(), &args.train)?;
        let (machine, n, seconds) = timed_fit(t, &kernel, data.x, &targets, Sequences::select, par)?;
        let input = InputSchema { format: data.format, csv: None, scaling: None };
        Ok((Model::new(0, input, Estimator::Sequences { machine, read }), n, seconds))
    } else {
        graph_format(&args.train, &args.data)?;
        let data = read_tu(&args.train)?;
        let kernel = t.kernel.build_graph(&data.x)?;
        let targets = Targets::new(t, data.labels.as_ref(), &args.train)?;
        let (machine, n, seconds) = timed_fit(t, &kernel, data.x, &targets, Graphs::select, par)?;
        Ok((
            Model::new(0, InputSchema { format: Format::Tu, csv: None, scaling: None }, Estimator::Graphs(machine)),
            n,
            seconds,
        ))
    }
}

/// [`train_machine`] with the sample count and the seconds it took.
fn timed_fit<K: Kernel<S> + Clone, S: Samples>(
    t: &TrainArgs,
    kernel: &K,
    x: S,
    targets: &Targets,
    select: fn(&S, &[usize]) -> S,
    par: Par,
) -> Result<(Machine<K, S>, usize, f64)> {
    let n = x.len();
    let started = Instant::now();
    let machine = train_machine(t, kernel, x, targets, select, par)?;
    Ok((machine, n, started.elapsed().as_secs_f64()))
}

/// Reads sequences or graphs as the model's training data was read, and
/// predicts: the count, the labels when the data has them, the predictions.
pub(super) fn predict(
    model: &Model,
    path: &Path,
    d: &DataArgs,
    std: bool,
    par: Par,
) -> Result<(usize, Option<Labels>, Prediction)> {
    match &model.estimator {
        Estimator::Sequences { machine, read } => {
            let mut read = read.clone();
            // Columns named on the command line override the training file's.
            if d.seq_col.is_some() {
                read.seq_col = d.seq_col.clone();
            }
            if d.label_col.is_some() {
                read.label_col = sequence_options(d).label_col;
            }
            let format = sequence_format(path, d)?;
            let data = read_sequences(path, format, &read)?;
            Ok((data.x.len(), data.labels, predict_machine(machine, &data.x, std, par)?))
        }
        Estimator::Graphs(machine) => {
            graph_format(path, d)?;
            let data = read_tu(path)?;
            machine.kernel().check(&data.x)?;
            Ok((data.x.len(), data.labels, predict_machine(machine, &data.x, std, par)?))
        }
        _ => unreachable!("called for sequence and graph models"),
    }
}

/// What a machine predicts for `x`; with `std`, a GP regression's mean and
/// predictive standard deviation (an empty usage error for other models).
pub(crate) fn predict_machine<K: Kernel<S>, S: Samples>(
    machine: &Machine<K, S>,
    x: &S,
    std: bool,
    par: Par,
) -> Result<Prediction> {
    let solver = kern_solvers::SolverError::from;
    Ok(match (machine, std) {
        (Machine::Gp(m), true) => {
            let p = m.predict(x, par).map_err(solver)?;
            Prediction::Values(Mat::from_fn(x.len(), 2, |i, c| if c == 0 { p.mean[i] } else { p.std_with_noise[i] }))
        }
        (_, true) => return Err(Error::Usage(String::new())),
        (Machine::Svm { model, classes }, false) => svm_prediction(model, classes, x, par),
        (Machine::KernelRidge(m), false) => Prediction::Values(m.predict(x, par)),
        (Machine::Gp(m), false) => {
            let mean = m.predict_mean(x, par);
            Prediction::Values(Mat::from_fn(x.len(), 1, |i, _| mean[i]))
        }
        (Machine::Gpc { model, classes }, false) => {
            most_probable(model.predict_proba(x, par).map_err(solver)?, classes)
        }
    })
}

/// `kern cv` on sequences or graphs.
pub(super) fn cv(args: &CvArgs, par: Par) -> Result<()> {
    let t = &args.train_args;
    if t.kernel.kernel.on_strings() {
        let read = sequence_options(&args.data);
        let data = read_sequences(&args.data_file, sequence_format(&args.data_file, &args.data)?, &read)?;
        let kernel = t.kernel.build_string(&data.x)?;
        let targets = Targets::new(t, data.labels.as_ref(), &args.data_file)?;
        score_machine(args, kernel.name(), &kernel, &data.x, &targets, Sequences::select, par)
    } else {
        graph_format(&args.data_file, &args.data)?;
        let data = read_tu(&args.data_file)?;
        let kernel = t.kernel.build_graph(&data.x)?;
        let targets = Targets::new(t, data.labels.as_ref(), &args.data_file)?;
        score_machine(args, kernel.name(), &kernel, &data.x, &targets, Graphs::select, par)
    }
}

/// Cross-validates a machine on samples of any kind.
fn score_machine<K: Kernel<S> + Clone, S: Samples>(
    args: &CvArgs,
    name: &str,
    kernel: &K,
    x: &S,
    targets: &Targets,
    select: fn(&S, &[usize]) -> S,
    par: Par,
) -> Result<()> {
    super::cv::score_folds(args, name, targets, x.len(), |train, test| {
        let machine = train_machine(&args.train_args, kernel, select(x, train), &targets.select(train), select, par)?;
        predict_machine(&machine, &select(x, test), false, par)
    })
}
