//! The typed description of one fit: what to learn, with which kernel and
//! parameters, how to approximate, where to compute. Every face (the CLI,
//! linfa, the browser) fills one of these and hands it to [`crate::train`].
//!
//! Defaults follow LIBSVM where LIBSVM has the option (C = 1, gamma =
//! 1/n_features, tol = 1e-3, a 100 MiB cache, shrinking on).

use kern_gpu::{Gpu, GpuOptions};
use kern_kernels::{Expression, VectorKernel};

use super::KernelSpec;

/// What to learn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Task {
    /// Kernel ridge regression (exact): numeric targets.
    Krr,
    /// C-SVM classification (LIBSVM -s 0), one-vs-one for several classes
    #[default]
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

impl Task {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Task::Krr => "krr",
            Task::Svc => "svc",
            Task::Nusvc => "nusvc",
            Task::Oneclass => "oneclass",
            Task::Svr => "svr",
            Task::Nusvr => "nusvr",
            Task::Gp => "gp",
            Task::Gpc => "gpc",
        }
    }

    /// Whether the task is one of LIBSVM's five SVM problems.
    pub fn is_svm(self) -> bool {
        matches!(self, Task::Svc | Task::Nusvc | Task::Oneclass | Task::Svr | Task::Nusvr)
    }
}

/// Kernel ridge's penalty: a value, or chosen by exact leave-one-out error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Alpha {
    /// `α > 0` added to the kernel matrix's diagonal.
    Value(f64),
    /// The least exact leave-one-out error over a log grid.
    Auto,
}

impl Default for Alpha {
    fn default() -> Self {
        Alpha::Value(1.0)
    }
}

impl std::str::FromStr for Alpha {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        s.parse().map(Self::Value).map_err(|_| format!("{s:?} is neither a number nor auto"))
    }
}

/// SVM hyperparameters and solver options (LIBSVM's defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct SvmSpec {
    /// Cost C of svc, svr and nusvr.
    pub c: f64,
    /// ν of nusvc, oneclass and nusvr.
    pub nu: f64,
    /// ε of the svr loss.
    pub epsilon: f64,
    /// Stop when the maximal violating pair's gap is below this.
    pub tol: f64,
    /// Kernel-row cache in MiB [default: [`cache_budget`](super::cache_budget)'s].
    pub cache_mb: Option<f64>,
    /// Shrinking (LIBSVM's `-h 1`).
    pub shrinking: bool,
    /// Newton steps on the free variables between SMO iterations (off:
    /// LIBSVM's exact iterates).
    pub newton: bool,
    /// Solve by working sets of this many variables instead of LIBSVM's
    /// pairs (svc, svr, oneclass) [default: pairs].
    pub working_set: Option<usize>,
    /// Iteration limit per binary problem (epochs of the linear solvers,
    /// conjugate-gradient steps of Falkon) [default: the solver's].
    pub max_iter: Option<u64>,
    /// C multiplied by the weight for the class of that label.
    pub class_weight: Vec<(String, f64)>,
    /// Platt-scaled probabilities (classifiers), the Laplace noise scale (regression).
    pub probability: bool,
}

impl Default for SvmSpec {
    fn default() -> Self {
        Self {
            c: 1.0,
            nu: 0.5,
            epsilon: 0.1,
            tol: 1e-3,
            cache_mb: None,
            shrinking: true,
            newton: true,
            working_set: None,
            max_iter: None,
            class_weight: Vec::new(),
            probability: false,
        }
    }
}

/// Gaussian-process options: a hyperparameter given is held, the others are
/// fitted by the marginal likelihood.
#[derive(Clone, Debug, PartialEq)]
pub struct GpSpec {
    /// Noise variance σ² of the (normalised) targets [default: fitted, from 1].
    pub noise: Option<f64>,
    /// Amplitude (kernel scale) [default: fitted, from 1].
    pub amplitude: Option<f64>,
    /// Where the fit of a kernel width that is not given starts [default: 1/n_features].
    pub gamma_start: Option<f64>,
    /// Where the fit of the noise starts when it is not given [default: 1].
    pub noise_start: Option<f64>,
    /// Random restarts of the hyperparameter search, besides the first start
    /// [default: [`EXACT_GP_RESTARTS`] for exact regression,
    /// [`EXACT_GPC_RESTARTS`] for exact classification, none for an
    /// approximate GP]; [`FitSpec::gp_restarts`] resolves it.
    pub restarts: Option<usize>,
    /// Centre and scale the targets (scikit-learn's `normalize_y=True`).
    pub normalize_y: bool,
    /// With a kernel given whole ([`FitSpec::custom_kernel`]): which of its
    /// hyperparameters are fitted, one flag per
    /// [`VectorKernel::hyperparameters`] entry. The kernel is then the whole
    /// covariance (its amplitudes are its own); `None` fits `amplitude ×
    /// kernel` with every hyperparameter free.
    pub fit: Option<Vec<bool>>,
    /// One lengthscale per feature, each fitted (rbf, matern32, matern52).
    pub ard: bool,
    /// Sparse GP: learn the inducing points' locations too.
    pub learn_inducing: bool,
    /// Sparse GP: the posterior on this many inducing points, the fit's and
    /// samples drawn by k-means++, the kernel kept and the noise re-fitted
    /// ([`kern_solvers::gp::SparseGaussianProcess::posterior_components`]).
    pub posterior_components: Option<usize>,
    /// Sparse GP: the rows its hyperparameters are learnt on (a seeded
    /// uniform sample; the posterior is on every row). `None`: every row.
    pub fit_samples: Option<usize>,
    /// Exact GP (regression or classification): its hyperparameter search
    /// stops when a step gains less than this fraction of the log marginal
    /// likelihood ([`kern_solvers::gp::GaussianProcess::relative_decrease`],
    /// [`kern_solvers::gp::GaussianProcessClassifier::relative_decrease`]). `None`: scipy's.
    pub relative_decrease: Option<f64>,
}

/// An exact GP's random restarts by default. An approximate GP (sparse, on
/// features) has none by default: each of its restarts is a whole
/// optimisation at `O(n M²)` an evaluation, and on elevators, pol and bike
/// five of them found the first start's optimum again (to 3e-4 nats) in six
/// to eleven times the time (docs/gp.md).
pub const EXACT_GP_RESTARTS: usize = 5;

/// An exact GP classifier's random restarts by default: none, as
/// scikit-learn's `GaussianProcessClassifier`. Each evaluation runs Newton's
/// method to the Laplace mode, several `n³` factorisations, and in eleven fits
/// of seven sets (heart, diabetes, digits, rare bumps, pol, elevators and a9a,
/// 170 to 2,000 rows) five restarts found the first start's evidence again to three
/// decimals, with the same test accuracy (all but digits compared), in 1.1 to 26 times the time (437
/// against 17 seconds on 2,000 rows of pol; docs/gp.md).
pub const EXACT_GPC_RESTARTS: usize = 0;

/// The rows a sparse GP learns its hyperparameters on by default: every
/// row up to this many. An evaluation of the bound costs `O(n M²)`; tens of
/// thousands of rows pin a GP's few hyperparameters down.
pub const SGPR_FIT_SAMPLES: usize = 50_000;

impl Default for GpSpec {
    fn default() -> Self {
        Self {
            noise: None,
            amplitude: None,
            gamma_start: None,
            noise_start: None,
            restarts: None,
            normalize_y: true,
            fit: None,
            ard: false,
            learn_inducing: false,
            posterior_components: None,
            fit_samples: Some(SGPR_FIT_SAMPLES),
            relative_decrease: None,
        }
    }
}

/// How the kernel is approximated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Approx {
    /// The exact kernel
    #[default]
    None,
    /// Random Fourier features (rbf, laplacian, matern12/32/52)
    Rff,
    /// Nyström features on landmarks of the training data (any kernel)
    Nystroem,
    /// Nyström kernel ridge by preconditioned conjugate gradient (Falkon): K(X, centres) in row blocks, never held; classification by ±1 targets
    Falkon,
    /// Sparse GP regression (--task gp) on --components inducing points chosen by --landmarks: hyperparameters by Titsias' collapsed bound, O(n M²) per evaluation
    Sgpr,
}

impl Approx {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Approx::None => "none",
            Approx::Rff => "rff",
            Approx::Nystroem => "nystroem",
            Approx::Falkon => "falkon",
            Approx::Sgpr => "sgpr",
        }
    }
}

/// How Nyström and Falkon choose their landmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Sampling {
    /// Uniformly at random
    #[default]
    Uniform,
    /// Greedy pivoted Cholesky (stops early once the residual trace is below --landmark-tol)
    Greedy,
    /// Proportional to approximate ridge leverage scores
    Leverage,
    /// k-means++ seeding in the kernel's feature space (each next one drawn by its squared distance to the nearest chosen)
    Kmeans,
}

/// The loss of the linear model on approximate features.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Loss {
    /// L1-loss: hinge (svc, LIBLINEAR -s 3) or epsilon-insensitive (svr, -s 13)
    Hinge,
    /// L2-loss: squared hinge (svc, -s 1, scikit-learn's LinearSVC) or squared epsilon-insensitive (svr, -s 12)
    SquaredHinge,
    /// Least squares on ±1 targets: ridge classification (svc; regularised by --alpha, not -c)
    Squared,
}

/// A kernel approximation: a feature map with a linear model on it, or Falkon.
#[derive(Clone, Debug, PartialEq)]
pub struct ApproxSpec {
    /// Which approximation.
    pub method: Approx,
    /// Features of the map (landmarks for Nyström, centres for Falkon).
    pub components: usize,
    /// How Nyström and Falkon choose their landmarks.
    pub sampling: Sampling,
    /// Greedy landmarks stop when the residual trace falls below this fraction of the trace.
    pub landmark_tol: f64,
    /// Random Fourier features with directions in orthogonal blocks.
    pub orthogonal: bool,
    /// The linear model's loss [default: squared hinge for svc, hinge for svr].
    pub loss: Option<Loss>,
}

impl Default for ApproxSpec {
    fn default() -> Self {
        Self {
            method: Approx::None,
            components: 100,
            sampling: Sampling::Uniform,
            landmark_tol: 1e-6,
            orthogonal: false,
            loss: None,
        }
    }
}

/// Where kernel blocks are computed.
#[derive(Clone, Debug, Default)]
pub enum Device {
    /// The CPU.
    #[default]
    Cpu,
    /// An NVIDIA GPU opened with these options at the first fit that needs
    /// it (once per process); the CPU, with a notice, where none opens.
    Gpu(GpuOptions),
    /// A GPU the caller opened ([`Gpu::open`]).
    Opened(Gpu),
}

impl Device {
    /// The CPU.
    pub fn cpu() -> Self {
        Device::Cpu
    }

    /// An opened GPU.
    ///
    /// ```
    /// use kern::gpu::{Gpu, GpuOptions};
    /// use kern::train::Device;
    /// let device = Gpu::open(&GpuOptions::default()).map(Device::gpu).unwrap_or_default();
    /// # let _ = device;
    /// ```
    pub fn gpu(gpu: Gpu) -> Self {
        Device::Opened(gpu)
    }

    /// Whether a GPU was asked for.
    pub fn wants_gpu(&self) -> bool {
        !matches!(self, Device::Cpu)
    }
}

impl PartialEq for Device {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Device::Cpu, Device::Cpu) => true,
            (Device::Gpu(a), Device::Gpu(b)) => a == b,
            (Device::Opened(a), Device::Opened(b)) => a.same(b),
            _ => false,
        }
    }
}

/// One fit, fully described.
///
/// ```
/// use kern::train::{FitSpec, Task};
/// let mut spec = FitSpec::new(Task::Svc);
/// spec.svm.c = 10.0;
/// spec.kernel.gamma = Some(0.5);
/// assert_eq!(spec.kernel.name, kern::train::KernelName::Rbf);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FitSpec {
    /// What to learn.
    pub task: Task,
    /// The kernel by name and its parameters.
    pub kernel: KernelSpec,
    /// A kernel on vectors given whole (a sum, a product, ARD): replaces
    /// `kernel` when set.
    pub custom_kernel: Option<VectorKernel>,
    /// SVM hyperparameters and solver options.
    pub svm: SvmSpec,
    /// Kernel ridge's penalty (also of ridge on approximate features).
    pub alpha: Alpha,
    /// Gaussian-process options.
    pub gp: GpSpec,
    /// The kernel approximation.
    pub approx: ApproxSpec,
    /// Where kernel blocks are computed.
    pub device: Device,
    /// The memory an exact kernel matrix may take [default: half the machine's].
    pub max_memory: Option<u64>,
    /// Scale every feature (fitted on the training data, stored in the
    /// model, applied at predict time), as `kern fit --auto` does.
    pub scale: bool,
    /// Kernel ridge and Falkon regression: centre the targets about their
    /// (weighted) mean before the fit and add it to every prediction, as
    /// `kern fit --auto` does (kernel ridge has no intercept of its own).
    pub centre_targets: bool,
    /// Seed of every random choice (folds, landmarks, features, restarts).
    pub seed: u64,
    /// Hold out this share of the samples to calibrate split-conformal
    /// prediction intervals (regressors without intervals of their own).
    pub conformal: Option<f64>,
    /// Where Falkon's conjugate gradient keeps checkpoints, and one to
    /// resume from (`--approx falkon` only).
    pub checkpoint: Option<super::Checkpointing>,
}

impl FitSpec {
    /// LIBSVM's defaults for `task`.
    pub fn new(task: Task) -> Self {
        Self { task, ..Self::default() }
    }

    /// Fits with a kernel expression: its kernel given whole, its held
    /// (`!`) values held by a GP, its `white(..)` term the GP's noise (held
    /// when marked, else fitted from it).
    ///
    /// ```
    /// use kern::train::{FitSpec, Task};
    /// let mut spec = FitSpec::new(Task::Gp);
    /// spec.set_expression(&"2*rbf(ls=1) * periodic(ls=1, p=12!) + white(0.1)".parse().unwrap());
    /// assert_eq!(spec.gp.fit, Some(vec![true, true, true, false]));
    /// assert_eq!(spec.gp.noise_start, Some(0.1));
    /// ```
    pub fn set_expression(&mut self, e: &Expression) {
        self.custom_kernel = Some(e.kernel.clone());
        self.gp.fit = Some(e.fit.clone());
        match e.white {
            Some((v, true)) => (self.gp.noise, self.gp.noise_start) = (None, Some(v)),
            Some((v, false)) => self.gp.noise = Some(v),
            None => {}
        }
    }

    /// The GP's random restarts: as given, else [`EXACT_GP_RESTARTS`] for
    /// exact regression, [`EXACT_GPC_RESTARTS`] for exact classification
    /// (`classifies`), and none for an approximate GP.
    ///
    /// ```
    /// use kern::train::{Approx, EXACT_GP_RESTARTS, EXACT_GPC_RESTARTS, FitSpec, Task};
    /// let mut spec = FitSpec::new(Task::Gp);
    /// assert_eq!(spec.gp_restarts(false), EXACT_GP_RESTARTS);
    /// assert_eq!(spec.gp_restarts(true), EXACT_GPC_RESTARTS);
    /// spec.approx.method = Approx::Sgpr;
    /// assert_eq!(spec.gp_restarts(false), 0);
    /// spec.gp.restarts = Some(2);
    /// assert_eq!(spec.gp_restarts(true), 2);
    /// ```
    pub fn gp_restarts(&self, classifies: bool) -> usize {
        let default = match (self.approx.method, classifies) {
            (Approx::None, false) => EXACT_GP_RESTARTS,
            (Approx::None, true) => EXACT_GPC_RESTARTS,
            _ => 0,
        };
        self.gp.restarts.unwrap_or(default)
    }

    /// The bytes an exact kernel matrix may take.
    pub fn memory_cap(&self) -> u64 {
        self.max_memory.unwrap_or_else(default_max_memory)
    }
}

/// Half of the machine's physical memory (the `--max-memory` default).
pub fn default_max_memory() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kib| kib * 1024)
    });
    total.unwrap_or(8 << 30) / 2
}
