//! The `kern` command line (feature `cli`): `fit`, `predict`, `cv`, `grid`,
//! `info`, `export`, `demo`. Each command turns its arguments into the
//! engine's descriptions ([`crate::train::FitSpec`], [`crate::io::InputOptions`]),
//! calls [`crate::train`], [`crate::select`] or [`crate::model`], and prints.
//!
//! Errors are one line on stderr (`kern: error: FILE:LINE: what is wrong`)
//! and a non-zero exit; `--json` prints exactly one JSON object on stdout.

pub mod args;
mod cv;
mod demo;
mod export;
mod fit;
mod grid;
mod info;
mod predict;
mod progress;
#[cfg(feature = "mpi")]
mod shared;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use args::{DataArgs, KernelArgs, RunArgs, TrainArgs, WeightArgs};
pub use grid::GridArgs;

use crate::error::{Error, Result};

/// Kernel methods from the shell.
#[derive(Parser, Debug)]
#[command(name = "kern", version, about, allow_negative_numbers = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a model on TRAIN and write it to MODEL; a summary goes to stderr
    Fit(FitArgs),
    /// Predict with MODEL on DATA, one prediction per line; metrics go to stderr when DATA has labels
    Predict(PredictArgs),
    /// k-fold cross-validation: accuracy, or MSE and R², on held-out folds
    Cv(CvArgs),
    /// Cross-validated grid search over any numeric options (e.g. --grid 'c=2^-5..2^15:4' --grid 'gamma=2^3..2^-15:0.25')
    Grid(GridArgs),
    /// Show what a model file holds
    Info(InfoArgs),
    /// Write an SVM as a LIBSVM model file that svm-predict reads
    Export(ExportArgs),
    /// Fit and evaluate on an embedded, seeded synthetic data set
    Demo(DemoArgs),
}

/// `kern fit`.
#[derive(Args, Clone, Debug)]
#[command(allow_negative_numbers = true)]
#[command(group = clap::ArgGroup::new("keeps_state").args(["checkpoint", "resume"]).multiple(true))]
pub struct FitArgs {
    /// Training data (LibSVM, CSV, FASTA, sequence CSV or a TU folder)
    pub train: PathBuf,
    /// Where to write the model; `.json` writes JSON [default: TRAIN's name + .model]
    #[arg(short, long, value_name = "MODEL")]
    pub output: Option<PathBuf>,
    /// Choose what is not given from the data: the task from the labels, feature scaling (stored in the model), gamma by the median heuristic, SVM C and gamma by a coarse-to-fine 5-fold search, ridge alpha and gamma by leave-one-out, GP hyperparameters by marginal likelihood. `kern fit DATA` with no model option implies it
    #[arg(long)]
    pub auto: bool,
    /// What --auto's search maximises (implies --auto). Classifiers: accuracy (as grid.py), balanced-accuracy (mean per-class recall), or f1 (the rarer class's F1 for two classes, the macro mean beyond). Regression searches minimise the mean squared error, or with mae the mean absolute error (chosen by itself where a few far-off targets dominate their deviation)
    #[arg(long, value_enum, default_value = "accuracy", value_name = "METRIC")]
    pub auto_metric: crate::select::Metric,
    /// Keep --auto's linear baseline (linear kernel, C or alpha searched) when it scores as well as the kernel model within one standard error (implies --auto)
    #[arg(long)]
    pub auto_prefer_simple: bool,
    /// When --auto treats the targets as holding far-off errors (implies --auto): its kernel ridge then fits Huber's loss (iteratively reweighted, from leave-one-out residuals) in place of the squared loss, and its SVR search takes epsilon from the targets' typical deviation and scores the mean absolute error. detect (when a few samples dominate the squared loss's leave-one-out error, or the targets' deviation), always, or never
    #[arg(long, value_enum, default_value = "detect", value_name = "WHEN")]
    pub auto_robust: crate::select::auto::Robust,
    /// Hold out this share of the samples (seeded by --seed) to calibrate split-conformal prediction intervals (`kern predict --interval`): svr, nusvr and krr with --approx; the model is fitted on the rest. Exact krr and gp have intervals of their own
    #[arg(long, value_name = "SHARE")]
    pub conformal: Option<f64>,
    /// Write the state of Falkon's conjugate gradient to FILE (atomically) every --checkpoint-every iterations, so that a fit that is stopped or killed goes on with --resume FILE
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Iterations between checkpoints
    #[arg(long, value_name = "N", default_value_t = 5, requires = "keeps_state")]
    pub checkpoint_every: usize,
    /// Go on from a checkpoint of the same data and options (--approx falkon), reaching the model an uninterrupted fit reaches; checkpoints go on to FILE unless --checkpoint names another
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
    /// The option ids given on the command line (set after parsing; `--auto` holds them)
    #[arg(skip)]
    pub given: Vec<String>,
    #[command(flatten)]
    pub train_args: TrainArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub weights: WeightArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `kern cv`.
#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
pub struct CvArgs {
    /// Data (LibSVM or CSV)
    pub data_file: PathBuf,
    /// Number of folds (stratified by class for classifiers; seeded by --seed)
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    #[command(flatten)]
    pub train_args: TrainArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub weights: WeightArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `kern predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// A model file written by `kern fit`
    pub model: PathBuf,
    /// Data to predict (LibSVM or CSV; labels optional)
    pub data: PathBuf,
    /// Write predictions here instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Write class probabilities (a model fitted with --probability): a first line `labels A B ...`, then `label pA pB ...` per sample
    #[arg(long)]
    pub proba: bool,
    /// Write `mean std` per sample (a GP model): the predictive standard deviation of a new observation, noise included
    #[arg(long)]
    pub std: bool,
    /// Write `prediction lower upper` per sample, an interval meant to hold a new target with probability LEVEL (e.g. 0.9): a GP's Gaussian interval, exact kernel ridge's jackknife+, or split-conformal for a model fitted with --conformal
    #[arg(long, value_name = "LEVEL", conflicts_with_all = ["std", "proba"])]
    pub interval: Option<f64>,
    #[command(flatten)]
    pub data_args: DataArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `kern info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// A model file
    pub model: PathBuf,
    /// Print one JSON object on stdout
    #[arg(long)]
    pub json: bool,
}

/// `kern export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A model file written by `kern fit`
    pub model: PathBuf,
    /// The target format
    #[arg(long, value_enum, default_value = "libsvm")]
    pub to: ExportFormat,
    /// Where to write it
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

/// `kern export --to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// LIBSVM's model file (svm-train's output)
    Libsvm,
}

/// `kern demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub run: RunArgs,
}

/// Parses the arguments, runs the command, and turns any error into one line
/// on stderr and exit status 1 (usage errors: clap's message and status 2).
pub fn main_with_args<I: IntoIterator<Item = OsString>>(args: I) -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let parsed = Cli::command()
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return usage_error(e),
    };
    if let (Command::Fit(fit), Some(("fit", m))) = (&mut cli.command, matches.subcommand()) {
        note_given(fit, m);
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Another process of an MPI run failed and process 0 reports it: a
        // non-zero status here would let mpirun end the job, process 0's
        // line included, before that line is written. The run's status is
        // process 0's.
        Err(Error::Elsewhere) => ExitCode::SUCCESS,
        Err(e) => {
            let message = e.to_string().replace('\n', " ");
            error_line(&format!("kern: error: {message}"));
            ExitCode::FAILURE
        }
    }
}

/// Help and version as clap prints them; any other parse error as one line
/// (clap's message without its usage block and tips) and exit status 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
    }
    let rendered = e.render().to_string();
    let parts: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .filter(|l| {
            !(l.is_empty() || l.starts_with("Usage:") || l.starts_with("For more information") || l.starts_with("tip:"))
        })
        .collect();
    let message = parts.join(" ");
    eprintln!("kern: error: {} (--help lists the options)", message.strip_prefix("error: ").unwrap_or(&message));
    ExitCode::from(2)
}

/// Records which options of `kern fit` came from the command line, and
/// turns `--auto` on when none of them chooses the model: `kern fit DATA`
/// alone (reading, output and resource options aside) picks everything.
fn note_given(fit: &mut FitArgs, m: &clap::ArgMatches) {
    use clap::parser::ValueSource;
    fit.given = m
        .ids()
        .filter(|id| m.value_source(id.as_str()) == Some(ValueSource::CommandLine))
        .map(|id| id.as_str().to_string())
        .collect();
    let model_options = <TrainArgs as Args>::augment_args(clap::Command::new("fit"));
    let resources = ["seed", "max_memory", "restarts", "cache_mb"];
    let chooses = |id: &String| {
        !resources.contains(&id.as_str()) && model_options.get_arguments().any(|a| a.get_id().as_str() == id)
    };
    let auto_options = |id: &String| ["auto_metric", "auto_prefer_simple", "auto_robust"].contains(&id.as_str());
    if !fit.given.iter().any(chooses) || fit.given.iter().any(auto_options) {
        fit.auto = true;
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let (threads, quiet) = match &cli.command {
        Command::Fit(a) => (a.run.threads, a.run.quiet),
        Command::Predict(a) => (a.run.threads, a.run.quiet),
        Command::Cv(a) => (a.run.threads, a.run.quiet),
        Command::Grid(a) => (a.run.threads, a.run.quiet),
        Command::Demo(a) => (a.run.threads, a.run.quiet),
        Command::Info(_) | Command::Export(_) => (Some(1), true),
    };
    if threads == Some(0) {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    // More threads than cores only contend (and a huge count would take the
    // machine's thread table): capped, with a notice.
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let threads = match threads {
        Some(t) if t > cores => {
            if !quiet {
                eprintln!("kern: notice: --threads {t} is more than the {cores} cores here: using {cores}");
            }
            Some(cores)
        }
        t => t,
    };
    let (par, pool) = start_threads(threads, cores)?;
    let command = || {
        // Under an MPI launcher with several processes, each takes a share.
        #[cfg(feature = "mpi")]
        if let Some(world) = crate::dist::World::from_launcher()?
            && kern_solvers::collective::Collective::size(&world) > 1
        {
            return shared::run(cli.command, par, &world);
        }
        match cli.command {
            Command::Fit(a) => fit::run(&a, par),
            Command::Predict(a) => predict::run(&a, par),
            Command::Cv(a) => cv::run(&a, par),
            Command::Grid(a) => grid::run(&a, par),
            Command::Info(a) => info::run(&a),
            Command::Export(a) => export::run(&a),
            Command::Demo(a) => demo::run(&a, par),
        }
    };
    match pool {
        Some(pool) => pool.install(command),
        None => command(),
    }
}

/// The parallelism of a run. Without `--threads`, rayon's global pool of one
/// thread per core starts on the first parallel work: a small problem that
/// has none (a 270-row fit takes 4 ms in all) starts no thread. With it, the
/// pool starts now with this thread as one of its `threads`; where the
/// global pool has started already (a second command in one process), in a
/// pool of its own that runs the command.
fn start_threads(threads: Option<usize>, cores: usize) -> Result<(kern_kernels::Par, Option<rayon::ThreadPool>)> {
    let Some(t) = threads else { return Ok((kern_kernels::par_threads(cores), None)) };
    let builder = || rayon::ThreadPoolBuilder::new().num_threads(t);
    let pool = match builder().use_current_thread().build_global() {
        Ok(()) => None,
        Err(_) => Some(builder().build().map_err(|e| Error::Usage(format!("cannot start worker threads: {e}")))?),
    };
    Ok((kern_kernels::par_threads(t), pool))
}

/// Writes `line` to stderr in one write: under mpirun, another process's
/// output (or Open MPI's) then cannot land inside it.
pub(crate) fn error_line(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(format!("{line}\n").as_bytes());
}

/// Prints one JSON object on stdout.
fn print_json(value: &serde_json::Value) {
    println!("{value}");
}

/// Prints each notice of the engine (where work stayed on the CPU) once.
fn print_notices(notices: &[String]) {
    for line in notices {
        eprintln!("kern: notice: {line}");
    }
}
