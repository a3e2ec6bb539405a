//! Fitted models: what one holds, how it predicts ([`Model::predict`]) and
//! reports itself ([`Model::report`]), and how it is written and read.
//!
//! A model is self-describing: the task, the kernel, the training samples and
//! coefficients, and how the training data was laid out (so `kern predict`
//! reads new files the same way). The format is versioned; a file from a
//! newer kern is refused with a clear message.
//!
//! Two enums, split by what they hold: a [`Machine`] is a kernel machine on
//! samples of any kind with a fixed kernel (an SVM, exact ridge, a GP fitting
//! only its amplitude and noise), generic over the kernel and the samples; an
//! [`Estimator`] is every model kern writes: the richer set on vectors (GPs
//! that fit their kernel, feature maps, Falkon) and a machine on sequences or
//! graphs.

mod file;
mod input;
mod interval;
mod legacy;
mod libsvm;
mod predict;
mod report;
mod scaling;

pub use file::{decode_model, encode_model, load_model, save_model, write_atomically};
pub use interval::{Calibration, Intervals};
pub use libsvm::write_libsvm_model;
pub use predict::{
    Prediction, ROW_BLOCK, most_probable, plus_minus_targets, predict_estimator, predict_machine, svm_prediction,
};
pub use scaling::Scaling;

pub use kern_approx::ApproxMap;
use kern_kernels::{DataSet, GraphKernel, Graphs, Samples, Sequences, StringKernel, VectorKernel};
use kern_solvers::falkon::FalkonModel;
use kern_solvers::gp::{FeatureGpModel, FeatureGpcModel, FixedGpModel, FixedGpcModel, GpcModel, SgprModel};
use kern_solvers::linear::{LinearSvmModel, LinearSvrModel};
use kern_solvers::{GpModel, KernelRidgeModel, SvmModel};
use serde::{Deserialize, Serialize};

use crate::io::{CsvSchema, Format, SequenceOptions};

/// The model file format version this kern writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 7;

/// A fitted model with everything needed to predict from a data file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// [`FORMAT_VERSION`] at the time of writing.
    pub format_version: u32,
    /// The kern version that wrote the file.
    pub kern_version: String,
    /// Number of features the model was trained on.
    pub n_features: usize,
    /// How the training data was read.
    pub input: InputSchema,
    /// The fitted estimator.
    pub estimator: Estimator,
    /// Who trained it.
    pub origin: Origin,
    /// Absolute residuals on a held-out calibration share, for split-conformal
    /// prediction intervals (`kern fit --conformal SHARE`). Format 3 on.
    #[serde(default)]
    pub calibration: Option<Calibration>,
}

/// Who trained a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// `kern fit`.
    Kern,
    /// LIBSVM's `svm-train` (read from its model file: C, nu and epsilon are
    /// not stored there, and any data width is accepted at predict time).
    Libsvm,
}

/// How the training data was read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputSchema {
    /// The training file's format.
    pub format: Format,
    /// For CSV, its column layout.
    pub csv: Option<CsvSchema>,
    /// The feature scaling fitted on the training data (`kern fit --auto`),
    /// applied to every sample before the estimator sees it. Format 2 on.
    #[serde(default)]
    pub scaling: Option<Scaling>,
}

/// A fitted estimator of any task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Estimator {
    /// Kernel ridge regression on vectors.
    KernelRidge(KernelRidgeModel<VectorKernel, DataSet>),
    /// A support vector machine; `classes` names the classes of a classifier
    /// in the model's class order (empty for one-class and regression).
    Svm { model: SvmModel<VectorKernel, DataSet>, classes: Vec<String> },
    /// Gaussian-process regression.
    Gp(GpModel),
    /// Gaussian-process classification; `classes` names the classes in the model's order.
    Gpc { model: GpcModel, classes: Vec<String> },
    /// A linear model on an approximate feature map of `kernel`.
    Approx { kernel: VectorKernel, map: ApproxMap, head: LinearHead },
    /// Nyström kernel ridge by preconditioned conjugate gradient; `classes`
    /// names the classes of a classifier (empty for regression).
    Falkon { model: FalkonModel, classes: Vec<String> },
    /// A kernel machine on sequences, and how to read them.
    Sequences { machine: Machine<StringKernel, Sequences>, read: SequenceOptions },
    /// A kernel machine on graphs.
    Graphs(Machine<GraphKernel, Graphs>),
    /// Sparse GP regression on inducing points. Format 3 on.
    Sgpr(SgprModel),
    /// GP regression on random Fourier or Nyström features. Format 5 on.
    FeatureGp(FeatureGpModel),
    /// GP classification on random Fourier or Nyström features; `classes`
    /// names the classes in the model's order. Format 5 on.
    FeatureGpc { model: FeatureGpcModel, classes: Vec<String> },
}

/// An SVM, exact kernel ridge or GP model on samples of any kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Machine<K, S> {
    /// A support vector machine; `classes` as in [`Estimator::Svm`].
    Svm { model: SvmModel<K, S>, classes: Vec<String> },
    /// Kernel ridge regression.
    KernelRidge(KernelRidgeModel<K, S>),
    /// Gaussian-process regression with covariance `amplitude × kernel + noise`.
    Gp(FixedGpModel<K, S>),
    /// Gaussian-process classification with latent covariance `amplitude ×
    /// kernel`; `classes` as in [`Estimator::Svm`].
    Gpc { model: FixedGpcModel<K, S>, classes: Vec<String> },
}

impl<K, S> Machine<K, S> {
    /// The same machine with its kernel replaced by `f(kernel)`.
    pub fn map_kernel<K2>(self, f: impl FnOnce(K) -> K2) -> Machine<K2, S> {
        match self {
            Machine::Svm { model, classes } => Machine::Svm { model: model.map_kernel(f), classes },
            Machine::KernelRidge(m) => Machine::KernelRidge(m.map_kernel(f)),
            Machine::Gp(m) => Machine::Gp(m.map_kernel(f)),
            Machine::Gpc { model, classes } => Machine::Gpc { model: model.map_kernel(f), classes },
        }
    }
}

impl<K, S: Samples> Machine<K, S> {
    /// The task's command-line name.
    pub fn task(&self) -> &'static str {
        match self {
            Machine::Svm { model, .. } => model.kind.name(),
            Machine::KernelRidge(_) => "krr",
            Machine::Gp(_) => "gp",
            Machine::Gpc { .. } => "gpc",
        }
    }

    /// The kernel.
    pub fn kernel(&self) -> &K {
        match self {
            Machine::Svm { model, .. } => &model.kernel,
            Machine::KernelRidge(m) => &m.kernel,
            Machine::Gp(m) => &m.kernel,
            Machine::Gpc { model, .. } => &model.kernel,
        }
    }

    /// The class names of a classifier, in the model's order (empty otherwise).
    pub fn classes(&self) -> &[String] {
        match self {
            Machine::Svm { classes, .. } | Machine::Gpc { classes, .. } => classes,
            Machine::KernelRidge(_) | Machine::Gp(_) => &[],
        }
    }

    /// Whether an SVM's fit left no variable at its upper bound C: the box
    /// constraints are then inactive, and the solution is the solution at
    /// every larger C (the KKT conditions of free variables do not hold C).
    pub fn box_inactive(&self) -> bool {
        matches!(self, Machine::Svm { model, .. } if model.pairs.iter().all(|p| p.n_bsv == 0))
    }

    /// Number of samples kept (support vectors, or the training set).
    pub fn n_train(&self) -> usize {
        match self {
            Machine::Svm { model, .. } => model.support_vectors.len(),
            Machine::KernelRidge(m) => m.train.len(),
            Machine::Gp(m) => m.train.len(),
            Machine::Gpc { model, .. } => model.train.len(),
        }
    }
}

/// The kernel of a model, of whichever kind of sample.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(untagged)]
pub enum ModelKernel<'a> {
    /// On vectors.
    Vector(&'a VectorKernel),
    /// On strings.
    String(&'a StringKernel),
    /// On graphs.
    Graph(&'a GraphKernel),
}

impl ModelKernel<'_> {
    /// Its command-line name.
    pub fn name(&self) -> &'static str {
        match self {
            ModelKernel::Vector(k) => k.name(),
            ModelKernel::String(k) => k.name(),
            ModelKernel::Graph(k) => k.name(),
        }
    }

    /// Whether it reads precomputed kernel values.
    pub fn contains_precomputed(&self) -> bool {
        matches!(self, ModelKernel::Vector(k) if k.contains_precomputed())
    }
}

impl std::fmt::Display for ModelKernel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelKernel::Vector(k) => k.fmt(f),
            ModelKernel::String(k) => k.fmt(f),
            ModelKernel::Graph(k) => k.fmt(f),
        }
    }
}

/// The linear model on the features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LinearHead {
    /// Ridge regression: `coef` is `M × n_targets`, column-major, fitted to
    /// the targets less `target_mean` (empty: as given; format 7 on).
    Ridge {
        coef: Vec<f64>,
        n_targets: usize,
        alpha: f64,
        #[serde(default)]
        target_mean: Vec<f64>,
    },
    /// A linear SVM; `classes` names the classes in the model's order.
    Svm { model: LinearSvmModel, classes: Vec<String> },
    /// A linear SVR (ε-insensitive loss or its square).
    Svr { model: LinearSvrModel },
    /// Ridge regression on ±1 targets (one column for two classes, one per
    /// class beyond), predicting the class of the largest score.
    RidgeClassifier { coef: Vec<f64>, n_targets: usize, alpha: f64, classes: Vec<String> },
}

impl Estimator {
    /// The class names of a classifier, in the model's order (empty otherwise).
    pub fn classes(&self) -> &[String] {
        match self {
            Estimator::Svm { classes, .. }
            | Estimator::Gpc { classes, .. }
            | Estimator::FeatureGpc { classes, .. }
            | Estimator::Falkon { classes, .. } => classes,
            Estimator::Approx {
                head: LinearHead::Svm { classes, .. } | LinearHead::RidgeClassifier { classes, .. },
                ..
            } => classes,
            Estimator::Sequences { machine, .. } => machine.classes(),
            Estimator::Graphs(machine) => machine.classes(),
            Estimator::KernelRidge(_)
            | Estimator::Gp(_)
            | Estimator::Sgpr(_)
            | Estimator::FeatureGp(_)
            | Estimator::Approx { .. } => &[],
        }
    }
}

impl Model {
    /// Wraps a fitted estimator with the current format version.
    pub fn new(n_features: usize, input: InputSchema, estimator: Estimator) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            kern_version: env!("CARGO_PKG_VERSION").to_string(),
            n_features,
            input,
            estimator,
            origin: Origin::Kern,
            calibration: None,
        }
    }

    /// The task's command-line name.
    pub fn task(&self) -> &'static str {
        match &self.estimator {
            Estimator::KernelRidge(_) => "krr",
            Estimator::Svm { model, .. } => model.kind.name(),
            Estimator::Gp(_) | Estimator::Sgpr(_) | Estimator::FeatureGp(_) => "gp",
            Estimator::Gpc { .. } | Estimator::FeatureGpc { .. } => "gpc",
            Estimator::Approx { head: LinearHead::Ridge { .. }, .. } => "krr",
            Estimator::Approx { head: LinearHead::Svm { .. } | LinearHead::RidgeClassifier { .. }, .. } => "svc",
            Estimator::Approx { head: LinearHead::Svr { .. }, .. } => "svr",
            Estimator::Falkon { classes, .. } => {
                if classes.is_empty() {
                    "krr"
                } else {
                    "svc"
                }
            }
            Estimator::Sequences { machine, .. } => machine.task(),
            Estimator::Graphs(machine) => machine.task(),
        }
    }

    /// The kernel the model evaluates.
    pub fn kernel(&self) -> ModelKernel<'_> {
        ModelKernel::Vector(match &self.estimator {
            Estimator::KernelRidge(m) => &m.kernel,
            Estimator::Svm { model, .. } => &model.kernel,
            Estimator::Gp(m) => &m.kernel,
            Estimator::Sgpr(m) => &m.kernel,
            Estimator::Gpc { model, .. } => &model.latent[0].kernel,
            Estimator::FeatureGp(m) => &m.kernel,
            Estimator::FeatureGpc { model, .. } => &model.latent[0].kernel,
            Estimator::Approx { kernel, .. } => kernel,
            Estimator::Falkon { model, .. } => &model.kernel,
            Estimator::Sequences { machine, .. } => return ModelKernel::String(machine.kernel()),
            Estimator::Graphs(machine) => return ModelKernel::Graph(machine.kernel()),
        })
    }

    /// Number of training samples kept in the model (support vectors for an SVM).
    pub fn n_train(&self) -> usize {
        match &self.estimator {
            Estimator::KernelRidge(m) => m.train.n_samples(),
            Estimator::Svm { model, .. } => model.support_vectors.n_samples(),
            Estimator::Gp(m) => m.train.n_samples(),
            Estimator::Sgpr(m) => m.inducing.n_samples(),
            Estimator::Gpc { model, .. } => model.train.n_samples(),
            Estimator::Approx { map, .. } => landmarks(map),
            Estimator::FeatureGp(m) => landmarks(&m.map),
            Estimator::FeatureGpc { model, .. } => landmarks(&model.latent[0].map),
            Estimator::Falkon { model, .. } => model.centers.n_samples(),
            Estimator::Sequences { machine, .. } => machine.n_train(),
            Estimator::Graphs(machine) => machine.n_train(),
        }
    }
}

/// The training samples a feature map keeps (Nyström's landmarks).
fn landmarks(map: &ApproxMap) -> usize {
    match map {
        ApproxMap::Nystroem(m) => m.landmarks.n_samples(),
        ApproxMap::Rff(_) => 0,
    }
}
