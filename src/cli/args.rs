//! Options shared by several commands.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use kern_kernels::VectorKernel;

use crate::error::{Error, Result};
use crate::io::{Format, LabelCol};

/// `--task`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TaskArg {
    /// Kernel ridge regression (exact): numeric targets.
    Krr,
    /// C-SVM classification (LIBSVM -s 0), one-vs-one for several classes
    Svc,
    /// nu-SVM classification (LIBSVM -s 1)
    Nusvc,
    /// One-class SVM, support of a distribution (LIBSVM -s 2); labels ignored
    Oneclass,
    /// epsilon-SVM regression (LIBSVM -s 3)
    Svr,
    /// nu-SVM regression (LIBSVM -s 4)
    Nusvr,
    /// Gaussian-process regression (exact): amplitude × kernel + white noise, every hyperparameter not given fitted by the log marginal likelihood
    Gp,
    /// Gaussian-process classification (Laplace approximation, one-vs-rest beyond two classes): amplitude × kernel, hyperparameters fitted by the approximate marginal likelihood; `--task gp` picks it when the labels are classes (text, or two distinct values)
    Gpc,
}

/// `--alpha`: a penalty, or `auto` (least exact leave-one-out error over a log grid).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AlphaArg {
    Value(f64),
    Auto,
}

impl std::str::FromStr for AlphaArg {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        s.parse().map(Self::Value).map_err(|_| format!("{s:?} is neither a number nor auto"))
    }
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
    /// Stop when the maximal violating pair's gap is below this
    #[arg(long, default_value_t = 1e-3)]
    pub tol: f64,
    /// Kernel-row cache in MiB
    #[arg(long, default_value_t = 100.0)]
    pub cache_mb: f64,
    /// Turn shrinking off
    #[arg(long)]
    pub no_shrinking: bool,
    /// Turn off Newton steps on the free variables between SMO iterations (LIBSVM's exact iterates, often many more of them)
    #[arg(long)]
    pub no_newton: bool,
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

/// `--kernel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KernelArg {
    /// exp(-gamma |x-y|^2)
    Rbf,
    /// <x, y>
    Linear,
    /// (gamma <x, y> + coef0)^degree
    Poly,
    /// tanh(gamma <x, y> + coef0)
    Sigmoid,
    /// exp(-gamma |x-y|_1)
    Laplacian,
    /// Matérn nu=1/2 with --lengthscale
    Matern12,
    /// Matérn nu=3/2 with --lengthscale
    Matern32,
    /// Matérn nu=5/2 with --lengthscale
    Matern52,
    /// Kernel values in the data (LIBSVM's -t 4): rows "label 0:i 1:K(xi,x1) ... L:K(xi,xL)"
    Precomputed,
    /// Strings: shared k-mers (--k, default 3)
    Spectrum,
    /// Strings: shared k-mers up to --m mismatches (--k default 5, --m default 1, --alphabet default: the training letters)
    Mismatch,
    /// Strings: weighted degree, k-mers up to --degree at equal positions, or up to --shift apart
    Wd,
    /// Strings: common subsequences of length --k (default 3), gaps decayed by --lambda (default 0.5)
    Ssk,
    /// Graphs: Weisfeiler-Lehman subtrees of --h rounds (default 5)
    Wl,
    /// Graphs: shortest-path lengths by end labels
    Sp,
    /// Graphs: geometric random walks weighted --lambda^length [default: 0.5 / (largest degree)^2]
    Rw,
}

impl KernelArg {
    /// Whether the kernel takes strings.
    pub fn on_strings(self) -> bool {
        matches!(self, KernelArg::Spectrum | KernelArg::Mismatch | KernelArg::Wd | KernelArg::Ssk)
    }

    /// Whether the kernel takes graphs.
    pub fn on_graphs(self) -> bool {
        matches!(self, KernelArg::Wl | KernelArg::Sp | KernelArg::Rw)
    }
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// label index:value ... (1-based indices; 0-based with --kernel precomputed)
    Libsvm,
    /// comma-, semicolon- or tab-separated values
    Csv,
    /// FASTA sequences; the label is label=X in the header, else its last token
    Fasta,
    /// sequences in a CSV column (--seq-col), labels in another (--label-col)
    Seqcsv,
    /// a TU Dortmund graph data-set folder (DS_A.txt, DS_graph_indicator.txt, ...)
    Tu,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Libsvm => Format::Libsvm,
            FormatArg::Csv => Format::Csv,
            FormatArg::Fasta => Format::Fasta,
            FormatArg::Seqcsv => Format::SeqCsv,
            FormatArg::Tu => Format::Tu,
        }
    }
}

/// The kernel and its parameters.
#[derive(Args, Clone, Debug, PartialEq)]
pub struct KernelArgs {
    /// Kernel function
    #[arg(long, value_enum, default_value = "rbf")]
    pub kernel: KernelArg,
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

impl KernelArgs {
    /// The string kernel asked for, its defaults filled from the training
    /// sequences (the mismatch kernel's alphabet).
    pub fn build_string(&self, train: &kern_kernels::Sequences) -> Result<kern_kernels::StringKernel> {
        use kern_kernels::StringKernel;
        let normalize = !self.no_normalize;
        let kernel = match self.kernel {
            KernelArg::Spectrum => StringKernel::Spectrum { k: self.kmer.unwrap_or(3), normalize },
            KernelArg::Mismatch => StringKernel::Mismatch {
                k: self.kmer.unwrap_or(5),
                m: self.mismatches,
                alphabet: self.alphabet.as_ref().map_or_else(|| train.alphabet(), |a| a.as_bytes().to_vec()),
                normalize,
            },
            KernelArg::Wd => {
                StringKernel::WeightedDegree { degree: self.degree as usize, shift: self.shift, normalize }
            }
            KernelArg::Ssk => {
                StringKernel::Subsequence { k: self.kmer.unwrap_or(3), lambda: self.lambda.unwrap_or(0.5), normalize }
            }
            other => return Err(Error::Usage(format!("--kernel {} does not take sequences", arg_name(other)))),
        };
        kernel.validate()?;
        Ok(kernel)
    }

    /// The graph kernel asked for; the random walk's λ defaults to half the
    /// largest that converges on the training graphs.
    pub fn build_graph(&self, train: &kern_kernels::Graphs) -> Result<kern_kernels::GraphKernel> {
        use kern_kernels::{Graph, GraphKernel};
        let normalize = !self.no_normalize;
        let kernel = match self.kernel {
            KernelArg::Wl => GraphKernel::WeisfeilerLehman { h: self.wl_rounds, normalize },
            KernelArg::Sp => GraphKernel::ShortestPath { normalize },
            KernelArg::Rw => {
                let delta = train.iter().map(Graph::max_degree).max().unwrap_or(1).max(1) as f64;
                GraphKernel::RandomWalk { lambda: self.lambda.unwrap_or(0.5 / (delta * delta)), normalize }
            }
            other => return Err(Error::Usage(format!("--kernel {} does not take graphs", arg_name(other)))),
        };
        kernel.check(train)?;
        Ok(kernel)
    }
}

/// A kernel's command-line name.
pub(crate) fn arg_name(k: KernelArg) -> String {
    k.to_possible_value().map_or_else(String::new, |v| v.get_name().to_string())
}

impl KernelArgs {
    /// The kernel for data with `n_features` features; defaults as LIBSVM's.
    pub fn build(&self, n_features: usize) -> Result<VectorKernel> {
        let default_gamma = if n_features > 0 { 1.0 / n_features as f64 } else { 1.0 };
        let gamma = self.gamma.unwrap_or(default_gamma);
        let is_matern = matches!(self.kernel, KernelArg::Matern12 | KernelArg::Matern32 | KernelArg::Matern52);
        if self.lengthscale.is_some() && !is_matern {
            return Err(Error::Usage(
                format!("--lengthscale applies to the Matérn kernels; the {:?} kernel takes -g/--gamma", self.kernel)
                    .to_lowercase(),
            ));
        }
        if is_matern && self.gamma.is_some() && self.lengthscale.is_some() {
            return Err(Error::Usage("give either --lengthscale or -g/--gamma for a Matérn kernel, not both".into()));
        }
        // gamma = 1 / (2 l^2): the RBF with lengthscale l.
        let lengthscale = self.lengthscale.unwrap_or_else(|| 1.0 / (2.0 * gamma).sqrt());
        let kernel = match self.kernel {
            KernelArg::Rbf => VectorKernel::Rbf { gamma },
            KernelArg::Linear => VectorKernel::Linear,
            KernelArg::Poly => VectorKernel::Polynomial { gamma, coef0: self.coef0, degree: self.degree },
            KernelArg::Sigmoid => VectorKernel::Sigmoid { gamma, coef0: self.coef0 },
            KernelArg::Laplacian => VectorKernel::Laplacian { gamma },
            KernelArg::Matern12 => VectorKernel::Matern12 { lengthscale },
            KernelArg::Matern32 => VectorKernel::Matern32 { lengthscale },
            KernelArg::Matern52 => VectorKernel::Matern52 { lengthscale },
            KernelArg::Precomputed => VectorKernel::Precomputed,
            other => {
                return Err(Error::Usage(format!(
                    "--kernel {} takes {}, but this data holds vectors (give --format fasta, seqcsv or tu, or a file of that kind)",
                    arg_name(other),
                    if other.on_graphs() { "graphs" } else { "sequences" }
                )));
            }
        };
        kernel.validate(n_features)?;
        Ok(kernel)
    }
}

/// How to read the data file.
#[derive(Args, Clone, Debug, Default)]
pub struct DataArgs {
    /// Data format [default: from the file name, else from the content]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
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

/// Half of the machine's physical memory (the `--max-memory` default).
pub fn default_max_memory() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kib| kib * 1024)
    });
    total.unwrap_or(8 << 30) / 2
}

/// The default model path: the training file's name plus `.model`, in the
/// current directory (as LIBSVM's svm-train).
pub fn default_model_path(train: &std::path::Path) -> PathBuf {
    let name = train.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "kern".into());
    PathBuf::from(format!("{name}.model"))
}

/// `--approx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ApproxArg {
    /// The exact kernel
    None,
    /// Random Fourier features (rbf, laplacian, matern12/32/52)
    Rff,
    /// Nyström features on landmarks of the training data (any kernel)
    Nystroem,
    /// Nyström kernel ridge by preconditioned conjugate gradient (Falkon): K(X, centres) in row blocks, never held; classification by ±1 targets
    Falkon,
}

/// `--landmarks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LandmarksArg {
    /// Uniformly at random
    Uniform,
    /// Greedy pivoted Cholesky (stops early once the residual trace is below --landmark-tol)
    Greedy,
    /// Proportional to approximate ridge leverage scores
    Leverage,
}

/// `--loss`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LossArg {
    /// L1-loss: hinge (svc, LIBLINEAR -s 3) or epsilon-insensitive (svr, -s 13)
    Hinge,
    /// L2-loss: squared hinge (svc, -s 1, scikit-learn's LinearSVC) or squared epsilon-insensitive (svr, -s 12)
    SquaredHinge,
    /// Least squares on ±1 targets: ridge classification (svc; regularised by --alpha, not -c)
    Squared,
}

/// Kernel approximations: a feature map, then a linear model on it.
#[derive(Args, Clone, Debug)]
pub struct ApproxArgs {
    /// Approximate the kernel: a feature map with a linear model on it (krr: ridge in the primal; svc/svr: a linear SVM/SVR by dual coordinate descent), or Falkon (krr and svc)
    #[arg(long, value_enum, default_value = "none")]
    pub approx: ApproxArg,
    /// Features of the map (landmarks for Nyström, centres for Falkon)
    #[arg(long, value_name = "M", default_value_t = 100)]
    pub components: usize,
    /// How Nyström and Falkon choose their landmarks
    #[arg(long, value_enum, default_value = "uniform")]
    pub landmarks: LandmarksArg,
    /// Greedy landmarks stop when the residual trace falls below this fraction of the trace
    #[arg(long, default_value_t = 1e-6, value_name = "TOL")]
    pub landmark_tol: f64,
    /// Random Fourier features with directions in orthogonal blocks (rbf, matern)
    #[arg(long)]
    pub orthogonal: bool,
    /// Loss of the linear model on the features [default: squared-hinge for svc, hinge (epsilon-insensitive) for svr, as scikit-learn's LinearSVC and LinearSVR]
    #[arg(long, value_enum)]
    pub loss: Option<LossArg>,
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
