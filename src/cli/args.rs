//! The options of `fit`, `cv` and `grid`, and what they become: the
//! engine's [`FitSpec`], [`InputOptions`] and [`Held`].

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use kern_gpu::{GpuOptions, Precision};
use kern_kernels::Expression;

use crate::error::{Error, Result};
use crate::io::{Data, Format, InputOptions, LabelCol, read_inputs, read_weights};
use crate::select::Held;
use crate::train::{
    Alpha, Approx, ApproxSpec, Device, FitSpec, GpSpec, KernelName, KernelSpec, Loss, Sampling, SvmSpec, Task,
};

/// What to learn and how: shared by `fit`, `cv` and `grid`.
#[derive(Args, Clone, Debug)]
pub struct TrainArgs {
    /// What to learn (LIBSVM's default: C-SVM classification)
    #[arg(long, value_enum, default_value = "svc")]
    pub task: Task,
    #[command(flatten)]
    pub kernel: KernelArgs,
    #[command(flatten)]
    pub svm: SvmArgs,
    /// Ridge penalty of kernel ridge regression, or auto (least exact leave-one-out error)
    #[arg(long, default_value = "1", value_name = "ALPHA|auto")]
    pub alpha: Alpha,
    /// GP noise variance σ² of the (normalised) targets [default: fitted, from 1]
    #[arg(long)]
    pub noise: Option<f64>,
    /// GP amplitude (kernel scale) [default: fitted, from 1]
    #[arg(long)]
    pub amplitude: Option<f64>,
    /// GP random restarts of the hyperparameter search, besides the first start [default: 5 for exact GP regression, 0 for classification (scikit-learn's) and with --approx]
    #[arg(long)]
    pub restarts: Option<usize>,
    /// GP: centre and scale the targets before fitting (scikit-learn's normalize_y); off fits them as given
    #[arg(long, value_name = "on|off", default_value = "on", value_parser = parse_on_off, action = clap::ArgAction::Set)]
    pub normalize_y: bool,
    /// GP: one lengthscale per feature (automatic relevance determination), each fitted; --kernel rbf, matern32 or matern52
    #[arg(long)]
    pub ard: bool,
    /// GP with --approx sgpr: learn the inducing points' locations too (they start where --landmarks puts them)
    #[arg(long)]
    pub learn_inducing: bool,
    /// GP with --approx sgpr: the posterior (mean and intervals) on M inducing points, the fit's and more samples drawn by k-means++ in the fitted kernel's feature space (every sample when M >= n), the kernel kept and the noise re-fitted by the bound; one more pass, O(n M²), closer to the exact GP
    #[arg(long, value_name = "M", alias = "mean-components")]
    pub posterior_components: Option<usize>,
    /// GP with --approx sgpr, rff or nystroem: learn the hyperparameters (and inducing points) on a seeded uniform sample of N rows, then the posterior on every row; 0: every row
    #[arg(long, value_name = "N", default_value_t = crate::train::SGPR_FIT_SAMPLES)]
    pub fit_samples: usize,
    #[command(flatten)]
    pub approx: ApproxArgs,
    /// Memory an exact kernel matrix may take, e.g. 512M or 8G [default: half the machine's memory]
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
    /// Scale every feature to [-1, 1] (sparse data: by its largest magnitude, keeping zeros), fitted on the training data and stored in the model, as svm-scale and --auto do; under mpirun from every process's minima and maxima
    #[arg(long)]
    pub scale: bool,
    /// Kernel ridge regression (exact or --approx falkon): centre the targets about their mean before the fit and add it back to every prediction, as --auto does; kernel ridge has no intercept, so targets far from zero otherwise cost the fit its smoothness
    #[arg(long)]
    pub centre_targets: bool,
    /// Seed of every random choice (cross-validation folds, probability folds)
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub device: DeviceArgs,
}

/// SVM hyperparameters and solver options.
#[derive(Args, Clone, Debug)]
pub struct SvmArgs {
    /// Cost C of svc, svr and nusvr
    #[arg(short = 'c', long = "c", default_value_t = 1.0)]
    pub c: f64,
    /// nu of nusvc, oneclass and nusvr
    #[arg(long, default_value_t = 0.5)]
    pub nu: f64,
    /// epsilon of the svr loss
    #[arg(long, default_value_t = 0.1)]
    pub epsilon: f64,
    /// Stop when the maximal violating pair's gap is below this (SVMs), or when the last two conjugate-gradient steps each move the solution by less than this fraction of its size (Falkon; 0 runs to a relative residual of 1e-7 or --max-iter)
    #[arg(long, default_value_t = 1e-3)]
    pub tol: f64,
    /// Kernel-row cache in MiB [default: room for the rows one shrinking interval reads (2 min(n, 1000) rows of n values), at least 100 and at most a thirty-second of --max-memory]
    #[arg(long)]
    pub cache_mb: Option<f64>,
    /// Turn shrinking off
    #[arg(long)]
    pub no_shrinking: bool,
    /// Turn off Newton steps on the free variables between SMO iterations (LIBSVM's exact iterates, often many more of them)
    #[arg(long)]
    pub no_newton: bool,
    /// Solve by working sets of Q variables, their kernel rows in one parallel batch, instead of LIBSVM's pairs (svc, svr, oneclass): faster where many samples end as support vectors, slower where few do [default: pairs]
    #[arg(long, value_name = "Q")]
    pub working_set: Option<usize>,
    /// Iteration limit per binary problem [default: max(10^7, 100 n), as LIBSVM]
    #[arg(long)]
    pub max_iter: Option<u64>,
    /// Multiply C by W for class LABEL (repeatable)
    #[arg(long, value_name = "LABEL=W")]
    pub class_weight: Vec<String>,
    /// Fit probability outputs: Platt scaling on 5-fold CV (classifiers; the predicted label becomes the most probable class), the Laplace noise scale (regression)
    #[arg(long)]
    pub probability: bool,
}

/// The kernel and its parameters.
#[derive(Args, Clone, Debug, PartialEq)]
pub struct KernelArgs {
    /// Kernel function: rbf, linear, poly, sigmoid, laplacian, matern12, matern32, matern52, precomputed, spectrum, mismatch, wd, ssk, wl, sp, rw; or a kernel expression, e.g. '2*rbf(ls=1) + 0.5*periodic(ls=1,p=12!) + white(0.1)' (docs/kernels.md): a GP fits every value not marked '!'
    #[arg(long, default_value = "rbf", value_name = "NAME|EXPRESSION", value_parser = parse_kernel)]
    pub kernel: KernelChoice,
    /// Kernel coefficient of rbf, poly, sigmoid and laplacian [default: 1/n_features]
    #[arg(short = 'g', long)]
    pub gamma: Option<f64>,
    /// Degree of the poly kernel
    #[arg(long, default_value_t = 3)]
    pub degree: u32,
    /// Constant term of the poly and sigmoid kernels
    #[arg(long, default_value_t = 0.0)]
    pub coef0: f64,
    /// Lengthscale of the Matérn kernels [default: 1/sqrt(2 gamma), i.e. sqrt(n_features/2)]
    #[arg(long)]
    pub lengthscale: Option<f64>,
    /// k-mer or subsequence length of the spectrum, mismatch and ssk kernels [default: 3; mismatch 5]
    #[arg(long = "k", value_name = "K")]
    pub kmer: Option<usize>,
    /// Mismatches allowed by the mismatch kernel
    #[arg(long = "m", value_name = "M", default_value_t = 1)]
    pub mismatches: usize,
    /// Letters the mismatch kernel substitutes [default: every letter of the training sequences]
    #[arg(long)]
    pub alphabet: Option<String>,
    /// Largest shift of the wd kernel
    #[arg(long, default_value_t = 0)]
    pub shift: usize,
    /// Weisfeiler-Lehman rounds of the wl kernel
    #[arg(long = "h", value_name = "H", default_value_t = 5)]
    pub wl_rounds: usize,
    /// Gap decay of ssk, or walk-length decay of rw
    #[arg(long)]
    pub lambda: Option<f64>,
    /// Leave string and graph kernels unnormalised (cosine normalisation is on by default)
    #[arg(long)]
    pub no_normalize: bool,
}

/// `--kernel`: a kernel by name, or a kernel expression.
#[derive(Clone, Debug, PartialEq)]
pub enum KernelChoice {
    /// A named kernel; its parameters come from their own options.
    Named(KernelName),
    /// A kernel written whole, with held values and a white-noise term.
    Expression(Expression),
}

/// A kernel name, else a kernel expression.
fn parse_kernel(text: &str) -> std::result::Result<KernelChoice, String> {
    if let Ok(name) = KernelName::from_str(text, true) {
        return Ok(KernelChoice::Named(name));
    }
    match text.parse::<Expression>() {
        Ok(e) => Ok(KernelChoice::Expression(e)),
        Err(e) if text.contains(['(', '+', '*']) => Err(e.to_string()),
        Err(_) => {
            let names: Vec<String> = KernelName::value_variants()
                .iter()
                .filter_map(|v| v.to_possible_value())
                .map(|v| v.get_name().to_string())
                .collect();
            Err(format!("not a kernel (possible values: {}) nor a kernel expression", names.join(", ")))
        }
    }
}

/// `on` or `off`.
fn parse_on_off(text: &str) -> std::result::Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err("expected on or off".into()),
    }
}

/// Kernel approximations: a feature map with a linear model on it, or Falkon.
#[derive(Args, Clone, Debug)]
pub struct ApproxArgs {
    /// Approximate the kernel: a feature map with a linear model on it (krr: ridge in the primal; svc/svr: a linear SVM/SVR by dual coordinate descent), or Falkon (krr and svc)
    #[arg(long, value_enum, default_value = "none")]
    pub approx: Approx,
    /// Features of the map (landmarks for Nyström, centres for Falkon)
    #[arg(long, value_name = "M", default_value_t = 100)]
    pub components: usize,
    /// How Nyström and Falkon choose their landmarks, and a sparse GP its inducing points
    #[arg(long, visible_alias = "inducing", value_enum, default_value = "uniform")]
    pub landmarks: Sampling,
    /// Greedy landmarks stop when the residual trace falls below this fraction of the trace
    #[arg(long, default_value_t = 1e-6, value_name = "TOL")]
    pub landmark_tol: f64,
    /// Random Fourier features with directions in orthogonal blocks (rbf, matern)
    #[arg(long)]
    pub orthogonal: bool,
    /// Loss of the linear model on the features [default: squared-hinge for svc, hinge (epsilon-insensitive) for svr, as scikit-learn's LinearSVC and LinearSVR]
    #[arg(long, value_enum)]
    pub loss: Option<Loss>,
}

/// `--device`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// Compute kernel blocks on the CPU
    Cpu,
    /// Compute large kernel blocks on an NVIDIA GPU (a build with the `cuda` feature); the CPU, with a notice, when there is none
    Gpu,
}

/// `--precision`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    /// Single precision on the GPU: sgemm (relative error ~1e-6)
    F32,
    /// Double precision on the GPU: dgemm, the CPU's answers to ~1e-12
    F64,
}

/// Where kernel blocks are computed.
#[derive(Args, Clone, Debug)]
pub struct DeviceArgs {
    /// Where kernel blocks are computed: SVM kernel rows, exact kernel ridge Grams, Falkon's K_nM and K_MM
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
    /// The most GPU memory kern takes, in MiB; larger blocks are streamed in tiles [default: 90% of the free memory]
    #[arg(long, value_name = "MIB")]
    pub gpu_memory: Option<f64>,
    /// Arithmetic of the GPU tiles
    #[arg(long, value_enum, default_value = "f32")]
    pub precision: PrecisionArg,
}

/// How to read the data file.
#[derive(Args, Clone, Debug, Default)]
pub struct DataArgs {
    /// Data format [default: from the file name, else from the content]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// CSV label column, by header name or 0-based index [default: a column named label, target, class or y, else the last]
    #[arg(long, value_name = "NAME|INDEX")]
    pub label_col: Option<LabelCol>,
    /// Number of features of a LibSVM file [default: its largest index]
    #[arg(long, value_name = "N")]
    pub n_features: Option<usize>,
    /// Sequence CSV's sequence column, by header name or 0-based index [default: the column named sequence, else the last]
    #[arg(long, value_name = "NAME|INDEX")]
    pub seq_col: Option<String>,
    /// Upper-case sequence letters as they are read (DNA and protein files mix cases)
    #[arg(long)]
    pub fold_case: bool,
    /// The data path is a pattern (`*` and `?` in the file name, quoted) of LibSVM or CSV files that hold the rows in name order; under mpirun each process reads whole files, its consecutive share of them
    #[arg(long)]
    pub shards: bool,
}

/// Per-sample weights (`kern fit`, `cv` and `grid`).
#[derive(Args, Clone, Debug, Default)]
pub struct WeightArgs {
    /// Per-sample weights: a file of one non-negative number per line, in the data's order. A weight multiplies the sample's C (SVMs) or its squared error (ridge, Falkon) as scikit-learn's sample_weight, and its part in cross-validated scores; 0 leaves the sample out
    #[arg(long, value_name = "FILE", conflicts_with = "weight_col")]
    pub weights: Option<PathBuf>,
    /// The CSV column holding per-sample weights (as --weights), by header name or 0-based index; it is not a feature
    #[arg(long, value_name = "NAME|INDEX")]
    pub weight_col: Option<LabelCol>,
}

impl WeightArgs {
    /// `options` reading the weight column too.
    pub fn options(&self, options: InputOptions) -> InputOptions {
        InputOptions { weight_col: self.weight_col.clone(), ..options }
    }

    /// Reads `--weights` for `data`.
    pub fn attach(&self, data: &mut Data) -> Result<()> {
        if let Some(path) = &self.weights {
            data.weights = Some(read_weights(path, Some(data.x.len()))?);
        }
        Ok(())
    }
}

/// Parallelism and reporting.
#[derive(Args, Clone, Debug, Default)]
pub struct RunArgs {
    /// Worker threads [default: all cores]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print exactly one JSON object on stdout
    #[arg(long)]
    pub json: bool,
    /// Print nothing on stderr but errors
    #[arg(short, long)]
    pub quiet: bool,
}

impl TrainArgs {
    /// The engine's description of the fit these options ask for.
    pub fn spec(&self) -> Result<FitSpec> {
        let (s, k, a) = (&self.svm, &self.kernel, &self.approx);
        let name = match &k.kernel {
            KernelChoice::Named(name) => *name,
            KernelChoice::Expression(_) => KernelName::Rbf,
        };
        let kernel = KernelSpec {
            name,
            gamma: k.gamma,
            degree: k.degree,
            coef0: k.coef0,
            lengthscale: k.lengthscale,
            k: k.kmer,
            mismatches: k.mismatches,
            alphabet: k.alphabet.clone(),
            shift: k.shift,
            wl_rounds: k.wl_rounds,
            lambda: k.lambda,
            normalize: !k.no_normalize,
        };
        let svm = SvmSpec {
            c: s.c,
            nu: s.nu,
            epsilon: s.epsilon,
            tol: s.tol,
            cache_mb: s.cache_mb,
            shrinking: !s.no_shrinking,
            newton: !s.no_newton,
            working_set: s.working_set,
            max_iter: s.max_iter,
            class_weight: s.class_weight.iter().map(|w| class_weight(w)).collect::<Result<_>>()?,
            probability: s.probability,
        };
        let approx = ApproxSpec {
            method: a.approx,
            components: a.components,
            sampling: a.landmarks,
            landmark_tol: a.landmark_tol,
            orthogonal: a.orthogonal,
            loss: a.loss,
        };
        let gp = GpSpec {
            noise: self.noise,
            amplitude: self.amplitude,
            restarts: self.restarts,
            normalize_y: self.normalize_y,
            ard: self.ard,
            learn_inducing: self.learn_inducing,
            posterior_components: self.posterior_components,
            fit_samples: Some(self.fit_samples).filter(|&n| n > 0),
            ..GpSpec::default()
        };
        let mut spec = FitSpec {
            task: self.task,
            kernel,
            custom_kernel: None,
            svm,
            alpha: self.alpha,
            gp,
            approx,
            device: self.device.device(),
            max_memory: self.max_memory,
            scale: self.scale,
            centre_targets: self.centre_targets,
            seed: self.seed,
            conformal: None,
            checkpoint: None,
        };
        if let KernelChoice::Expression(e) = &k.kernel {
            self.check_expression(e)?;
            spec.set_expression(e);
        }
        Ok(spec)
    }
}

impl TrainArgs {
    /// Checks that a kernel expression goes with the other options: those
    /// it replaces are not given, and its white term has a GP to belong to.
    fn check_expression(&self, e: &Expression) -> Result<()> {
        let k = &self.kernel;
        let replaced = [
            (k.gamma.is_some(), "-g/--gamma"),
            (k.lengthscale.is_some(), "--lengthscale"),
            (self.amplitude.is_some(), "--amplitude"),
        ];
        if let Some((_, option)) = replaced.iter().find(|(given, _)| *given) {
            return Err(Error::Usage(format!("{option} does not apply to a kernel expression: write the value in it")));
        }
        if e.white.is_some() && !matches!(self.task, Task::Gp | Task::Gpc) {
            let task = self.task.name();
            return Err(Error::Usage(format!("white(..) is a GP's noise term; --task {task} has no noise to fit")));
        }
        if e.white.is_some() && self.noise.is_some() {
            return Err(Error::Usage("give the noise once: white(..) in the expression or --noise".into()));
        }
        Ok(())
    }
}

impl DeviceArgs {
    fn device(&self) -> Device {
        let precision = match self.precision {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::F64 => Precision::F64,
        };
        match self.device {
            DeviceArg::Cpu => Device::Cpu,
            DeviceArg::Gpu => {
                Device::Gpu(GpuOptions { ordinal: 0, wrap_ordinal: false, memory_mib: self.gpu_memory, precision })
            }
        }
    }
}

/// `LABEL=W`.
fn class_weight(text: &str) -> Result<(String, f64)> {
    let usage = |why: &str| Error::Usage(format!("--class-weight {text:?}: {why}"));
    let (label, w) = text.split_once('=').ok_or_else(|| usage("expected LABEL=WEIGHT"))?;
    let w: f64 = w.trim().parse().map_err(|_| usage("the weight is not a number"))?;
    Ok((label.trim().to_string(), w))
}

impl DataArgs {
    /// How to read data for `spec`.
    pub fn options(&self, spec: &FitSpec) -> InputOptions {
        InputOptions {
            format: self.format,
            label_col: self.label_col.clone(),
            n_features: self.n_features,
            seq_col: self.seq_col.clone(),
            fold_case: self.fold_case,
            require_labels: spec.task != Task::Oneclass,
            precomputed: spec.precomputed(),
            weight_col: None,
            share: None,
            shards: self.shards,
        }
    }

    /// Reads `path` as `spec`'s kernel takes it.
    pub fn read(&self, path: &Path, spec: &FitSpec) -> Result<Data> {
        read_inputs(path, &self.options(spec), Some(spec.kernel.name.takes()))
    }
}

/// What `--auto` must hold: the options given on the command line (clap ids).
pub fn held(given: &[String]) -> Held {
    let given = |id: &str| given.iter().any(|g| g == id);
    Held {
        task: given("task"),
        kernel: given("kernel"),
        c: given("c"),
        width: given("gamma") || given("lengthscale"),
        alpha: given("alpha"),
        epsilon: given("epsilon"),
        tol: given("tol"),
    }
}

/// Reads training data for `--auto`: as the held kernel takes it, else as
/// the file holds (a folder of graphs, FASTA sequences, vectors).
pub fn read_for_auto(path: &Path, data: &DataArgs, weights: &WeightArgs, spec: &FitSpec, held: &Held) -> Result<Data> {
    let options = InputOptions { require_labels: held.task && spec.task != Task::Oneclass, ..data.options(spec) };
    let mut data = read_inputs(path, &weights.options(options), held.kernel.then(|| spec.kernel.name.takes()))?;
    weights.attach(&mut data)?;
    Ok(data)
}

/// Reads `kern fit`'s training data, weights included, as `spec`'s kernel takes it.
pub fn read_weighted(path: &Path, data: &DataArgs, weights: &WeightArgs, spec: &FitSpec) -> Result<Data> {
    let options = weights.options(data.options(spec));
    let mut data = read_inputs(path, &options, Some(spec.kernel.name.takes()))?;
    weights.attach(&mut data)?;
    Ok(data)
}

/// `--max-memory`: bytes, or a number with a K/M/G/T suffix (powers of 1024).
pub fn parse_bytes(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.trim().parse().map_err(|_| format!("{text:?} is not a size like 512M or 8G"))?;
    let scale = match unit.trim().to_ascii_uppercase().trim_end_matches("IB").trim_end_matches('B') {
        "" => 1u64,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("{text:?}: unknown unit (use K, M, G or T)")),
    };
    if !(number.is_finite() && number > 0.0) {
        return Err(format!("{text:?} must be positive"));
    }
    Ok((number * scale as f64) as u64)
}

/// The default model path: the training file's name plus `.model`, in the
/// current directory (as LIBSVM's svm-train).
pub fn default_model_path(train: &Path) -> PathBuf {
    let name = train.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "kern".into());
    // A --shards pattern: `part-*.csv` names `part-all.csv.model`.
    PathBuf::from(format!("{}.model", name.replace(['*', '?'], "all")))
}
